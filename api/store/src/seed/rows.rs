//! Rows generated in memory and written in multi-row `INSERT`s.

use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, Iterable as _};

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
