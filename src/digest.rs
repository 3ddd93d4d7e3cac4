//! Change digests: after each pipeline run, what changed since the previous one — evidence that
//! is new, changed or gone (from the classification's [`EvidenceChanges`] and the records before
//! and after) and every item score that moved, with the old and new basis and the facts that
//! changed under it. The scores of each run are kept as a [`ScoreSnapshot`] so the next run has
//! something to compare with; both are stored by run id (`src/store/digests.rs`). Rendering is
//! 简体中文 text or JSON for `govtrust digest`; alerts (`src/alert.rs`) read the same record.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Project;
use crate::evidence::model::{Evidence, Finding, Status};
use crate::fact::{Origin, Value};
use crate::score::Scoreboard;
use crate::store::evidence::{EvidenceChanges, EvidenceFilter};
use crate::store::{Store, StoreError};

/// The scores of one run, kept to compare the next run with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSnapshot {
    pub run: u64,
    pub period: String,
    pub taken_at: DateTime<Utc>,
    pub units: Vec<UnitSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitSnapshot {
    pub id: String,
    pub name: String,
    pub total: f64,
    pub rank: usize,
    pub items: Vec<ItemSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSnapshot {
    pub id: String,
    pub content: String,
    pub score: Option<f64>,
    pub basis: String,
    pub facts: Vec<FactSnapshot>,
}

/// One fact an item score used: its value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactSnapshot {
    pub field: String,
    pub label: String,
    pub value: Value,
    pub display: String,
    pub source: String,
    /// The web-monitoring value of the field, whether or not it is the one used.
    #[serde(default)]
    pub web: Option<Value>,
}

/// The web value among the used and overridden facts of a field.
fn web_value(f: &crate::score::FactUse) -> Option<Value> {
    if f.origin == Origin::Web {
        return Some(f.value.clone());
    }
    f.overridden
        .iter()
        .find(|o| o.origin == Origin::Web)
        .map(|o| o.value.clone())
}

impl ScoreSnapshot {
    pub fn of(board: &Scoreboard, run: u64, taken_at: DateTime<Utc>) -> ScoreSnapshot {
        let units = board
            .units
            .iter()
            .map(|u| UnitSnapshot {
                id: u.id.clone(),
                name: u.name.clone(),
                total: u.total,
                rank: u.rank,
                items: u
                    .items
                    .iter()
                    .map(|i| ItemSnapshot {
                        id: i.id.clone(),
                        content: i.content.clone(),
                        score: i.score,
                        basis: i.basis.clone(),
                        facts: i
                            .facts
                            .iter()
                            .map(|f| FactSnapshot {
                                field: f.field.clone(),
                                label: f.label.clone(),
                                value: f.value.clone(),
                                display: f.display.clone(),
                                source: f.description.clone(),
                                web: web_value(f),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        ScoreSnapshot {
            run,
            period: board.period.clone(),
            taken_at,
            units,
        }
    }
}

/// What changed in one run against the previous run that has a score snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub run: u64,
    /// The run compared with; `None` for the first digested run.
    pub previous_run: Option<u64>,
    pub period: String,
    pub created_at: DateTime<Utc>,
    pub new_evidence: Vec<EvidenceEntry>,
    pub changed_evidence: Vec<EvidenceChange>,
    pub gone_evidence: Vec<EvidenceEntry>,
    /// Items whose score moved, by unit then item.
    pub score_moves: Vec<ScoreMove>,
    /// Units whose total or rank moved.
    pub total_moves: Vec<TotalMove>,
    /// Web-monitoring facts that changed, whether or not a score moved.
    #[serde(default)]
    pub web_fact_moves: Vec<WebFactMove>,
    /// Units whose website inspection newly hit (or no longer hits) a veto item.
    #[serde(default)]
    pub inspection_moves: Vec<InspectionMove>,
}

/// One piece of evidence as the digest shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    pub id: String,
    pub unit: String,
    pub unit_name: String,
    pub item: String,
    pub rule: String,
    pub finding: Finding,
    pub status: Status,
    pub title: String,
    pub url: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceChange {
    pub before: EvidenceEntry,
    pub after: EvidenceEntry,
    /// What differs: 发现内容, 快照, 文档.
    pub what: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreMove {
    pub unit: String,
    pub unit_name: String,
    pub item: String,
    pub content: String,
    pub old: Option<f64>,
    pub new: Option<f64>,
    pub old_basis: String,
    pub new_basis: String,
    pub facts: Vec<FactMove>,
}

/// A fact of an item whose value appeared, changed or disappeared between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactMove {
    pub field: String,
    pub label: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub old_display: Option<String>,
    pub new_display: Option<String>,
    pub new_source: Option<String>,
}

/// A web-monitoring fact of one unit and item that appeared, changed or disappeared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebFactMove {
    pub unit: String,
    pub unit_name: String,
    pub item: String,
    pub content: String,
    pub field: String,
    pub label: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalMove {
    pub unit: String,
    pub unit_name: String,
    pub old_total: f64,
    pub new_total: f64,
    pub old_rank: usize,
    pub new_rank: usize,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.new_evidence.is_empty()
            && self.changed_evidence.is_empty()
            && self.gone_evidence.is_empty()
            && self.score_moves.is_empty()
            && self.total_moves.is_empty()
            && self.web_fact_moves.is_empty()
            && self.inspection_moves.is_empty()
    }
}

/// The period's evidence before classification, by id: what `record` needs to describe the
/// evidence that a run changed or removed.
pub fn evidence_before(
    project: &Project,
    store: &Store,
) -> Result<BTreeMap<String, Evidence>, StoreError> {
    Ok(store
        .evidence_list(&EvidenceFilter {
            period: Some(project.period.id.clone()),
            ..Default::default()
        })?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect())
}

/// Computes the digest of `run` from the evidence changes and the new scores, compares with the
/// latest score snapshot of an earlier run, adds the inspection's moves, and stores both the new
/// snapshot and the digest.
///
/// A crawl run that was interrupted and resumed is digested once per attempt under the same run
/// id: the evidence part of an attempt's digest is merged into the one already stored (see
/// [`merge`]), and the score part always compares with the previous run.
#[allow(clippy::too_many_arguments)]
pub fn record(
    project: &Project,
    store: &Store,
    run: u64,
    changes: &EvidenceChanges,
    before: &BTreeMap<String, Evidence>,
    board: &Scoreboard,
    inspection_moves: Vec<InspectionMove>,
    now: DateTime<Utc>,
) -> Result<Digest, StoreError> {
    let mut after = BTreeMap::new();
    for id in changes.new.iter().chain(&changes.changed) {
        if let Some(e) = store.evidence(id)? {
            after.insert(id.clone(), e);
        }
    }
    let snapshot = ScoreSnapshot::of(board, run, now);
    let previous = store.score_snapshot_before(run)?;
    let mut digest = compute(
        project,
        run,
        changes,
        before,
        &after,
        previous.as_ref(),
        &snapshot,
        now,
    );
    digest.inspection_moves = inspection_moves;
    if let Some(earlier) = store.digest(Some(run))? {
        digest = merge(&earlier, digest);
    }
    store.put_digest(&snapshot, &digest)?;
    Ok(digest)
}

/// The evidence changes of two attempts of one run as one: evidence new in either and not gone
/// since is new; gone in either and not back is gone; changed in either and neither new nor gone
/// is changed (its `before` from the first attempt). Score parts are `later`'s.
pub fn merge(earlier: &Digest, later: Digest) -> Digest {
    use std::collections::BTreeSet;
    let later_new: BTreeSet<&str> = later.new_evidence.iter().map(|e| e.id.as_str()).collect();
    let later_gone: BTreeSet<&str> = later.gone_evidence.iter().map(|e| e.id.as_str()).collect();
    let earlier_new: BTreeSet<&str> = earlier.new_evidence.iter().map(|e| e.id.as_str()).collect();
    let earlier_gone: BTreeMap<&str, &EvidenceEntry> = earlier
        .gone_evidence
        .iter()
        .map(|e| (e.id.as_str(), e))
        .collect();

    let mut new: Vec<EvidenceEntry> = Vec::new();
    let mut changed: Vec<EvidenceChange> = Vec::new();
    let mut gone: Vec<EvidenceEntry> = Vec::new();
    // Evidence new in the first attempt: still new unless gone again (then it never existed for
    // the previous run); a later change keeps it new with its latest record.
    for e in &earlier.new_evidence {
        if later_gone.contains(e.id.as_str()) {
            continue;
        }
        let latest = later
            .changed_evidence
            .iter()
            .find(|c| c.after.id == e.id)
            .map(|c| c.after.clone());
        new.push(latest.unwrap_or_else(|| e.clone()));
    }
    for e in &later.new_evidence {
        match earlier_gone.get(e.id.as_str()) {
            // Gone in the first attempt and back now: changed at most, compared with the original.
            Some(orig) => {
                if orig.finding != e.finding || orig.url != e.url {
                    changed.push(EvidenceChange {
                        before: (*orig).clone(),
                        after: e.clone(),
                        what: vec!["发现内容".to_string()],
                    });
                }
            }
            None => new.push(e.clone()),
        }
    }
    for e in &earlier.gone_evidence {
        if !later_new.contains(e.id.as_str()) {
            gone.push(e.clone());
        }
    }
    for e in &later.gone_evidence {
        if !earlier_new.contains(e.id.as_str()) {
            // A record changed in the first attempt and now gone: report it with its original.
            let orig = earlier
                .changed_evidence
                .iter()
                .find(|c| c.after.id == e.id)
                .map(|c| c.before.clone());
            gone.push(orig.unwrap_or_else(|| e.clone()));
        }
    }
    let skip: BTreeSet<String> = new.iter().chain(&gone).map(|e| e.id.clone()).collect();
    for c in earlier
        .changed_evidence
        .iter()
        .chain(&later.changed_evidence)
    {
        if skip.contains(&c.after.id) {
            continue;
        }
        match changed.iter_mut().find(|x| x.after.id == c.after.id) {
            Some(x) => {
                x.after = c.after.clone();
                for w in &c.what {
                    if !x.what.contains(w) {
                        x.what.push(w.clone());
                    }
                }
            }
            None => changed.push(c.clone()),
        }
    }
    let key = |e: &EvidenceEntry| (e.unit.clone(), e.item.clone(), e.id.clone());
    new.sort_by_key(key);
    gone.sort_by_key(key);
    changed.sort_by_key(|c| key(&c.after));
    Digest {
        new_evidence: new,
        changed_evidence: changed,
        gone_evidence: gone,
        ..later
    }
}

/// The digest itself, from records already read (pure, for tests).
#[allow(clippy::too_many_arguments)]
pub fn compute(
    project: &Project,
    run: u64,
    changes: &EvidenceChanges,
    before: &BTreeMap<String, Evidence>,
    after: &BTreeMap<String, Evidence>,
    previous: Option<&ScoreSnapshot>,
    current: &ScoreSnapshot,
    now: DateTime<Utc>,
) -> Digest {
    let entry = |e: &Evidence| EvidenceEntry {
        id: e.id.clone(),
        unit: e.unit.clone(),
        unit_name: project
            .roster
            .get(&e.unit)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| e.unit.clone()),
        item: e.item.clone(),
        rule: e.rule.clone(),
        finding: e.finding.clone(),
        status: e.status,
        title: e.document.title.clone(),
        url: e.document.url.clone(),
        summary: e.summary.clone(),
    };
    let pick = |ids: &[String], from: &BTreeMap<String, Evidence>| -> Vec<EvidenceEntry> {
        let mut v: Vec<EvidenceEntry> = ids
            .iter()
            .filter_map(|id| from.get(id))
            .map(entry)
            .collect();
        v.sort_by(|a, b| (&a.unit, &a.item, &a.id).cmp(&(&b.unit, &b.item, &b.id)));
        v
    };
    let mut changed_evidence: Vec<EvidenceChange> = changes
        .changed
        .iter()
        .filter_map(|id| {
            let (b, a) = (before.get(id)?, after.get(id)?);
            let mut what = Vec::new();
            if b.finding != a.finding {
                what.push("发现内容".to_string());
            }
            if b.snapshot != a.snapshot {
                what.push("快照".to_string());
            }
            if b.document != a.document {
                what.push("文档".to_string());
            }
            Some(EvidenceChange {
                before: entry(b),
                after: entry(a),
                what,
            })
        })
        .collect();
    changed_evidence.sort_by(|a, b| {
        (&a.after.unit, &a.after.item, &a.after.id).cmp(&(
            &b.after.unit,
            &b.after.item,
            &b.after.id,
        ))
    });

    let (score_moves, total_moves, web_fact_moves) = match previous {
        Some(p) => moves(p, current),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    Digest {
        run,
        previous_run: previous.map(|p| p.run),
        period: current.period.clone(),
        created_at: now,
        new_evidence: pick(&changes.new, after),
        changed_evidence,
        gone_evidence: pick(&changes.gone, before),
        score_moves,
        total_moves,
        web_fact_moves,
        inspection_moves: Vec::new(),
    }
}

/// Scores compared in hundredths of a point, the precision the sheets print.
fn same_score(a: Option<f64>, b: Option<f64>) -> bool {
    let k = |x: Option<f64>| x.map(|v| (v * 100.0).round() as i64);
    k(a) == k(b)
}

fn moves(
    old: &ScoreSnapshot,
    new: &ScoreSnapshot,
) -> (Vec<ScoreMove>, Vec<TotalMove>, Vec<WebFactMove>) {
    let old_units: BTreeMap<&str, &UnitSnapshot> =
        old.units.iter().map(|u| (u.id.as_str(), u)).collect();
    let mut new_units: Vec<&UnitSnapshot> = new.units.iter().collect();
    new_units.sort_by(|a, b| a.id.cmp(&b.id));
    let mut items = Vec::new();
    let mut totals = Vec::new();
    let mut web = Vec::new();
    for nu in new_units {
        let Some(ou) = old_units.get(nu.id.as_str()) else {
            continue;
        };
        if !same_score(Some(ou.total), Some(nu.total)) || ou.rank != nu.rank {
            totals.push(TotalMove {
                unit: nu.id.clone(),
                unit_name: nu.name.clone(),
                old_total: ou.total,
                new_total: nu.total,
                old_rank: ou.rank,
                new_rank: nu.rank,
            });
        }
        let old_items: BTreeMap<&str, &ItemSnapshot> =
            ou.items.iter().map(|i| (i.id.as_str(), i)).collect();
        for ni in &nu.items {
            let oi = old_items.get(ni.id.as_str());
            web.extend(web_moves(
                nu,
                ni,
                oi.map(|i| i.facts.as_slice()).unwrap_or(&[]),
            ));
            let old_score = oi.and_then(|i| i.score);
            if same_score(old_score, ni.score) && oi.is_some() {
                continue;
            }
            items.push(ScoreMove {
                unit: nu.id.clone(),
                unit_name: nu.name.clone(),
                item: ni.id.clone(),
                content: ni.content.clone(),
                old: old_score,
                new: ni.score,
                old_basis: oi.map(|i| i.basis.clone()).unwrap_or_default(),
                new_basis: ni.basis.clone(),
                facts: fact_moves(oi.map(|i| i.facts.as_slice()).unwrap_or(&[]), &ni.facts),
            });
        }
    }
    (items, totals, web)
}

fn web_moves(unit: &UnitSnapshot, item: &ItemSnapshot, old: &[FactSnapshot]) -> Vec<WebFactMove> {
    let o: BTreeMap<&str, &FactSnapshot> = old.iter().map(|f| (f.field.as_str(), f)).collect();
    let n: BTreeMap<&str, &FactSnapshot> =
        item.facts.iter().map(|f| (f.field.as_str(), f)).collect();
    let mut fields: Vec<&str> = o.keys().chain(n.keys()).copied().collect();
    fields.sort_unstable();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let (a, b) = (o.get(field), n.get(field));
            let (old, new) = (a.and_then(|f| f.web.clone()), b.and_then(|f| f.web.clone()));
            if old == new {
                return None;
            }
            Some(WebFactMove {
                unit: unit.id.clone(),
                unit_name: unit.name.clone(),
                item: item.id.clone(),
                content: item.content.clone(),
                field: field.to_string(),
                label: b.or(a).map(|f| f.label.clone()).unwrap_or_default(),
                old,
                new,
            })
        })
        .collect()
}

fn fact_moves(old: &[FactSnapshot], new: &[FactSnapshot]) -> Vec<FactMove> {
    let o: BTreeMap<&str, &FactSnapshot> = old.iter().map(|f| (f.field.as_str(), f)).collect();
    let n: BTreeMap<&str, &FactSnapshot> = new.iter().map(|f| (f.field.as_str(), f)).collect();
    let mut fields: Vec<&str> = o.keys().chain(n.keys()).copied().collect();
    fields.sort_unstable();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let (a, b) = (o.get(field), n.get(field));
            if a.map(|f| &f.value) == b.map(|f| &f.value) {
                return None;
            }
            let label = b.or(a).map(|f| f.label.clone()).unwrap_or_default();
            Some(FactMove {
                field: field.to_string(),
                label,
                old: a.map(|f| f.value.clone()),
                new: b.map(|f| f.value.clone()),
                old_display: a.map(|f| f.display.clone()),
                new_display: b.map(|f| f.display.clone()),
                new_source: b.map(|f| f.source.clone()),
            })
        })
        .collect()
}

pub mod inspection;
mod render;
pub mod stored;
pub use inspection::InspectionMove;
pub use render::render_text;

#[cfg(test)]
mod tests;
