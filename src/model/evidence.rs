//! The evidence record: one finding for one unit and indicator, the rule that fired, the document
//! and snapshot it rests on, and its review status; what a classification stores beside it
//! ([`Coverage`], [`Unresolved`]). And [`DocInput`], the view of a stored document the rules
//! read, so the evidence stage depends on what a document says, not on how it was crawled.
//! The evidence stage re-exports this module as `crate::evidence::model`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What the rules read of a document or record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocInput {
    /// Stored document id.
    pub id: String,
    /// Source name (`sim-tongbai`).
    pub source: String,
    /// The column / list it was found in (权责清单, 失信被执行人).
    pub column: Option<String>,
    /// A row of a list or API that is a record in itself (双公示, court case).
    pub is_record: bool,
    pub url: String,
    pub title: String,
    pub published: Option<NaiveDate>,
    /// Roster unit the crawl attributed it to.
    pub unit: Option<String>,
    pub body: String,
    pub fields: BTreeMap<String, String>,
    pub snapshot: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Found by a rule that needs an analyst's confirmation; does not count yet.
    Candidate,
    /// Counts: confirmed by an analyst, or found by a rule that needs no review.
    Confirmed,
    /// An analyst rejected it; it never counts.
    Rejected,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Candidate => "待确认",
            Status::Confirmed => "已确认",
            Status::Rejected => "已驳回",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Candidate => "candidate",
            Status::Confirmed => "confirmed",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "candidate" | "待确认" => Some(Status::Candidate),
            "confirmed" | "已确认" => Some(Status::Confirmed),
            "rejected" | "已驳回" => Some(Status::Rejected),
            _ => None,
        }
    }
}

/// Who decided a status and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub by: String,
    pub at: DateTime<Utc>,
    pub why: String,
}

/// What a rule found, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A published list or system (T1, T4, D7).
    Published,
    /// A repost of a city document (T2.1), by canonical name.
    Repost { document: String },
    /// A local counterpart of a city document (T2.1).
    Local { document: String },
    /// The annual decision catalogue (T2.2) and its displayed date.
    Catalog { published_on: Option<NaiveDate> },
    /// Named in a notice (T5, D3 failing; T12 case), with the clause that names it.
    Named { clause: String, handled: bool },
    /// A 双公示 / 行政管理 record.
    Record {
        category: String,
        decided_on: Option<NaiveDate>,
        published_on: Option<NaiveDate>,
        timely: bool,
        compliant: bool,
        problems: Vec<String>,
    },
    /// The 依申请公开 figures of an annual report (D4).
    Report {
        requests: u64,
        concluded: u64,
        answered_on_time: Option<u64>,
    },
    /// A court case against the unit or a body attributed to it.
    Case {
        party: String,
        relation: String,
        dishonest: bool,
        listed_on: NaiveDate,
        resolved_on: Option<NaiveDate>,
        resolved_within_month: bool,
        contract: bool,
    },
    /// An activity post (T14, D13, D14).
    Activity { title: String },
}

/// A reference to the document evidence rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRef {
    pub id: String,
    pub source: String,
    pub title: String,
    pub url: String,
    pub published_on: Option<NaiveDate>,
}

impl From<&DocInput> for DocRef {
    fn from(doc: &DocInput) -> DocRef {
        DocRef {
            id: doc.id.clone(),
            source: doc.source.clone(),
            title: doc.title.clone(),
            url: doc.url.clone(),
            published_on: doc.published,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Stable across re-classification: a hash of rule, unit, document and finding key.
    pub id: String,
    pub period: String,
    pub unit: String,
    pub item: String,
    pub rule: String,
    pub finding: Finding,
    pub document: DocRef,
    /// Content hash of the snapshot the document was read from.
    pub snapshot: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub status: Status,
    pub decision: Option<Decision>,
    /// One sentence in Chinese saying what was found.
    pub summary: String,
}

impl Evidence {
    /// Whether it counts towards facts.
    pub fn counts(&self) -> bool {
        self.status == Status::Confirmed
    }

    pub fn id_for(rule: &str, unit: &str, document: &str, key: &str) -> String {
        blake3::hash(format!("{rule}\0{unit}\0{document}\0{key}").as_bytes()).to_hex()[..20]
            .to_string()
    }
}

/// Which units each rule could see in the crawl: a covered unit without evidence gets a negative
/// fact (published = false, failures = 0); an uncovered one gets none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub by_rule: BTreeMap<String, BTreeSet<String>>,
}

/// A name a notice or record used that resolves to no roster unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unresolved {
    pub rule: String,
    pub name: String,
    pub url: String,
}
