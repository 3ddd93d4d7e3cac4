//! simweb's own throughput and memory at scale 200,000: pages/s served on loopback to a plain
//! concurrent reqwest client (64 requests in flight, a few seconds), and the process's peak RSS
//! (VmHWM). Later crawler figures are read against these. Run: `cargo bench --bench simweb`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use govtrust::simweb::{start, FaultProfile, SimOptions, SimWeb};

const SCALE: u64 = 200_000;
const IN_FLIGHT: usize = 64;
const RUN: Duration = Duration::from_secs(6);

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let roster = SimWeb::load_roster(std::path::Path::new(govtrust::simweb::DEFAULT_ROSTER)).expect("roster");
        let t = Instant::now();
        let handle = start(SimOptions {
            seed: 1,
            scale: SCALE,
            night: 1,
            faults: FaultProfile::None,
            roster: Some(roster),
            log_limit: 0,
            ..SimOptions::default()
        })
        .await
        .expect("simweb starts");
        let started = t.elapsed();
        let rss_started = status_kb("VmRSS:");
        let pages = handle.web().page_count();
        let rss_after_count = status_kb("VmHWM:");
        let mut urls = Vec::with_capacity(pages as usize);
        handle.web().for_each_url(&mut |u| urls.push(u));
        // Visit in a scattered order so list pages, articles and other hosts interleave.
        let n = urls.len();
        let order: Vec<String> = (0..n).map(|i| urls[(i * 7919) % n].clone()).collect();
        drop(urls);
        let port = handle.addr().port();
        let mut b = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(IN_FLIGHT);
        for h in govtrust::simweb::Site::ALL {
            b = b.resolve(h.host(), handle.addr());
        }
        let client = b.build().expect("client");
        let done = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let t = Instant::now();
        let deadline = t + RUN;
        stream::iter(order.iter().cycle())
            .take_while(|_| futures_util::future::ready(Instant::now() < deadline))
            .for_each_concurrent(IN_FLIGHT, |u| {
                let (client, done, bytes, errors) = (client.clone(), done.clone(), bytes.clone(), errors.clone());
                let url = u.replacen(".sim/", &format!(".sim:{port}/"), 1);
                async move {
                    match client.get(&url).send().await {
                        Ok(r) if r.status().is_success() => match r.bytes().await {
                            Ok(b) => {
                                bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
                                done.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(_) => {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                        },
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
            .await;
        let secs = t.elapsed().as_secs_f64();
        let served = done.load(Ordering::Relaxed);
        println!("simweb bench (scale {SCALE}, faults none, {IN_FLIGHT} in flight, {secs:.1} s, client and server in one process)");
        println!("  distinct in-scope pages: {pages}");
        println!("  start-up: {:.2} s", started.as_secs_f64());
        println!("  served: {served} pages, {:.0} pages/s, {:.1} MB/s, errors {}", served as f64 / secs, bytes.load(Ordering::Relaxed) as f64 / secs / 1e6, errors.load(Ordering::Relaxed));
        println!("  RSS after start: {:.1} MB; peak after counting pages: {:.1} MB", rss_started as f64 / 1024.0, rss_after_count as f64 / 1024.0);
        println!("  peak RSS (VmHWM) at end, incl. the client's list of {n} URLs: {:.1} MB", status_kb("VmHWM:") as f64 / 1024.0);
        handle.shutdown().await;
    });
}
