//! The scorer: a pure function of catalog + roster + facts → a score sheet per unit.
//!
//! [`score`] sorts the period's facts by unit, item and field ([`intake`]), applies precedence
//! per field (`fact::resolve_field`: manual > web > submission), evaluates each item's rule
//! ([`rules`]), ranks the cohort items among the units of the same kind ([`cohort`]), then sums
//! categories and totals and ranks units within their kind. Scores stay exact `f64` until
//! display. An item with no needed fact is *missing* (score `None`), never zero; see
//! [`rules`] for when a field is needed. [`render`] turns a [`Scoreboard`] into a table, JSON
//! or CSV.

pub mod cohort;
mod intake;
pub mod render;
mod rules;
mod sheet;
pub(crate) mod words;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{FieldSpec, FieldType, Item, Kind, Project, SourceKind};
use crate::fact::{resolve_field, Fact, Origin, Provenance, ResolvedFact, Value, Verification};

pub use intake::IgnoredFact;
use rules::{Absent, Inputs, Outcome};

/// Every unit's sheet for one period, plus the facts that could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scoreboard {
    pub period: String,
    /// Townships then departments; within a kind by rank, ties by unit id.
    pub units: Vec<UnitSheet>,
    pub ignored: Vec<IgnoredFact>,
}

/// One unit's score sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSheet {
    pub id: String,
    /// Full name (桐柏县淮源镇人民政府).
    pub name: String,
    /// Short name for tables (淮源镇).
    pub short: String,
    pub kind: Kind,
    /// Sum of the scored items.
    pub total: f64,
    /// Sum of the maxima of the scored items.
    pub max_scored: f64,
    /// Rank within the kind by total, descending; ties share a rank (1, 2, 2, 4).
    pub rank: usize,
    /// Number of missing items.
    pub missing: usize,
    pub categories: Vec<CategoryScore>,
    pub items: Vec<ItemScore>,
    pub discrepancies: Vec<Discrepancy>,
}

/// A 一级指标 subtotal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    pub name: String,
    pub score: f64,
    pub max: f64,
    /// Sum of the maxima of the category's scored items.
    pub max_scored: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scored,
    Missing,
}

/// One item of a unit's sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemScore {
    pub id: String,
    pub category: String,
    /// 考核内容.
    pub content: String,
    pub max: f64,
    /// `None` exactly when the item is missing.
    pub score: Option<f64>,
    pub status: Status,
    /// The arithmetic in Chinese words.
    pub basis: String,
    /// Fields whose facts the item still needs (empty when scored).
    pub missing_fields: Vec<String>,
    /// The item's fields that have facts, in catalog order.
    pub facts: Vec<FactUse>,
}

/// The fact a field's value rests on, with what it overrode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactUse {
    pub field: String,
    pub label: String,
    pub value: Value,
    /// The value as people read it (是, 95%, 行政强制；行政奖励).
    pub display: String,
    pub origin: Origin,
    /// Provenance in words (单位填报 a.xlsx [依法行政] 第5行).
    pub description: String,
    pub provenance: Provenance,
    pub verification: Verification,
    /// 未核实 / 与网络监测不符 / 一致.
    pub verification_label: String,
    pub overridden: Vec<OverriddenFact>,
}

/// A lower-precedence fact for the same field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverriddenFact {
    pub value: Value,
    pub display: String,
    pub origin: Origin,
    pub description: String,
    pub provenance: Provenance,
}

/// A submitted value that the web contradicts; kept as the unit's claim and listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discrepancy {
    pub item: String,
    pub field: String,
    pub label: String,
    pub submitted: String,
    pub web: String,
    pub submitted_from: String,
    pub web_from: String,
}

impl Scoreboard {
    /// The sheets of one kind only (ranks and cohort scores stay those of the whole run).
    /// Facts ignored for units outside the roster stay listed: they concern every kind.
    pub fn of_kind(&self, kind: Kind) -> Scoreboard {
        self.filtered(|u| u.kind == kind, true)
    }

    /// The sheet of one unit only, by roster id.
    pub fn of_unit(&self, id: &str) -> Scoreboard {
        self.filtered(|u| u.id == id, false)
    }

    pub fn unit(&self, id: &str) -> Option<&UnitSheet> {
        self.units.iter().find(|u| u.id == id)
    }

    fn filtered(&self, keep: impl Fn(&UnitSheet) -> bool, keep_unknown_units: bool) -> Scoreboard {
        let units: Vec<UnitSheet> = self.units.iter().filter(|u| keep(u)).cloned().collect();
        let ignored = self
            .ignored
            .iter()
            .filter(|f| {
                units.iter().any(|u| u.id == f.unit)
                    || (keep_unknown_units && !self.units.iter().any(|u| u.id == f.unit))
            })
            .cloned()
            .collect();
        Scoreboard {
            period: self.period.clone(),
            units,
            ignored,
        }
    }
}

impl UnitSheet {
    pub fn item(&self, id: &str) -> Option<&ItemScore> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// A cohort item waiting for the whole cohort: (unit index, item index, rate, basis so far).
struct Pending {
    unit: usize,
    item: usize,
    rate: f64,
    basis: String,
}

/// Scores every unit of the roster that a catalog covers, from the facts of the project's period.
pub fn score(project: &Project, facts: &[Fact]) -> Scoreboard {
    let (grouped, ignored) = intake::sort_facts(project, facts);
    let year = project.period.year();
    let mut units = Vec::new();
    let mut pending = Vec::new();
    for unit in &project.roster.units {
        let Some(catalog) = project.catalog(unit.kind) else {
            continue;
        };
        let unit_facts = grouped.get(&unit.id);
        let mut items = Vec::new();
        let mut discrepancies = Vec::new();
        for item in &catalog.items {
            let fields = unit_facts.and_then(|f| f.get(&item.id));
            let (scored, rate) = score_item(item, fields, year, &mut discrepancies);
            if let Some((rate, basis)) = rate {
                pending.push(Pending {
                    unit: units.len(),
                    item: items.len(),
                    rate,
                    basis,
                });
            }
            items.push(scored);
        }
        units.push(UnitSheet {
            id: unit.id.clone(),
            name: unit.name.clone(),
            short: unit.short.clone(),
            kind: unit.kind,
            total: 0.0,
            max_scored: 0.0,
            rank: 0,
            missing: 0,
            categories: Vec::new(),
            items,
            discrepancies,
        });
    }
    settle_cohorts(&mut units, pending);
    for u in &mut units {
        if let Some(catalog) = project.catalog(u.kind) {
            sheet::tally(u, catalog);
        }
    }
    sheet::rank_within_kind(&mut units);
    Scoreboard {
        period: project.period.id.clone(),
        units,
        ignored,
    }
}

/// One unit's facts for one item, by field name (`None` when it has none).
type ItemFacts<'a> = Option<&'a BTreeMap<String, intake::FieldFacts>>;

/// Scores one item; a cohort item with a positive rate comes back unscored with its rate.
fn score_item(
    item: &Item,
    fields: ItemFacts,
    year: i32,
    discrepancies: &mut Vec<Discrepancy>,
) -> (ItemScore, Option<(f64, String)>) {
    let web_checks = item.source != SourceKind::Sub;
    let resolved: Vec<(&FieldSpec, ResolvedFact)> = item
        .fields
        .iter()
        .filter_map(|spec| {
            let facts = fields?.get(&spec.name)?;
            resolve_field(facts.clone(), web_checks).map(|r| (spec, r))
        })
        .collect();
    for (spec, r) in &resolved {
        if let Some(d) = sheet::discrepancy(item, spec, r) {
            discrepancies.push(d);
        }
    }
    let mut out = ItemScore {
        id: item.id.clone(),
        category: item.category.clone(),
        content: item.content.clone(),
        max: item.max,
        score: None,
        status: Status::Missing,
        basis: String::new(),
        missing_fields: Vec::new(),
        facts: resolved
            .iter()
            .map(|(spec, r)| sheet::fact_use(spec, r))
            .collect(),
    };
    if resolved.is_empty() {
        out.missing_fields = item.fields.iter().map(|f| f.name.clone()).collect();
        out.basis = format!(
            "无任何事实，未评分（缺：{}）",
            sheet::labels(item, &out.missing_fields)
        );
        return (out, None);
    }
    let values = resolved
        .iter()
        .map(|(spec, r)| (spec.name.as_str(), &r.used.value))
        .collect();
    match rules::evaluate(item, &Inputs::new(item, values), year) {
        Ok(Outcome::Scored { score, basis }) => {
            // Configured points may exceed the max by validation's tolerance; never show more.
            out.score = Some(score.clamp(0.0, item.max));
            out.status = Status::Scored;
            out.basis = basis;
            (out, None)
        }
        Ok(Outcome::Ranked { rate, basis }) => {
            out.status = Status::Scored;
            (out, Some((rate, basis)))
        }
        Err(Absent) => {
            out.missing_fields = rules::reads(&item.rule)
                .into_iter()
                .filter(|name| item.field(name).is_some_and(|f| f.ty != FieldType::List))
                .filter(|name| !resolved.iter().any(|(spec, _)| spec.name == *name))
                .map(str::to_string)
                .collect();
            out.basis = format!(
                "缺少所需事实，未评分（缺：{}）",
                sheet::labels(item, &out.missing_fields)
            );
            (out, None)
        }
    }
}

/// Ranks each cohort item among the units of the same kind and fills in their scores.
fn settle_cohorts(units: &mut [UnitSheet], pending: Vec<Pending>) {
    let mut cohorts: BTreeMap<(Kind, String), Vec<Pending>> = BTreeMap::new();
    for p in pending {
        let key = (units[p.unit].kind, units[p.unit].items[p.item].id.clone());
        cohorts.entry(key).or_default().push(p);
    }
    for ((kind, _), members) in cohorts {
        let rates: Vec<f64> = members.iter().map(|p| p.rate).collect();
        let Some(first) = members.first() else {
            continue;
        };
        let max = units[first.unit].items[first.item].max;
        let scored_in_kind = units
            .iter()
            .filter(|u| u.kind == kind && u.items[first.item].status == Status::Scored)
            .count();
        for (p, placing) in members.iter().zip(cohort::rank(&rates, max)) {
            let item = &mut units[p.unit].items[p.item];
            item.score = Some(placing.score);
            item.basis = format!(
                "{}；本次参评的 {scored_in_kind} 个同类已评分单位中，比率大于 0 的不同比率共 {k} 个，本单位由低到高排第 {i} 位，得分 = {}×({k}−{i})÷{k} = {}（排名取决于本次参评单位）",
                p.basis,
                words::num(max),
                words::show(placing.score),
                k = placing.distinct,
                i = placing.place,
            );
        }
    }
}
