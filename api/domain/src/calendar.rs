//! Dates as English schools and councils count them: today's date in UK time, the academic
//! year and the school term a day falls in.
//!
//! - **Today** is the civil date in the United Kingdom: GMT in winter, BST (UTC+1) from 01:00
//!   UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (the rule in
//!   force since 1981, fixed in the Summer Time Order 2002). Between midnight and 01:00 in
//!   summer the UTC date is still yesterday's; a record that ends "on" a day ends at midnight
//!   UK time.
//! - **Academic year and terms** follow the DfE school census: the autumn term runs from
//!   1 August to 31 December, the spring term from 1 January to Easter Sunday, the summer term
//!   from Easter Monday to 31 July; the academic year is the three together (`2025/26` runs
//!   from 1 August 2025 to 31 July 2026).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next - Duration::days(1);
    let back = i64::from(last.weekday().num_days_from_sunday());
    Some(last - Duration::days(back))
}

/// Whether British Summer Time is in force at `now`.
pub fn is_british_summer_time(now: DateTime<Utc>) -> bool {
    let year = now.year();
    let starts = last_sunday(year, 3).and_then(|d| d.and_hms_opt(1, 0, 0));
    let ends = last_sunday(year, 10).and_then(|d| d.and_hms_opt(1, 0, 0));
    match (starts, ends) {
        (Some(starts), Some(ends)) => {
            let at = now.naive_utc();
            at >= starts && at < ends
        }
        _ => false,
    }
}

/// The date in the United Kingdom at `now` (see the module documentation).
pub fn uk_date(now: DateTime<Utc>) -> NaiveDate {
    if is_british_summer_time(now) {
        (now + Duration::hours(1)).date_naive()
    } else {
        now.date_naive()
    }
}

/// Today's date in the United Kingdom.
pub fn uk_today() -> NaiveDate {
    uk_date(Utc::now())
}

/// Easter Sunday of `year` (Gregorian calendar; the anonymous algorithm of 1876).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The year an academic year starts in: `2025` for any day from 1 August 2025 to 31 July 2026.
pub fn academic_year_start(day: NaiveDate) -> i32 {
    if day.month() >= 8 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// The academic year of `day` as the DfE writes it: `2025/26`.
pub fn academic_year(day: NaiveDate) -> String {
    let start = academic_year_start(day);
    format!("{start}/{:02}", (start + 1).rem_euclid(100))
}

/// A school term, as the DfE school census counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum SchoolTerm {
    /// 1 August to 31 December.
    Autumn,
    /// 1 January to Easter Sunday.
    Spring,
    /// Easter Monday to 31 July.
    Summer,
}

/// The school term `day` falls in.
pub fn school_term(day: NaiveDate) -> SchoolTerm {
    if day.month() >= 8 {
        return SchoolTerm::Autumn;
    }
    match easter_sunday(day.year()) {
        Some(easter) if day <= easter => SchoolTerm::Spring,
        Some(_) => SchoolTerm::Summer,
        None if day.month() <= 3 => SchoolTerm::Spring,
        None => SchoolTerm::Summer,
    }
}

/// The term a period from `start` to `end` lies within, when it lies within one (the same
/// term of the same academic year); `None` for a longer period.
pub fn term_of_period(start: NaiveDate, end: NaiveDate) -> Option<SchoolTerm> {
    let term = school_term(start);
    (school_term(end) == term && academic_year_start(start) == academic_year_start(end))
        .then_some(term)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn uk_date_is_a_day_ahead_of_utc_in_the_first_hour_of_a_summer_day() {
        // BST 2026: 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(uk_date(at(2026, 6, 14, 23, 30)), day(2026, 6, 15));
        assert_eq!(uk_date(at(2026, 6, 14, 22, 59)), day(2026, 6, 14));
        assert_eq!(uk_date(at(2026, 12, 14, 23, 30)), day(2026, 12, 14));
        assert_eq!(uk_date(at(2026, 3, 29, 0, 59)), day(2026, 3, 29));
        assert!(!is_british_summer_time(at(2026, 3, 29, 0, 59)));
        assert!(is_british_summer_time(at(2026, 3, 29, 1, 0)));
        assert!(is_british_summer_time(at(2026, 10, 25, 0, 59)));
        assert!(!is_british_summer_time(at(2026, 10, 25, 1, 0)));
    }

    #[test]
    fn easter_and_terms() {
        assert_eq!(easter_sunday(2024), Some(day(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(day(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(day(2026, 4, 5)));
        assert_eq!(school_term(day(2026, 4, 5)), SchoolTerm::Spring);
        assert_eq!(school_term(day(2026, 4, 6)), SchoolTerm::Summer);
        assert_eq!(school_term(day(2025, 8, 1)), SchoolTerm::Autumn);
        assert_eq!(school_term(day(2026, 7, 31)), SchoolTerm::Summer);
        assert_eq!(academic_year(day(2025, 9, 3)), "2025/26");
        assert_eq!(academic_year(day(2026, 7, 31)), "2025/26");
        assert_eq!(academic_year(day(1999, 9, 1)), "1999/00");
        assert_eq!(
            term_of_period(day(2025, 9, 3), day(2025, 12, 19)),
            Some(SchoolTerm::Autumn)
        );
        assert_eq!(term_of_period(day(2025, 9, 3), day(2026, 2, 13)), None);
        assert_eq!(term_of_period(day(2024, 9, 3), day(2025, 12, 19)), None);
    }
}
