//! How numbers read in a basis and on a sheet: formulas keep up to 4 decimals, scores show 2,
//! rates show as percentages; trailing zeros dropped so a whole score reads `2`, not `2.00`.

use crate::fact::trim_float;

pub(crate) fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// A number inside a formula: up to 4 decimals, no trailing zeros.
pub(crate) fn num(x: f64) -> String {
    trim_float(x)
}

/// A percentage: `25%`, `33.33%`.
pub(crate) fn pct(r: f64) -> String {
    format!("{}%", trim_float((r * 100.0 * 100.0).round() / 100.0))
}

/// A score as shown to people: 2 decimals, no trailing zeros.
pub(crate) fn show(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}
