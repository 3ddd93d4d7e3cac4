//! Website health of a run, stored per run (`health` tree) and shown by `govtrust health`, the
//! report's health section and the demo's `health.txt`: the website inspection of every unit's
//! site under the national 检查指标 (`src/inspect/`), and the crawl's dead internal links
//! (4xx/5xx) per host, and the pages the crawl quarantined after failing run after run. Early
//! warnings: they never change a score by themselves.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::Project;
use crate::inspect::{self, InspectError, InspectionReport};
use crate::store::faults::PageFault;
use crate::store::pages::PageRecord;
use crate::store::Store;

pub mod stored;

/// The health of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub check_date: Option<NaiveDate>,
    /// The inspection of every unit's site; `None` without a rule set (or in a record written
    /// before inspections were kept, whose per-unit warnings are no longer read).
    #[serde(default)]
    pub inspection: Option<InspectionReport>,
    /// Why there is no inspection: no rule set in force on the check date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection_missing: Option<String>,
    /// Host → URLs that answered 4xx/5xx.
    pub dead_links: BTreeMap<String, Vec<(String, u16)>>,
    /// Pages the crawl quarantined after failing run after run, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quarantined: Vec<PageFault>,
}

impl HealthReport {
    /// Text for people: the inspection, then dead links per host and quarantined pages.
    pub fn render(&self, project: &Project) -> String {
        let mut s = match (&self.inspection, &self.inspection_missing) {
            (Some(i), _) => inspect::render::text(i, &project.roster),
            (None, Some(why)) => format!("网站检查：未检查，{why}\n"),
            (None, None) => "网站检查：未配置检查规则集（[health] inspection）\n".to_string(),
        };
        if !self.dead_links.is_empty() {
            s.push_str("失效链接（按站点）：\n");
        }
        for (host, links) in &self.dead_links {
            s.push_str(&format!("  {host}：{} 个失效链接\n", links.len()));
            for (url, status) in links.iter().take(10) {
                s.push_str(&format!("    {status} {url}\n"));
            }
        }
        if !self.quarantined.is_empty() {
            s.push_str(&format!(
                "  {} 个页面连续处理失败，已隔离（暂停抓取，到期后再试）：\n",
                self.quarantined.len()
            ));
            for f in &self.quarantined {
                let since = f
                    .quarantined_at
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                s.push_str(&format!(
                    "    {}（连续 {} 次失败，{since} 起隔离）：{}\n",
                    f.url, f.nights, f.reason
                ));
            }
        }
        s
    }
}

/// Dead links (4xx/5xx) per host among the page records.
pub fn dead_links(pages: &[PageRecord]) -> BTreeMap<String, Vec<(String, u16)>> {
    let mut out: BTreeMap<String, Vec<(String, u16)>> = BTreeMap::new();
    for p in pages.iter().filter(|p| p.status >= 400) {
        let host = url::Url::parse(&p.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        out.entry(host).or_default().push((p.url.clone(), p.status));
    }
    out
}

/// The health of `run` (default the last) from the store: inspection and dead links.
pub fn assess(
    project: &Project,
    store: &Store,
    run: Option<u64>,
) -> Result<HealthReport, InspectError> {
    let (inspection, inspection_missing) = if project.inspection.is_empty() {
        (None, None)
    } else {
        match inspect::gather(project, store, run) {
            Ok(i) => (Some(i), None),
            // A rule-set gap is the configuration's to fix, not a reason to fail the run.
            Err(InspectError::NoRules(why)) => (None, Some(why)),
            Err(e) => return Err(e),
        }
    };
    Ok(HealthReport {
        check_date: inspection.as_ref().map(|i| i.check_date),
        inspection,
        inspection_missing,
        dead_links: dead_links(&store.pages()?),
        quarantined: store
            .page_faults()?
            .into_iter()
            .filter(|f| f.quarantined_at.is_some())
            .collect(),
    })
}

/// The health of `run` (default the last run): the stored report when it holds an inspection,
/// else computed now from the store and stored under the run (a run crawled without the
/// pipeline, or recorded before inspections were kept).
pub fn of_run(
    project: &Project,
    store: &Store,
    run: Option<u64>,
) -> Result<(u64, HealthReport), InspectError> {
    let id = match run {
        Some(r) => r,
        None => store.last_run()?.ok_or(InspectError::NoRun)?.id,
    };
    if let Some((_, h)) = store.health(Some(id))? {
        if h.inspection.is_some() || project.inspection.is_empty() {
            return Ok((id, h));
        }
    }
    let h = assess(project, store, Some(id))?;
    store.put_health(id, &h)?;
    Ok((id, h))
}
