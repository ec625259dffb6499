//! Business-day arithmetic for due dates: weekends and the workspace's holidays are skipped.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeSet;

fn is_business_day(d: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d)
}

/// The date `n` business days after `start`. With `n == 0` it is `start` itself, or the next
/// business day when `start` is not one.
pub fn add_business_days(start: NaiveDate, n: u32, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut d = start;
    let mut left = n;
    while !is_business_day(d, holidays) {
        d = d + Days::new(1);
    }
    while left > 0 {
        d = d + Days::new(1);
        if is_business_day(d, holidays) {
            left -= 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_are_skipped() {
        let none = BTreeSet::new();
        // Thursday + 3 business days = Tuesday.
        assert_eq!(
            add_business_days(day("2026-03-05"), 3, &none),
            day("2026-03-10")
        );
        // Friday + 1 = Monday.
        assert_eq!(
            add_business_days(day("2026-03-06"), 1, &none),
            day("2026-03-09")
        );
        // Saturday + 0 = Monday; Saturday + 1 = Tuesday.
        assert_eq!(
            add_business_days(day("2026-03-07"), 0, &none),
            day("2026-03-09")
        );
        assert_eq!(
            add_business_days(day("2026-03-07"), 1, &none),
            day("2026-03-10")
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let hol: BTreeSet<_> = [day("2026-12-25"), day("2026-12-28")].into();
        // Thursday 24 Dec + 2: Fri 25 (holiday), Mon 28 (holiday), Tue 29, Wed 30.
        assert_eq!(
            add_business_days(day("2026-12-24"), 2, &hol),
            day("2026-12-30")
        );
    }
}
