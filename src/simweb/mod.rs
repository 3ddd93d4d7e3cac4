//! simweb: the simulated county web used by tests, benchmarks and the demo — a county portal
//! (Henan platform shape), a city portal (TRS WCM), a public-credit site with 双公示 lists and a
//! JSON API, a court-disclosure site, and sites of the real CMS platforms (a Hanweb JCMS
//! township site, a TrueCMS bureau site, a TRS notices site), served on one loopback port and
//! told apart by `Host`.
//! Pages are generated on request from `(seed, scale, night, path)`; faults follow a profile;
//! the ground truth of every planted fact comes from [`SimWeb::truth`]. `docs/simweb.md` is the
//! contract with source definitions: URL map, pagers, API, encodings, faults, nights, truth.

mod attach;
mod city;
mod court;
mod credit;
pub mod faults;
mod hanweb;
mod hosting;
mod inspection_truth;
mod model;
mod notices;
mod page;
pub mod patterns;
mod plant;
#[cfg(test)]
mod platform_tests;
mod portal;
pub mod province;
mod registry;
mod report;
pub mod rng;
mod server;
mod text;
mod trs;
mod truecms;
pub mod truth;
mod unit_docs;
mod urls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::config::{ConfigError, Roster};
pub use faults::{Failure, FaultProfile, Plan, RetryAfter};
pub use model::Site;
pub use page::Reply;
pub use province::{county_host, MAX_COUNTIES};
pub use server::LogEntry;
pub use truth::Truth;

/// The simulated date of night `night` (night 1 is 2024-02-01): what a crawl of that night
/// observes the web at (`crawl::Options::as_of`).
pub fn night_date(night: u32) -> chrono::NaiveDate {
    model::ymd(model::NIGHT_ONE) + chrono::Duration::days(i64::from(night.max(1)) - 1)
}

/// The roster simweb uses when none is given.
pub const DEFAULT_ROSTER: &str = "crawl-config/units/tongbai.toml";

/// The generator of one night of the simulated web, without a server.
pub struct SimWeb {
    model: model::Model,
    /// Which county of a multi-county simweb this is (0: today's county, as generated).
    county: u32,
    /// County k's host names in place of county 0's (none for county 0).
    rehost: Option<province::Rehost>,
}

/// Whether a URL of the web is a list page (homes, section indexes, column pages, the credit
/// site's list and API pages, the court's lists: what a crawl re-checks every night) or a
/// detail (an article, an attachment, a record, a case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    List,
    Detail,
}

impl SimWeb {
    pub fn new(roster: Roster, seed: u64, scale: u64, night: u32) -> SimWeb {
        SimWeb::county(roster, seed, scale, night, 0)
    }

    /// County `county` of a multi-county web (`docs/simweb.md`, Counties): county 0 is
    /// [`SimWeb::new`]; county k ≥ 1 is generated from [`province::county_seed`] and served
    /// under its own hosts ([`province::county_host`]: `www.tongbai.c017.sim`).
    pub fn county(roster: Roster, seed: u64, scale: u64, night: u32, county: u32) -> SimWeb {
        SimWeb {
            model: model::Model::new(roster, province::county_seed(seed, county), scale, night),
            county,
            rehost: province::Rehost::new(county),
        }
    }

    /// The county number (0 for today's county).
    pub fn county_number(&self) -> u32 {
        self.county
    }

    /// This county's host of a site.
    pub fn host(&self, site: Site) -> String {
        province::county_host(site, self.county)
    }

    /// This county's hosts, in [`Site::ALL`] order.
    pub fn hosts(&self) -> Vec<String> {
        Site::ALL.iter().map(|&s| self.host(s)).collect()
    }

    /// The delay `--wan-latency` puts before the answer to `ident` (path with query; a POST's
    /// form after `#`) on a site of this county.
    pub fn wan_delay(&self, site: Site, ident: &str) -> Duration {
        province::wan_delay(self.model.seed, &self.host(site), ident)
    }

    /// Loads the roster from `path` (relative paths are also tried against the crate root, so
    /// tests and benches find the shipped roster from any working directory).
    pub fn load_roster(path: &Path) -> Result<Roster, ConfigError> {
        match Roster::load(path) {
            Ok(r) => Ok(r),
            Err(e) if path.is_relative() => {
                let alt = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
                if alt.exists() {
                    Roster::load(&alt)
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    pub fn seed(&self) -> u64 {
        self.model.seed
    }

    #[cfg(test)]
    pub(crate) fn model(&self) -> &model::Model {
        &self.model
    }

    pub fn night(&self) -> u32 {
        self.model.night
    }

    pub fn scale(&self) -> u64 {
        self.model.scale
    }

    /// The ground truth of this night (a pure function of roster, seed, scale and night), with
    /// this county's host names.
    pub fn truth(&self) -> Truth {
        let t = truth::build(&self.model);
        let Some(r) = &self.rehost else {
            return t;
        };
        // Host names are in URLs and the host list only; they are rewritten in the truth's
        // JSON as in the pages.
        let rewritten = serde_json::to_string(&t)
            .map_err(|e| e.to_string())
            .and_then(|json| serde_json::from_str(&r.text(&json)).map_err(|e| e.to_string()));
        match rewritten {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(county = self.county, "simweb truth not rewritten: {e}");
                t
            }
        }
    }

    /// Streams every in-scope reachable URL (absolute, no port) to `f`.
    pub fn for_each_url(&self, f: &mut dyn FnMut(String)) {
        self.for_each_page(&mut |u, _| f(u))
    }

    /// [`SimWeb::for_each_url`] with whether each URL is a list page or a detail.
    pub fn for_each_page(&self, f: &mut dyn FnMut(String, UrlKind)) {
        match &self.rehost {
            None => urls::for_each_url(&self.model, f),
            Some(r) => urls::for_each_url(&self.model, &mut |u, k| f(r.url(u), k)),
        }
    }

    /// Number of in-scope reachable URLs.
    pub fn page_count(&self) -> u64 {
        let mut n = 0u64;
        self.for_each_url(&mut |_| n += 1);
        n
    }

    /// Number of items held in memory (planted documents, records, cases): independent of scale.
    pub fn planted_len(&self) -> usize {
        self.model.docs.len() + self.model.records.len() + self.model.cases.len()
    }

    /// Answers one request without faults or validators (what the server sends for a 200).
    /// `query` is the URL's query and, for a POST, its form body after it (`a=1&b=2`).
    pub fn serve(&self, site: Site, path: &str, query: &str, profile: FaultProfile) -> Reply {
        let mut reply = self.serve_county_zero(site, path, query, profile);
        if let Some(r) = &self.rehost {
            if reply.special == page::Special::None {
                reply.body = bytes::Bytes::from(r.bytes(&reply.body));
            }
            reply.location = reply.location.map(|l| r.text(&l));
        }
        reply
    }

    /// What county 0 would answer (county k's host names are put in by [`SimWeb::serve`]).
    fn serve_county_zero(
        &self,
        site: Site,
        path: &str,
        query: &str,
        profile: FaultProfile,
    ) -> Reply {
        let m = &self.model;
        if path == "/robots.txt" {
            let delay = match self.county {
                0 => Some(county_zero_delay(site)),
                k => province::crawl_delay(m.seed, k, site),
            };
            return robots(site, delay);
        }
        match site {
            Site::County if path.starts_with("/zt/") => faults::zt(profile, path),
            Site::County => portal::serve(m, path, &faults::fault_links(profile)),
            Site::City => city::serve(m, path),
            Site::Credit => credit::serve(m, path, query),
            Site::Court => court::serve(m, path, query),
            Site::Hanweb => hanweb::serve(m, path, query),
            Site::TrueCms => truecms::serve(m, path, query),
            Site::Trs => trs::serve(m, path),
        }
    }

    /// The fault plan of a path under a profile (tests use it to find a path with a given fault).
    pub fn fault_plan(&self, profile: FaultProfile, site: Site, path_and_query: &str) -> Plan {
        faults::plan(self.model.seed, profile, &self.host(site), path_and_query)
    }
}

/// County 0's Crawl-delay: small, so that a polite crawl of the county finishes in a test.
fn county_zero_delay(site: Site) -> &'static str {
    match site {
        Site::Credit => "0.02",
        Site::Court => "0.05",
        _ => "0.01",
    }
}

fn robots(site: Site, delay: Option<&str>) -> Reply {
    let disallow = match site {
        Site::County => vec!["/search/", "/admin/"],
        Site::City => vec!["/was5/"],
        Site::Credit => vec!["/sgs/print/"],
        Site::Court => vec!["/captcha/"],
        Site::Hanweb => vec!["/module/search/"],
        Site::TrueCms => vec!["/manage/"],
        Site::Trs => vec!["/was5/"],
    };
    let mut s = String::from("User-agent: *\n");
    for d in disallow {
        s.push_str(&format!("Disallow: {d}\n"));
    }
    if let Some(delay) = delay {
        s.push_str(&format!("Crawl-delay: {delay}\n"));
    }
    let mut r = Reply::bytes(
        s.into_bytes(),
        "text/plain; charset=utf-8",
        model::ymd(model::SITE_BASE),
    );
    r.fault = None;
    r
}

/// How to start simweb.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Loopback address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    pub seed: u64,
    /// Filler articles (see docs/simweb.md).
    pub scale: u64,
    /// Night number, from 1.
    pub night: u32,
    pub faults: FaultProfile,
    /// The roster; `None` loads `roster_path`.
    pub roster: Option<Roster>,
    pub roster_path: PathBuf,
    /// Append the request log as JSON lines to this file.
    pub log_file: Option<PathBuf>,
    /// Most request-log entries kept in memory.
    pub log_limit: usize,
    /// Added before every response of a site, as a network round trip and a real server's
    /// think time would: on loopback a request otherwise costs only CPU, which a benchmark's
    /// client and simweb share.
    pub latency: Duration,
    /// Counties served (1: today's county alone; `docs/simweb.md`, Counties).
    pub counties: u32,
    /// Delay every response as a wide-area network and a real server would
    /// ([`province::wan_delay`]), on top of `latency`.
    pub wan_latency: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            scale: 2000,
            night: 1,
            faults: FaultProfile::None,
            roster: None,
            roster_path: PathBuf::from(DEFAULT_ROSTER),
            log_file: None,
            log_limit: 500_000,
            latency: Duration::ZERO,
            counties: 1,
            wan_latency: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("simweb only listens on loopback addresses, not {0}")]
    NotLoopback(SocketAddr),
    #[error("simweb serves 1 to {max} counties, not {0}", max = province::MAX_COUNTIES)]
    Counties(u32),
    #[error("simweb roster: {0}")]
    Roster(#[from] ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open request log {}: {source}", path.display())]
    LogFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A running simweb.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// The bound address (127.0.0.1 and the actual port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn web(&self) -> &SimWeb {
        &self.shared.web
    }

    pub fn truth(&self) -> Truth {
        self.shared.web.truth()
    }

    /// Every request so far (up to `log_limit`).
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.log.snapshot()
    }

    pub fn clear_log(&self) {
        self.shared.log.clear()
    }

    /// Stops accepting, lets in-flight requests finish, flushes the log file.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.shared.log.flush();
    }

    /// Waits until the server ends (it ends only on `shutdown`), flushing the log on the way.
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
        self.shared.log.flush();
    }

    /// Flushes the request-log file.
    pub fn flush_log(&self) {
        self.shared.log.flush()
    }
}

/// Binds and serves simweb in the background of the current tokio runtime.
pub async fn start(opts: SimOptions) -> Result<SimHandle, SimError> {
    if !opts.listen.ip().is_loopback() {
        return Err(SimError::NotLoopback(opts.listen));
    }
    if opts.counties == 0 || opts.counties > province::MAX_COUNTIES {
        return Err(SimError::Counties(opts.counties));
    }
    let roster = match opts.roster {
        Some(r) => r,
        None => SimWeb::load_roster(&opts.roster_path)?,
    };
    let file = match &opts.log_file {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|source| SimError::LogFile {
                    path: p.clone(),
                    source,
                })?,
        ),
        None => None,
    };
    let others = (1..opts.counties)
        .map(|k| SimWeb::county(roster.clone(), opts.seed, opts.scale, opts.night, k))
        .collect();
    let web = SimWeb::new(roster, opts.seed, opts.scale, opts.night);
    let shared = Arc::new(server::Shared {
        web,
        others,
        wan_latency: opts.wan_latency,
        profile: opts.faults,
        latency: opts.latency,
        attempts: faults::Attempts::new(100_000),
        log: server::RequestLog::new(opts.log_limit, file),
    });
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: opts.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: opts.listen,
        source,
    })?;
    let app = axum::Router::new()
        .fallback(server::handle)
        .with_state(shared.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("simweb server stopped: {e}");
        }
    });
    Ok(SimHandle {
        addr,
        shared,
        stop: Some(tx),
        task,
    })
}
