//! Services and their vocabulary from a services directory (Open Referral UK).

use super::SourceRef;
use chrono::{DateTime, Utc};
use familygraph_domain::{LsoaCode, Postcode};
use serde::{Deserialize, Serialize};

/// A service from a directory: who runs it, where, for whom, and whether it is a Family Hub.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceRecord {
    /// Where the record comes from (the directory's service id).
    pub source: SourceRef,
    /// The service's name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Whether the service is running.
    pub status: ServiceStatus,
    /// The organisation that provides it.
    pub organisation: Option<OrganisationRef>,
    /// Web page.
    pub url: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// Who is eligible by age.
    pub eligibility: AgeRange,
    /// Where the service is delivered.
    pub locations: Vec<ServiceLocation>,
    /// The taxonomy terms the directory files it under.
    pub taxonomy_terms: Vec<TaxonomyTermRef>,
    /// Whether the service is a Family Hub (by the adapter's configured taxonomy terms).
    pub family_hub: bool,
    /// When the directory last changed the service.
    pub last_modified: Option<DateTime<Utc>>,
}

/// A service's status (Open Referral `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Running.
    #[default]
    Active,
    /// Not running at present.
    Inactive,
    /// Closed for good.
    Defunct,
    /// Closed for now.
    TemporarilyClosed,
}

/// An age range in whole years; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeRange {
    /// Youngest eligible age in years.
    pub minimum_age: Option<u16>,
    /// Oldest eligible age in years.
    pub maximum_age: Option<u16>,
}

impl AgeRange {
    /// Whether a person of `age` years is in the range.
    pub fn includes(&self, age: u16) -> bool {
        self.minimum_age.is_none_or(|min| age >= min)
            && self.maximum_age.is_none_or(|max| age <= max)
    }
}

/// The organisation running a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRef {
    /// The organisation's id in the directory.
    pub source_id: String,
    /// Its name.
    pub name: String,
}

/// A place a service is delivered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceLocation {
    /// The location's id in the directory.
    pub source_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its postcode, when the directory gives a valid one.
    pub postcode: Option<Postcode>,
    /// Its Lower-layer Super Output Area, when the directory gives one; the server maps it to a
    /// locality.
    pub lsoa: Option<LsoaCode>,
    /// Its Unique Property Reference Number, when given.
    pub uprn: Option<String>,
    /// WGS84 latitude, when given and possible.
    pub latitude: Option<f64>,
    /// WGS84 longitude, when given and possible.
    pub longitude: Option<f64>,
}

/// A taxonomy term as attached to a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyTermRef {
    /// The term's id in the directory.
    pub source_id: String,
    /// The term's name.
    pub name: String,
    /// The taxonomy the term belongs to, when given.
    pub taxonomy: Option<String>,
}

/// A term of a directory's taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyTermRecord {
    /// Where the record comes from (the term's id).
    pub source: SourceRef,
    /// The term's name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The parent term's id, when the term is nested.
    pub parent_id: Option<String>,
    /// The taxonomy the term belongs to.
    pub taxonomy: Option<String>,
    /// Whether the adapter's configuration names this term as marking Family Hubs.
    pub marks_family_hub: bool,
}
