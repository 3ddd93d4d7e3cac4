//! The service's query latency while it runs the nightly pipeline: simweb (scale
//! `GOVTRUST_BENCH_SCALE`, default 20000 — about 22,700 URLs) and `govtrust serve` as child
//! processes of the release binary, the store filled by one `govtrust run` (night 1), then GET
//! requests one after another, as an analyst's browser sends them — `/api/evidence?unit=U&limit=100`
//! and `/api/documents?unit=U&limit=50` over the roster's units — first with the service idle,
//! then during a run started with `POST /api/runs` (every detail re-checked, `--detail-min 0s`)
//! impolite: the crawl as fast as the two cores allow, the worst case for the server. With
//! `GOVTRUST_BENCH_POLITE=1` first a polite run as configured (crawl-config/simweb.toml: 50
//! requests/s per host; at the default scale about 8 minutes). Prints p50, p95 and max per query
//! kind and phase, and per pipeline stage during the runs (crawl, then the rest).
//! Run: `cargo bench --bench service`. Figures are printed, not asserted.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_govtrust");
const SETTINGS: &str = "crawl-config/simweb.toml";
const WRITE: &str = "bench-write";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18731)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn simweb(port: u16, scale: u64) -> Killed {
    let child = Killed(
        Command::new(BIN)
            .args(["simweb", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--scale", &scale.to_string(), "--night", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start simweb: {e}")),
    );
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("simweb did not start");
}

fn govtrust(store: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--store")
        .arg(store)
        .args(["--config", SETTINGS])
        .env("RUST_LOG", "warn");
    c
}

/// `serve` with the crawl options of its runs; its base URL once it listens.
fn serve(store: &Path, crawl: &[&str]) -> (Killed, String) {
    let mut child = Killed(
        govtrust(store)
            .args(["serve", "--listen", "127.0.0.1:0", "--write-token", WRITE])
            .args(crawl)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start serve: {e}")),
    );
    let mut line = String::new();
    let out = child.0.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    BufReader::new(out)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{e}"));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, base)
}

#[derive(Default)]
struct Samples(BTreeMap<String, Vec<Duration>>);

impl Samples {
    fn add(&mut self, key: &str, d: Duration) {
        self.0.entry(key.to_string()).or_default().push(d);
    }

    fn print(&self, phase: &str) {
        for (k, v) in &self.0 {
            let mut v = v.clone();
            v.sort();
            let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
            println!(
                "  {phase:<28} {k:<24} n={:>5}  p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>8.2} ms",
                v.len(),
                at(0.5).as_secs_f64() * 1e3,
                at(0.95).as_secs_f64() * 1e3,
                at(1.0).as_secs_f64() * 1e3
            );
        }
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    units: Vec<String>,
    next: usize,
}

impl Client {
    /// One query of each kind for the next unit; `stage` names the samples.
    async fn round(&mut self, samples: &mut Samples, stage: &str) {
        let unit = &self.units[self.next % self.units.len()];
        self.next += 1;
        for (kind, path) in [
            (
                "evidence?unit&limit=100",
                format!("/api/evidence?unit={unit}&limit=100"),
            ),
            (
                "documents?unit&limit=50",
                format!("/api/documents?unit={unit}&limit=50"),
            ),
        ] {
            let t = Instant::now();
            let r = self
                .http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let status = r.status();
            let body = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
            let took = t.elapsed();
            assert!(status.is_success(), "{path}: {status}");
            assert!(!body.is_empty());
            samples.add(&format!("{stage:<8} {kind}"), took);
        }
    }

    async fn status(&self) -> serde_json::Value {
        let body = self
            .http
            .get(format!("{}/api/service", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts a run and queries until it is over; returns its wall time.
    async fn during_run(&mut self, samples: &mut Samples) -> Duration {
        let t = Instant::now();
        let r = self
            .http
            .post(format!("{}/api/runs", self.base))
            .bearer_auth(WRITE)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 202, "POST /api/runs");
        loop {
            let s = self.status().await;
            let Some(stage) = s["current"]["stage"].as_str().map(str::to_string) else {
                break;
            };
            let stage = if stage == "crawl" { "crawl" } else { "after" };
            for _ in 0..5 {
                self.round(samples, stage).await;
            }
        }
        t.elapsed()
    }
}

fn main() {
    let scale: u64 = std::env::var("GOVTRUST_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let port = free_port();
    let _sim = simweb(port, scale);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = dir.path().join("store");
    let p = port.to_string();
    let t = Instant::now();
    let out = govtrust(&store)
        .args(["run", "--resolve-port", &p, "--impolite"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "service bench: simweb scale {scale}, store filled by night 1 in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let project =
        govtrust::config::Project::load(Path::new(SETTINGS)).unwrap_or_else(|e| panic!("{e}"));
    let units: Vec<String> = project.roster.units.iter().map(|u| u.id.clone()).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let polite = std::env::var("GOVTRUST_BENCH_POLITE").is_ok_and(|v| v == "1");
    let mut phases = Vec::new();
    if polite {
        phases.push((
            "polite run",
            vec!["--resolve-port", &p, "--detail-min", "0s"],
        ));
    }
    phases.push((
        "impolite run",
        vec!["--resolve-port", &p, "--detail-min", "0s", "--impolite"],
    ));
    for (name, crawl) in phases {
        let (server, base) = serve(&store, &crawl);
        let mut c = Client {
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
            base,
            units: units.clone(),
            next: 0,
        };
        rt.block_on(async {
            let mut idle = Samples::default();
            for _ in 0..100 {
                c.round(&mut idle, "idle").await;
            }
            idle.print("idle service");
            let mut during = Samples::default();
            let took = c.during_run(&mut during).await;
            let s = c.status().await;
            let job = &s["history"][0];
            println!(
                "  {name}: {:.1} s, {} — queries answered during it:",
                took.as_secs_f64(),
                job["message"].as_str().unwrap_or("")
            );
            during.print(name);
        });
        drop(server);
    }
}
