//! The DfE unique pupil number (UPN).

use super::string_identifier;
use crate::error::DomainError;

/// The 23 letters a UPN's check letter (and a temporary UPN's last character) may take: the
/// alphabet without I, O and S. A letter's value is its index here (A = 0 ... Z = 22).
const ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

string_identifier! {
    /// A DfE unique pupil number: 13 characters, stored in upper case.
    ///
    /// A permanent UPN is a check letter and 12 digits (characters 2–4 the LA code, 5–8 the
    /// establishment number, 9–10 the year, 11–13 a serial). A temporary UPN, used while the
    /// permanent one is sought, has a letter as its last character. The check letter is
    /// computed from characters 2–13: each character's value (a digit's value, or a final
    /// letter's index in the 23-letter alphabet) times its position (2–13), summed, modulo
    /// 23, mapped to `A B C D E F G H J K L M N P Q R T U V W X Y Z`.
    Upn, "upn"
}

impl Upn {
    /// Parses a UPN (surrounding spaces and letter case ignored), checking its check letter.
    /// The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let upn = raw.trim().to_ascii_uppercase();
        let bytes = upn.as_bytes();
        let well_formed = bytes.len() == 13
            && ALPHABET.contains(&bytes[0])
            && bytes[1..12].iter().all(u8::is_ascii_digit)
            && (bytes[12].is_ascii_digit() || ALPHABET.contains(&bytes[12]));
        if !well_formed {
            return Err(DomainError::invalid(
                field,
                "a UPN must be 13 characters: a check letter and 12 digits, or, for a \
                 temporary UPN, a check letter, 11 digits and a letter (not I, O or S)",
            ));
        }
        match check_letter(&bytes[1..]) {
            Some(letter) if letter == bytes[0] => Ok(Self(upn)),
            _ => Err(DomainError::invalid(
                field,
                "the UPN's check letter is not valid",
            )),
        }
    }

    /// Builds a UPN by computing the check letter for `twelve`: 12 digits (a permanent UPN),
    /// or 11 digits and a letter (a temporary UPN). Meant for generating synthetic data.
    pub fn with_check_letter(twelve: &str) -> Result<Upn, DomainError> {
        let body = twelve.trim().to_ascii_uppercase();
        let bytes = body.as_bytes();
        let well_formed = bytes.len() == 12
            && bytes[..11].iter().all(u8::is_ascii_digit)
            && (bytes[11].is_ascii_digit() || ALPHABET.contains(&bytes[11]));
        match check_letter(bytes) {
            Some(letter) if well_formed => Ok(Self(format!("{}{body}", char::from(letter)))),
            _ => Err(DomainError::invalid(
                "upn",
                "a UPN body must be 12 digits, or 11 digits and a letter (not I, O or S)",
            )),
        }
    }

    /// Whether this is a temporary UPN (its last character is a letter).
    pub fn is_temporary(&self) -> bool {
        self.0
            .as_bytes()
            .last()
            .is_some_and(u8::is_ascii_alphabetic)
    }
}

/// The check letter for characters 2–13 of a UPN, or `None` if a character is neither a
/// digit nor one of the 23 letters.
fn check_letter(body: &[u8]) -> Option<u8> {
    let mut sum = 0usize;
    for (weight, &c) in (2..).zip(body) {
        let value = if c.is_ascii_digit() {
            usize::from(c - b'0')
        } else {
            ALPHABET.iter().position(|&l| l == c)?
        };
        sum += value * weight;
    }
    ALPHABET.get(sum % 23).copied()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Synthetic UPNs (not pupils), check letters computed independently of this code.
    const PERMANENT: [&str; 3] = ["C201999900001", "T935123400542", "P207000016049"];
    const TEMPORARY: [&str; 2] = ["P80100001230A", "K30200001241K"];

    #[test]
    fn accepts_permanent_upns() {
        for raw in PERMANENT {
            let upn = Upn::parse("upn", raw).unwrap();
            assert_eq!(upn.as_str(), raw);
            assert!(!upn.is_temporary());
        }
    }

    #[test]
    fn accepts_temporary_upns() {
        for raw in TEMPORARY {
            let upn = Upn::parse("upn", raw).unwrap();
            assert_eq!(upn.as_str(), raw);
            assert!(upn.is_temporary());
        }
    }

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(
            Upn::parse("upn", " c201999900001 ").unwrap().as_str(),
            "C201999900001"
        );
        assert_eq!(
            Upn::parse("upn", "p80100001230a").unwrap().as_str(),
            "P80100001230A"
        );
    }

    #[test]
    fn rejects_a_wrong_check_letter() {
        for raw in ["B201999900001", "B207000016049", "Q80100001230A"] {
            let err = Upn::parse("upn", raw).unwrap_err();
            assert_eq!(err.field(), "upn");
            assert!(err.to_string().contains("check letter"), "{raw}: {err}");
        }
        // Changing one digit changes the check letter.
        assert!(Upn::parse("upn", "C201999900002").is_err());
    }

    #[test]
    fn rejects_malformed_upns() {
        for raw in [
            "",
            "C20199990000",   // 12 characters
            "C2019999000010", // 14 characters
            "1201999900001",  // no check letter
            "I201999900001",  // I is not a check letter
            "C2019999000A1",  // letter before the last character
            "C20199990000I",  // I is not allowed as the final letter
            "C20199990000S",  // nor S
            "C2019999-0001",
            "UN1",
        ] {
            let err = Upn::parse("formerUpn", raw).unwrap_err();
            assert_eq!(err.field(), "formerUpn", "{raw}");
            assert!(err.to_string().contains("13 characters"), "{raw}: {err}");
        }
    }

    #[test]
    fn with_check_letter_builds_valid_upns() {
        assert_eq!(
            Upn::with_check_letter("201999900001").unwrap().as_str(),
            "C201999900001"
        );
        assert_eq!(
            Upn::with_check_letter("935123400542").unwrap().as_str(),
            "T935123400542"
        );
        let temporary = Upn::with_check_letter("80100001230a").unwrap();
        assert_eq!(temporary.as_str(), "P80100001230A");
        assert!(temporary.is_temporary());
        for serial in 0..500u32 {
            let upn = Upn::with_check_letter(&format!("8010000{serial:05}")).unwrap();
            assert_eq!(Upn::parse("upn", upn.as_str()).unwrap(), upn);
        }
    }

    #[test]
    fn with_check_letter_rejects_bad_bodies() {
        for raw in [
            "",
            "20199990000",
            "2019999000012",
            "20199990000I",
            "2019999000A1",
            "C201999900001",
        ] {
            assert!(Upn::with_check_letter(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let upn = Upn::parse("upn", PERMANENT[0]).unwrap();
        let json = serde_json::to_string(&upn).unwrap();
        assert_eq!(json, "\"C201999900001\"");
        assert_eq!(serde_json::from_str::<Upn>(&json).unwrap(), upn);
        assert!(serde_json::from_str::<Upn>("\"B201999900001\"").is_err());
    }
}
