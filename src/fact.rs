//! Facts: the typed inputs of the scorer (`T3.1.cases = 4`) for one unit and period, each with
//! its provenance. Submissions, web evidence and analysts' decisions all end up here; the scorer
//! reads nothing else.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::FieldType;
pub use crate::model::fact::{Fact, Origin, Provenance, Value};

/// What reads the field types of the configuration stays with the stage (the record is in
/// [`crate::model::fact`]).
impl Value {
    pub fn ty(&self) -> FieldType {
        match self {
            Value::Int(_) => FieldType::Int,
            Value::Amount(_) => FieldType::Amount,
            Value::Rate(_) => FieldType::Rate,
            Value::Bool(_) => FieldType::Bool,
            Value::Date(_) => FieldType::Date,
            Value::List(_) => FieldType::List,
        }
    }

    /// The numeric value of a number field.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Amount(x) | Value::Rate(x) => Some(*x),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// Builds a list value from items: trimmed, de-duplicated, sorted.
    pub fn list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> Value {
        let set: BTreeSet<String> = items
            .into_iter()
            .map(|s| s.as_ref().trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Value::List(set.into_iter().collect())
    }

    /// Parses text typed by a person (a submission cell, a `fact set` argument).
    pub fn parse(ty: FieldType, text: &str) -> Result<Value, ValueError> {
        let t = text.trim();
        let bad = |why: &str| ValueError {
            text: text.to_string(),
            expected: ty,
            why: why.to_string(),
        };
        if t.is_empty() && ty != FieldType::List {
            return Err(bad("empty"));
        }
        match ty {
            FieldType::Int => {
                let t = t.strip_suffix(".0").unwrap_or(t);
                t.parse::<u64>()
                    .map(Value::Int)
                    .map_err(|_| bad("not a whole number ≥ 0"))
            }
            FieldType::Amount => {
                let cleaned: String = t
                    .trim_end_matches('元')
                    .chars()
                    .filter(|c| *c != ',' && *c != '，')
                    .collect();
                match cleaned.parse::<f64>() {
                    Ok(x) if x.is_finite() && x >= 0.0 => Ok(Value::Amount(x)),
                    Ok(_) => Err(bad("amounts are ≥ 0")),
                    Err(_) => Err(bad("not a number")),
                }
            }
            FieldType::Rate => {
                let (num, pct) = match t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
                    Some(n) => (n.trim(), true),
                    None => (t, false),
                };
                let x: f64 = num.parse().map_err(|_| bad("not a number or percentage"))?;
                let x = if pct { x / 100.0 } else { x };
                if x.is_finite() && (0.0..=1.0).contains(&x) {
                    Ok(Value::Rate(x))
                } else {
                    Err(bad("a rate lies between 0 and 1 (0%–100%)"))
                }
            }
            FieldType::Bool => match t.to_lowercase().as_str() {
                "是" | "true" | "1" | "yes" | "y" | "有" => Ok(Value::Bool(true)),
                "否" | "false" | "0" | "no" | "n" | "无" => Ok(Value::Bool(false)),
                _ => Err(bad("expected 是/否, true/false or 1/0")),
            },
            FieldType::Date => parse_date(t)
                .map(Value::Date)
                .ok_or_else(|| bad("expected YYYY-MM-DD or YYYY年M月D日")),
            FieldType::List => Ok(Value::list(split_list(t))),
        }
    }
}

/// Splits a list cell on `;` `；` `、` and newlines.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([';', '；', '、', '\n', '\r'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses `2023-03-28`, `2023/3/28`, `2023.03.28`, `2023年3月28日`, `20230328` and the same
/// followed by a time or wrapped in brackets.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text
        .trim()
        .trim_matches(|c| matches!(c, '[' | ']' | '【' | '】' | '(' | ')' | '（' | '）'));
    let t = t.split([' ', 'T', '\u{3000}']).next().unwrap_or(t).trim();
    if let Some(rest) = t.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        return NaiveDate::from_ymd_opt(
            y.trim().parse().ok()?,
            m.trim().parse().ok()?,
            d.trim().parse().ok()?,
        );
    }
    for sep in ['-', '/', '.'] {
        let parts: Vec<&str> = t.split(sep).collect();
        if parts.len() == 3 {
            return NaiveDate::from_ymd_opt(
                parts[0].parse().ok()?,
                parts[1].parse().ok()?,
                parts[2].parse().ok()?,
            );
        }
    }
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    None
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Amount(x) => write!(f, "{}", trim_float(*x)),
            Value::Rate(x) => write!(f, "{}%", trim_float(x * 100.0)),
            Value::Bool(b) => f.write_str(if *b { "是" } else { "否" }),
            Value::Date(d) => write!(f, "{d}"),
            Value::List(v) if v.is_empty() => f.write_str("（无）"),
            Value::List(v) => f.write_str(&v.join("；")),
        }
    }
}

/// Formats a number without trailing zeros, at most 4 decimals.
pub fn trim_float(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{text:?} is not a valid {} value: {why}", expected.name())]
pub struct ValueError {
    pub text: String,
    pub expected: FieldType,
    pub why: String,
}

/// Whether the submitted claim for a field is confirmed, contradicted or not yet checked by the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// No submission, or the web agrees.
    Consistent,
    /// A submission exists and no web fact yet (未核实).
    Unverified,
    /// The web says otherwise (a discrepancy).
    Contradicted,
}

/// The value the scorer uses for one field, with what it rests on and what it overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedFact {
    pub used: Fact,
    /// Facts of lower precedence for the same field.
    pub overridden: Vec<Fact>,
    pub verification: Verification,
}

/// Applies precedence (manual > web > submission) to the facts of one field.
/// Returns `None` when there are none.
pub fn resolve_field(mut facts: Vec<Fact>, web_checks_field: bool) -> Option<ResolvedFact> {
    facts.sort_by_key(|f| std::cmp::Reverse(f.provenance.rank()));
    let mut it = facts.into_iter();
    let used = it.next()?;
    let overridden: Vec<Fact> = it.collect();
    let submission = std::iter::once(&used)
        .chain(overridden.iter())
        .find(|f| f.provenance.origin() == Origin::Submission);
    let web = std::iter::once(&used)
        .chain(overridden.iter())
        .find(|f| f.provenance.origin() == Origin::Web);
    let verification = match (submission, web) {
        (Some(s), Some(w)) if !values_agree(&s.value, &w.value) => Verification::Contradicted,
        (Some(_), None) if web_checks_field => Verification::Unverified,
        _ => Verification::Consistent,
    };
    Some(ResolvedFact {
        used,
        overridden,
        verification,
    })
}

fn values_agree(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn parses_every_type() {
        assert_eq!(Value::parse(FieldType::Int, " 4 ").unwrap(), Value::Int(4));
        assert_eq!(Value::parse(FieldType::Int, "4.0").unwrap(), Value::Int(4));
        assert!(Value::parse(FieldType::Int, "-1").is_err());
        assert_eq!(
            Value::parse(FieldType::Amount, "1,200.5").unwrap(),
            Value::Amount(1200.5)
        );
        assert_eq!(
            Value::parse(FieldType::Rate, "95%").unwrap(),
            Value::Rate(0.95)
        );
        assert_eq!(
            Value::parse(FieldType::Rate, "0.9").unwrap(),
            Value::Rate(0.9)
        );
        assert!(Value::parse(FieldType::Rate, "120%").is_err());
        assert!(Value::parse(FieldType::Rate, "1.2").is_err());
        assert_eq!(
            Value::parse(FieldType::Bool, "是").unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            Value::parse(FieldType::Bool, "0").unwrap(),
            Value::Bool(false)
        );
        assert!(Value::parse(FieldType::Bool, "maybe").is_err());
        let d = NaiveDate::from_ymd_opt(2023, 3, 28).unwrap();
        assert_eq!(
            Value::parse(FieldType::Date, "2023年3月28日").unwrap(),
            Value::Date(d)
        );
        assert_eq!(
            Value::parse(FieldType::Date, "2023-03-28").unwrap(),
            Value::Date(d)
        );
        assert_eq!(
            Value::parse(FieldType::List, "行政强制；行政奖励、行政强制\n行政确认").unwrap(),
            Value::List(vec![
                "行政奖励".into(),
                "行政强制".into(),
                "行政确认".into()
            ])
        );
    }

    #[test]
    fn parses_portal_date_formats() {
        let d = NaiveDate::from_ymd_opt(2023, 3, 28).unwrap();
        for s in [
            "2023-03-28",
            "2023年03月28日",
            "[2023-03-28]",
            "2023-03-28 16:51:22",
            "2023/3/28",
            "20230328",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    fn fact(v: Value, p: Provenance) -> Fact {
        Fact {
            period: "2023".into(),
            unit: "u".into(),
            item: "T5".into(),
            field: "failures".into(),
            value: v,
            provenance: p,
            recorded_at: Utc::now(),
        }
    }

    #[test]
    fn precedence_and_discrepancy() {
        let sub = fact(
            Value::Int(0),
            Provenance::Submission {
                file: "a.csv".into(),
                sheet: None,
                row: 2,
                note: None,
            },
        );
        let web = fact(
            Value::Int(2),
            Provenance::Web {
                evidence: vec!["e1".into()],
            },
        );
        let man = fact(
            Value::Int(1),
            Provenance::Manual {
                by: "analyst".into(),
                at: Utc::now(),
                reason: "复核".into(),
            },
        );
        let r = resolve_field(vec![sub.clone(), web.clone()], true).unwrap();
        assert_eq!(r.used.value, Value::Int(2));
        assert_eq!(r.verification, Verification::Contradicted);
        let r = resolve_field(vec![sub.clone(), web.clone(), man], true).unwrap();
        assert_eq!(r.used.value, Value::Int(1));
        assert_eq!(r.overridden.len(), 2);
        let r = resolve_field(vec![sub.clone()], true).unwrap();
        assert_eq!(r.verification, Verification::Unverified);
        let r = resolve_field(vec![sub], false).unwrap();
        assert_eq!(r.verification, Verification::Consistent);
        assert!(resolve_field(vec![], true).is_none());
    }
}
