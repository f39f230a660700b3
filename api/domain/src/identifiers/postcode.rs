//! The UK postcode.

use super::string_identifier;
use crate::error::DomainError;

string_identifier! {
    /// A UK postcode in its canonical form: upper case, the outward code, one space, the
    /// inward code (`LS8 3DR`, `SW1A 1AA`). Only the shape is checked, not that the postcode
    /// is in use.
    Postcode, "postcode"
}

impl Postcode {
    /// Parses a UK postcode, ignoring letter case and spaces (`ls83dr`, ` LS8  3DR `). The
    /// outward code is one of `A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A` and the inward code
    /// is `9AA`; `GIR 0AA` is accepted too. The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !compact.is_ascii() || !(5..=7).contains(&compact.len()) {
            return Err(invalid(field));
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if (outward_is_valid(outward) && inward_is_valid(inward)) || compact == "GIR0AA" {
            Ok(Self(format!("{outward} {inward}")))
        } else {
            Err(invalid(field))
        }
    }

    /// The outward code (area and district), e.g. `LS8` of `LS8 3DR`.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

fn invalid(field: &str) -> DomainError {
    DomainError::invalid(
        field,
        "a postcode must be a UK postcode such as LS8 3DR or SW1A 1AA",
    )
}

/// `A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A` (A a letter, 9 a digit).
fn outward_is_valid(outward: &str) -> bool {
    let shape: String = outward
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' => 'A',
            b'0'..=b'9' => '9',
            _ => '?',
        })
        .collect();
    matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    )
}

/// `9AA`.
fn inward_is_valid(inward: &str) -> bool {
    let b = inward.as_bytes();
    b.len() == 3 && b[0].is_ascii_digit() && b[1].is_ascii_uppercase() && b[2].is_ascii_uppercase()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_outward_shape_and_normalises() {
        for (raw, canonical) in [
            ("M1 1AE", "M1 1AE"),
            ("b33 8th", "B33 8TH"),
            ("CR26XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            (" ec1a  1bb ", "EC1A 1BB"),
            ("LS8 3DR", "LS8 3DR"),
            ("gir 0aa", "GIR 0AA"),
        ] {
            let postcode = Postcode::parse("postcode", raw).unwrap();
            assert_eq!(postcode.as_str(), canonical, "{raw}");
        }
        assert_eq!(Postcode::parse("p", "LS17 7DF").unwrap().outward(), "LS17");
    }

    #[test]
    fn rejects_other_shapes_naming_the_field() {
        for raw in [
            "",
            "ABC 1234",
            "LS8",
            "LS8 3D",
            "1S8 3DR",
            "LS8 DDR",
            "LS888 3DR",
            "90210",
            "LS8-3DR",
            "ŁS8 3DR",
        ] {
            let err = Postcode::parse("address.postalCode", raw).unwrap_err();
            assert_eq!(err.field(), "address.postalCode", "{raw}");
        }
    }

    #[test]
    fn serde_validates() {
        let p: Postcode = serde_json::from_str("\"ls8 3dr\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"LS8 3DR\"");
        assert!(serde_json::from_str::<Postcode>("\"nope\"").is_err());
    }
}
