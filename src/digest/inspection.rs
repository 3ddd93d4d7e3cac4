//! The inspection part of a run's digest: units that newly cross a veto threshold of the
//! website inspection (a veto clause hit now and not in the previous run's inspection) and
//! units no longer hitting one. Alerts announce the first kind.

use serde::{Deserialize, Serialize};

use crate::config::Roster;
use crate::inspect::{FindingKind, InspectionReport, Verdict};

/// A veto clause a unit hit, as the digest shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VetoEntry {
    pub kind: FindingKind,
    pub clause: String,
    pub sentence: String,
    /// The first proof's URL (the page to look at).
    pub url: String,
}

/// One unit whose veto items changed between two inspections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionMove {
    pub unit: String,
    pub unit_name: String,
    /// The rule set applied now.
    pub rule_set: String,
    pub before: Option<Verdict>,
    pub after: Verdict,
    /// Veto clauses hit now and not before.
    pub new_vetoes: Vec<VetoEntry>,
    /// Veto clauses hit before and not now.
    pub cleared: Vec<String>,
}

/// The moves from `previous` (none: every veto now is new) to `current`, by unit id.
pub fn moves(
    roster: &Roster,
    previous: Option<&InspectionReport>,
    current: &InspectionReport,
) -> Vec<InspectionMove> {
    let mut out = Vec::new();
    for (id, now) in &current.units {
        let before = previous.and_then(|p| p.units.get(id));
        let had: Vec<FindingKind> = before
            .map(|b| b.vetoes.iter().map(|f| f.kind).collect())
            .unwrap_or_default();
        let new_vetoes: Vec<VetoEntry> = now
            .vetoes
            .iter()
            .filter(|f| !had.contains(&f.kind))
            .map(|f| VetoEntry {
                kind: f.kind,
                clause: f.clause.clone(),
                sentence: f.sentence(),
                url: f
                    .evidence
                    .first()
                    .map(|p| p.url.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let cleared: Vec<String> = before
            .map(|b| {
                b.vetoes
                    .iter()
                    .filter(|f| !now.vetoes.iter().any(|n| n.kind == f.kind))
                    .map(|f| f.clause.clone())
                    .collect()
            })
            .unwrap_or_default();
        if new_vetoes.is_empty() && cleared.is_empty() {
            continue;
        }
        out.push(InspectionMove {
            unit: id.clone(),
            unit_name: roster
                .get(id)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| id.clone()),
            rule_set: current.rule_set.clone(),
            before: before.map(|b| b.result),
            after: now.result,
            new_vetoes,
            cleared,
        });
    }
    out
}
