//! Digest computation on hand-made evidence and score snapshots.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::evidence::model::DocRef;

fn project() -> Project {
    Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn ev(id: &str, unit: &str, item: &str, finding: Finding, snapshot: &str) -> Evidence {
    Evidence {
        id: id.into(),
        period: "2023".into(),
        unit: unit.into(),
        item: item.into(),
        rule: format!("{item}.r"),
        finding,
        document: DocRef {
            id: format!("doc-{id}"),
            source: "s".into(),
            title: format!("标题{id}"),
            url: format!("http://www.tongbai.sim/{id}.html"),
            published_on: None,
        },
        snapshot: snapshot.into(),
        fetched_at: None,
        status: Status::Confirmed,
        decision: None,
        summary: format!("摘要{id}"),
    }
}

fn item(id: &str, score: Option<f64>, basis: &str, facts: &[(&str, Value)]) -> ItemSnapshot {
    ItemSnapshot {
        id: id.into(),
        content: format!("内容{id}"),
        score,
        basis: basis.into(),
        facts: facts
            .iter()
            .map(|(f, v)| FactSnapshot {
                field: (*f).into(),
                label: format!("标签{f}"),
                value: v.clone(),
                display: v.to_string(),
                source: "网络监测".into(),
                web: Some(v.clone()),
            })
            .collect(),
    }
}

fn snap(run: u64, total: f64, rank: usize, items: Vec<ItemSnapshot>) -> ScoreSnapshot {
    ScoreSnapshot {
        run,
        period: "2023".into(),
        taken_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        units: vec![UnitSnapshot {
            id: "t-chengguan".into(),
            name: "城关镇".into(),
            total,
            rank,
            items,
        }],
    }
}

#[test]
fn digest_lists_evidence_changes_and_score_moves_with_facts() {
    let p = project();
    let unit = p.roster.units[0].id.clone();
    let case = Finding::Case {
        party: "x".into(),
        relation: "本单位".into(),
        dishonest: true,
        listed_on: NaiveDate::from_ymd_opt(2023, 5, 2).unwrap(),
        resolved_on: None,
        resolved_within_month: false,
        contract: false,
    };
    let before: BTreeMap<String, Evidence> = [
        ev("a", &unit, "T1", Finding::Published, "h1"),
        ev("b", &unit, "T4", Finding::Published, "h2"),
    ]
    .into_iter()
    .map(|e| (e.id.clone(), e))
    .collect();
    let after: BTreeMap<String, Evidence> = [
        ev("a", &unit, "T1", Finding::Published, "h9"),
        ev("c", &unit, "T13", case, "h3"),
    ]
    .into_iter()
    .map(|e| (e.id.clone(), e))
    .collect();
    let changes = EvidenceChanges {
        new: vec!["c".into()],
        changed: vec!["a".into()],
        gone: vec!["b".into()],
        unchanged: 0,
    };
    let old = snap(
        3,
        90.0,
        1,
        vec![
            item(
                "T4",
                Some(2.0),
                "已公示",
                &[("published", Value::Bool(true))],
            ),
            item("T1", Some(1.0), "同", &[]),
        ],
    );
    let new = snap(
        4,
        88.0,
        2,
        vec![
            item(
                "T4",
                Some(0.0),
                "未公示",
                &[("published", Value::Bool(false))],
            ),
            item("T1", Some(1.0), "同", &[]),
        ],
    );
    let now = Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap();
    let d = compute(&p, 4, &changes, &before, &after, Some(&old), &new, now);
    assert_eq!(d.previous_run, Some(3));
    assert_eq!(
        d.new_evidence
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );
    assert_eq!(
        d.gone_evidence
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
    assert_eq!(d.changed_evidence.len(), 1);
    assert_eq!(d.changed_evidence[0].what, vec!["快照".to_string()]);
    assert_eq!(d.new_evidence[0].unit_name, p.roster.units[0].name);
    assert_eq!(d.score_moves.len(), 1, "{:?}", d.score_moves);
    let m = &d.score_moves[0];
    assert_eq!(
        (m.item.as_str(), m.old, m.new),
        ("T4", Some(2.0), Some(0.0))
    );
    assert_eq!(m.facts.len(), 1);
    assert_eq!(m.facts[0].old, Some(Value::Bool(true)));
    assert_eq!(m.facts[0].new, Some(Value::Bool(false)));
    assert_eq!(d.total_moves.len(), 1);
    assert_eq!(d.web_fact_moves.len(), 1);
    assert_eq!(
        (
            d.web_fact_moves[0].item.as_str(),
            d.web_fact_moves[0].new.clone()
        ),
        ("T4", Some(Value::Bool(false)))
    );
    let text = render_text(&d);
    assert!(
        text.contains("新增证据") && text.contains("消失的证据") && text.contains("2.00 → 0.00"),
        "{text}"
    );
    assert!(
        text.contains("原依据：已公示") && text.contains("事实变化：标签published"),
        "{text}"
    );
}

#[test]
fn first_digest_has_no_score_moves() {
    let p = project();
    let s = snap(1, 50.0, 1, vec![item("T1", Some(1.0), "b", &[])]);
    let now = Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap();
    let d = compute(
        &p,
        1,
        &EvidenceChanges::default(),
        &BTreeMap::new(),
        &BTreeMap::new(),
        None,
        &s,
        now,
    );
    assert_eq!(d.previous_run, None);
    assert!(d.is_empty());
    assert!(render_text(&d).contains("首次记录"));
}

#[test]
fn store_keeps_snapshots_and_digests_by_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let p = project();
    let now = Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap();
    for run in [2u64, 5] {
        let s = snap(run, run as f64, 1, vec![]);
        let d = compute(
            &p,
            run,
            &EvidenceChanges::default(),
            &BTreeMap::new(),
            &BTreeMap::new(),
            None,
            &s,
            now,
        );
        store.put_digest(&s, &d).unwrap_or_else(|e| panic!("{e}"));
    }
    let before5 = store
        .score_snapshot_before(5)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(before5.map(|s| s.run), Some(2));
    assert!(store
        .score_snapshot_before(2)
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert_eq!(
        store
            .digest(None)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|d| d.run),
        Some(5)
    );
    assert_eq!(
        store
            .digest(Some(2))
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|d| d.run),
        Some(2)
    );
    assert_eq!(store.digests().unwrap_or_else(|e| panic!("{e}")).len(), 2);
}

#[test]
fn attempts_of_one_run_merge_their_evidence_changes() {
    let p = project();
    let unit = p.roster.units[0].id.clone();
    let now = Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap();
    let s = snap(4, 1.0, 1, vec![]);
    let map = |es: Vec<Evidence>| -> BTreeMap<String, Evidence> {
        es.into_iter().map(|e| (e.id.clone(), e)).collect()
    };
    let e = |id: &str, snapshot: &str| ev(id, &unit, "T1", Finding::Published, snapshot);
    // First attempt: a, b new; c changed; g, h gone.
    let first = compute(
        &p,
        4,
        &EvidenceChanges {
            new: vec!["a".into(), "b".into()],
            changed: vec!["c".into()],
            gone: vec!["g".into(), "h".into()],
            unchanged: 0,
        },
        &map(vec![e("c", "c0"), e("g", "g0"), e("h", "h0")]),
        &map(vec![e("a", "a0"), e("b", "b0"), e("c", "c1")]),
        None,
        &s,
        now,
    );
    // Second attempt: g back unchanged, k new; b and c gone; a changed.
    let second = compute(
        &p,
        4,
        &EvidenceChanges {
            new: vec!["g".into(), "k".into()],
            changed: vec!["a".into()],
            gone: vec!["b".into(), "c".into()],
            unchanged: 0,
        },
        &map(vec![e("a", "a0"), e("b", "b0"), e("c", "c1")]),
        &map(vec![e("g", "g0"), e("k", "k0"), e("a", "a1")]),
        None,
        &s,
        now,
    );
    let m = merge(&first, second);
    let ids = |v: &[EvidenceEntry]| v.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&m.new_evidence), ["a", "k"]);
    assert_eq!(ids(&m.gone_evidence), ["c", "h"]);
    assert!(m.changed_evidence.is_empty(), "{:?}", m.changed_evidence);
}
