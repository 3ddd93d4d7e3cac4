//! Property tests of the scorer on the shipped configuration: for arbitrary facts (well-typed or
//! not, for known or unknown units, items and fields, any origin) every item lies in [0, max],
//! a missing item has no score, category subtotals stay within their maxima, totals within 100,
//! ranks within the kind, the result does not depend on fact order, and nothing panics.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use govtrust::config::{FieldType, Kind, Project};
use govtrust::fact::{Fact, Provenance, Value};
use govtrust::score::{score, Scoreboard, Status};
use proptest::prelude::*;

const EPS: f64 = 1e-9;

fn project() -> &'static Project {
    static P: OnceLock<Project> = OnceLock::new();
    P.get_or_init(|| {
        Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Every (unit, item, field, type) the shipped configuration knows.
fn slots() -> &'static Vec<(String, String, String, FieldType)> {
    static S: OnceLock<Vec<(String, String, String, FieldType)>> = OnceLock::new();
    S.get_or_init(|| {
        let p = project();
        let mut v = Vec::new();
        for u in &p.roster.units {
            let Some(c) = p.catalog(u.kind) else { continue };
            for i in &c.items {
                for f in &i.fields {
                    v.push((u.id.clone(), i.id.clone(), f.name.clone(), f.ty));
                }
            }
        }
        v
    })
}

#[derive(Debug, Clone)]
struct Raw {
    slot: usize,
    /// 0–5: well-typed; 6: any value; 7: unknown unit; 8: unknown item; 9: unknown field.
    mode: u8,
    n: u64,
    amount: f64,
    frac: f64,
    flag: bool,
    day: i64,
    list: Vec<String>,
    any: Value,
    origin: u8,
    secs: i64,
}

fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Amount),
        any::<f64>().prop_map(Value::Rate),
        any::<bool>().prop_map(Value::Bool),
        (-2000i64..2000).prop_map(|d| Value::Date(base_date() + Duration::days(d))),
        prop::collection::vec("[a-z]{0,3}|行政强制|政府采购", 0..8).prop_map(Value::List),
    ]
}

fn base_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid date")
}

fn raw() -> impl Strategy<Value = Raw> {
    let names = prop::sample::select(vec![
        "南阳市重大行政决策公示和听证暂行办法",
        "南阳市重大行政决策风险评估办法",
        "行政强制",
        "行政奖励",
        "行政裁决",
        "政府采购",
        "资质审核",
        "活动甲",
        "活动乙",
        "其他",
    ]);
    (
        (
            0..slots().len(),
            0u8..10,
            prop_oneof![0u64..30, any::<u64>()],
            prop_oneof![0.0..1e7f64, Just(0.0)],
        ),
        (
            0.0..=1.0f64,
            any::<bool>(),
            -30i64..400,
            prop::collection::vec(names.prop_map(String::from), 0..40),
        ),
        (any_value(), 0u8..3, 0i64..5),
    )
        .prop_map(
            |((slot, mode, n, amount), (frac, flag, day, list), (any, origin, secs))| Raw {
                slot,
                mode,
                n,
                amount,
                frac,
                flag,
                day,
                list,
                any,
                origin,
                secs,
            },
        )
}

fn to_fact(r: &Raw) -> Fact {
    let (unit, item, field, ty) = slots()[r.slot].clone();
    let typed = match ty {
        FieldType::Int => Value::Int(r.n),
        FieldType::Amount => Value::Amount(r.amount),
        FieldType::Rate => Value::Rate(r.frac),
        FieldType::Bool => Value::Bool(r.flag),
        FieldType::Date => Value::Date(base_date() + Duration::days(r.day)),
        FieldType::List => Value::list(&r.list),
    };
    let (unit, item, field, value) = match r.mode {
        0..=5 => (unit, item, field, typed),
        6 => (unit, item, field, r.any.clone()),
        7 => ("t-nowhere".into(), item, field, typed),
        8 => (unit, "X9".into(), field, typed),
        _ => (unit, item, "bogus".into(), typed),
    };
    let at = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time")
        + Duration::seconds(r.secs);
    let provenance = match r.origin {
        0 => Provenance::Submission {
            file: "s.csv".into(),
            sheet: None,
            row: 2,
            note: None,
        },
        1 => Provenance::Web {
            evidence: vec!["e".into()],
        },
        _ => Provenance::Manual {
            by: "a".into(),
            at,
            reason: "r".into(),
        },
    };
    Fact {
        period: "2023".into(),
        unit,
        item,
        field,
        value,
        provenance,
        recorded_at: at,
    }
}

fn check_bounds(board: &Scoreboard) {
    let p = project();
    assert_eq!(board.units.len(), p.roster.units.len());
    for u in &board.units {
        for i in &u.items {
            match (i.status, i.score) {
                (Status::Scored, Some(s)) => assert!(
                    (0.0..=i.max).contains(&s),
                    "{} {}: {s} of {}",
                    u.id,
                    i.id,
                    i.max
                ),
                (Status::Missing, None) => assert!(
                    !i.missing_fields.is_empty(),
                    "{} {} missing without a field",
                    u.id,
                    i.id
                ),
                other => panic!("{} {}: inconsistent {other:?}", u.id, i.id),
            }
            assert!(!i.basis.is_empty());
        }
        for c in &u.categories {
            assert!(
                c.score >= 0.0 && c.score <= c.max_scored + EPS && c.max_scored <= c.max + EPS,
                "{c:?}"
            );
        }
        let cat_sum: f64 = u.categories.iter().map(|c| c.score).sum();
        assert!((cat_sum - u.total).abs() < 1e-6);
        assert!(
            u.total >= 0.0 && u.total <= u.max_scored + EPS && u.max_scored <= 100.0 + EPS,
            "{}: {}",
            u.id,
            u.total
        );
        let of_kind = p.roster.of_kind(u.kind).count();
        assert!(u.rank >= 1 && u.rank <= of_kind);
    }
    assert!(board
        .units
        .windows(2)
        .all(|w| (w[0].kind, w[0].rank) <= (w[1].kind, w[1].rank)));
    assert_eq!(board.units.first().map(|u| u.kind), Some(Kind::Township));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn scores_stay_in_bounds_for_arbitrary_facts(raws in prop::collection::vec(raw(), 0..160)) {
        let facts: Vec<Fact> = raws.iter().map(to_fact).collect();
        let board = score(project(), &facts);
        check_bounds(&board);
        let mut reversed = facts.clone();
        reversed.reverse();
        prop_assert!(score(project(), &reversed) == board, "the result depends on the order of facts");
    }

    #[test]
    fn a_fully_typed_unit_is_never_missing(n in 0u64..50, frac in 0.0..=1.0f64, flag: bool, day in 0i64..364) {
        // Every field of every item of one township and one department, well typed → all scored.
        let mut facts = Vec::new();
        for (unit, item, field, ty) in slots().iter().filter(|s| s.0 == "t-huaiyuan" || s.0 == "d-czj") {
            let r = Raw { slot: 0, mode: 0, n, amount: n as f64 * 1000.0, frac, flag, day, list: vec!["行政强制".into()], any: Value::Bool(true), origin: 0, secs: 0 };
            let mut f = to_fact(&r);
            (f.unit, f.item, f.field) = (unit.clone(), item.clone(), field.clone());
            f.value = match ty {
                FieldType::Int => Value::Int(n),
                FieldType::Amount => Value::Amount(n as f64 * 1000.0),
                FieldType::Rate => Value::Rate(frac),
                FieldType::Bool => Value::Bool(flag),
                FieldType::Date => Value::Date(base_date() + Duration::days(day)),
                FieldType::List => Value::list(["行政强制"]),
            };
            facts.push(f);
        }
        let board = score(project(), &facts);
        check_bounds(&board);
        for id in ["t-huaiyuan", "d-czj"] {
            let u = board.unit(id).expect("unit");
            prop_assert_eq!(u.missing, 0, "{:?}", u.items.iter().filter(|i| i.score.is_none()).map(|i| &i.basis).collect::<Vec<_>>());
            prop_assert!(board.ignored.is_empty());
        }
    }
}
