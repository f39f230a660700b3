//! The warehouse as an adapter SDK [`SourceAdapter`]: incremental pulls by watermark.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, Located, SourceAdapter, async_trait,
};
use serde::{Deserialize, Serialize};

use super::config::WarehouseConfig;
use super::db::{self, Bind, Dialect, LazyPool, quote};
use super::mapping::{Mapper, Outcome, Row};
use super::tables::{self, Companion, MODIFIED, PHASES, Table};

/// The Liquid Logic reporting warehouse (`Child_Social` tables in PostgreSQL or SQLite) read
/// through the adapter SDK. See the [module documentation](super) for the tables, the mapping
/// and the cursor.
#[derive(Debug, Clone)]
pub struct WarehouseSource {
    config: WarehouseConfig,
    pool: LazyPool,
    target: String,
}

/// What a cursor holds: where the run is, the run's upper bound, and each table's watermark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// The table being read; `None` between runs (the next pull starts a run).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    table: Option<String>,
    /// The run's upper bound: the latest modification time in the warehouse when the run
    /// started. Rows changed later wait for the next run, so a run never hands out a child's
    /// case record whose person record it has already passed.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    /// Per table, the (modified, id) of the last row handed out.
    #[serde(rename = "m", default)]
    marks: BTreeMap<String, (String, i64)>,
}

const CURSOR_PREFIX: &str = "wh1:";
const EPOCH_TEXT: &str = "1900-01-01 00:00:00";

impl State {
    fn decode(cursor: Option<&Cursor>) -> Result<Self, AdapterError> {
        let Some(cursor) = cursor else {
            return Ok(Self::default());
        };
        let invalid = || AdapterError::InvalidCursor {
            reason: format!("warehouse adapter: {cursor} is not one of its cursors"),
        };
        let json = cursor
            .as_str()
            .strip_prefix(CURSOR_PREFIX)
            .ok_or_else(invalid)?;
        let state: Self = serde_json::from_str(json).map_err(|_| invalid())?;
        if let Some(table) = &state.table
            && !PHASES.iter().any(|t| t.name == table)
        {
            return Err(invalid());
        }
        Ok(state)
    }

    fn encode(&self) -> Cursor {
        // A map of strings and numbers always serialises.
        let json = serde_json::to_string(self).unwrap_or_default();
        Cursor::new(format!("{CURSOR_PREFIX}{json}"))
    }
}

impl WarehouseSource {
    /// An adapter over the warehouse `config` names. Reads the connection URL (from the
    /// environment or a file) but does not connect until the first pull or health check.
    pub fn new(config: WarehouseConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let (url, _) = config.read_url()?;
        let target = format!("warehouse {}", config.name);
        let pool = db::pool(
            &url,
            Duration::from_secs(config.connect_timeout_seconds),
            &target,
        )?;
        Ok(Self {
            config,
            pool,
            target,
        })
    }

    /// The SQL dialect of the configured database.
    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    /// Closes the adapter's connections (they close on drop too; this waits for it).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The table's name as written in SQL: schema, prefix, quoted.
    fn qualified(&self, name: &str) -> String {
        let table = quote(&format!("{}{name}", self.config.table_prefix));
        match &self.config.schema {
            Some(schema) => format!("{}.{table}", quote(schema)),
            None => table,
        }
    }

    async fn fetch(
        &self,
        table: &str,
        sql: &str,
        binds: &[Bind],
    ) -> Result<Vec<Vec<Option<String>>>, AdapterError> {
        self.pool
            .get()
            .fetch_text(sql, binds)
            .await
            .map_err(|e| db::classify(&e, &self.target, table))
    }

    async fn departments(&self) -> Result<HashMap<String, String>, AdapterError> {
        let t = tables::DEPARTMENT;
        let sql = format!(
            "SELECT CAST({id} AS TEXT), CAST({name} AS TEXT) FROM {table} ORDER BY {id} LIMIT {max}",
            id = quote(t.id),
            name = quote("NAME"),
            table = self.qualified(t.name),
            max = tables::MAX_DEPARTMENTS,
        );
        let rows = self.fetch(t.name, &sql, &[]).await?;
        Ok(rows
            .into_iter()
            .filter_map(|mut row| {
                let name = row.pop().flatten()?;
                let id = row.pop().flatten()?;
                Some((id, name))
            })
            .collect())
    }

    /// The latest modification time over every table read (the run's upper bound).
    async fn high_water(&self) -> Result<String, AdapterError> {
        let mut parts = Vec::new();
        for table in PHASES {
            parts.push(format!(
                "SELECT MAX({m}) AS m FROM {t}",
                m = quote(MODIFIED),
                t = self.qualified(table.name)
            ));
            if let Some(c) = table.companion {
                parts.push(format!(
                    "SELECT MAX({m}) AS m FROM {t}",
                    m = quote(MODIFIED),
                    t = self.qualified(c.name)
                ));
            }
        }
        let sql = format!(
            "SELECT CAST(MAX(x.m) AS TEXT) FROM ({}) x",
            parts.join(" UNION ALL ")
        );
        let rows = self.fetch("(all tables)", &sql, &[]).await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_else(|| EPOCH_TEXT.to_owned()))
    }

    /// The next rows of `table` after `mark` and not after `until`, with the modified
    /// time and id of each.
    async fn page(
        &self,
        table: &Table,
        until: &str,
        mark: Option<&(String, i64)>,
        limit: usize,
    ) -> Result<Vec<(Row, String, i64)>, AdapterError> {
        let d = self.dialect();
        let modified =
            |alias: &str| format!("COALESCE({alias}.{}, {})", quote(MODIFIED), d.epoch());
        let mut watermark = modified("t");
        let mut join = String::new();
        if let Some(c) = table.companion {
            // The latest change among each parent's companion rows, joined once (a hash join),
            // rather than a subquery per row.
            join = format!(
                " LEFT JOIN (SELECT c.{parent} AS k, MAX(c.{m}) AS m FROM {ct} c GROUP BY c.{parent}) cm \
                 ON cm.k = t.{key}",
                m = quote(MODIFIED),
                ct = self.qualified(c.name),
                parent = quote(c.parent),
                key = quote(c.parent_key),
            );
            watermark = d.greatest(&watermark, &format!("COALESCE(cm.m, {})", d.epoch()));
        }
        let mut inner: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("CAST(t.{q} AS TEXT) AS {q}", q = quote(c)))
            .collect();
        inner.push(format!("{watermark} AS \"_WM\""));
        inner.push(format!("t.{} AS \"_ID\"", quote(table.id)));
        if let Some(person) = table.person {
            inner.push(
                "CASE WHEN p.\"DIM_PERSON_ID\" IS NULL THEN 'N' ELSE 'Y' END AS \"_PERSON\""
                    .to_owned(),
            );
            join.push_str(&format!(
                " LEFT JOIN {p} p ON p.\"DIM_PERSON_ID\" = t.{col}",
                p = self.qualified(tables::PERSON.name),
                col = quote(person)
            ));
        }
        let mut outer: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("s.{}", quote(c)))
            .collect();
        outer.push("CAST(s.\"_WM\" AS TEXT)".to_owned());
        outer.push("CAST(s.\"_ID\" AS TEXT)".to_owned());
        if table.person.is_some() {
            outer.push("s.\"_PERSON\"".to_owned());
        }
        let mut binds = vec![Bind::Text(until.to_owned())];
        let mut filter = format!("s.\"_WM\" <= {}", d.param(1, true));
        if let Some((ts, id)) = mark {
            binds.push(Bind::Text(ts.clone()));
            binds.push(Bind::Int(*id));
            filter.push_str(&format!(
                " AND (s.\"_WM\" > {p2} OR (s.\"_WM\" = {p2} AND s.\"_ID\" > {p3}))",
                p2 = d.param(2, true),
                p3 = d.param(3, false),
            ));
        }
        let sql = format!(
            "SELECT {outer} FROM (SELECT {inner} FROM {t} t{join}) s WHERE {filter} \
             ORDER BY s.\"_WM\", s.\"_ID\" LIMIT {limit}",
            outer = outer.join(", "),
            inner = inner.join(", "),
            t = self.qualified(table.name),
        );
        let rows = self.fetch(table.name, &sql, &binds).await?;
        let n = table.columns.len();
        let mut page = Vec::with_capacity(rows.len());
        for mut values in rows {
            let person_known = if table.person.is_some() {
                values.pop().flatten().map(|v| v == "Y")
            } else {
                None
            };
            let id_text = values.pop().flatten().unwrap_or_default();
            let wm = values
                .pop()
                .flatten()
                .unwrap_or_else(|| EPOCH_TEXT.to_owned());
            let id: i64 = id_text.parse().map_err(|_| {
                AdapterError::malformed(
                    familygraph_adapter_sdk::Location::document(table.name),
                    format!("{} must be an integer id", table.id),
                )
            })?;
            values.truncate(n);
            page.push((
                Row {
                    table: table.name,
                    columns: table.columns,
                    values,
                    person_known,
                },
                wm,
                id,
            ));
        }
        Ok(page)
    }

    /// The companion rows of a page's rows, by the parent key's value.
    async fn companions(
        &self,
        companion: &Companion,
        keys: Vec<i64>,
    ) -> Result<HashMap<String, Vec<Row>>, AdapterError> {
        let mut by_parent: HashMap<String, Vec<Row>> = HashMap::new();
        if keys.is_empty() {
            return Ok(by_parent);
        }
        let list: Vec<String> = keys.iter().map(i64::to_string).collect();
        let columns: Vec<String> = companion
            .columns
            .iter()
            .map(|c| format!("CAST(c.{q} AS TEXT)", q = quote(c)))
            .collect();
        let sql = format!(
            "SELECT {columns} FROM {t} c WHERE c.{parent} IN ({list}) \
             ORDER BY c.{parent}, c.{order}, c.{id}",
            columns = columns.join(", "),
            t = self.qualified(companion.name),
            parent = quote(companion.parent),
            list = list.join(", "),
            order = quote(companion.order),
            id = quote(companion.id),
        );
        for values in self.fetch(companion.name, &sql, &[]).await? {
            let row = Row {
                table: companion.name,
                columns: companion.columns,
                values,
                person_known: None,
            };
            if let Some(parent) = row.text(companion.parent) {
                let parent = parent.to_owned();
                by_parent.entry(parent).or_default().push(row);
            }
        }
        Ok(by_parent)
    }
}

#[async_trait]
impl SourceAdapter for WarehouseSource {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let mut checked = 0;
        for name in tables::all_table_names() {
            let table = std::iter::once(tables::DEPARTMENT)
                .chain(PHASES)
                .chain(std::iter::once(tables::CASENOTES))
                .find(|t| t.name == name);
            let columns: Vec<String> = match table {
                Some(t) => t.all_columns().map(quote).collect(),
                None => PHASES
                    .iter()
                    .filter_map(|t| t.companion)
                    .find(|c| c.name == name)
                    .map(|c| {
                        c.columns
                            .iter()
                            .copied()
                            .chain(std::iter::once(MODIFIED))
                            .map(quote)
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            let sql = format!(
                "SELECT {} FROM {} WHERE 1 = 0",
                columns.join(", "),
                self.qualified(name)
            );
            self.fetch(name, &sql, &[]).await?;
            checked += 1;
        }
        Ok(HealthReport {
            target: self.target.clone(),
            detail: format!(
                "{:?} warehouse: {checked} Child_Social tables present with the columns read",
                self.dialect()
            ),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let mut state = State::decode(cursor)?;
        let until = match (&state.table, &state.until) {
            (Some(_), Some(until)) => until.clone(),
            _ => {
                let until = self.high_water().await?;
                state.table = Some(PHASES[0].name.to_owned());
                state.until = Some(until.clone());
                until
            }
        };
        let departments = self.departments().await?;
        let mapper = Mapper {
            system: &self.config.name,
            departments: &departments,
        };
        let mut phase = PHASES
            .iter()
            .position(|t| Some(t.name) == state.table.as_deref())
            .unwrap_or(0);
        let mut batch = Batch::default();
        let mut remaining = self.config.page_size;
        let mut done = false;
        loop {
            let table = &PHASES[phase];
            let page = self
                .page(table, &until, state.marks.get(table.name), remaining)
                .await?;
            let exhausted = page.len() < remaining;
            remaining -= page.len();
            let companions = match table.companion {
                Some(c) => {
                    let keys = page
                        .iter()
                        .filter_map(|(row, _, _)| row.text(c.parent_key)?.parse().ok())
                        .collect();
                    self.companions(&c, keys).await?
                }
                None => HashMap::new(),
            };
            for (row, wm, id) in page {
                if row.id() != "-1" {
                    let own = table
                        .companion
                        .and_then(|c| row.text(c.parent_key))
                        .and_then(|key| companions.get(key))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    match mapper.map(table, &row, own) {
                        Outcome::Record(record, notes) => batch.records.push(Located {
                            location: row.location(),
                            record: *record,
                            notes,
                        }),
                        Outcome::Skipped => {}
                        Outcome::Rejected(mut rejected) => batch.rejected.append(&mut rejected),
                    }
                }
                state.marks.insert(table.name.to_owned(), (wm, id));
            }
            if !exhausted {
                break;
            }
            phase += 1;
            if phase == PHASES.len() {
                done = true;
                break;
            }
            state.table = Some(PHASES[phase].name.to_owned());
            if remaining == 0 {
                break;
            }
        }
        if done {
            state.table = None;
            state.until = None;
        }
        batch.next_cursor = Some(state.encode());
        batch.done = done;
        Ok(batch)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builds_outside_an_async_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("url");
        std::fs::write(&file, "sqlite::memory:").unwrap();
        let config = WarehouseConfig {
            name: "county-lcs".to_owned(),
            url: super::super::UrlSecret::File(file),
            schema: Some("main".to_owned()),
            table_prefix: String::new(),
            page_size: 10,
            connect_timeout_seconds: 1,
        };
        let source = WarehouseSource::new(config).unwrap();
        assert_eq!(source.dialect(), Dialect::Sqlite);
        assert_eq!(source.qualified("DIM_PERSON"), "\"main\".\"DIM_PERSON\"");
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let mut state = State {
            table: Some("FACT_CONTACTS".to_owned()),
            until: Some("2024-05-01 10:00:00".to_owned()),
            ..Default::default()
        };
        state.marks.insert(
            "DIM_PERSON".to_owned(),
            ("2024-04-01 09:00:00".to_owned(), 7),
        );
        let cursor = state.encode();
        assert_eq!(State::decode(Some(&cursor)).unwrap(), state);
        for foreign in ["groups:3", "wh1:{not json", "wh1:{\"t\":\"NOT_A_TABLE\"}"] {
            let err = State::decode(Some(&Cursor::new(foreign))).unwrap_err();
            assert!(
                matches!(err, AdapterError::InvalidCursor { .. }),
                "{foreign}"
            );
        }
    }
}
