//! Identifiers with a fixed shape and no check digit: LSOA code, school URN, ODS code and
//! the case system's person id.

use super::string_identifier;
use crate::error::DomainError;

string_identifier! {
    /// A 2011/2021 Lower-layer Super Output Area code: `E01` (England) or `W01` (Wales) and 6
    /// digits, e.g. `E01018445`. Stored in upper case.
    LsoaCode, "lsoaCode"
}

impl LsoaCode {
    /// Parses an LSOA code (surrounding spaces and letter case ignored). The error names
    /// `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let valid = code.len() == 9
            && (code.starts_with("E01") || code.starts_with("W01"))
            && code.bytes().skip(3).all(|b| b.is_ascii_digit());
        if valid {
            Ok(Self(code))
        } else {
            Err(DomainError::invalid(
                field,
                "an LSOA code must be E01 or W01 followed by 6 digits, e.g. E01018445",
            ))
        }
    }
}

string_identifier! {
    /// A school's unique reference number (URN): 6 digits, 100000 to 999999.
    SchoolUrn, "urn"
}

impl SchoolUrn {
    /// Parses a school URN (surrounding spaces ignored). The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let urn = raw.trim();
        let valid =
            urn.len() == 6 && urn.bytes().all(|b| b.is_ascii_digit()) && !urn.starts_with('0');
        if valid {
            Ok(Self(urn.to_owned()))
        } else {
            Err(DomainError::invalid(
                field,
                "a school URN must be 6 digits from 100000 to 999999",
            ))
        }
    }

    /// The URN as a number.
    pub fn value(&self) -> u32 {
        self.0.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
    }
}

string_identifier! {
    /// An NHS Organisation Data Service (ODS) code of a GP practice or trust: 3 to 10 letters
    /// and digits, stored in upper case.
    OdsCode, "odsCode"
}

impl OdsCode {
    /// Parses an ODS code (surrounding spaces and letter case ignored). The error names
    /// `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let valid =
            (3..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if valid {
            Ok(Self(code))
        } else {
            Err(DomainError::invalid(
                field,
                "an ODS code must be 3 to 10 letters and digits",
            ))
        }
    }
}

string_identifier! {
    /// The case system's own person id (e.g. Liquid Logic's `PERSON_ID`): 1 to 64 printable
    /// ASCII characters without spaces. Case is kept.
    CaseSystemId, "caseSystemId"
}

impl CaseSystemId {
    /// Parses a case system id (surrounding spaces ignored). The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let id = raw.trim();
        let valid = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(Self(id.to_owned()))
        } else {
            Err(DomainError::invalid(
                field,
                "a case system id must be 1 to 64 printable ASCII characters without spaces",
            ))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lsoa_codes() {
        assert_eq!(
            LsoaCode::parse("lsoaCode", "E01018445").unwrap().as_str(),
            "E01018445"
        );
        assert_eq!(
            LsoaCode::parse("lsoaCode", " w01000001 ").unwrap().as_str(),
            "W01000001"
        );
        for raw in [
            "",
            "E0101844",
            "E010184456",
            "E02018445",
            "S01018445",
            "E01O18445",
            "E01-18445",
        ] {
            let err = LsoaCode::parse("lsoaCode", raw).unwrap_err();
            assert_eq!(err.field(), "lsoaCode", "{raw}");
        }
    }

    #[test]
    fn school_urns() {
        let urn = SchoolUrn::parse("urn", " 100000 ").unwrap();
        assert_eq!(urn.as_str(), "100000");
        assert_eq!(urn.value(), 100_000);
        assert_eq!(SchoolUrn::parse("urn", "999999").unwrap().value(), 999_999);
        assert_eq!(
            SchoolUrn::parse("urn", "142857").unwrap().to_string(),
            "142857"
        );
        for raw in [
            "", "099999", "12345", "1234567", "12345a", "-12345", "+12345",
        ] {
            let err = SchoolUrn::parse("schoolUrn", raw).unwrap_err();
            assert_eq!(err.field(), "schoolUrn", "{raw}");
        }
    }

    #[test]
    fn ods_codes() {
        assert_eq!(
            OdsCode::parse("odsCode", "n81013").unwrap().as_str(),
            "N81013"
        );
        assert_eq!(OdsCode::parse("odsCode", "RBT").unwrap().as_str(), "RBT");
        assert_eq!(
            OdsCode::parse("odsCode", "ABCDE12345").unwrap().as_str(),
            "ABCDE12345"
        );
        for raw in ["", "AB", "ABCDE123456", "N81-013", "N8 1013", "ÄBC"] {
            let err = OdsCode::parse("odsCode", raw).unwrap_err();
            assert_eq!(err.field(), "odsCode", "{raw}");
        }
    }

    #[test]
    fn case_system_ids() {
        assert_eq!(
            CaseSystemId::parse("f", "P-000123").unwrap().as_str(),
            "P-000123"
        );
        assert_eq!(CaseSystemId::parse("f", " abc ").unwrap().as_str(), "abc");
        assert_eq!(CaseSystemId::parse("f", "x").unwrap().as_str(), "x");
        let longest = "9".repeat(64);
        assert_eq!(
            CaseSystemId::parse("f", &longest).unwrap().as_str(),
            longest
        );
        for raw in ["", "   ", "a b", "a\tb", "é", &"9".repeat(65), "a\u{7f}"] {
            let err = CaseSystemId::parse("caseSystemId", raw).unwrap_err();
            assert_eq!(err.field(), "caseSystemId", "{raw:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let lsoa: LsoaCode = serde_json::from_str("\"e01018445\"").unwrap();
        assert_eq!(lsoa.as_str(), "E01018445");
        assert_eq!(serde_json::to_string(&lsoa).unwrap(), "\"E01018445\"");
        assert!(serde_json::from_str::<SchoolUrn>("\"012345\"").is_err());
        assert!(serde_json::from_str::<OdsCode>("\"A\"").is_err());
        assert!(serde_json::from_str::<CaseSystemId>("\"a b\"").is_err());
        let err = serde_json::from_str::<SchoolUrn>("\"1\"").unwrap_err();
        assert!(err.to_string().contains("urn"), "{err}");
    }
}
