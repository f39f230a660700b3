//! The mapping adapter as a [`SourceAdapter`].
//!
//! Each pull reads the (small) file from the start: rows before the cursor are translated only
//! to know which record keys they already produced, so that a key named on several rows is
//! produced once, by its first good row, however the run is split into batches.

use crate::config::MappingConfig;
use crate::mapping::{Format, Mapping};
use crate::translate::{Row, Translator};
use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, Located, Location, Rejection,
    SourceAdapter, async_trait,
};
use familygraph_adapter_sdk::{CanonicalRecord, RecordKey};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Reads one partner's CSV or JSON file through its mapping.
#[derive(Debug, Clone)]
pub struct MappingAdapter {
    config: MappingConfig,
    mapping: Mapping,
    /// The source's file name, as rejections name it.
    document: String,
}

/// One row's translation: its records, or its rejection.
type RowResult = Result<Vec<Located<CanonicalRecord>>, Rejection>;

impl MappingAdapter {
    /// An adapter for a validated `config`, reading its mapping file now.
    pub fn new(config: MappingConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let text = std::fs::read_to_string(&config.mapping)
            .map_err(|e| AdapterError::io(&config.mapping, &e))?;
        let mapping = Mapping::parse(&text)?;
        Ok(Self::with_mapping(config, mapping))
    }

    /// An adapter for `config` with an already parsed `mapping` (its `mapping` path unused).
    pub fn with_mapping(config: MappingConfig, mapping: Mapping) -> Self {
        let document = Path::new(&config.source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| config.source.clone());
        Self {
            config,
            mapping,
            document,
        }
    }

    /// The mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    fn read(&self) -> Result<Vec<u8>, AdapterError> {
        std::fs::read(&self.config.source).map_err(|e| AdapterError::io(&self.config.source, &e))
    }

    fn translator(&self) -> Translator<'_> {
        Translator {
            mapping: &self.mapping,
            system: &self.config.name,
        }
    }

    /// Every row of the file, translated, in order.
    fn rows(&self) -> Result<Vec<RowResult>, AdapterError> {
        let bytes = self.read()?;
        let document = Location::document(&self.document);
        let translator = self.translator();
        match self.mapping.format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(u8::try_from(self.mapping.delimiter.unwrap_or(',')).map_err(
                        |_| AdapterError::Config {
                            reason: "mapping file: delimiter must be an ASCII character".into(),
                        },
                    )?)
                    .has_headers(true)
                    .from_reader(bytes.as_slice());
                let header: HashMap<String, usize> = reader
                    .headers()
                    .map_err(|e| {
                        AdapterError::malformed(document.clone(), format!("no CSV header: {e}"))
                    })?
                    .iter()
                    .enumerate()
                    .map(|(i, name)| (name.trim().to_owned(), i))
                    .collect();
                if let Some(missing) = self
                    .mapping
                    .sources()
                    .into_iter()
                    .find(|column| !header.contains_key(column))
                {
                    return Err(AdapterError::malformed(
                        document.at("line 1"),
                        format!("the mapping reads column {missing:?}, which the header lacks"),
                    ));
                }
                let mut rows = Vec::new();
                let mut record = csv::StringRecord::new();
                loop {
                    let line = reader.position().line() + 1;
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let line = record.position().map_or(line, |p| p.line());
                            let at = document.at(format!("line {line}"));
                            rows.push(translator.row(
                                &Row::Csv {
                                    header: &header,
                                    record: &record,
                                },
                                &at,
                            ));
                        }
                        Err(e) => {
                            let line = e.position().map_or(line, |p| p.line());
                            if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                                return Err(AdapterError::malformed(
                                    document.at(format!("line {line}")),
                                    format!("not readable as CSV: {e}"),
                                ));
                            }
                            rows.push(Err(Rejection::new(
                                document.at(format!("line {line}")),
                                "the row does not have as many fields as the header",
                            )));
                        }
                    }
                }
                Ok(rows)
            }
            Format::Json => {
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    AdapterError::malformed(document.clone(), format!("not valid JSON: {e}"))
                })?;
                let pointer = self.mapping.records.clone().unwrap_or_default();
                let items = value
                    .pointer(&pointer)
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        AdapterError::malformed(
                            document.at(&pointer),
                            "the records are not a JSON array",
                        )
                    })?;
                Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let at = document.at(format!("{pointer}/{i}"));
                        if item.is_object() {
                            translator.row(&Row::Json(item), &at)
                        } else {
                            Err(Rejection::new(at, "the record is not a JSON object"))
                        }
                    })
                    .collect())
            }
        }
    }
}

fn parse_cursor(cursor: Option<&Cursor>) -> Result<usize, AdapterError> {
    match cursor {
        None => Ok(0),
        Some(cursor) => cursor
            .as_str()
            .strip_prefix("row:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| AdapterError::InvalidCursor {
                reason: "not a cursor of the mapping adapter".to_owned(),
            }),
    }
}

#[async_trait]
impl SourceAdapter for MappingAdapter {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let rows = self.rows()?;
        Ok(HealthReport {
            target: self.config.source.clone(),
            detail: format!(
                "{} rows readable with the mapping ({} record entries)",
                rows.len(),
                self.mapping.records_out.len()
            ),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let start = parse_cursor(cursor)?;
        let rows = self.rows()?;
        if start > rows.len() {
            return Err(AdapterError::InvalidCursor {
                reason: format!(
                    "the cursor is past the end of the file ({} rows)",
                    rows.len()
                ),
            });
        }
        let total = rows.len();
        let end = total.min(start + self.config.batch_size);
        let mut seen: BTreeSet<RecordKey> = BTreeSet::new();
        for row in rows[..start].iter().flatten() {
            seen.extend(row.iter().map(|r| r.record.record_key()));
        }
        let mut batch = Batch::default();
        for row in rows.into_iter().take(end).skip(start) {
            match row {
                Ok(records) => batch.records.extend(
                    records
                        .into_iter()
                        .filter(|r| seen.insert(r.record.record_key())),
                ),
                Err(rejection) => batch.rejected.push(rejection),
            }
        }
        batch.done = end == total;
        batch.next_cursor = (!batch.done).then(|| Cursor::new(format!("row:{end}")));
        Ok(batch)
    }
}
