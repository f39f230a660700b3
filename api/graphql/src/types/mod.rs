//! GraphQL object types, one module per aggregate.

pub mod adapter_run;
pub mod agency;
pub mod audit;
pub mod break_glass;
pub mod casework;
pub mod child_protection;
pub mod dead_letter;
pub mod education;
pub mod family;
pub mod family_network;
pub mod identity;
pub mod information_share;
pub mod node;
pub mod partner;
pub mod person;
pub mod place;
pub mod plan;
pub mod service;
pub mod team;
pub mod webhook;

use crate::error::{ApiError, ApiResult};

/// Parses a code stored in the database into its enum; a stored value that does not parse is
/// corruption, reported as an internal error (never as the client's fault).
pub(crate) fn stored<T>(column: &str, value: &str, parse: fn(&str) -> Option<T>) -> ApiResult<T> {
    parse(value).ok_or_else(|| {
        ApiError::internal(&format!("stored {column} {value:?} is not a known code"))
    })
}

/// Like [`stored`], for a nullable column.
pub(crate) fn stored_opt<T>(
    column: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> ApiResult<Option<T>> {
    value.map(|v| stored(column, v, parse)).transpose()
}
