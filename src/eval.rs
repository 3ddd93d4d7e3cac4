//! Measured accuracy: the store's web findings against simweb's ground truth — precision and
//! recall per item and field, and per unit the difference between the web-derived item scores
//! and those computed from the truth (same submissions for both).
//!
//! Findings that wait for an analyst (activity candidates) are counted as found here: the
//! question is whether the crawler and the rules found them, not whether someone has reviewed
//! them yet.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Project;
use crate::evidence::facts::{web_facts, Mode};
use crate::fact::{Fact, Origin, Provenance, Value};
use crate::score;
use crate::simweb::Truth;
use crate::store::evidence::EvidenceFilter;
use crate::store::facts::FactsError;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsError),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldAccuracy {
    pub item: String,
    pub field: String,
    /// Fields where the store's value equals the truth's.
    pub correct: usize,
    /// Store values that differ from the truth or that the truth does not hold.
    pub wrong: usize,
    /// Truth values the store has no value for.
    pub missed: usize,
}

impl FieldAccuracy {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.correct + self.wrong)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.correct + self.wrong + self.missed)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// One unit's web-derived item scores from the store and from the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitDifference {
    pub unit: String,
    /// (item, score from the store's facts, score from the truth's facts) where they differ.
    pub differing: Vec<(String, Option<f64>, Option<f64>)>,
    pub items_compared: usize,
}

/// One field whose found value differs from the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub unit: String,
    pub item: String,
    pub field: String,
    pub found: Option<Value>,
    pub truth: Option<Value>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    pub fields: Vec<FieldAccuracy>,
    pub mismatches: Vec<Mismatch>,
    pub units: Vec<UnitDifference>,
}

impl EvalReport {
    /// The lowest precision and recall over all fields.
    pub fn worst(&self) -> (f64, f64) {
        let p = self
            .fields
            .iter()
            .map(FieldAccuracy::precision)
            .fold(1.0, f64::min);
        let r = self
            .fields
            .iter()
            .map(FieldAccuracy::recall)
            .fold(1.0, f64::min);
        (p, r)
    }

    /// Text table for people.
    pub fn render(&self) -> String {
        let mut s =
            String::from("指标   字段                   正确  错误  遗漏  精确率   召回率\n");
        for f in &self.fields {
            s.push_str(&format!(
                "{:<6} {:<22} {:>4}  {:>4}  {:>4}  {:>6.3}  {:>6.3}\n",
                f.item,
                f.field,
                f.correct,
                f.wrong,
                f.missed,
                f.precision(),
                f.recall()
            ));
        }
        for m in &self.mismatches {
            let show = |v: &Option<Value>| {
                v.as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "（无）".into())
            };
            s.push_str(&format!(
                "  不一致 {} {}.{}：监测 {} / 真值 {}\n",
                m.unit,
                m.item,
                m.field,
                show(&m.found),
                show(&m.truth)
            ));
        }
        let (p, r) = self.worst();
        s.push_str(&format!("最低精确率 {p:.3}，最低召回率 {r:.3}\n"));
        let differing: Vec<&UnitDifference> = self
            .units
            .iter()
            .filter(|u| !u.differing.is_empty())
            .collect();
        if differing.is_empty() {
            s.push_str(&format!(
                "全部 {} 个单位的网络监测指标得分与真值一致\n",
                self.units.len()
            ));
        }
        for u in differing {
            for (item, a, b) in &u.differing {
                s.push_str(&format!(
                    "  {} {item}: 监测 {} / 真值 {}\n",
                    u.unit,
                    opt(*a),
                    opt(*b)
                ));
            }
        }
        s
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}"))
        .unwrap_or_else(|| "缺项".into())
}

/// Compares the store with the truth of the night it was crawled from.
pub fn evaluate(
    project: &Project,
    store: &Store,
    truth: &Truth,
    now: DateTime<Utc>,
) -> Result<EvalReport, EvalError> {
    let period = &project.period.id;
    let evidence = store.evidence_list(&EvidenceFilter {
        period: Some(period.clone()),
        ..Default::default()
    })?;
    let coverage = store.coverage(period)?;
    let found = web_facts(
        project,
        &project.rules,
        &evidence,
        &coverage,
        now,
        Mode::Measure,
    );
    let found_map: BTreeMap<(&str, &str, &str), &Value> = found
        .iter()
        .map(|f| {
            (
                (f.unit.as_str(), f.item.as_str(), f.field.as_str()),
                &f.value,
            )
        })
        .collect();

    let mut acc: BTreeMap<(String, String), FieldAccuracy> = BTreeMap::new();
    let mut truth_facts = Vec::new();
    let mut truth_keys = BTreeSet::new();
    let mut mismatches = Vec::new();
    for u in &truth.units {
        for (item, it) in &u.items {
            for (field, value) in &it.fields {
                truth_keys.insert((u.id.clone(), item.clone(), field.clone()));
                let a = acc
                    .entry((item.clone(), field.clone()))
                    .or_insert_with(|| FieldAccuracy {
                        item: item.clone(),
                        field: field.clone(),
                        ..Default::default()
                    });
                let got = found_map.get(&(u.id.as_str(), item.as_str(), field.as_str()));
                match got {
                    Some(v) if *v == value => a.correct += 1,
                    Some(_) => a.wrong += 1,
                    None => a.missed += 1,
                }
                if got != Some(&value) {
                    mismatches.push(Mismatch {
                        unit: u.id.clone(),
                        item: item.clone(),
                        field: field.clone(),
                        found: got.map(|v| (*v).clone()),
                        truth: Some(value.clone()),
                    });
                }
                truth_facts.push(Fact {
                    period: period.clone(),
                    unit: u.id.clone(),
                    item: item.clone(),
                    field: field.clone(),
                    value: value.clone(),
                    provenance: Provenance::Web {
                        evidence: vec!["truth".into()],
                    },
                    recorded_at: now,
                });
            }
        }
    }
    for f in &found {
        if !truth_keys.contains(&(f.unit.clone(), f.item.clone(), f.field.clone())) {
            acc.entry((f.item.clone(), f.field.clone()))
                .or_insert_with(|| FieldAccuracy {
                    item: f.item.clone(),
                    field: f.field.clone(),
                    ..Default::default()
                })
                .wrong += 1;
            mismatches.push(Mismatch {
                unit: f.unit.clone(),
                item: f.item.clone(),
                field: f.field.clone(),
                found: Some(f.value.clone()),
                truth: None,
            });
        }
    }

    // Scores: the same submissions under both, web facts from the store vs from the truth.
    let submitted: Vec<Fact> = store
        .facts()?
        .period_facts(period)?
        .into_iter()
        .filter(|f| f.provenance.origin() == Origin::Submission)
        .collect();
    let with = |web: &[Fact]| {
        let mut all = submitted.clone();
        all.extend(web.iter().cloned());
        score::score(project, &all)
    };
    let from_store = with(&found);
    let from_truth = with(&truth_facts);
    let web_items: BTreeSet<&str> = project
        .rules
        .rules
        .iter()
        .map(|(_, r)| r.item.as_str())
        .collect();
    let mut units = Vec::new();
    for u in &truth.units {
        let (Some(a), Some(b)) = (from_store.unit(&u.id), from_truth.unit(&u.id)) else {
            continue;
        };
        let mut diff = UnitDifference {
            unit: u.id.clone(),
            differing: Vec::new(),
            items_compared: 0,
        };
        for item in u.items.keys().filter(|i| web_items.contains(i.as_str())) {
            let (x, y) = (
                a.item(item).and_then(|i| i.score),
                b.item(item).and_then(|i| i.score),
            );
            diff.items_compared += 1;
            let same = match (x, y) {
                (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            };
            if !same {
                diff.differing.push((item.clone(), x, y));
            }
        }
        units.push(diff);
    }
    Ok(EvalReport {
        fields: acc.into_values().collect(),
        mismatches,
        units,
    })
}
