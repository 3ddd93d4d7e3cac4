//! Worked numbers for every rule kind on small hand-written items, including lazy reading
//! (which fields a path needs) and the words of the basis.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::config::Item;

fn item(toml_text: &str) -> Item {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("test item: {e}"))
}

fn eval(item: &Item, values: &[(&str, Value)]) -> Result<Outcome, Absent> {
    let map: BTreeMap<&str, &Value> = values.iter().map(|(k, v)| (*k, v)).collect();
    evaluate(item, &Inputs::new(item, map), 2023)
}

fn score_of(item: &Item, values: &[(&str, Value)]) -> f64 {
    match eval(item, values) {
        Ok(Outcome::Scored { score, .. }) => score,
        other => panic!("expected a score, got {other:?}"),
    }
}

fn basis_of(item: &Item, values: &[(&str, Value)]) -> String {
    match eval(item, values) {
        Ok(Outcome::Scored { basis, .. }) | Ok(Outcome::Ranked { basis, .. }) => basis,
        Err(Absent) => panic!("absent"),
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

const RATE: &str = r#"
id = "R"
category = "c"
indicator = "i"
content = "败诉率"
max = 5
source = "sub"
field = [{ name = "cases", type = "int", label = "案件数" }, { name = "lost", type = "int", label = "败诉数" }]
rule = { kind = "rate", numerator = "lost", denominator = "cases", invert = true, when_zero = 5 }
"#;

#[test]
fn rate_inverted_with_basis_and_zero_rule() {
    let it = item(RATE);
    let vals = [("cases", Value::Int(4)), ("lost", Value::Int(1))];
    close(score_of(&it, &vals), 3.75);
    let basis = basis_of(&it, &vals);
    assert!(
        basis.contains("= 25%") && basis.contains("(1−0.25)×5 = 3.75"),
        "{basis}"
    );
    // No cases: full marks without reading `lost`.
    close(score_of(&it, &[("cases", Value::Int(0))]), 5.0);
    assert_eq!(eval(&it, &[("cases", Value::Int(4))]), Err(Absent));
    assert_eq!(eval(&it, &[("lost", Value::Int(0))]), Err(Absent));
    // A numerator above the denominator is clamped to a rate of 1.
    close(
        score_of(&it, &[("cases", Value::Int(2)), ("lost", Value::Int(5))]),
        0.0,
    );
}

#[test]
fn rate_not_inverted() {
    let it = item(
        &RATE
            .replace("invert = true", "invert = false")
            .replace("max = 5", "max = 6")
            .replace("when_zero = 5", "when_zero = 6"),
    );
    close(
        score_of(&it, &[("cases", Value::Int(4)), ("lost", Value::Int(3))]),
        4.5,
    );
}

#[test]
fn flag_awards_on_the_configured_value() {
    let t = r#"
id = "F"
category = "c"
indicator = "i"
content = "x"
max = 8
source = "sub"
field = [{ name = "arrears", type = "bool", label = "存在拖欠" }]
rule = { kind = "flag", field = "arrears", award_when = false }
"#;
    let it = item(t);
    assert_eq!(score_of(&it, &[("arrears", Value::Bool(false))]), 8.0);
    assert_eq!(score_of(&it, &[("arrears", Value::Bool(true))]), 0.0);
    assert_eq!(
        basis_of(&it, &[("arrears", Value::Bool(true))]),
        "存在拖欠：是，得分 0"
    );
    assert_eq!(eval(&it, &[]), Err(Absent));
}

const PER_ITEM: &str = r#"
id = "P"
category = "c"
indicator = "i"
content = "x"
max = 4
source = "web"
field = [
  { name = "reposted", type = "list", label = "转载", allowed = ["a", "b", "c", "d", "e"] },
  { name = "local", type = "list", label = "本地", allowed = ["a", "b", "c", "d", "e"] },
]
rule = { kind = "per_item", fields = ["reposted", "local"], points = 0.4, cap = 4, combine = "sum" }
"#;

#[test]
fn per_item_sum_counts_each_list_and_caps() {
    let it = item(PER_ITEM);
    let l = |v: &[&str]| Value::list(v.iter().copied());
    close(
        score_of(
            &it,
            &[("reposted", l(&["a", "b", "c"])), ("local", l(&["a", "b"]))],
        ),
        2.0,
    );
    close(
        score_of(
            &it,
            &[
                ("reposted", l(&["a", "b", "c", "d", "e"])),
                ("local", l(&["a", "b", "c", "d"])),
            ],
        ),
        3.6,
    );
    close(
        score_of(
            &it,
            &[
                ("reposted", l(&["a", "b", "c", "d", "e"])),
                ("local", l(&["a", "b", "c", "d", "e"])),
            ],
        ),
        4.0,
    );
    // An absent list is empty; values outside the allowed set do not count and are named.
    close(score_of(&it, &[("reposted", l(&["a", "zz"]))]), 0.4);
    assert!(basis_of(&it, &[("reposted", l(&["a", "zz"]))]).contains("不计分：zz"));
}

#[test]
fn per_item_union_counts_a_category_once() {
    let it = item(
        &PER_ITEM
            .replace("combine = \"sum\"", "combine = \"union\"")
            .replace("points = 0.4", "points = 1"),
    );
    let l = |v: &[&str]| Value::list(v.iter().copied());
    close(
        score_of(
            &it,
            &[("reposted", l(&["a", "b"])), ("local", l(&["b", "c"]))],
        ),
        3.0,
    );
    let basis = basis_of(
        &it,
        &[("reposted", l(&["a", "b"])), ("local", l(&["b", "c"]))],
    );
    assert!(basis.contains("合计不同项 3 项"), "{basis}");
    // 5 distinct → 5 points, above the cap of 4.
    close(
        score_of(
            &it,
            &[("reposted", l(&["a", "b", "c"])), ("local", l(&["d", "e"]))],
        ),
        4.0,
    );
}

#[test]
fn scaled_rate_clamps() {
    let t = r#"
id = "S"
category = "c"
indicator = "i"
content = "x"
max = 4
source = "sub"
field = [{ name = "satisfaction", type = "rate", label = "满意率" }]
rule = { kind = "scaled_rate", field = "satisfaction" }
"#;
    let it = item(t);
    close(score_of(&it, &[("satisfaction", Value::Rate(0.95))]), 3.8);
    close(score_of(&it, &[("satisfaction", Value::Rate(1.7))]), 4.0);
    assert!(
        basis_of(&it, &[("satisfaction", Value::Rate(0.95))]).contains("95%，得分 = 0.95×4 = 3.8")
    );
}

const WEIGHTED: &str = r#"
id = "T6.1"
category = "c"
indicator = "i"
content = "x"
max = 6
source = "web+sub"
field = [
  { name = "due", type = "int", label = "应报" },
  { name = "reported", type = "int", label = "已报" },
  { name = "compliant", type = "int", label = "合规" },
  { name = "timely", type = "int", label = "及时" },
]
rule = { kind = "weighted_rates", terms = [
  { numerator = "reported", denominator = "due", weight = 2 },
  { numerator = "compliant", denominator = "reported", weight = 2 },
  { numerator = "timely", denominator = "reported", weight = 2 },
], when_zero = [{ field = "due", score = 6 }, { field = "reported", score = 0 }] }
"#;

#[test]
fn weighted_rates_seed_example_and_zero_rules_read_lazily() {
    let it = item(WEIGHTED);
    let all = [
        ("due", Value::Int(100)),
        ("reported", Value::Int(90)),
        ("compliant", Value::Int(90)),
        ("timely", Value::Int(72)),
    ];
    close(score_of(&it, &all), 5.4);
    assert!(basis_of(&it, &all).contains("得分 = 2×0.9 + 2×1 + 2×0.8 = 5.4"));
    close(score_of(&it, &[("due", Value::Int(0))]), 6.0);
    close(
        score_of(&it, &[("due", Value::Int(10)), ("reported", Value::Int(0))]),
        0.0,
    );
    assert_eq!(
        eval(&it, &[("due", Value::Int(10)), ("reported", Value::Int(5))]),
        Err(Absent)
    );
    assert_eq!(eval(&it, &all[1..]), Err(Absent));
}

#[test]
fn deduction_with_floor() {
    let t = r#"
id = "D3"
category = "c"
indicator = "i"
content = "x"
max = 6
source = "web"
field = [{ name = "failures", type = "int", label = "被通报次数" }]
rule = { kind = "deduction", field = "failures", per = 2, floor = 0 }
"#;
    let it = item(t);
    close(score_of(&it, &[("failures", Value::Int(2))]), 2.0);
    assert_eq!(
        basis_of(&it, &[("failures", Value::Int(2))]),
        "被通报次数 2，得分 = 6 − 2×2 = 2"
    );
    close(score_of(&it, &[("failures", Value::Int(4))]), 0.0);
    assert!(basis_of(&it, &[("failures", Value::Int(4))]).contains("= -2，不低于 0，得 0"));
    close(score_of(&it, &[("failures", Value::Int(u64::MAX))]), 0.0);
}

const TIERS: &str = r#"
id = "T13"
category = "c"
indicator = "i"
content = "x"
max = 6
source = "web+sub"
field = [
  { name = "dishonest_new", type = "int", label = "新增失信" },
  { name = "executed_unresolved", type = "int", label = "未履行" },
  { name = "executed_resolved", type = "int", label = "已履行" },
]
rule = { kind = "tiers", otherwise = 6, otherwise_label = "无", tiers = [
  { when = [{ field = "dishonest_new", op = "gt", value = 0 }], score = 0, label = "新增失信被执行人" },
  { when = [{ field = "executed_unresolved", op = "gt", value = 0 }], score = 2, label = "一个月内未履行" },
  { when = [{ field = "executed_resolved", op = "gt", value = 0 }], score = 4, label = "一个月内已履行" },
] }
"#;

#[test]
fn tiers_first_match_wins_and_reads_lazily() {
    let it = item(TIERS);
    let z = || Value::Int(0);
    let one = || Value::Int(1);
    close(
        score_of(
            &it,
            &[
                ("dishonest_new", z()),
                ("executed_unresolved", one()),
                ("executed_resolved", z()),
            ],
        ),
        2.0,
    );
    close(score_of(&it, &[("dishonest_new", one())]), 0.0);
    close(
        score_of(
            &it,
            &[
                ("dishonest_new", z()),
                ("executed_unresolved", z()),
                ("executed_resolved", one()),
            ],
        ),
        4.0,
    );
    close(
        score_of(
            &it,
            &[
                ("dishonest_new", z()),
                ("executed_unresolved", z()),
                ("executed_resolved", z()),
            ],
        ),
        6.0,
    );
    assert_eq!(
        eval(&it, &[("dishonest_new", z()), ("executed_resolved", one())]),
        Err(Absent)
    );
    let basis = basis_of(
        &it,
        &[
            ("dishonest_new", z()),
            ("executed_unresolved", Value::Int(3)),
        ],
    );
    assert_eq!(basis, "一个月内未履行（未履行 3），得分 2");
}

#[test]
fn tiers_compare_two_fields() {
    let t = r#"
id = "T12"
category = "c"
indicator = "i"
content = "x"
max = 5
source = "web+sub"
field = [{ name = "cases", type = "int", label = "案例数" }, { name = "handled", type = "int", label = "已处理" }]
rule = { kind = "tiers", otherwise = 0, otherwise_label = "有未处理", tiers = [
  { when = [{ field = "cases", op = "eq", value = 0 }], score = 5, label = "无案例" },
  { when = [{ field = "handled", op = "ge", other = "cases" }], score = 3, label = "均已处理" },
] }
"#;
    let it = item(t);
    close(score_of(&it, &[("cases", Value::Int(0))]), 5.0);
    close(
        score_of(&it, &[("cases", Value::Int(2)), ("handled", Value::Int(2))]),
        3.0,
    );
    close(
        score_of(&it, &[("cases", Value::Int(2)), ("handled", Value::Int(1))]),
        0.0,
    );
    assert!(
        basis_of(&it, &[("cases", Value::Int(2)), ("handled", Value::Int(2))])
            .contains("已处理 2 ≥ 案例数 2")
    );
}

const BANDS: &str = r#"
id = "B"
category = "c"
indicator = "i"
content = "x"
max = 2
source = "sub"
field = [{ name = "n", type = "int", label = "企业数" }, { name = "a", type = "int", label = "甲" }, { name = "b", type = "int", label = "乙" }]
rule = { kind = "bands", values = ["a", "b"], denominator = "n", when_zero = 1, bands = [
  { min = 1.0, score = 1.0 }, { min = 0.8, score = 0.8 }, { min = 0.6, score = 0.6 }, { min = 0.4, score = 0.4 }, { min = 0.2, score = 0.2 },
] }
"#;

#[test]
fn bands_with_a_denominator_at_the_edges() {
    let it = item(BANDS);
    let s = |n, a, b| {
        score_of(
            &it,
            &[
                ("n", Value::Int(n)),
                ("a", Value::Int(a)),
                ("b", Value::Int(b)),
            ],
        )
    };
    close(s(100, 100, 80), 1.8);
    close(s(100, 99, 79), 0.8 + 0.6);
    close(s(100, 20, 19), 0.2);
    close(s(10, 30, 0), 1.0);
    close(score_of(&it, &[("n", Value::Int(0))]), 2.0);
    assert_eq!(
        eval(&it, &[("n", Value::Int(5)), ("a", Value::Int(1))]),
        Err(Absent)
    );
}

#[test]
fn band_edges_of_rates() {
    let bands: Vec<crate::config::catalog::Band> =
        [(0.95, 1.0), (0.9, 0.8), (0.8, 0.6), (0.7, 0.4), (0.6, 0.2)]
            .iter()
            .map(|&(min, score)| crate::config::catalog::Band { min, score })
            .collect();
    assert_eq!(band_score(&bands, 0.95), 1.0);
    assert_eq!(band_score(&bands, 0.9499), 0.8);
    assert_eq!(band_score(&bands, 0.9), 0.8);
    assert_eq!(band_score(&bands, 0.7), 0.4);
    assert_eq!(band_score(&bands, 0.6), 0.2);
    assert_eq!(band_score(&bands, 0.5999), 0.0);
    // 7/10 computed is the same band as the literal 0.7.
    assert_eq!(band_score(&bands, 7.0 / 10.0), 0.4);
}

const DEADLINE: &str = r#"
id = "T2.2"
category = "c"
indicator = "i"
content = "x"
max = 2
source = "web+sub"
field = [{ name = "formulated", type = "bool", label = "已制定" }, { name = "published_on", type = "date", label = "公布日期" }]
rule = { kind = "deadline", flag = "formulated", date = "published_on", flag_points = 1, on_time_points = 1, deadline = "03-31" }
"#;

#[test]
fn deadline_on_time_late_and_not_formulated() {
    let it = item(DEADLINE);
    let d = |m, day| Value::Date(NaiveDate::from_ymd_opt(2023, m, day).unwrap());
    close(
        score_of(
            &it,
            &[
                ("formulated", Value::Bool(true)),
                ("published_on", d(3, 31)),
            ],
        ),
        2.0,
    );
    close(
        score_of(
            &it,
            &[("formulated", Value::Bool(true)), ("published_on", d(4, 1))],
        ),
        1.0,
    );
    close(score_of(&it, &[("formulated", Value::Bool(false))]), 0.0);
    assert_eq!(eval(&it, &[("formulated", Value::Bool(true))]), Err(Absent));
    assert_eq!(eval(&it, &[("published_on", d(3, 1))]), Err(Absent));
    let basis = basis_of(
        &it,
        &[("formulated", Value::Bool(true)), ("published_on", d(4, 1))],
    );
    assert!(basis.contains("晚于截止日 2023-03-31"), "{basis}");
}

const COHORT: &str = r#"
id = "D5"
category = "c"
indicator = "i"
content = "x"
max = 6
source = "web+sub"
field = [{ name = "due", type = "int", label = "应报" }, { name = "late", type = "int", label = "迟报" }, { name = "missing", type = "int", label = "漏报" }]
rule = { kind = "cohort_rank", numerators = ["late", "missing"], denominator = "due" }
"#;

#[test]
fn cohort_rank_rate_and_zero_shortcut() {
    let it = item(COHORT);
    let r = eval(
        &it,
        &[
            ("due", Value::Int(100)),
            ("late", Value::Int(5)),
            ("missing", Value::Int(5)),
        ],
    );
    assert!(
        matches!(r, Ok(Outcome::Ranked { rate, .. }) if (rate - 0.1).abs() < 1e-12),
        "{r:?}"
    );
    // Nothing late or missing: full marks without the denominator.
    close(
        score_of(&it, &[("late", Value::Int(0)), ("missing", Value::Int(0))]),
        6.0,
    );
    // A positive count over a zero base ranks as rate 1.
    let r = eval(
        &it,
        &[
            ("due", Value::Int(0)),
            ("late", Value::Int(1)),
            ("missing", Value::Int(0)),
        ],
    );
    assert!(
        matches!(r, Ok(Outcome::Ranked { rate, .. }) if rate == 1.0),
        "{r:?}"
    );
    assert_eq!(
        eval(&it, &[("late", Value::Int(1)), ("missing", Value::Int(0))]),
        Err(Absent)
    );
}

#[test]
fn reads_lists_each_field_once_in_reading_order() {
    assert_eq!(
        reads(&item(WEIGHTED).rule),
        vec!["due", "reported", "compliant", "timely"]
    );
    assert_eq!(reads(&item(COHORT).rule), vec!["late", "missing", "due"]);
    assert_eq!(reads(&item(RATE).rule), vec!["cases", "lost"]);
}

#[test]
fn display_helpers() {
    assert_eq!(show(20.0 / 3.0), "6.67");
    assert_eq!(show(2.0), "2");
    assert_eq!(show(3.75), "3.75");
    assert_eq!(pct(1.0 / 3.0), "33.33%");
    assert_eq!(num(0.25), "0.25");
}
