//! Codes from schools' records.

use crate::code_enum::code_enum;

code_enum! {
    /// DfE reason for a suspension or permanent exclusion (school census, exclusions module;
    /// the list in force since the 2020/21 census, with `OT` kept for earlier records). A
    /// school may give up to three reasons for one suspension. Persistent disruptive behaviour
    /// is `DB` (`PD` is no exclusion reason: in the Common Basic Data Set it is the SEN need
    /// type "physical disability"). Reasons the census added later are not listed: a school's
    /// reason naming one is kept as recorded, and is not read as a DfE reason.
    pub enum ExclusionReason {
        PhysicalAssaultAgainstPupil = "PP" => "Physical assault against a pupil",
        PhysicalAssaultAgainstAdult = "PA" => "Physical assault against an adult",
        VerbalAbuseAgainstPupil = "VP" => "Verbal abuse/threatening behaviour against a pupil",
        VerbalAbuseAgainstAdult = "VA" => "Verbal abuse/threatening behaviour against an adult",
        OffensiveWeapon = "OW" => "Use or threat of use of an offensive weapon or prohibited item",
        Bullying = "BU" => "Bullying",
        RacistAbuse = "RA" => "Racist abuse",
        SexualOrientationGenderIdentityAbuse = "LG" => "Abuse against sexual orientation and gender identity",
        DisabilityAbuse = "DS" => "Abuse relating to disability",
        SocialMediaOrOnlineMisuse = "MT" => "Inappropriate use of social media or online technology",
        PublicHealthMeasures = "PH" => "Wilful and repeated transgression of protective measures in place to protect public health",
        SexualMisconduct = "SM" => "Sexual misconduct",
        DrugAndAlcohol = "DA" => "Drug and alcohol related",
        Damage = "DM" => "Damage to property",
        Theft = "TH" => "Theft",
        PersistentDisruptiveBehaviour = "DB" => "Persistent or general disruptive behaviour",
        Other = "OT" => "Other (records before September 2020)",
    }
}

impl ExclusionReason {
    /// The DfE reasons a school's free-text reason names: codes separated by commas, slashes,
    /// semicolons or spaces (`"PP, VA"`), or a reason's label (`"Persistent or general
    /// disruptive behaviour"`), letter case ignored; each reason once, in the order given. Empty when the
    /// text names none.
    pub fn found_in(text: &str) -> Vec<ExclusionReason> {
        let trimmed = text.trim();
        if let Some(by_label) = Self::ALL
            .iter()
            .find(|reason| reason.label().eq_ignore_ascii_case(trimmed))
        {
            return vec![*by_label];
        }
        let mut found = Vec::new();
        for token in trimmed.split(|c: char| c == ',' || c == '/' || c == ';' || c.is_whitespace())
        {
            if let Some(reason) = Self::from_code(&token.trim().to_ascii_uppercase())
                && !found.contains(&reason)
            {
                found.push(reason);
            }
        }
        found
    }
}

code_enum! {
    /// A pupil's National Curriculum year group, as the DfE school census codes it (actual
    /// National Curriculum year): early years, nursery, reception, years 1 to 14, or not
    /// following the National Curriculum.
    pub enum YearGroup {
        EarlyYears1 = "E1" => "Early years, first year",
        EarlyYears2 = "E2" => "Early years, second year",
        Nursery1 = "N1" => "Nursery, first year",
        Nursery2 = "N2" => "Nursery, second year",
        Reception = "R" => "Reception",
        Year1 = "1" => "Year 1",
        Year2 = "2" => "Year 2",
        Year3 = "3" => "Year 3",
        Year4 = "4" => "Year 4",
        Year5 = "5" => "Year 5",
        Year6 = "6" => "Year 6",
        Year7 = "7" => "Year 7",
        Year8 = "8" => "Year 8",
        Year9 = "9" => "Year 9",
        Year10 = "10" => "Year 10",
        Year11 = "11" => "Year 11",
        Year12 = "12" => "Year 12",
        Year13 = "13" => "Year 13",
        Year14 = "14" => "Year 14",
        NotFollowingNationalCurriculum = "X" => "Not following the National Curriculum",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_found_by_code_or_label() {
        assert_eq!(
            ExclusionReason::found_in("pp, VA/pp"),
            vec![
                ExclusionReason::PhysicalAssaultAgainstPupil,
                ExclusionReason::VerbalAbuseAgainstAdult
            ]
        );
        assert_eq!(
            ExclusionReason::found_in(" persistent or general disruptive behaviour "),
            vec![ExclusionReason::PersistentDisruptiveBehaviour]
        );
        assert_eq!(
            ExclusionReason::found_in("Verbal abuse/threatening behaviour against an adult"),
            vec![ExclusionReason::VerbalAbuseAgainstAdult]
        );
        assert!(ExclusionReason::found_in("kicked a door").is_empty());
    }

    #[test]
    fn persistent_disruptive_behaviour_is_db_not_pd() {
        // The census code is DB; PD is the SEN need type "physical disability", never a reason.
        assert_eq!(
            ExclusionReason::found_in("db, DM"),
            vec![
                ExclusionReason::PersistentDisruptiveBehaviour,
                ExclusionReason::Damage
            ]
        );
        assert_eq!(ExclusionReason::PersistentDisruptiveBehaviour.code(), "DB");
        assert!(ExclusionReason::found_in("PD").is_empty());
    }

    #[test]
    fn year_groups_are_census_codes_and_the_error_does_not_repeat_the_value() {
        assert_eq!(
            YearGroup::parse("year_group", " r "),
            Ok(YearGroup::Reception)
        );
        assert_eq!(YearGroup::parse("year_group", "6"), Ok(YearGroup::Year6));
        assert_eq!(
            YearGroup::parse("year_group", "n1"),
            Ok(YearGroup::Nursery1)
        );
        let Err(first) = YearGroup::parse("year_group", "15") else {
            panic!("year 15 is not a census year group");
        };
        assert_eq!(first.field(), "year_group");
        // The same words whatever the value: it is never repeated.
        for bad in ["0", "Year 6", "06", "", "Mx Pupil"] {
            assert_eq!(YearGroup::parse("year_group", bad), Err(first.clone()));
        }
    }
}
