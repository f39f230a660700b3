//! Deterministic ids and synthetic identifiers.
//!
//! - Row ids are UUIDv7-shaped: a fixed base instant plus one millisecond per id, and ten
//!   bytes from a seeded generator, so the same seed gives the same ids and ids sort in the
//!   order rows were generated. `Uuid::now_v7()` is never used here.
//! - NHS numbers are drawn from the `999` test range (`999 xxx xxxx`), with their modulus-11
//!   check digit; UPNs use the local authority number `999`, which no English local authority
//!   has, with their check letter. Neither can be a real child's. The seed keeps to the first
//!   nine tenths of the NHS test range ([`SEED_NHS_SERIALS`]); the last tenth, `999 9xx xxxx`,
//!   belongs to test fixtures and synthetic adapter files, so a number a test makes up never
//!   matches a seeded person by accident.

use familygraph_domain::Upn;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use uuid::{Builder, Uuid};

/// Generates UUIDv7-shaped ids from a seed and a base instant.
pub(super) struct IdGen {
    rng: StdRng,
    millis: u64,
}

impl IdGen {
    /// A generator whose first id carries `base_millis + 1` as its timestamp.
    pub(super) fn new(seed: u64, base_millis: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            millis: base_millis,
        }
    }

    /// The next id: one millisecond after the previous one, with seeded random bits.
    pub(super) fn next(&mut self) -> Uuid {
        self.millis += 1;
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        Builder::from_unix_timestamp_millis(self.millis, &bytes).into_uuid()
    }
}

/// The serials of the NHS numbers the seed issues (`999` followed by the serial's six
/// digits and the check digit): `999 000 0000` to `999 899 999x`. Fixtures and synthetic
/// adapter files take theirs from `999 9xx xxxx` (serials 900,000 to 999,999), which the seed
/// never issues.
pub const SEED_NHS_SERIALS: std::ops::Range<u32> = 0..900_000;

/// The serials of the story family's fixed NHS numbers (`999 000 0018`, ...), at the start of
/// [`SEED_NHS_SERIALS`]; tests name them on purpose to find the story family. The rest of the
/// population draws from the serials after these.
pub const STORY_NHS_SERIALS: std::ops::Range<u32> = 0..1_000;

/// The NHS number `999` followed by the six digits of `serial` and the check digit, or `None`
/// when those nine digits have no valid check digit (remainder 10) or `serial` is outside
/// [`SEED_NHS_SERIALS`].
pub(super) fn nhs_number(serial: u32) -> Option<String> {
    if !SEED_NHS_SERIALS.contains(&serial) {
        return None;
    }
    let nine = format!("999{serial:06}");
    let sum: u32 = nine
        .bytes()
        .zip((2..=10u32).rev())
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return None,
        c => c,
    };
    Some(format!("{nine}{check}"))
}

/// Whether the seed can issue `number` (digits, spaces ignored) as someone's NHS number: a
/// valid number in the seed's part of the test range. Test fixtures check theirs against it.
pub fn seed_may_issue_nhs_number(number: &str) -> bool {
    let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(serial) = digits
        .strip_prefix("999")
        .filter(|rest| rest.len() == 7)
        .and_then(|rest| rest[..6].parse::<u32>().ok())
    else {
        return false;
    };
    nhs_number(serial).as_deref() == Some(digits.as_str())
}

/// A permanent UPN for `serial`: check letter, LA number `999`, then the nine digits of
/// `serial`.
pub(super) fn upn(serial: u32) -> Option<String> {
    Upn::with_check_letter(&format!("999{:09}", serial % 1_000_000_000))
        .ok()
        .map(Upn::into_string)
}

/// A temporary UPN (last character a letter) for `serial`, used as a child's former UPN.
pub(super) fn temporary_upn(serial: u32) -> Option<String> {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
    let letter = char::from(LETTERS[(serial % 23) as usize]);
    Upn::with_check_letter(&format!("999{:08}{letter}", (serial / 23) % 100_000_000))
        .ok()
        .map(Upn::into_string)
}

/// Hands out unique NHS numbers, UPNs and case system ids, with small random gaps.
pub(super) struct Serials {
    nhs: u32,
    upn: u32,
    temporary_upn: u32,
    case_system: u32,
}

impl Serials {
    /// Serials starting after the ranges the story family uses.
    pub(super) fn new() -> Self {
        Self {
            nhs: STORY_NHS_SERIALS.end,
            upn: 1_000,
            temporary_upn: 1_000,
            case_system: 1_000_000,
        }
    }

    /// The next unused NHS number, or `None` once the seed's part of the test range is used up
    /// (about 490,000 numbers with the gaps; a 100,000-child seed uses about 150,000).
    pub(super) fn nhs_number(&mut self, rng: &mut StdRng) -> Option<String> {
        loop {
            self.nhs = self.nhs.saturating_add(rng.gen_range(1..=2));
            if self.nhs >= SEED_NHS_SERIALS.end {
                return None;
            }
            if let Some(number) = nhs_number(self.nhs) {
                return Some(number);
            }
        }
    }

    /// The next unused permanent UPN.
    pub(super) fn upn(&mut self, rng: &mut StdRng) -> Option<String> {
        self.upn = self.upn.saturating_add(rng.gen_range(1..=3));
        upn(self.upn)
    }

    /// The next unused temporary UPN.
    pub(super) fn temporary_upn(&mut self) -> Option<String> {
        self.temporary_upn += 1;
        temporary_upn(self.temporary_upn)
    }

    /// The next case system person id (digits, like Liquid Logic's `PERSON_ID`).
    pub(super) fn case_system_id(&mut self) -> String {
        self.case_system += 1;
        self.case_system.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use familygraph_domain::NhsNumber;

    #[test]
    fn nhs_numbers_are_valid_and_in_the_test_range() {
        let mut valid = 0;
        for serial in 0..2_000 {
            if let Some(n) = nhs_number(serial) {
                assert!(n.starts_with("999"));
                NhsNumber::parse("n", &n).unwrap();
                valid += 1;
            }
        }
        assert!(valid > 1_700);
        assert_eq!(nhs_number(1_000_000), None);
    }

    #[test]
    fn the_seed_keeps_out_of_the_fixtures_part_of_the_range() {
        // The last number the seed can issue, and the first a fixture can use.
        let last = (0..900_000).rev().find_map(nhs_number).unwrap();
        assert!(last.starts_with("999899"), "{last}");
        assert!(seed_may_issue_nhs_number(&last));
        assert_eq!(nhs_number(900_000), None);
        assert_eq!(nhs_number(999_999), None);
        // 999 999 9999 is valid, but the fixtures' to use.
        NhsNumber::parse("n", "9999999999").unwrap();
        assert!(!seed_may_issue_nhs_number("999 999 9999"));
        assert!(seed_may_issue_nhs_number("999 000 0018"));
        // A wrong check digit is nobody's number.
        assert!(!seed_may_issue_nhs_number("9990000019"));
        assert!(!seed_may_issue_nhs_number("123"));
        // The seed's serials stop before the fixtures' range however many are drawn.
        let mut serials = Serials::new();
        let mut rng = StdRng::seed_from_u64(1);
        let mut count = 0;
        while let Some(n) = serials.nhs_number(&mut rng) {
            assert!(seed_may_issue_nhs_number(&n), "{n}");
            count += 1;
        }
        assert!(count > 400_000, "{count}");
    }

    #[test]
    fn upns_are_valid() {
        for serial in [0, 1, 999, 123_456_789] {
            let u = upn(serial).unwrap();
            assert!(!Upn::parse("u", &u).unwrap().is_temporary());
            let t = temporary_upn(serial).unwrap();
            assert!(Upn::parse("u", &t).unwrap().is_temporary());
        }
    }

    #[test]
    fn ids_are_deterministic_and_increasing() {
        let mut a = IdGen::new(7, 1_000);
        let mut b = IdGen::new(7, 1_000);
        let first = a.next();
        assert_eq!(first, b.next());
        let second = a.next();
        assert!(second > first);
        assert_eq!(first.get_version_num(), 7);
    }
}
