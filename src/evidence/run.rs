//! The evidence stage as a step of the pipeline: read the stored documents, classify them with the
//! project's rules, store the evidence (keeping analysts' decisions), and refresh the web facts of
//! every unit the rules cover. Re-runnable on its own after a rule change: no re-crawl.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::calendar::WorkCalendar;
use crate::config::Project;
use crate::extract::{Document, DocumentKind};
use crate::store::evidence::{EvidenceChanges, EvidenceFilter};
use crate::store::facts::FactsError;
use crate::store::{Store, StoreError};

use super::classify::{classify, Unresolved};
use super::facts::{web_facts, Mode};
use super::model::{DocInput, Evidence};

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error("no evidence rules configured: set evaluation.rules in {0}")]
    NoRules(String),
}

/// What one classification did.
#[derive(Debug, Clone, Default)]
pub struct ClassifyOutcome {
    pub documents: usize,
    pub evidence: usize,
    pub candidates: usize,
    pub changes: EvidenceChanges,
    pub unresolved: Vec<Unresolved>,
    pub unreadable: Vec<(String, String)>,
    /// Web facts stored, over how many units.
    pub facts: usize,
    pub units: usize,
}

/// The rules' view of a stored document.
pub fn doc_input(d: &Document) -> DocInput {
    DocInput {
        id: d.id.clone(),
        source: d.source.clone(),
        // The breadcrumb's column when the page has one, else the list it was found in.
        column: d.fields.get("栏目").cloned().or_else(|| d.list.clone()),
        is_record: d.kind == DocumentKind::Record,
        url: d.url.clone(),
        title: d.title.clone().unwrap_or_default(),
        published: d.published,
        unit: d.unit.clone(),
        body: d.body.clone(),
        fields: d.fields.clone(),
        snapshot: d.snapshot.clone(),
        fetched_at: Some(d.extracted_at),
    }
}

/// Classifies every stored document and refreshes the web facts.
pub fn classify_store(
    project: &Project,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<ClassifyOutcome, EvidenceError> {
    if project.rules.rules.is_empty() {
        return Err(EvidenceError::NoRules(
            project.settings_path.display().to_string(),
        ));
    }
    let docs: Vec<DocInput> = store.documents(None)?.iter().map(doc_input).collect();
    let period = &project.period.id;
    let previous: BTreeMap<String, Evidence> = store
        .evidence_list(&EvidenceFilter {
            period: Some(period.clone()),
            ..Default::default()
        })?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let calendar = WorkCalendar::official();
    let c = classify(project, &project.rules, &docs, &calendar, &previous);
    let changes = store.replace_evidence(period, &c.evidence, &c.coverage, &c.unresolved)?;
    let (facts, units) = refresh_web_facts(project, store, &c.evidence, &c.coverage, now)?;
    Ok(ClassifyOutcome {
        documents: docs.len(),
        evidence: c.evidence.len(),
        candidates: c
            .evidence
            .iter()
            .filter(|e| e.status == super::model::Status::Candidate)
            .count(),
        changes,
        unresolved: c.unresolved,
        unreadable: c.unreadable,
        facts,
        units,
    })
}

/// Recomputes web facts from the stored evidence (after an analyst confirmed or rejected some).
pub fn refresh_from_store(
    project: &Project,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<(usize, usize), EvidenceError> {
    let period = &project.period.id;
    let evidence = store.evidence_list(&EvidenceFilter {
        period: Some(period.clone()),
        ..Default::default()
    })?;
    let coverage = store.coverage(period)?;
    refresh_web_facts(project, store, &evidence, &coverage, now)
}

fn refresh_web_facts(
    project: &Project,
    store: &Store,
    evidence: &[Evidence],
    coverage: &super::classify::Coverage,
    now: DateTime<Utc>,
) -> Result<(usize, usize), EvidenceError> {
    let facts = web_facts(
        project,
        &project.rules,
        evidence,
        coverage,
        now,
        Mode::Score,
    );
    let mut by_unit: BTreeMap<&str, Vec<crate::fact::Fact>> = BTreeMap::new();
    for f in &facts {
        by_unit.entry(f.unit.as_str()).or_default().push(f.clone());
    }
    let fact_store = store.facts()?;
    let period = &project.period.id;
    let mut stored = 0;
    for unit in &project.roster.units {
        // Every item a rule feeds for this kind is replaced, so a fact the rules no longer
        // state (coverage lost) leaves the current set instead of lingering.
        let items: BTreeSet<&str> = project
            .rules
            .rules
            .iter()
            .filter(|(_, r)| r.unit_kind == unit.kind)
            .map(|(_, r)| r.item.as_str())
            .collect();
        let items: Vec<&str> = items.into_iter().collect();
        let unit_facts = by_unit.remove(unit.id.as_str()).unwrap_or_default();
        stored += unit_facts.len();
        fact_store.replace_web_facts(period, &unit.id, &items, &unit_facts, now)?;
    }
    Ok((stored, project.roster.units.len()))
}
