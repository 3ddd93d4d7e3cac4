//! The `govtrust` command line: parses arguments, calls the library, prints, maps errors to exit
//! codes. Nothing here knows how a stage works.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use govtrust::config::Project;
use govtrust::crawl;
use govtrust::store::runs::{RunRecord, RunStatus};
use govtrust::store::Store;

#[derive(Parser)]
#[command(
    name = "govtrust",
    version,
    about = "政务诚信监测评估：网络监测、评分与报告"
)]
struct Cli {
    /// The sled store directory.
    #[arg(long, global = true, env = "GOVTRUST_STORE", default_value = "./data")]
    store: PathBuf,
    /// The settings file (period, roster, catalogs, crawl settings).
    #[arg(
        long,
        global = true,
        env = "GOVTRUST_CONFIG",
        default_value = "crawl-config/simweb.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate all configuration: settings, roster, catalogs, crawl settings and every source
    /// definition; exit 1 listing every problem.
    CheckConfig,
    /// Crawl the configured sources (or resume the unfinished run) into the store.
    Crawl {
        /// Only these sources (repeatable); default all.
        #[arg(long = "source")]
        sources: Vec<String>,
        /// Stop after this many URLs; the run stays resumable.
        #[arg(long)]
        max_pages: Option<u64>,
        /// Port for every host-map entry configured with port 0 (a simweb started on any port).
        #[arg(long)]
        resolve_port: Option<u16>,
        /// Extra host-map entries, `HOST=IP:PORT` (like curl --resolve).
        #[arg(long = "resolve", value_parser = parse_resolve)]
        resolve: Vec<(String, std::net::SocketAddr)>,
        /// Turn politeness and robots off (benchmarks against simweb only).
        #[arg(long)]
        impolite: bool,
    },
    /// List crawl runs with their summaries.
    Runs,
}

fn parse_resolve(s: &str) -> Result<(String, std::net::SocketAddr), String> {
    let (h, a) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected HOST=IP:PORT"))?;
    let addr = a.parse().map_err(|e| format!("{a:?}: {e}"))?;
    Ok((h.trim().to_ascii_lowercase(), addr))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::CheckConfig => {
            let project = Project::load(&cli.config)?;
            println!(
                "configuration OK: {} units ({} townships, {} departments), {} catalogs, period {} ({} – {})",
                project.roster.units.len(),
                project.roster.of_kind(govtrust::config::Kind::Township).count(),
                project.roster.of_kind(govtrust::config::Kind::Department).count(),
                project.catalogs.len(),
                project.period.id,
                project.period.start,
                project.period.end
            );
            if let Some(c) = &project.crawl {
                let lists: usize = c.sources.iter().map(|s| s.lists.len()).sum();
                let details: usize = c.sources.iter().map(|s| s.details.len()).sum();
                println!(
                    "crawl OK: {} sources ({}), {lists} lists, {details} detail shapes, {} mapped hosts",
                    c.sources.len(),
                    c.sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                    c.settings.resolve.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Crawl {
            sources,
            max_pages,
            resolve_port,
            resolve,
            impolite,
        } => {
            let project = Project::load(&cli.config)?;
            let store = Store::open(&cli.store)?;
            let _ = rustls::crypto::ring::default_provider().install_default();
            let stop = Arc::new(AtomicBool::new(false));
            let opts = crawl::Options {
                sources,
                max_pages,
                port: resolve_port,
                resolve,
                polite: !impolite,
                progress: true,
                stop: stop.clone(),
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let record = rt.block_on(async move {
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        eprintln!("\n停止接收新任务，等待进行中的请求完成…");
                        stop.store(true, Ordering::Relaxed);
                    }
                });
                crawl::run(&project, &store, opts).await
            })?;
            print_run(&record);
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs => {
            let store = Store::open(&cli.store)?;
            let runs = store.runs()?;
            if runs.is_empty() {
                println!("（尚无抓取记录）");
            }
            for r in &runs {
                print_run(r);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_run(r: &RunRecord) {
    let status = match r.status {
        RunStatus::Running => "进行中",
        RunStatus::Interrupted => "已中断（再次执行 crawl 继续）",
        RunStatus::Complete => "已完成",
    };
    println!(
        "抓取 #{} {} 开始 {} 来源 {}",
        r.id,
        status,
        r.started_at.format("%Y-%m-%d %H:%M:%S"),
        r.sources.join(",")
    );
    if let Some(s) = &r.summary {
        let by = |m: &std::collections::BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  网址 {}  请求 {}  字节 {}  重试 {}  robots 跳过 {}  文档 {}  用时 {:.1}s",
            s.urls, s.requests, s.bytes, s.retries, s.robots_skips, s.documents, s.duration_s
        );
        println!("  状态 {}", by(&s.by_status));
        println!("  变化 {}", by(&s.by_change));
        for (h, hs) in &s.per_host {
            println!(
                "  {h}: {} 次请求, 实际速率 {:.2}/s",
                hs.requests, hs.achieved_rate
            );
        }
    }
}
