//! Cell values: dates with the day/month order inferred per column, and money.

use chrono::NaiveDate;

/// How a column writes its dates when day and month are both numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// 31/12/2025, 31.12.2025.
    DayFirst,
    /// 12/31/2025.
    MonthFirst,
}

fn parts(s: &str) -> Option<(u32, u32, i32)> {
    let date = s.split([' ', 'T']).next()?.trim();
    let mut it = date.split(['/', '.', '-']);
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let y: i32 = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    let y = if y < 100 { 2000 + y } else { y };
    Some((a, b, y))
}

/// What a cell says about its column's order: `Some` when it can only be read one way.
pub fn order_hint(s: &str) -> Option<DateOrder> {
    let s = s.trim();
    if s.is_empty() || iso(s).is_some() {
        return None;
    }
    let (a, b, _) = parts(s)?;
    match (a > 12, b > 12) {
        (true, false) => Some(DateOrder::DayFirst),
        (false, true) => Some(DateOrder::MonthFirst),
        _ => None,
    }
}

fn iso(s: &str) -> Option<NaiveDate> {
    let d = s.get(0..10)?;
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10 || matches!(s.as_bytes()[10], b' ' | b'T'))
}

/// Reads a date written as ISO (with or without a time) or as day/month/year in `order`.
/// `None` when it is not a date, or when the order is needed and unknown.
pub fn parse_date(s: &str, order: Option<DateOrder>) -> Option<NaiveDate> {
    let s = s.trim();
    if let Some(d) = iso(s) {
        return Some(d);
    }
    let (a, b, y) = parts(s)?;
    let (day, month) = match order {
        Some(DateOrder::DayFirst) => (a, b),
        Some(DateOrder::MonthFirst) => (b, a),
        None if a == b => (a, b),
        None => return None,
    };
    NaiveDate::from_ymd_opt(y, month, day)
}

/// Reads money: `$12,500.00`, `12.500,00 €`, `EUR 1 200`, `48173`. Returns the number.
pub fn parse_money(s: &str) -> Option<f64> {
    let t: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if t.is_empty() || !t.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let last_dot = t.rfind('.');
    let last_comma = t.rfind(',');
    let normal = match (last_dot, last_comma) {
        (Some(d), Some(c)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        // A lone comma followed by exactly three digits is a thousands separator.
        (None, Some(c)) if t.len() - c - 1 == 3 && t.matches(',').count() >= 1 => {
            t.replace(',', "")
        }
        (None, Some(_)) => t.replace(',', "."),
        (Some(_), None) if t.matches('.').count() > 1 => t.replace('.', ""),
        _ => t,
    };
    normal.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_in_every_common_shape() {
        assert_eq!(parse_date("2025-03-04", None), Some(d("2025-03-04")));
        assert_eq!(parse_date("2025-03-04 14:30", None), Some(d("2025-03-04")));
        assert_eq!(
            parse_date("03/04/2025", Some(DateOrder::MonthFirst)),
            Some(d("2025-03-04"))
        );
        assert_eq!(
            parse_date("03/04/2025", Some(DateOrder::DayFirst)),
            Some(d("2025-04-03"))
        );
        assert_eq!(
            parse_date("04.03.25", Some(DateOrder::DayFirst)),
            Some(d("2025-03-04"))
        );
        assert_eq!(
            parse_date("03/04/2025", None),
            None,
            "ambiguous without an order"
        );
        assert_eq!(parse_date("31/02/2025", Some(DateOrder::DayFirst)), None);
        assert_eq!(order_hint("31/12/2025"), Some(DateOrder::DayFirst));
        assert_eq!(order_hint("12/31/2025"), Some(DateOrder::MonthFirst));
        assert_eq!(order_hint("01/02/2025"), None);
    }

    #[test]
    fn money_with_symbols_and_separators() {
        assert_eq!(parse_money("$12,500.00"), Some(12500.0));
        assert_eq!(parse_money("12.500,50 €"), Some(12500.5));
        assert_eq!(parse_money("1,5"), Some(1.5));
        assert_eq!(parse_money("48173"), Some(48173.0));
        assert_eq!(parse_money("EUR 1 200"), Some(1200.0));
        assert_eq!(parse_money("n/a"), None);
    }
}
