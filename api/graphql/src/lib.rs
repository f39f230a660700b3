//! familygraph's GraphQL schema: Relay-style reads over children, families, networks, plans,
//! teams and places, resolved through scoped, batched loaders.
//!
//! No HTTP here: the server crate authenticates the caller, puts a [`RequestContext`] into each
//! request, and writes the audit trail the context collected. Subscriptions
//! ([`subscription`]) are fed by the outbox tail in [`events`], and build and audit a context
//! per delivered event themselves.

pub mod context;
pub mod error;
pub mod events;
pub mod global_id;
pub mod loaders;
pub mod measures;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod subscription;
pub mod types;

use async_graphql::Schema;

pub use context::RequestContext;
pub use error::{ApiError, ErrorCode};
pub use events::EventFeed;
pub use subscription::{Subscriber, SubscriptionSources};

/// The schema type.
pub type FamilyGraphSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Deepest query the server will run.
pub const MAX_DEPTH: usize = 16;
/// Most complex query the server will run (each field costs 1; connections multiply by page).
pub const MAX_COMPLEXITY: usize = 20_000;

/// Builds the schema with its limits.
pub fn build_schema() -> FamilyGraphSchema {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription,
    )
    .extension(subscription::PerEventContext)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(20)
    .finish()
}

/// The schema in SDL, as `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema().sdl()
}
