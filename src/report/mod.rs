//! The evaluation report (监测评估报告): a pure function of the project, the scoreboard and the
//! evidence of a run into three files for analysts — a self-contained HTML report ([`html()`]),
//! an XLSX workbook ([`xlsx()`]) and a Markdown summary ([`markdown()`]).
//!
//! Nothing here reads the store or the clock: the caller gathers a [`ReportInput`] (the run's
//! scoreboard, its evidence, the sources' coverage, the data cut-off and the generation time) and
//! the same input always yields byte-identical HTML and Markdown. Every string that came from a
//! crawled page or a submission is escaped ([`escape`]); the HTML loads nothing, remote or local,
//! and links to archived snapshots as `snapshots/{hash}.html`, which the caller writes beside it.

mod analysis;
pub mod archive;
mod charts;
pub mod escape;
mod health;
mod html;
mod markdown;
mod unit;
mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

use crate::config::{Item, Kind, Period, Project};
use crate::evidence::classify::Unresolved;
use crate::evidence::model::{Evidence, Status};
use crate::score::{Scoreboard, UnitSheet};

pub use analysis::HIGHLIGHT_COHORT_RATIO;
pub use html::html;
pub use markdown::markdown;
pub use xlsx::xlsx;

/// The items whose evidence is a notice naming a unit as failing a website inspection (通报).
pub const NOTICE_ITEMS: [&str; 2] = ["T5", "D3"];

/// Everything a report is made of. Built by the caller (the CLI or the HTTP server) from the
/// store; the report functions only read it.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// Roster, catalogs and period.
    pub project: &'a Project,
    /// The scores of the run being reported.
    pub board: &'a Scoreboard,
    /// The run's evidence for the period. Rejected evidence is left out of the HTML and the
    /// notice counts; the workbook's evidence sheet lists it marked 已驳回, for the audit trail.
    pub evidence: &'a [Evidence],
    /// Names in notices that resolved to no roster unit (listed in an appendix).
    pub unresolved: &'a [Unresolved],
    /// The monitored sources and how much of each was crawled, in the order to list them.
    pub sources: Vec<SourceCoverage>,
    /// Data cut-off, shown on the cover (the caller gathers nothing fetched after it).
    pub cutoff: DateTime<Utc>,
    /// The run reported on, when the data comes from a crawl run.
    pub run_id: Option<u64>,
    /// Notice (通报) counts per unit and month; see [`notice_counts`] for how to derive them.
    pub notices: Vec<NoticeCount>,
    /// When the report was generated (shown on the cover; passed in so output is reproducible).
    pub generated_at: DateTime<Utc>,
    /// The run's website inspection and dead links (附录三 and a line per unit; no score effect).
    pub health: Option<&'a crate::health::HealthReport>,
}

/// One monitored source and its coverage in the run.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCoverage {
    /// Source name (`sim-tongbai`).
    pub name: String,
    /// What it is (桐柏县人民政府门户网站).
    pub description: String,
    /// Pages fetched.
    pub pages: u64,
    /// Documents extracted from them.
    pub documents: u64,
    /// The last successful fetch, if any.
    pub last_fetched: Option<DateTime<Utc>>,
}

/// How many distinct notices named a unit in one month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NoticeCount {
    /// Roster unit id.
    pub unit: String,
    /// `2023-04`.
    pub month: String,
    pub count: u64,
}

/// The files [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub html: PathBuf,
    pub xlsx: PathBuf,
    pub markdown: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write workbook {}: {source}", path.display())]
    Workbook {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

impl<'a> ReportInput<'a> {
    /// An input with the notice counts derived from `evidence`, no source statistics and no run
    /// id; set `sources` and `run_id` on the result when the store has them.
    pub fn new(
        project: &'a Project,
        board: &'a Scoreboard,
        evidence: &'a [Evidence],
        unresolved: &'a [Unresolved],
        cutoff: DateTime<Utc>,
        generated_at: DateTime<Utc>,
    ) -> ReportInput<'a> {
        ReportInput {
            project,
            board,
            evidence,
            unresolved,
            sources: Vec::new(),
            cutoff,
            run_id: None,
            notices: notice_counts(evidence, &project.period),
            generated_at,
            health: None,
        }
    }
}

/// What the report says about one unit, as Chinese sentences (for the analyst pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitVerdicts {
    /// 亮点: items at full score where the cohort average is below
    /// [`HIGHLIGHT_COHORT_RATIO`] of the max; or one sentence saying there are none.
    pub highlights: Vec<String>,
    /// 短板: the three largest losses, then a note on missing items; or one sentence saying
    /// there are no losses.
    pub shortfalls: Vec<String>,
    /// The category furthest above and furthest below the cohort average, if any differ.
    pub comparison: Option<String>,
}

/// The 亮点, 短板 and category comparison of one unit against the units of its kind on the board.
pub fn unit_verdicts(board: &Scoreboard, unit_id: &str) -> Option<UnitVerdicts> {
    let u = board.unit(unit_id)?;
    let peers: Vec<&UnitSheet> = board.units.iter().filter(|p| p.kind == u.kind).collect();
    let c = analysis::cohort(&peers);
    let (highlights, shortfalls) = analysis::verdicts(u, &c);
    Some(UnitVerdicts {
        highlights,
        shortfalls,
        comparison: analysis::category_sentence(u, &c),
    })
}

/// Counts, per unit and month of publication, the distinct notices (documents) that evidence of
/// [`NOTICE_ITEMS`] rests on. Rejected evidence and notices without a publication date inside the
/// period are left out. Sorted by unit, then month.
pub fn notice_counts(evidence: &[Evidence], period: &Period) -> Vec<NoticeCount> {
    let mut seen: BTreeMap<(String, String), std::collections::BTreeSet<&str>> = BTreeMap::new();
    for e in evidence {
        if e.status == Status::Rejected || !NOTICE_ITEMS.contains(&e.item.as_str()) {
            continue;
        }
        let Some(day) = e.document.published_on.filter(|d| period.contains(*d)) else {
            continue;
        };
        seen.entry((e.unit.clone(), month_id(day)))
            .or_default()
            .insert(e.document.id.as_str());
    }
    seen.into_iter()
        .map(|((unit, month), docs)| NoticeCount {
            unit,
            month,
            count: docs.len() as u64,
        })
        .collect()
}

/// Writes `report.html`, `report.xlsx` and `summary.md` into `out_dir` (created if needed), each
/// through a temporary file renamed into place, so a failure never leaves a half-written file.
pub fn write_all(input: &ReportInput, out_dir: &Path) -> Result<ReportFiles, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let files = ReportFiles {
        html: out_dir.join("report.html"),
        xlsx: out_dir.join("report.xlsx"),
        markdown: out_dir.join("summary.md"),
    };
    write_text(&files.html, &html(input))?;
    let tmp = temporary(&files.xlsx);
    xlsx(input, &tmp)?;
    std::fs::rename(&tmp, &files.xlsx).map_err(|source| ReportError::Write {
        path: files.xlsx.clone(),
        source,
    })?;
    write_text(&files.markdown, &markdown(input))?;
    Ok(files)
}

/// `report.html` → `report.html.tmp`, beside it so the rename stays on one file system.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes through a temporary file and renames, so a failed write never leaves half a report.
fn write_text(path: &Path, text: &str) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let tmp = temporary(path);
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// `2023-04`.
fn month_id(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The months of the period, `2023-01` … `2023-12`.
fn period_months(period: &Period) -> Vec<String> {
    let mut months = Vec::new();
    let mut d = period.start.with_day(1).unwrap_or(period.start);
    while d <= period.end {
        months.push(month_id(d));
        let Some(next) = d.checked_add_months(chrono::Months::new(1)) else {
            break;
        };
        d = next;
    }
    months
}

/// A moment as analysts read it: Beijing time.
fn beijing(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(8 * 3600).map(|o| t.with_timezone(&o));
    match offset {
        Some(local) => local.format("%Y-%m-%d %H:%M（北京时间）").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A score as shown to people: 2 decimals, no trailing zeros.
fn show(x: f64) -> String {
    crate::score::words::show(x)
}

impl<'a> ReportInput<'a> {
    /// The units of one kind, in rank order.
    fn units_of(&self, kind: Kind) -> Vec<&'a UnitSheet> {
        self.board.units.iter().filter(|u| u.kind == kind).collect()
    }

    /// The kinds present on the board, townships first.
    fn kinds(&self) -> Vec<Kind> {
        [Kind::Township, Kind::Department]
            .into_iter()
            .filter(|k| self.board.units.iter().any(|u| u.kind == *k))
            .collect()
    }

    fn catalog_item(&self, kind: Kind, id: &str) -> Option<&'a Item> {
        self.project.catalog(kind).and_then(|c| c.item(id))
    }

    /// The unit's evidence for an item that is not rejected, by date then id.
    fn evidence_for(&self, unit: &str, item: &str) -> Vec<&'a Evidence> {
        let mut found: Vec<&Evidence> = self
            .evidence
            .iter()
            .filter(|e| e.unit == unit && e.item == item && e.status != Status::Rejected)
            .collect();
        found.sort_by(|a, b| {
            (a.document.published_on, &a.id).cmp(&(b.document.published_on, &b.id))
        });
        found
    }

    fn unit_short(&self, id: &str) -> String {
        self.board
            .unit(id)
            .map(|u| u.short.clone())
            .or_else(|| {
                self.project
                    .roster
                    .units
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| u.short.clone())
            })
            .unwrap_or_else(|| id.to_string())
    }
}

/// The relative link to an archived snapshot, when the hash is a plain content hash (anything
/// else could smuggle a path or a scheme into the link).
fn snapshot_link(hash: &str) -> Option<String> {
    let plain =
        !hash.is_empty() && hash.len() <= 128 && hash.chars().all(|c| c.is_ascii_alphanumeric());
    plain.then(|| format!("snapshots/{hash}.html"))
}

/// A live URL fit for a link: only `http` and `https` (never `javascript:` or `data:`).
fn live_link(url: &str) -> Option<&str> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then_some(url.trim_start())
}

#[cfg(test)]
mod tests;
