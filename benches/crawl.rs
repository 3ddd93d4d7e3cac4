//! Crawler throughput and memory against simweb on loopback, politeness off, beside a reference
//! loop that only fetches the same URLs and parses them with reqwest + scraper at the same
//! concurrency (16 requests out at once: the reference's futures, the crawler's `max_in_flight`
//! in crawl-config/simweb.toml); the store's size after night 1 against the bytes received, and
//! what it grows by on an unchanged night 2 (the same web crawled again with the production
//! re-check policy: details re-fetched after 20 hours, as crawl-config/tongbai.toml; lists
//! every night); then night 2 of the changed web as a fraction of night 1, with that policy and
//! again with every detail re-checked by a conditional request (`--detail-min 0s`).
//!
//! Then night 1 again, crawler and reference, with simweb delaying every response by
//! `GOVTRUST_BENCH_LATENCY_MS` (default 5; 0 skips it), as a network round trip would.
//!
//! Both simweb and the crawler run as child processes of the release binary so the crawler's
//! peak RSS is its own. Scales: `GOVTRUST_BENCH_PAGES` (default "50000,200000").
//! Run: `cargo bench --bench crawl`. Figures are printed, not asserted — with the CPU time each
//! side and simweb used, which tells a side limited by the shared cores from one limited by
//! waiting on responses — and last a table of issue #23's targets, each passed or failed.
//! [`measure`] returns them ([`CrawlFigures`]), so a combined bench can include this file
//! (`#[allow(dead_code)] #[path = "crawl.rs"] mod crawl;`, taking its allocator with it).
//!
//! The store's size is every file under its directory (sled's, the value log, the pid file);
//! the bytes received are the response bodies as the crawler read them (simweb sends them
//! without a content encoding, so the wire's bytes less the HTTP headers).
//!
//! The reference loop runs in this process with the crawler's allocator (jemalloc), so the
//! comparison measures the crawl's work, not a choice of malloc.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const BIN: &str = env!("CARGO_BIN_EXE_govtrust");
const CONCURRENCY: usize = 16;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18700)
}

fn start_simweb(port: u16, scale: u64, night: u32, latency_ms: u64, truth: &Path) -> Child {
    let mut child = Command::new(BIN)
        .args([
            "simweb",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--scale",
            &scale.to_string(),
        ])
        .args(["--latency-ms", &latency_ms.to_string()])
        .args(["--night", &night.to_string(), "--truth"])
        .arg(truth)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start simweb: {e}"));
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() && truth.exists() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("simweb did not start");
}

/// CPU time (user + system) a process has used so far, from `/proc/PID/stat` (0 when it
/// cannot be read). Clock ticks are Linux's fixed USER_HZ, 100 per second.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name, which is in parentheses and may contain spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// What a crawl child used: peak resident set (kB), wall time, CPU seconds (its last reading
/// before it exited, at most one poll interval short).
struct Usage {
    peak_kb: u64,
    took: Duration,
    cpu_s: f64,
}

/// Polls a child until it exits.
fn wait_with_usage(mut child: Child) -> Usage {
    let started = Instant::now();
    let (mut peak_kb, mut cpu_s) = (0, 0.0);
    let pid = child.id().to_string();
    loop {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in s.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kb: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak_kb = peak_kb.max(kb);
                }
            }
        }
        cpu_s = f64::max(cpu_s, cpu_seconds(&pid));
        match child.try_wait() {
            Ok(Some(_)) => {
                return Usage {
                    peak_kb,
                    took: started.elapsed(),
                    cpu_s,
                }
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("{e}"),
        }
    }
}

fn crawl(store: &Path, port: u16, detail_min: &str) -> (Usage, String) {
    let child = Command::new(BIN)
        .args(["--store"])
        .arg(store)
        .args(["crawl", "--resolve-port", &port.to_string(), "--impolite"])
        .args(["--detail-min", detail_min])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start crawl: {e}"));
    let usage = wait_with_usage(child);
    let summary = Command::new(BIN)
        .args(["--store"])
        .arg(store)
        .arg("runs")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    (usage, summary)
}

fn reference(urls: &[String], port: u16) -> (usize, Duration) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder().no_proxy();
        for host in govtrust::simweb::Site::ALL.map(|s| s.host()) {
            builder = builder.resolve(host, std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        }
        let client = Arc::new(builder.build().unwrap_or_else(|e| panic!("{e}")));
        let started = Instant::now();
        let ok = stream::iter(urls.iter().cloned())
            .map(|u| {
                let client = client.clone();
                async move {
                    let url = u.replace(".sim/", &format!(".sim:{port}/"));
                    let Ok(resp) = client.get(&url).send().await else {
                        return 0;
                    };
                    let Ok(bytes) = resp.bytes().await else {
                        return 0;
                    };
                    let text = String::from_utf8_lossy(&bytes).to_string();
                    let doc = scraper::Html::parse_document(&text);
                    let sel = scraper::Selector::parse("a").unwrap_or_else(|e| panic!("{e}"));
                    usize::from(doc.select(&sel).count() < usize::MAX)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .fold(0usize, |n, x| async move { n + x })
            .await;
        (ok, started.elapsed())
    })
}

/// Night 1 of one web for the crawler (into `store`) and the reference loop, each with what it
/// used.
struct Night1 {
    urls: usize,
    crawler: Usage,
    /// URLs the crawl's run summary counts.
    crawled: f64,
    /// The crawl's run summary (`govtrust runs`).
    summary: String,
    sim_crawl: f64,
    ref_ok: usize,
    ref_took: Duration,
    ref_cpu: f64,
    sim_ref: f64,
}

/// Crawls night 1 of the web at `scale` (responses delayed by `latency_ms`) into `store`, then
/// runs the reference loop over the truth's URLs against the same server.
fn night1(dir: &Path, store: &Path, scale: u64, latency_ms: u64) -> Night1 {
    let truth = dir.join(format!("truth-{latency_ms}.json"));
    let port = free_port();
    let mut sim = start_simweb(port, scale, 1, latency_ms, &truth);
    let sim_pid = sim.id().to_string();
    let text = std::fs::read_to_string(&truth).unwrap_or_default();
    let urls: Vec<String> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("urls").and_then(|u| u.as_array()).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect();
    let sim_before = cpu_seconds(&sim_pid);
    let (crawler, summary) = crawl(store, port, "20h");
    let sim_crawl = cpu_seconds(&sim_pid) - sim_before;
    let crawled = summary
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("网址 ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    let (sim_before, own_before) = (cpu_seconds(&sim_pid), cpu_seconds("self"));
    let (ref_ok, ref_took) = reference(&urls, port);
    let ref_cpu = cpu_seconds("self") - own_before;
    let sim_ref = cpu_seconds(&sim_pid) - sim_before;
    let _ = sim.kill();
    let _ = sim.wait();
    Night1 {
        urls: urls.len(),
        crawler,
        crawled,
        summary,
        sim_crawl,
        ref_ok,
        ref_took,
        ref_cpu,
        sim_ref,
    }
}

/// Pages a second of one side of a night-1 comparison.
fn rates(n: &Night1) -> (f64, f64) {
    let crawler = n.crawled / n.crawler.took.as_secs_f64().max(1e-9);
    let reference = n.ref_ok as f64 / n.ref_took.as_secs_f64().max(1e-9);
    (crawler, reference)
}

/// Prints both sides' rates and their ratio, then the CPU each used per page and how many of
/// the machine's cores it kept busy with simweb: the crawler stores and extracts what the
/// reference only parses, so a side limited by the shared cores shows here.
fn print_comparison(n: &Night1) {
    let took = n.crawler.took.as_secs_f64();
    let ref_took = n.ref_took.as_secs_f64();
    let (rate, ref_rate) = rates(n);
    println!(
        "crawler:   {:.0} URLs in {took:.1}s = {rate:.0} pages/s, peak RSS {:.1} MB",
        n.crawled,
        n.crawler.peak_kb as f64 / 1024.0
    );
    println!(
        "reference: {} pages in {ref_took:.1}s = {ref_rate:.0} pages/s (reqwest + scraper, {CONCURRENCY} in flight)",
        n.ref_ok,
    );
    println!(
        "crawler / reference: {:.0}%",
        100.0 * rate / ref_rate.max(1e-9)
    );
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    for (label, own, pages, sim_s, wall) in [
        ("crawler", n.crawler.cpu_s, n.crawled, n.sim_crawl, took),
        ("reference", n.ref_cpu, n.ref_ok as f64, n.sim_ref, ref_took),
    ] {
        println!(
            "CPU, {label}: {own:.1}s ({:.0} µs a page) + simweb {sim_s:.1}s in {wall:.1}s = {:.2} of {cores} cores",
            1e6 * own / pages.max(1.0),
            (own + sim_s) / wall.max(1e-9)
        );
    }
}

/// Bytes a store takes on disk: every file under its directory (sled's files, the value log,
/// the pid file, anything beside them), as the files' lengths and as the blocks allocated to
/// them.
pub fn store_bytes(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let (mut len, mut allocated) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(m) = entry.metadata() else { continue };
            if m.is_dir() {
                stack.push(entry.path());
            } else {
                len += m.len();
                allocated += m.blocks() * 512;
            }
        }
    }
    (len, allocated)
}

/// The bytes of the crawl's response bodies in the last run `govtrust runs` printed (its
/// summary's 字节).
fn run_bytes(summary: &str) -> f64 {
    summary
        .lines()
        .rfind(|l| l.trim().starts_with("网址 "))
        .and_then(|l| l.split("字节 ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// A later night of the crawl over one store: how long it took and the response bytes it read.
pub struct LaterNight {
    pub label: &'static str,
    pub took: Duration,
    pub bytes: f64,
}

/// What [`measure`] found for one scale: the figures issue #23's "Done means" asks for, with
/// what they were computed from.
pub struct CrawlFigures {
    /// Pages asked for (`GOVTRUST_BENCH_PAGES`) and URLs in simweb's truth.
    pub pages: u64,
    pub urls: usize,
    /// Crawler and reference pages/s on loopback (CPU-bound), and each side's CPU µs a page.
    pub cpu_bound: (f64, f64),
    pub cpu_us: (f64, f64),
    /// The same with every response delayed by `latency_ms` (`None`: not run).
    pub latency_ms: u64,
    pub with_latency: Option<(f64, f64)>,
    /// Bodies as received on night 1 (simweb sends them without a content encoding, so these
    /// are the bytes on the wire less the HTTP headers).
    pub received_1: f64,
    /// The store directory's size (file lengths) after night 1 and after an unchanged night 2
    /// (the same web crawled again with the production re-check policy), and the blocks
    /// allocated to it after night 1.
    pub store_1: u64,
    pub store_1_allocated: u64,
    pub store_2: u64,
    /// Night 2 of the changed web (simweb `--night 2`) after the unchanged night, twice.
    pub later: Vec<LaterNight>,
    pub night1_took: Duration,
}

/// One row of the targets table.
pub struct Target {
    pub what: &'static str,
    pub value: f64,
    /// Printed after the value (`%`, `×`).
    pub unit: &'static str,
    pub target: &'static str,
    pub pass: bool,
}

impl CrawlFigures {
    /// Crawler pages/s as a fraction of the reference's.
    pub fn ratio(rates: (f64, f64)) -> f64 {
        rates.0 / rates.1.max(1e-9)
    }

    pub fn bytes_ratio(&self) -> f64 {
        self.store_1 as f64 / self.received_1.max(1.0)
    }

    /// (store after night 2 − after night 1) ÷ after night 1.
    pub fn night2_growth(&self) -> f64 {
        (self.store_2 as f64 - self.store_1 as f64) / (self.store_1 as f64).max(1.0)
    }

    /// Issue #23's targets for the crawl, each with the value measured here.
    pub fn targets(&self) -> Vec<Target> {
        let cpu = Self::ratio(self.cpu_bound);
        let mut rows = vec![Target {
            what: "pages/s crawler ÷ reference, CPU-bound",
            value: 100.0 * cpu,
            unit: "%",
            target: "≥ 80%",
            pass: cpu >= 0.80,
        }];
        if let Some(l) = self.with_latency {
            let r = Self::ratio(l);
            rows.push(Target {
                what: "pages/s crawler ÷ reference, latency",
                value: 100.0 * r,
                unit: "%",
                target: "≥ 95%",
                pass: r >= 0.95,
            });
        }
        rows.push(Target {
            what: "store bytes ÷ received bytes, night 1",
            value: self.bytes_ratio(),
            unit: "×",
            target: "≤ 1.2×",
            pass: self.bytes_ratio() <= 1.2,
        });
        rows.push(Target {
            what: "store growth, unchanged night 2",
            value: 100.0 * self.night2_growth(),
            unit: "%",
            target: "≤ 10%",
            pass: self.night2_growth() <= 0.10,
        });
        rows
    }

    pub fn print_targets(&self) {
        println!("targets ({} pages):", self.pages);
        for t in self.targets() {
            let what = if t.what.ends_with("latency") {
                format!("{} {} ms", t.what, self.latency_ms)
            } else {
                t.what.to_string()
            };
            println!(
                "  {what:<46} {:>8.2}{:<2} target {:<7} {}",
                t.value,
                t.unit,
                t.target,
                if t.pass { "pass" } else { "FAIL" }
            );
        }
        println!(
            "  CPU a page, CPU-bound: crawler {:.0} µs, reference {:.0} µs",
            self.cpu_us.0, self.cpu_us.1
        );
    }
}

/// Crawls `pages` pages (the bundled county is ~3,700 URLs; filler makes up the rest) as the
/// module comment says, printing each comparison as it is made, and returns the figures.
/// Another bench may `#[path]`-include this file and call it (it takes this file's allocator).
pub fn measure(pages: u64) -> CrawlFigures {
    // A second comparison with every response delayed (0: none), as on a network.
    let latency_ms: u64 = std::env::var("GOVTRUST_BENCH_LATENCY_MS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let scale = pages.saturating_sub(3_700);
    let store = dir.path().join("store");
    let n1 = night1(dir.path(), &store, scale, 0);
    let (store_1, store_1_allocated) = store_bytes(&store);

    // The same web again (night 1 once more): nothing changed, lists re-checked (304), details
    // not due. What the store grows by is what an unchanged night costs.
    let truth = dir.path().join("truth-again.json");
    let port = free_port();
    let mut sim = start_simweb(port, scale, 1, 0, &truth);
    let (again, summary_again) = crawl(&store, port, "20h");
    let _ = sim.kill();
    let _ = sim.wait();
    let (store_2, _) = store_bytes(&store);

    // Night 2 of the changed web: lists re-checked (304), details not due; then the same night
    // again with every detail re-checked (conditional requests, 304s, nothing re-extracted).
    let truth2 = dir.path().join("truth2.json");
    let port = free_port();
    let mut sim2 = start_simweb(port, scale, 2, 0, &truth2);
    let (night2, summary2) = crawl(&store, port, "20h");
    let (night2_all, summary3) = crawl(&store, port, "0s");
    let _ = sim2.kill();
    let _ = sim2.wait();
    let later = vec![
        LaterNight {
            label: "unchanged night 2 (the same web again, details re-checked after 20h)",
            took: again.took,
            bytes: run_bytes(&summary_again),
        },
        LaterNight {
            label: "night 2 (details re-checked after 20h)",
            took: night2.took,
            bytes: run_bytes(&summary2),
        },
        LaterNight {
            label: "night 2 (every detail re-checked)",
            took: night2_all.took,
            bytes: run_bytes(&summary3),
        },
    ];
    let received_1 = run_bytes(&n1.summary);
    println!("== {pages} pages (truth URLs {})", n1.urls);
    print_comparison(&n1);
    let took = n1.crawler.took;
    for n in &later {
        println!(
            "{}: {:.1}s ({:.1}% of night 1), {:.0} bytes ({:.2}% of night 1)",
            n.label,
            n.took.as_secs_f64(),
            100.0 * n.took.as_secs_f64() / took.as_secs_f64(),
            n.bytes,
            100.0 * n.bytes / received_1.max(1.0)
        );
    }
    println!(
        "store after night 1: {store_1} bytes ({store_1_allocated} allocated) for {received_1:.0} bytes of bodies received = {:.2}×; after the unchanged night 2: {store_2} bytes (+{:.1}%)",
        store_1 as f64 / received_1.max(1.0),
        100.0 * (store_2 as f64 - store_1 as f64) / (store_1 as f64).max(1.0)
    );
    let with_latency = (latency_ms > 0).then(|| {
        // Loopback has no round trip: there both sides compete for the CPU they share with
        // simweb. On a network each request also waits; this shows the crawler there.
        let store = dir.path().join(format!("store-{latency_ms}"));
        let n = night1(dir.path(), &store, scale, latency_ms);
        println!("-- the same web with {latency_ms} ms before every response");
        print_comparison(&n);
        rates(&n)
    });
    CrawlFigures {
        pages,
        urls: n1.urls,
        cpu_bound: rates(&n1),
        cpu_us: (
            1e6 * n1.crawler.cpu_s / n1.crawled.max(1.0),
            1e6 * n1.ref_cpu / (n1.ref_ok as f64).max(1.0),
        ),
        latency_ms,
        with_latency,
        received_1,
        store_1,
        store_1_allocated,
        store_2,
        later,
        night1_took: took,
    }
}

fn main() {
    let pages: Vec<u64> = std::env::var("GOVTRUST_BENCH_PAGES")
        .unwrap_or_else(|_| "50000,200000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let figures: Vec<CrawlFigures> = pages.into_iter().map(measure).collect();
    for f in &figures {
        f.print_targets();
    }
}
