//! `govtrust serve`: the JSON API and the analyst pages over the store, and with `--schedule`
//! the nightly pipeline in the same process (one open store for both), until SIGTERM or
//! Ctrl-C, which stop it gracefully: no new requests or URLs, the requests and pages in flight
//! finish, the store is flushed, exit 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use govtrust::config::Project;
use govtrust::schedule::{self, Plan, ScheduleOptions, Shutdown};
use govtrust::serve::{self, ServeOptions};
use govtrust::service::Runner;

use super::crawl::CrawlArgs;
use super::open_store;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but loopback needs --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Access token required on every request (header `Authorization: Bearer …` or /login?token=…).
    #[arg(long, env = "GOVTRUST_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Write token: without it the server is read-only (confirm/reject, run-now, report and
    /// backup return 403).
    #[arg(long, env = "GOVTRUST_WRITE_TOKEN", hide_env_values = true)]
    pub write_token: Option<String>,
    /// A host name clients use besides loopback and the listening address (repeatable; also
    /// `[serve] allowed_hosts`); a request under any other name gets 421.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
    /// Run the nightly pipeline in this process on the `[schedule]` plan.
    #[arg(long)]
    pub schedule: bool,
    /// With --schedule: every N seconds instead of the cron expression (trials).
    #[arg(long, requires = "schedule")]
    pub every: Option<u64>,
    /// Write the report here after each run and on POST /api/report (default: `[schedule]
    /// report_dir`).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Where POST /api/backup writes its copies (default: `[serve] backup_dir`).
    #[arg(long)]
    pub backup_dir: Option<PathBuf>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

pub fn serve(config: &Path, store: &Path, a: ServeArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    // Opened (built when missing, damaged or of an older schema) and brought up to date
    // before the first request.
    govtrust::search::Search::of(&store)?.index_pending(&store)?;
    let plan = match (a.schedule, a.every) {
        (false, _) => None,
        (true, Some(s)) => Some(Plan::every(Duration::from_secs(s))?),
        (true, None) => Some(Plan::of(&project)?),
    };
    let report_dir = a.report_dir.or_else(|| {
        let dir = project.settings.schedule.as_ref()?.report_dir.as_ref()?;
        Some(project.base_dir().join(dir))
    });
    let backup_dir = a.backup_dir.or_else(|| {
        let dir = project.settings.serve.backup_dir.as_ref()?;
        Some(project.base_dir().join(dir))
    });
    let mut crawl = super::crawl::options(a.crawl);
    crawl.progress = false;
    let writable = a.write_token.as_deref().is_some_and(|w| !w.is_empty());
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The pipeline's own threads: its CPU-bound stages never hold the ones that answer.
    let jobs = tokio::runtime::Builder::new_multi_thread()
        .thread_name("govtrust-job")
        .enable_all()
        .build()?;
    let shutdown = Shutdown::new();
    let runner = Runner::new(
        project.clone(),
        store.clone(),
        ScheduleOptions {
            crawl,
            report_dir,
            max_runs: None,
        },
        shutdown.clone(),
        jobs.handle().clone(),
    );
    let rt = tokio::runtime::Runtime::new()?;
    let code = rt.block_on(async move {
        let server = serve::start(
            project,
            store.clone(),
            ServeOptions {
                listen: a.listen,
                token: a.token,
                write_token: a.write_token,
                allowed_hosts: a.allow_hosts,
                runner: Some(runner.clone()),
                backup_dir,
            },
        )
        .await?;
        let ticks = plan.map(|plan| {
            let r = runner.clone();
            tokio::spawn(async move { schedule::tick_loop(&r, &plan, None).await })
        });
        println!(
            "govtrust serve: http://{}/ （{}{}）；pid {}；SIGTERM 或 Ctrl-C 停止",
            server.addr(),
            if writable { "可写" } else { "只读" },
            if ticks.is_some() {
                "，定时运行"
            } else {
                ""
            },
            std::process::id()
        );
        super::schedule::wait_for_signal().await;
        eprintln!("正在停止：不再接受新请求和新网址，等待进行中的请求和页面完成…");
        shutdown.trigger();
        // The run winds down and the store is flushed even when the server stopped badly.
        let stopped = server.shutdown().await;
        if let Some(t) = ticks {
            let _ = t.await;
        }
        runner.wait_idle().await;
        store.flush()?;
        stopped?;
        eprintln!("已停止，存储已写盘。");
        anyhow::Ok(ExitCode::SUCCESS)
    });
    // Alert deliveries still retrying belong to the finished runs: not waited for.
    jobs.shutdown_timeout(Duration::from_secs(1));
    code
}
