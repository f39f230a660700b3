//! A person as a source system knows them.

use super::{PartialDate, SourceRef};
use chrono::NaiveDate;
use familygraph_domain::{
    CaseSystemId, Disability, Ethnicity, NhsNumber, NhsNumberVerificationStatus, Postcode, Sex,
    Upn, UpnUnknown,
};
use serde::{Deserialize, Serialize};

/// A child or adult from a source system. Every field but `source` is optional: a source says
/// what it knows. Build with `..Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The person's names, the official one first when the source marks one.
    pub names: Vec<PersonName>,
    /// Date of birth, possibly known only to the month or year.
    pub birth_date: Option<PartialDate>,
    /// Expected date of birth of an unborn child.
    pub expected_birth_date: Option<NaiveDate>,
    /// Date of death.
    pub death_date: Option<NaiveDate>,
    /// Sex (CIN census codes `M`, `F`, `U`).
    pub sex: Option<Sex>,
    /// Ethnicity (DfE codes).
    pub ethnicity: Option<Ethnicity>,
    /// Disabilities (DfE codes).
    pub disabilities: Vec<Disability>,
    /// The NHS number and how far it has been verified.
    pub nhs_number: Option<NhsNumberRecord>,
    /// The unique pupil number.
    pub upn: Option<Upn>,
    /// Why the UPN is unknown (`UN1`–`UN7`), when it is.
    pub upn_unknown: Option<UpnUnknown>,
    /// The case system's own person id, for records from a case system.
    pub case_system_id: Option<CaseSystemId>,
    /// The postcode of the person's current home address.
    pub postcode: Option<Postcode>,
    /// Addresses as the source gives them.
    pub addresses: Vec<AddressRecord>,
}

impl PersonRecord {
    /// The name marked official, else the first name.
    pub fn official_name(&self) -> Option<&PersonName> {
        self.names
            .iter()
            .find(|n| n.name_use == Some(NameUse::Official))
            .or_else(|| self.names.first())
    }
}

/// An NHS number with its verification status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NhsNumberRecord {
    /// The validated NHS number.
    pub number: NhsNumber,
    /// How far the number was traced against the national register, when the source says.
    pub verification: Option<NhsNumberVerificationStatus>,
}

impl NhsNumberRecord {
    /// Whether the number may link records without review: it is verified (`01`).
    pub fn is_verified(&self) -> bool {
        self.verification.is_some_and(|v| v.is_verified())
    }
}

/// What a name is used for (FHIR `HumanName.use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameUse {
    /// The legal or registered name.
    Official,
    /// The name the person is known by.
    Usual,
    /// A nickname.
    Nickname,
    /// A former name (e.g. before a change of name).
    Old,
    /// A maiden name.
    Maiden,
    /// Any other use, including an anonymous or temporary name.
    Other,
}

/// One of a person's names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// What the name is used for, when the source says.
    pub name_use: Option<NameUse>,
    /// Family name (surname).
    pub family: Option<String>,
    /// Given names, in order.
    pub given: Vec<String>,
}

/// A postal address as the source gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRecord {
    /// Street lines, in order.
    pub lines: Vec<String>,
    /// Town or city.
    pub city: Option<String>,
    /// Validated postcode.
    pub postcode: Option<Postcode>,
    /// The source's use of the address (`home`, `temp`, `old`...), verbatim.
    pub address_use: Option<String>,
    /// Whether the source marks the address as no longer current.
    pub ended: bool,
}
