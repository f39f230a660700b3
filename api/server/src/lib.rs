//! The familygraph server: configuration, bearer-token authentication, HTTP routes and the
//! command line. The only crate that uses `anyhow`.

pub mod adapters;
pub mod auth;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod dev_issuer;
pub mod entry;
pub mod graphiql;
pub mod http;
pub mod lifecycle;
pub mod parsed;
pub mod persisted;
pub mod policy;
pub mod rate_limit;
pub mod run;
pub mod settings;
pub mod subscription_socket;
pub mod telemetry;
pub mod webhooks;
