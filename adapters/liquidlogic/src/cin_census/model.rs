//! One census child, element by element as in the XSDs. Optional elements are `Option`s,
//! repeated ones `Vec`s; a wrapper that holds one or more items (`Disabilities`,
//! `FactorsIdentifiedAtAssessment`, `Reviews`) is absent exactly when its `Vec` is empty.

use std::num::NonZeroU32;

use chrono::NaiveDate;
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, Disability, DomainError, Ethnicity,
    PrimaryNeed, ReferralSource, Sex, Upn, UpnUnknown,
};
use serde::{Deserialize, Serialize};

use super::codes::{GenderCurrent, PreProceedingsOutcome};

/// One `<Child>`: identifiers, characteristics, CIN episodes and (2025/26) pre-proceedings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CensusChild {
    /// `ChildIdentifiers`.
    pub identifiers: ChildIdentifiers,
    /// `ChildCharacteristics`.
    pub characteristics: ChildCharacteristics,
    /// `CINdetails`, one per CIN episode (at least one in a valid file).
    pub cin_details: Vec<CinDetails>,
    /// `PreProceedingsandFGDM` (2025/26 shape only), one per pre-proceedings stage.
    pub pre_proceedings: Vec<PreProceedings>,
}

impl CensusChild {
    /// The child's `LAchildID`.
    pub fn la_child_id(&self) -> &str {
        &self.identifiers.la_child_id
    }
}

/// `ChildIdentifiers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildIdentifiers {
    /// `LAchildID`: the council's own id for the child (non-empty).
    pub la_child_id: String,
    /// `UPN`.
    pub upn: Option<CensusUpn>,
    /// `FormerUPN`.
    pub former_upn: Option<CensusUpn>,
    /// `UPNunknown`: why there is no UPN.
    pub upn_unknown: Option<UpnUnknown>,
    /// `PersonBirthDate`.
    pub birth_date: Option<NaiveDate>,
    /// `ExpectedPersonBirthDate` (an unborn child).
    pub expected_birth_date: Option<NaiveDate>,
    /// `GenderCurrent` (to 2024) or `Sex` (from 2024/25), as the file recorded it.
    pub sex: RecordedSex,
    /// `PersonDeathDate`.
    pub death_date: Option<NaiveDate>,
}

/// The child's gender or sex, in the element the file used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordedSex {
    /// `GenderCurrent` (collections to 2024).
    GenderCurrent(GenderCurrent),
    /// `Sex` (collections from 2024/25).
    Sex(Sex),
}

impl RecordedSex {
    /// The value as a 2024/25 `Sex`.
    pub fn as_sex(self) -> Sex {
        match self {
            Self::GenderCurrent(gender) => gender.to_sex(),
            Self::Sex(sex) => sex,
        }
    }

    /// The value as a `GenderCurrent` (`Sex` `U` becomes `0`).
    pub fn as_gender_current(self) -> GenderCurrent {
        match self {
            Self::GenderCurrent(gender) => gender,
            Self::Sex(sex) => GenderCurrent::from_sex(sex),
        }
    }
}

/// A UPN as the XSD accepts it: a letter and 12 digits, or a letter, 11 digits and a letter.
/// The check letter is not verified on import ([`CensusUpn::to_upn`] does), so a file the
/// XSD accepts is not refused for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CensusUpn(String);

impl CensusUpn {
    /// Checks `raw` (spaces around it ignored) against the XSD's `upntype` patterns.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let b = raw.as_bytes();
        let ok = b.len() == 13
            && b[0].is_ascii_alphabetic()
            && b[1..12].iter().all(u8::is_ascii_digit)
            && (b[12].is_ascii_digit() || b[12].is_ascii_alphabetic());
        ok.then(|| Self(raw.to_owned()))
    }

    /// The UPN as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain's [`Upn`], which also verifies the check letter.
    pub fn to_upn(&self) -> Result<Upn, DomainError> {
        Upn::parse("upn", &self.0)
    }
}

impl From<Upn> for CensusUpn {
    fn from(upn: Upn) -> Self {
        Self(upn.into_string())
    }
}

impl TryFrom<String> for CensusUpn {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).ok_or_else(|| "not a UPN".to_owned())
    }
}

impl From<CensusUpn> for String {
    fn from(upn: CensusUpn) -> Self {
        upn.0
    }
}

/// `ChildCharacteristics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildCharacteristics {
    /// `Ethnicity`.
    pub ethnicity: Ethnicity,
    /// `Disabilities/Disability`; empty when `Disabilities` is absent.
    pub disabilities: Vec<Disability>,
}

/// `CINdetails`: one CIN episode, from referral to closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinDetails {
    /// `CINreferralDate`.
    pub referral_date: NaiveDate,
    /// `ReferralSource`.
    pub referral_source: ReferralSource,
    /// `PrimaryNeedCode`.
    pub primary_need: Option<PrimaryNeed>,
    /// `CINclosureDate`.
    pub closure_date: Option<NaiveDate>,
    /// `ReasonForClosure`.
    pub reason_for_closure: Option<ClosureReason>,
    /// `DateOfInitialCPC` of the episode.
    pub date_of_initial_cpc: Option<NaiveDate>,
    /// `Assessments`.
    pub assessments: Vec<Assessment>,
    /// `CINPlanDates`.
    pub cin_plan_dates: Vec<CinPlanDates>,
    /// `Section47`.
    pub section47: Vec<Section47>,
    /// `ReferralNFA`: the referral led to no further action.
    pub referral_nfa: bool,
    /// `ChildProtectionPlans`.
    pub child_protection_plans: Vec<ChildProtectionPlan>,
}

/// `Assessments`: one assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// `AssessmentActualStartDate`.
    pub actual_start_date: NaiveDate,
    /// `AssessmentInternalReviewDate`.
    pub internal_review_date: Option<NaiveDate>,
    /// `AssessmentAuthorisationDate`.
    pub authorisation_date: Option<NaiveDate>,
    /// `FactorsIdentifiedAtAssessment/AssessmentFactors`; empty when the wrapper is absent.
    pub factors: Vec<AssessmentFactor>,
}

/// `CINPlanDates`: one child in need plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinPlanDates {
    /// `CINPlanStartDate`.
    pub start_date: NaiveDate,
    /// `CINPlanEndDate`.
    pub end_date: Option<NaiveDate>,
}

/// `Section47`: one section 47 enquiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section47 {
    /// `S47ActualStartDate`.
    pub actual_start_date: NaiveDate,
    /// `InitialCPCtarget`.
    pub initial_cpc_target: Option<NaiveDate>,
    /// `DateOfInitialCPC`.
    pub date_of_initial_cpc: Option<NaiveDate>,
    /// `ICPCnotRequired`.
    pub icpc_not_required: bool,
}

/// `ChildProtectionPlans`: one child protection plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildProtectionPlan {
    /// `CPPstartDate`.
    pub start_date: NaiveDate,
    /// `CPPendDate`.
    pub end_date: Option<NaiveDate>,
    /// `InitialCategoryOfAbuse`.
    pub initial_category: CategoryOfAbuse,
    /// `LatestCategoryOfAbuse`.
    pub latest_category: CategoryOfAbuse,
    /// `NumberOfPreviousCPP` (an `xs:positiveInteger` in the XSDs).
    pub number_of_previous_cpp: NonZeroU32,
    /// `Reviews/CPPreviewDate`; empty when `Reviews` is absent.
    pub review_dates: Vec<NaiveDate>,
}

/// `PreProceedingsandFGDM` (2025/26 shape): one pre-proceedings stage and the Family Group
/// Decision Making offered during it.
///
/// No DfE XSD for 2025/26 is at hand; familygraph places the element in `Child`, after the
/// `CINdetails`, repeatable, holding `LetterBeforeProceedingsDate` (required), `FGDMOffered`
/// and `FGDMFacilitated` (required yes/no) and `PreProceedingsOutcome` (optional, `A`/`B`/`C`)
/// — see `tests/fixtures/cin_census/CIN_schema_2026.xsd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreProceedings {
    /// `LetterBeforeProceedingsDate`: the date of the letter before proceedings.
    pub letter_before_proceedings_date: NaiveDate,
    /// `FGDMOffered`: a Family Group Decision Making meeting was offered.
    pub fgdm_offered: bool,
    /// `FGDMFacilitated`: the meeting took place.
    pub fgdm_facilitated: bool,
    /// `PreProceedingsOutcome`, once the stage has ended.
    pub outcome: Option<PreProceedingsOutcome>,
}
