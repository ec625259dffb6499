//! CSV files are made to be opened in a spreadsheet, and a CRM export is untrusted data: a cell
//! that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) is written with a `'`
//! in front, as OWASP advises, so the spreadsheet shows it as text instead of running it. A plain
//! number (`-12.5`) is left as it is. Baton's own import reads such a cell back as written.

use std::borrow::Cow;

const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Explains the rule in the export's manifest.
pub const RULE: &str = "cells starting with =, +, -, @, tab or carriage return (numbers aside) are written with a leading ' so a spreadsheet shows them as text; baton import reads them back as written";

/// `cell` as Baton writes it into a CSV.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if TRIGGERS.contains(&c) && cell.trim().parse::<f64>().is_err() => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A cell Baton neutralised, as it was before.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) && rest.trim().parse::<f64>().is_err() => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text_and_read_back_as_they_were() {
        for attack in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "-2+3+cmd|' /C calc'!A0",
            "+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ] {
            let written = neutralise(attack);
            assert_eq!(written, format!("'{attack}"));
            assert_eq!(restore(&written), attack);
        }
        for plain in ["-12.5", "+3", "Acme", "", "it's", "'quoted'"] {
            assert_eq!(neutralise(plain), plain);
            assert_eq!(restore(plain), plain);
        }
    }
}
