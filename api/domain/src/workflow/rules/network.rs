//! Rules for family networks: members, FGDM offers and meetings, support packages, and the
//! owners of a family network plan's actions.

use chrono::NaiveDate;

use super::super::user_error::{UserError, UserErrorCode};
use super::{check_ends_after, check_required};
use crate::{FgdmResponse, SupportPackageKind};

/// A network member needs a name and their relationship to the child (in the family's words).
pub fn check_network_member(display_name: &str, relationship_to_child: &str) -> Vec<UserError> {
    let mut errors = check_required("displayName", display_name);
    errors.extend(check_required("relationshipToChild", relationship_to_child));
    errors
}

/// A plan's action owned by a network member must be owned by someone in the family's own
/// network (`networks`: the networks of the plan's family, or of the child's families).
pub fn check_in_network<T: PartialEq>(
    field: &str,
    member_network: &T,
    networks: &[T],
) -> Vec<UserError> {
    if networks.contains(member_network) {
        Vec::new()
    } else {
        vec![UserError::new(
            field,
            UserErrorCode::NotInNetwork,
            "the owner is not a member of this family's network",
        )]
    }
}

/// A date in the network's work: not in the future.
pub fn check_not_future(field: &str, date: NaiveDate, today: NaiveDate) -> Vec<UserError> {
    if date > today {
        vec![UserError::new(
            field,
            UserErrorCode::DateInFuture,
            format!("{date} is in the future"),
        )]
    } else {
        Vec::new()
    }
}

/// The family answers an FGDM offer once, on or after the day it was made.
pub fn check_fgdm_response(
    previous: Option<FgdmResponse>,
    offered_on: NaiveDate,
    responded_on: NaiveDate,
    today: NaiveDate,
) -> Vec<UserError> {
    let mut errors = Vec::new();
    if let Some(previous) = previous {
        errors.push(UserError::new(
            "response",
            UserErrorCode::AlreadyDecided,
            format!(
                "the family has already {} the offer",
                previous.label().to_lowercase()
            ),
        ));
    }
    errors.extend(check_ends_after("respondedOn", responded_on, offered_on));
    errors.extend(check_not_future("respondedOn", responded_on, today));
    errors
}

/// An FGDM meeting is held only once the family accepted the offer, and not before it did.
pub fn check_fgdm_meeting(
    response: Option<FgdmResponse>,
    responded_on: Option<NaiveDate>,
    already_held: bool,
    held_on: NaiveDate,
    facilitator: &str,
    today: NaiveDate,
) -> Vec<UserError> {
    let mut errors = Vec::new();
    if response != Some(FgdmResponse::Accepted) {
        errors.push(UserError::new(
            "fgdmMeetingId",
            UserErrorCode::OfferNotAccepted,
            "an FGDM meeting is held only after the family accepts the offer",
        ));
    }
    if already_held {
        errors.push(UserError::new(
            "fgdmMeetingId",
            UserErrorCode::AlreadyDecided,
            "the meeting has already been recorded",
        ));
    }
    if let Some(responded_on) = responded_on {
        errors.extend(check_ends_after("heldOn", held_on, responded_on));
    }
    errors.extend(check_not_future("heldOn", held_on, today));
    errors.extend(check_required("facilitator", facilitator));
    errors
}

/// Financial support has a positive amount (in pence); practical support has none.
pub fn check_support_amount(kind: SupportPackageKind, amount_pence: Option<i64>) -> Vec<UserError> {
    match (kind, amount_pence) {
        (SupportPackageKind::Financial, None) => vec![UserError::new(
            "amountPence",
            UserErrorCode::Required,
            "financial support needs an amount",
        )],
        (SupportPackageKind::Financial, Some(amount))
            if amount <= 0 || amount > i64::from(i32::MAX) =>
        {
            vec![UserError::new(
                "amountPence",
                UserErrorCode::InvalidValue,
                "the amount must be a positive number of pence",
            )]
        }
        (SupportPackageKind::Practical, Some(_)) => vec![UserError::new(
            "amountPence",
            UserErrorCode::InvalidValue,
            "practical support has no amount; record money as financial support",
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn codes(errors: &[UserError]) -> Vec<UserErrorCode> {
        errors.iter().map(|e| e.code).collect()
    }

    #[test]
    fn a_member_needs_a_relationship_to_the_child() {
        assert!(check_network_member("Nan", "Maternal grandmother").is_empty());
        let errors = check_network_member("Nan", " ");
        assert_eq!(codes(&errors), vec![UserErrorCode::Required]);
        assert_eq!(errors[0].field, vec!["input", "relationshipToChild"]);
        assert_eq!(check_network_member("", "").len(), 2);
    }

    #[test]
    fn owners_belong_to_the_family_network() {
        assert!(check_in_network("goals.0.ownerNetworkMemberId", &1, &[1, 2]).is_empty());
        let errors = check_in_network("goals.0.ownerNetworkMemberId", &3, &[1, 2]);
        assert_eq!(codes(&errors), vec![UserErrorCode::NotInNetwork]);
        assert_eq!(
            errors[0].field,
            vec!["input", "goals.0.ownerNetworkMemberId"]
        );
        assert_eq!(check_in_network("f", &1, &[]).len(), 1);
    }

    #[test]
    fn an_offer_is_answered_once_and_in_order() {
        let today = d(2026, 11, 24);
        assert!(check_fgdm_response(None, d(2026, 11, 1), d(2026, 11, 1), today).is_empty());
        assert_eq!(
            codes(&check_fgdm_response(
                None,
                d(2026, 11, 10),
                d(2026, 11, 9),
                today
            )),
            vec![UserErrorCode::DateOutOfOrder]
        );
        assert_eq!(
            codes(&check_fgdm_response(
                Some(FgdmResponse::Declined),
                d(2026, 11, 1),
                d(2026, 11, 2),
                today
            )),
            vec![UserErrorCode::AlreadyDecided]
        );
        assert_eq!(
            codes(&check_fgdm_response(
                None,
                d(2026, 11, 1),
                d(2026, 12, 1),
                today
            )),
            vec![UserErrorCode::DateInFuture]
        );
    }

    #[test]
    fn a_meeting_needs_an_accepted_offer() {
        let today = d(2026, 11, 24);
        let accepted = Some(FgdmResponse::Accepted);
        let on = Some(d(2026, 11, 2));
        assert!(
            check_fgdm_meeting(accepted, on, false, d(2026, 11, 20), "Facilitator", today)
                .is_empty()
        );
        assert_eq!(
            codes(&check_fgdm_meeting(
                None,
                None,
                false,
                d(2026, 11, 20),
                "F",
                today
            )),
            vec![UserErrorCode::OfferNotAccepted]
        );
        assert_eq!(
            codes(&check_fgdm_meeting(
                Some(FgdmResponse::Declined),
                on,
                false,
                d(2026, 11, 20),
                "F",
                today
            )),
            vec![UserErrorCode::OfferNotAccepted]
        );
        assert_eq!(
            codes(&check_fgdm_meeting(
                accepted,
                on,
                true,
                d(2026, 11, 1),
                "",
                today
            )),
            vec![
                UserErrorCode::AlreadyDecided,
                UserErrorCode::DateOutOfOrder,
                UserErrorCode::Required
            ]
        );
    }

    #[test]
    fn financial_support_has_an_amount() {
        use SupportPackageKind::*;
        assert!(check_support_amount(Financial, Some(25_000)).is_empty());
        assert!(check_support_amount(Practical, None).is_empty());
        assert_eq!(
            codes(&check_support_amount(Financial, None)),
            vec![UserErrorCode::Required]
        );
        assert_eq!(
            codes(&check_support_amount(Financial, Some(0))),
            vec![UserErrorCode::InvalidValue]
        );
        assert_eq!(
            codes(&check_support_amount(Practical, Some(100))),
            vec![UserErrorCode::InvalidValue]
        );
    }
}
