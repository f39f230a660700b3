//! The declarative mapping file (TOML): which column or JSON pointer becomes which canonical
//! field, value maps for codes, and date formats. `docs/adapters.md` documents the format; an
//! example is `adapters/mapping/examples/little-acorns.mapping.toml`.

use familygraph_adapter_sdk::AdapterError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the source file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values with a header row; fields name columns.
    Csv,
    /// A JSON document holding an array of objects; fields name JSON pointers (`/child/dob`)
    /// or top-level keys (`dob`) within each object.
    Json,
}

/// A whole mapping file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// `csv` or `json`.
    pub format: Format,
    /// CSV only: the field delimiter, one character (default `,`).
    #[serde(default)]
    pub delimiter: Option<char>,
    /// JSON only: the pointer to the array of records (default: the document is the array).
    #[serde(default)]
    pub records: Option<String>,
    /// Date formats (chrono `strftime` syntax), tried in order (default `["%Y-%m-%d"]`).
    #[serde(default = "default_date_formats")]
    pub date_formats: Vec<String>,
    /// Named value maps: source value → canonical code (e.g. `Girl = "F"`).
    #[serde(default)]
    pub value_maps: BTreeMap<String, BTreeMap<String, String>>,
    /// What each source row becomes: one canonical record per entry.
    #[serde(rename = "record")]
    pub records_out: Vec<RecordMapping>,
}

fn default_date_formats() -> Vec<String> {
    vec!["%Y-%m-%d".to_owned()]
}

/// The canonical record kinds a mapping can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A child (or adult): `PersonRecord`.
    Person,
    /// A contact about a child: `ContactRecord`.
    Contact,
    /// A professional allocated to a child: `InvolvementRecord`.
    Involvement,
    /// A professional (key worker, practitioner): `ProfessionalRecord`.
    Professional,
    /// A child's membership of a family grouping: `FamilyMembershipRecord`.
    FamilyMembership,
}

impl Kind {
    /// The fields the kind takes, and which of them are required.
    pub fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            Self::Person => &[
                ("given_names", false),
                ("family_name", false),
                ("birth_date", false),
                ("sex", false),
                ("ethnicity", false),
                ("nhs_number", false),
                ("upn", false),
                ("postcode", false),
                ("address_line", false),
                ("town", false),
            ],
            Self::Contact => &[
                ("person", true),
                ("date", true),
                ("contact_source", false),
                ("outcome", false),
            ],
            Self::Involvement => &[
                ("person", true),
                ("professional", true),
                ("start_date", true),
                ("end_date", false),
                ("role", false),
                ("team", false),
            ],
            Self::Professional => &[
                ("name", false),
                ("job_title", false),
                ("team", false),
                ("registration_number", false),
            ],
            Self::FamilyMembership => &[("person", true), ("family_id", true)],
        }
    }

    /// The kind's name in mapping files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Contact => "contact",
            Self::Involvement => "involvement",
            Self::Professional => "professional",
            Self::FamilyMembership => "family_membership",
        }
    }
}

/// What one source row becomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMapping {
    /// The canonical record kind.
    pub kind: Kind,
    /// The record's id in the partner's data (required, non-empty in every row).
    pub id: Field,
    /// Produce the record only for rows where this column or pointer has a value.
    #[serde(default)]
    pub when: Option<String>,
    /// Canonical field → where its value comes from.
    #[serde(default)]
    pub fields: BTreeMap<String, Field>,
}

/// Where a canonical field's value comes from: a column name or JSON pointer, written as a
/// plain string, or a table with options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Field {
    /// A column (CSV) or pointer/key (JSON).
    From(String),
    /// With options.
    Spec(FieldSpec),
}

/// A field with options. Exactly one of `from` (alias `column`, `pointer`) and `value`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The column (CSV) or pointer/key (JSON).
    #[serde(default, alias = "column", alias = "pointer")]
    pub from: Option<String>,
    /// A constant value for every row.
    #[serde(default)]
    pub value: Option<String>,
    /// The value map to translate the value through (by name).
    #[serde(default)]
    pub map: Option<String>,
    /// The date format for this field, instead of the file's `date_formats`.
    #[serde(default)]
    pub format: Option<String>,
    /// Text put before the value (e.g. `keyworker-` to make an id distinct).
    #[serde(default)]
    pub prefix: Option<String>,
}

impl Field {
    /// The field's options (a plain string is `from` alone).
    pub fn spec(&self) -> FieldSpec {
        match self {
            Self::From(from) => FieldSpec {
                from: Some(from.clone()),
                ..FieldSpec::default()
            },
            Self::Spec(spec) => spec.clone(),
        }
    }
}

fn invalid(reason: String) -> AdapterError {
    AdapterError::Config {
        reason: format!("mapping file: {reason}"),
    }
}

impl Mapping {
    /// Parses and checks a mapping file's text.
    pub fn parse(text: &str) -> Result<Self, AdapterError> {
        let mapping: Self = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        mapping.check()?;
        Ok(mapping)
    }

    /// Every column or pointer the mapping reads (for checking a CSV header).
    pub fn sources(&self) -> Vec<String> {
        let mut sources = Vec::new();
        for record in &self.records_out {
            sources.extend(record.when.clone());
            sources.extend(record.id.spec().from);
            for field in record.fields.values() {
                sources.extend(field.spec().from);
            }
        }
        sources.sort();
        sources.dedup();
        sources
    }

    fn check(&self) -> Result<(), AdapterError> {
        if self.records_out.is_empty() {
            return Err(invalid("no [[record]] entries".to_owned()));
        }
        if self.date_formats.is_empty() {
            return Err(invalid("date_formats must not be empty".to_owned()));
        }
        match self.format {
            Format::Csv if self.records.is_some() => {
                return Err(invalid("`records` is for JSON sources only".to_owned()));
            }
            Format::Json if self.delimiter.is_some() => {
                return Err(invalid("`delimiter` is for CSV sources only".to_owned()));
            }
            _ => {}
        }
        if let Some(pointer) = &self.records
            && !pointer.is_empty()
            && !pointer.starts_with('/')
        {
            return Err(invalid(format!(
                "records {pointer:?} must be a JSON pointer starting with `/`"
            )));
        }
        for (n, record) in self.records_out.iter().enumerate() {
            let at = format!("record {} ({})", n + 1, record.kind.name());
            let allowed = record.kind.fields();
            self.check_field(&at, "id", &record.id)?;
            for (name, field) in &record.fields {
                if !allowed.iter().any(|(known, _)| known == name) {
                    let names: Vec<&str> = allowed.iter().map(|(known, _)| *known).collect();
                    return Err(invalid(format!(
                        "{at}: unknown field {name:?}; a {} takes {}",
                        record.kind.name(),
                        names.join(", ")
                    )));
                }
                self.check_field(&at, name, field)?;
            }
            for (name, required) in allowed {
                if *required && !record.fields.contains_key(*name) {
                    return Err(invalid(format!("{at}: field {name:?} is required")));
                }
            }
        }
        Ok(())
    }

    fn check_field(&self, at: &str, name: &str, field: &Field) -> Result<(), AdapterError> {
        let spec = field.spec();
        match (&spec.from, &spec.value) {
            (Some(from), None) if !from.trim().is_empty() => {}
            (None, Some(_)) => {}
            _ => {
                return Err(invalid(format!(
                    "{at}: field {name:?} needs exactly one of `from` (a column or pointer) and \
                     `value`"
                )));
            }
        }
        if let Some(map) = &spec.map
            && !self.value_maps.contains_key(map)
        {
            return Err(invalid(format!(
                "{at}: field {name:?} uses value map {map:?}, which is not defined"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_example_mapping_parses_and_mistakes_are_named() {
        let example = include_str!("../examples/little-acorns.mapping.toml");
        let mapping = Mapping::parse(example).unwrap();
        assert_eq!(mapping.format, Format::Csv);
        assert!(mapping.sources().contains(&"dob".to_owned()));

        for (text, wanted) in [
            (
                "format = \"csv\"\n[[record]]\nkind = \"person\"\nid = \"ref\"\n[record.fields]\nshoe_size = \"s\"\n",
                "unknown field \"shoe_size\"",
            ),
            (
                "format = \"csv\"\n[[record]]\nkind = \"contact\"\nid = \"ref\"\n[record.fields]\nperson = \"ref\"\n",
                "field \"date\" is required",
            ),
            (
                "format = \"csv\"\n[[record]]\nkind = \"person\"\nid = \"ref\"\n[record.fields]\nsex = { from = \"g\", map = \"nope\" }\n",
                "value map \"nope\"",
            ),
            (
                "format = \"xml\"\n[[record]]\nkind = \"person\"\nid = \"ref\"\n",
                "xml",
            ),
            ("format = \"csv\"\nrecord = []\n", "no [[record]]"),
            (
                "format = \"csv\"\nrecords = \"/x\"\n[[record]]\nkind = \"person\"\nid = \"ref\"\n",
                "JSON sources only",
            ),
        ] {
            let err = Mapping::parse(text).unwrap_err().to_string();
            assert!(err.contains(wanted), "{err}");
        }
    }
}
