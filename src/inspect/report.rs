//! What an inspection predicts, per unit: 合格 / 不合格 with the veto items hit, the deduction
//! points, the warnings without a veto consequence, the clauses that could not be checked, and
//! every column as seen (its list page's snapshot, kept so a later run can show it as proof).
//! Each finding names its rule set and clause and carries its proof: documents, snapshots,
//! dates and runs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::column_kind::ColumnKind;

/// The predicted result of a unit's site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No veto item; 100 − deductions at or above the pass score.
    Pass,
    /// A veto item hit, or too many points deducted.
    Fail,
    /// No site of the unit was found, or nothing of it could be read.
    Unknown,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "合格",
            Verdict::Fail => "不合格",
            Verdict::Unknown => "未能检查",
        }
    }
}

/// Which clause a finding applies (the rule set's text gives its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Unreachable,
    HomeNotUpdated,
    ColumnsNotUpdated,
    Interaction,
    Backdated,
    /// A column past its update limit, below the veto's count.
    StaleColumn,
    /// A column without any content, below the veto's count.
    BlankColumn,
    /// A column not updated for over a year, below the veto's count.
    LongStale,
    /// Documents without a publication date (counted as not updated).
    Undated,
    Burst,
    DeadLinks,
    Metadata,
    Attachments,
}

/// One piece of proof: a page (with the snapshot holding what it showed) and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proof {
    /// What it proves, in words (最新文章, 第 3 次运行时的栏目页, 失效链接 404 …).
    pub label: String,
    pub url: String,
    /// Content hash of the snapshot (archived as `snapshots/{hash}.html` by the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// The date it bears: a document's claimed date, a run's observation date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The run it was seen in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u64>,
}

/// One finding about a unit's site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The rule set's clause name (单项否决·首页不更新).
    pub clause: String,
    /// The sentence shared by every unit with the same finding (“政策文件”栏目超过 183 天未更新).
    pub group: String,
    /// What is particular to this unit (最近更新 2023-02-09).
    pub detail: String,
    /// Points deducted (扣分 items only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    pub evidence: Vec<Proof>,
    /// Every document the finding flags (backdated, burst, undated …), by URL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// The columns it concerns, by name (stale, blank).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

impl Finding {
    /// The finding as one sentence.
    pub fn sentence(&self) -> String {
        if self.detail.is_empty() {
            self.group.clone()
        } else {
            format!("{}（{}）", self.group, self.detail)
        }
    }
}

/// A clause the inspection could not apply to a unit, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unchecked {
    pub clause: String,
    pub reason: String,
}

/// Whether a column's pages could be read in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnStatus {
    /// Read in the run (200, or 304 on an unchanged page).
    Read,
    /// Its page failed in the run, or was not reached: 未能检查, never 未更新.
    Failed,
}

/// A column as the run saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSeen {
    pub name: String,
    pub kind: ColumnKind,
    /// Its first list page.
    pub url: String,
    /// The snapshot that page had after the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    pub status: ColumnStatus,
    pub documents: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<NaiveDate>,
}

/// One unit's predicted inspection result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitInspection {
    pub result: Verdict,
    /// Veto items hit: each makes the site 不合格.
    pub vetoes: Vec<Finding>,
    /// 扣分 items, with their points.
    pub deductions: Vec<Finding>,
    /// Points deducted in all (each item within its cap).
    pub points: f64,
    /// Findings without a veto or deduction.
    pub warnings: Vec<Finding>,
    pub unchecked: Vec<Unchecked>,
    /// The unit's site home, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    pub columns: Vec<ColumnSeen>,
}

impl UnitInspection {
    /// Every finding: vetoes, deductions, warnings.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.vetoes
            .iter()
            .chain(&self.deductions)
            .chain(&self.warnings)
    }
}

/// The inspection of one run: the rule set applied, the dates, and every roster unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionReport {
    /// The rule set's id and title: every finding applies a clause of it.
    pub rule_set: String,
    pub rule_title: String,
    pub run: u64,
    /// The date the sites were judged at.
    pub check_date: NaiveDate,
    /// The run's observation date.
    pub observed_on: NaiveDate,
    pub pass_score: f64,
    /// Unit id → its inspection.
    pub units: BTreeMap<String, UnitInspection>,
}

impl InspectionReport {
    /// Units predicted 不合格, in id order.
    pub fn failing(&self) -> impl Iterator<Item = (&String, &UnitInspection)> {
        self.units.iter().filter(|(_, u)| u.result == Verdict::Fail)
    }

    /// The snapshot hashes every proof rests on.
    pub fn snapshots(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .units
            .values()
            .flat_map(|u| u.findings())
            .flat_map(|f| &f.evidence)
            .filter_map(|p| p.snapshot.as_deref())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The veto clauses a unit hit, by kind.
    pub fn veto_kinds(&self, unit: &str) -> Vec<FindingKind> {
        self.units
            .get(unit)
            .map(|u| u.vetoes.iter().map(|f| f.kind).collect())
            .unwrap_or_default()
    }
}
