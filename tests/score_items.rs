//! Worked numbers for every item of both shipped tables (T1…T14, D1…D14), taken from the seed's
//! arithmetic, and the cohort ranks of D1, D2 and D5, through the public `score()` on
//! `crawl-config/simweb.toml`.

mod common;

use common::*;
use govtrust::fact::Value;
use govtrust::score::{score, Scoreboard, Status};

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
