//! The website inspection: every unit's site judged as the national 政府网站与政务新媒体检查指标
//! judges it (the rule set in force, `crawl-config/inspection/*.toml`), from what the crawl
//! already holds — documents with their dates, list pages and what they listed, page records,
//! the runs' per-URL events and the inspections stored for earlier runs. The result per unit is a
//! prediction of the city's next inspection: 合格 or 不合格 with the veto items hit, deduction
//! points, warnings without a veto consequence (grouped when shown), and every clause that could
//! not be checked (a column whose pages failed is 未能检查, never 未更新).
//!
//! [`gather`] reads the store; [`assess`] is a pure function of what was gathered. The stages:
//! [`sitemap`] finds each unit's home and columns, [`columns`] the update clauses, [`history`]
//! reachability, backdating and bursts across runs, [`links`] dead links and attachments.

pub mod columns;
pub mod history;
pub mod links;
pub mod render;
pub mod report;
pub mod sitemap;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use crate::config::column_kind::ColumnKind;
use crate::config::inspection::{self, InspectionRules};
use crate::config::{Project, Roster};
use crate::crawl::url::Normalizer;
use crate::extract::Document;
use crate::store::pages::{PageRecord, Role};
use crate::store::runs::{Change, RunRecord};
use crate::store::{Store, StoreError};

pub use report::{
    ColumnSeen, ColumnStatus, Finding, FindingKind, InspectionReport, Proof, Unchecked,
    UnitInspection, Verdict,
};
pub use sitemap::{ListSeen, UnitSite};

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("尚无抓取记录，无法检查")]
    NoRun,
    #[error("没有第 {0} 次运行")]
    UnknownRun(u64),
    /// No rule set loaded, or none in force on the check date.
    #[error("{0}")]
    NoRules(String),
}

/// What a run's fetch of one URL tells about the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sample {
    /// Answered (200, or 304 unchanged).
    Read,
    /// No usable answer: 5xx, timeout, reset, … (the status or error word).
    Failed(String),
    /// 404 or 410: the page is gone, the site answered.
    Gone,
}

impl Sample {
    /// A run event as a sample; events that are no sample (not due, robots) give `None`.
    pub fn of(change: Change, status: &str) -> Option<Sample> {
        match change {
            Change::New | Change::Changed | Change::Unchanged => Some(Sample::Read),
            Change::Gone => Some(Sample::Gone),
            Change::NotDue => None,
            Change::Failed => match status.parse::<u16>() {
                Ok(400..=499) => Some(Sample::Gone),
                // Not requested: robots, or quarantined after failing run after run (those
                // failures are samples of the runs they happened in).
                _ if status == "robots" || status == "quarantined" => None,
                _ => Some(Sample::Failed(status.to_string())),
            },
        }
    }
}

/// A run and the date it observed the web at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSeen {
    pub id: u64,
    pub date: NaiveDate,
}

/// Everything [`assess`] reads.
pub struct Inputs<'a> {
    pub rules: &'a InspectionRules,
    pub roster: &'a Roster,
    pub check_date: NaiveDate,
    /// The run inspected.
    pub run: RunSeen,
    /// Every run up to it, ascending.
    pub runs: &'a [RunSeen],
    pub docs: &'a [Document],
    /// Page records by URL.
    pub pages: &'a HashMap<String, PageRecord>,
    pub lists: &'a [ListSeen],
    /// Run → URL → sample, for the runs [`needed_runs`] names (site pages only).
    pub samples: &'a BTreeMap<u64, HashMap<String, Sample>>,
    /// `column_kind` of a source's list: (source, list name) → kind.
    pub overrides: &'a HashMap<(String, String), ColumnKind>,
    /// Inspections stored for earlier runs (the snapshots their column pages had).
    pub earlier: &'a [InspectionReport],
}

impl Inputs<'_> {
    pub fn date_of(&self, run: u64) -> Option<NaiveDate> {
        self.runs.iter().find(|r| r.id == run).map(|r| r.date)
    }

    /// A URL's sample in a run.
    pub fn sample(&self, run: u64, url: &str) -> Option<&Sample> {
        self.samples.get(&run).and_then(|m| m.get(url))
    }

    /// The snapshot a list page had after an earlier run, from that run's stored inspection.
    pub fn snapshot_at(&self, run: u64, url: &str) -> Option<String> {
        if run == self.run.id {
            return self.pages.get(url).and_then(|p| p.hash.clone());
        }
        self.earlier
            .iter()
            .find(|r| r.run == run)?
            .units
            .values()
            .flat_map(|u| &u.columns)
            .find(|c| c.url == url)
            .and_then(|c| c.snapshot.clone())
    }

    /// A page's status as a dead link: its HTTP status (0 with an error) when it failed.
    pub fn dead(&self, url: &str) -> Option<String> {
        let p = self.pages.get(url)?;
        match p.status {
            200..=399 => None,
            0 => Some(p.error.clone().unwrap_or_else(|| "无响应".into())),
            s => Some(s.to_string()),
        }
    }
}

/// The runs whose samples [`assess`] reads: those inside the reachability window, and for
/// backdating the runs before a document's first one (up to `BACK` of them).
pub fn needed_runs(rules: &InspectionRules, check_date: NaiveDate, runs: &[RunSeen]) -> Vec<u64> {
    let window = rules.veto.unreachable.window_days;
    let mut ids: Vec<u64> = runs
        .iter()
        .filter(|r| r.date <= check_date && (check_date - r.date).num_days() < window)
        .map(|r| r.id)
        .collect();
    // Backdating looks back from the runs of the window (where new documents appear) to the
    // last run that read the column.
    let first = ids.first().copied().unwrap_or(u64::MAX);
    ids.extend(
        runs.iter()
            .filter(|r| r.id < first)
            .rev()
            .take(history::BACK)
            .map(|r| r.id),
    );
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Judges every roster unit.
pub fn assess(input: &Inputs) -> InspectionReport {
    let sites = sitemap::build(
        input.rules,
        input.docs,
        input.lists,
        input.overrides,
        &|u| input.roster.get(u).is_some(),
    );
    let empty = UnitSite::default();
    let mut units = BTreeMap::new();
    for u in &input.roster.units {
        let site = sites.get(&u.id).unwrap_or(&empty);
        units.insert(u.id.clone(), judge(input, site));
    }
    InspectionReport {
        rule_set: input.rules.rule_set.id.clone(),
        rule_title: input.rules.rule_set.title.clone(),
        run: input.run.id,
        check_date: input.check_date,
        observed_on: input.run.date,
        pass_score: input.rules.rule_set.pass_score,
        units,
    }
}

/// One unit's site against every clause.
fn judge(input: &Inputs, site: &UnitSite) -> UnitInspection {
    let mut u = UnitInspection {
        result: Verdict::Unknown,
        vetoes: Vec::new(),
        deductions: Vec::new(),
        points: 0.0,
        warnings: Vec::new(),
        unchecked: Vec::new(),
        home: site.home.clone(),
        columns: Vec::new(),
    };
    if site.columns.is_empty() {
        u.unchecked.push(Unchecked {
            clause: "全部".into(),
            reason: "未发现该单位的网站栏目".into(),
        });
        return u;
    }
    history::reachability(input, site, &mut u);
    let seen = columns::observe(input, site, &mut u);
    columns::update_clauses(input, site, &seen, &mut u);
    columns::interaction(input, site, &seen, &mut u);
    history::backdating(input, site, &mut u);
    history::bursts(input, site, &mut u);
    links::dead_links(input, site, &mut u);
    links::attachments(input, site, &mut u);
    columns::metadata(input, site, &seen, &mut u);
    u.points = u.deductions.iter().filter_map(|f| f.points).sum();
    let home_read = site
        .home
        .as_deref()
        .is_none_or(|h| input.sample(input.run.id, h) == Some(&Sample::Read));
    let any_read = u.columns.iter().any(|c| c.status == ColumnStatus::Read);
    u.result = if !u.vetoes.is_empty() || 100.0 - u.points < input.rules.rule_set.pass_score {
        Verdict::Fail
    } else if home_read && any_read {
        Verdict::Pass
    } else {
        Verdict::Unknown
    };
    u
}

/// The inspection of `run` (default the last) computed from the store, with the rule set in
/// force on its check date.
pub fn gather(
    project: &Project,
    store: &Store,
    run: Option<u64>,
) -> Result<InspectionReport, InspectError> {
    let records = store.runs()?;
    let record: &RunRecord = match run {
        Some(id) => records
            .iter()
            .find(|r| r.id == id)
            .ok_or(InspectError::UnknownRun(id))?,
        None => records.last().ok_or(InspectError::NoRun)?,
    };
    let runs: Vec<RunSeen> = records
        .iter()
        .filter(|r| r.id <= record.id)
        .map(|r| RunSeen {
            id: r.id,
            date: r.observed_on(),
        })
        .collect();
    let this = RunSeen {
        id: record.id,
        date: record.observed_on(),
    };
    let check_date = project.settings.health.check_date.unwrap_or(this.date);
    let rules = inspection::select(
        &project.inspection,
        project.settings.health.rule_set.as_deref(),
        check_date,
    )
    .map_err(InspectError::NoRules)?;
    let pages: HashMap<String, PageRecord> = store
        .pages()?
        .into_iter()
        .map(|p| (p.url.clone(), p))
        .collect();
    // What the site showed up to the run: not documents first fetched after it.
    let docs: Vec<Document> = store
        .documents(None)?
        .into_iter()
        .filter(|d| {
            pages
                .get(&d.page_url)
                .is_none_or(|p| p.first_run <= record.id)
        })
        .collect();
    let strip = project
        .crawl
        .as_ref()
        .map(|c| c.settings.strip_params.clone())
        .unwrap_or_default();
    let normalizer = Normalizer::new(&strip);
    let sources = project
        .crawl
        .as_ref()
        .map(|c| c.sources.as_slice())
        .unwrap_or(&[]);
    let mut lists = Vec::new();
    let mut overrides = HashMap::new();
    for s in sources {
        for l in &s.lists {
            if let Some(k) = l.column_kind {
                overrides.insert((s.name.clone(), l.name.clone()), k);
            }
        }
    }
    for p in pages
        .values()
        .filter(|p| p.role == Role::List && p.hash.is_some())
    {
        let Some(x) = store.list_extract(&p.url)? else {
            continue;
        };
        let list = sources
            .iter()
            .find(|s| s.name == p.source)
            .and_then(|s| {
                let u = url::Url::parse(&p.url).ok()?;
                let i = s
                    .lists
                    .iter()
                    .position(|l| l.entries.iter().any(|e| e.as_str() == p.url))
                    .or_else(|| s.list_for(&u))?;
                Some(s.lists[i].name.clone())
            })
            .unwrap_or_default();
        let items = x
            .page
            .items
            .iter()
            .map(|i| {
                let link = i
                    .link
                    .clone()
                    .and_then(|l| normalizer.normalize(l))
                    .map(|l| l.to_string());
                (link, i.title.clone())
            })
            .collect();
        lists.push(ListSeen {
            url: p.url.clone(),
            source: p.source.clone(),
            list,
            items,
        });
    }
    lists.sort_by(|a, b| a.url.cmp(&b.url));
    let sites = sitemap::build(rules, &docs, &lists, &overrides, &|u| {
        project.roster.get(u).is_some()
    });
    let site_pages: HashSet<&str> = sites.values().flat_map(|s| s.pages()).collect();
    let needed = needed_runs(rules, check_date, &runs);
    let mut samples: BTreeMap<u64, HashMap<String, Sample>> = BTreeMap::new();
    let mut earlier = Vec::new();
    for &id in &needed {
        if id < record.id {
            if let Some((_, h)) = store.health(Some(id))? {
                earlier.extend(h.inspection.filter(|i| i.run == id));
            }
        }
        let mut m = HashMap::new();
        for e in store.run_events_iter(id)? {
            let e = e?;
            if !site_pages.contains(e.url.as_str()) {
                continue;
            }
            if let Some(s) = Sample::of(e.change, &e.status) {
                m.insert(e.url, s);
            }
        }
        samples.insert(id, m);
    }
    Ok(assess(&Inputs {
        rules,
        roster: &project.roster,
        check_date,
        run: this,
        runs: &runs,
        docs: &docs,
        pages: &pages,
        lists: &lists,
        samples: &samples,
        overrides: &overrides,
        earlier: &earlier,
    }))
}

#[cfg(test)]
pub(crate) mod tests;
