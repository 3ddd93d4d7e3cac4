//! An analyst's decision on one field (`govtrust fact set` / `fact unset`): the unit, item, field
//! and value are checked exactly as an import checks them, and the store audits who, when and why.
//! A manual value takes precedence over web and submitted values until it is unset.

use chrono::{DateTime, Utc};

use super::rows::CellValue;
use super::validate::{lookup, typed_value, LookupError, Target};
use crate::config::Project;
use crate::fact::{Fact, Provenance};
use crate::store::facts::{AuditRecord, FactsError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error("{subject}：{message}")]
    Value { subject: String, message: String },
    #[error("请用 --reason 说明理由")]
    NoReason,
    #[error("无法确定操作人：请用 --by 指定（环境变量 USER / LOGNAME 均未设置）")]
    NoAuthor,
    #[error(transparent)]
    Facts(#[from] FactsError),
}

impl From<StoreError> for ManualError {
    fn from(e: StoreError) -> Self {
        ManualError::Facts(FactsError::Store(e))
    }
}

/// Who is acting: `--by` if given, else the OS user ($USER, then $LOGNAME).
pub fn author(by: Option<&str>) -> Option<String> {
    by.map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn checked<'a>(
    project: &'a Project,
    unit: &str,
    item: &str,
    field: &str,
    by: &str,
    reason: &str,
) -> Result<Target<'a>, ManualError> {
    if reason.trim().is_empty() {
        return Err(ManualError::NoReason);
    }
    if by.trim().is_empty() {
        return Err(ManualError::NoAuthor);
    }
    Ok(lookup(project, unit, item, field)?)
}

/// Records `value` (text as typed, e.g. `95%`, `2023-03-28`, `a；b`) as the manual fact of a field.
#[allow(clippy::too_many_arguments)]
pub fn set_manual(
    project: &Project,
    store: &Store,
    unit: &str,
    item: &str,
    field: &str,
    value: &str,
    by: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<AuditRecord, ManualError> {
    let t = checked(project, unit, item, field, by, reason)?;
    let value =
        typed_value(t.field, &CellValue::from_text(value), &project.period).map_err(|e| {
            ManualError::Value {
                subject: format!("{} {}.{}", t.unit.short, t.item.id, t.field.name),
                message: e.0,
            }
        })?;
    let fact = Fact {
        period: project.period.id.clone(),
        unit: t.unit.id.clone(),
        item: t.item.id.clone(),
        field: t.field.name.clone(),
        value,
        provenance: Provenance::Manual {
            by: by.trim().to_string(),
            at,
            reason: reason.trim().to_string(),
        },
        recorded_at: at,
    };
    Ok(store.facts()?.set_manual(&fact)?)
}

/// Removes the manual fact of a field, so the web or submitted value applies again.
#[allow(clippy::too_many_arguments)]
pub fn unset_manual(
    project: &Project,
    store: &Store,
    unit: &str,
    item: &str,
    field: &str,
    by: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<AuditRecord, ManualError> {
    let t = checked(project, unit, item, field, by, reason)?;
    Ok(store.facts()?.unset_manual(
        &project.period.id,
        &t.unit.id,
        &t.item.id,
        &t.field.name,
        by.trim(),
        at,
        reason.trim(),
    )?)
}
