//! A unit's facts as the `facts` command shows them: per catalog field, the value the scorer
//! will use after precedence (manual > web > submission), what it overrides, and whether the
//! submitted claim is unverified (未核实) or contradicted by the web (与网络不符).

use crate::config::{FieldType, Project, SourceKind, Unit};
use crate::fact::{resolve_field, Origin, Provenance, ResolvedFact, Verification};
use crate::store::facts::{FactsError, HistoryEntry};
use crate::store::{Store, StoreError};

use super::validate::{lookup_item, LookupError};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Facts(#[from] FactsError),
}

impl From<StoreError> for ReviewError {
    fn from(e: StoreError) -> Self {
        ReviewError::Facts(FactsError::Store(e))
    }
}

/// One catalog field of a unit with its facts.
#[derive(Debug, Clone)]
pub struct FieldReview {
    pub item: String,
    pub content: String,
    pub field: String,
    pub label: String,
    pub ty: FieldType,
    /// `None` when no source has a fact for the field.
    pub resolved: Option<ResolvedFact>,
    /// Earlier values of the field (superseded submissions, replaced manual values).
    pub history: Vec<HistoryEntry>,
}

impl FieldReview {
    /// 未核实 / 与网络不符 (with both values), or nothing.
    pub fn mark(&self) -> Option<String> {
        let r = self.resolved.as_ref()?;
        match r.verification {
            Verification::Consistent => None,
            Verification::Unverified => Some("未核实".into()),
            Verification::Contradicted => {
                let all = || std::iter::once(&r.used).chain(r.overridden.iter());
                let web = all().find(|f| f.provenance.origin() == Origin::Web);
                let sub = all().find(|f| f.provenance.origin() == Origin::Submission);
                match (web, sub) {
                    (Some(w), Some(s)) => Some(format!(
                        "与网络不符（网络：{}，填报：{}）",
                        w.value, s.value
                    )),
                    _ => Some("与网络不符".into()),
                }
            }
        }
    }
}

/// The provenance in words, with a submission's 佐证材料 note when it has one.
pub fn provenance_text(p: &Provenance) -> String {
    match p {
        Provenance::Submission { note: Some(n), .. } => format!("{}（佐证：{n}）", p.describe()),
        _ => p.describe(),
    }
}

/// A unit's fields and facts for the project's period.
#[derive(Debug, Clone)]
pub struct UnitReview {
    pub unit: Unit,
    pub fields: Vec<FieldReview>,
}

/// Collects the facts of `unit` (any name or id), optionally of one item only.
pub fn review_unit(
    project: &Project,
    store: &Store,
    unit: &str,
    item: Option<&str>,
) -> Result<UnitReview, ReviewError> {
    let u = project
        .roster
        .resolve(unit)
        .map_err(LookupError::Unit)?
        .clone();
    let catalog = project
        .catalog(u.kind)
        .ok_or(LookupError::NoCatalog(u.kind.label()))?;
    let only = match item {
        Some(id) => Some(lookup_item(project, &u.id, id)?.1.id.clone()),
        None => None,
    };
    let facts = store.facts()?;
    let period = &project.period.id;
    let mut fields = Vec::new();
    for it in catalog
        .items
        .iter()
        .filter(|i| only.as_ref().is_none_or(|o| *o == i.id))
    {
        let web_checks = it.source != SourceKind::Sub;
        for f in &it.fields {
            let current = facts.field_facts(period, &u.id, &it.id, &f.name)?;
            fields.push(FieldReview {
                item: it.id.clone(),
                content: it.content.clone(),
                field: f.name.clone(),
                label: f.label.clone(),
                ty: f.ty,
                resolved: resolve_field(current, web_checks),
                history: facts.field_history(period, &u.id, &it.id, &f.name)?,
            });
        }
    }
    Ok(UnitReview { unit: u, fields })
}
