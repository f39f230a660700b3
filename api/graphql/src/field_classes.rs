//! Field classes, enforced as fields resolve: a field of a record type the access policy
//! classifies (`types.Person.fields` …) resolves only when the caller's scope sees its class;
//! otherwise it is `null` with a `FORBIDDEN` error naming the class. Record types whose class the
//! caller lacks are already absent (the store leaves them out in SQL); this covers the fields of
//! records the caller does see (a school sees a child's identity and partner view, not plans).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{PathSegment, QueryPathNode, ServerResult, Value};

use crate::context::RequestContext;
use crate::error::ApiError;

/// The schema extension that checks each field's class (see the module docs).
pub struct FieldClassGuard;

impl ExtensionFactory for FieldClassGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldClassCheck)
    }
}

struct FieldClassCheck;

#[async_trait::async_trait]
impl Extension for FieldClassCheck {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !info.is_for_introspection
            && let Ok(request) = ctx.data::<Arc<RequestContext>>()
            && let Some(class) = request.policy.field_class(info.parent_type, info.name)
            && !request.scope.sees(class)
        {
            let refused = ApiError::Forbidden {
                operation: format!("read {class} ({}.{})", info.parent_type, info.name),
            };
            let mut error =
                async_graphql::Error::from(refused).into_server_error(info.field.name.pos);
            error.path = path_of(info.path_node);
            return Err(error);
        }
        next.run(ctx, info).await
    }
}

/// The response path of a field, as errors carry it.
fn path_of(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
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
