//! The generic mapping adapter: for small partners (voluntary and community groups, early
//! years settings) whose records are a spreadsheet export or a JSON file. A declarative TOML
//! mapping file says which column (CSV) or JSON pointer becomes which canonical field, maps
//! the partner's own words to the national codes, and describes its date formats — no code
//! per partner.
//!
//! - [`Mapping`]: the mapping file (see `docs/adapters.md` and
//!   `examples/little-acorns.mapping.toml`). Mistakes (an unknown field, a missing required
//!   field, an undefined value map) are configuration errors when the adapter is built.
//! - [`MappingAdapter`]: a [`SourceAdapter`](familygraph_adapter_sdk::SourceAdapter) over
//!   one file. A row is the unit: a row that cannot be translated is one rejection located
//!   at its file, line (or JSON pointer) and column; every other row is kept. The cursor is
//!   the number of rows read. A record key produced by several rows (a key worker named on
//!   every child's row) is produced once, by its first good row.
//!
//! Produces persons, contacts, involvements, professionals and family memberships.

mod adapter;
mod config;
mod mapping;
mod translate;

pub use adapter::MappingAdapter;
pub use config::MappingConfig;
pub use mapping::{Field, FieldSpec, Format, Kind, Mapping, RecordMapping};
