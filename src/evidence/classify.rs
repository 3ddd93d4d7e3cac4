//! Classification: every evidence rule over every stored document, yielding evidence records and
//! the coverage (which units each rule could see), and the names notices used that resolve to no
//! unit. Re-running it after a rule change needs no re-crawl; analysts' decisions on evidence that
//! is found again are kept.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};

use crate::calendar::WorkCalendar;
use crate::config::rules::{CourtYield, EvidenceRule, RecordYield, RuleKind, RuleSet, TitleMatch};
use crate::config::Project;
use crate::fact::parse_date;

use super::annual::request_figures;
use super::court::{attribute, PartyPatterns};
use super::model::{DocInput, DocRef, Evidence, Finding, Status};
use super::notice::{named_units, NoticeMarkers};
use super::records::check_record;
use super::title::{contains_document, has_phrases, normalize_title, title_year};

pub use crate::model::evidence::{Coverage, Unresolved};

#[derive(Debug, Clone, Default)]
pub struct Classification {
    pub evidence: Vec<Evidence>,
    pub coverage: Coverage,
    pub unresolved: Vec<Unresolved>,
    /// Documents a rule matched but could not read (an annual report without its table), with why.
    pub unreadable: Vec<(String, String)>,
}

/// Runs every rule over `docs`. `previous` holds the stored evidence by id, so that statuses and
/// decisions survive re-classification.
pub fn classify(
    project: &Project,
    rules: &RuleSet,
    docs: &[DocInput],
    calendar: &WorkCalendar,
    previous: &BTreeMap<String, Evidence>,
) -> Classification {
    let mut out = Classification::default();
    for (_, rule) in &rules.rules {
        let ctx = Ctx {
            project,
            rule,
            calendar,
        };
        let in_sources: Vec<&DocInput> = docs
            .iter()
            .filter(|d| rule.sources.is_empty() || rule.sources.iter().any(|s| s == &d.source))
            .collect();
        let mut found = Vec::new();
        let covered = ctx.run(&in_sources, &mut found, &mut out);
        out.coverage.by_rule.insert(rule.id.clone(), covered);
        for mut e in found {
            match previous.get(&e.id) {
                Some(p) if p.decision.is_some() => {
                    e.status = p.status;
                    e.decision = p.decision.clone();
                }
                _ => {}
            }
            out.evidence.push(e);
        }
    }
    out.evidence.sort_by(|a, b| {
        (&a.unit, &a.item, &a.rule, &a.id).cmp(&(&b.unit, &b.item, &b.rule, &b.id))
    });
    out.evidence.dedup_by(|a, b| a.id == b.id);
    out.unresolved.sort();
    out.unresolved.dedup();
    out
}

struct Ctx<'a> {
    project: &'a Project,
    rule: &'a EvidenceRule,
    calendar: &'a WorkCalendar,
}

fn title_matches(title: &str, m: &TitleMatch) -> bool {
    let t = normalize_title(title);
    m.all.iter().all(|p| t.contains(&normalize_title(p)))
        && (m.any.is_empty() || m.any.iter().any(|p| t.contains(&normalize_title(p))))
        && !m.none.iter().any(|p| t.contains(&normalize_title(p)))
}

fn in_columns(doc: &DocInput, columns: &[String]) -> bool {
    columns.is_empty()
        || columns.iter().any(|c| {
            doc.column.as_deref() == Some(c.as_str())
                || doc.fields.get("column").map(String::as_str) == Some(c.as_str())
        })
}

impl<'a> Ctx<'a> {
    fn unit_of_kind(&self, doc: &DocInput) -> Option<&'a str> {
        let id = doc.unit.as_deref()?;
        let unit = self.project.roster.get(id)?;
        (unit.kind == self.rule.unit_kind).then_some(unit.id.as_str())
    }

    /// Every unit of the rule's kind when the rule's sources were seen at all (a site-wide list
    /// such as the credit site's covers every unit), else none.
    fn all_units_if(&self, seen: bool) -> BTreeSet<String> {
        if seen {
            self.all_units()
        } else {
            BTreeSet::new()
        }
    }

    fn all_units(&self) -> BTreeSet<String> {
        self.project
            .roster
            .of_kind(self.rule.unit_kind)
            .map(|u| u.id.clone())
            .collect()
    }

    fn evidence(
        &self,
        unit: &str,
        doc: &DocInput,
        key: &str,
        finding: Finding,
        summary: String,
    ) -> Evidence {
        let (status, decision) = if self.rule.review {
            (Status::Candidate, None)
        } else {
            (Status::Confirmed, None)
        };
        Evidence {
            id: Evidence::id_for(&self.rule.id, unit, &doc.id, key),
            period: self.project.period.id.clone(),
            unit: unit.to_string(),
            item: self.rule.item.clone(),
            rule: self.rule.id.clone(),
            finding,
            document: DocRef::from(doc),
            snapshot: doc.snapshot.clone(),
            fetched_at: doc.fetched_at,
            status,
            decision,
            summary,
        }
    }

    /// Units whose columns the crawl saw (any article of theirs from the rule's sources).
    fn units_with_articles(&self, docs: &[&DocInput]) -> BTreeSet<String> {
        docs.iter()
            .filter(|d| !d.is_record)
            .filter_map(|d| self.unit_of_kind(d).map(str::to_string))
            .collect()
    }

    fn run(
        &self,
        docs: &[&DocInput],
        found: &mut Vec<Evidence>,
        out: &mut Classification,
    ) -> BTreeSet<String> {
        let period = &self.project.period;
        match &self.rule.find {
            RuleKind::PublishedList { columns, title, .. } => {
                for d in docs.iter().filter(|d| {
                    !d.is_record && in_columns(d, columns) && title_matches(&d.title, title)
                }) {
                    if let Some(u) = self.unit_of_kind(d) {
                        found.push(self.evidence(
                            u,
                            d,
                            "",
                            Finding::Published,
                            format!("栏目中发布《{}》", d.title),
                        ));
                    }
                }
                self.units_with_articles(docs)
            }
            RuleKind::CityDocuments {
                local_all,
                columns,
                documents,
                ..
            } => {
                for d in docs
                    .iter()
                    .filter(|d| !d.is_record && in_columns(d, columns))
                {
                    let Some(u) = self.unit_of_kind(d) else {
                        continue;
                    };
                    let unit = self.project.roster.get(u);
                    for cd in documents {
                        if contains_document(&d.title, &cd.name, &cd.optional) {
                            found.push(self.evidence(
                                u,
                                d,
                                &format!("repost:{}", cd.name),
                                Finding::Repost {
                                    document: cd.name.clone(),
                                },
                                format!("转载《{}》", cd.name),
                            ));
                        } else if has_phrases(&d.title, local_all, &cd.local_any)
                            && unit.is_some_and(|un| names_unit(&d.title, &un.short))
                        {
                            found.push(self.evidence(
                                u,
                                d,
                                &format!("local:{}", cd.name),
                                Finding::Local {
                                    document: cd.name.clone(),
                                },
                                format!("对应《{}》出台本地文件《{}》", cd.name, d.title),
                            ));
                        }
                    }
                }
                self.units_with_articles(docs)
            }
            RuleKind::DecisionCatalog { columns, title, .. } => {
                for d in docs.iter().filter(|d| {
                    !d.is_record && in_columns(d, columns) && title_matches(&d.title, title)
                }) {
                    let Some(u) = self.unit_of_kind(d) else {
                        continue;
                    };
                    if title_year(&d.title) != Some(period.year()) {
                        continue;
                    }
                    let when = d
                        .published
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "日期不详".into());
                    found.push(self.evidence(
                        u,
                        d,
                        "",
                        Finding::Catalog {
                            published_on: d.published,
                        },
                        format!("公布《{}》，发布日期 {when}", d.title),
                    ));
                }
                self.units_with_articles(docs)
            }
            RuleKind::Notice {
                columns,
                title,
                failing,
                statistics,
                handled_markers,
                ..
            } => {
                let markers = NoticeMarkers {
                    failing: failing.clone(),
                    statistics: statistics.clone(),
                };
                let mut seen_any = false;
                for d in docs
                    .iter()
                    .filter(|d| !d.is_record && in_columns(d, columns))
                {
                    seen_any = true;
                    if !title_matches(&d.title, title)
                        || !d.published.is_some_and(|p| period.contains(p))
                    {
                        continue;
                    }
                    let named =
                        named_units(&d.body, &self.project.roster, self.rule.unit_kind, &markers);
                    for (unit, clause) in &named.failing {
                        let handled = handled_markers.iter().any(|m| clause.contains(m.as_str()));
                        found.push(self.evidence(
                            unit,
                            d,
                            "",
                            Finding::Named {
                                clause: clause.clone(),
                                handled,
                            },
                            format!(
                                "《{}》（{}）点名：{}",
                                d.title,
                                d.published.map(|p| p.to_string()).unwrap_or_default(),
                                clause
                            ),
                        ));
                    }
                    for name in named.unresolved {
                        out.unresolved.push(Unresolved {
                            rule: self.rule.id.clone(),
                            name,
                            url: d.url.clone(),
                        });
                    }
                }
                self.all_units_if(seen_any)
            }
            RuleKind::Records {
                fields,
                timely_working_days,
                yields,
                categories,
            } => {
                let mut seen_any = false;
                for d in docs
                    .iter()
                    .filter(|d| d.is_record && d.fields.contains_key(&fields.category))
                {
                    seen_any = true;
                    let check = check_record(d, fields, self.calendar, *timely_working_days);
                    let unit = self.unit_of_kind(d).or_else(|| {
                        self.project
                            .roster
                            .resolve(&check.organ)
                            .ok()
                            .filter(|u| u.kind == self.rule.unit_kind)
                            .map(|u| u.id.as_str())
                    });
                    let Some(u) = unit else { continue };
                    if !check.decided_on.is_some_and(|x| period.contains(x)) {
                        continue;
                    }
                    if *yields == RecordYield::CompliantCategories
                        && !categories.contains(&check.category)
                    {
                        continue;
                    }
                    let verdict = match (check.compliant, check.timely) {
                        (true, true) => "合规、及时".to_string(),
                        (true, false) => "合规、超期".to_string(),
                        (false, t) => format!(
                            "不合规（{}）{}",
                            check.problems.join("；"),
                            if t { "、及时" } else { "、超期" }
                        ),
                    };
                    let summary = format!(
                        "{}记录 {}：决定 {}，公示 {}，{verdict}",
                        check.category,
                        d.fields
                            .get(&fields.doc_no)
                            .map(String::as_str)
                            .unwrap_or(""),
                        opt_date(check.decided_on),
                        opt_date(check.published_on)
                    );
                    found.push(self.evidence(
                        u,
                        d,
                        "",
                        Finding::Record {
                            category: check.category,
                            decided_on: check.decided_on,
                            published_on: check.published_on,
                            timely: check.timely,
                            compliant: check.compliant,
                            problems: check.problems,
                        },
                        summary,
                    ));
                }
                self.all_units_if(seen_any)
            }
            RuleKind::AnnualReport {
                columns,
                title,
                answered_pattern,
                ..
            } => {
                let answered_re = answered_pattern
                    .as_deref()
                    .and_then(|p| regex::Regex::new(p).ok());
                for d in docs.iter().filter(|d| {
                    !d.is_record && in_columns(d, columns) && title_matches(&d.title, title)
                }) {
                    let Some(u) = self.unit_of_kind(d) else {
                        continue;
                    };
                    if title_year(&d.title) != Some(period.year()) {
                        continue;
                    }
                    match request_figures(&d.body) {
                        Ok(f) => {
                            // No request at all: none to answer late.
                            let answered = if f.requests() == 0 {
                                Some(0)
                            } else {
                                answered_re
                                    .as_ref()
                                    .and_then(|re| re.captures(&d.body))
                                    .and_then(|c| c.get(1))
                                    .and_then(|m| m.as_str().parse().ok())
                            };
                            found.push(self.evidence(
                                u,
                                d,
                                "",
                                Finding::Report {
                                    requests: f.requests(),
                                    concluded: f.concluded,
                                    answered_on_time: answered,
                                },
                                format!(
                                    "《{}》：本年新收 {} 件、上年结转 {} 件，办结 {} 件，结转下年度 {} 件",
                                    d.title, f.received, f.carried_in, f.concluded, f.carried_out
                                ),
                            ));
                        }
                        Err(e) => out.unreadable.push((d.url.clone(), e.to_string())),
                    }
                }
                // A missing report is not a finding of zero requests: D4 stays with the submission.
                BTreeSet::new()
            }
            RuleKind::CourtCases {
                yields,
                dishonest_lists,
                dishonest_urls,
                party_field,
                listed_field,
                dishonest_listed_field,
                resolved_field,
                cause_field,
                contract_causes,
                township_body_suffixes,
                exclude,
            } => {
                let patterns = PartyPatterns {
                    township_body_suffixes: township_body_suffixes.clone(),
                    exclude: exclude.clone(),
                };
                let mut seen_any = false;
                for d in docs.iter().filter(|d| d.fields.contains_key(party_field)) {
                    seen_any = true;
                    let dishonest = d
                        .column
                        .as_ref()
                        .is_some_and(|c| dishonest_lists.contains(c))
                        || dishonest_urls.iter().any(|u| d.url.contains(u.as_str()));
                    let listed_text = dishonest_listed_field
                        .as_ref()
                        .filter(|_| dishonest)
                        .and_then(|f| d.fields.get(f))
                        .or_else(|| d.fields.get(listed_field));
                    let Some(listed_on) = listed_text.and_then(|t| parse_date(t)) else {
                        continue;
                    };
                    if !period.contains(listed_on) {
                        continue;
                    }
                    let party = d.fields.get(party_field).map(String::as_str).unwrap_or("");
                    let Some((unit, relation)) = attribute(&self.project.roster, party, &patterns)
                    else {
                        continue;
                    };
                    if self.project.roster.get(unit).map(|u| u.kind) != Some(self.rule.unit_kind) {
                        continue;
                    }
                    let resolved_on = d.fields.get(resolved_field).and_then(|t| parse_date(t));
                    let within = resolved_on.is_some_and(|r| {
                        listed_on
                            .checked_add_months(Months::new(1))
                            .is_some_and(|lim| r <= lim)
                    });
                    let cause = cause_field
                        .as_ref()
                        .and_then(|f| d.fields.get(f))
                        .map(String::as_str)
                        .unwrap_or("");
                    let contract = contract_causes.iter().any(|c| cause.contains(c.as_str()));
                    let relevant = match yields {
                        CourtYield::TownshipTiers => true,
                        CourtYield::Listed => dishonest,
                        CourtYield::ContractCases => contract,
                    };
                    if !relevant {
                        continue;
                    }
                    let kind = if dishonest {
                        "失信被执行人"
                    } else {
                        "被执行人"
                    };
                    let state = match resolved_on {
                        Some(r) if within => format!("{r} 结案（一个月内）"),
                        Some(r) => format!("{r} 结案（超过一个月）"),
                        None => "未结".into(),
                    };
                    found.push(self.evidence(
                        unit,
                        d,
                        "",
                        Finding::Case {
                            party: party.to_string(),
                            relation: relation.label().to_string(),
                            dishonest,
                            listed_on,
                            resolved_on,
                            resolved_within_month: within,
                            contract,
                        },
                        format!(
                            "{}（{}）{listed_on} 被列为{kind}，{}{state}",
                            party,
                            relation.label(),
                            if cause.is_empty() {
                                String::new()
                            } else {
                                format!("案由{cause}，")
                            }
                        ),
                    ));
                }
                self.all_units_if(seen_any)
            }
            RuleKind::Activity { columns, title, .. } => {
                for d in docs.iter().filter(|d| {
                    !d.is_record && in_columns(d, columns) && title_matches(&d.title, title)
                }) {
                    let Some(u) = self.unit_of_kind(d) else {
                        continue;
                    };
                    if !d.published.is_some_and(|p| period.contains(p)) {
                        continue;
                    }
                    found.push(self.evidence(
                        u,
                        d,
                        "",
                        Finding::Activity {
                            title: d.title.clone(),
                        },
                        format!("{} 发布活动报道《{}》", opt_date(d.published), d.title),
                    ));
                }
                self.units_with_articles(docs)
            }
        }
    }
}

/// A local document names the township (淮源镇…办法), so a repost by another level is not taken.
fn names_unit(title: &str, short: &str) -> bool {
    normalize_title(title).contains(&normalize_title(short))
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "（无）".into())
}
