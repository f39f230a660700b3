//! Cursor connections (Relay): `first` (default 20, at most 100) and `after`.
//!
//! Pages are keyed by record id (UUIDv7, so creation order): `WHERE id > :after ORDER BY id
//! LIMIT first + 1`, which stays fast on any page, unlike offsets.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page a client may ask for; more is a `BAD_USER_INPUT` error, never silently capped.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Extra fields on every connection.
#[derive(Debug, Clone, Copy, SimpleObject)]
pub struct ConnectionTotals {
    /// How many records match, across all pages (counted only when asked for).
    pub total_count: u64,
}

/// A connection of `N` nodes.
pub type Page<N> = Connection<String, N, ConnectionTotals>;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// How many records to return.
    pub first: u64,
    /// Return records after this one.
    pub after: Option<Uuid>,
}

impl PageRequest {
    /// Validates `first` and `after` as a client sent them.
    pub fn new(first: Option<i32>, after: Option<&str>) -> ApiResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => return Err(ApiError::bad_input("first", "must not be negative")),
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(ApiError::bad_input(
                    "first",
                    format!("must be at most {MAX_PAGE_SIZE} (asked for {n})"),
                ));
            }
            Some(n) => n as u64,
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(Self { first, after })
    }
}

/// The opaque cursor of a record.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("after:{id}"))
}

fn decode_cursor(cursor: &str) -> ApiResult<Uuid> {
    let invalid = || ApiError::bad_input("after", "is not a cursor this API issued");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let id = text.strip_prefix("after:").ok_or_else(invalid)?;
    Uuid::parse_str(id).map_err(|_| invalid())
}

/// Runs one page of `select` (already filtered and scoped), keyed on `id_column`.
pub async fn load_page<E, N>(
    db: &DatabaseConnection,
    select: Select<E>,
    id_column: E::Column,
    page: PageRequest,
    want_total: bool,
    mut node: impl FnMut(E::Model) -> N,
) -> ApiResult<Page<N>>
where
    E: EntityTrait,
    E::Model: Sync,
    N: async_graphql::OutputType,
{
    let total_count = if want_total {
        select.clone().count(db).await?
    } else {
        0
    };
    let mut keyed = select.order_by_asc(id_column);
    if let Some(after) = page.after {
        keyed = keyed.filter(id_column.gt(after));
    }
    let mut rows = keyed.limit(page.first + 1).all(db).await?;
    let has_next_page = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let mut connection = Connection::with_additional_fields(
        page.after.is_some(),
        has_next_page,
        ConnectionTotals { total_count },
    );
    for row in rows {
        let id = <Option<Uuid> as sea_orm::sea_query::ValueType>::try_from(row.get(id_column))
            .ok()
            .flatten()
            .ok_or_else(|| ApiError::internal(&"row without an id"))?;
        connection
            .edges
            .push(Edge::new(encode_cursor(id), node(row)));
    }
    Ok(connection)
}

/// Builds a connection from rows already fetched as `first + 1` rows after the cursor.
pub fn page_of<R, N>(
    mut rows: Vec<R>,
    page: PageRequest,
    total_count: u64,
    id: impl Fn(&R) -> Uuid,
    mut node: impl FnMut(R) -> N,
) -> Page<N>
where
    N: async_graphql::OutputType,
{
    let has_next_page = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let mut connection = Connection::with_additional_fields(
        page.after.is_some(),
        has_next_page,
        ConnectionTotals { total_count },
    );
    connection.edges = rows
        .into_iter()
        .map(|row| Edge::new(encode_cursor(id(&row)), node(row)))
        .collect();
    connection
}

/// Whether the client selected `totalCount` on the connection being resolved.
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_are_validated_not_capped() {
        assert_eq!(PageRequest::new(None, None).unwrap().first, 20);
        assert_eq!(PageRequest::new(Some(100), None).unwrap().first, 100);
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(-1), None).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        let cursor = encode_cursor(id);
        assert_eq!(
            PageRequest::new(None, Some(&cursor)).unwrap().after,
            Some(id)
        );
        assert!(PageRequest::new(None, Some("nope")).is_err());
    }
}
