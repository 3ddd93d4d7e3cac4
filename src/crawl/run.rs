//! One crawl run: seeding or resuming, the work loop over the store-backed frontier (entries
//! handed to `handle::process`), progress output and the run summary.
//!
//! Every URL ends in one commit that removes its frontier entry together with everything it
//! produced, so a run killed at any moment and started again with the same command resumes
//! where the store says it was. Ctrl-C (the `stop` flag) stops taking work, lets in-flight
//! URLs finish and commit, flushes, and leaves the run resumable.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::FutureExt;
use tokio::task::JoinSet;

use super::fetch::{FetchError, Fetcher};
use crate::config::crawl::Crawl;
use crate::config::Project;
use crate::store::frontier::FrontierEntry;
use crate::store::pages::Role;
use crate::store::runs::{RunRecord, RunStatus, RunSummary};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("the settings file has no [crawl] section")]
    NoCrawlSection,
    #[error("unknown source {0:?}; configured: {1}")]
    UnknownSource(String, String),
    #[error(
        "crawl.resolve: host {0:?} has port 0 and no port was given at run time (--resolve-port)"
    )]
    PortUnset(String),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a crawl task failed: {0}")]
    Task(String),
}

/// Frontier entries read per scan of the frontier.
const READ_AHEAD: usize = 256;

/// URLs in progress per request slot (`max_in_flight`, enforced by the fetcher): a URL whose
/// response has arrived is decoded, extracted and committed while another URL's request takes its
/// slot. Twice as many keeps the slots busy while the store writer catches up, and bounds what
/// the run holds in memory.
const URLS_PER_REQUEST_SLOT: usize = 2;

/// How a crawl is run; the defaults crawl every source politely.
#[derive(Debug, Clone)]
pub struct Options {
    /// Source names to crawl; empty = all.
    pub sources: Vec<String>,
    /// Stop taking work after this many URLs in this invocation (the run stays resumable).
    pub max_pages: Option<u64>,
    /// Fills the port of every host-map entry configured with port 0 (an ephemeral simweb).
    pub port: Option<u16>,
    /// Host-map entries added or replaced at run time (`curl --resolve`).
    pub resolve: Vec<(String, SocketAddr)>,
    /// Politeness and robots; off only for benchmarks against simweb.
    pub polite: bool,
    /// Replaces the configured `recheck.detail_min` for this invocation.
    pub detail_min: Option<Duration>,
    /// Progress output on stderr (bar on a terminal, else a log line every `log_every`).
    pub progress: bool,
    /// Set to stop taking work (Ctrl-C).
    pub stop: Arc<AtomicBool>,
    /// The date the run observes the web at, recorded on a new run: a simulated night of
    /// simweb (`--as-of`); default the day it starts (Beijing time).
    pub as_of: Option<chrono::NaiveDate>,
    /// Counts of this run, shared with the caller while it goes on.
    pub live: Option<Arc<Progress>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sources: Vec::new(),
            max_pages: None,
            port: None,
            resolve: Vec::new(),
            polite: true,
            detail_min: None,
            progress: false,
            stop: Arc::new(AtomicBool::new(false)),
            as_of: None,
            live: None,
        }
    }
}

/// The host map with runtime ports applied.
pub fn host_map(crawl: &Crawl, opts: &Options) -> Result<Vec<(String, SocketAddr)>, CrawlError> {
    let mut out: Vec<(String, SocketAddr)> = Vec::new();
    for r in &crawl.settings.resolve {
        let mut addr = r.addr;
        if addr.port() == 0 {
            match opts.port {
                Some(p) => addr.set_port(p),
                None if opts
                    .resolve
                    .iter()
                    .any(|(h, _)| h.eq_ignore_ascii_case(&r.host)) => {}
                None => return Err(CrawlError::PortUnset(r.host.clone())),
            }
        }
        out.push((r.host.to_ascii_lowercase(), addr));
    }
    for (h, a) in &opts.resolve {
        out.retain(|(x, _)| !x.eq_ignore_ascii_case(h));
        out.push((h.to_ascii_lowercase(), *a));
    }
    Ok(out)
}

/// A running crawl's counts, read by the progress output and, through [`Options::live`], by
/// whoever started the run (the service's overview page).
#[derive(Debug, Default)]
pub struct Progress {
    /// The run's id, once it is begun or resumed (0 before).
    pub run: AtomicU64,
    /// URLs handled in this invocation.
    pub done: AtomicU64,
    /// Frontier length, kept here because counting a sled tree is a full scan.
    pub queue: AtomicU64,
    pub errors: AtomicU64,
    pub bytes: AtomicU64,
}

pub(super) struct Ctx {
    pub(super) crawl: Arc<Crawl>,
    pub(super) project: Project,
    pub(super) store: Store,
    pub(super) fetcher: Fetcher,
    pub(super) writer: super::writer::Writer,
    pub(super) run: u64,
    pub(super) counters: Arc<Progress>,
    /// Per source name, the fingerprint of each of its lists (`handle::list_fingerprint`),
    /// computed once per run rather than per list page.
    pub(super) list_fingerprints: std::collections::HashMap<String, Vec<String>>,
}

/// Runs (or resumes) a crawl and returns the run record with its summary.
pub async fn run(project: &Project, store: &Store, opts: Options) -> Result<RunRecord, CrawlError> {
    let mut crawl = project.crawl.clone().ok_or(CrawlError::NoCrawlSection)?;
    if let Some(min) = opts.detail_min {
        crawl.detail_min = min;
        crawl.detail_max = crawl.detail_max.max(min);
    }
    let crawl = Arc::new(crawl);
    let names: Vec<String> = crawl.sources.iter().map(|s| s.name.clone()).collect();
    for s in &opts.sources {
        if !names.contains(s) {
            return Err(CrawlError::UnknownSource(s.clone(), names.join(", ")));
        }
    }
    let selected: Vec<String> = if opts.sources.is_empty() {
        names
    } else {
        opts.sources.clone()
    };
    let resolve = host_map(&crawl, &opts)?;
    let fetcher = Fetcher::new(crawl.clone(), &resolve, opts.polite)?;

    let mut record = match store.last_run()? {
        Some(r) if r.status != RunStatus::Complete => {
            tracing::info!(run = r.id, "resuming unfinished run");
            let numbered = store.number_frontier(r.id)?;
            if numbered > 0 {
                tracing::info!(numbered, "queued URLs numbered from the frontier");
            }
            r
        }
        last => {
            let id = last.map_or(1, |r| r.id + 1);
            let r = RunRecord {
                id,
                started_at: Utc::now(),
                finished_at: None,
                status: RunStatus::Running,
                sources: selected.clone(),
                active_s: 0.0,
                summary: None,
                as_of: opts.as_of,
            };
            store.put_run(&r)?;
            store.begin_run_here(id);
            let mut seeds = Vec::new();
            for s in crawl.sources.iter().filter(|s| selected.contains(&s.name)) {
                for (li, u) in s.entries() {
                    if let Some(u) = fetcher.normalizer().normalize(u.clone()) {
                        seeds.push(FrontierEntry {
                            seq: 0,
                            id: 0,
                            url: u.to_string(),
                            source: s.name.clone(),
                            role: Role::List,
                            list: Some(li),
                            page_no: 1,
                            context: None,
                        });
                    }
                }
            }
            store.enqueue(id, seeds)?;
            store.flush_async().await?;
            r
        }
    };
    record.status = RunStatus::Running;
    store.put_run(&record)?;

    let list_fingerprints = crawl
        .sources
        .iter()
        .map(|s| {
            let fps = s
                .lists
                .iter()
                .map(|l| super::handle::list_fingerprint(l, fetcher.normalizer()))
                .collect();
            (s.name.clone(), fps)
        })
        .collect();
    let ctx = Arc::new(Ctx {
        list_fingerprints,
        crawl: crawl.clone(),
        project: project.clone(),
        store: store.clone(),
        fetcher,
        writer: super::writer::Writer::start(store.clone(), record.id)?,
        run: record.id,
        counters: opts.live.clone().unwrap_or_default(),
    });
    ctx.counters.run.store(record.id, Ordering::Relaxed);
    ctx.counters
        .queue
        .store(store.frontier_len()? as u64, Ordering::Relaxed);
    let started = Instant::now();
    let progress = opts
        .progress
        .then(|| spawn_progress(ctx.clone(), crawl.log_every));

    let max_in_progress = crawl.settings.max_in_flight.max(1) as usize * URLS_PER_REQUEST_SLOT;
    let mut tasks: JoinSet<(u64, Result<(), CrawlError>)> = JoinSet::new();
    let mut in_progress: HashSet<u64> = HashSet::new();
    let mut taken: u64 = 0;
    // Entries are taken in queue order and new ones get higher keys, so everything at or below
    // the last key taken is in progress or done: the next look starts after it.
    let mut cursor: Option<u64> = None;
    // Entries read ahead of the cursor, not yet taken: one frontier scan per chunk instead of
    // one per finished URL. Bounded, and safe to hold: new entries only ever get higher keys.
    let mut ahead: std::collections::VecDeque<FrontierEntry> = std::collections::VecDeque::new();
    let mut last_flush = Instant::now();
    let mut flushing: Option<tokio::task::JoinHandle<Result<(), StoreError>>> = None;
    let mut first_error: Option<CrawlError> = None;
    loop {
        let stopping = opts.stop.load(Ordering::Relaxed)
            || opts.max_pages.is_some_and(|m| taken >= m)
            || first_error.is_some();
        let mut found = false;
        while !stopping
            && in_progress.len() < max_in_progress
            && opts.max_pages.is_none_or(|m| taken < m)
        {
            if ahead.is_empty() {
                // Everything read before was taken, so the cursor is where reading resumes.
                ahead.extend(store.pending(cursor, READ_AHEAD)?);
            }
            let Some(e) = ahead.pop_front() else {
                break;
            };
            found = true;
            taken += 1;
            cursor = Some(e.seq);
            in_progress.insert(e.seq);
            let c = ctx.clone();
            tasks.spawn(async move {
                let seq = e.seq;
                // A panic anywhere in the URL's handling fails the URL, not the run (the
                // response's handling has its own guard; this one covers the rest).
                let work = std::panic::AssertUnwindSafe(super::handle::process(&c, e.clone()));
                let r = match work.catch_unwind().await {
                    Ok(r) => r,
                    Err(panic) => {
                        let why = super::handle::panic_message(panic.as_ref());
                        tracing::warn!(url = %e.url, reason = %why, "crawl task panicked");
                        super::handle::after_panic(&c, e, why).await
                    }
                };
                (seq, r)
            });
        }
        if in_progress.is_empty() && !found {
            break;
        }
        tokio::select! {
            Some(res) = tasks.join_next() => {
                match res {
                    Ok((seq, r)) => {
                        in_progress.remove(&seq);
                        if let Err(e) = r {
                            tracing::error!(error = %e, "store write failed; stopping");
                            first_error.get_or_insert(e);
                        }
                    }
                    Err(join) => {
                        // A panicking task leaves its entry in the frontier for the next run.
                        tracing::error!(error = %join, "crawl task failed; stopping");
                        first_error.get_or_insert(CrawlError::Task(join.to_string()));
                        in_progress.clear();
                        tasks.abort_all();
                    }
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(50)), if !found => {}
        }
        if last_flush.elapsed() > Duration::from_millis(500) {
            // In a task of its own: the loop goes on handing out work while the store syncs
            // (a few milliseconds every half second, which left slots idle). One at a time.
            match flushing.take() {
                Some(f) if !f.is_finished() => flushing = Some(f),
                done => {
                    if let Some(f) = done {
                        flushed(f).await?;
                    }
                    let s = store.clone();
                    flushing = Some(tokio::spawn(async move { s.flush_async().await }));
                }
            }
            last_flush = Instant::now();
        }
    }
    if let Some(f) = flushing {
        flushed(f).await?;
    }
    store.flush_async().await?;
    if let Some(p) = progress {
        p.abort();
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    record.active_s += started.elapsed().as_secs_f64();
    let pending = store.frontier_len()?;
    if pending == 0 {
        let gone = store.mark_unlinked(record.id, &record.sources, Utc::now())?;
        if gone > 0 {
            tracing::info!(gone, "pages no longer linked");
        }
    }
    let mut summary: RunSummary = store.summarize(record.id, record.active_s)?;
    summary.faults = store.fault_summary(record.id)?;
    if pending == 0 {
        record.status = RunStatus::Complete;
        record.finished_at = Some(Utc::now());
    } else {
        record.status = RunStatus::Interrupted;
    }
    record.summary = Some(summary);
    store.put_run(&record)?;
    store.flush_async().await?;
    Ok(record)
}

/// The outcome of a flush started in a task of its own.
async fn flushed(f: tokio::task::JoinHandle<Result<(), StoreError>>) -> Result<(), CrawlError> {
    f.await
        .map_err(|e| CrawlError::Task(format!("store flush: {e}")))??;
    Ok(())
}

fn spawn_progress(ctx: Arc<Ctx>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = Instant::now();
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        loop {
            let done = ctx.counters.done.load(Ordering::Relaxed);
            let errors = ctx.counters.errors.load(Ordering::Relaxed);
            let queue = ctx.counters.queue.load(Ordering::Relaxed);
            let rate = done as f64 / start.elapsed().as_secs_f64().max(0.001);
            let msg = format!(
                "run {}: {done} pages, {rate:.1}/s, queue {queue}, errors {errors}",
                ctx.run
            );
            match &bar {
                Some(b) => b.set_message(msg),
                None => tracing::info!("{msg}"),
            }
            tokio::time::sleep(if bar.is_some() {
                Duration::from_millis(250)
            } else {
                every.max(Duration::from_millis(250))
            })
            .await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn host_map_ports_are_filled_at_run_time() {
        let project = Project::load(Path::new("crawl-config/simweb.toml")).unwrap();
        let crawl = project.crawl.unwrap();
        match host_map(&crawl, &Options::default()) {
            Err(CrawlError::PortUnset(h)) => assert_eq!(h, "www.tongbai.sim"),
            other => panic!("{other:?}"),
        }
        let map = host_map(
            &crawl,
            &Options {
                port: Some(8700),
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(map.len(), crate::simweb::Site::ALL.len());
        assert!(map
            .iter()
            .all(|(_, a)| a.port() == 8700 && a.ip().is_loopback()));
        let over: SocketAddr = "127.0.0.1:9999".parse().unwrap();
        let opts = Options {
            port: Some(8700),
            resolve: vec![("zxgk.court.sim".into(), over)],
            ..Options::default()
        };
        let map = host_map(&crawl, &opts).unwrap();
        assert_eq!(
            map.iter()
                .find(|(h, _)| h == "zxgk.court.sim")
                .map(|(_, a)| *a),
            Some(over)
        );
        assert_eq!(map.len(), crate::simweb::Site::ALL.len());
    }
}
