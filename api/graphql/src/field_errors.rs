//! Field errors answer `null`, as the GraphQL specification's "Handling Execution Errors" asks:
//! a field whose resolver (or a guard such as [`crate::field_classes`]) fails is `null` in
//! `data`, with its error in `errors`; when that field is non-null, the `null` moves up to the
//! nearest nullable parent (and to `data` itself when there is none).
//!
//! async-graphql instead leaves an errored field out of its parent object, so `data` no longer
//! has the shape the document asked for: typed clients (Apollo, urql's cache, Relay, codegen'd
//! types) read a missing field as a broken response. [`FieldErrorsAsNull`] wraps every field's
//! resolution and restores the specified shape.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{PathSegment, Response, ServerError, ServerResult, Value};

use crate::field_classes::path_of;

/// Told of each field after its resolver ran: how long it took and whether it failed. The
/// server's telemetry records slow resolvers through it, so that the field is timed where this
/// extension already wraps it. (The telemetry extension's own `resolve` hook, now the default,
/// still adds a layer per field: async-graphql calls every extension's `resolve`.)
pub trait FieldTimer: Send + Sync {
    /// The resolver of `parent_type.field` took `elapsed`; `failed`: it returned an error.
    /// List items are not fields and are not reported; nor are fields refused for their class,
    /// whose resolver never runs.
    fn resolved(&self, parent_type: &str, field: &str, elapsed: Duration, failed: bool);
}

/// The schema extension that answers errored fields with `null` (see the module docs), and
/// refuses the fields whose class the caller may not read ([`crate::field_classes`]). It must
/// be registered before any extension whose `resolve` can fail, so that it wraps them.
#[derive(Default)]
pub struct FieldErrorsAsNull {
    timer: Option<Arc<dyn FieldTimer>>,
}

impl FieldErrorsAsNull {
    /// Also tells `timer` how long each field's resolver took.
    pub fn timed(timer: Arc<dyn FieldTimer>) -> Self {
        Self { timer: Some(timer) }
    }
}

impl ExtensionFactory for FieldErrorsAsNull {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NullOnError {
            timer: self.timer.clone(),
            ..NullOnError::default()
        })
    }
}

/// One execution's (or one subscription's) bookkeeping.
#[derive(Default)]
struct NullOnError {
    /// Set once `state.broken` holds a path, so that fields resolve without taking the lock
    /// while nothing has failed.
    any_broken: AtomicBool,
    state: Mutex<State>,
    timer: Option<Arc<dyn FieldTimer>>,
}

#[derive(Default)]
struct State {
    /// Errors of nullable fields that this extension answered with `null` (async-graphql never
    /// saw them): they join the response's errors when the execution ends.
    errors: Vec<ServerError>,
    /// Paths of non-null fields that failed (left out by async-graphql) or became `null`: their
    /// parent must become `null` in turn.
    broken: Vec<Vec<PathSegment>>,
}

impl NullOnError {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn mark_broken(&self, path: Vec<PathSegment>) {
        self.state().broken.push(path);
        self.any_broken.store(true, Ordering::Release);
    }

    /// Takes the broken paths directly below `path`: its fields, or its list items and their
    /// fields (async-graphql resolves each list item through the extension too).
    fn take_broken_children(&self, path: &[PathSegment]) -> Vec<Vec<PathSegment>> {
        let mut state = self.state();
        let (children, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut state.broken)
            .into_iter()
            .partition(|broken| {
                broken.len() > path.len()
                    && broken.starts_with(path)
                    && broken[path.len()..broken.len() - 1]
                        .iter()
                        .all(|segment| matches!(segment, PathSegment::Index(_)))
            });
        state.broken = rest;
        children
            .into_iter()
            .map(|broken| broken[path.len()..].to_vec())
            .collect()
    }
}

#[async_trait::async_trait]
impl Extension for NullOnError {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let non_null = info.return_type.ends_with('!');
        // The names borrow from the schema and the document, not from `info`, which `next`
        // takes: nothing is copied for a field that resolves.
        let return_type = info.return_type;
        let path_node = info.path_node;
        let path = || path_of(path_node);
        let resolved = match crate::field_classes::refusal(ctx, &info) {
            Some(refused) => Err(refused),
            // A list's items are resolved through this hook too (parent type `[T!]`): not
            // fields, so not timed.
            None => match &self.timer {
                Some(timer) if !info.parent_type.starts_with('[') => {
                    let (parent_type, field) = (info.parent_type, info.name);
                    let started = Instant::now();
                    let resolved = next.run(ctx, info).await;
                    timer.resolved(parent_type, field, started.elapsed(), resolved.is_err());
                    resolved
                }
                _ => next.run(ctx, info).await,
            },
        };
        match resolved {
            Err(error) if non_null => {
                // async-graphql records the error and leaves the field out; the parent nulls.
                self.mark_broken(path());
                Err(error)
            }
            Err(mut error) => {
                if error.path.is_empty() {
                    error.path = path();
                }
                self.state().errors.push(error);
                Ok(Some(Value::Null))
            }
            Ok(value) => {
                let mut value = value.unwrap_or_default();
                if !self.any_broken.load(Ordering::Acquire) {
                    return Ok(Some(value));
                }
                let here = path();
                let mut nulled = false;
                for below in self.take_broken_children(&here) {
                    nulled |= null_holder(&mut value, return_type, &below);
                }
                if nulled {
                    value = Value::Null;
                    if non_null {
                        self.mark_broken(here);
                    }
                }
                Ok(Some(value))
            }
        }
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let state = std::mem::take(&mut *self.state());
        self.any_broken.store(false, Ordering::Release);
        // A non-null root field that failed nulls `data` itself.
        if state.broken.iter().any(|path| path.len() == 1) {
            response.data = Value::Null;
        }
        response.errors.extend(state.errors);
        response
    }
}

/// Nulls what holds a failed non-null field. `below` leads from `value` (of GraphQL type `ty`)
/// through list indexes to that field. Returns whether `value` itself must become `null`.
fn null_holder(value: &mut Value, ty: &str, below: &[PathSegment]) -> bool {
    match below {
        [PathSegment::Index(index), rest @ ..] => {
            let inner = list_item_type(ty);
            let Value::List(items) = value else {
                return false;
            };
            let Some(item) = items.get_mut(*index) else {
                return false;
            };
            if null_holder(item, inner, rest) {
                if inner.ends_with('!') {
                    return true;
                }
                *item = Value::Null;
            }
            false
        }
        // A list item that is itself broken, or the object holding the failed field: null.
        [] | [PathSegment::Field(_)] => true,
        _ => false,
    }
}

/// The item type of a list type: `[Child!]!` → `Child!`.
fn list_item_type(ty: &str) -> &str {
    let ty = ty.strip_suffix('!').unwrap_or(ty);
    ty.strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(ty)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};

    #[derive(SimpleObject)]
    struct Leaf {
        ok: i32,
    }

    struct Item {
        fail: bool,
    }

    #[Object]
    impl Item {
        async fn name(&self) -> &str {
            "item"
        }
        async fn required(&self) -> async_graphql::Result<i32> {
            if self.fail {
                Err("required failed".into())
            } else {
                Ok(1)
            }
        }
        async fn optional(&self) -> async_graphql::Result<Option<i32>> {
            Err("optional failed".into())
        }
    }

    struct Query;

    #[Object]
    impl Query {
        async fn item(&self) -> Item {
            Item { fail: true }
        }
        async fn maybe_item(&self) -> Option<Item> {
            Some(Item { fail: true })
        }
        async fn items(&self) -> Vec<Option<Item>> {
            vec![Some(Item { fail: false }), Some(Item { fail: true })]
        }
        async fn strict_items(&self) -> Option<Vec<Item>> {
            Some(vec![Item { fail: false }, Item { fail: true }])
        }
        async fn leaf(&self) -> Leaf {
            Leaf { ok: 1 }
        }
    }

    async fn run(query: &str) -> (serde_json::Value, usize) {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(FieldErrorsAsNull::default())
            .finish();
        let response = schema.execute(query).await;
        let errors = response.errors.len();
        (serde_json::to_value(&response.data).unwrap(), errors)
    }

    #[tokio::test]
    async fn a_failed_nullable_field_is_null_not_missing() {
        let (data, errors) = run("{ maybeItem { name optional } }").await;
        assert_eq!(
            data,
            serde_json::json!({ "maybeItem": { "name": "item", "optional": null } })
        );
        assert_eq!(errors, 1);
    }

    #[tokio::test]
    async fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
        let (data, errors) = run("{ maybeItem { name required } leaf { ok } }").await;
        assert_eq!(
            data,
            serde_json::json!({ "maybeItem": null, "leaf": { "ok": 1 } })
        );
        assert_eq!(errors, 1);
        let (data, _) = run("{ items { name required } }").await;
        assert_eq!(
            data,
            serde_json::json!({ "items": [{ "name": "item", "required": 1 }, null] })
        );
        let (data, _) = run("{ strictItems { required } }").await;
        assert_eq!(data, serde_json::json!({ "strictItems": null }));
    }

    #[tokio::test]
    async fn a_failure_that_reaches_a_non_null_root_field_nulls_data() {
        let (data, errors) = run("{ item { required } leaf { ok } }").await;
        assert_eq!(data, serde_json::Value::Null);
        assert_eq!(errors, 1);
    }

    /// Remembers every field it is told of.
    #[derive(Default)]
    struct Timings(Mutex<Vec<(String, bool)>>);

    impl FieldTimer for Timings {
        fn resolved(&self, parent_type: &str, field: &str, _elapsed: Duration, failed: bool) {
            self.0
                .lock()
                .unwrap()
                .push((format!("{parent_type}.{field}"), failed));
        }
    }

    #[tokio::test]
    async fn the_timer_hears_of_each_field_once_and_of_no_list_item() {
        let timings = Arc::new(Timings::default());
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(FieldErrorsAsNull::timed(timings.clone()))
            .finish();
        let response = schema
            .execute("{ items { name optional } leaf { ok } }")
            .await;
        assert_eq!(response.errors.len(), 2);
        let mut heard = timings.0.lock().unwrap().clone();
        heard.sort();
        let expected: Vec<(String, bool)> = [
            ("Item.name", false),
            ("Item.name", false),
            ("Item.optional", true),
            ("Item.optional", true),
            ("Leaf.ok", false),
            ("Query.items", false),
            ("Query.leaf", false),
        ]
        .into_iter()
        .map(|(field, failed)| (field.to_owned(), failed))
        .collect();
        assert_eq!(heard, expected);
    }

    #[test]
    fn list_item_types() {
        assert_eq!(list_item_type("[Child!]!"), "Child!");
        assert_eq!(list_item_type("[[Child]!]"), "[Child]!");
    }
}
