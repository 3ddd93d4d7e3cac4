//! `govtrust crawl` and `govtrust runs`: run (or resume) a crawl of the configured sources, and
//! list the runs with their summaries.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use govtrust::config::Project;
use govtrust::crawl;
use govtrust::store::faults::FaultKind;
use govtrust::store::runs::{RunRecord, RunStatus};

use super::open_store;

/// Options of `govtrust crawl`.
#[derive(clap::Args)]
pub struct CrawlArgs {
    /// Only these sources (repeatable); default all.
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// Stop after this many URLs; the run stays resumable.
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Port for every host-map entry configured with port 0 (a simweb started on any port).
    #[arg(long)]
    pub resolve_port: Option<u16>,
    /// Extra host-map entries, `HOST=IP:PORT` (like curl --resolve).
    #[arg(long = "resolve", value_parser = parse_resolve)]
    pub resolve: Vec<(String, std::net::SocketAddr)>,
    /// Turn politeness and robots off (benchmarks against simweb only).
    #[arg(long)]
    pub impolite: bool,
    /// Overrides `crawl.recheck.detail_min` for this invocation: `0s` re-checks every detail
    /// tonight; `20h` skips details fetched in the last 20 hours.
    #[arg(long, value_name = "DURATION", value_parser = parse_min)]
    pub detail_min: Option<std::time::Duration>,
    /// The date this run is taken to observe the web at (`YYYY-MM-DD`), for a simulated night
    /// of simweb; the website inspection judges at it. Default: today (Beijing time).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
}

fn parse_min(s: &str) -> Result<std::time::Duration, String> {
    govtrust::config::crawl::parse_duration(s)
}

pub fn parse_resolve(s: &str) -> Result<(String, std::net::SocketAddr), String> {
    let (h, a) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected HOST=IP:PORT"))?;
    let addr = a.parse().map_err(|e| format!("{a:?}: {e}"))?;
    Ok((h.trim().to_ascii_lowercase(), addr))
}

pub fn crawl(config: &Path, store: &Path, args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = options(args);
    let stop = opts.stop.clone();
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

/// The crawl options the command line asks for; Ctrl-C sets `stop`.
pub fn options(args: CrawlArgs) -> crawl::Options {
    crawl::Options {
        sources: args.sources,
        max_pages: args.max_pages,
        port: args.resolve_port,
        resolve: args.resolve,
        polite: !args.impolite,
        detail_min: args.detail_min,
        progress: true,
        stop: Arc::new(AtomicBool::new(false)),
        as_of: args.as_of,
        live: None,
    }
}

pub fn runs(store: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(store)?;
    let runs = store.runs()?;
    if runs.is_empty() {
        println!("（尚无抓取记录）");
    }
    for r in &runs {
        print_run(r);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_run(r: &RunRecord) {
    let status = match r.status {
        RunStatus::Running => "进行中",
        RunStatus::Interrupted => "已中断（再次执行 crawl 继续）",
        RunStatus::Complete => "已完成",
    };
    let as_of = r.as_of.map(|d| format!(" 观测日 {d}")).unwrap_or_default();
    println!(
        "抓取 #{} {} 开始 {}{as_of} 来源 {}",
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
        for (url, cap) in &s.capped_lists {
            println!("  列表达到页数上限 {cap} 页，更早的条目未抓取：{url}");
        }
        let f = &s.faults;
        if !f.is_empty() {
            println!(
                "  页面故障：处理失败 {}  部分读取 {}  隔离中 {}",
                f.failed, f.truncated, f.quarantined
            );
            for p in &f.pages {
                let what = match p.kind {
                    FaultKind::Truncated => "部分读取".to_string(),
                    FaultKind::Failed if p.quarantined_at.is_some() => {
                        format!("隔离中（连续 {} 次失败）", p.nights)
                    }
                    FaultKind::Failed => format!("处理失败（连续 {} 次）", p.nights),
                };
                println!("    {what} {}：{}", p.url, p.reason);
            }
        }
    }
}
