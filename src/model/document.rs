//! The records of what the extraction read: a list page's items ([`ListPage`], [`ListItem`],
//! stored as a list page's extraction) and the documents of list items and detail pages
//! ([`Document`]). The extraction stage re-exports them at `crate::extract` and
//! `crate::extract::list`; what needs the configuration (unit attribution) stays there.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

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
}

/// One item of a list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListItem {
    pub link: Option<Url>,
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    pub fields: BTreeMap<String, String>,
    /// Stable key of a record item (its key probe, its link, or a hash of its fields).
    pub key: String,
}

/// What a list page yields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    /// Pages the list declares (template, query and request pagination).
    pub page_count: Option<u32>,
    /// The next page's URL (next-link pagination).
    pub next: Option<Url>,
    /// The list's captures the page answered (entry pages); not kept with a stored extraction.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub captures: BTreeMap<String, String>,
}
