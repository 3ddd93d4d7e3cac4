//! From evidence to web facts: per rule and unit, the field values the counted evidence yields
//! (confirmed only: candidates wait for an analyst, rejected ones never count), and the negative
//! findings for units the crawl covered without evidence.
//!
//! Rules that need review (activities) state no negative finding: an activity not reported
//! online may still have happened, so a unit without confirmed evidence keeps its submitted
//! value (未核实) rather than being told "none". [`Mode::Measure`] (accuracy against a known
//! truth) counts candidates as found and states every negative finding.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::config::rules::{CourtYield, RecordYield, RuleKind, RuleSet};
use crate::config::Project;
use crate::fact::{Fact, Provenance, Value};

use super::classify::Coverage;
use super::model::{Evidence, Finding, Status};

/// Which evidence counts and which negative findings are stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Scoring: confirmed evidence only; no negative findings for rules that need review.
    Score,
    /// Measuring against a truth: candidates count as found; every negative finding is stated.
    Measure,
}

/// The web facts of a period.
pub fn web_facts(
    project: &Project,
    rules: &RuleSet,
    evidence: &[Evidence],
    coverage: &Coverage,
    now: DateTime<Utc>,
    mode: Mode,
) -> Vec<Fact> {
    let counts = |e: &Evidence| match mode {
        Mode::Score => e.counts(),
        Mode::Measure => e.status != Status::Rejected,
    };
    let mut by_rule_unit: BTreeMap<(&str, &str), Vec<&Evidence>> = BTreeMap::new();
    for e in evidence
        .iter()
        .filter(|e| counts(e) && e.period == project.period.id)
    {
        by_rule_unit
            .entry((e.rule.as_str(), e.unit.as_str()))
            .or_default()
            .push(e);
    }
    let mut out = Vec::new();
    for (_, rule) in &rules.rules {
        let negatives = !(rule.review && mode == Mode::Score);
        let mut units: BTreeSet<&str> = match coverage.by_rule.get(&rule.id) {
            Some(s) if negatives => s.iter().map(String::as_str).collect(),
            _ => BTreeSet::new(),
        };
        units.extend(
            by_rule_unit
                .keys()
                .filter(|(r, _)| *r == rule.id)
                .map(|(_, u)| *u),
        );
        for unit in units {
            let found: &[&Evidence] = by_rule_unit
                .get(&(rule.id.as_str(), unit))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let ids: Vec<String> = found.iter().map(|e| e.id.clone()).collect();
            let mut push = |field: &str, value: Value| {
                out.push(Fact {
                    period: project.period.id.clone(),
                    unit: unit.to_string(),
                    item: rule.item.clone(),
                    field: field.to_string(),
                    value,
                    provenance: Provenance::Web {
                        evidence: ids.clone(),
                    },
                    recorded_at: now,
                })
            };
            match &rule.find {
                RuleKind::PublishedList { field, .. } => {
                    push(field, Value::Bool(!found.is_empty()))
                }
                RuleKind::CityDocuments {
                    repost_field,
                    local_field,
                    ..
                } => {
                    push(
                        repost_field,
                        Value::list(found.iter().filter_map(|e| match &e.finding {
                            Finding::Repost { document } => Some(document.as_str()),
                            _ => None,
                        })),
                    );
                    push(
                        local_field,
                        Value::list(found.iter().filter_map(|e| match &e.finding {
                            Finding::Local { document } => Some(document.as_str()),
                            _ => None,
                        })),
                    );
                }
                RuleKind::DecisionCatalog {
                    flag_field,
                    date_field,
                    ..
                } => {
                    push(flag_field, Value::Bool(!found.is_empty()));
                    let first = found
                        .iter()
                        .filter_map(|e| match &e.finding {
                            Finding::Catalog { published_on } => *published_on,
                            _ => None,
                        })
                        .min();
                    if let Some(d) = first {
                        push(date_field, Value::Date(d));
                    }
                }
                RuleKind::Notice {
                    field,
                    handled_field,
                    ..
                } => {
                    let notices: BTreeSet<&str> =
                        found.iter().map(|e| e.document.id.as_str()).collect();
                    push(field, Value::Int(notices.len() as u64));
                    if let Some(h) = handled_field {
                        let handled: BTreeSet<&str> = found
                            .iter()
                            .filter(|e| matches!(e.finding, Finding::Named { handled: true, .. }))
                            .map(|e| e.document.id.as_str())
                            .collect();
                        push(h, Value::Int(handled.len() as u64));
                    }
                }
                RuleKind::Records { yields, .. } => {
                    let records: Vec<(&str, bool, bool)> = found
                        .iter()
                        .filter_map(|e| match &e.finding {
                            Finding::Record {
                                category,
                                timely,
                                compliant,
                                ..
                            } => Some((category.as_str(), *timely, *compliant)),
                            _ => None,
                        })
                        .collect();
                    match yields {
                        RecordYield::Counts => {
                            push("reported", Value::Int(records.len() as u64));
                            push(
                                "compliant",
                                Value::Int(records.iter().filter(|r| r.2).count() as u64),
                            );
                            push(
                                "timely",
                                Value::Int(records.iter().filter(|r| r.1).count() as u64),
                            );
                        }
                        RecordYield::Late => push(
                            "late",
                            Value::Int(records.iter().filter(|r| !r.1).count() as u64),
                        ),
                        RecordYield::CompliantCategories => {
                            let mut cats: BTreeMap<&str, bool> = BTreeMap::new();
                            for (c, _, ok) in &records {
                                let all_ok = cats.entry(c).or_insert(true);
                                *all_ok &= *ok;
                            }
                            push(
                                "compliant",
                                Value::list(cats.into_iter().filter(|(_, ok)| *ok).map(|(c, _)| c)),
                            );
                        }
                    }
                }
                RuleKind::AnnualReport {
                    requests_field,
                    concluded_field,
                    answered_field,
                    ..
                } => {
                    // The newest report wins if a unit published it twice.
                    let latest = found
                        .iter()
                        .max_by_key(|e| (e.document.published_on, e.document.id.clone()));
                    if let Some(Finding::Report {
                        requests,
                        concluded,
                        answered_on_time,
                    }) = latest.map(|e| &e.finding)
                    {
                        push(requests_field, Value::Int(*requests));
                        push(concluded_field, Value::Int(*concluded));
                        if let (Some(f), Some(a)) = (answered_field, answered_on_time) {
                            push(f, Value::Int(*a));
                        }
                    }
                }
                RuleKind::CourtCases { yields, .. } => {
                    let cases: Vec<(bool, bool, bool)> = found
                        .iter()
                        .filter_map(|e| match &e.finding {
                            Finding::Case {
                                dishonest,
                                resolved_within_month,
                                contract,
                                ..
                            } => Some((*dishonest, *resolved_within_month, *contract)),
                            _ => None,
                        })
                        .collect();
                    match yields {
                        CourtYield::TownshipTiers => {
                            push(
                                "dishonest_new",
                                Value::Int(cases.iter().filter(|c| c.0).count() as u64),
                            );
                            push(
                                "executed_unresolved",
                                Value::Int(cases.iter().filter(|c| !c.0 && !c.1).count() as u64),
                            );
                            push(
                                "executed_resolved",
                                Value::Int(cases.iter().filter(|c| !c.0 && c.1).count() as u64),
                            );
                        }
                        CourtYield::Listed => {
                            push("listed", Value::Bool(cases.iter().any(|c| c.0)))
                        }
                        CourtYield::ContractCases => push(
                            "cases",
                            Value::Int(cases.iter().filter(|c| c.2).count() as u64),
                        ),
                    }
                }
                RuleKind::Activity { field, .. } => {
                    push(
                        field,
                        Value::list(found.iter().filter_map(|e| match &e.finding {
                            Finding::Activity { title } => Some(title.as_str()),
                            _ => None,
                        })),
                    );
                }
            }
        }
    }
    out
}
