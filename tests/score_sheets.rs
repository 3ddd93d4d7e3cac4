//! Score sheets around the items: missing vs scored, precedence and discrepancies, ignored
//! facts, totals and category subtotals, ranks within a kind, and the words of the basis.

mod common;

use common::*;
use govtrust::fact::{Fact, Origin, Value, Verification};
use govtrust::score::{score, Status};

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
