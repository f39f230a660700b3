//! A date that may be known only to the year or month (FHIR `date`).

use chrono::{Datelike, NaiveDate};
use familygraph_domain::DomainError;
use serde::{Deserialize, Serialize};

/// A calendar date known to the day, the month or only the year: FHIR's `date` type
/// (`2021`, `2021-02`, `2021-02-11`). Serialised in that same ISO 8601 form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartialDate {
    /// Only the year is known.
    Year(i32),
    /// The year and month (1–12) are known.
    YearMonth(i32, u32),
    /// The full date is known.
    Date(NaiveDate),
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; an impossible date (`2021-02-30`) or any
    /// other shape is an error naming `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let bad = || {
            DomainError::invalid(
                field,
                "not a possible date of the form YYYY, YYYY-MM or YYYY-MM-DD",
            )
        };
        let parts: Vec<&str> = raw.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [y] if digits(y, 4) => Ok(Self::Year(y.parse().map_err(|_| bad())?)),
            [y, m] if digits(y, 4) && digits(m, 2) => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                if (1..=12).contains(&month) {
                    Ok(Self::YearMonth(y.parse().map_err(|_| bad())?, month))
                } else {
                    Err(bad())
                }
            }
            [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
                NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map(Self::Date)
                    .map_err(|_| bad())
            }
            _ => Err(bad()),
        }
    }

    /// The full date, when known to the day.
    pub fn full(self) -> Option<NaiveDate> {
        match self {
            Self::Date(date) => Some(date),
            _ => None,
        }
    }

    /// The year.
    pub fn year(self) -> i32 {
        match self {
            Self::Year(y) | Self::YearMonth(y, _) => y,
            Self::Date(d) => d.year(),
        }
    }
}

impl From<NaiveDate> for PartialDate {
    fn from(date: NaiveDate) -> Self {
        Self::Date(date)
    }
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Year(y) => write!(f, "{y:04}"),
            Self::YearMonth(y, m) => write!(f, "{y:04}-{m:02}"),
            Self::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse("date", &raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_precision_and_round_trips() {
        for raw in ["2021", "2021-02", "2021-02-11", "2024-02-29"] {
            let date = PartialDate::parse("birthDate", raw).unwrap();
            assert_eq!(date.to_string(), raw);
            let json = serde_json::to_string(&date).unwrap();
            assert_eq!(serde_json::from_str::<PartialDate>(&json).unwrap(), date);
        }
        assert_eq!(
            PartialDate::parse("d", "2021-02-11").unwrap().full(),
            NaiveDate::from_ymd_opt(2021, 2, 11)
        );
        assert_eq!(PartialDate::parse("d", "2021-02").unwrap().full(), None);
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        for raw in [
            "2021-02-30",
            "2023-02-29",
            "2021-13",
            "2021-00",
            "21-02-11",
            "2021-2-11",
            "",
            "2021-02-11T10:00:00Z",
            "yesterday",
        ] {
            let err = PartialDate::parse("birthDate", raw).unwrap_err();
            assert_eq!(err.field(), "birthDate", "{raw}");
        }
    }
}
