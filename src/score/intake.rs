//! Sorting the facts of a run into (unit, item, field) groups, and setting aside — with a
//! reason, never silently and never with a panic — every fact that does not fit the roster and
//! the catalogs: an unknown unit, item or field, a value of the wrong type, a number that is not
//! a finite value ≥ 0. (A rate above 1 is kept: the rules clamp rates to [0, 1].)

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Project;
use crate::fact::{Fact, Origin, Provenance, Value};

/// A fact the scorer did not use, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IgnoredFact {
    pub unit: String,
    pub item: String,
    pub field: String,
    pub value: Value,
    pub origin: Origin,
    pub provenance: Provenance,
    pub recorded_at: DateTime<Utc>,
    pub reason: String,
}

/// Facts of one field, highest precedence first, the latest first within one origin.
pub(crate) type FieldFacts = Vec<Fact>;

/// The run's usable facts by unit id → item id → field name.
pub(crate) type Grouped = BTreeMap<String, BTreeMap<String, BTreeMap<String, FieldFacts>>>;

/// Groups the facts of the project's period; facts of other periods are not part of this run.
pub(crate) fn sort_facts(project: &Project, facts: &[Fact]) -> (Grouped, Vec<IgnoredFact>) {
    let mut grouped = Grouped::new();
    let mut ignored = Vec::new();
    for fact in facts.iter().filter(|f| f.period == project.period.id) {
        match check(project, fact) {
            Ok(()) => grouped
                .entry(fact.unit.clone())
                .or_default()
                .entry(fact.item.clone())
                .or_default()
                .entry(fact.field.clone())
                .or_default()
                .push(fact.clone()),
            Err(reason) => ignored.push(IgnoredFact {
                unit: fact.unit.clone(),
                item: fact.item.clone(),
                field: fact.field.clone(),
                value: fact.value.clone(),
                origin: fact.provenance.origin(),
                provenance: fact.provenance.clone(),
                recorded_at: fact.recorded_at,
                reason,
            }),
        }
    }
    // Deterministic whatever order the store returned: precedence, then the newest record, then
    // whatever else the fact carries, so `resolve_field` picks the same fact every run.
    for items in grouped.values_mut() {
        for fields in items.values_mut() {
            for list in fields.values_mut() {
                list.sort_by(|a, b| {
                    b.provenance
                        .rank()
                        .cmp(&a.provenance.rank())
                        .then(b.recorded_at.cmp(&a.recorded_at))
                        .then_with(|| tiebreak(a).cmp(&tiebreak(b)))
                });
            }
        }
    }
    ignored.sort_by_cached_key(|f| {
        let (unit, item, field) = (f.unit.clone(), f.item.clone(), f.field.clone());
        (
            unit,
            item,
            field,
            f.recorded_at,
            format!("{:?}{:?}", f.provenance, f.value),
        )
    });
    (grouped, ignored)
}

/// The last resort of the fact order: everything else the fact carries.
fn tiebreak(f: &Fact) -> String {
    format!("{:?}{:?}", f.provenance, f.value)
}

fn check(project: &Project, fact: &Fact) -> Result<(), String> {
    let unit = project
        .roster
        .get(&fact.unit)
        .ok_or_else(|| format!("名册中没有单位 {}", fact.unit))?;
    let catalog = project
        .catalog(unit.kind)
        .ok_or_else(|| format!("没有适用于{}的指标表", unit.kind.label()))?;
    let item = catalog
        .item(&fact.item)
        .ok_or_else(|| format!("{}中没有指标 {}", catalog.meta.title, fact.item))?;
    let field = item
        .field(&fact.field)
        .ok_or_else(|| format!("指标 {} 没有字段 {}", item.id, fact.field))?;
    if fact.value.ty() != field.ty {
        return Err(format!(
            "字段 {}.{} 应为{}，事实值为{}",
            item.id,
            field.name,
            field.ty.label(),
            fact.value.ty().label()
        ));
    }
    match fact.value {
        Value::Amount(x) | Value::Rate(x) if !x.is_finite() || x < 0.0 => Err(format!(
            "字段 {}.{} 的值 {x} 不是有效的非负数",
            item.id, field.name
        )),
        _ => Ok(()),
    }
}
