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
pub mod field_classes;
pub mod field_errors;
pub mod global_id;
pub mod limits;
pub mod loaders;
pub mod measures;
pub mod mutation;
pub mod pagination;
pub mod policy_check;
pub mod query;
pub mod subscription;
pub mod types;

use async_graphql::{Schema, SchemaBuilder};
use std::sync::Arc;

pub use context::RequestContext;
pub use error::{ApiError, ErrorCode};
pub use events::{EventFeed, FeedListeners};
pub use limits::{Introspection, LimitBreach, Limits};
pub use subscription::{Subscriber, SubscriptionSources};

/// The schema type.
pub type FamilyGraphSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Deepest query the server will run by default (see [`Limits`]).
pub const MAX_DEPTH: usize = 12;
/// Default cost limit (each field costs 1; connections multiply by their page; see [`Limits`]).
pub const MAX_COMPLEXITY: usize = 10_000;

/// Builds the schema with the default [`Limits`].
pub fn build_schema() -> FamilyGraphSchema {
    build_schema_with(&Limits::default())
}

/// Builds the schema with `limits`. The schema enforces the depth limit itself (a backstop:
/// [`Limits::check`] refuses deeper documents before they reach it); with introspection off,
/// it answers no introspection and suggests no field names.
pub fn build_schema_with(limits: &Limits) -> FamilyGraphSchema {
    schema_builder(limits).finish()
}

/// The builder [`build_schema_with`] finishes, for a server that registers extensions of its
/// own (telemetry) after the schema's.
pub fn schema_builder(
    limits: &Limits,
) -> SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription> {
    schema_builder_timed(limits, None)
}

/// [`schema_builder`], telling `field_timer` how long each field's resolver took (see
/// [`field_errors::FieldTimer`]).
pub fn schema_builder_timed(
    limits: &Limits,
    field_timer: Option<Arc<dyn field_errors::FieldTimer>>,
) -> SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription> {
    let field_errors = match field_timer {
        Some(timer) => field_errors::FieldErrorsAsNull::timed(timer),
        None => field_errors::FieldErrorsAsNull::default(),
    };
    let mut builder = Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription,
    )
    .extension(subscription::PerEventContext)
    // Also refuses the fields whose class the caller may not read, which then answer `null`.
    .extension(field_errors)
    // Never below the introspection allowance, or GraphiQL's introspection query fails here.
    .limit_depth(limits.max_depth.max(limits::MAX_INTROSPECTION_DEPTH))
    // Flat (one per field) cost: a backstop for subscriptions, which do not pass through
    // `Limits::check`; never lower than the page-aware cost that check computes.
    .limit_complexity(limits.max_cost)
    .limit_recursive_depth(32)
    .limit_directives(limits.max_directives);
    if limits.introspection == Introspection::Off {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

/// The schema in SDL, as `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema().sdl()
}
