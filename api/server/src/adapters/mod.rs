//! Running adapters: `familygraph import <adapter> …`, `familygraph sync <adapter> …`, the
//! named sources administrators start through GraphQL, and `familygraph export`.
//!
//! - [`registry`]: builds a [`SourceAdapter`](familygraph_adapter_sdk::SourceAdapter) by
//!   name from its arguments (`cin-census FILE…`, `ssd DIR`, `fhir URL|DIR|FILE…`,
//!   `openreferral URL`, `schoolmis CONFIG`).
//! - [`sources`]: the configured, named sources (the `adapters.sources` file).
//! - [`runner`]: one run through the intake, with its lease, spans and metric.
//! - [`report`]: the summary (text or JSON) and the exit codes.
//! - [`command`]: the command-line handlers.
//! - [`launcher`]: starts configured sources' runs in the background for GraphQL.
//! - [`chain`]: several files of one kind as one source.

pub mod chain;
pub mod command;
pub mod launcher;
pub mod registry;
pub mod report;
pub mod runner;
pub mod sources;
