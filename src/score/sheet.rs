//! Assembling a unit's sheet around the item scores: the facts used with their provenance,
//! discrepancies between a submission and the web, category subtotals, the total, and the rank
//! within the kind.

use crate::config::{Catalog, FieldSpec, Item};
use crate::fact::{Fact, Origin, ResolvedFact, Verification};

use super::{CategoryScore, Discrepancy, FactUse, OverriddenFact, Status, UnitSheet};

pub(crate) fn verification_label(v: Verification) -> &'static str {
    match v {
        Verification::Consistent => "一致",
        Verification::Unverified => "未核实",
        Verification::Contradicted => "与网络监测不符",
    }
}

pub(crate) fn fact_use(spec: &FieldSpec, r: &ResolvedFact) -> FactUse {
    FactUse {
        field: spec.name.clone(),
        label: spec.label.clone(),
        value: r.used.value.clone(),
        display: r.used.value.to_string(),
        origin: r.used.provenance.origin(),
        description: r.used.provenance.describe(),
        provenance: r.used.provenance.clone(),
        verification: r.verification,
        verification_label: verification_label(r.verification).to_string(),
        overridden: r
            .overridden
            .iter()
            .map(|f| OverriddenFact {
                value: f.value.clone(),
                display: f.value.to_string(),
                origin: f.provenance.origin(),
                description: f.provenance.describe(),
                provenance: f.provenance.clone(),
            })
            .collect(),
    }
}

/// The submission and web facts of a contradicted field (the first of each, by precedence order).
pub(crate) fn discrepancy(item: &Item, spec: &FieldSpec, r: &ResolvedFact) -> Option<Discrepancy> {
    if r.verification != Verification::Contradicted {
        return None;
    }
    let all = || std::iter::once(&r.used).chain(&r.overridden);
    let of = |o: Origin| all().find(|f: &&Fact| f.provenance.origin() == o);
    let (sub, web) = (of(Origin::Submission)?, of(Origin::Web)?);
    Some(Discrepancy {
        item: item.id.clone(),
        field: spec.name.clone(),
        label: spec.label.clone(),
        submitted: sub.value.to_string(),
        web: web.value.to_string(),
        submitted_from: sub.provenance.describe(),
        web_from: web.provenance.describe(),
    })
}

/// `label（name）、…` for the named fields of an item.
pub(crate) fn labels(item: &Item, names: &[String]) -> String {
    names
        .iter()
        .map(|n| match item.field(n) {
            Some(f) => format!("{}（{n}）", f.label),
            None => n.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Category subtotals, total, maximum of the scored items and the missing count.
pub(crate) fn tally(u: &mut UnitSheet, catalog: &Catalog) {
    u.categories = catalog
        .categories
        .iter()
        .map(|c| {
            let scored = u
                .items
                .iter()
                .filter(|i| i.category == c.name && i.status == Status::Scored);
            CategoryScore {
                name: c.name.clone(),
                score: sum(scored.clone().filter_map(|i| i.score)),
                max: c.max,
                max_scored: sum(scored.map(|i| i.max)),
            }
        })
        .collect();
    u.total = sum(u.items.iter().filter_map(|i| i.score));
    u.max_scored = sum(u
        .items
        .iter()
        .filter(|i| i.status == Status::Scored)
        .map(|i| i.max));
    u.missing = u
        .items
        .iter()
        .filter(|i| i.status == Status::Missing)
        .count();
}

/// Sum starting at +0.0: `Iterator::sum` of no floats is −0.0, which would show as "-0.00".
fn sum(xs: impl Iterator<Item = f64>) -> f64 {
    xs.fold(0.0, |a, b| a + b)
}

/// Competition ranking (1, 2, 2, 4) by total within each kind; orders units by kind, rank, id.
pub(crate) fn rank_within_kind(units: &mut [UnitSheet]) {
    units.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| rank_key(b.total).cmp(&rank_key(a.total)))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut start = 0;
    for i in 0..units.len() {
        if i > 0 && units[i].kind != units[i - 1].kind {
            start = i;
        }
        units[i].rank = if i > start && rank_key(units[i - 1].total) == rank_key(units[i].total) {
            units[i - 1].rank
        } else {
            i - start + 1
        };
    }
}

/// Totals compared in millionths of a point, so 0.1 + 0.2 ties with 0.3 and sorting stays a
/// total order (a tolerance comparison would not be transitive).
fn rank_key(total: f64) -> i64 {
    (total * 1e6).round() as i64
}
