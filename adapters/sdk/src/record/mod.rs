//! Canonical records: what adapters produce and the server applies.

mod case;
mod education;
mod partial_date;
mod person;
mod service;

pub use case::{
    AssessmentKind, AssessmentRecord, CasePlanKind, CasePlanRecord, ContactRecord, EpisodeKind,
    EpisodeRecord, FamilyMembershipRecord, InvolvementRecord, ProfessionalRecord,
};
pub use education::{AttendanceSummary, EnrolmentRecord, SuspensionRecord};
pub use partial_date::PartialDate;
pub use person::{AddressRecord, NameUse, NhsNumberRecord, PersonName, PersonRecord};
pub use service::{
    AgeRange, OrganisationRef, ServiceLocation, ServiceRecord, ServiceStatus, TaxonomyTermRecord,
    TaxonomyTermRef,
};

use serde::{Deserialize, Serialize};

/// Where a record comes from: the source system's configured name and the record's id in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    /// The source system's name from the adapter's configuration, e.g. `leeds-gp-fhir`.
    pub system: String,
    /// The record's id in that system, e.g. a FHIR `Patient.id` or an ORUK service id.
    pub id: String,
}

impl SourceRef {
    /// A reference to record `id` of `system`.
    pub fn new(system: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            id: id.into(),
        }
    }
}

/// The identity of a canonical record across runs: its kind, source system and source id.
/// Applying two records with the same key is applying the same record twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordKey {
    /// The record kind, e.g. `person` or `service`.
    pub kind: String,
    /// Where the record comes from.
    pub source: SourceRef,
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.source.system, self.source.id)
    }
}

/// One canonical record. New kinds (episodes, assessments, plans, contacts) are added as new
/// variants, so matches need a wildcard arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CanonicalRecord {
    /// A person (child or adult).
    Person(PersonRecord),
    /// A pupil's enrolment at a school.
    Enrolment(EnrolmentRecord),
    /// A pupil's attendance over a period.
    Attendance(AttendanceSummary),
    /// A service from a services directory.
    Service(ServiceRecord),
    /// A term of a services directory's taxonomy.
    TaxonomyTerm(TaxonomyTermRecord),
    /// A contact about a child (case system).
    Contact(ContactRecord),
    /// An episode of work with a child: early help, or a referral and CIN episode.
    Episode(EpisodeRecord),
    /// An assessment, section 47 enquiry or initial child protection conference.
    Assessment(AssessmentRecord),
    /// A child in need or child protection plan.
    CasePlan(CasePlanRecord),
    /// A professional allocated to a child.
    Involvement(InvolvementRecord),
    /// A professional of the source's organisation.
    Professional(ProfessionalRecord),
    /// A child's membership of a family grouping.
    FamilyMembership(FamilyMembershipRecord),
    /// A pupil's suspension or permanent exclusion from a school.
    Suspension(SuspensionRecord),
}

impl CanonicalRecord {
    /// The record kind as used in [`RecordKey::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Person(_) => "person",
            Self::Enrolment(_) => "enrolment",
            Self::Attendance(_) => "attendance",
            Self::Service(_) => "service",
            Self::TaxonomyTerm(_) => "taxonomy_term",
            Self::Contact(_) => "contact",
            Self::Episode(_) => "episode",
            Self::Assessment(_) => "assessment",
            Self::CasePlan(_) => "case_plan",
            Self::Involvement(_) => "involvement",
            Self::Professional(_) => "professional",
            Self::FamilyMembership(_) => "family_membership",
            Self::Suspension(_) => "suspension",
        }
    }

    /// Where the record comes from.
    pub fn source(&self) -> &SourceRef {
        match self {
            Self::Person(r) => &r.source,
            Self::Enrolment(r) => &r.source,
            Self::Attendance(r) => &r.source,
            Self::Service(r) => &r.source,
            Self::TaxonomyTerm(r) => &r.source,
            Self::Contact(r) => &r.source,
            Self::Episode(r) => &r.source,
            Self::Assessment(r) => &r.source,
            Self::CasePlan(r) => &r.source,
            Self::Involvement(r) => &r.source,
            Self::Professional(r) => &r.source,
            Self::FamilyMembership(r) => &r.source,
            Self::Suspension(r) => &r.source,
        }
    }

    /// The stable key that makes applying this record idempotent.
    pub fn record_key(&self) -> RecordKey {
        RecordKey {
            kind: self.kind().to_owned(),
            source: self.source().clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn record_key_names_kind_system_and_id() {
        let record = CanonicalRecord::Person(PersonRecord {
            source: SourceRef::new("gp", "p-1"),
            ..Default::default()
        });
        assert_eq!(record.record_key().to_string(), "person/gp/p-1");
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["kind"], "person");
        let back: CanonicalRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }
}
