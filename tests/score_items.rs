//! Worked numbers for every item of both shipped tables (T1…T14, D1…D14), taken from the seed's
//! arithmetic, plus missing vs scored, precedence, discrepancies, cohort ranks, totals and ranks,
//! all through the public `score()` on `crawl-config/simweb.toml`.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use govtrust::config::Project;
use govtrust::fact::{Fact, Origin, Provenance, Value, Verification};
use govtrust::score::{score, Scoreboard, Status};

fn project() -> Project {
    Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn fact(unit: &str, item: &str, field: &str, value: Value, provenance: Provenance) -> Fact {
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

fn sub(unit: &str, item: &str, field: &str, value: Value) -> Fact {
    let p = Provenance::Submission {
        file: format!("{unit}.xlsx"),
        sheet: Some("填报".into()),
        row: 2,
        note: None,
    };
    fact(unit, item, field, value, p)
}

fn web(unit: &str, item: &str, field: &str, value: Value) -> Fact {
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

fn manual(unit: &str, item: &str, field: &str, value: Value) -> Fact {
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

fn int(n: u64) -> Value {
    Value::Int(n)
}

fn list(items: &[&str]) -> Value {
    Value::list(items.iter().copied())
}

fn date(m: u32, d: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(2023, m, d).unwrap())
}

/// The score of `item` for `unit` when the unit submitted exactly `fields` for it.
fn item_score(unit: &str, item: &str, fields: &[(&str, Value)]) -> Option<f64> {
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

fn assert_item(unit: &str, item: &str, fields: &[(&str, Value)], expected: f64) {
    let got =
        item_score(unit, item, fields).unwrap_or_else(|| panic!("{item} missing for {fields:?}"));
    assert!(
        (got - expected).abs() < 1e-9,
        "{item} {fields:?}: got {got}, expected {expected}"
    );
}

const T: &str = "t-chengguan";
const D: &str = "d-fgw";

const CITY_DOCS: [&str; 5] = [
    "南阳市重大行政决策公示和听证暂行办法",
    "南阳市重大行政决策目录管理办法",
    "南阳市重大行政决策实施情况跟踪反馈与后评估办法",
    "南阳市重大行政决策咨询论证专家库管理办法",
    "南阳市重大行政决策风险评估办法",
];

#[test]
fn township_t1_to_t5() {
    assert_item(T, "T1", &[("published", Value::Bool(true))], 2.0);
    assert_item(T, "T1", &[("published", Value::Bool(false))], 0.0);
    // T2.1: reposts and local counterparts count separately, 0.4 each, cap 4.
    assert_item(
        T,
        "T2.1",
        &[
            ("reposted", list(&CITY_DOCS[..3])),
            ("local", list(&CITY_DOCS[..2])),
        ],
        2.0,
    );
    assert_item(
        T,
        "T2.1",
        &[
            ("reposted", list(&CITY_DOCS)),
            ("local", list(&CITY_DOCS[..4])),
        ],
        3.6,
    );
    assert_item(
        T,
        "T2.1",
        &[("reposted", list(&CITY_DOCS)), ("local", list(&CITY_DOCS))],
        4.0,
    );
    assert_item(
        T,
        "T2.1",
        &[("reposted", list(&[CITY_DOCS[0], "某县文件"]))],
        0.4,
    );
    // T2.2: formulated 1, published by 03-31 +1.
    assert_item(
        T,
        "T2.2",
        &[
            ("formulated", Value::Bool(true)),
            ("published_on", date(3, 28)),
        ],
        2.0,
    );
    assert_item(
        T,
        "T2.2",
        &[
            ("formulated", Value::Bool(true)),
            ("published_on", date(3, 31)),
        ],
        2.0,
    );
    assert_item(
        T,
        "T2.2",
        &[
            ("formulated", Value::Bool(true)),
            ("published_on", date(4, 3)),
        ],
        1.0,
    );
    assert_item(T, "T2.2", &[("formulated", Value::Bool(false))], 0.0);
    assert_item(T, "T3.1", &[("cases", int(4)), ("lost", int(1))], 3.75);
    assert_item(T, "T3.1", &[("cases", int(0)), ("lost", int(0))], 5.0);
    assert_item(
        T,
        "T3.2",
        &[("reviews", int(10)), ("corrected", int(2))],
        4.0,
    );
    assert_item(T, "T3.2", &[("reviews", int(0))], 5.0);
    assert_item(T, "T4", &[("published", Value::Bool(true))], 2.0);
    assert_item(T, "T5", &[("failures", int(3))], 1.5);
    assert_item(T, "T5", &[("failures", int(7))], 0.0);
}

#[test]
fn township_t6() {
    let t61 = |due, rep, comp, tim| {
        [
            ("due", int(due)),
            ("reported", int(rep)),
            ("compliant", int(comp)),
            ("timely", int(tim)),
        ]
    };
    assert_item(T, "T6.1", &t61(100, 90, 90, 72), 5.4);
    assert_item(T, "T6.1", &t61(0, 0, 0, 0), 6.0);
    assert_item(T, "T6.1", &[("due", int(0))], 6.0);
    assert_item(T, "T6.1", &[("due", int(12)), ("reported", int(0))], 0.0);
    let five = [
        "行政强制",
        "行政奖励",
        "行政确认",
        "行政裁决",
        "行政监督检查",
    ];
    assert_item(T, "T6.2", &[("compliant", list(&five[..3]))], 3.0);
    assert_item(T, "T6.2", &[("compliant", list(&five))], 5.0);
    // T6.3: records ÷ enterprises → ≥1 1, ≥0.8 0.8, ≥0.6 0.6, ≥0.4 0.4, ≥0.2 0.2, else 0.
    let t63 = |e, r: [u64; 6]| {
        let names = [
            "records_tax",
            "records_water",
            "records_power",
            "records_gas",
            "records_property",
            "records_rnd",
        ];
        let mut v = vec![("enterprises", int(e))];
        v.extend(names.iter().zip(r).map(|(n, x)| (*n, int(x))));
        v
    };
    assert_item(
        T,
        "T6.3",
        &t63(100, [100, 80, 79, 60, 20, 19]),
        1.0 + 0.8 + 0.6 + 0.6 + 0.2,
    );
    assert_item(T, "T6.3", &t63(100, [150, 100, 100, 100, 100, 100]), 6.0);
    assert_item(T, "T6.3", &t63(100, [39, 40, 59, 0, 0, 0]), 0.2 + 0.4 + 0.4);
    assert_item(T, "T6.3", &[("enterprises", int(0))], 6.0);
}

#[test]
fn township_t7_t8() {
    let t71 = |a, b, c, d| {
        [
            ("online_rate", Value::Rate(a)),
            ("immediate_rate", Value::Rate(b)),
            ("one_visit_rate", Value::Rate(c)),
            ("nearby_rate", Value::Rate(d)),
        ]
    };
    // Band edges: ≥0.95 1, ≥0.90 0.8, ≥0.80 0.6, ≥0.70 0.4, ≥0.60 0.2, else 0.
    assert_item(T, "T7.1", &t71(0.95, 0.9, 0.8999, 0.59), 1.0 + 0.8 + 0.6);
    assert_item(
        T,
        "T7.1",
        &t71(0.9499, 0.8, 0.7, 0.6),
        0.8 + 0.6 + 0.4 + 0.2,
    );
    assert_item(T, "T7.1", &t71(1.0, 1.0, 1.0, 1.0), 4.0);
    assert_item(T, "T7.2", &[("satisfaction", Value::Rate(0.95))], 3.8);
    let domains = ["政府采购", "招标投标", "行政审批", "市场准入", "资质审核"];
    assert_item(T, "T8.1", &[("domains", list(&domains[..4]))], 2.4);
    assert_item(T, "T8.1", &[("domains", list(&domains))], 3.0);
    let many = |n: usize| Value::list((1..=n).map(|i| format!("领域{i}")));
    assert_item(T, "T8.2", &[("scenarios", many(3))], 1.5);
    assert_item(T, "T8.2", &[("scenarios", many(7))], 3.0);
    assert_item(T, "T8.3", &[("domains", many(12))], 2.4);
    assert_item(T, "T8.3", &[("domains", many(30))], 6.0);
    assert_item(T, "T8.3", &[("domains", many(31))], 6.0);
    assert_item(T, "T8.4", &[("coverage", Value::Rate(0.8))], 2.4);
    assert_item(T, "T8.5", &[("domains", many(2))], 1.2);
    assert_item(T, "T8.5", &[("domains", many(6))], 3.0);
    assert_item(T, "T8.6", &[("incidents", int(1))], 1.5);
    assert_item(T, "T8.6", &[("incidents", int(5))], 0.0);
}

#[test]
fn township_t9_to_t14() {
    assert_item(
        T,
        "T9",
        &[
            ("repaid_amount", Value::Amount(750_000.0)),
            ("due_amount", Value::Amount(1_000_000.0)),
        ],
        4.5,
    );
    assert_item(T, "T9", &[("due_amount", Value::Amount(0.0))], 6.0);
    assert_item(T, "T10", &[("fulfilled", int(3)), ("due", int(4))], 4.5);
    assert_item(T, "T10", &[("due", int(0))], 6.0);
    assert_item(
        T,
        "T11",
        &[
            ("paid_amount", Value::Amount(90.0)),
            ("payable_amount", Value::Amount(100.0)),
        ],
        5.4,
    );
    assert_item(T, "T11", &[("payable_amount", Value::Amount(0.0))], 6.0);
    assert_item(T, "T12", &[("cases", int(0))], 5.0);
    assert_item(T, "T12", &[("cases", int(2)), ("handled", int(2))], 3.0);
    assert_item(T, "T12", &[("cases", int(2)), ("handled", int(1))], 0.0);
    let t13 = |a, b, c| {
        [
            ("dishonest_new", int(a)),
            ("executed_unresolved", int(b)),
            ("executed_resolved", int(c)),
        ]
    };
    assert_item(T, "T13", &t13(0, 1, 0), 2.0);
    assert_item(T, "T13", &t13(0, 1, 3), 2.0);
    assert_item(T, "T13", &t13(1, 1, 1), 0.0);
    assert_item(T, "T13", &[("dishonest_new", int(1))], 0.0);
    assert_item(T, "T13", &t13(0, 0, 2), 4.0);
    assert_item(T, "T13", &t13(0, 0, 0), 6.0);
    let acts = |n: usize| Value::list((1..=n).map(|i| format!("诚信教育活动{i}")));
    assert_item(T, "T14", &[("activities", acts(4))], 2.0);
    assert_item(T, "T14", &[("activities", acts(8))], 3.0);
}

#[test]
fn department_d3_to_d14() {
    assert_item(D, "D3", &[("failures", int(2))], 2.0);
    assert_item(D, "D3", &[("failures", int(3))], 0.0);
    assert_item(
        D,
        "D4",
        &[
            ("requests", int(10)),
            ("answered_on_time", int(8)),
            ("concluded", int(9)),
        ],
        4.3,
    );
    assert_item(D, "D4", &[("requests", int(0))], 5.0);
    let five = [
        "行政强制",
        "行政奖励",
        "行政确认",
        "行政裁决",
        "行政监督检查",
    ];
    // D6: a category counts once, compliant or explained.
    assert_item(
        D,
        "D6",
        &[
            ("compliant", list(&five[..2])),
            ("explained", list(&five[1..3])),
        ],
        3.0,
    );
    assert_item(
        D,
        "D6",
        &[
            ("compliant", list(&five[..3])),
            ("explained", list(&five[3..])),
        ],
        5.0,
    );
    assert_item(D, "D6", &[("explained", list(&five[..1]))], 1.0);
    // D7: exempt → 8; uses → 5, and published → +3; publication alone earns nothing.
    let b = Value::Bool;
    assert_item(D, "D7", &[("exempt", b(true))], 8.0);
    assert_item(
        D,
        "D7",
        &[
            ("exempt", b(true)),
            ("uses", b(false)),
            ("published", b(false)),
        ],
        8.0,
    );
    assert_item(
        D,
        "D7",
        &[
            ("exempt", b(false)),
            ("uses", b(true)),
            ("published", b(true)),
        ],
        8.0,
    );
    assert_item(
        D,
        "D7",
        &[
            ("exempt", b(false)),
            ("uses", b(true)),
            ("published", b(false)),
        ],
        5.0,
    );
    assert_item(
        D,
        "D7",
        &[
            ("exempt", b(false)),
            ("uses", b(false)),
            ("published", b(true)),
        ],
        0.0,
    );
    assert_item(D, "D7", &[("exempt", b(false)), ("uses", b(false))], 0.0);
    assert_eq!(
        item_score(D, "D7", &[("uses", b(true)), ("published", b(true))]),
        None
    );
    assert_item(
        D,
        "D8",
        &[("assigned", int(200)), ("concluded", int(190))],
        9.5,
    );
    assert_item(D, "D8", &[("assigned", int(0))], 10.0);
    assert_item(D, "D9", &[("problems", int(1))], 6.0);
    assert_item(D, "D9", &[("problems", int(5))], 0.0);
    assert_item(D, "D10", &[("cases", int(1))], 4.0);
    assert_item(D, "D10", &[("cases", int(2))], 0.0);
    assert_item(D, "D11", &[("arrears", b(false))], 8.0);
    assert_item(D, "D11", &[("arrears", b(true))], 0.0);
    assert_item(D, "D12", &[("listed", b(true))], 0.0);
    assert_item(D, "D12", &[("listed", b(false))], 8.0);
    let acts = |n: usize| Value::list((1..=n).map(|i| format!("培训{i}")));
    assert_item(D, "D13", &[("activities", acts(3))], 3.0);
    assert_item(D, "D13", &[("activities", acts(5))], 4.0);
    assert_item(D, "D14", &[("activities", acts(2))], 2.0);
}

/// Scores a D-item cohort: one department per (numerator, denominator) pair.
fn cohort(
    item: &str,
    num_fields: &[&str],
    den: &str,
    members: &[(&str, &[u64], u64)],
) -> Scoreboard {
    let mut facts = Vec::new();
    for (unit, nums, d) in members {
        for (f, n) in num_fields.iter().zip(nums.iter()) {
            facts.push(sub(unit, item, f, int(*n)));
        }
        facts.push(sub(unit, item, den, int(*d)));
    }
    score(&project(), &facts)
}

fn close(board: &Scoreboard, unit: &str, item: &str, expected: f64) {
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

#[test]
fn d1_cohort_of_the_seed() {
    // Correction rates 0, 0.1, 0.1 (as 2/20), 0.2, 0.5 → 10, 6.67, 6.67, 3.33, 0.
    let board = cohort(
        "D1",
        &["corrected"],
        "reviews",
        &[
            ("d-fgw", &[0], 8),
            ("d-czj", &[1], 10),
            ("d-scjg", &[2], 20),
            ("d-rsj", &[1], 5),
            ("d-zjj", &[2], 4),
        ],
    );
    close(&board, "d-fgw", "D1", 10.0);
    close(&board, "d-czj", "D1", 20.0 / 3.0);
    close(&board, "d-scjg", "D1", 20.0 / 3.0);
    close(&board, "d-rsj", "D1", 10.0 / 3.0);
    close(&board, "d-zjj", "D1", 0.0);
    let basis = &board.unit("d-rsj").unwrap().item("D1").unwrap().basis;
    assert!(
        basis.contains("不同比率共 3 个")
            && basis.contains("排第 2 位")
            && basis.contains("排名取决于本次参评单位"),
        "{basis}"
    );
    // Departments without D1 facts are missing, not part of the cohort.
    let other = board.unit("d-jtj").unwrap().item("D1").unwrap();
    assert_eq!((other.status, other.score), (Status::Missing, None));
    // Townships are never in a department cohort.
    assert!(board.unit("t-chengguan").unwrap().item("D1").is_none());
}

#[test]
fn d2_cohort_alone_and_no_loss() {
    let board = cohort(
        "D2",
        &["lost"],
        "cases",
        &[("d-fgw", &[1], 4), ("d-czj", &[0], 3), ("d-scjg", &[0], 0)],
    );
    close(&board, "d-fgw", "D2", 0.0);
    close(&board, "d-czj", "D2", 10.0);
    close(&board, "d-scjg", "D2", 10.0);
    let board = cohort(
        "D2",
        &["lost"],
        "cases",
        &[("d-fgw", &[1], 4), ("d-czj", &[1], 2)],
    );
    close(&board, "d-fgw", "D2", 5.0);
    close(&board, "d-czj", "D2", 0.0);
}

#[test]
fn d5_cohort_sums_late_and_missing() {
    let board = cohort(
        "D5",
        &["late", "missing"],
        "due",
        &[
            ("d-fgw", &[5, 5], 100),
            ("d-czj", &[10, 0], 50),
            ("d-scjg", &[0, 0], 40),
            ("d-rsj", &[3, 2], 50),
        ],
    );
    close(&board, "d-fgw", "D5", 3.0);
    close(&board, "d-rsj", "D5", 3.0);
    close(&board, "d-czj", "D5", 0.0);
    close(&board, "d-scjg", "D5", 6.0);
}

#[test]
fn missing_items_are_none_and_named() {
    let p = project();
    let board = score(
        &p,
        &[
            sub(T, "T3.1", "cases", int(4)),
            sub(T, "T6.1", "due", int(100)),
        ],
    );
    let u = board.unit(T).unwrap();
    let t31 = u.item("T3.1").unwrap();
    assert_eq!((t31.status, t31.score), (Status::Missing, None));
    assert_eq!(t31.missing_fields, vec!["lost"]);
    assert!(t31.basis.contains("败诉案件数（lost）"), "{}", t31.basis);
    let t61 = u.item("T6.1").unwrap();
    assert_eq!(t61.missing_fields, vec!["reported", "compliant", "timely"]);
    let t1 = u.item("T1").unwrap();
    assert_eq!((t1.status, t1.score), (Status::Missing, None));
    assert_eq!(t1.missing_fields, vec!["published"]);
    assert_eq!((u.total, u.max_scored, u.missing), (0.0, 0.0, 24));
    // T2.2 needs the date only when formulated; a scored list item needs no other list.
    let board = score(
        &p,
        &[
            sub(T, "T2.2", "formulated", Value::Bool(true)),
            sub(T, "T2.1", "local", list(&CITY_DOCS[..1])),
        ],
    );
    let u = board.unit(T).unwrap();
    assert_eq!(u.item("T2.2").unwrap().missing_fields, vec!["published_on"]);
    assert_eq!(u.item("T2.1").unwrap().score, Some(0.4));
    assert_eq!(u.max_scored, 4.0);
}

#[test]
fn precedence_manual_over_web_over_submission_is_visible() {
    let p = project();
    let s = sub(T, "T5", "failures", int(0));
    let w = web(T, "T5", "failures", int(2));
    let m = manual(T, "T5", "failures", int(1));
    let board = score(&p, &[s.clone(), w.clone()]);
    let u = board.unit(T).unwrap();
    let t5 = u.item("T5").unwrap();
    assert_eq!(t5.score, Some(2.0));
    assert_eq!(t5.facts[0].origin, Origin::Web);
    assert_eq!(t5.facts[0].verification, Verification::Contradicted);
    assert_eq!(t5.facts[0].verification_label, "与网络监测不符");
    assert_eq!(u.discrepancies.len(), 1);
    let d = &u.discrepancies[0];
    assert_eq!(
        (
            d.item.as_str(),
            d.field.as_str(),
            d.submitted.as_str(),
            d.web.as_str()
        ),
        ("T5", "failures", "0", "2")
    );
    assert!(d.submitted_from.contains("单位填报") && d.web_from.contains("网络监测"));

    let board = score(&p, &[s.clone(), m, w]);
    let u = board.unit(T).unwrap();
    let t5 = u.item("T5").unwrap();
    assert_eq!(t5.score, Some(2.5));
    assert_eq!(t5.facts[0].origin, Origin::Manual);
    assert!(t5.facts[0].description.contains("人工核查 张分析"));
    let over: Vec<Origin> = t5.facts[0].overridden.iter().map(|o| o.origin).collect();
    assert_eq!(over, vec![Origin::Web, Origin::Submission]);
    assert_eq!(
        u.discrepancies.len(),
        1,
        "the contradiction stays listed under a manual decision"
    );

    // A submission alone on a web-checked item is used and marked 未核实; on a sub item it is not.
    let board = score(&p, &[s, sub(T, "T3.1", "cases", int(0))]);
    let u = board.unit(T).unwrap();
    assert_eq!(u.item("T5").unwrap().score, Some(3.0));
    assert_eq!(u.item("T5").unwrap().facts[0].verification_label, "未核实");
    assert_eq!(
        u.item("T3.1").unwrap().facts[0].verification,
        Verification::Consistent
    );
    assert!(u.discrepancies.is_empty());
}

#[test]
fn unusable_facts_are_ignored_with_a_reason() {
    let p = project();
    let mut other_period = sub(T, "T1", "published", Value::Bool(true));
    other_period.period = "2022".into();
    let facts = vec![
        sub("t-nowhere", "T1", "published", Value::Bool(true)),
        sub(T, "D1", "reviews", int(1)),
        sub(T, "T1", "colour", Value::Bool(true)),
        sub(T, "T1", "published", int(1)),
        sub(T, "T9", "due_amount", Value::Amount(f64::NAN)),
        other_period,
    ];
    let board = score(&p, &facts);
    assert_eq!(board.ignored.len(), 5, "{:#?}", board.ignored);
    let reasons: Vec<&str> = board.ignored.iter().map(|f| f.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("名册中没有单位 t-nowhere")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("没有指标 D1")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("没有字段 colour")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("应为是/否")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("不是有效的非负数")),
        "{reasons:?}"
    );
    assert_eq!(
        board.unit(T).unwrap().item("T1").unwrap().status,
        Status::Missing
    );
}

/// Every item of a table at full marks for one unit.
fn full_marks(unit: &str, township: bool) -> Vec<Fact> {
    let z = |item: &str, field: &str| sub(unit, item, field, int(0));
    if township {
        vec![
            sub(unit, "T1", "published", Value::Bool(true)),
            sub(unit, "T2.1", "reposted", list(&CITY_DOCS)),
            sub(unit, "T2.1", "local", list(&CITY_DOCS)),
            sub(unit, "T2.2", "formulated", Value::Bool(true)),
            sub(unit, "T2.2", "published_on", date(3, 1)),
            z("T3.1", "cases"),
            z("T3.2", "reviews"),
            sub(unit, "T4", "published", Value::Bool(true)),
            z("T5", "failures"),
            z("T6.1", "due"),
            sub(
                unit,
                "T6.2",
                "compliant",
                list(&[
                    "行政强制",
                    "行政奖励",
                    "行政确认",
                    "行政裁决",
                    "行政监督检查",
                ]),
            ),
            z("T6.3", "enterprises"),
            sub(unit, "T7.1", "online_rate", Value::Rate(1.0)),
            sub(unit, "T7.1", "immediate_rate", Value::Rate(1.0)),
            sub(unit, "T7.1", "one_visit_rate", Value::Rate(1.0)),
            sub(unit, "T7.1", "nearby_rate", Value::Rate(1.0)),
            sub(unit, "T7.2", "satisfaction", Value::Rate(1.0)),
            sub(
                unit,
                "T8.1",
                "domains",
                list(&["政府采购", "招标投标", "行政审批", "市场准入", "资质审核"]),
            ),
            sub(
                unit,
                "T8.2",
                "scenarios",
                Value::list((0..6).map(|i| format!("场景{i}"))),
            ),
            sub(
                unit,
                "T8.3",
                "domains",
                Value::list((0..30).map(|i| format!("领域{i}"))),
            ),
            sub(unit, "T8.4", "coverage", Value::Rate(1.0)),
            sub(
                unit,
                "T8.5",
                "domains",
                Value::list((0..5).map(|i| format!("领域{i}"))),
            ),
            z("T8.6", "incidents"),
            sub(unit, "T9", "due_amount", Value::Amount(0.0)),
            z("T10", "due"),
            sub(unit, "T11", "payable_amount", Value::Amount(0.0)),
            z("T12", "cases"),
            z("T13", "dishonest_new"),
            z("T13", "executed_unresolved"),
            z("T13", "executed_resolved"),
            sub(
                unit,
                "T14",
                "activities",
                Value::list((0..6).map(|i| format!("活动{i}"))),
            ),
        ]
    } else {
        vec![
            z("D1", "corrected"),
            z("D2", "lost"),
            z("D3", "failures"),
            z("D4", "requests"),
            z("D5", "late"),
            z("D5", "missing"),
            sub(
                unit,
                "D6",
                "explained",
                list(&[
                    "行政强制",
                    "行政奖励",
                    "行政确认",
                    "行政裁决",
                    "行政监督检查",
                ]),
            ),
            sub(unit, "D7", "exempt", Value::Bool(true)),
            z("D8", "assigned"),
            z("D9", "problems"),
            z("D10", "cases"),
            sub(unit, "D11", "arrears", Value::Bool(false)),
            sub(unit, "D12", "listed", Value::Bool(false)),
            sub(
                unit,
                "D13",
                "activities",
                Value::list((0..4).map(|i| format!("培训{i}"))),
            ),
            sub(
                unit,
                "D14",
                "activities",
                Value::list((0..4).map(|i| format!("宣传{i}"))),
            ),
        ]
    }
}

#[test]
fn full_marks_sum_to_100_with_categories_at_their_max() {
    let p = project();
    let mut facts = full_marks(T, true);
    facts.extend(full_marks(D, false));
    let board = score(&p, &facts);
    for id in [T, D] {
        let u = board.unit(id).unwrap();
        assert_eq!(
            u.missing,
            0,
            "{:#?}",
            u.items
                .iter()
                .filter(|i| i.score.is_none())
                .collect::<Vec<_>>()
        );
        assert!((u.total - 100.0).abs() < 1e-9, "{id}: {}", u.total);
        assert!((u.max_scored - 100.0).abs() < 1e-9);
        assert_eq!(u.rank, 1);
        for c in &u.categories {
            assert!(
                (c.score - c.max).abs() < 1e-9 && (c.max_scored - c.max).abs() < 1e-9,
                "{c:?}"
            );
        }
    }
}

#[test]
fn rank_within_kind_shares_ties() {
    let p = project();
    let facts = vec![
        sub("d-fgw", "D3", "failures", int(0)),
        sub("d-czj", "D3", "failures", int(1)),
        sub("d-scjg", "D3", "failures", int(1)),
        sub("d-rsj", "D3", "failures", int(2)),
        sub(T, "T5", "failures", int(0)),
    ];
    let board = score(&p, &facts);
    let ranks: Vec<(&str, usize)> = board
        .units
        .iter()
        .filter(|u| u.id.starts_with("d-"))
        .take(5)
        .map(|u| (u.id.as_str(), u.rank))
        .collect();
    assert_eq!(
        ranks,
        vec![
            ("d-fgw", 1),
            ("d-czj", 2),
            ("d-scjg", 2),
            ("d-rsj", 4),
            ("d-cgj", 5)
        ]
    );
    assert_eq!(board.unit(T).unwrap().rank, 1);
    assert_eq!(board.units[0].kind, govtrust::config::Kind::Township);
    // Same facts in another order → the same board.
    let mut reversed = facts.clone();
    reversed.reverse();
    assert_eq!(score(&p, &reversed), board);
}

#[test]
fn basis_words_show_the_arithmetic() {
    let p = project();
    let board = score(
        &p,
        &[
            sub(T, "T3.1", "cases", int(4)),
            sub(T, "T3.1", "lost", int(1)),
            sub(D, "D3", "failures", int(2)),
        ],
    );
    let t31 = &board.unit(T).unwrap().item("T3.1").unwrap().basis;
    assert_eq!(
        t31,
        "败诉案件数 1 ÷ 行政诉讼案件数 4 = 25%，得分 = (1−0.25)×5 = 3.75"
    );
    let d3 = &board.unit(D).unwrap().item("D3").unwrap().basis;
    assert_eq!(d3, "被检查通报次数 2，得分 = 6 − 2×2 = 2");
}
