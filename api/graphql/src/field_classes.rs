//! Field classes, enforced as fields resolve: a field of a record type the access policy
//! classifies (`types.Person.fields` …) resolves only when the caller's scope sees its class;
//! otherwise it is `null` with a `FORBIDDEN` error naming the class. Record types whose class the
//! caller lacks are already absent (the store leaves them out in SQL); this covers the fields of
//! records the caller does see (a school sees a child's identity and partner view, not plans),
//! over HTTP and on subscriptions alike.

use std::sync::Arc;

use async_graphql::extensions::{ExtensionContext, ResolveInfo};
use async_graphql::{PathSegment, QueryPathNode, ServerError};

use familygraph_domain::FieldClass;

use crate::context::RequestContext;
use crate::error::ApiError;
use crate::subscription::{Subscriber, SubscriptionSources};

/// The error that refuses the field `info` resolves, when the caller may not read its class
/// (see the module docs); `None` lets it resolve. Checked by [`crate::field_errors`]' schema
/// extension before each field resolves (one extension rather than two: every extension adds a
/// boxed step to every field of every response), so that a refused field answers `null`.
pub(crate) fn refusal(ctx: &ExtensionContext<'_>, info: &ResolveInfo<'_>) -> Option<ServerError> {
    if info.is_for_introspection {
        return None;
    }
    let class = withheld(ctx, info.parent_type, info.name)?;
    let refused = ApiError::Forbidden {
        operation: format!("read {class} ({}.{})", info.parent_type, info.name),
    };
    let mut error = async_graphql::Error::from(refused).into_server_error(info.field.name.pos);
    error.path = path_of(info.path_node);
    Some(error)
}

/// The class of `type_name.field` when the caller may not read it. The caller is the request's
/// context over HTTP; on a subscription (whose per-event context lives in execution data an
/// extension cannot see) it is the connection's subscriber under the same policy.
fn withheld(ctx: &ExtensionContext<'_>, type_name: &str, field: &str) -> Option<FieldClass> {
    if let Some(request) = ctx.data_opt::<Arc<RequestContext>>() {
        let class = request.policy.field_class(type_name, field)?;
        return (!request.scope.sees(class)).then_some(class);
    }
    let sources = ctx.data_opt::<SubscriptionSources>()?;
    let class = sources.policy.field_class(type_name, field)?;
    let granted = ctx.data_opt::<Subscriber>().is_some_and(|subscriber| {
        subscriber
            .principal
            .roles
            .iter()
            .any(|role| sources.policy.role(*role).classes.contains(&class))
    });
    (!granted).then_some(class)
}

/// The response path of a field, as errors carry it.
pub(crate) fn path_of(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
    match serde_json::to_value(node) {
        Ok(serde_json::Value::Array(segments)) => segments
            .into_iter()
            .filter_map(|segment| match segment {
                serde_json::Value::String(name) => Some(PathSegment::Field(name)),
                serde_json::Value::Number(index) => {
                    index.as_u64().map(|i| PathSegment::Index(i as usize))
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
