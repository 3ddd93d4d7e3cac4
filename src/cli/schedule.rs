//! `govtrust schedule`: the long-running nightly runner. Logs through `tracing` (RUST_LOG, default
//! `info`), stops cleanly on SIGTERM or Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use govtrust::config::Project;
use govtrust::schedule::{self, Plan, ScheduleOptions, Shutdown};

use super::crawl::CrawlArgs;
use super::open_store;

#[derive(clap::Args)]
pub struct ScheduleArgs {
    /// Run every N seconds instead of the `[schedule]` cron expression (trials).
    #[arg(long)]
    pub every: Option<u64>,
    /// Stop after this many runs (default: until SIGTERM / Ctrl-C).
    #[arg(long)]
    pub runs: Option<u32>,
    /// Write the report here after each run (default: `[schedule] report_dir`, else no report).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

pub fn schedule(config: &Path, store: &Path, args: ScheduleArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let plan = match args.every {
        Some(s) => Plan::every(Duration::from_secs(s))?,
        None => Plan::of(&project)?,
    };
    let report_dir = args.report_dir.or_else(|| {
        let dir = project.settings.schedule.as_ref()?.report_dir.as_ref()?;
        Some(project.base_dir().join(dir))
    });
    let mut crawl = super::crawl::options(args.crawl);
    crawl.progress = false;
    let opts = ScheduleOptions {
        crawl,
        report_dir,
        max_runs: args.runs,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = rt.block_on(async move {
        let shutdown = Shutdown::new();
        let s = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown requested: no new runs; the current crawl stops taking URLs");
            s.trigger();
        });
        schedule::serve(&project, &store, &plan, opts, shutdown).await
    });
    Ok(if summary.failed > 0 && summary.failed == summary.runs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(unix)]
pub async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
pub async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
