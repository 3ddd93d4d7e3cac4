//! One evaluator per [`Rule`] kind: the arithmetic of a single item for a single unit, with its
//! basis in Chinese words.
//!
//! Evaluation is lazy: a field is read only when the rule needs it on the path taken by the
//! values already read (T6.1 with `due = 0` scores 6 without `reported`; T13 with a new
//! 失信被执行人 scores 0 without the other counts; D7 with `exempt = true` scores 8). A needed
//! field without a fact ends evaluation with [`Absent`], and the item stays missing. List fields
//! never end it: a list with no fact counts as empty, because the item is only evaluated once one
//! of its fields has a fact.
//!
//! Reading orders that follow from this: a rate reads its denominator first (a zero base needs no
//! numerator); weighted rates read their zero rules in order; tiers read conditions tier by tier,
//! stopping at the first false one, so an earlier tier's field is always needed (D7 needs
//! `exempt` before `uses` counts); a deadline reads its date only when the flag is true; a cohort
//! rank reads its numerators first (all zero → full marks without the denominator).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::config::catalog::{
    parse_month_day, Band, Combine, CondValue, Condition, Op, Term, Tier, ZeroRule,
};
use crate::config::{Item, Rule};
use crate::fact::Value;

use super::words::yes_no;
pub(crate) use super::words::{num, pct, show};

/// Tolerance for comparing rates and counts read from facts (band edges, `handled ≥ cases`).
pub(crate) const EPS: f64 = 1e-9;

/// A field the rule needs on this path has no fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Absent;

/// The values of one item's fields for one unit, as resolved by precedence.
pub(crate) struct Inputs<'a> {
    item: &'a Item,
    values: BTreeMap<&'a str, &'a Value>,
}

impl<'a> Inputs<'a> {
    pub(crate) fn new(item: &'a Item, values: BTreeMap<&'a str, &'a Value>) -> Self {
        Inputs { item, values }
    }

    fn label(&self, name: &str) -> &'a str {
        self.item
            .field(name)
            .map(|f| f.label.as_str())
            .unwrap_or("（未声明字段）")
    }

    fn num(&self, name: &str) -> Result<f64, Absent> {
        self.values.get(name).and_then(|v| v.as_f64()).ok_or(Absent)
    }

    fn flag(&self, name: &str) -> Result<bool, Absent> {
        self.values
            .get(name)
            .and_then(|v| v.as_bool())
            .ok_or(Absent)
    }

    fn date(&self, name: &str) -> Result<NaiveDate, Absent> {
        self.values
            .get(name)
            .and_then(|v| v.as_date())
            .ok_or(Absent)
    }

    /// A list field's items; an absent list is empty.
    fn list(&self, name: &str) -> &'a [String] {
        self.values
            .get(name)
            .and_then(|v| v.as_list())
            .unwrap_or(&[])
    }
}

/// What one rule says about one unit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Scored {
        score: f64,
        basis: String,
    },
    /// A cohort-rank item with a positive rate: scored once the whole cohort is known.
    Ranked {
        rate: f64,
        basis: String,
    },
}

fn scored(score: f64, basis: String) -> Result<Outcome, Absent> {
    Ok(Outcome::Scored { score, basis })
}

/// Evaluates `item`'s rule. `year` is the evaluation year (deadlines fall in it).
pub(crate) fn evaluate(item: &Item, inp: &Inputs, year: i32) -> Result<Outcome, Absent> {
    let max = item.max;
    match &item.rule {
        Rule::Flag { field, award_when } => {
            let v = inp.flag(field)?;
            let score = if v == *award_when { max } else { 0.0 };
            scored(
                score,
                format!("{}：{}，得分 {}", inp.label(field), yes_no(v), show(score)),
            )
        }
        Rule::PerItem {
            fields,
            points,
            cap,
            combine,
        } => per_item(inp, fields, *points, *cap, *combine),
        Rule::Rate {
            numerator,
            denominator,
            invert,
            when_zero,
        } => {
            let d = inp.num(denominator)?;
            if d <= 0.0 {
                return scored(
                    *when_zero,
                    format!("{}为 0，得分 {}", inp.label(denominator), show(*when_zero)),
                );
            }
            let n = inp.num(numerator)?;
            let r = ratio(n, d);
            let head = format!(
                "{} {} ÷ {} {} = {}",
                inp.label(numerator),
                num(n),
                inp.label(denominator),
                num(d),
                pct(r)
            );
            let (score, formula) = if *invert {
                ((1.0 - r) * max, format!("(1−{})×{}", num(r), num(max)))
            } else {
                (r * max, format!("{}×{}", num(r), num(max)))
            };
            scored(score, format!("{head}，得分 = {formula} = {}", show(score)))
        }
        Rule::ScaledRate { field } => {
            let r = inp.num(field)?.clamp(0.0, 1.0);
            let score = r * max;
            scored(
                score,
                format!(
                    "{} {}，得分 = {}×{} = {}",
                    inp.label(field),
                    pct(r),
                    num(r),
                    num(max),
                    show(score)
                ),
            )
        }
        Rule::WeightedRates { terms, when_zero } => weighted(inp, terms, when_zero),
        Rule::Deduction { field, per, floor } => {
            let n = inp.num(field)?;
            let raw = max - per * n;
            let score = raw.max(*floor);
            let mut basis = format!(
                "{} {}，得分 = {} − {}×{}",
                inp.label(field),
                num(n),
                num(max),
                num(*per),
                num(n)
            );
            if raw < *floor {
                basis += &format!(
                    " = {}，不低于 {}，得 {}",
                    num(raw),
                    num(*floor),
                    show(score)
                );
            } else {
                basis += &format!(" = {}", show(score));
            }
            scored(score, basis)
        }
        Rule::Tiers {
            tiers,
            otherwise,
            otherwise_label,
        } => tiered(inp, tiers, *otherwise, otherwise_label),
        Rule::Bands {
            values,
            denominator,
            bands,
            when_zero,
        } => banded(inp, values, denominator.as_deref(), bands, *when_zero),
        Rule::Deadline {
            flag,
            date,
            flag_points,
            on_time_points,
            deadline,
        } => {
            if !inp.flag(flag)? {
                return scored(0.0, format!("{}：否，得分 0", inp.label(flag)));
            }
            let published = inp.date(date)?;
            let due = deadline_in(year, deadline);
            let on_time = due.is_some_and(|d| published <= d);
            let due_text = due
                .map(|d| d.to_string())
                .unwrap_or_else(|| deadline.clone());
            let (score, verdict) = if on_time {
                (
                    flag_points + on_time_points,
                    format!("不晚于截止日 {due_text}，+{}", num(*on_time_points)),
                )
            } else {
                (
                    *flag_points,
                    format!("晚于截止日 {due_text}，不得按时公布分"),
                )
            };
            scored(
                score,
                format!(
                    "{}：是，+{}；{} {}，{verdict}；得分 {}",
                    inp.label(flag),
                    num(*flag_points),
                    inp.label(date),
                    published,
                    show(score)
                ),
            )
        }
        Rule::CohortRank {
            numerators,
            denominator,
        } => {
            let mut n = 0.0;
            let mut parts = Vec::new();
            for f in numerators {
                let v = inp.num(f)?;
                n += v;
                parts.push(format!("{} {}", inp.label(f), num(v)));
            }
            let parts = parts.join(" + ");
            if n <= 0.0 {
                return scored(max, format!("{parts}，无此类情形，得满分 {}", show(max)));
            }
            let d = inp.num(denominator)?;
            // A positive count over a zero base is the worst case, not a division by zero.
            let rate = if d > 0.0 { ratio(n, d) } else { 1.0 };
            let parts = if numerators.len() > 1 {
                format!("({parts})")
            } else {
                parts
            };
            let basis = format!(
                "比率 = {parts} ÷ {} {} = {}",
                inp.label(denominator),
                num(d),
                pct(rate)
            );
            Ok(Outcome::Ranked { rate, basis })
        }
    }
}

/// `n ÷ d` clamped to [0, 1]; a zero denominator gives 0 (callers apply their zero rules first).
fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 && (n / d).is_finite() {
        (n / d).clamp(0.0, 1.0)
    } else if d > 0.0 && n > 0.0 {
        1.0
    } else {
        0.0
    }
}

fn per_item(
    inp: &Inputs,
    fields: &[String],
    points: f64,
    cap: f64,
    combine: Combine,
) -> Result<Outcome, Absent> {
    let mut parts = Vec::new();
    let mut rejected = BTreeSet::new();
    let mut union = BTreeSet::new();
    let mut sum = 0usize;
    for f in fields {
        let allowed = inp.item.field(f).and_then(|s| s.allowed.as_ref());
        let counted: BTreeSet<&str> = inp
            .list(f)
            .iter()
            .map(String::as_str)
            .filter(|v| match allowed {
                Some(a) if !a.iter().any(|x| x == v) => {
                    rejected.insert(*v);
                    false
                }
                _ => true,
            })
            .collect();
        parts.push(format!(
            "{} {} 项{}",
            inp.label(f),
            counted.len(),
            listing(&counted)
        ));
        sum += counted.len();
        union.extend(counted);
    }
    let count = match combine {
        Combine::Sum => sum,
        Combine::Union => union.len(),
    };
    let raw = points * count as f64;
    let score = raw.min(cap);
    let mut basis = parts.join("，");
    if combine == Combine::Union && fields.len() > 1 {
        basis += &format!("，合计不同项 {count} 项");
    }
    if !rejected.is_empty() {
        basis += &format!(
            "（不在规定范围、不计分：{}）",
            rejected.into_iter().collect::<Vec<_>>().join("、")
        );
    }
    basis += &format!("；得分 = {}×{count} = {}", num(points), num(raw));
    if raw > cap {
        basis += &format!("，封顶 {}", show(cap));
    }
    scored(score, basis)
}

/// `（a、b、c）`, abbreviated after six items.
fn listing(items: &BTreeSet<&str>) -> String {
    if items.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = items.iter().take(6).copied().collect();
    let more = if items.len() > 6 { "等" } else { "" };
    format!("（{}{more}）", shown.join("、"))
}

fn weighted(inp: &Inputs, terms: &[Term], when_zero: &[ZeroRule]) -> Result<Outcome, Absent> {
    for z in when_zero {
        if inp.num(&z.field)? <= 0.0 {
            return scored(
                z.score,
                format!("{}为 0，得分 {}", inp.label(&z.field), show(z.score)),
            );
        }
    }
    let mut parts = Vec::new();
    let mut formula = Vec::new();
    let mut score = 0.0;
    for t in terms {
        let n = inp.num(&t.numerator)?;
        let d = inp.num(&t.denominator)?;
        let r = ratio(n, d);
        score += t.weight * r;
        parts.push(format!(
            "{} {} ÷ {} {} = {}",
            inp.label(&t.numerator),
            num(n),
            inp.label(&t.denominator),
            num(d),
            pct(r)
        ));
        formula.push(format!("{}×{}", num(t.weight), num(r)));
    }
    scored(
        score,
        format!(
            "{}；得分 = {} = {}",
            parts.join("，"),
            formula.join(" + "),
            show(score)
        ),
    )
}

fn tiered(
    inp: &Inputs,
    tiers: &[Tier],
    otherwise: f64,
    otherwise_label: &str,
) -> Result<Outcome, Absent> {
    let mut checked = Vec::new();
    for tier in tiers {
        let mut texts = Vec::new();
        let mut holds = true;
        for c in &tier.when {
            let (ok, text) = condition(inp, c)?;
            texts.push(text);
            if !ok {
                holds = false;
                break;
            }
        }
        if holds {
            return scored(
                tier.score,
                format!(
                    "{}（{}），得分 {}",
                    tier.label,
                    texts.join("，"),
                    show(tier.score)
                ),
            );
        }
        checked.extend(texts);
    }
    scored(
        otherwise,
        format!(
            "{otherwise_label}（{}），得分 {}",
            checked.join("，"),
            show(otherwise)
        ),
    )
}

/// Whether one tier condition holds, and its words (`新增失信被执行人数 1 > 0`).
fn condition(inp: &Inputs, c: &Condition) -> Result<(bool, String), Absent> {
    let label = inp.label(&c.field);
    if let Some(other) = &c.other {
        let (a, b) = (inp.num(&c.field)?, inp.num(other)?);
        let text = format!(
            "{label} {} {} {} {}",
            num(a),
            c.op.symbol(),
            inp.label(other),
            num(b)
        );
        return Ok((compare(a, c.op, b), text));
    }
    match c.value {
        Some(CondValue::Bool(want)) => {
            let v = inp.flag(&c.field)?;
            let holds = match c.op {
                Op::Ne => v != want,
                _ => v == want,
            };
            Ok((holds, format!("{label}：{}", yes_no(v))))
        }
        Some(CondValue::Number(want)) => {
            let v = inp.num(&c.field)?;
            Ok((compare(v, c.op, want), format!("{label} {}", num(v))))
        }
        // Validation requires a value or another field; a condition with neither never holds.
        None => Ok((false, format!("{label}（条件不完整）"))),
    }
}

fn compare(a: f64, op: Op, b: f64) -> bool {
    match op {
        Op::Eq => (a - b).abs() <= EPS,
        Op::Ne => (a - b).abs() > EPS,
        Op::Gt => a > b + EPS,
        Op::Ge => a >= b - EPS,
        Op::Lt => a < b - EPS,
        Op::Le => a <= b + EPS,
    }
}

fn banded(
    inp: &Inputs,
    values: &[String],
    denominator: Option<&str>,
    bands: &[Band],
    when_zero: f64,
) -> Result<Outcome, Absent> {
    let mut parts = Vec::new();
    let mut formula = Vec::new();
    let mut score = 0.0;
    if let Some(den) = denominator {
        let d = inp.num(den)?;
        if d <= 0.0 {
            let total = when_zero * values.len() as f64;
            return scored(
                total,
                format!(
                    "{}为 0，每项 {}，得分 = {}×{} = {}",
                    inp.label(den),
                    num(when_zero),
                    num(when_zero),
                    values.len(),
                    show(total)
                ),
            );
        }
        parts.push(format!("{} {}", inp.label(den), num(d)));
        for v in values {
            let n = inp.num(v)?;
            let r = n / d;
            let s = band_score(bands, r);
            score += s;
            parts.push(format!(
                "{} {} → {} → {}",
                inp.label(v),
                num(n),
                pct(r),
                num(s)
            ));
            formula.push(num(s));
        }
    } else {
        for v in values {
            let r = inp.num(v)?.clamp(0.0, 1.0);
            let s = band_score(bands, r);
            score += s;
            parts.push(format!("{} {} → {}", inp.label(v), pct(r), num(s)));
            formula.push(num(s));
        }
    }
    scored(
        score,
        format!(
            "{}；得分 = {} = {}",
            parts.join("，"),
            formula.join(" + "),
            show(score)
        ),
    )
}

/// The score of the first (highest) band whose lower bound the ratio reaches, else 0.
pub(crate) fn band_score(bands: &[Band], r: f64) -> f64 {
    bands
        .iter()
        .find(|b| r + EPS >= b.min)
        .map(|b| b.score)
        .unwrap_or(0.0)
}

/// `MM-DD` in `year`; a 02-29 deadline in a common year falls back to 02-28.
fn deadline_in(year: i32, mm_dd: &str) -> Option<NaiveDate> {
    let (m, d) = parse_month_day(mm_dd)?;
    NaiveDate::from_ymd_opt(year, m, d)
        .or_else(|| NaiveDate::from_ymd_opt(year, m, d.saturating_sub(1)))
}

/// Every field a rule can read, in the order it reads them.
pub(crate) fn reads(rule: &Rule) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    match rule {
        Rule::Flag { field, .. } | Rule::ScaledRate { field } | Rule::Deduction { field, .. } => {
            v.push(field)
        }
        Rule::PerItem { fields, .. } => v.extend(fields.iter().map(String::as_str)),
        Rule::Rate {
            numerator,
            denominator,
            ..
        } => v.extend([denominator.as_str(), numerator.as_str()]),
        Rule::WeightedRates { terms, when_zero } => {
            v.extend(when_zero.iter().map(|z| z.field.as_str()));
            for t in terms {
                v.extend([t.numerator.as_str(), t.denominator.as_str()]);
            }
        }
        Rule::Tiers { tiers, .. } => {
            for c in tiers.iter().flat_map(|t| &t.when) {
                v.push(&c.field);
                v.extend(c.other.as_deref());
            }
        }
        Rule::Bands {
            values,
            denominator,
            ..
        } => {
            v.extend(denominator.as_deref());
            v.extend(values.iter().map(String::as_str));
        }
        Rule::Deadline { flag, date, .. } => v.extend([flag.as_str(), date.as_str()]),
        Rule::CohortRank {
            numerators,
            denominator,
        } => {
            v.extend(numerators.iter().map(String::as_str));
            v.push(denominator);
        }
    }
    let mut seen = BTreeSet::new();
    v.retain(|name| seen.insert(*name));
    v
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
