//! Where the source tools get pages from: saved files (`--page`, offline, for fixtures and for
//! a page kept from a browser), or the site itself through the crawl's [`Fetcher`] — scope,
//! address policy, robots.txt and per-host politeness apply to every request, as in a crawl —
//! and in both cases the crawl's charset decoding.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use url::Url;

use super::SourceToolError;
use crate::config::crawl::Crawl;
use crate::config::source::Scope;
use crate::crawl::decode::decode;
use crate::crawl::fetch::{Fetcher, Validators};
use crate::crawl::url::Normalizer;

/// A page as the tools see it.
#[derive(Debug, Clone)]
pub struct Got {
    pub final_url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    /// The charset the bytes were decoded by (WHATWG name).
    pub charset: &'static str,
    pub bytes: usize,
    pub text: String,
    /// The saved file it was read from, if not fetched.
    pub saved: Option<PathBuf>,
}

/// Why a page is not there.
#[derive(Debug, Clone)]
pub enum Missing {
    /// Offline, and no saved page has this URL.
    NotSaved,
    /// The fetch failed (robots, scope, address policy, network…).
    Failed(String),
}

/// Saved pages by URL, or the live site through the crawl's fetch stack.
pub struct Web {
    saved: BTreeMap<String, PathBuf>,
    fetcher: Option<Fetcher>,
    normalizer: Normalizer,
    requests: std::sync::atomic::AtomicU32,
}

impl Web {
    /// Offline: only these saved pages (URL → file) exist.
    pub fn saved(pages: Vec<(Url, PathBuf)>, crawl: &Crawl) -> Web {
        let normalizer = Normalizer::new(&crawl.settings.strip_params);
        let saved = pages
            .into_iter()
            .map(|(u, p)| (key(&normalizer, &u), p))
            .collect();
        Web {
            saved,
            fetcher: None,
            normalizer,
            requests: Default::default(),
        }
    }

    /// The live site, fetched politely with the crawl settings; `resolve` is the host map.
    pub fn live(
        crawl: Arc<Crawl>,
        resolve: &[(String, SocketAddr)],
    ) -> Result<Web, SourceToolError> {
        let normalizer = Normalizer::new(&crawl.settings.strip_params);
        let fetcher = Fetcher::new(crawl, resolve, true)?;
        Ok(Web {
            saved: BTreeMap::new(),
            fetcher: Some(fetcher),
            normalizer,
            requests: Default::default(),
        })
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    pub fn is_offline(&self) -> bool {
        self.fetcher.is_none()
    }

    /// Requests sent so far (robots.txt not counted).
    pub fn requests(&self) -> u32 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The page at `url`, within `scope`.
    pub async fn get(&self, scope: &Scope, url: &Url) -> Result<Got, Missing> {
        let host = url.host_str().unwrap_or("").to_string();
        if let Some(path) = self.saved.get(&key(&self.normalizer, url)) {
            let bytes = std::fs::read(path)
                .map_err(|e| Missing::Failed(format!("{}: {e}", path.display())))?;
            let d = decode(&bytes, None, &host);
            return Ok(Got {
                final_url: url.clone(),
                status: 200,
                content_type: None,
                charset: d.charset,
                bytes: bytes.len(),
                text: d.text,
                saved: Some(path.clone()),
            });
        }
        let Some(f) = &self.fetcher else {
            return Err(Missing::NotSaved);
        };
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (r, _) = f.fetch(scope, url, &Validators::default()).await;
        let got = r.map_err(|e| Missing::Failed(e.to_string()))?;
        let d = decode(&got.body, got.content_type.as_deref(), &host);
        Ok(Got {
            final_url: got.final_url,
            status: got.status,
            content_type: got.content_type,
            charset: d.charset,
            bytes: got.body.len(),
            text: d.text,
            saved: None,
        })
    }
}

fn key(nz: &Normalizer, u: &Url) -> String {
    nz.normalize(u.clone())
        .unwrap_or_else(|| u.clone())
        .to_string()
}

/// The crawl's host map for a tool run: configured entries (port 0 filled by `port`, else
/// left out: nothing listens there), then `resolve` entries replacing them.
pub fn host_map(
    crawl: &Crawl,
    port: Option<u16>,
    resolve: &[(String, SocketAddr)],
) -> Vec<(String, SocketAddr)> {
    let mut out: Vec<(String, SocketAddr)> = Vec::new();
    for r in &crawl.settings.resolve {
        let mut addr = r.addr;
        if addr.port() == 0 {
            match port {
                Some(p) => addr.set_port(p),
                None => continue,
            }
        }
        out.push((r.host.to_ascii_lowercase(), addr));
    }
    for (h, a) in resolve {
        out.retain(|(x, _)| !x.eq_ignore_ascii_case(h));
        out.push((h.to_ascii_lowercase(), *a));
    }
    out
}
