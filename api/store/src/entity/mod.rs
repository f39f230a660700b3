//! sea-orm entities, one module per table of `docs/data-model.md`.
//!
//! Codes are stored as `String`s holding their statutory value and are parsed into the
//! `familygraph-domain` enums by the store; the schema itself comes from
//! `familygraph-migrations`, and `tests/entities.rs` proves the two agree on SQLite and
//! PostgreSQL.

pub mod address;
pub mod agency;
pub mod agency_link;
pub mod area;
pub mod assessment;
pub mod assessment_factor;
pub mod audit_event;
pub mod break_glass_grant;
pub mod contact;
pub mod cp_conference;
pub mod family;
pub mod family_help_episode;
pub mod family_hub;
pub mod family_member;
pub mod family_network;
pub mod fgdm_meeting;
pub mod idempotency_record;
pub mod information_share;
pub mod involvement;
pub mod local_authority;
pub mod locality;
pub mod lsoa;
pub mod network_member;
pub mod outbox_event;
pub mod partner_record;
pub mod person;
pub mod person_disability;
pub mod person_identifier;
pub mod plan;
pub mod plan_goal;
pub mod plan_review;
pub mod practitioner;
pub mod referral;
pub mod relationship;
pub mod section47_enquiry;
pub mod strategy_discussion;
pub mod strategy_participant;
pub mod support_package;
pub mod team;
pub mod team_membership;
pub mod visit;

/// The entities under their table names in `CamelCase`, e.g. `Person`, `PlanGoal`.
pub mod prelude {
    pub use super::address::Entity as Address;
    pub use super::agency::Entity as Agency;
    pub use super::agency_link::Entity as AgencyLink;
    pub use super::area::Entity as Area;
    pub use super::assessment::Entity as Assessment;
    pub use super::assessment_factor::Entity as AssessmentFactor;
    pub use super::audit_event::Entity as AuditEvent;
    pub use super::break_glass_grant::Entity as BreakGlassGrant;
    pub use super::contact::Entity as Contact;
    pub use super::cp_conference::Entity as CpConference;
    pub use super::family::Entity as Family;
    pub use super::family_help_episode::Entity as FamilyHelpEpisode;
    pub use super::family_hub::Entity as FamilyHub;
    pub use super::family_member::Entity as FamilyMember;
    pub use super::family_network::Entity as FamilyNetwork;
    pub use super::fgdm_meeting::Entity as FgdmMeeting;
    pub use super::idempotency_record::Entity as IdempotencyRecord;
    pub use super::information_share::Entity as InformationShare;
    pub use super::involvement::Entity as Involvement;
    pub use super::local_authority::Entity as LocalAuthority;
    pub use super::locality::Entity as Locality;
    pub use super::lsoa::Entity as Lsoa;
    pub use super::network_member::Entity as NetworkMember;
    pub use super::outbox_event::Entity as OutboxEvent;
    pub use super::partner_record::Entity as PartnerRecord;
    pub use super::person::Entity as Person;
    pub use super::person_disability::Entity as PersonDisability;
    pub use super::person_identifier::Entity as PersonIdentifier;
    pub use super::plan::Entity as Plan;
    pub use super::plan_goal::Entity as PlanGoal;
    pub use super::plan_review::Entity as PlanReview;
    pub use super::practitioner::Entity as Practitioner;
    pub use super::referral::Entity as Referral;
    pub use super::relationship::Entity as Relationship;
    pub use super::section47_enquiry::Entity as Section47Enquiry;
    pub use super::strategy_discussion::Entity as StrategyDiscussion;
    pub use super::strategy_participant::Entity as StrategyParticipant;
    pub use super::support_package::Entity as SupportPackage;
    pub use super::team::Entity as Team;
    pub use super::team_membership::Entity as TeamMembership;
    pub use super::visit::Entity as Visit;
}
