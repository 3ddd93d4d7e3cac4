//! The pipeline as one call: crawl → classify → score (→ report), for `govtrust run`, the
//! nightly schedule and the demo. Each stage is the library's own; this file only orders them
//! and collects what each did.

use chrono::{DateTime, Utc};

use crate::alert::{self, AlertOutcome};
use crate::config::Project;
use crate::crawl::{self, CrawlError};
use crate::digest::{self, Digest};
use crate::evidence::run::{classify_store, ClassifyOutcome, EvidenceError};
use crate::health::{self, HealthReport};
use crate::inspect::InspectError;
use crate::score::{self, Scoreboard};
use crate::store::facts::FactsError;
use crate::store::runs::RunRecord;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("crawl: {0}")]
    Crawl(#[from] CrawlError),
    #[error("classify: {0}")]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error("website inspection: {0}")]
    Inspect(#[from] InspectError),
    #[error("search index: {0}")]
    Search(#[from] crate::search::SearchError),
}

/// What one pass of the pipeline did.
#[derive(Debug, Clone)]
pub struct PipelineOutcome {
    pub run: RunRecord,
    pub classify: ClassifyOutcome,
    pub health: HealthReport,
    pub board: Scoreboard,
    /// What changed since the previous run (stored under the run id).
    pub digest: Digest,
    /// Alert events and the deliveries finished within the run's wait.
    pub alerts: AlertOutcome,
}

/// The stage a pipeline run is in, as the service's overview page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Crawl,
    Classify,
    Inspect,
    Score,
    Digest,
    Alerts,
    /// Written by the caller after the pipeline (`schedule`, the service).
    Report,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Crawl => "抓取",
            Stage::Classify => "证据识别",
            Stage::Inspect => "网站检查",
            Stage::Score => "评分",
            Stage::Digest => "变化摘要",
            Stage::Alerts => "告警推送",
            Stage::Report => "生成报告",
        }
    }
}

/// Crawls, classifies, scores, stores the run's change digest and sends its alerts (waiting for
/// them at most `alerts.wait_ms`).
pub async fn run(
    project: &Project,
    store: &Store,
    opts: crawl::Options,
    now: DateTime<Utc>,
) -> Result<PipelineOutcome, PipelineError> {
    run_observed(project, store, opts, now, |_| {}).await
}

/// [`run`], telling `stage` when each stage begins.
pub async fn run_observed(
    project: &Project,
    store: &Store,
    opts: crawl::Options,
    now: DateTime<Utc>,
    stage: impl Fn(Stage),
) -> Result<PipelineOutcome, PipelineError> {
    stage(Stage::Crawl);
    let run = crawl::run(project, store, opts).await?;
    stage(Stage::Classify);
    crate::search::Search::of(store)?.index_pending(store)?;
    let before = digest::evidence_before(project, store)?;
    let classify = classify_store(project, store, now)?;
    stage(Stage::Inspect);
    let health = assess_store(project, store, run.id)?;
    stage(Stage::Score);
    let board = score_store(project, store)?;
    stage(Stage::Digest);
    let previous = store.health_before(run.id)?.and_then(|(_, h)| h.inspection);
    let inspection_moves = match &health.inspection {
        Some(i) => digest::inspection::moves(&project.roster, previous.as_ref(), i),
        None => Vec::new(),
    };
    let digest = digest::record(
        project,
        store,
        run.id,
        &classify.changes,
        &before,
        &board,
        inspection_moves,
        now,
    )?;
    stage(Stage::Alerts);
    let alerts = alert::dispatch(project, store, &digest).await;
    Ok(PipelineOutcome {
        run,
        classify,
        health,
        board,
        digest,
        alerts,
    })
}

/// Computes and stores the website-health report of a run: the inspection of every unit's site
/// and the dead links.
pub fn assess_store(
    project: &Project,
    store: &Store,
    run: u64,
) -> Result<HealthReport, PipelineError> {
    let report = health::assess(project, store, Some(run))?;
    store.put_health(run, &report)?;
    Ok(report)
}

/// Scores the period from the stored facts.
pub fn score_store(project: &Project, store: &Store) -> Result<Scoreboard, PipelineError> {
    let facts = store.facts()?.period_facts(&project.period.id)?;
    Ok(score::score(project, &facts))
}
