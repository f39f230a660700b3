//! The rules themselves. Each returns the user errors it finds (empty: allowed).

use chrono::NaiveDate;

use super::user_error::{UserError, UserErrorCode};
use crate::{PlanKind, PractitionerRole, Section47Outcome, StrategyDecision};

mod break_glass;
mod network;
mod partner;

pub use break_glass::{
    BreakGlassLimits, BreakGlassReviewOutcome, DEFAULT_BREAK_GLASS_MINUTES,
    MAX_BREAK_GLASS_MINUTES, MIN_BREAK_GLASS_REASON, break_glass_minutes,
    check_break_glass_request, check_break_glass_review, check_outside_scope,
};
pub use network::{
    check_fgdm_meeting, check_fgdm_response, check_in_network, check_network_member,
    check_not_future, check_support_amount,
};
pub use partner::{check_partner_agency, check_partner_record, partner_referral_source};

/// A date on a child's record: not before birth (or, unborn, well before the expected date),
/// and not in the future.
pub fn check_case_date(
    field: &str,
    date: NaiveDate,
    born: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<UserError> {
    let mut errors = Vec::new();
    if date > today {
        errors.push(UserError::new(
            field,
            UserErrorCode::DateInFuture,
            format!("{date} is in the future"),
        ));
    }
    if let Some(born) = born
        && date < born
    {
        errors.push(UserError::new(
            field,
            UserErrorCode::DateBeforeBirth,
            format!("{date} is before the child's date of birth"),
        ));
    }
    errors
}

/// An end date must not precede the start it closes.
pub fn check_ends_after(field: &str, ended: NaiveDate, started: NaiveDate) -> Vec<UserError> {
    if ended < started {
        vec![UserError::new(
            field,
            UserErrorCode::DateOutOfOrder,
            format!("{ended} is before the start date {started}"),
        )]
    } else {
        Vec::new()
    }
}

/// A date that follows a start (a review, an end): not before the start, not in the future.
pub fn check_follow_up_date(
    field: &str,
    date: NaiveDate,
    started: NaiveDate,
    today: NaiveDate,
) -> Vec<UserError> {
    let mut errors = check_ends_after(field, date, started);
    if date > today {
        errors.push(UserError::new(
            field,
            UserErrorCode::DateInFuture,
            "is in the future",
        ));
    }
    errors
}

/// At most one open Family Help episode per child.
pub fn check_no_open_episode(open_episodes: usize) -> Vec<UserError> {
    if open_episodes > 0 {
        vec![UserError::new(
            "childId",
            UserErrorCode::EpisodeAlreadyOpen,
            "the child already has an open Family Help episode; close it or work within it",
        )]
    } else {
        Vec::new()
    }
}

/// An episode cannot close while a plan in it is open.
pub fn check_episode_can_close(open_plans: usize) -> Vec<UserError> {
    if open_plans > 0 {
        vec![UserError::new(
            "episodeId",
            UserErrorCode::EpisodeHasOpenPlans,
            format!("{open_plans} plan(s) for the child are still open; end them first"),
        )]
    } else {
        Vec::new()
    }
}

/// A child protection plan needs an initial conference that decided on one.
pub fn check_conference_decided_plan(conference_decided_plan: Option<bool>) -> Vec<UserError> {
    match conference_decided_plan {
        Some(true) => Vec::new(),
        Some(false) => vec![UserError::new(
            "conferenceId",
            UserErrorCode::PlanRequiresConference,
            "the conference did not decide on a child protection plan",
        )],
        None => vec![UserError::new(
            "conferenceId",
            UserErrorCode::PlanRequiresConference,
            "a child protection plan needs an initial child protection conference",
        )],
    }
}

/// Strategy discussions are chaired, and section 47 enquiries and child protection plans led,
/// by a lead child protection practitioner (an expert social worker in the MACPT). `role` is
/// the practitioner's role.
pub fn check_lead_child_protection_practitioner(
    field: &str,
    role: Option<PractitionerRole>,
) -> Vec<UserError> {
    if role == Some(PractitionerRole::LeadChildProtectionPractitioner) {
        Vec::new()
    } else {
        vec![UserError::new(
            field,
            UserErrorCode::NotLeadChildProtectionPractitioner,
            "statutory child protection decisions are made by a lead child protection practitioner",
        )]
    }
}

/// A strategy discussion is multi-agency: at least one participating agency is recorded.
pub fn check_strategy_participants(participants: usize) -> Vec<UserError> {
    if participants == 0 {
        vec![UserError::new(
            "participants",
            UserErrorCode::Required,
            "record the agencies that took part",
        )]
    } else {
        Vec::new()
    }
}

/// A section 47 enquiry follows a strategy discussion that decided on one: `latest` is the
/// decision of the child's latest strategy discussion held on or before the enquiry starts.
pub fn check_strategy_decided_enquiry(latest: Option<StrategyDecision>) -> Vec<UserError> {
    match latest {
        Some(StrategyDecision::Section47) => Vec::new(),
        Some(other) => vec![UserError::new(
            "childId",
            UserErrorCode::EnquiryRequiresStrategyDiscussion,
            format!(
                "the latest strategy discussion decided {} ({}), not a section 47 enquiry",
                other.code(),
                other.label()
            ),
        )],
        None => vec![UserError::new(
            "childId",
            UserErrorCode::EnquiryRequiresStrategyDiscussion,
            "a section 47 enquiry needs a strategy discussion held on or before its start",
        )],
    }
}

/// At most one open section 47 enquiry per child.
pub fn check_no_open_enquiry(open_enquiries: usize) -> Vec<UserError> {
    if open_enquiries > 0 {
        vec![UserError::new(
            "childId",
            UserErrorCode::EnquiryAlreadyOpen,
            "the child already has an open section 47 enquiry; conclude it first",
        )]
    } else {
        Vec::new()
    }
}

/// A section 47 enquiry is concluded once.
pub fn check_enquiry_open(concluded_on: Option<NaiveDate>) -> Vec<UserError> {
    match concluded_on {
        None => Vec::new(),
        Some(on) => vec![UserError::new(
            "enquiryId",
            UserErrorCode::AlreadyDecided,
            format!("the enquiry was concluded on {on}"),
        )],
    }
}

/// An initial child protection conference follows a section 47 enquiry that concluded with
/// the decision to convene one (`outcome`: the enquiry's outcome), and is held once for it
/// (`conferences_already_held`).
pub fn check_enquiry_led_to_conference(
    outcome: Option<Section47Outcome>,
    conferences_already_held: usize,
) -> Vec<UserError> {
    let mut errors = Vec::new();
    match outcome {
        Some(Section47Outcome::Conference) => {}
        Some(other) => errors.push(UserError::new(
            "section47EnquiryId",
            UserErrorCode::ConferenceRequiresEnquiry,
            format!(
                "the enquiry concluded with {} ({}), not a conference",
                other.code(),
                other.label()
            ),
        )),
        None => errors.push(UserError::new(
            "section47EnquiryId",
            UserErrorCode::ConferenceRequiresEnquiry,
            "conclude the section 47 enquiry with the decision to hold a conference first",
        )),
    }
    if conferences_already_held > 0 {
        errors.push(UserError::new(
            "section47EnquiryId",
            UserErrorCode::AlreadyDecided,
            "an initial conference has already been held for this enquiry",
        ));
    }
    errors
}

/// At most one open child protection plan per child.
pub fn check_no_open_child_protection_plan(open_plans: usize) -> Vec<UserError> {
    if open_plans > 0 {
        vec![UserError::new(
            "childId",
            UserErrorCode::PlanAlreadyOpen,
            "the child already has an open child protection plan",
        )]
    } else {
        Vec::new()
    }
}

/// Child protection commands act on child protection plans only (`kind`: the plan's kind).
pub fn check_child_protection_plan(kind: Option<PlanKind>) -> Vec<UserError> {
    if kind == Some(PlanKind::ChildProtection) {
        Vec::new()
    } else {
        vec![UserError::new(
            "planId",
            UserErrorCode::NotChildProtectionPlan,
            "not a child protection plan",
        )]
    }
}

/// A required free-text value (trimmed) must not be empty.
pub fn check_required(field: &str, value: &str) -> Vec<UserError> {
    if value.trim().is_empty() {
        vec![UserError::new(
            field,
            UserErrorCode::Required,
            "is required",
        )]
    } else {
        Vec::new()
    }
}

/// The fewest characters (trimmed) a reason to withhold may have: a withholding decision must
/// say why sharing would be more detrimental to the child, which a word or two cannot.
pub const MIN_WITHHOLD_REASON: usize = 20;

/// An information-sharing decision gives its reason; a decision to withhold explains (in at
/// least [`MIN_WITHHOLD_REASON`] characters) why sharing would be more detrimental to the child.
pub fn check_information_share(decision: crate::ShareDecision, reason: &str) -> Vec<UserError> {
    let errors = check_required("reason", reason);
    if !errors.is_empty() {
        return errors;
    }
    if decision == crate::ShareDecision::Withhold
        && reason.trim().chars().count() < MIN_WITHHOLD_REASON
    {
        return vec![UserError::new(
            "reason",
            UserErrorCode::InvalidValue,
            format!(
                "a decision to withhold must explain, in at least {MIN_WITHHOLD_REASON} characters, why sharing would be more detrimental to the child"
            ),
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_share_reasons() {
        use crate::ShareDecision::{Share, Withhold};
        assert_eq!(
            check_information_share(Share, "  ")[0].code,
            UserErrorCode::Required
        );
        assert_eq!(
            check_information_share(Withhold, "")[0].code,
            UserErrorCode::Required
        );
        assert_eq!(
            check_information_share(Withhold, "risk")[0].code,
            UserErrorCode::InvalidValue
        );
        assert!(check_information_share(Share, "school needs to know").is_empty());
        assert!(
            check_information_share(Withhold, "disclosure would alert the alleged abuser")
                .is_empty()
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn dates_must_fall_between_birth_and_today() {
        let today = d(2026, 11, 24);
        let born = Some(d(2018, 3, 1));
        assert!(check_case_date("startedOn", d(2026, 1, 1), born, today).is_empty());
        let future = check_case_date("startedOn", d(2026, 12, 1), born, today);
        assert_eq!(future[0].code, UserErrorCode::DateInFuture);
        assert_eq!(future[0].field, vec!["input", "startedOn"]);
        let early = check_case_date("startedOn", d(2017, 1, 1), born, today);
        assert_eq!(early[0].code, UserErrorCode::DateBeforeBirth);
        assert!(check_case_date("startedOn", d(2017, 1, 1), None, today).is_empty());
    }

    #[test]
    fn follow_up_dates_fall_between_the_start_and_today() {
        let today = d(2026, 11, 24);
        let started = d(2026, 3, 1);
        assert!(check_follow_up_date("endedOn", d(2026, 5, 1), started, today).is_empty());
        let early = check_follow_up_date("endedOn", d(2026, 2, 1), started, today);
        assert_eq!(early[0].code, UserErrorCode::DateOutOfOrder);
        let future = check_follow_up_date("endedOn", d(2026, 12, 1), started, today);
        assert_eq!(future[0].code, UserErrorCode::DateInFuture);
        assert_eq!(future[0].field, vec!["input", "endedOn"]);
    }

    #[test]
    fn episodes_and_plans_follow_their_rules() {
        assert!(check_no_open_episode(0).is_empty());
        assert_eq!(
            check_no_open_episode(1)[0].code,
            UserErrorCode::EpisodeAlreadyOpen
        );
        assert!(check_episode_can_close(0).is_empty());
        assert_eq!(
            check_episode_can_close(2)[0].code,
            UserErrorCode::EpisodeHasOpenPlans
        );
        assert!(check_conference_decided_plan(Some(true)).is_empty());
        assert_eq!(
            check_conference_decided_plan(Some(false))[0].code,
            UserErrorCode::PlanRequiresConference
        );
        assert_eq!(check_conference_decided_plan(None).len(), 1);
        assert_eq!(
            check_required("relationship", "  ")[0].code,
            UserErrorCode::Required
        );
        assert_eq!(
            check_ends_after("endedOn", d(2026, 1, 1), d(2026, 2, 1))[0].code,
            UserErrorCode::DateOutOfOrder
        );
    }

    #[test]
    fn child_protection_follows_its_statutory_order() {
        use PractitionerRole as R;
        assert!(
            check_lead_child_protection_practitioner(
                "chairPractitionerId",
                Some(R::LeadChildProtectionPractitioner)
            )
            .is_empty()
        );
        for role in [Some(R::SocialWorker), Some(R::PoliceOfficer), None] {
            let errors = check_lead_child_protection_practitioner("chairPractitionerId", role);
            assert_eq!(
                errors[0].code,
                UserErrorCode::NotLeadChildProtectionPractitioner
            );
            assert_eq!(errors[0].field, vec!["input", "chairPractitionerId"]);
        }
        assert_eq!(
            check_strategy_participants(0)[0].code,
            UserErrorCode::Required
        );
        assert!(check_strategy_participants(3).is_empty());

        assert!(check_strategy_decided_enquiry(Some(StrategyDecision::Section47)).is_empty());
        for latest in [
            Some(StrategyDecision::NoFurtherAction),
            Some(StrategyDecision::ContinueFamilyHelp),
            None,
        ] {
            assert_eq!(
                check_strategy_decided_enquiry(latest)[0].code,
                UserErrorCode::EnquiryRequiresStrategyDiscussion
            );
        }
        assert!(check_no_open_enquiry(0).is_empty());
        assert_eq!(
            check_no_open_enquiry(1)[0].code,
            UserErrorCode::EnquiryAlreadyOpen
        );
        assert!(check_enquiry_open(None).is_empty());
        assert_eq!(
            check_enquiry_open(Some(d(2026, 1, 1)))[0].code,
            UserErrorCode::AlreadyDecided
        );

        assert!(check_enquiry_led_to_conference(Some(Section47Outcome::Conference), 0).is_empty());
        assert_eq!(
            check_enquiry_led_to_conference(Some(Section47Outcome::NoFurtherAction), 0)[0].code,
            UserErrorCode::ConferenceRequiresEnquiry
        );
        assert_eq!(
            check_enquiry_led_to_conference(None, 0)[0].code,
            UserErrorCode::ConferenceRequiresEnquiry
        );
        assert_eq!(
            check_enquiry_led_to_conference(Some(Section47Outcome::Conference), 1)[0].code,
            UserErrorCode::AlreadyDecided
        );

        assert!(check_no_open_child_protection_plan(0).is_empty());
        assert_eq!(
            check_no_open_child_protection_plan(1)[0].code,
            UserErrorCode::PlanAlreadyOpen
        );
        assert!(check_child_protection_plan(Some(PlanKind::ChildProtection)).is_empty());
        assert_eq!(
            check_child_protection_plan(Some(PlanKind::ChildInNeed))[0].code,
            UserErrorCode::NotChildProtectionPlan
        );
    }
}
