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

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Roster;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("list payload is not the declared JSON: {0}")]
    Json(String),
}

/// A link to an attachment; its bytes are a page (and snapshot) of their own under `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub url: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A detail page (notice, report, policy document).
    Article,
    /// A row of a list or API that is a record in itself (双公示, 失信被执行人).
    Record,
}

/// What one list item or detail page says, linked to the page and snapshot it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Stable id: a hash of source and key (detail URL or record key).
    pub id: String,
    pub source: String,
    /// The list (column) it was found in.
    pub list: Option<String>,
    pub kind: DocumentKind,
    /// The detail URL, or for records the list page URL.
    pub url: String,
    /// The page whose snapshot holds it (key of the `pages` tree).
    pub page_url: String,
    /// Content hash of that snapshot.
    pub snapshot: String,
    pub title: Option<String>,
    pub published: Option<NaiveDate>,
    /// 发布机构 (or 来源 / 处罚机关, as the source declares).
    pub publisher: Option<String>,
    /// 索引号
    pub index_no: Option<String>,
    /// 文号
    pub doc_no: Option<String>,
    pub body: String,
    pub attachments: Vec<AttachmentRef>,
    /// Roster unit id.
    pub unit: Option<String>,
    /// The name the unit was resolved from (or why it was not).
    pub unit_basis: Option<String>,
    /// List-level and declared extra fields; every scalar field of a JSON record.
    pub fields: BTreeMap<String, String>,
    /// The run that (re-)extracted it.
    pub run: u64,
    pub extracted_at: DateTime<Utc>,
}

impl Document {
    pub fn id_for(source: &str, key: &str) -> String {
        blake3::hash(format!("{source}\0{key}").as_bytes()).to_hex()[..32].to_string()
    }

    /// A named field: a standard one (title, publisher, index_no, doc_no) or an extra one.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "title" => self.title.as_deref(),
            "publisher" => self.publisher.as_deref(),
            "index_no" => self.index_no.as_deref(),
            "doc_no" => self.doc_no.as_deref(),
            other => self.fields.get(other).map(String::as_str),
        }
    }

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
