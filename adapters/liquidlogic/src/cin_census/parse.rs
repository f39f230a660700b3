//! Parsers for the XSDs' simple types. Each takes the element's text with surrounding
//! whitespace removed and returns `None` when the XSD would refuse it.

use std::num::NonZeroU32;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// `xs:date`: `YYYY-MM-DD`, a real calendar date, optionally followed by a time zone (`Z` or
/// `±hh:mm`, ignored).
pub(crate) fn date(text: &str) -> Option<NaiveDate> {
    let (day, zone) = text.split_at_checked(10)?;
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() == 6
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone.as_bytes()[3] == b':'
            && zone[1..3]
                .bytes()
                .chain(zone[4..6].bytes())
                .all(|b| b.is_ascii_digit()));
    let b = day.as_bytes();
    let shape_ok = b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !(zone_ok && shape_ok) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// `xs:dateTime`: `YYYY-MM-DDThh:mm:ss[.fff]` with an optional time zone.
pub(crate) fn date_time(text: &str) -> bool {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || DateTime::parse_from_rfc3339(text).is_ok()
}

/// `yesnotype`: `true`, `false`, `TRUE`, `FALSE`, `1` or `0`.
pub(crate) fn yes_no(text: &str) -> Option<bool> {
    match text {
        "true" | "TRUE" | "1" => Some(true),
        "false" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// `xs:positiveInteger` (up to `u32::MAX`).
pub(crate) fn positive_integer(text: &str) -> Option<NonZeroU32> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok().and_then(NonZeroU32::new)
}

/// `xs:gYear` without a time zone: four digits.
pub(crate) fn year(text: &str) -> Option<i32> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `LEA`: exactly three digits.
pub(crate) fn lea(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `SerialNo`: three or more digits.
pub(crate) fn serial_no(text: &str) -> bool {
    text.len() >= 3 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist_and_be_well_formed() {
        assert_eq!(date("2022-03-31").unwrap().to_string(), "2022-03-31");
        assert_eq!(date("2022-03-31Z").unwrap().to_string(), "2022-03-31");
        assert_eq!(date("2022-03-31+01:00").unwrap().to_string(), "2022-03-31");
        for bad in [
            "2022-02-30",
            "2022-13-01",
            "2022-3-31",
            "31/03/2022",
            "2022-03-31T00",
            "",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn simple_types() {
        assert!(date_time("2022-05-23T11:14:05"));
        assert!(date_time("2022-05-23T11:14:05.25+01:00"));
        assert!(!date_time("2022-05-23"));
        assert_eq!(yes_no("TRUE"), Some(true));
        assert_eq!(yes_no("0"), Some(false));
        assert_eq!(yes_no("yes"), None);
        assert_eq!(positive_integer("10").map(NonZeroU32::get), Some(10));
        assert_eq!(positive_integer("+2").map(NonZeroU32::get), Some(2));
        assert_eq!(positive_integer("0"), None);
        assert_eq!(positive_integer("-1"), None);
        assert_eq!(year("2022"), Some(2022));
        assert_eq!(year("22"), None);
        assert!(lea("201") && !lea("2010") && !lea("20a"));
        assert!(serial_no("001") && serial_no("0012") && !serial_no("01"));
    }
}
