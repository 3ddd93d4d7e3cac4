//! `max_in_flight` bounds the requests out at once over all hosts, not per host: a loopback
//! server that holds every request for a while counts how many it has at once, while the
//! fetcher is asked for pages of two hosts together (each host alone would allow all of them).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::Uri;
use govtrust::config::Project;
use govtrust::crawl::fetch::{Fetcher, Validators};

#[path = "common/loopback.rs"]
mod loopback;

const MAX_IN_FLIGHT: u32 = 3;

#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicUsize,
}

async fn start_server() -> (SocketAddr, Arc<Gauge>) {
    let gauge = Arc::new(Gauge::default());
    let g = gauge.clone();
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let g = g.clone();
        async move {
            let at_once = g.now.fetch_add(1, Ordering::SeqCst) + 1;
            g.peak.fetch_max(at_once, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(60)).await;
            g.served.fetch_add(1, Ordering::SeqCst);
            g.now.fetch_sub(1, Ordering::SeqCst);
            axum::response::Html(format!("<html><body><h3>{}</h3></body></html>", uri.path()))
        }
    });
    let addr = loopback::serve(app).await;
    (addr, gauge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_out_at_once_never_exceed_max_in_flight_over_all_hosts() {
    let (addr, gauge) = start_server().await;
    let project = Project::load(std::path::Path::new("crawl-config/simweb.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut crawl = project
        .crawl
        .clone()
        .unwrap_or_else(|| panic!("no [crawl]"));
    crawl.settings.max_in_flight = MAX_IN_FLIGHT;
    let scope = |name: &str| {
        crawl
            .sources
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.scope.clone())
            .unwrap_or_else(|| panic!("no source {name}"))
    };
    let hosts = [
        ("www.tongbai.sim", scope("sim-tongbai")),
        ("www.nanyang.sim", scope("sim-nanyang")),
    ];
    let resolve: Vec<(String, SocketAddr)> =
        hosts.iter().map(|(h, _)| (h.to_string(), addr)).collect();
    // Politeness off: each host's own cap is then `max_in_flight` too, so only the bound over
    // all hosts keeps the two hosts' requests together at MAX_IN_FLIGHT.
    let fetcher = Arc::new(
        Fetcher::new(Arc::new(crawl.clone()), &resolve, false).unwrap_or_else(|e| panic!("{e}")),
    );
    let mut jobs = tokio::task::JoinSet::new();
    for n in 0..8 {
        for (host, scope) in &hosts {
            let (fetcher, scope) = (fetcher.clone(), scope.clone());
            let url = url::Url::parse(&format!("http://{host}/2023/01-02/{n}.html"))
                .unwrap_or_else(|e| panic!("{e}"));
            jobs.spawn(async move {
                let (result, _) = fetcher.fetch(&scope, &url, &Validators::default()).await;
                result.map(|f| f.status).map_err(|e| e.to_string())
            });
        }
    }
    while let Some(done) = jobs.join_next().await {
        let status = done.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, Ok(200));
    }
    assert_eq!(gauge.served.load(Ordering::SeqCst), 16);
    // Never more than the bound, and the bound is reached: the requests did overlap.
    assert_eq!(gauge.peak.load(Ordering::SeqCst), MAX_IN_FLIGHT as usize);
}
