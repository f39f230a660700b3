//! Business-rule failures, reported to clients as `userErrors` (not as GraphQL errors): the
//! request was understood, but the case does not allow it. Nothing is written when one occurs.

use crate::code_enum::code_enum;

code_enum! {
    /// Why a workflow command was refused.
    pub enum UserErrorCode {
        Required = "REQUIRED" => "A value is required",
        InvalidValue = "INVALID_VALUE" => "The value is malformed or outside its code list",
        DateBeforeBirth = "DATE_BEFORE_BIRTH" => "The date is before the child was born",
        DateInFuture = "DATE_IN_FUTURE" => "The date is in the future",
        DateOutOfOrder = "DATE_OUT_OF_ORDER" => "The date is before the start it follows",
        UnknownRecord = "UNKNOWN_RECORD" => "The referenced record does not exist or is not visible",
        EpisodeAlreadyOpen = "EPISODE_ALREADY_OPEN" => "The child already has an open Family Help episode",
        NoOpenEpisode = "NO_OPEN_EPISODE" => "The child has no open Family Help episode",
        EpisodeHasOpenPlans = "EPISODE_HAS_OPEN_PLANS" => "Plans in the episode are still open",
        PlanRequiresConference = "PLAN_REQUIRES_CONFERENCE" => "A child protection plan needs a conference that decided on one",
        AlreadyClosed = "ALREADY_CLOSED" => "The record is already closed",
        AlreadyDecided = "ALREADY_DECIDED" => "The decision has already been recorded",
        NotInNetwork = "NOT_IN_NETWORK" => "The person is not a member of this family network",
        OfferNotAccepted = "OFFER_NOT_ACCEPTED" => "The family has not accepted the FGDM offer",
        NoRoute = "NO_ROUTE" => "No locality team covers the child's address",
        NotLeadChildProtectionPractitioner = "NOT_LEAD_CHILD_PROTECTION_PRACTITIONER" => "The practitioner is not a lead child protection practitioner",
        EnquiryRequiresStrategyDiscussion = "ENQUIRY_REQUIRES_STRATEGY_DISCUSSION" => "A section 47 enquiry needs a strategy discussion that decided on one",
        EnquiryAlreadyOpen = "ENQUIRY_ALREADY_OPEN" => "The child already has an open section 47 enquiry",
        ConferenceRequiresEnquiry = "CONFERENCE_REQUIRES_ENQUIRY" => "An initial conference needs a section 47 enquiry that concluded with one",
        PlanAlreadyOpen = "PLAN_ALREADY_OPEN" => "The child already has an open plan of this kind",
        NotChildProtectionPlan = "NOT_CHILD_PROTECTION_PLAN" => "The plan is not a child protection plan",
    }
}

/// One business-rule failure, naming the input field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field, e.g. `["input", "startedOn"]`.
    pub field: Vec<String>,
    /// Stable code.
    pub code: UserErrorCode,
    /// Message for people.
    pub message: String,
}

impl UserError {
    /// A failure in input field `field` (GraphQL name, under `input`).
    pub fn new(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: vec!["input".to_owned(), field.to_owned()],
            code,
            message: message.into(),
        }
    }
}

impl From<crate::DomainError> for UserError {
    fn from(error: crate::DomainError) -> Self {
        UserError::new(
            error.field(),
            UserErrorCode::InvalidValue,
            error.to_string(),
        )
    }
}
