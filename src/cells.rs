//! Spreadsheet cells that stay text. A crawled title or a submitted value such as
//! `=HYPERLINK("http://x","y")` must never become a formula in a file an analyst opens in Excel
//! or WPS: a CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written
//! with a leading apostrophe (what OWASP recommends, and what spreadsheets show as the text
//! itself), and such an XLSX cell is a string cell with the quote-prefix flag, so it stays text
//! even when someone edits it. Every CSV and XLSX writer of the project goes through here:
//! exports, the report workbook, score sheets, query results and the submission template.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

/// Whether a spreadsheet would read `s` as the start of a formula.
pub fn formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The text of a CSV cell: `s` itself, or `'s` when it would start a formula.
pub fn csv_text(s: &str) -> Cow<'_, str> {
    if formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Writes `s` as a string cell (with `format`, if any); a formula-like string also gets the
/// quote prefix, so Excel keeps it text when the cell is edited.
pub fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    match (formula_like(s), format) {
        (true, f) => {
            let quoted = f.cloned().unwrap_or_default().set_quote_prefix();
            ws.write_string_with_format(row, col, s, &quoted)?;
        }
        (false, Some(f)) => {
            ws.write_string_with_format(row, col, s, f)?;
        }
        (false, None) => {
            ws.write_string(row, col, s)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for bad in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(formula_like(bad));
            assert_eq!(csv_text(bad), format!("'{bad}"));
        }
        for ok in ["桐柏县", "a=b", " =1", "", "'=x", "１＝１"] {
            assert!(!formula_like(ok), "{ok:?}");
            assert_eq!(csv_text(ok), ok);
        }
    }
}
