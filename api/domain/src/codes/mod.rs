//! Code lists: statutory DfE codes used verbatim, and the project's own stored codes.
//!
//! Every enum here is declared with the same macro and offers `code()`, `label()`,
//! `from_code()`, `parse(field, code)`, `ALL`, `Display` (the code), `FromStr` and serde as
//! the code; see [`CodeEnum`](crate::CodeEnum).

mod characteristics;
mod cin;
mod education;
mod health;
mod network;
mod organisation;
mod partner;
mod people;
mod work;

pub use characteristics::{Disability, Ethnicity, Sex, UpnUnknown};
pub use cin::{AssessmentFactor, CategoryOfAbuse, ClosureReason, PrimaryNeed, ReferralSource};
pub use education::{ExclusionReason, YearGroup};
pub use health::NhsNumberVerificationStatus;
pub use network::{FgdmResponse, FgdmStage, SupportPackageKind};
pub use organisation::{AgencyKind, AreaKind, InvolvementRole, PractitionerRole, TeamKind};
pub use partner::{LawfulBasis, PartnerRecordKind, ShareDecision};
pub use people::{
    AgencyLinkKind, FamilyRole, LevelOfNeed, NetworkMemberKind, RelationshipKind, SendStatus,
    Willingness,
};
pub use work::{FamilyHelpLevel, PlanKind, Section47Outcome, StrategyDecision, TriageDecision};
