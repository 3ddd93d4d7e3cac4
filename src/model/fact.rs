//! Facts as stored: one typed input of the scorer for one unit, period, item and field, with
//! its provenance. The fact stage re-exports them at `crate::fact`, where what reads the
//! configuration's field types (parsing typed text) lives.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A typed field value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Int(u64),
    Amount(f64),
    Rate(f64),
    Bool(bool),
    Date(NaiveDate),
    /// Distinct items, kept sorted.
    List(Vec<String>),
}

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Provenance {
    /// A unit's submission: the file, sheet (XLSX) and 1-based row.
    Submission {
        file: String,
        #[serde(default)]
        sheet: Option<String>,
        row: u32,
        #[serde(default)]
        note: Option<String>,
    },
    /// Derived from web evidence.
    Web { evidence: Vec<String> },
    /// An analyst's decision (人工核查).
    Manual {
        by: String,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl Provenance {
    /// Precedence rank: manual > web > submission.
    pub fn rank(&self) -> u8 {
        match self {
            Provenance::Manual { .. } => 3,
            Provenance::Web { .. } => 2,
            Provenance::Submission { .. } => 1,
        }
    }

    pub fn origin(&self) -> Origin {
        match self {
            Provenance::Manual { .. } => Origin::Manual,
            Provenance::Web { .. } => Origin::Web,
            Provenance::Submission { .. } => Origin::Submission,
        }
    }

    /// Short Chinese description for reports and tables.
    pub fn describe(&self) -> String {
        match self {
            Provenance::Submission {
                file, sheet, row, ..
            } => match sheet {
                Some(s) => format!("单位填报 {file} [{s}] 第{row}行"),
                None => format!("单位填报 {file} 第{row}行"),
            },
            Provenance::Web { evidence } => format!("网络监测 证据 {}", evidence.join(",")),
            Provenance::Manual { by, at, reason } => {
                format!(
                    "人工核查 {by} {} 理由：{reason}",
                    at.format("%Y-%m-%d %H:%M")
                )
            }
        }
    }
}

/// The three origins of a fact, in ascending precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Submission,
    Web,
    Manual,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Submission => "submission",
            Origin::Web => "web",
            Origin::Manual => "manual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Origin::Submission => "单位填报",
            Origin::Web => "网络监测",
            Origin::Manual => "人工核查",
        }
    }
}

/// One typed input of the scorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub period: String,
    pub unit: String,
    pub item: String,
    pub field: String,
    pub value: Value,
    pub provenance: Provenance,
    pub recorded_at: DateTime<Utc>,
}
