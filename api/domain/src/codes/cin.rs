//! Code lists of the DfE children in need (CIN) census, used verbatim: referral source,
//! primary need, reason for closure, category of abuse and assessment factors.

use crate::code_enum::code_enum;

code_enum! {
    /// Source of a referral or contact: the CIN census referral source codes (`1A`–`10`).
    pub enum ReferralSource {
        IndividualFamily = "1A" => "Individual: family member, relative or carer",
        IndividualAcquaintance = "1B" => "Individual: acquaintance, including neighbours and child minders",
        IndividualSelf = "1C" => "Individual: self",
        IndividualOther = "1D" => "Individual: other, including strangers",
        Schools = "2A" => "Schools",
        EducationServices = "2B" => "Education services",
        HealthGp = "3A" => "Health services: general practitioner (GP)",
        HealthVisitor = "3B" => "Health services: health visitor",
        SchoolNurse = "3C" => "Health services: school nurse",
        OtherPrimaryHealth = "3D" => "Health services: other primary health services",
        AccidentAndEmergency = "3E" => "Health services: A&E (accident and emergency department)",
        OtherHealth = "3F" => "Health services: other, for example a hospice",
        Housing = "4" => "Housing: local authority housing or housing association",
        LaSocialCare = "5A" => "LA services: social care, for example adult social care",
        LaOtherInternal = "5B" => "LA services: other internal department, for example youth offending (excluding housing)",
        LaExternal = "5C" => "LA services: external, for example another local authority",
        LaEarlyHelp = "5D" => "LA services: early help",
        Police = "6" => "Police",
        OtherLegalAgency = "7" => "Other legal agency, including courts, probation, immigration, Cafcass or prison",
        Other = "8" => "Other, including children's centres, independent agency providers or voluntary organisations",
        Anonymous = "9" => "Anonymous",
        Unknown = "10" => "Unknown",
    }
}

code_enum! {
    /// The child's primary need at assessment: the CIN census primary need codes (`N0`–`N9`).
    pub enum PrimaryNeed {
        NotStated = "N0" => "Not stated",
        AbuseOrNeglect = "N1" => "Abuse or neglect",
        ChildDisability = "N2" => "Child's disability",
        ParentalDisabilityOrIllness = "N3" => "Parental disability or illness",
        FamilyInAcuteStress = "N4" => "Family in acute stress",
        FamilyDysfunction = "N5" => "Family dysfunction",
        SociallyUnacceptableBehaviour = "N6" => "Socially unacceptable behaviour",
        LowIncome = "N7" => "Low income",
        AbsentParenting = "N8" => "Absent parenting",
        CasesOtherThanChildrenInNeed = "N9" => "Cases other than children in need",
    }
}

code_enum! {
    /// Why a CIN episode (here: a Family Help episode) closed: the CIN census reason for
    /// closure codes (`RC1`–`RC9`).
    pub enum ClosureReason {
        Adopted = "RC1" => "Adopted",
        Died = "RC2" => "Died",
        ChildArrangementsOrder = "RC3" => "Child arrangements order",
        SpecialGuardianshipOrder = "RC4" => "Special guardianship order",
        TransferredToAnotherLa = "RC5" => "Transferred to services of another local authority",
        TransferredToAdultSocialCare = "RC6" => "Transferred to adult social care services",
        ServicesCeased = "RC7" => "Services ceased for any other reason, including child no longer in need",
        ClosedAfterAssessmentNoFurtherAction = "RC8" => "Case closed after assessment, no further action",
        ClosedAfterAssessmentReferredToEarlyHelp = "RC9" => "Case closed after assessment, referred to early help",
    }
}

code_enum! {
    /// Category of abuse of a child protection plan: the CIN census category of abuse codes.
    pub enum CategoryOfAbuse {
        Neglect = "NEG" => "Neglect",
        PhysicalAbuse = "PHY" => "Physical abuse",
        SexualAbuse = "SAB" => "Sexual abuse",
        EmotionalAbuse = "EMO" => "Emotional abuse",
        Multiple = "MUL" => "Multiple or not recommended",
    }
}

code_enum! {
    /// Factors identified at the end of an assessment: the CIN census assessment factor
    /// codes. Suffix `A` is about the child, `B` a parent or carer, `C` another person in the
    /// household (except the privately fostered `8B`–`8F` and abuse `18B`–`19C` families).
    /// The census names `3A`–`3C` "domestic violence".
    pub enum AssessmentFactor {
        AlcoholChild = "1A" => "Alcohol misuse by the child",
        AlcoholParent = "1B" => "Alcohol misuse by the parent(s) or carer(s)",
        AlcoholOtherPerson = "1C" => "Alcohol misuse by another person in the household",
        DrugsChild = "2A" => "Drug misuse by the child",
        DrugsParent = "2B" => "Drug misuse by the parent(s) or carer(s)",
        DrugsOtherPerson = "2C" => "Drug misuse by another person in the household",
        DomesticAbuseChild = "3A" => "Domestic abuse: the child is the subject",
        DomesticAbuseParent = "3B" => "Domestic abuse: the child's parent(s) or carer(s) are the subject",
        DomesticAbuseOtherPerson = "3C" => "Domestic abuse: another person in the household is the subject",
        MentalHealthChild = "4A" => "Mental health of the child",
        MentalHealthParent = "4B" => "Mental health of the parent(s) or carer(s)",
        MentalHealthOtherPerson = "4C" => "Mental health of another person in the family or household",
        LearningDisabilityChild = "5A" => "Learning disability of the child",
        LearningDisabilityParent = "5B" => "Learning disability of the parent(s) or carer(s)",
        LearningDisabilityOtherPerson = "5C" => "Learning disability of another person in the family or household",
        PhysicalDisabilityChild = "6A" => "Physical disability or illness of the child",
        PhysicalDisabilityParent = "6B" => "Physical disability or illness of the parent(s) or carer(s)",
        PhysicalDisabilityOtherPerson = "6C" => "Physical disability or illness of another person in the family or household",
        YoungCarer = "7A" => "Young carer",
        PrivatelyFosteredOverseasReturning = "8B" => "Privately fostered: overseas child who intends to return",
        PrivatelyFosteredOverseasStaying = "8C" => "Privately fostered: overseas child who intends to stay",
        PrivatelyFosteredUkEducational = "8D" => "Privately fostered: UK child in an educational placement",
        PrivatelyFosteredUkFamilyArrangement = "8E" => "Privately fostered: UK child in an alternative family arrangement",
        PrivatelyFosteredOther = "8F" => "Privately fostered: other",
        UnaccompaniedAsylumSeeking = "9A" => "Unaccompanied asylum-seeking child",
        Missing = "10A" => "Going or being missing",
        ChildSexualExploitation = "11A" => "Child sexual exploitation",
        Trafficking = "12A" => "Trafficking",
        Gangs = "13A" => "Involvement in or with gangs",
        SociallyUnacceptableBehaviour = "14A" => "Socially unacceptable behaviour",
        SelfHarm = "15A" => "Self-harm",
        Neglect = "16A" => "Abuse or neglect: neglect",
        EmotionalAbuse = "17A" => "Abuse or neglect: emotional abuse",
        PhysicalAbuseChildOnChild = "18B" => "Abuse or neglect: physical abuse, child on child",
        PhysicalAbuseAdultOnChild = "18C" => "Abuse or neglect: physical abuse, adult on child",
        SexualAbuseChildOnChild = "19B" => "Abuse or neglect: sexual abuse, child on child",
        SexualAbuseAdultOnChild = "19C" => "Abuse or neglect: sexual abuse, adult on child",
        Other = "20" => "Other",
        NoFactors = "21" => "No factors identified",
        FemaleGenitalMutilation = "22A" => "Female genital mutilation (FGM)",
        FaithOrBeliefAbuse = "23A" => "Abuse linked to faith or belief",
        ChildCriminalExploitation = "24A" => "Child criminal exploitation",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn referral_source_codes() {
        check_code_list::<ReferralSource>(22);
        assert_eq!(ReferralSource::Schools.code(), "2A");
        assert_eq!(ReferralSource::LaEarlyHelp.code(), "5D");
        assert_eq!(
            ReferralSource::from_code("10"),
            Some(ReferralSource::Unknown)
        );
        assert_eq!(ReferralSource::from_code("1E"), None);
    }

    #[test]
    fn primary_need_codes() {
        check_code_list::<PrimaryNeed>(10);
        assert_eq!(PrimaryNeed::AbuseOrNeglect.code(), "N1");
        assert_eq!(
            PrimaryNeed::parse("primaryNeed", "n4").unwrap(),
            PrimaryNeed::FamilyInAcuteStress
        );
    }

    #[test]
    fn closure_reason_codes() {
        check_code_list::<ClosureReason>(9);
        assert_eq!(ClosureReason::Adopted.code(), "RC1");
        assert_eq!(
            ClosureReason::ClosedAfterAssessmentNoFurtherAction.code(),
            "RC8"
        );
        assert_eq!(ClosureReason::from_code("RC10"), None);
    }

    #[test]
    fn category_of_abuse_codes() {
        check_code_list::<CategoryOfAbuse>(5);
        assert_eq!(CategoryOfAbuse::Neglect.code(), "NEG");
        assert_eq!(CategoryOfAbuse::Multiple.code(), "MUL");
    }

    #[test]
    fn assessment_factor_codes() {
        check_code_list::<AssessmentFactor>(42);
        assert_eq!(AssessmentFactor::AlcoholChild.code(), "1A");
        assert_eq!(
            AssessmentFactor::PrivatelyFosteredOverseasReturning.code(),
            "8B"
        );
        assert_eq!(AssessmentFactor::ChildCriminalExploitation.code(), "24A");
        // 8A, 18A and 19A do not exist in the census.
        for missing in ["8A", "18A", "19A", "20A", "21A"] {
            assert_eq!(AssessmentFactor::from_code(missing), None, "{missing}");
        }
    }

    #[test]
    fn parse_error_lists_the_allowed_codes() {
        let err = CategoryOfAbuse::parse("initialCategory", "XYZ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "initialCategory: is not one of the allowed CategoryOfAbuse codes (NEG, PHY, SAB, EMO, MUL)"
        );
    }
}
