//! The NHS number: the consistent child identifier.

use super::string_identifier;
use crate::error::DomainError;

string_identifier! {
    /// An NHS number: 10 digits whose last digit is a modulus-11 check digit. Stored and
    /// shown as the 10 digits, without spaces.
    NhsNumber, "nhsNumber"
}

impl NhsNumber {
    /// Parses an NHS number, accepting spaces and hyphens between digits (`943 476 5919`,
    /// `943-476-5919`). The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid(
                field,
                "an NHS number must be 10 digits",
            ));
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        match check_digit(&values[..9]) {
            Some(check) if check == values[9] => Ok(Self(digits)),
            _ => Err(DomainError::invalid(
                field,
                "the NHS number's check digit is not valid",
            )),
        }
    }
}

/// The modulus-11 check digit of the first nine digits (weights 10 down to 2), or `None`
/// when the remainder gives 10 and no NHS number can have those nine digits.
fn check_digit(first_nine: &[u32]) -> Option<u32> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => Some(check),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // NHS numbers in the 943 476 xxxx test range, never issued to real people.
    const VALID: [&str; 2] = ["9434765919", "9434765870"];

    #[test]
    fn accepts_valid_numbers() {
        for raw in VALID {
            let n = NhsNumber::parse("nhsNumber", raw).unwrap();
            assert_eq!(n.as_str(), raw);
            assert_eq!(n.to_string(), raw);
        }
    }

    #[test]
    fn normalises_spaces_and_hyphens() {
        assert_eq!(
            NhsNumber::parse("f", "943 476 5919").unwrap().as_str(),
            "9434765919"
        );
        assert_eq!(
            NhsNumber::parse("f", "943-476-5870").unwrap().as_str(),
            "9434765870"
        );
        assert_eq!(
            NhsNumber::parse("f", " 9434765919 ").unwrap().as_str(),
            "9434765919"
        );
    }

    #[test]
    fn rejects_a_wrong_check_digit() {
        let err = NhsNumber::parse("nhsNumber", "9434765918").unwrap_err();
        assert_eq!(err.field(), "nhsNumber");
        assert!(err.to_string().contains("check digit"), "{err}");
    }

    #[test]
    fn rejects_numbers_whose_check_digit_would_be_ten() {
        // Weighted sum 10: remainder 10, check digit 11 - 10 = 1.
        assert_eq!(check_digit(&[1, 0, 0, 0, 0, 0, 0, 0, 0]), Some(1));
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 5]), Some(1));
        // Weighted sum 12: remainder 1, check digit 10, so no tenth digit is valid.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 6]), None);
        for last in 0..=9 {
            assert!(NhsNumber::parse("f", &format!("000000006{last}")).is_err());
        }
    }

    #[test]
    fn remainder_zero_gives_check_digit_zero() {
        // sum 11 (weight 2 * 1 + weight 3 * 3) -> 11 - 0 = 11 -> 0
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 3, 1]), Some(0));
        assert!(NhsNumber::parse("f", "0000000310").is_ok());
    }

    #[test]
    fn rejects_wrong_length_and_non_digits() {
        for raw in [
            "",
            "943476591",
            "94347659190",
            "943476591X",
            "9434765919a",
            "943.476.5919",
        ] {
            let err = NhsNumber::parse("nhsNumber", raw).unwrap_err();
            assert_eq!(err.field(), "nhsNumber", "{raw}");
        }
        assert!(NhsNumber::parse("f", "943476591٩").is_err()); // non-ASCII digit
    }

    #[test]
    fn serde_round_trip_validates() {
        let n = NhsNumber::parse("f", VALID[0]).unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"9434765919\"");
        assert_eq!(serde_json::from_str::<NhsNumber>(&json).unwrap(), n);
        assert_eq!(
            serde_json::from_str::<NhsNumber>("\"943 476 5919\"").unwrap(),
            n
        );
        let err = serde_json::from_str::<NhsNumber>("\"9434765918\"").unwrap_err();
        assert!(err.to_string().contains("nhsNumber"), "{err}");
    }
}
