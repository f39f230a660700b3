//! Break-glass access: a practitioner asks for time-limited access to a child's record outside
//! their scope, with a reason; a manager or an auditor reviews each grant afterwards.

use super::super::user_error::{UserError, UserErrorCode};
use super::check_required;
use crate::code_enum::code_enum;

code_enum! {
    /// A reviewer's verdict on a break-glass grant.
    pub enum BreakGlassReviewOutcome {
        Appropriate = "APPROPRIATE" => "The access was justified",
        Inappropriate = "INAPPROPRIATE" => "The access was not justified and needs follow-up",
    }
}

/// The fewest characters (trimmed) a break-glass reason may have: it must say why the child's
/// record is needed now, which a word or two cannot.
pub const MIN_BREAK_GLASS_REASON: usize = 20;
/// How long a grant lasts when the request does not say, in minutes (unless the access policy
/// says otherwise).
pub const DEFAULT_BREAK_GLASS_MINUTES: i32 = 60;
/// The longest grant that may be asked for, in minutes (four hours; unless the access policy
/// says otherwise).
pub const MAX_BREAK_GLASS_MINUTES: i32 = 240;

/// How long grants last: the access policy's `[break_glass]` section, or the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakGlassLimits {
    /// Minutes granted when the request does not say.
    pub default_minutes: i32,
    /// The most minutes that may be asked for.
    pub max_minutes: i32,
}

impl Default for BreakGlassLimits {
    fn default() -> Self {
        Self {
            default_minutes: DEFAULT_BREAK_GLASS_MINUTES,
            max_minutes: MAX_BREAK_GLASS_MINUTES,
        }
    }
}

/// How long a grant lasts: the minutes asked for, or the default.
pub fn break_glass_minutes(minutes: Option<i32>, limits: BreakGlassLimits) -> i32 {
    minutes.unwrap_or(limits.default_minutes)
}

/// A break-glass request gives a reason of at least [`MIN_BREAK_GLASS_REASON`] characters and
/// asks for 1 to `limits.max_minutes` minutes.
pub fn check_break_glass_request(
    reason: &str,
    minutes: Option<i32>,
    limits: BreakGlassLimits,
) -> Vec<UserError> {
    let mut errors = check_required("reason", reason);
    if errors.is_empty() && reason.trim().chars().count() < MIN_BREAK_GLASS_REASON {
        errors.push(UserError::new(
            "reason",
            UserErrorCode::InvalidValue,
            format!(
                "say why you need this child's record, in at least {MIN_BREAK_GLASS_REASON} characters"
            ),
        ));
    }
    let minutes = break_glass_minutes(minutes, limits);
    if !(1..=limits.max_minutes).contains(&minutes) {
        errors.push(UserError::new(
            "minutes",
            UserErrorCode::InvalidValue,
            format!(
                "access lasts from 1 to {} minutes (asked for {minutes})",
                limits.max_minutes
            ),
        ));
    }
    errors
}

/// Break-glass access is for children outside the caller's scope: one already within it
/// (`in_scope`) needs no grant.
pub fn check_outside_scope(in_scope: bool) -> Vec<UserError> {
    if in_scope {
        vec![UserError::new(
            "child",
            UserErrorCode::InvalidValue,
            "the child's record is already open to you (in your scope, or under a current break-glass grant)",
        )]
    } else {
        Vec::new()
    }
}

/// A grant is reviewed once (`already_reviewed`), never by the practitioner who asked for it
/// (`own_grant`), and a verdict of [`BreakGlassReviewOutcome::Inappropriate`] says why in a
/// note.
pub fn check_break_glass_review(
    outcome: BreakGlassReviewOutcome,
    note: Option<&str>,
    already_reviewed: bool,
    own_grant: bool,
) -> Vec<UserError> {
    let mut errors = Vec::new();
    if already_reviewed {
        errors.push(UserError::new(
            "grantId",
            UserErrorCode::AlreadyDecided,
            "the grant has already been reviewed",
        ));
    }
    if own_grant {
        errors.push(UserError::new(
            "grantId",
            UserErrorCode::InvalidValue,
            "you cannot review your own break-glass access",
        ));
    }
    if outcome == BreakGlassReviewOutcome::Inappropriate {
        errors.extend(check_required("note", note.unwrap_or_default()));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn review_outcomes_are_a_code_list() {
        check_code_list::<BreakGlassReviewOutcome>(2);
    }

    #[test]
    fn a_request_needs_a_real_reason_and_a_bounded_time() {
        let reason = "Duty call: police report child at risk tonight";
        let limits = BreakGlassLimits::default();
        assert!(check_break_glass_request(reason, None, limits).is_empty());
        assert!(check_break_glass_request(reason, Some(1), limits).is_empty());
        assert!(check_break_glass_request(reason, Some(240), limits).is_empty());
        assert_eq!(break_glass_minutes(None, limits), 60);
        assert_eq!(break_glass_minutes(Some(15), limits), 15);

        let empty = check_break_glass_request("   ", None, limits);
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].code, UserErrorCode::Required);
        assert_eq!(empty[0].field, vec!["input", "reason"]);
        // 19 characters once trimmed: too short.
        let short = check_break_glass_request("  need to check now  ", None, limits);
        assert_eq!(short[0].code, UserErrorCode::InvalidValue);
        assert_eq!(short[0].field, vec!["input", "reason"]);
        assert!(check_break_glass_request("need to check it now", None, limits).is_empty());

        for minutes in [0, -5, 241, 10_000] {
            let errors = check_break_glass_request(reason, Some(minutes), limits);
            assert_eq!(errors.len(), 1, "{minutes}");
            assert_eq!(errors[0].field, vec!["input", "minutes"]);
            assert_eq!(errors[0].code, UserErrorCode::InvalidValue);
        }
        assert_eq!(check_break_glass_request("", Some(0), limits).len(), 2);

        // A council's policy may shorten grants.
        let short = BreakGlassLimits {
            default_minutes: 15,
            max_minutes: 30,
        };
        assert_eq!(break_glass_minutes(None, short), 15);
        assert!(check_break_glass_request(reason, None, short).is_empty());
        assert_eq!(
            check_break_glass_request(reason, Some(31), short)[0].field,
            vec!["input", "minutes"]
        );
    }

    #[test]
    fn children_in_scope_need_no_grant() {
        assert!(check_outside_scope(false).is_empty());
        let errors = check_outside_scope(true);
        assert_eq!(errors[0].field, vec!["input", "child"]);
        assert_eq!(errors[0].code, UserErrorCode::InvalidValue);
    }

    #[test]
    fn a_grant_is_reviewed_once_by_someone_else() {
        use BreakGlassReviewOutcome::{Appropriate, Inappropriate};
        assert!(check_break_glass_review(Appropriate, None, false, false).is_empty());
        assert!(
            check_break_glass_review(Inappropriate, Some("no case link"), false, false).is_empty()
        );
        assert_eq!(
            check_break_glass_review(Inappropriate, Some(" "), false, false)[0].code,
            UserErrorCode::Required
        );
        assert_eq!(
            check_break_glass_review(Appropriate, None, true, false)[0].code,
            UserErrorCode::AlreadyDecided
        );
        let own = check_break_glass_review(Appropriate, None, false, true);
        assert_eq!(own[0].code, UserErrorCode::InvalidValue);
        assert_eq!(own[0].field, vec!["input", "grantId"]);
    }
}
