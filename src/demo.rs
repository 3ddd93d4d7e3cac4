//! `govtrust demo`: the whole pipeline on the bundled simulated county. Starts simweb in-process
//! on an ephemeral loopback port, imports the bundled sample submissions, crawls the simulated
//! sites politely with `crawl-config/simweb.toml`, classifies, scores, writes the results into
//! the output directory, and measures the web findings against simweb's ground truth.
//!
//! The website inspection needs a history, so the demo crawls three nights of the simulated
//! week ([`NIGHTS`]): night 1 whole, then nights 5 and 8 of the units' sites only, with the
//! details fetched the night before left unvisited (what a production re-check does within a
//! day) — the lists, the new articles and every unit's home, a few hundred requests a night
//! rather than night 1's thousands. Each night runs the whole pipeline (classify, inspect,
//! score, digest); the results are those of the last night, measured against its truth.
//!
//! The demo's store lives in `OUT/store` and is recreated on every run, so the same seed gives
//! the same store, scores and results.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::config::{ConfigError, Project};
use crate::crawl;
use crate::eval::{evaluate, EvalError, EvalReport};
use crate::pipeline::{self, PipelineError, PipelineOutcome};
use crate::report::archive::{write_from_store, ArchiveError};
use crate::score::render;
use crate::simweb::{self, FaultProfile, SimOptions};
use crate::store::{Store, StoreError};
use crate::submit::{import_dir, ImportError, ImportSummary};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Settings file (`crawl-config/simweb.toml`).
    pub config: PathBuf,
    /// Directory of sample submissions (`samples/submissions`).
    pub samples: PathBuf,
    /// Output directory (`out`).
    pub out: PathBuf,
    pub seed: u64,
    pub scale: u64,
    pub faults: FaultProfile,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot prepare {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("simweb: {0}")]
    Simweb(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sample submissions: {0}")]
    Import(#[from] ImportError),
    #[error(transparent)]
    Pipeline(#[from] Box<PipelineError>),
    #[error("evaluation: {0}")]
    Eval(#[from] EvalError),
    #[error("rendering scores: {0}")]
    Render(#[from] render::RenderError),
    #[error("report: {0}")]
    Report(#[from] Box<ArchiveError>),
}

// Boxed: the two large errors would otherwise make every demo `Result` several hundred bytes.
impl From<PipelineError> for DemoError {
    fn from(e: PipelineError) -> Self {
        DemoError::Pipeline(Box::new(e))
    }
}

impl From<ArchiveError> for DemoError {
    fn from(e: ArchiveError) -> Self {
        DemoError::Report(Box::new(e))
    }
}

/// The simulated nights the demo crawls: the first one whole, the later ones for the history
/// (a week that spans the planted outage of nights 2–8 and the backdated batch of night 4).
pub const NIGHTS: [u32; 3] = [1, 5, 8];

/// The sources the later nights crawl: where the units' sites are — the county portal, the
/// township on its Hanweb site and the department on its TrueCMS site.
pub const HISTORY_SOURCES: [&str; 3] = ["sim-tongbai", "sim-huaiyuan", "sim-fgw"];

/// What the demo produced.
#[derive(Debug)]
pub struct DemoOutcome {
    pub import: ImportSummary,
    /// The nights before the last, in order.
    pub earlier: Vec<PipelineOutcome>,
    /// The last night's pipeline: its scores, inspection and digest are the demo's results.
    pub pipeline: PipelineOutcome,
    pub eval: EvalReport,
    /// Files written, in order.
    pub files: Vec<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write(path: PathBuf, text: &str, files: &mut Vec<PathBuf>) -> Result<(), DemoError> {
    std::fs::write(&path, text).map_err(io(&path))?;
    files.push(path);
    Ok(())
}

/// Runs the demo end to end.
pub async fn run(opts: DemoOptions) -> Result<DemoOutcome, DemoError> {
    let project = Project::load(&opts.config)?;
    std::fs::create_dir_all(&opts.out).map_err(io(&opts.out))?;
    let store_dir = opts.out.join("store");
    if store_dir.exists() {
        std::fs::remove_dir_all(&store_dir).map_err(io(&store_dir))?;
    }
    let store = Store::open(&store_dir)?;
    let now = Utc::now();

    let import = import_dir(&project, &store, &opts.samples, now)?;
    let mut nights = Vec::new();
    let mut truth = None;
    for (i, &night) in NIGHTS.iter().enumerate() {
        let sim = simweb::start(SimOptions {
            seed: opts.seed,
            scale: opts.scale,
            night,
            faults: opts.faults,
            roster: Some(project.roster.clone()),
            ..SimOptions::default()
        })
        .await
        .map_err(|e| DemoError::Simweb(e.to_string()))?;
        truth = Some(sim.truth());
        let mut crawl_opts = crawl::Options {
            port: Some(sim.addr().port()),
            progress: true,
            as_of: Some(simweb::night_date(night)),
            // Details are due again 20 hours after their fetch, as in production: the later
            // nights, seconds apart in real time, visit only the lists and what is new.
            detail_min: Some(std::time::Duration::from_secs(20 * 3600)),
            ..crawl::Options::default()
        };
        if i > 0 {
            crawl_opts.sources = HISTORY_SOURCES.map(String::from).to_vec();
        }
        let outcome = pipeline::run(&project, &store, crawl_opts, now).await;
        sim.shutdown().await;
        nights.push(outcome?);
    }
    let truth = truth.ok_or_else(|| DemoError::Simweb("no night crawled".into()))?;
    let pipeline = nights
        .pop()
        .ok_or_else(|| DemoError::Simweb("no night crawled".into()))?;
    let eval = evaluate(&project, &store, &truth, now)?;

    let mut files = Vec::new();
    write(
        opts.out.join("scores.txt"),
        &render::table(&pipeline.board),
        &mut files,
    )?;
    write(
        opts.out.join("scores.json"),
        &render::json(&pipeline.board)?,
        &mut files,
    )?;
    write(
        opts.out.join("scores.csv"),
        &render::csv(&pipeline.board)?,
        &mut files,
    )?;
    write(opts.out.join("accuracy.txt"), &eval.render(), &mut files)?;
    write(
        opts.out.join("health.txt"),
        &pipeline.health.render(&project),
        &mut files,
    )?;
    let truth_json =
        serde_json::to_string_pretty(&truth).map_err(|e| DemoError::Simweb(e.to_string()))?;
    write(opts.out.join("truth.json"), &truth_json, &mut files)?;
    let report = write_from_store(&project, &store, &opts.out, Some(pipeline.run.id), now)?;
    files.extend([report.files.html, report.files.xlsx, report.files.markdown]);
    store.flush()?;
    Ok(DemoOutcome {
        import,
        earlier: nights,
        pipeline,
        eval,
        files,
    })
}
