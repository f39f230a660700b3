//! Rules for what partner agencies record: which agencies are partners, the referral source a
//! partner's concern carries to the front door, and what a record must name.

use super::super::user_error::{UserError, UserErrorCode};
use super::check_required;
use crate::{AgencyKind, PartnerRecordKind, ReferralSource};

/// The CIN referral source of a concern a partner agency raises: school → `2A`, health visitor
/// → `3B` (whoever employs them), GP practice → `3A`, other health → `3F`, housing → `4`, police
/// → `6`, VCS groups and early years settings (independent providers, children's centres) →
/// `8`. The council itself is no partner (`None`): its staff record contacts at the front door.
pub fn partner_referral_source(agency: AgencyKind, health_visitor: bool) -> Option<ReferralSource> {
    if health_visitor && matches!(agency, AgencyKind::HealthTrust | AgencyKind::GpPractice) {
        return Some(ReferralSource::HealthVisitor);
    }
    match agency {
        AgencyKind::School => Some(ReferralSource::Schools),
        AgencyKind::GpPractice => Some(ReferralSource::HealthGp),
        AgencyKind::HealthTrust => Some(ReferralSource::OtherHealth),
        AgencyKind::Housing => Some(ReferralSource::Housing),
        AgencyKind::PoliceForce => Some(ReferralSource::Police),
        AgencyKind::Vcs | AgencyKind::EarlyYears => Some(ReferralSource::Other),
        AgencyKind::LocalAuthority => None,
    }
}

/// The agency a partner records for must be a partner agency (not the council).
pub fn check_partner_agency(agency: AgencyKind, health_visitor: bool) -> Vec<UserError> {
    if partner_referral_source(agency, health_visitor).is_some() {
        Vec::new()
    } else {
        vec![UserError::new(
            "agencyId",
            UserErrorCode::InvalidValue,
            "the council is not a partner agency; record contacts at the front door",
        )]
    }
}

/// A concern is about a child (it becomes a front-door contact); support is about a child or a
/// family. Either way it says what happened.
pub fn check_partner_record(
    kind: PartnerRecordKind,
    names_child: bool,
    names_family: bool,
    description: &str,
) -> Vec<UserError> {
    let mut errors = check_required("description", description);
    let named = match kind {
        PartnerRecordKind::Concern => names_child,
        PartnerRecordKind::Support => names_child || names_family,
    };
    if !named {
        errors.push(UserError::new(
            "childId",
            UserErrorCode::Required,
            match kind {
                PartnerRecordKind::Concern => "a concern names the child it is about",
                PartnerRecordKind::Support => "support names the child or family it was given to",
            },
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_concern_carries_its_agency_referral_source() {
        assert_eq!(
            partner_referral_source(AgencyKind::School, false),
            Some(ReferralSource::Schools)
        );
        assert_eq!(
            partner_referral_source(AgencyKind::HealthTrust, true),
            Some(ReferralSource::HealthVisitor)
        );
        assert_eq!(
            partner_referral_source(AgencyKind::HealthTrust, false),
            Some(ReferralSource::OtherHealth)
        );
        assert_eq!(
            partner_referral_source(AgencyKind::Vcs, false),
            Some(ReferralSource::Other)
        );
        assert_eq!(
            partner_referral_source(AgencyKind::EarlyYears, false),
            Some(ReferralSource::Other)
        );
        assert_eq!(
            partner_referral_source(AgencyKind::LocalAuthority, true),
            None
        );
        assert!(check_partner_agency(AgencyKind::Vcs, false).is_empty());
        assert_eq!(
            check_partner_agency(AgencyKind::LocalAuthority, false)[0].code,
            UserErrorCode::InvalidValue
        );
    }

    #[test]
    fn a_concern_names_a_child_and_support_a_child_or_family() {
        use PartnerRecordKind::*;
        assert!(check_partner_record(Concern, true, false, "Arrives hungry").is_empty());
        assert_eq!(
            check_partner_record(Concern, false, true, "Arrives hungry")[0].code,
            UserErrorCode::Required
        );
        assert!(check_partner_record(Support, false, true, "Food parcel").is_empty());
        assert_eq!(check_partner_record(Support, false, false, " ").len(), 2);
    }
}
