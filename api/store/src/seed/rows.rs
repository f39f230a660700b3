//! Rows generated in memory and written in multi-row `INSERT`s, or on PostgreSQL with
//! `COPY … FROM STDIN` (text format), which is several times faster.

use std::fmt::Write as _;
use std::sync::Arc;

use sea_orm::sqlx::PgConnection;
use sea_orm::{
    ActiveModelTrait, DatabaseTransaction, DbErr, EntityTrait, IdenStatic, IntoActiveModel,
    Iterable as _, ModelTrait, RuntimeErr, Value,
};

use crate::entity;
use crate::error::StoreResult;

/// Bound parameters allowed per statement: below SQLite's default limit of 32,766 (and far
/// below PostgreSQL's 65,535).
const MAX_PARAMETERS: usize = 30_000;

/// Rows per statement at most, whatever the column count.
const MAX_ROWS: usize = 1_000;

/// Inserts `rows` in statements of at most [`MAX_PARAMETERS`] bound values.
async fn insert_rows<E>(txn: &DatabaseTransaction, rows: Vec<E::Model>) -> StoreResult<()>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E>,
{
    if rows.is_empty() {
        return Ok(());
    }
    let columns = E::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMETERS / columns).clamp(1, MAX_ROWS);
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(per_statement)
            .map(IntoActiveModel::into_active_model)
            .collect();
        if chunk.is_empty() {
            return Ok(());
        }
        E::insert_many(chunk).exec_without_returning(txn).await?;
    }
}

/// A driver error as a store error.
pub(super) fn driver_error(error: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(error)))
}

/// Appends `text` to a `COPY` text-format field, escaping what the format requires.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
}

/// Appends `value` as a `COPY` text-format field (`\N` for NULL). Writes the same values a
/// bound `INSERT` parameter would: timestamps in UTC to the microsecond, dates as ISO 8601.
fn push_value(out: &mut String, value: &Value) -> Result<(), DbErr> {
    const NULL: &str = "\\N";
    // `write!` to a `String` cannot fail.
    let _ = match value {
        Value::Bool(v) => {
            out.push_str(v.map_or(NULL, |b| if b { "t" } else { "f" }));
            Ok(())
        }
        Value::TinyInt(Some(v)) => write!(out, "{v}"),
        Value::SmallInt(Some(v)) => write!(out, "{v}"),
        Value::Int(Some(v)) => write!(out, "{v}"),
        Value::BigInt(Some(v)) => write!(out, "{v}"),
        Value::TinyUnsigned(Some(v)) => write!(out, "{v}"),
        Value::SmallUnsigned(Some(v)) => write!(out, "{v}"),
        Value::Unsigned(Some(v)) => write!(out, "{v}"),
        Value::BigUnsigned(Some(v)) => write!(out, "{v}"),
        Value::String(Some(v)) => {
            push_escaped(out, v);
            Ok(())
        }
        Value::Char(Some(v)) => {
            push_escaped(out, v.encode_utf8(&mut [0; 4]));
            Ok(())
        }
        Value::Json(Some(v)) => {
            push_escaped(out, &v.to_string());
            Ok(())
        }
        Value::Uuid(Some(v)) => write!(out, "{v}"),
        Value::ChronoDate(Some(v)) => write!(out, "{}", v.format("%Y-%m-%d")),
        Value::ChronoDateTimeUtc(Some(v)) => {
            write!(out, "{}+00", v.format("%Y-%m-%d %H:%M:%S%.6f"))
        }
        Value::TinyInt(None)
        | Value::SmallInt(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::TinyUnsigned(None)
        | Value::SmallUnsigned(None)
        | Value::Unsigned(None)
        | Value::BigUnsigned(None)
        | Value::String(None)
        | Value::Char(None)
        | Value::Json(None)
        | Value::Uuid(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => {
            out.push_str(NULL);
            Ok(())
        }
        other => {
            return Err(DbErr::Custom(format!(
                "seed: no COPY text form for {other:?}"
            )));
        }
    };
    Ok(())
}

/// Writes `rows` with one `COPY … FROM STDIN` on `conn` (PostgreSQL).
async fn copy_rows<E>(conn: &mut PgConnection, rows: Vec<E::Model>) -> StoreResult<()>
where
    E: EntityTrait,
{
    if rows.is_empty() {
        return Ok(());
    }
    let columns: Vec<E::Column> = E::Column::iter().collect();
    let names: Vec<String> = columns
        .iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect();
    let statement = format!(
        "COPY \"{}\" ({}) FROM STDIN",
        E::default().table_name(),
        names.join(", ")
    );
    let mut data = String::with_capacity(rows.len() * 16 * columns.len());
    for row in &rows {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                data.push('\t');
            }
            push_value(&mut data, &row.get(*column))?;
        }
        data.push('\n');
    }
    let mut copy = conn.copy_in_raw(&statement).await.map_err(driver_error)?;
    if let Err(error) = copy.send(data.into_bytes()).await {
        // Best effort: the transaction is rolled back anyway.
        let _ = copy.abort("seed failed").await;
        return Err(driver_error(error).into());
    }
    copy.finish().await.map_err(driver_error)?;
    Ok(())
}

/// Declares [`Rows`]: one vector of models per table, flushed in the order listed (parents
/// before children, so foreign keys hold).
macro_rules! rows {
    ($($table:ident),+ $(,)?) => {
        /// Generated rows waiting to be inserted, one vector per table.
        #[derive(Default)]
        pub(super) struct Rows {
            $(pub(super) $table: Vec<entity::$table::Model>,)+
        }

        impl Rows {
            /// Inserts every waiting row, table by table in foreign-key order, and empties
            /// the vectors. Returns how many rows were written.
            pub(super) async fn flush(&mut self, txn: &DatabaseTransaction) -> StoreResult<usize> {
                let mut written = 0;
                $(
                    let rows = std::mem::take(&mut self.$table);
                    written += rows.len();
                    insert_rows::<entity::$table::Entity>(txn, rows).await?;
                )+
                Ok(written)
            }

            /// [`Rows::flush`] on PostgreSQL, with one `COPY` per table.
            pub(super) async fn copy(&mut self, conn: &mut PgConnection) -> StoreResult<usize> {
                let mut written = 0;
                $(
                    let rows = std::mem::take(&mut self.$table);
                    written += rows.len();
                    copy_rows::<entity::$table::Entity>(conn, rows).await?;
                )+
                Ok(written)
            }
        }
    };
}

rows! {
    local_authority,
    locality,
    agency,
    team,
    practitioner,
    team_membership,
    area,
    lsoa,
    family_hub,
    person,
    family,
    family_member,
    person_identifier,
    person_disability,
    address,
    relationship,
    agency_link,
    family_network,
    network_member,
    contact,
    referral,
    family_help_episode,
    involvement,
    assessment,
    assessment_factor,
    plan,
    plan_goal,
    plan_review,
    section47_enquiry,
    cp_conference,
    visit,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn field(value: Value) -> String {
        let mut out = String::new();
        push_value(&mut out, &value).unwrap();
        out
    }

    #[test]
    fn copy_fields_escape_what_the_text_format_requires() {
        assert_eq!(
            field(Value::String(Some("a\\b\tc\nd\re".to_owned()))),
            "a\\\\b\\tc\\nd\\re"
        );
        assert_eq!(field(Value::String(None)), "\\N");
        assert_eq!(field(Value::Bool(Some(true))), "t");
        assert_eq!(field(Value::Bool(None)), "\\N");
        assert_eq!(field(Value::Int(Some(-7))), "-7");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T09:30:00.123456789Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            field(Value::ChronoDateTimeUtc(Some(at))),
            "2026-11-01 09:30:00.123456+00"
        );
        assert_eq!(
            field(Value::ChronoDate(chrono::NaiveDate::from_ymd_opt(
                2026, 2, 3
            ))),
            "2026-02-03"
        );
        assert!(push_value(&mut String::new(), &Value::Float(Some(1.0))).is_err());
    }
}
