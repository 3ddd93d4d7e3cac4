//! Fetching one URL politely and safely: scope, address, robots and host politeness checked on
//! every hop; redirects followed by us (limit and loop detection) so those checks apply to each
//! hop; conditional headers; connect and total timeouts; the body size capped while streaming —
//! counted after decompression, so a gzip bomb stops at the cap — and retries with backoff and
//! `Retry-After` decided by [`super::retry`].
//!
//! `max_in_flight` bounds the requests out at once over all hosts (robots.txt included): a
//! request slot is held from the request until its body is read, not while the page is extracted
//! and stored, nor while a retry waits.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use super::host::{Host, Hosts};
use super::retry::{backoff, parse_retry_after, should_retry, Attempt};
use super::robots::Robots;
use super::scope::{check_request, AddressPolicy, ScopeError};
use super::url::Normalizer;
use crate::config::crawl::{Crawl, HostPoliteness, RetryPolicy};
use crate::config::source::Scope;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("disallowed by robots.txt: {0}")]
    Robots(Url),
    #[error("more than {0} redirects")]
    TooManyRedirects(u32),
    #[error("redirect loop at {0}")]
    RedirectLoop(Url),
    #[error("redirect without a usable Location")]
    BadRedirect,
    #[error("body larger than {0} bytes")]
    BodyTooLarge(u64),
    #[error("{kind:?}: {message}")]
    Network { kind: Attempt, message: String },
}

impl FetchError {
    pub fn attempt(&self) -> Attempt {
        match self {
            FetchError::Network { kind, .. } => *kind,
            _ => Attempt::Fatal,
        }
    }

    /// A short status word stored on the page (`robots`, `too_large`, `timeout`, …).
    pub fn status_word(&self) -> &'static str {
        match self {
            FetchError::Client(_) => "client",
            FetchError::Scope(_) => "out_of_scope",
            FetchError::Robots(_) => "robots",
            FetchError::TooManyRedirects(_)
            | FetchError::RedirectLoop(_)
            | FetchError::BadRedirect => "redirect",
            FetchError::BodyTooLarge(_) => "too_large",
            FetchError::Network {
                kind: Attempt::Timeout,
                ..
            } => "timeout",
            FetchError::Network {
                kind: Attempt::Connect,
                ..
            } => "connect",
            FetchError::Network { .. } => "network",
        }
    }
}

/// Validators from the last fetch, for a conditional request.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A completed HTTP exchange (any status) after redirects.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub final_url: Url,
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// What one `fetch` cost, for the run summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchStats {
    pub requests: u32,
    pub retries: u32,
}

/// DNS resolution through the address policy: names outside the host map may only resolve to
/// public addresses.
struct PolicyResolver {
    policy: AddressPolicy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ok: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| policy.check_addr(&host, a.ip()).is_ok())
                .collect();
            if ok.is_empty() {
                let first = addrs
                    .first()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default();
                return Err(format!("{host} resolves only to refused addresses ({first})").into());
            }
            let it: Addrs = Box::new(ok.into_iter());
            Ok(it)
        })
    }
}

/// The polite HTTP client of one run.
pub struct Fetcher {
    client: reqwest::Client,
    crawl: Arc<Crawl>,
    policy: AddressPolicy,
    normalizer: Normalizer,
    hosts: Hosts,
    retry: RetryPolicy,
    /// Politeness and robots off: benchmarks against simweb only.
    polite: bool,
    /// One permit per request that may be out at once, over all hosts (`max_in_flight`).
    requests: Arc<Semaphore>,
}

impl Fetcher {
    /// Builds the client. `resolve` is the host map with runtime ports already filled in.
    pub fn new(
        crawl: Arc<Crawl>,
        resolve: &[(String, SocketAddr)],
        polite: bool,
    ) -> Result<Fetcher, FetchError> {
        // reqwest is built without a bundled TLS provider; install ring once per process (a
        // second install is refused harmlessly).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s = &crawl.settings;
        let policy = AddressPolicy::new(resolve.iter().map(|(h, _)| h.clone()), &s.allow_addresses);
        let mut b = reqwest::Client::builder()
            .user_agent(s.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(crawl.connect_timeout)
            .timeout(crawl.total_timeout)
            // Every connection that may be in flight stays pooled: a smaller pool closes and
            // reopens connections all through a busy crawl.
            .pool_max_idle_per_host(s.max_in_flight.max(1) as usize)
            .dns_resolver(Arc::new(PolicyResolver {
                policy: policy.clone(),
            }))
            // Proxy environment variables are not ours to follow: a stray HTTPS_PROXY would
            // send every request, and its cookies-free but identifying traffic, elsewhere.
            .no_proxy();
        if let Some(p) = &s.proxy {
            let proxy = reqwest::Proxy::all(p).map_err(|e| FetchError::Client(e.to_string()))?;
            b = b.proxy(proxy);
        }
        for (host, addr) in resolve {
            b = b.resolve(host, *addr);
        }
        let client = b.build().map_err(|e| FetchError::Client(e.to_string()))?;
        let requests = Arc::new(Semaphore::new(s.max_in_flight.max(1) as usize));
        Ok(Fetcher {
            client,
            normalizer: Normalizer::new(&s.strip_params),
            retry: crawl.retry,
            crawl,
            policy,
            hosts: Hosts::default(),
            polite,
            requests,
        })
    }

    /// Waits for a request slot. Taken after the host's own permit (its rate and pauses), so a
    /// request waiting for a slow host does not keep other hosts' requests waiting.
    async fn request_slot(&self) -> OwnedSemaphorePermit {
        super::host::slot(&self.requests).await
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    fn politeness(&self, host: &str) -> HostPoliteness {
        if self.polite {
            self.crawl.politeness_for(host)
        } else {
            HostPoliteness {
                interval: Duration::ZERO,
                concurrency: self.crawl.settings.max_in_flight,
            }
        }
    }

    /// The host object of a URL, fetching its robots.txt on first use.
    pub async fn host(&self, url: &Url) -> Arc<Host> {
        let key = host_key(url);
        let pol = self.politeness(url.host_str().unwrap_or(""));
        self.hosts
            .get(&key, || async {
                if !self.polite || !self.crawl.settings.robots {
                    return Host::new(&key, pol, Robots::AllowAll, false);
                }
                let robots = self.load_robots(url).await;
                Host::new(&key, pol, robots, true)
            })
            .await
    }

    /// The host's robots.txt, as RFC 9309 says: redirects followed for up to
    /// [`ROBOTS_REDIRECTS`] hops (to other hosts too, each hop through the address policy), the
    /// rules found applying to the host first asked; more hops than that, or a 4xx, allow
    /// everything; 5xx or unreachable after the retries, or a hop to a refused address,
    /// disallow everything for this run.
    async fn load_robots(&self, url: &Url) -> Robots {
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        let ua = &self.crawl.settings.user_agent;
        for retry in 0..=self.retry.max_retries {
            match self.robots_chain(&robots_url).await {
                RobotsFetch::Body(b) => return Robots::parse(ua, &b),
                RobotsFetch::Unavailable => return Robots::AllowAll,
                RobotsFetch::Refused(why) => {
                    tracing::warn!(url = %robots_url, %why, "robots.txt redirects to a refused address; host disallowed for this run");
                    return Robots::DisallowAll;
                }
                RobotsFetch::Status(status) => {
                    if !should_retry(Attempt::Status(status)) || retry == self.retry.max_retries {
                        return Robots::from_status(status);
                    }
                }
                RobotsFetch::Failed(e) => {
                    if retry == self.retry.max_retries {
                        tracing::warn!(url = %robots_url, error = %e, "robots.txt unreachable; host disallowed for this run");
                        return Robots::DisallowAll;
                    }
                }
            }
            tokio::time::sleep(backoff(&self.retry, retry, rand::random::<f64>())).await;
        }
        Robots::DisallowAll
    }

    /// One attempt at robots.txt, following its redirects.
    async fn robots_chain(&self, first: &Url) -> RobotsFetch {
        let mut current = first.clone();
        for hop in 0..=ROBOTS_REDIRECTS {
            let slot = self.request_slot().await;
            let resp = match self.client.get(current.as_str()).send().await {
                Ok(r) => r,
                Err(e) => return RobotsFetch::Failed(e.to_string()),
            };
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                drop(slot);
                let next = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| current.join(l).ok());
                let Some(next) = next else {
                    return RobotsFetch::Status(status);
                };
                if !matches!(next.scheme(), "http" | "https") {
                    return RobotsFetch::Refused(format!("scheme of {next}"));
                }
                if let Err(e) = self.policy.check_url(&next) {
                    return RobotsFetch::Refused(e.to_string());
                }
                if hop == ROBOTS_REDIRECTS {
                    return RobotsFetch::Unavailable;
                }
                current = next;
                continue;
            }
            if (200..300).contains(&status) {
                let body = read_body(resp, ROBOTS_MAX_BYTES).await;
                drop(slot);
                return match body {
                    Ok(b) => RobotsFetch::Body(b),
                    Err(_) => RobotsFetch::Unavailable,
                };
            }
            return RobotsFetch::Status(status);
        }
        RobotsFetch::Unavailable
    }

    /// Fetches `url` within `scope`, retrying transient failures. A final 5xx/429 after the
    /// retry budget is returned as `Ok` with that status, so the page records it.
    pub async fn fetch(
        &self,
        scope: &Scope,
        url: &Url,
        v: &Validators,
    ) -> (Result<Fetched, FetchError>, FetchStats) {
        let mut stats = FetchStats::default();
        let mut retry = 0u32;
        loop {
            let (result, host) = self.fetch_once(scope, url, v, &mut stats).await;
            let attempt = match &result {
                Ok(f) => Attempt::Status(f.status),
                Err(e) => e.attempt(),
            };
            if let Some(h) = &host {
                h.record(attempt, &self.retry, rand::random::<f64>());
            }
            if !should_retry(attempt) || retry >= self.retry.max_retries {
                return (result, stats);
            }
            let server_wait = match &result {
                Ok(f) if f.status == 429 || f.status == 503 => {
                    f.retry_after.as_deref().and_then(|ra| {
                        parse_retry_after(ra, SystemTime::now(), self.retry.retry_after_cap)
                    })
                }
                _ => None,
            };
            let wait = match server_wait {
                Some(d) => {
                    if let Some(h) = &host {
                        h.pause_for(d);
                    }
                    d
                }
                None => backoff(&self.retry, retry, rand::random::<f64>()),
            };
            tracing::debug!(%url, ?attempt, ?wait, retry, "retrying");
            tokio::time::sleep(wait).await;
            retry += 1;
            stats.retries += 1;
        }
    }

    async fn fetch_once(
        &self,
        scope: &Scope,
        url: &Url,
        v: &Validators,
        stats: &mut FetchStats,
    ) -> (Result<Fetched, FetchError>, Option<Arc<Host>>) {
        // A POST's identity carries its body ([`super::request`]): sent, not requested.
        let wire = super::request::wire(url);
        let mut current = wire.url.clone();
        let mut body = wire.body;
        let mut visited: HashSet<Url> = HashSet::new();
        visited.insert(current.clone());
        let mut last_host = None;
        for hop in 0..=self.crawl.settings.max_redirects {
            if let Err(e) =
                check_request(scope, &current).and_then(|_| self.policy.check_url(&current))
            {
                return (Err(e.into()), last_host);
            }
            let host = self.host(&current).await;
            last_host = Some(host.clone());
            if self.polite && !host.allowed(current.as_str()) {
                return (Err(FetchError::Robots(current)), last_host);
            }
            let permit = (host.acquire().await, self.request_slot().await);
            stats.requests += 1;
            let req = match &body {
                // No validators on a POST: a matching If-None-Match would be answered 412.
                Some(b) => self
                    .client
                    .post(current.as_str())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(b.clone()),
                None => {
                    let mut req = self.client.get(current.as_str());
                    if let Some(e) = &v.etag {
                        req = req.header(header::IF_NONE_MATCH, e);
                    }
                    if let Some(lm) = &v.last_modified {
                        req = req.header(header::IF_MODIFIED_SINCE, lm);
                    }
                    req
                }
            };
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => return (Err(network(e)), last_host),
            };
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                drop(permit);
                let next = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| self.normalizer.join(&current, l));
                let Some(next) = next else {
                    return (Err(FetchError::BadRedirect), last_host);
                };
                if !visited.insert(next.clone()) {
                    return (Err(FetchError::RedirectLoop(next)), last_host);
                }
                if hop == self.crawl.settings.max_redirects {
                    return (Err(FetchError::TooManyRedirects(hop + 1)), last_host);
                }
                // 307 and 308 repeat the POST; the others turn it into a GET, as browsers do.
                if !matches!(status, 307 | 308) {
                    body = None;
                }
                current = next;
                continue;
            }
            let headers = resp.headers().clone();
            let content = if status == 304 {
                Ok(Vec::new())
            } else {
                read_body(resp, self.crawl.settings.max_body_bytes).await
            };
            drop(permit);
            // Not redirected: the page is the identity it was asked as.
            let final_url = if current == wire.url {
                url.clone()
            } else {
                current
            };
            return match content {
                Ok(content) => (Ok(fetched(final_url, status, &headers, content)), last_host),
                Err(e) => (Err(e), last_host),
            };
        }
        (
            Err(FetchError::TooManyRedirects(
                self.crawl.settings.max_redirects,
            )),
            last_host,
        )
    }
}

/// Redirects a robots.txt request follows (RFC 9309 §2.3.1.2: at least five).
const ROBOTS_REDIRECTS: u32 = 5;
/// The part of a robots.txt that is read (RFC 9309: at least 500 KiB).
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// One attempt at robots.txt after its redirects.
enum RobotsFetch {
    /// 2xx: the rules.
    Body(Vec<u8>),
    /// Another final status (4xx: allow all; 5xx: retried, then disallow all).
    Status(u16),
    /// More redirects than [`ROBOTS_REDIRECTS`], or a body that could not be read: no rules.
    Unavailable,
    /// A redirect to an address or scheme the crawl refuses.
    Refused(String),
    /// No response.
    Failed(String),
}

/// `host[:port]`: politeness is per origin host (simweb's hosts share one port).
pub fn host_key(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_string(),
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn fetched(final_url: Url, status: u16, h: &HeaderMap, body: Vec<u8>) -> Fetched {
    Fetched {
        final_url,
        status,
        etag: header_str(h, header::ETAG),
        last_modified: header_str(h, header::LAST_MODIFIED),
        content_type: header_str(h, header::CONTENT_TYPE),
        retry_after: header_str(h, header::RETRY_AFTER),
        body,
    }
}

fn network(e: reqwest::Error) -> FetchError {
    let kind = if e.is_timeout() {
        Attempt::Timeout
    } else if e.is_connect() {
        Attempt::Connect
    } else {
        // A connection dropped mid-body surfaces as a *decode* error when the body passes
        // through reqwest's decompression layer: treat it like any reset. A body that really
        // does not decompress fails again on every retry and ends after the budget.
        Attempt::Reset
    };
    FetchError::Network {
        kind,
        message: format!("{e:#}"),
    }
}

/// Reads a body up to `max` bytes (after decompression), failing as soon as it grows past.
async fn read_body(mut resp: reqwest::Response, max: u64) -> Result<Vec<u8>, FetchError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(FetchError::BodyTooLarge(max));
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if body.len() as u64 + c.len() as u64 > max {
                    return Err(FetchError::BodyTooLarge(max));
                }
                body.extend_from_slice(&c);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(network(e)),
        }
    }
}
