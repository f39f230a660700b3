//! One source row to canonical records, by the mapping.
//!
//! A row is the unit: every `[[record]]` entry of the mapping is translated from it, and if
//! any of them fails (a required value missing, an impossible date, a value not in its value
//! map, an invalid identifier), the whole row is rejected with the first failure's location
//! (`file#line N column` for CSV, `file#/records/3/dob` for JSON) and no record of it is kept.

use crate::mapping::{Field, Kind, Mapping, RecordMapping};
use chrono::NaiveDate;
use familygraph_adapter_sdk::{
    AddressRecord, CanonicalRecord, ContactRecord, FamilyMembershipRecord, InvolvementRecord,
    Located, Location, NhsNumberRecord, PartialDate, PersonName, PersonRecord, ProfessionalRecord,
    Rejection, SourceRef,
};
use familygraph_domain::{Ethnicity, NhsNumber, Postcode, ReferralSource, Sex, Upn};
use serde_json::Value;
use std::collections::HashMap;

/// One row of the source.
pub enum Row<'a> {
    /// A CSV record with the file's header (column name → index).
    Csv {
        /// Column name → index.
        header: &'a HashMap<String, usize>,
        /// The record.
        record: &'a csv::StringRecord,
    },
    /// One object of a JSON array.
    Json(&'a Value),
}

impl Row<'_> {
    /// The trimmed, non-empty value at a column or pointer.
    fn get(&self, from: &str) -> Option<String> {
        let raw = match self {
            Self::Csv { header, record } => header
                .get(from)
                .and_then(|i| record.get(*i))
                .map(str::to_owned),
            Self::Json(value) => {
                let found = if from.starts_with('/') {
                    value.pointer(from)
                } else {
                    value.get(from)
                };
                match found {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    Some(Value::Bool(b)) => Some(b.to_string()),
                    Some(other) => Some(other.to_string()),
                }
            }
        };
        raw.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
    }
}

/// Where a value of a row is: the row's location and the column or pointer.
fn at(row_location: &Location, is_json: bool, from: &str) -> Location {
    if is_json {
        if from.starts_with('/') {
            row_location.at(from)
        } else {
            row_location.at(format!("/{from}"))
        }
    } else {
        row_location.at(format!(" {from}"))
    }
}

/// Translates a row with the mapping.
pub struct Translator<'a> {
    /// The mapping.
    pub mapping: &'a Mapping,
    /// The source system name.
    pub system: &'a str,
}

/// A value of one field, with where it came from.
struct FieldValue {
    text: String,
    location: Location,
}

impl Translator<'_> {
    /// The row's records, or the rejection of the whole row.
    pub fn row(
        &self,
        row: &Row<'_>,
        row_location: &Location,
    ) -> Result<Vec<Located<CanonicalRecord>>, Rejection> {
        let mut out = Vec::new();
        for entry in &self.mapping.records_out {
            if let Some(when) = &entry.when
                && row.get(when).is_none()
            {
                continue;
            }
            let record = self.record(entry, row, row_location)?;
            out.push(Located::new(row_location.clone(), record));
        }
        Ok(out)
    }

    fn value(
        &self,
        name: &str,
        field: &Field,
        row: &Row<'_>,
        row_location: &Location,
    ) -> Result<Option<FieldValue>, Rejection> {
        let spec = field.spec();
        let is_json = matches!(row, Row::Json(_));
        let (text, location) = match (&spec.from, &spec.value) {
            (Some(from), _) => (row.get(from), at(row_location, is_json, from)),
            (None, Some(value)) => (Some(value.clone()), row_location.clone()),
            (None, None) => (None, row_location.clone()),
        };
        let Some(mut text) = text else {
            return Ok(None);
        };
        if let Some(map_name) = &spec.map {
            let map = self.mapping.value_maps.get(map_name);
            let mapped = map.and_then(|m| {
                m.get(&text).or_else(|| {
                    m.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&text))
                        .map(|(_, v)| v)
                })
            });
            match mapped {
                Some(code) => text = code.clone(),
                None => {
                    return Err(Rejection::new(
                        location,
                        format!("{name}: the value is not in the value map {map_name:?}"),
                    ));
                }
            }
        }
        if let Some(prefix) = &spec.prefix {
            text = format!("{prefix}{text}");
        }
        Ok(Some(FieldValue { text, location }))
    }

    fn record(
        &self,
        entry: &RecordMapping,
        row: &Row<'_>,
        row_location: &Location,
    ) -> Result<CanonicalRecord, Rejection> {
        let id = self
            .value("id", &entry.id, row, row_location)?
            .ok_or_else(|| {
                let location = match entry.id.spec().from {
                    Some(from) => at(row_location, matches!(row, Row::Json(_)), &from),
                    None => row_location.clone(),
                };
                Rejection::new(location, format!("id: the {} has no id", entry.kind.name()))
            })?;
        let source = SourceRef::new(self.system, id.text);
        let fields = Fields {
            translator: self,
            entry,
            row,
            row_location,
        };
        Ok(match entry.kind {
            Kind::Person => {
                let given: Vec<String> = fields
                    .text("given_names")?
                    .map(|g| g.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default();
                let family = fields.text("family_name")?;
                let names = if given.is_empty() && family.is_none() {
                    Vec::new()
                } else {
                    vec![PersonName {
                        name_use: None,
                        family,
                        given,
                    }]
                };
                let postcode = fields.parsed("postcode", Postcode::parse)?;
                let line = fields.text("address_line")?;
                let town = fields.text("town")?;
                let addresses = if line.is_some() || town.is_some() {
                    vec![AddressRecord {
                        lines: line.into_iter().collect(),
                        city: town,
                        postcode: postcode.clone(),
                        address_use: Some("home".to_owned()),
                        ended: false,
                    }]
                } else {
                    Vec::new()
                };
                CanonicalRecord::Person(PersonRecord {
                    source,
                    names,
                    birth_date: fields.date("birth_date")?.map(PartialDate::from),
                    sex: fields.parsed("sex", Sex::parse)?,
                    ethnicity: fields.parsed("ethnicity", Ethnicity::parse)?,
                    nhs_number: fields
                        .parsed("nhs_number", NhsNumber::parse)?
                        .map(|number| NhsNumberRecord {
                            number,
                            verification: None,
                        }),
                    upn: fields.parsed("upn", Upn::parse)?,
                    postcode,
                    addresses,
                    ..Default::default()
                })
            }
            Kind::Contact => CanonicalRecord::Contact(ContactRecord {
                source,
                person: fields.reference("person")?,
                date: fields.required_date("date")?,
                contact_source: fields.parsed("contact_source", ReferralSource::parse)?,
                outcome: fields.text("outcome")?,
            }),
            Kind::Involvement => CanonicalRecord::Involvement(InvolvementRecord {
                source,
                person: fields.reference("person")?,
                professional: fields.reference("professional")?,
                role: fields.text("role")?,
                team: fields.text("team")?,
                start_date: fields.required_date("start_date")?,
                end_date: fields.date("end_date")?,
                episode: None,
            }),
            Kind::Professional => CanonicalRecord::Professional(ProfessionalRecord {
                source,
                name: fields.text("name")?,
                job_title: fields.text("job_title")?,
                team: fields.text("team")?,
                registration_number: fields.text("registration_number")?,
                agency_worker: None,
            }),
            Kind::FamilyMembership => CanonicalRecord::FamilyMembership(FamilyMembershipRecord {
                source,
                person: fields.reference("person")?,
                family_id: fields.required("family_id")?.text,
            }),
        })
    }
}

/// The fields of one record entry on one row.
struct Fields<'a> {
    translator: &'a Translator<'a>,
    entry: &'a RecordMapping,
    row: &'a Row<'a>,
    row_location: &'a Location,
}

impl Fields<'_> {
    fn get(&self, name: &str) -> Result<Option<FieldValue>, Rejection> {
        match self.entry.fields.get(name) {
            None => Ok(None),
            Some(field) => self
                .translator
                .value(name, field, self.row, self.row_location),
        }
    }

    fn missing(&self, name: &str) -> Rejection {
        let location = match self.entry.fields.get(name).and_then(|f| f.spec().from) {
            Some(from) => at(self.row_location, matches!(self.row, Row::Json(_)), &from),
            None => self.row_location.clone(),
        };
        Rejection::new(
            location,
            format!(
                "{name}: required for a {}, but empty",
                self.entry.kind.name()
            ),
        )
    }

    fn required(&self, name: &str) -> Result<FieldValue, Rejection> {
        self.get(name)?.ok_or_else(|| self.missing(name))
    }

    fn text(&self, name: &str) -> Result<Option<String>, Rejection> {
        Ok(self.get(name)?.map(|v| v.text))
    }

    fn reference(&self, name: &str) -> Result<SourceRef, Rejection> {
        Ok(SourceRef::new(
            self.translator.system,
            self.required(name)?.text,
        ))
    }

    fn parsed<T>(
        &self,
        name: &str,
        parse: fn(&str, &str) -> Result<T, familygraph_domain::DomainError>,
    ) -> Result<Option<T>, Rejection> {
        let Some(value) = self.get(name)? else {
            return Ok(None);
        };
        parse(name, &value.text)
            .map(Some)
            .map_err(|e| Rejection::new(value.location, format!("{name}: {}", e.message())))
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, Rejection> {
        let Some(value) = self.get(name)? else {
            return Ok(None);
        };
        let formats = match self.entry.fields.get(name).and_then(|f| f.spec().format) {
            Some(format) => vec![format],
            None => self.translator.mapping.date_formats.clone(),
        };
        formats
            .iter()
            .find_map(|format| NaiveDate::parse_from_str(&value.text, format).ok())
            .map(Some)
            .ok_or_else(|| {
                Rejection::new(
                    value.location,
                    format!(
                        "{name}: not a possible date in the format {}",
                        formats.join(" or ")
                    ),
                )
            })
    }

    fn required_date(&self, name: &str) -> Result<NaiveDate, Rejection> {
        self.date(name)?.ok_or_else(|| self.missing(name))
    }
}
