//! DfE code lists for a child's characteristics: ethnicity, disability, sex and the reason a
//! UPN is unknown.

use crate::code_enum::code_enum;

code_enum! {
    /// Ethnicity: the DfE main ethnicity codes, as used by the CIN census.
    pub enum Ethnicity {
        WhiteBritish = "WBRI" => "White British",
        WhiteIrish = "WIRI" => "White Irish",
        TravellerOfIrishHeritage = "WIRT" => "Traveller of Irish heritage",
        WhiteOther = "WOTH" => "Any other White background",
        GypsyRoma = "WROM" => "Gypsy/Roma",
        WhiteAndBlackCaribbean = "MWBC" => "White and Black Caribbean",
        WhiteAndBlackAfrican = "MWBA" => "White and Black African",
        WhiteAndAsian = "MWAS" => "White and Asian",
        MixedOther = "MOTH" => "Any other mixed background",
        Indian = "AIND" => "Indian",
        Pakistani = "APKN" => "Pakistani",
        Bangladeshi = "ABAN" => "Bangladeshi",
        AsianOther = "AOTH" => "Any other Asian background",
        BlackCaribbean = "BCRB" => "Black Caribbean",
        BlackAfrican = "BAFR" => "Black African",
        BlackOther = "BOTH" => "Any other Black background",
        Chinese = "CHNE" => "Chinese",
        OtherEthnicGroup = "OOTH" => "Any other ethnic group",
        Refused = "REFU" => "Refused",
        NotObtained = "NOBT" => "Information not yet obtained",
    }
}

code_enum! {
    /// Disability: the CIN census disability codes. A child has `NONE` or one or more of the
    /// others.
    pub enum Disability {
        NoDisability = "NONE" => "No disability",
        Mobility = "MOB" => "Mobility",
        HandFunction = "HAND" => "Hand function",
        PersonalCare = "PC" => "Personal care",
        Incontinence = "INC" => "Incontinence",
        Communication = "COMM" => "Communication",
        Learning = "LD" => "Learning",
        Hearing = "HEAR" => "Hearing",
        Vision = "VIS" => "Vision",
        Behaviour = "BEH" => "Behaviour",
        Consciousness = "CON" => "Consciousness",
        Autism = "AUT" => "Autism or Asperger syndrome",
        Other = "DDA" => "Other disability",
    }
}

code_enum! {
    /// Why a child has no UPN: the CIN census UPN unknown codes (`UN1`–`UN7`). The labels of
    /// `UN4` and `UN6` paraphrase the census guide; check them against the guide of the
    /// collection year before showing them to users.
    pub enum UpnUnknown {
        UnderSixNotAtSchool = "UN1" => "Child is aged under 6 years old and is not yet attending school",
        NeverAttendedSchoolInEngland = "UN2" => "Child has never attended a school in England",
        EducatedOutsideSchool = "UN3" => "Child is educated outside of school",
        UpnNotYetObtained = "UN4" => "Child's UPN has not yet been obtained",
        SourcesDiscrepancy = "UN5" => "Sources collating UPNs disagree on the child's name or date of birth, preventing reliable matching",
        AgedSixOrOverNotAtSchool = "UN6" => "Child is aged 6 or over and is not attending school",
        ReferralNoFurtherAction = "UN7" => "Referral with no further action",
    }
}

code_enum! {
    /// Sex: the CIN census 2024/25 codes (`M`, `F`, `U`), which replace `GenderCurrent`.
    pub enum Sex {
        Male = "M" => "Male",
        Female = "F" => "Female",
        Unknown = "U" => "Unknown or not recorded",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn ethnicity_codes() {
        check_code_list::<Ethnicity>(20);
        assert_eq!(Ethnicity::WhiteBritish.code(), "WBRI");
        assert_eq!(Ethnicity::NotObtained.code(), "NOBT");
        assert_eq!(
            Ethnicity::parse("ethnicity", "wbri").unwrap(),
            Ethnicity::WhiteBritish
        );
    }

    #[test]
    fn disability_codes() {
        check_code_list::<Disability>(13);
        assert_eq!(Disability::NoDisability.code(), "NONE");
        assert_eq!(Disability::Other.code(), "DDA");
    }

    #[test]
    fn upn_unknown_codes() {
        check_code_list::<UpnUnknown>(7);
        assert_eq!(UpnUnknown::UnderSixNotAtSchool.code(), "UN1");
        assert_eq!(UpnUnknown::ReferralNoFurtherAction.code(), "UN7");
        assert_eq!(UpnUnknown::from_code("UN8"), None);
    }

    #[test]
    fn sex_codes() {
        check_code_list::<Sex>(3);
        assert_eq!(Sex::parse("sex", "f").unwrap(), Sex::Female);
        assert!(Sex::parse("sex", "1").is_err());
    }
}
