//! Helpers shared by the scorer's integration tests: the shipped project and facts of each origin.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use govtrust::config::Project;
use govtrust::fact::{Fact, Provenance, Value};
use govtrust::score::{score, Scoreboard};

pub fn project() -> Project {
    Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
}

pub fn fact(unit: &str, item: &str, field: &str, value: Value, provenance: Provenance) -> Fact {
    Fact {
        period: "2023".into(),
        unit: unit.into(),
        item: item.into(),
        field: field.into(),
        value,
        provenance,
        recorded_at: Utc.with_ymd_and_hms(2024, 1, 10, 9, 0, 0).unwrap(),
    }
}

pub fn sub(unit: &str, item: &str, field: &str, value: Value) -> Fact {
    let p = Provenance::Submission {
        file: format!("{unit}.xlsx"),
        sheet: Some("填报".into()),
        row: 2,
        note: None,
    };
    fact(unit, item, field, value, p)
}

pub fn web(unit: &str, item: &str, field: &str, value: Value) -> Fact {
    fact(
        unit,
        item,
        field,
        value,
        Provenance::Web {
            evidence: vec!["ev-1".into()],
        },
    )
}

pub fn manual(unit: &str, item: &str, field: &str, value: Value) -> Fact {
    let at = Utc.with_ymd_and_hms(2024, 1, 12, 9, 0, 0).unwrap();
    fact(
        unit,
        item,
        field,
        value,
        Provenance::Manual {
            by: "张分析".into(),
            at,
            reason: "复核通报原文".into(),
        },
    )
}

pub fn int(n: u64) -> Value {
    Value::Int(n)
}

pub fn list(items: &[&str]) -> Value {
    Value::list(items.iter().copied())
}

pub fn date(m: u32, d: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(2023, m, d).unwrap())
}

/// The score of `item` for `unit` when the unit submitted exactly `fields` for it.
pub fn item_score(unit: &str, item: &str, fields: &[(&str, Value)]) -> Option<f64> {
    let facts: Vec<Fact> = fields
        .iter()
        .map(|(f, v)| sub(unit, item, f, v.clone()))
        .collect();
    let board = score(&project(), &facts);
    board
        .unit(unit)
        .and_then(|u| u.item(item))
        .and_then(|i| i.score)
}

pub fn assert_item(unit: &str, item: &str, fields: &[(&str, Value)], expected: f64) {
    let got =
        item_score(unit, item, fields).unwrap_or_else(|| panic!("{item} missing for {fields:?}"));
    assert!(
        (got - expected).abs() < 1e-9,
        "{item} {fields:?}: got {got}, expected {expected}"
    );
}

pub const T: &str = "t-chengguan";
pub const D: &str = "d-fgw";

pub const CITY_DOCS: [&str; 5] = [
    "南阳市重大行政决策公示和听证暂行办法",
    "南阳市重大行政决策目录管理办法",
    "南阳市重大行政决策实施情况跟踪反馈与后评估办法",
    "南阳市重大行政决策咨询论证专家库管理办法",
    "南阳市重大行政决策风险评估办法",
];

pub fn close(board: &Scoreboard, unit: &str, item: &str, expected: f64) {
    let got = board
        .unit(unit)
        .and_then(|u| u.item(item))
        .and_then(|i| i.score)
        .expect("scored");
    assert!(
        (got - expected).abs() < 1e-9,
        "{unit} {item}: got {got}, expected {expected}"
    );
}
