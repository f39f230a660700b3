//! The familygraph adapter SDK: what every adapter implements and produces.
//!
//! Adapters translate between a partner system's format and **canonical records**; they never
//! touch the database or GraphQL. The server applies canonical records through the same domain
//! services that mutations use (one transaction per child, identity resolution by NHS number or
//! UPN, otherwise a review queue; never a silent merge). `docs/adapters.md` is the guide to
//! writing an adapter.
//!
//! # Canonical records, for mapping a source onto
//!
//! Every record is one variant of [`CanonicalRecord`] and carries a [`SourceRef`] (the source
//! system's name from the adapter's configuration, and the record's id *in that system*); its
//! [`CanonicalRecord::record_key`] (kind + system + id) is what makes re-applying idempotent.
//!
//! - [`PersonRecord`]: a child or adult as the source knows them — names ([`PersonName`], with
//!   a [`NameUse`]), birth date ([`PartialDate`]: FHIR allows `YYYY` and `YYYY-MM`), expected
//!   birth date (unborn), date of death, [`Sex`](familygraph_domain::Sex), ethnicity,
//!   disabilities, NHS number with its
//!   [`NhsNumberVerificationStatus`](familygraph_domain::NhsNumberVerificationStatus), UPN or
//!   the reason it is unknown, the case system's own id, postcode, and [`AddressRecord`]s.
//! - [`EnrolmentRecord`]: a pupil on roll at a school (URN, UPN, dates, year group).
//! - [`EnrolmentRecord::on_roll`] says whether a pupil is on roll on a given day.
//! - [`AttendanceSummary`]: a pupil's sessions possible / attended / absent over a period,
//!   and whether that is persistent absence (10% or more of possible sessions missed).
//! - [`SuspensionRecord`]: a pupil's suspension or permanent exclusion.
//! - [`ServiceRecord`]: a service from a directory (Open Referral UK): organisation, status,
//!   eligibility [`AgeRange`], [`ServiceLocation`]s (postcode, LSOA), taxonomy terms, and
//!   whether it is a Family Hub. [`TaxonomyTermRecord`] carries the directory's vocabulary.
//! - Case work from a case system, each naming its child by the child's [`SourceRef`]:
//!   [`ContactRecord`], [`EpisodeRecord`] (early help, or referral + CIN episode, with
//!   [`EpisodeKind`]), [`AssessmentRecord`] (assessment with factors, section 47 enquiry or
//!   initial child protection conference: [`AssessmentKind`]), [`CasePlanRecord`] (CIN or
//!   child protection plan: [`CasePlanKind`]), [`InvolvementRecord`] (a professional allocated
//!   to a child), [`ProfessionalRecord`] and [`FamilyMembershipRecord`].
//!
//! [`CanonicalRecord`] is `#[non_exhaustive]` so adding further kinds breaks no adapter. Record
//! structs derive `Default`: build them with `..Default::default()` so new optional fields
//! break nobody.
//!
//! Identifiers are the domain's validated types ([`NhsNumber`](familygraph_domain::NhsNumber),
//! [`Upn`](familygraph_domain::Upn), [`Postcode`](familygraph_domain::Postcode),
//! [`LsoaCode`](familygraph_domain::LsoaCode)...), so an invalid value can never reach the
//! server. An adapter that meets one either rejects the record ([`Rejection`]: location +
//! reason) or, for an optional identifier, keeps the record without it and says so in a
//! [`FieldNote`] on the [`Located`] record.
//!
//! # Traits
//!
//! - [`SourceAdapter`]: `health()` and `pull(cursor)` returning a [`Batch`] (good records,
//!   rejected records, the next [`Cursor`], whether the source is exhausted).
//! - [`DeliveryAdapter`]: `deliver(event, idempotency_key)` for outbound events.
//! - [`AdapterConfig`]: a typed, `deny_unknown_fields` configuration per adapter.
//! - [`AdapterError`]: every failure, classed [`ErrorClass::Retryable`] or
//!   [`ErrorClass::Permanent`].
//!
//! With the `testkit` feature, the `testkit` module is the conformance kit every adapter must pass.

mod adapter;
mod batch;
mod config;
mod error;
pub mod propagation;
mod record;
pub mod sync;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use adapter::{Delivery, DeliveryAdapter, HealthReport, OutboundEvent, SourceAdapter};
pub use batch::{Batch, Cursor, FieldNote, Located, Location, Rejection};
pub use config::AdapterConfig;
pub use error::{AdapterError, ErrorClass};
pub use record::{
    AddressRecord, AgeRange, AttendanceSummary, CanonicalRecord, EnrolmentRecord, NameUse,
    NhsNumberRecord, OrganisationRef, PartialDate, PersonName, PersonRecord, RecordKey,
    ServiceLocation, ServiceRecord, ServiceStatus, SourceRef, SuspensionRecord, TaxonomyTermRecord,
    TaxonomyTermRef,
};
pub use record::{
    AssessmentKind, AssessmentRecord, CasePlanKind, CasePlanRecord, ContactRecord, EpisodeKind,
    EpisodeRecord, FamilyMembershipRecord, InvolvementRecord, ProfessionalRecord,
};

pub use async_trait::async_trait;
