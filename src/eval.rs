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
use crate::inspect::FindingKind;
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
    /// The website inspection of the store's last run against the truth's expected one.
    pub inspection: Option<InspectionAccuracy>,
}

/// Found against expected, as sets: what was found and expected, found only, expected only.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SetAccuracy {
    pub what: String,
    pub correct: usize,
    /// Found, not expected (named).
    pub wrong: Vec<String>,
    /// Expected, not found (named).
    pub missed: Vec<String>,
}

impl SetAccuracy {
    fn of(what: &str, found: &BTreeSet<String>, expected: &BTreeSet<String>) -> SetAccuracy {
        SetAccuracy {
            what: what.to_string(),
            correct: found.intersection(expected).count(),
            wrong: found.difference(expected).cloned().collect(),
            missed: expected.difference(found).cloned().collect(),
        }
    }

    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.correct + self.wrong.len())
    }

    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.correct + self.missed.len())
    }
}

/// Predicted 不合格 units and flagged documents against the truth.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InspectionAccuracy {
    /// The run inspected.
    pub run: u64,
    pub failing: SetAccuracy,
    pub backdated: SetAccuracy,
    pub burst: SetAccuracy,
    pub stale_columns: SetAccuracy,
    pub blank_columns: SetAccuracy,
}

impl InspectionAccuracy {
    pub fn sets(&self) -> [&SetAccuracy; 5] {
        [
            &self.failing,
            &self.backdated,
            &self.burst,
            &self.stale_columns,
            &self.blank_columns,
        ]
    }
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
        if let Some(i) = &self.inspection {
            let head = format!("网站检查（第 {} 次运行）", i.run);
            s.push_str(&format!(
                "{}  正确  错误  遗漏  精确率   召回率\n",
                wide(&head, 28)
            ));
            for a in i.sets() {
                s.push_str(&format!(
                    "  {} {:>4}  {:>4}  {:>4}  {:>6.3}  {:>6.3}\n",
                    wide(&a.what, 26),
                    a.correct,
                    a.wrong.len(),
                    a.missed.len(),
                    a.precision(),
                    a.recall()
                ));
                for w in &a.wrong {
                    s.push_str(&format!("    误报 {w}\n"));
                }
                for m in &a.missed {
                    s.push_str(&format!("    漏报 {m}\n"));
                }
            }
        }
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

/// `s` padded to `width` terminal columns (a Chinese character takes two).
fn wide(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
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
        inspection: inspection_accuracy(store, truth)?,
    })
}

/// The stored inspection of the last run against the truth's, when both exist.
fn inspection_accuracy(
    store: &Store,
    truth: &Truth,
) -> Result<Option<InspectionAccuracy>, EvalError> {
    if truth.inspection.is_empty() {
        return Ok(None);
    }
    let Some(run) = store.last_run()? else {
        return Ok(None);
    };
    let Some(report) = store.health(Some(run.id))?.and_then(|(_, h)| h.inspection) else {
        return Ok(None);
    };
    let set = |items: Vec<String>| items.into_iter().collect::<BTreeSet<String>>();
    let expected_failing = set(truth
        .inspection
        .iter()
        .filter(|t| t.result == "不合格")
        .map(|t| t.unit.clone())
        .collect());
    let found_failing = set(report.failing().map(|(id, _)| id.clone()).collect());
    let flagged = |kind: FindingKind| {
        set(report
            .units
            .values()
            .flat_map(|u| u.findings())
            .filter(|f| f.kind == kind)
            .flat_map(|f| f.documents.clone())
            .collect())
    };
    let expected = |pick: &dyn Fn(&crate::simweb::truth::InspectionTruth) -> Vec<String>| {
        set(truth.inspection.iter().flat_map(pick).collect())
    };
    // Columns flagged stale or blank, as `unit/column`; a veto names both kinds, told apart by
    // whether the column had documents.
    let columns = |blank: bool| {
        set(report
            .units
            .iter()
            .flat_map(|(id, u)| {
                let is_blank =
                    |name: &str| u.columns.iter().any(|c| c.name == name && c.documents == 0);
                u.findings()
                    .filter(|f| match f.kind {
                        FindingKind::StaleColumn => !blank,
                        FindingKind::BlankColumn => blank,
                        FindingKind::ColumnsNotUpdated => true,
                        _ => false,
                    })
                    .flat_map(|f| f.columns.iter())
                    .filter(|c| is_blank(c) == blank)
                    .map(|c| format!("{id}/{c}"))
                    .collect::<Vec<_>>()
            })
            .collect())
    };
    let truth_columns = |pick: &dyn Fn(&crate::simweb::truth::InspectionTruth) -> &Vec<String>| {
        set(truth
            .inspection
            .iter()
            .flat_map(|t| {
                pick(t)
                    .iter()
                    .map(|c| format!("{}/{c}", t.unit))
                    .collect::<Vec<_>>()
            })
            .collect())
    };
    Ok(Some(InspectionAccuracy {
        run: report.run,
        failing: SetAccuracy::of("预测不合格单位", &found_failing, &expected_failing),
        backdated: SetAccuracy::of(
            "伪造发稿日期文章",
            &flagged(FindingKind::Backdated),
            &expected(&|t| t.backdated.clone()),
        ),
        burst: SetAccuracy::of(
            "突击更新文章",
            &flagged(FindingKind::Burst),
            &expected(&|t| t.burst.clone()),
        ),
        stale_columns: SetAccuracy::of(
            "超期未更新栏目",
            &columns(false),
            &truth_columns(&|t| &t.stale_columns),
        ),
        blank_columns: SetAccuracy::of(
            "空白栏目",
            &columns(true),
            &truth_columns(&|t| &t.blank_columns),
        ),
    }))
}
