//! Validation of submitted rows: each row's unit, item and field are looked up in the roster and
//! the unit's catalog, its value is typed by the field (rates in 0–1, dates inside the period,
//! list items from the allowed set), and then the rows are checked against each other (a value
//! given twice differently; a numerator above its denominator). Every problem is collected; the
//! caller stores nothing unless there are none.
//!
//! [`lookup`] and [`typed_value`] are also what `fact set` uses, so an analyst's value is held
//! to the same rules.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::rows::{CellValue, ImportProblem, RawRow};
use crate::config::roster::{normalize_text, ResolveError};
use crate::config::{FieldSpec, FieldType, Item, Kind, Period, Project, Unit};
use crate::fact::{Fact, Provenance, Value};

/// A field of one unit's catalog.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub unit: &'a Unit,
    pub item: &'a Item,
    pub field: &'a FieldSpec,
}

/// Which part of (unit, item, field) did not resolve, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("{}", unit_message(.0))]
    Unit(ResolveError),
    #[error("单位未填写")]
    NoUnit,
    #[error("指标编号未填写")]
    NoItem,
    #[error("字段未填写")]
    NoField,
    #[error("未知指标 {item:?}（{kind}指标：{known}）")]
    UnknownItem {
        item: String,
        kind: &'static str,
        known: String,
    },
    #[error("指标 {item} 属于{item_kind}指标，而 {unit} 是{unit_kind}")]
    WrongKind {
        item: String,
        item_kind: &'static str,
        unit: String,
        unit_kind: &'static str,
    },
    #[error("指标 {item} 没有字段 {field:?}（可填字段：{known}）")]
    UnknownField {
        item: String,
        field: String,
        known: String,
    },
    #[error("{0}单位没有适用的指标表")]
    NoCatalog(&'static str),
}

/// The roster's resolution error in the words of the people who filled the file.
pub fn unit_message(e: &ResolveError) -> String {
    match e {
        ResolveError::Unknown { name, nearest } => {
            format!(
                "单位无法识别：“{name}”不在名单中，最接近的有：{}",
                nearest.join("、")
            )
        }
        ResolveError::Ambiguous { name, candidates } => {
            format!(
                "单位无法识别：“{name}”可指多个单位：{}，请填写全称",
                candidates.join("、")
            )
        }
    }
}

impl LookupError {
    /// Whether the problem is in the unit, item or field cell.
    pub fn part(&self) -> Part {
        match self {
            LookupError::Unit(_) | LookupError::NoUnit | LookupError::NoCatalog(_) => Part::Unit,
            LookupError::NoItem
            | LookupError::UnknownItem { .. }
            | LookupError::WrongKind { .. } => Part::Item,
            LookupError::NoField | LookupError::UnknownField { .. } => Part::Field,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Unit,
    Item,
    Field,
}

/// Normalises an item id as people type it (`t3.1`, `Ｔ３.１`).
pub fn normalize_item(id: &str) -> String {
    normalize_text(id).to_uppercase()
}

/// Resolves a unit name and an item id to the unit and its catalog's item.
pub fn lookup_item<'a>(
    project: &'a Project,
    unit: &str,
    item: &str,
) -> Result<(&'a Unit, &'a Item), LookupError> {
    if unit.trim().is_empty() {
        return Err(LookupError::NoUnit);
    }
    let unit = project.roster.resolve(unit).map_err(LookupError::Unit)?;
    let item_id = normalize_item(item);
    if item_id.is_empty() {
        return Err(LookupError::NoItem);
    }
    let catalog = project
        .catalog(unit.kind)
        .ok_or(LookupError::NoCatalog(unit.kind.label()))?;
    if let Some(found) = catalog.item(&item_id) {
        return Ok((unit, found));
    }
    let other = project
        .catalogs
        .iter()
        .find(|(k, c)| **k != unit.kind && c.item(&item_id).is_some());
    Err(match other {
        Some((k, _)) => LookupError::WrongKind {
            item: item_id,
            item_kind: k.label(),
            unit: unit.short.clone(),
            unit_kind: unit.kind.label(),
        },
        None => LookupError::UnknownItem {
            item: item.trim().to_string(),
            kind: unit.kind.label(),
            known: catalog
                .items
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        },
    })
}

/// Resolves a unit name, an item id and a field name (or its Chinese label) to a catalog field.
pub fn lookup<'a>(
    project: &'a Project,
    unit: &str,
    item: &str,
    field: &str,
) -> Result<Target<'a>, LookupError> {
    let (unit, item) = lookup_item(project, unit, item)?;
    let name = field.trim();
    if name.is_empty() {
        return Err(LookupError::NoField);
    }
    let spec = item
        .fields
        .iter()
        .find(|f| f.name == name)
        .or_else(|| item.fields.iter().find(|f| f.label == name))
        .ok_or_else(|| LookupError::UnknownField {
            item: item.id.clone(),
            field: name.to_string(),
            known: item
                .fields
                .iter()
                .map(|f| format!("{}（{}）", f.name, f.label))
                .collect::<Vec<_>>()
                .join("、"),
        })?;
    Ok(Target {
        unit,
        item,
        field: spec,
    })
}

/// What a cell of each type must hold, in the words of the template.
fn expectation(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int => "应为不小于 0 的整数",
        FieldType::Amount => "应为不小于 0 的金额（元）",
        FieldType::Rate => "应为 0 到 1 之间的小数或百分数（如 0.95 或 95%）",
        FieldType::Bool => "应为“是”或“否”",
        FieldType::Date => "应为日期，如 2023-03-28 或 2023年3月28日",
        FieldType::List => "应为清单，各项以；、或换行分隔",
    }
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeProblem(pub String);

impl fmt::Display for TypeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Texts that state an empty list (a unit that held no activity says so).
const NONE_WORDS: &[&str] = &["无", "（无）", "(无)", "none", "无此项"];

/// Excel's day 0 for serial dates (the 1900 system, after its 1900-02-29 bug).
fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(61.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.trunc() as u64))
}

/// Types a cell for a field: the field's type, a rate within 0–1, a date within the period, list
/// items from the allowed set.
pub fn typed_value(
    field: &FieldSpec,
    cell: &CellValue,
    period: &Period,
) -> Result<Value, TypeProblem> {
    let bad = |shown: &str| {
        TypeProblem(format!(
            "“{shown}”不是有效的{}：{}",
            field.ty.label(),
            expectation(field.ty)
        ))
    };
    let value = match (field.ty, cell) {
        (FieldType::List, CellValue::Empty) => Value::List(Vec::new()),
        (FieldType::List, c) if NONE_WORDS.contains(&c.text().to_lowercase().as_str()) => {
            Value::List(Vec::new())
        }
        (FieldType::List, c) if field.allowed.is_some() => {
            let allowed = field.allowed.as_deref().unwrap_or_default();
            Value::list(numbered_items(&c.text(), allowed))
        }
        (_, CellValue::Empty) => {
            return Err(TypeProblem(format!(
                "填报值为空：{}",
                expectation(field.ty)
            )))
        }
        (FieldType::Int, CellValue::Number(x)) if *x >= 0.0 && x.fract() == 0.0 && *x < 9e15 => {
            Value::Int(*x as u64)
        }
        (FieldType::Amount, CellValue::Number(x)) if *x >= 0.0 && x.is_finite() => {
            Value::Amount(*x)
        }
        (FieldType::Rate, CellValue::Number(x)) if (0.0..=1.0).contains(x) => Value::Rate(*x),
        (FieldType::Rate, CellValue::Number(x)) => {
            return Err(TypeProblem(format!(
                "比率 {x} 超出 0–1 范围：{}",
                expectation(field.ty)
            )))
        }
        (FieldType::Bool, CellValue::Bool(b)) => Value::Bool(*b),
        (FieldType::Date, CellValue::Date(d)) => Value::Date(*d),
        (FieldType::Date, CellValue::Number(x)) => {
            Value::Date(excel_serial_date(*x).ok_or_else(|| bad(&cell.text()))?)
        }
        (
            FieldType::Date | FieldType::Int | FieldType::Amount | FieldType::Rate,
            CellValue::Bool(_),
        ) => return Err(bad(&cell.text())),
        (FieldType::Int | FieldType::Amount | FieldType::Bool, CellValue::Date(_)) => {
            return Err(bad(&cell.text()))
        }
        (ty, c) => {
            let text = c.text();
            match Value::parse(ty, &text) {
                Ok(v) => v,
                Err(_) if ty == FieldType::Rate && rate_out_of_range(&text) => {
                    return Err(TypeProblem(format!("比率“{text}”超出 0–1（0%–100%）范围")))
                }
                Err(_) => return Err(bad(&text)),
            }
        }
    };
    if let Value::Date(d) = value {
        if !period.contains(d) {
            return Err(TypeProblem(format!(
                "日期 {d} 不在考核期 {} 至 {} 内",
                period.start, period.end
            )));
        }
    }
    if let (Value::List(items), Some(allowed)) = (&value, &field.allowed) {
        let outside: Vec<&str> = items
            .iter()
            .filter(|i| !allowed.contains(i))
            .map(String::as_str)
            .collect();
        if !outside.is_empty() {
            return Err(TypeProblem(format!(
                "“{}”不在可选值内（可选：{}）",
                outside.join("、"),
                allowed.join("、")
            )));
        }
    }
    Ok(value)
}

/// The items of a list cell whose field has an allowed set: split on `；` `;` `、` `，` `,` and
/// line breaks (a comma only when no allowed value holds one), and an item written as its
/// number in the set (1-based, as the indicator table numbers the five city documents of T2.1)
/// read as that value. Anything else stays as written, for the allowed-set check to name.
fn numbered_items(text: &str, allowed: &[String]) -> Vec<String> {
    let commas = !allowed.iter().any(|a| a.contains([',', '，']));
    let items: Vec<String> = if commas {
        text.split([';', '；', '、', ',', '，', '\n', '\r'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        crate::fact::split_list(text)
    };
    items
        .into_iter()
        .map(|item| {
            let digits = item.trim_end_matches(['.', '．']);
            match digits.parse::<usize>() {
                Ok(n) if (1..=allowed.len()).contains(&n) => allowed[n - 1].clone(),
                _ => item,
            }
        })
        .collect()
}

fn rate_out_of_range(text: &str) -> bool {
    let t = text.trim();
    let (num, pct) = match t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    match num.parse::<f64>() {
        Ok(x) if x.is_finite() => !(0.0..=1.0).contains(&if pct { x / 100.0 } else { x }),
        _ => false,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// A value accepted from a row, before the cross-row checks.
struct Accepted<'r> {
    value: Value,
    row: &'r RawRow,
    kind: Kind,
}

/// Validates all rows of an import (one or several files) for `project`'s period. Returns the
/// submitted facts, one per (unit, item, field), sorted by key, or every problem found.
pub fn validate(
    project: &Project,
    rows: &[RawRow],
    now: DateTime<Utc>,
) -> Result<Vec<Fact>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut accepted: BTreeMap<(String, String, String), Accepted> = BTreeMap::new();
    for row in rows {
        let target = match lookup(
            project,
            &row.unit.value.text(),
            &row.item.value.text(),
            &row.field.value.text(),
        ) {
            Ok(t) => t,
            Err(e) => {
                let cell = match e.part() {
                    Part::Unit => &row.unit,
                    Part::Item => &row.item,
                    Part::Field => &row.field,
                };
                let subject = [
                    row.unit.value.text(),
                    row.item.value.text(),
                    row.field.value.text(),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
                problems.push(ImportProblem {
                    at: row.at(Some(cell)),
                    subject: (!subject.is_empty()).then_some(subject),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let subject = format!(
            "{} {}.{}",
            target.unit.short, target.item.id, target.field.name
        );
        let value = match typed_value(target.field, &row.value.value, &project.period) {
            Ok(v) => v,
            Err(e) => {
                problems.push(ImportProblem {
                    at: row.at(Some(&row.value)),
                    subject: Some(subject),
                    message: e.0,
                });
                continue;
            }
        };
        let k = (
            target.unit.id.clone(),
            target.item.id.clone(),
            target.field.name.clone(),
        );
        match accepted.get_mut(&k) {
            None => {
                accepted.insert(
                    k,
                    Accepted {
                        value,
                        row,
                        kind: target.unit.kind,
                    },
                );
            }
            Some(first) => match (&first.value, &value) {
                (Value::List(a), Value::List(b)) => first.value = Value::list(a.iter().chain(b)),
                (a, b) if same(a, b) => {}
                (a, b) => problems.push(ImportProblem {
                    at: row.at(Some(&row.value)),
                    subject: Some(subject),
                    message: format!(
                        "与 {} 的填报值冲突：此处为 {b}，先前为 {a}（同一字段只能填一个值）",
                        first.row.at(Some(&first.row.value))
                    ),
                }),
            },
        }
    }
    problems.extend(check_at_most(project, &accepted));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(accepted
        .into_iter()
        .map(|((unit, item, field), a)| Fact {
            period: project.period.id.clone(),
            unit,
            item,
            field,
            value: a.value,
            provenance: Provenance::Submission {
                file: a.row.file.clone(),
                sheet: a.row.sheet.clone(),
                row: a.row.row,
                note: a.row.note.clone(),
            },
            recorded_at: now,
        })
        .collect())
}

/// Numerators above their denominators (`lost` > `cases`), over each unit's submitted values.
fn check_at_most(
    project: &Project,
    accepted: &BTreeMap<(String, String, String), Accepted>,
) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    for ((unit, item_id, field), a) in accepted {
        let Some(item) = project.catalog(a.kind).and_then(|c| c.item(item_id)) else {
            continue;
        };
        let Some(spec) = item.field(field) else {
            continue;
        };
        let Some(limit_name) = &spec.at_most else {
            continue;
        };
        let Some(limit) = accepted.get(&(unit.clone(), item_id.clone(), limit_name.clone())) else {
            continue;
        };
        let (Some(x), Some(max)) = (a.value.as_f64(), limit.value.as_f64()) else {
            continue;
        };
        if x > max + 1e-9 {
            let limit_label = item
                .field(limit_name)
                .map(|f| f.label.as_str())
                .unwrap_or(limit_name);
            let short = project
                .roster
                .get(unit)
                .map(|u| u.short.as_str())
                .unwrap_or(unit);
            problems.push(ImportProblem {
                at: a.row.at(Some(&a.row.value)),
                subject: Some(format!("{short} {item_id}.{field}")),
                message: format!(
                    "{field}（{}）= {} 大于 {limit_name}（{limit_label}）= {}（见 {}）",
                    spec.label,
                    a.value,
                    limit.value,
                    limit.row.at(Some(&limit.row.value))
                ),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submit::rows::RawCell;

    fn project() -> Project {
        Project::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/simweb.toml"),
        )
        .unwrap()
    }

    fn spec(p: &Project, unit: &str, item: &str, field: &str) -> FieldSpec {
        lookup(p, unit, item, field).unwrap().field.clone()
    }

    #[test]
    fn typed_cells_follow_the_field_type() {
        let p = project();
        let period = &p.period;
        let cases = spec(&p, "城关镇", "T3.1", "cases");
        assert_eq!(
            typed_value(&cases, &CellValue::Number(3.0), period).unwrap(),
            Value::Int(3)
        );
        assert!(typed_value(&cases, &CellValue::Number(3.5), period).is_err());
        assert!(typed_value(&cases, &CellValue::Empty, period)
            .unwrap_err()
            .0
            .contains("填报值为空"));
        let sat = spec(&p, "城关镇", "T7.2", "satisfaction");
        assert_eq!(
            typed_value(&sat, &CellValue::Number(0.9), period).unwrap(),
            Value::Rate(0.9)
        );
        assert!(typed_value(&sat, &CellValue::Number(95.0), period)
            .unwrap_err()
            .0
            .contains("超出 0–1"));
        let date = spec(&p, "城关镇", "T2.2", "published_on");
        let d = NaiveDate::from_ymd_opt(2023, 3, 28).unwrap();
        // 45013 is 2023-03-28 as an Excel serial (a date typed into an unformatted cell).
        assert_eq!(
            typed_value(&date, &CellValue::Number(45013.0), period).unwrap(),
            Value::Date(d)
        );
        assert!(typed_value(&date, &CellValue::Bool(true), period).is_err());
        let acts = spec(&p, "城关镇", "T14", "activities");
        assert_eq!(
            typed_value(&acts, &CellValue::from_text("无"), period).unwrap(),
            Value::List(vec![])
        );
        // T2.1's lists by item number (indicators.md), with any separator, duplicates once.
        let reposted = spec(&p, "城关镇", "T2.1", "reposted");
        let names = reposted.allowed.clone().unwrap();
        for text in ["1；2", "1,2", "2、1", "1;2;1", "1，2", "1\n2"] {
            assert_eq!(
                typed_value(&reposted, &CellValue::from_text(text), period).unwrap(),
                Value::list(&names[..2]),
                "{text}"
            );
        }
        assert_eq!(
            typed_value(&reposted, &CellValue::Number(3.0), period).unwrap(),
            Value::list(&names[2..3])
        );
        let mixed = format!("1、{}", names[4]);
        assert_eq!(
            typed_value(&reposted, &CellValue::from_text(&mixed), period).unwrap(),
            Value::list([&names[0], &names[4]])
        );
        assert!(
            typed_value(&reposted, &CellValue::from_text("1；6"), period)
                .unwrap_err()
                .0
                .contains("“6”不在可选值内")
        );
        let cats = spec(&p, "城关镇", "T6.2", "compliant");
        assert!(typed_value(&cats, &CellValue::from_text("行政奖励；行政确认"), period).is_ok());
        assert!(typed_value(&cats, &CellValue::from_text("行政许可"), period).is_err());
    }

    fn row(n: u32, unit: &str, item: &str, field: &str, value: &str) -> RawRow {
        let cell = |c: &str, v: &str| RawCell {
            value: CellValue::from_text(v),
            column: c.to_string(),
        };
        RawRow {
            file: "x.csv".into(),
            sheet: None,
            row: n,
            unit: cell("A(unit)", unit),
            item: cell("B(indicator)", item),
            field: cell("C(field)", field),
            value: cell("D(value)", value),
            note: None,
        }
    }

    #[test]
    fn labels_ids_and_case_are_accepted_and_a_missing_unit_is_named() {
        let p = project();
        let facts = validate(
            &p,
            &[
                row(2, "t-chengguan", "t3.1", "败诉案件数", "1"),
                row(3, "城关镇", "T3.1", "cases", "2"),
            ],
            Utc::now(),
        )
        .unwrap();
        assert_eq!(
            facts.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
            ["cases", "lost"]
        );
        let e = validate(&p, &[row(2, "", "T3.1", "cases", "2")], Utc::now()).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "x.csv 第2行 A(unit)列: [T3.1 cases] 单位未填写"
        );
        let e = validate(&p, &[row(7, "县发改", "D1", "reviews", "2")], Utc::now()).unwrap_err();
        assert!(
            e[0].message.starts_with(
                "单位无法识别：“县发改”不在名单中，最接近的有：桐柏县发展和改革委员会"
            ),
            "{}",
            e[0]
        );
    }
}
