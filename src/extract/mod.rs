//! Turning fetched bodies into documents, as each source declares: list pages into items
//! ([`list`]), detail pages into document fields ([`detail`]), with the probes, date finder and
//! pagination helpers they share. [`Document`] is the record the evidence stage reads.

pub mod capture;
pub mod dates;
pub mod detail;
pub mod diagnose;
pub mod list;
pub mod nesting;
pub mod pager;
pub mod probe;
pub mod text;

use crate::config::Roster;
pub use crate::model::{AttachmentRef, Document, DocumentKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("list payload is not the declared JSON: {0}")]
    Json(String),
}

/// The unit attribution reads the roster, so it stays with the stage (the record is in
/// [`crate::model`]).
impl Document {
    /// Attributes the unit: a fixed column unit wins; otherwise the first `unit_from` field
    /// whose value the roster resolves.
    pub fn attribute(&mut self, fixed: Option<&str>, from: &[String], roster: &Roster) {
        if let Some(u) = fixed {
            self.unit = Some(u.to_string());
            self.unit_basis = Some(format!("栏目 {}", self.list.as_deref().unwrap_or("")));
            return;
        }
        let mut tried = Vec::new();
        for f in from {
            let Some(v) = self.field(f).map(str::to_string) else {
                continue;
            };
            match roster.resolve(&v) {
                Ok(u) => {
                    self.unit = Some(u.id.clone());
                    self.unit_basis = Some(format!("{f}={v}"));
                    return;
                }
                Err(_) => tried.push(format!("{f}={v}")),
            }
        }
        self.unit = None;
        self.unit_basis =
            (!tried.is_empty()).then(|| format!("未能对应单位: {}", tried.join("; ")));
    }
}
