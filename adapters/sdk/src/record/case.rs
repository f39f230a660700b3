//! Case work from a children's social care case system: contacts, episodes, assessments and
//! enquiries, plans, involvements of professionals, and family groupings.
//!
//! Every record names its child by [`SourceRef`] (`person`): the same system and id as the
//! child's [`PersonRecord`](super::PersonRecord), so the server resolves the child once and
//! applies the child's records together. Codes are the domain's CIN census code lists.

use super::SourceRef;
use chrono::NaiveDate;
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, PrimaryNeed, ReferralSource,
};
use serde::{Deserialize, Serialize};

/// A contact: information about a child that reached the front door.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The child.
    pub person: SourceRef,
    /// When the contact was made.
    pub date: NaiveDate,
    /// Who made it (CIN census referral source codes).
    pub contact_source: Option<ReferralSource>,
    /// The outcome as the source records it, verbatim.
    pub outcome: Option<String>,
}

/// What kind of episode of work an [`EpisodeRecord`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeKind {
    /// Early help (targeted support below the children in need threshold).
    EarlyHelp,
    /// A referral and the children in need episode that follows it.
    #[default]
    ChildInNeed,
}

/// An episode of work with a child: a referral with its CIN episode, or an early help episode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The child.
    pub person: SourceRef,
    /// Early help or children in need. (Not `kind`: that names the record kind in JSON.)
    pub episode_kind: EpisodeKind,
    /// Referral (or start) date.
    pub start_date: NaiveDate,
    /// Closure date, when closed.
    pub end_date: Option<NaiveDate>,
    /// Source of the referral.
    pub referral_source: Option<ReferralSource>,
    /// The child's primary need.
    pub primary_need: Option<PrimaryNeed>,
    /// Why the episode closed (CIN census codes).
    pub closure_reason: Option<ClosureReason>,
    /// Why the episode started, as the source says (early help), verbatim.
    pub start_reason: Option<String>,
    /// Why the episode ended, as the source says when it has no code, verbatim.
    pub end_reason: Option<String>,
    /// Whether the referral led to no further action.
    pub no_further_action: Option<bool>,
    /// The outcome as the source records it, verbatim.
    pub outcome: Option<String>,
    /// The responsible team or organisation, by name.
    pub team: Option<String>,
    /// The responsible worker.
    pub worker: Option<SourceRef>,
}

/// What kind of assessment an [`AssessmentRecord`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentKind {
    /// A child and family (single) assessment.
    #[default]
    ChildAndFamily,
    /// A section 47 enquiry.
    Section47Enquiry,
    /// An initial child protection conference.
    InitialChildProtectionConference,
}

/// An assessment, section 47 enquiry or initial child protection conference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssessmentRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The child.
    pub person: SourceRef,
    /// Which kind of assessment.
    pub assessment_kind: AssessmentKind,
    /// The episode (referral) it belongs to, when the source says.
    pub episode: Option<SourceRef>,
    /// Start date (the conference date for a conference).
    pub start_date: NaiveDate,
    /// Completion or authorisation date.
    pub end_date: Option<NaiveDate>,
    /// Factors identified at the end of an assessment.
    pub factors: Vec<AssessmentFactor>,
    /// Whether it ended in no further action.
    pub no_further_action: Option<bool>,
    /// Whether it led to (or a conference decided on) a child protection plan.
    pub child_protection_plan: Option<bool>,
    /// The outcome as the source records it, verbatim.
    pub outcome: Option<String>,
    /// The responsible team, by name.
    pub team: Option<String>,
    /// The responsible worker.
    pub worker: Option<SourceRef>,
}

/// What kind of plan a [`CasePlanRecord`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CasePlanKind {
    /// A child in need plan.
    #[default]
    ChildInNeed,
    /// A child protection plan.
    ChildProtection,
}

/// A child in need or child protection plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CasePlanRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The child.
    pub person: SourceRef,
    /// Which kind of plan.
    pub plan_kind: CasePlanKind,
    /// The episode (referral) it belongs to, when the source says.
    pub episode: Option<SourceRef>,
    /// Start date.
    pub start_date: NaiveDate,
    /// End date, when ended.
    pub end_date: Option<NaiveDate>,
    /// Initial category of abuse (child protection plans).
    pub initial_category: Option<CategoryOfAbuse>,
    /// Latest category of abuse (child protection plans).
    pub latest_category: Option<CategoryOfAbuse>,
    /// Dates of the plan's review conferences held so far, in order (child protection plans;
    /// the CIN census `CPPreviewDate`s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_dates: Vec<NaiveDate>,
    /// The responsible team, by name.
    pub team: Option<String>,
    /// The responsible worker.
    pub worker: Option<SourceRef>,
}

/// A professional allocated to a child for a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvolvementRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The child.
    pub person: SourceRef,
    /// The professional, as a [`ProfessionalRecord`] of the same system.
    pub professional: SourceRef,
    /// The role in which they are involved, as the source codes it, verbatim.
    pub role: Option<String>,
    /// Their team, by name.
    pub team: Option<String>,
    /// Start date.
    pub start_date: NaiveDate,
    /// End date, when ended.
    pub end_date: Option<NaiveDate>,
    /// The episode (referral) it belongs to, when the source says.
    pub episode: Option<SourceRef>,
}

/// A professional (social worker, practitioner) of the source's organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfessionalRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The name the source gives.
    pub name: Option<String>,
    /// The job title, verbatim.
    pub job_title: Option<String>,
    /// The team or department, by name.
    pub team: Option<String>,
    /// Social Work England registration number, verbatim.
    pub registration_number: Option<String>,
    /// Whether they are an agency worker.
    pub agency_worker: Option<bool>,
}

/// A child's membership of a family grouping in the source system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FamilyMembershipRecord {
    /// Where the record comes from.
    pub source: SourceRef,
    /// The child.
    pub person: SourceRef,
    /// The family's id in the source system.
    pub family_id: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::CanonicalRecord;

    #[test]
    fn case_records_have_kinds_keys_and_round_trip() {
        let plan = CanonicalRecord::CasePlan(CasePlanRecord {
            source: SourceRef::new("ssd", "ssd_cp_plans/7"),
            person: SourceRef::new("ssd", "1000007"),
            plan_kind: CasePlanKind::ChildProtection,
            start_date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            initial_category: Some(CategoryOfAbuse::Neglect),
            ..Default::default()
        });
        assert_eq!(
            plan.record_key().to_string(),
            "case_plan/ssd/ssd_cp_plans/7"
        );
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["kind"], "case_plan");
        assert_eq!(json["plan_kind"], "child_protection");
        assert_eq!(json["initial_category"], "NEG");
        let back: CanonicalRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, plan);
    }
}
