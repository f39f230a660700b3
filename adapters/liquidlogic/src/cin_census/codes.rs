//! Codes of the CIN census that the domain crate has no list for (`GenderCurrent`, the
//! pre-proceedings outcome) and the collection years themselves.
//!
//! Every other code list (referral source, primary need, reason for closure, category of
//! abuse, assessment factors, ethnicity, disability, UPN unknown, sex) is the domain's; these
//! two are declared with the domain's [`code_enum!`] too, so they share its methods, the
//! [`CodeEnum`](familygraph_domain::CodeEnum) trait and its serde form (the code).

use chrono::NaiveDate;
use familygraph_domain::{ClosureReason, ReferralSource, Sex, code_enum};
use serde::{Deserialize, Serialize};

code_enum! {
    /// `GenderCurrent`, the child's gender in the collections up to 2024 (replaced by `Sex`
    /// from 2024/25).
    pub enum GenderCurrent {
        Male = "1" => "Male",
        Female = "2" => "Female",
        NotRecorded = "0" => "Not recorded or unborn",
        Indeterminate = "9" => "Indeterminate",
    }
}

impl GenderCurrent {
    /// The 2024/25 `Sex` code for this gender: `1` → `M`, `2` → `F`, `0` and `9` → `U`.
    pub const fn to_sex(self) -> Sex {
        match self {
            Self::Male => Sex::Male,
            Self::Female => Sex::Female,
            Self::NotRecorded | Self::Indeterminate => Sex::Unknown,
        }
    }

    /// The `GenderCurrent` code for a 2024/25 `Sex`: `M` → `1`, `F` → `2`, `U` → `0`.
    pub const fn from_sex(sex: Sex) -> Self {
        match sex {
            Sex::Male => Self::Male,
            Sex::Female => Self::Female,
            Sex::Unknown => Self::NotRecorded,
        }
    }
}

code_enum! {
    /// `PreProceedingsOutcome`, the outcome of the pre-proceedings stage in the 2025/26 shape:
    /// the DfE's codes `A`, `B` and `C`, kept verbatim.
    pub enum PreProceedingsOutcome {
        A = "A" => "Outcome A",
        B = "B" => "Outcome B",
        C = "C" => "Outcome C",
    }
}

/// A CIN census collection year, named by the `Year` of its header: the census of the year
/// ending 31 March of that year (2022 is the 2021/22 census).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SchemaYear {
    /// 2021/22 (`CIN_schema_2022.xsd`).
    Y2022,
    /// 2022/23 (`CIN_schema_2023.xsd`): adds referral source `5D` and closure reason `RC9`.
    Y2023,
    /// 2023/24 (`CIN_schema_2024.xsd`, the same as 2023's).
    Y2024,
    /// 2024/25: `Sex` (`M`/`F`/`U`) replaces `GenderCurrent`.
    Y2025,
    /// 2025/26: adds `PreProceedingsandFGDM`.
    Y2026,
}

impl SchemaYear {
    /// Every supported year, oldest first.
    pub const ALL: &'static [Self] = &[
        Self::Y2022,
        Self::Y2023,
        Self::Y2024,
        Self::Y2025,
        Self::Y2026,
    ];

    /// The year with this header `Year`, if supported (2022–2026).
    pub fn from_year(year: i32) -> Option<Self> {
        Self::ALL.iter().copied().find(|y| y.year() == year)
    }

    /// The header `Year`, e.g. 2022.
    pub const fn year(self) -> i32 {
        match self {
            Self::Y2022 => 2022,
            Self::Y2023 => 2023,
            Self::Y2024 => 2024,
            Self::Y2025 => 2025,
            Self::Y2026 => 2026,
        }
    }

    /// The census date: 31 March of the year.
    pub fn reference_date(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), 3, 31).unwrap_or(NaiveDate::MIN)
    }

    /// Whether children carry `Sex` (from 2025) rather than `GenderCurrent`.
    pub fn uses_sex(self) -> bool {
        self >= Self::Y2025
    }

    /// Whether the year's shape has `PreProceedingsandFGDM` (from 2026).
    pub fn has_pre_proceedings(self) -> bool {
        self >= Self::Y2026
    }

    /// Whether the year's XSD lists this referral source (`5D` only from 2023).
    pub fn allows_referral_source(self, source: ReferralSource) -> bool {
        self >= Self::Y2023 || source != ReferralSource::LaEarlyHelp
    }

    /// Whether the year's XSD lists this reason for closure (`RC9` only from 2023).
    pub fn allows_closure_reason(self, reason: ClosureReason) -> bool {
        self >= Self::Y2023 || reason != ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp
    }
}

impl std::fmt::Display for SchemaYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.year())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use familygraph_domain::CodeEnum;

    #[test]
    fn census_code_lists_are_domain_code_enums() {
        assert_eq!(<GenderCurrent as CodeEnum>::NAME, "GenderCurrent");
        assert_eq!(
            PreProceedingsOutcome::parse("outcome", " b ").unwrap(),
            PreProceedingsOutcome::B
        );
        for &gender in GenderCurrent::ALL {
            let json = serde_json::to_string(&gender).unwrap();
            assert_eq!(json, format!("\"{}\"", gender.code()));
            assert_eq!(
                serde_json::from_str::<GenderCurrent>(&json).unwrap(),
                gender
            );
        }
        assert!(GenderCurrent::parse("GenderCurrent", "M").is_err());
    }

    #[test]
    fn gender_and_sex_convert_both_ways() {
        for &sex in Sex::ALL {
            assert_eq!(GenderCurrent::from_sex(sex).to_sex(), sex);
        }
        assert_eq!(GenderCurrent::Indeterminate.to_sex(), Sex::Unknown);
        assert_eq!(
            GenderCurrent::from_code("9"),
            Some(GenderCurrent::Indeterminate)
        );
        assert_eq!(GenderCurrent::from_code("M"), None);
    }

    #[test]
    fn years_know_their_codes() {
        assert_eq!(SchemaYear::from_year(2024), Some(SchemaYear::Y2024));
        assert_eq!(SchemaYear::from_year(2021), None);
        assert!(!SchemaYear::Y2022.allows_referral_source(ReferralSource::LaEarlyHelp));
        assert!(SchemaYear::Y2023.allows_referral_source(ReferralSource::LaEarlyHelp));
        assert!(
            !SchemaYear::Y2022
                .allows_closure_reason(ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp)
        );
        assert!(SchemaYear::Y2025.uses_sex() && !SchemaYear::Y2024.uses_sex());
        assert!(
            SchemaYear::Y2026.has_pre_proceedings() && !SchemaYear::Y2025.has_pre_proceedings()
        );
        assert_eq!(SchemaYear::Y2022.reference_date().to_string(), "2022-03-31");
    }
}
