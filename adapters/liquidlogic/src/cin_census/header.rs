//! The file's `Header`: `CollectionDetails` and `Source`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::codes::SchemaYear;

/// `Header` (optional in the XSDs; [`CensusHeader::default`] when the file has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CensusHeader {
    /// `CollectionDetails`.
    pub collection_details: Option<CollectionDetails>,
    /// `Source`, repeated.
    pub sources: Vec<Source>,
}

impl CensusHeader {
    /// A header for a file of `year` from the council `lea` (three digits), written by
    /// `software_code` at `date_time` (`xs:dateTime`, e.g. `2022-05-23T11:14:05`).
    pub fn for_year(year: SchemaYear, lea: &str, software_code: &str, date_time: &str) -> Self {
        Self {
            collection_details: Some(CollectionDetails {
                collection: Some("CIN".to_owned()),
                year: Some(year.year()),
                reference_date: Some(year.reference_date()),
            }),
            sources: vec![Source {
                source_level: Some("L".to_owned()),
                lea: lea.to_owned(),
                software_code: Some(software_code.to_owned()),
                release: Some(env!("CARGO_PKG_VERSION").to_owned()),
                serial_no: Some("001".to_owned()),
                date_time: Some(date_time.to_owned()),
            }],
        }
    }

    /// The `Year` of `CollectionDetails`, if given.
    pub fn year(&self) -> Option<i32> {
        self.collection_details.as_ref().and_then(|c| c.year)
    }
}

/// `CollectionDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionDetails {
    /// `Collection`: always `CIN`.
    pub collection: Option<String>,
    /// `Year` (`xs:gYear`): the collection year, e.g. 2022 for 2021/22.
    pub year: Option<i32>,
    /// `ReferenceDate`: the census date, 31 March of the year.
    pub reference_date: Option<NaiveDate>,
}

/// `Source`: who produced the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `SourceLevel`: always `L` (local authority).
    pub source_level: Option<String>,
    /// `LEA`: the council's three-digit code.
    pub lea: String,
    /// `SoftwareCode`.
    pub software_code: Option<String>,
    /// `Release`.
    pub release: Option<String>,
    /// `SerialNo`: three or more digits.
    pub serial_no: Option<String>,
    /// `DateTime` (`xs:dateTime`, kept as written after validation).
    pub date_time: Option<String>,
}
