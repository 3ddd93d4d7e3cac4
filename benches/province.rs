//! Province scale, in simulation and on paper: can one machine crawl 150 counties' sites in one
//! night of 8 hours, and if not, what binds?
//!
//! In simulation: one simweb child serving `GOVTRUST_PROVINCE_COUNTIES` counties (default 150:
//! today's county and 149 variants, seven hosts each, `simweb --counties N --wan-latency`:
//! 30–800 ms a response with a long tail and slow hosts, real portals' robots.txt Crawl-delays)
//! at `GOVTRUST_PROVINCE_SCALE` filler articles a county (default 10000), and one crawl child of
//! the release binary over every county's sources (the shipped `sources/sim-*.toml` with each
//! county's hosts, written into a temporary settings file) with production politeness
//! (crawl-config/tongbai.toml: one request every `GOVTRUST_PROVINCE_DELAY_MS` = 2000 ms per
//! host, one at a time, robots.txt and its Crawl-delay obeyed). A real night takes hours, so each
//! crawl is time-boxed: `GOVTRUST_BENCH_MINUTES` (default 3) per value of
//! `GOVTRUST_PROVINCE_IN_FLIGHT` (default "8,128": production's `max_in_flight`, and one large
//! enough for the whole province), each into a fresh store; then the crawl is killed (a killed
//! crawl resumes; a graceful stop would wait for every URL taken to get its host's turn). It
//! measures from simweb's request log and /proc: pages/s over the run and per 30 s, hosts served,
//! the smallest gap between two requests to one host, requests in flight at simweb (Little's
//! law over the computed delays), the crawler's CPU per page and RSS, the store's growth, and
//! the frontier left per host (read from the store).
//!
//! On paper: the pages of one night of the province from simweb's own enumeration of every
//! county at that scale, split into list pages (re-checked every night) and details, each
//! host's time at its politeness interval (the configured one or its Crawl-delay, whichever is
//! slower), the in-flight requests the needed rate takes at the simulated latency, CPU seconds
//! against 8 h × `GOVTRUST_PROVINCE_CORES` (default 2), memory and disk; then whether one night
//! fits and what binds. Every assumption is printed with the figures.
//! Run: `cargo bench --bench province` (about 9 minutes with the defaults). Figures are printed,
//! not asserted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use govtrust::simweb::{province, SimWeb, Site, UrlKind};

const BIN: &str = env!("CARGO_BIN_EXE_govtrust");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The shipped sources of the simulated county, one per site.
const SOURCES: [&str; 7] = [
    "sim-tongbai",
    "sim-nanyang",
    "sim-credit",
    "sim-court",
    "sim-huaiyuan",
    "sim-fgw",
    "sim-dsj",
];
/// What the first seconds of a crawl are left out of its steady rate for.
const WARMUP_S: f64 = 30.0;
const NIGHT_H: f64 = 8.0;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18790)
}

/// A child process killed (SIGKILL) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU seconds (user + system) a process has used, from `/proc/PID/stat` (USER_HZ = 100).
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// (VmRSS, VmHWM) of a process in kB.
fn rss_kb(pid: u32) -> (u64, u64) {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return (0, 0);
    };
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn mb(b: f64) -> f64 {
    b / 1_048_576.0
}

/// One host of the province on paper.
struct HostPlan {
    host: String,
    lists: u64,
    details: u64,
    /// robots.txt Crawl-delay, seconds.
    crawl_delay: Option<f64>,
}

/// The province as simweb generates it: every host's pages, and the latency of a sample.
struct Province {
    hosts: Vec<HostPlan>,
    latencies_ms: Vec<f64>,
    took: Duration,
}

fn crawl_delay_of(robots: &[u8]) -> Option<f64> {
    String::from_utf8_lossy(robots)
        .lines()
        .find_map(|l| l.strip_prefix("Crawl-delay:"))
        .and_then(|v| v.trim().parse().ok())
}

fn path_of(url: &str) -> &str {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    rest.find('/').map_or("/", |i| &rest[i..])
}

fn province_on_paper(roster: &govtrust::config::Roster, counties: u32, scale: u64) -> Province {
    let started = Instant::now();
    let mut hosts = Vec::new();
    let mut latencies_ms = Vec::new();
    for k in 0..counties {
        let web = SimWeb::county(roster.clone(), 1, scale, 1, k);
        let mut per: HashMap<String, (u64, u64)> = HashMap::new();
        let mut i = 0u64;
        web.for_each_page(&mut |u, kind| {
            let host = u
                .strip_prefix("http://")
                .and_then(|r| r.split('/').next())
                .unwrap_or("")
                .to_string();
            if i % 13 == 0 {
                if let Some((_, site)) = province::parse_host(&host) {
                    latencies_ms.push(web.wan_delay(site, path_of(&u)).as_secs_f64() * 1e3);
                }
            }
            i += 1;
            let e = per.entry(host).or_default();
            match kind {
                UrlKind::List => e.0 += 1,
                UrlKind::Detail => e.1 += 1,
            }
        });
        for site in Site::ALL {
            let host = web.host(site);
            let (lists, details) = per.get(&host).copied().unwrap_or_default();
            let robots = web.serve(site, "/robots.txt", "", Default::default());
            hosts.push(HostPlan {
                host,
                lists,
                details,
                crawl_delay: crawl_delay_of(&robots.body),
            });
        }
    }
    Province {
        hosts,
        latencies_ms,
        took: started.elapsed(),
    }
}

/// The shipped source files with county k's hosts and names (`sim-tongbai-c017`).
fn write_sources(dir: &Path, counties: u32) {
    for name in SOURCES {
        let path = Path::new(ROOT).join("sources").join(format!("{name}.toml"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for k in 0..counties {
            let (file, body) = match province::Rehost::new(k) {
                None => (format!("{name}.toml"), text.clone()),
                Some(r) => {
                    let renamed = text.replacen(
                        &format!("name = \"{name}\""),
                        &format!("name = \"{name}-c{k:03}\""),
                        1,
                    );
                    (format!("{name}-c{k:03}.toml"), r.text(&renamed))
                }
            };
            std::fs::write(dir.join(file), body).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// A settings file with production politeness over every county's sources, every host mapped
/// to simweb on 127.0.0.1.
fn write_settings(dir: &Path, counties: u32, port: u16, in_flight: u32, delay_ms: u64) -> PathBuf {
    let cfg = Path::new(ROOT).join("crawl-config");
    let c = |p: &str| cfg.join(p).display().to_string();
    let mut s = format!(
        r#"# Written by benches/province.rs: {counties} simulated counties, production politeness.
[evaluation]
period = "2023"
start = "2023-01-01"
end = "2023-12-30"
roster = "{roster}"
catalogs = ["{township}", "{department}"]
rules = "{rules}"

[crawl]
sources = ["sources"]
presets = "{presets}"
user_agent = "govtrust-crawler/0.1 (+https://example.org/govtrust/crawler; crawler@example.org)"
politeness = {{ delay_ms = {delay_ms}, concurrency = 1 }}
robots = true
connect_timeout = "10s"
total_timeout = "60s"
max_body_bytes = 20_971_520
max_redirects = 5
max_pages_per_list = 500
max_in_flight = {in_flight}
strip_params = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "from", "spm"]
log_every = "10s"

[crawl.retry]
max_retries = 3
backoff_base = "2s"
backoff_cap = "5m"
jitter = true
retry_after_cap = "10m"

[crawl.recheck]
detail_min = "20h"
detail_max = "30d"
"#,
        roster = c("units/tongbai.toml"),
        township = c("indicators/township.toml"),
        department = c("indicators/department.toml"),
        rules = c("rules"),
        presets = c("presets"),
    );
    for k in 0..counties {
        for site in Site::ALL {
            s.push_str(&format!(
                "\n[[crawl.resolve]]\nhost = \"{}\"\naddr = \"127.0.0.1:{port}\"\n",
                province::county_host(site, k)
            ));
        }
    }
    let path = dir.join(format!("settings-{in_flight}.toml"));
    std::fs::write(&path, s).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn start_simweb(port: u16, counties: u32, scale: u64, log: &Path) -> (Killed, Duration) {
    let started = Instant::now();
    let child = Command::new(BIN)
        .args(["simweb", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--counties", &counties.to_string()])
        .args(["--scale", &scale.to_string(), "--wan-latency", "--log"])
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start simweb: {e}"));
    let child = Killed(child);
    for _ in 0..3000 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("simweb did not start");
}

/// One request in simweb's log.
struct Req {
    /// Seconds since the crawl started.
    t: f64,
    host: String,
    robots: bool,
    status: u16,
    bytes: u64,
    /// The delay simweb put before the answer.
    delay_s: f64,
}

fn read_log(log: &Path, from: u64, t0: chrono::DateTime<chrono::Utc>) -> Vec<Req> {
    let mut f = std::fs::File::open(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let _ = f.seek(SeekFrom::Start(from));
    let mut out = Vec::new();
    for line in BufReader::new(f).lines().map_while(Result::ok) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(s("at")) else {
            continue;
        };
        let host = s("host").to_string();
        let path = s("path");
        let ident = match v.get("form").and_then(|x| x.as_str()) {
            Some(f) if !f.is_empty() => format!("{path}#{f}"),
            _ => path.to_string(),
        };
        let delay_s = province::parse_host(&host).map_or(0.0, |(k, _)| {
            province::wan_delay(province::county_seed(1, k), &host, &ident).as_secs_f64()
        });
        out.push(Req {
            t: (at.with_timezone(&chrono::Utc) - t0).num_milliseconds() as f64 / 1e3,
            robots: path == "/robots.txt",
            host,
            status: v.get("status").and_then(|x| x.as_u64()).unwrap_or(0) as u16,
            bytes: v.get("bytes").and_then(|x| x.as_u64()).unwrap_or(0),
            delay_s,
        });
    }
    out
}

/// What one time-boxed crawl showed.
struct Measured {
    in_flight: u32,
    secs: f64,
    pages: usize,
    steady_rate: f64,
    last_full: f64,
    steady_hosts_per_30s: f64,
    cpu_us_per_page: f64,
    peak_rss_mb: f64,
    store_bytes_per_page: f64,
    frontier: usize,
    little_in_flight: f64,
}

fn crawl_box(
    dir: &Path,
    settings: &Path,
    log: &Path,
    in_flight: u32,
    minutes: f64,
    delay_ms: u64,
) -> Measured {
    let store = dir.join(format!("store-{in_flight}"));
    let from = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    let t0 = chrono::Utc::now();
    let started = Instant::now();
    let child = Command::new(BIN)
        .arg("--store")
        .arg(&store)
        .arg("--config")
        .arg(settings)
        .args(["crawl", "--as-of", "2024-02-01"])
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(dir.join(format!("crawl-{in_flight}.log")))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        )
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the crawl: {e}"));
    let pid = child.id();
    let mut child = Killed(child);
    let (mut peak_kb, mut cpu_at_warmup, mut cpu) = (0u64, None, 0.0);
    let mut store_at_warmup = None;
    let limit = Duration::from_secs_f64(minutes * 60.0);
    while started.elapsed() < limit {
        if let Ok(Some(status)) = child.0.try_wait() {
            println!(
                "  the crawl ended by itself ({status}) after {:.0}s",
                started.elapsed().as_secs_f64()
            );
            break;
        }
        let (_, hwm) = rss_kb(pid);
        peak_kb = peak_kb.max(hwm);
        cpu = f64::max(cpu, cpu_seconds(pid));
        if cpu_at_warmup.is_none() && started.elapsed().as_secs_f64() >= WARMUP_S {
            cpu_at_warmup = Some(cpu);
            store_at_warmup = Some((dir_bytes(&store), Instant::now()));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let secs = started.elapsed().as_secs_f64();
    let store_end = dir_bytes(&store);
    drop(child);

    let reqs = read_log(log, from, t0);
    let pages: Vec<&Req> = reqs.iter().filter(|r| !r.robots).collect();
    let steady: Vec<&&Req> = pages.iter().filter(|r| r.t >= WARMUP_S).collect();
    let window = (secs - WARMUP_S).max(1.0);
    let steady_rate = steady.len() as f64 / window;
    let hosts_all: HashSet<&str> = reqs.iter().map(|r| r.host.as_str()).collect();
    println!(
        "  {} requests in {secs:.0}s ({} robots.txt, {} pages; status 200: {}, other: {}), {:.1} MB of bodies, {} hosts asked",
        reqs.len(),
        reqs.len() - pages.len(),
        pages.len(),
        pages.iter().filter(|r| r.status == 200).count(),
        pages.iter().filter(|r| r.status != 200).count(),
        mb(pages.iter().map(|r| r.bytes as f64).sum()),
        hosts_all.len()
    );
    // Pages and hosts per 30 s: the crawl's course.
    let mut buckets: BTreeMap<u64, (usize, HashSet<&str>)> = BTreeMap::new();
    for r in &pages {
        let b = buckets.entry((r.t.max(0.0) / 30.0) as u64).or_default();
        b.0 += 1;
        b.1.insert(r.host.as_str());
    }
    let course: Vec<String> = buckets
        .iter()
        .map(|(b, (n, h))| format!("{}–{}s {n} pages/{} hosts", b * 30, b * 30 + 30, h.len()))
        .collect();
    println!("  per 30 s: {}", course.join(", "));
    let steady_buckets: Vec<usize> = buckets
        .iter()
        .filter(|(b, _)| (**b as f64) * 30.0 >= WARMUP_S && ((**b + 1) as f64) * 30.0 <= secs)
        .map(|(_, (_, h))| h.len())
        .collect();
    let steady_hosts_per_30s =
        steady_buckets.iter().sum::<usize>() as f64 / steady_buckets.len().max(1) as f64;
    let last_full = buckets
        .iter()
        .rfind(|(b, _)| ((**b + 1) as f64) * 30.0 <= secs)
        .map_or(0.0, |(_, (n, _))| *n as f64 / 30.0);
    // Politeness as simweb saw it: the smallest gap between two requests to one host.
    let mut by_host: HashMap<&str, Vec<f64>> = HashMap::new();
    for r in &reqs {
        by_host.entry(&r.host).or_default().push(r.t);
    }
    let mut min_gap = f64::INFINITY;
    let mut short = 0usize;
    let mut busiest = ("", 0usize);
    for (h, ts) in &mut by_host {
        ts.sort_by(f64::total_cmp);
        for w in ts.windows(2) {
            let gap = w[1] - w[0];
            min_gap = min_gap.min(gap);
            if gap < delay_ms as f64 / 1e3 * 0.95 {
                short += 1;
            }
        }
        if ts.len() > busiest.1 {
            busiest = (h, ts.len());
        }
    }
    println!(
        "  politeness at simweb: smallest gap between two requests to one host {:.3}s ({short} gaps under 95% of {delay_ms} ms); busiest host {} with {} requests",
        min_gap, busiest.0, busiest.1
    );
    println!("  the last full 30 s: {last_full:.2} pages/s");
    let little = steady.iter().map(|r| r.delay_s).sum::<f64>() / window;
    let cpu_window = cpu - cpu_at_warmup.unwrap_or(0.0);
    let cpu_us_per_page = 1e6 * cpu_window / steady.len().max(1) as f64;
    let (store_w, at_w) = store_at_warmup.unwrap_or((0, started));
    let pages_after_warmup = pages
        .iter()
        .filter(|r| r.t >= at_w.duration_since(started).as_secs_f64())
        .count();
    let store_bytes_per_page =
        store_end.saturating_sub(store_w) as f64 / pages_after_warmup.max(1) as f64;
    println!(
        "  steady (after {WARMUP_S:.0}s): {steady_rate:.2} pages/s, {steady_hosts_per_30s:.1} hosts served per 30 s, {little:.2} requests in flight at simweb (Little: Σ delay / time)"
    );
    println!(
        "  crawler: CPU {cpu:.1}s in all, {cpu_us_per_page:.0} µs a page after warm-up; peak RSS {:.1} MB; store {:.1} MB, growing {:.0} bytes a page",
        peak_kb as f64 / 1024.0,
        mb(store_end as f64),
        store_bytes_per_page
    );
    // The frontier left behind, per host.
    let frontier = match govtrust::store::Store::open(&store) {
        Ok(st) => match st.pending(None, usize::MAX) {
            Ok(entries) => {
                let mut per: HashMap<String, usize> = HashMap::new();
                for e in &entries {
                    let host = e
                        .url
                        .strip_prefix("http://")
                        .and_then(|r| r.split('/').next())
                        .unwrap_or("")
                        .to_string();
                    *per.entry(host).or_default() += 1;
                }
                let mut top: Vec<(String, usize)> = per.into_iter().collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let head: Vec<String> = top
                    .iter()
                    .take(5)
                    .map(|(h, n)| format!("{h} {n}"))
                    .collect();
                // Where the head of the queue is: the hosts of the next URLs the crawl takes.
                let next: HashSet<String> = entries
                    .iter()
                    .take(2 * in_flight as usize)
                    .filter_map(|e| {
                        e.url
                            .strip_prefix("http://")
                            .and_then(|r| r.split('/').next())
                            .map(str::to_string)
                    })
                    .collect();
                println!(
                    "  frontier left: {} URLs on {} hosts (largest: {}); the next {} URLs in queue order are on {} hosts",
                    entries.len(),
                    top.len(),
                    head.join(", "),
                    2 * in_flight,
                    next.len()
                );
                entries.len()
            }
            Err(e) => {
                println!("  frontier not read: {e}");
                0
            }
        },
        Err(e) => {
            println!("  store not opened: {e}");
            0
        }
    };
    Measured {
        in_flight,
        secs,
        pages: pages.len(),
        steady_rate,
        last_full,
        steady_hosts_per_30s,
        cpu_us_per_page,
        peak_rss_mb: peak_kb as f64 / 1024.0,
        store_bytes_per_page,
        frontier,
        little_in_flight: little,
    }
}

/// Peak RSS (MB) and wall time of `govtrust check-config` on the settings: what loading and
/// compiling every source costs before a page is fetched. Polled from /proc, so a peak shorter
/// than the poll interval can be missed.
fn config_load(settings: &Path) -> (f64, f64) {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(settings)
        .arg("check-config")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start check-config: {e}"));
    let pid = child.id();
    let mut peak = 0;
    loop {
        peak = peak.max(rss_kb(pid).1);
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    (peak as f64 / 1024.0, started.elapsed().as_secs_f64())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn hours(s: f64) -> f64 {
    s / 3600.0
}

fn main() {
    let counties: u32 =
        env_or("GOVTRUST_PROVINCE_COUNTIES", 150u32).clamp(1, province::MAX_COUNTIES);
    let scale: u64 = env_or("GOVTRUST_PROVINCE_SCALE", 10_000u64);
    let minutes: f64 = env_or("GOVTRUST_BENCH_MINUTES", 3.0f64);
    let delay_ms: u64 = env_or("GOVTRUST_PROVINCE_DELAY_MS", 2000u64).max(1);
    let cores: f64 = env_or("GOVTRUST_PROVINCE_CORES", 2.0f64);
    let memory_mb: f64 = env_or("GOVTRUST_PROVINCE_MEMORY_MB", 4096.0f64);
    let disk_gb: f64 = env_or("GOVTRUST_PROVINCE_DISK_GB", 100.0f64);
    let new_per_county: f64 = env_or("GOVTRUST_PROVINCE_NEW_PER_COUNTY", 30.0f64);
    // Store bytes a page at scale: benches/crawl.rs, 22,690 pages in 126 MB (issue #23). A
    // time-boxed crawl of a few thousand pages measures mostly sled's first allocations.
    let store_per_page: f64 = env_or("GOVTRUST_PROVINCE_STORE_BYTES_PER_PAGE", 5_550.0f64);
    let in_flights: Vec<u32> = std::env::var("GOVTRUST_PROVINCE_IN_FLIGHT")
        .unwrap_or_else(|_| "8,128".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let roster = SimWeb::load_roster(Path::new(govtrust::simweb::DEFAULT_ROSTER))
        .unwrap_or_else(|e| panic!("{e}"));

    println!("== province: {counties} counties × 7 hosts, simweb scale {scale} a county");
    let plan = province_on_paper(&roster, counties, scale);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap_or_else(|e| panic!("{e}"));
    write_sources(&sources, counties);
    let port = free_port();
    let log = dir.path().join("requests.jsonl");
    let (sim, sim_start) = start_simweb(port, counties, scale, &log);
    let sim_pid = sim.0.id();
    println!(
        "simweb: {counties} counties generated in {:.1}s here (enumerated in {:.1}s for the plan), RSS {:.0} MB",
        sim_start.as_secs_f64(),
        plan.took.as_secs_f64(),
        rss_kb(sim_pid).0 as f64 / 1024.0
    );

    let mut runs = Vec::new();
    let mut config_mb = 0.0;
    for &n in &in_flights {
        let settings = write_settings(dir.path(), counties, port, n, delay_ms);
        if runs.is_empty() {
            let (peak, took) = config_load(&settings);
            config_mb = peak;
            println!(
                "configuration: {} sources and {} host-map entries; check-config (loading and compiling them) peaks at {peak:.0} MB RSS, {took:.1}s",
                7 * counties,
                7 * counties
            );
        }
        println!("-- crawl, max_in_flight {n}, {delay_ms} ms per host, {minutes} min");
        let sim_cpu = cpu_seconds(sim_pid);
        let m = crawl_box(dir.path(), &settings, &log, n, minutes, delay_ms);
        println!(
            "  simweb used {:.1}s of CPU meanwhile",
            cpu_seconds(sim_pid) - sim_cpu
        );
        runs.push(m);
    }
    drop(sim);

    // ---- On paper.
    let total_lists: u64 = plan.hosts.iter().map(|h| h.lists).sum();
    let total_details: u64 = plan.hosts.iter().map(|h| h.details).sum();
    let night1 = (total_lists + total_details) as f64;
    let steady =
        total_lists as f64 + total_details as f64 / 30.0 + new_per_county * counties as f64;
    let interval = |h: &HostPlan| f64::max(delay_ms as f64 / 1e3, h.crawl_delay.unwrap_or(0.0));
    let mut lat = plan.latencies_ms.clone();
    lat.sort_by(f64::total_cmp);
    let mean_lat = lat.iter().sum::<f64>() / lat.len().max(1) as f64 / 1e3;
    let night_s = NIGHT_H * 3600.0;
    println!();
    println!("== one night of the province on paper");
    println!("assumptions:");
    println!(
        "  - pages: simweb's own enumeration of each of the {counties} counties at scale {scale} ({:.0} URLs a county on average, every list page, article, attachment, record and case); simweb gives each county its own city, credit and court hosts, where a real province shares them among a city's ~9 counties: more hosts and pages here than there",
        night1 / counties as f64
    );
    println!(
        "  - night 1 (or a full re-crawl) fetches every URL; a steady night fetches every list page (re-checked each run), the details due (unchanged details wait 20 h·2^k up to detail_max 30 d, so about 1/30 of them a night once settled) and {new_per_county} new pages a county"
    );
    println!(
        "  - politeness: one request at a time per host, starts at least max({delay_ms} ms, robots.txt Crawl-delay) apart (crawl-config/tongbai.toml; Crawl-delays as simweb's county variants set them: none on half the hosts, 1, 2, 5 or 10 s on the rest)"
    );
    println!(
        "  - latency: simweb --wan-latency, over a sample of {} URLs: mean {:.0} ms, p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lat.len(),
        mean_lat * 1e3,
        percentile(&lat, 0.5),
        percentile(&lat, 0.9),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    println!("  - one machine: {cores} cores, {memory_mb:.0} MB of memory, {disk_gb:.0} GB of disk for the store; one night {NIGHT_H} h; the later stages (classify, score, report) are not counted");
    println!(
        "pages: night 1 {:.0} ({total_lists} list pages, {total_details} details); steady night {:.0}",
        night1, steady
    );
    // Politeness per host.
    let mut per_host: Vec<(f64, f64, &HostPlan)> = plan
        .hosts
        .iter()
        .map(|h| {
            let iv = interval(h);
            let t1 = (h.lists + h.details) as f64 * iv;
            let ts = (h.lists as f64 + h.details as f64 / 30.0) * iv;
            (t1, ts, h)
        })
        .collect();
    per_host.sort_by(|a, b| b.0.total_cmp(&a.0));
    let over1: Vec<&(f64, f64, &HostPlan)> = per_host.iter().filter(|x| x.0 > night_s).collect();
    let over_steady = per_host.iter().filter(|x| x.1 > night_s).count();
    if let Some((t1, ts, h)) = per_host.first() {
        println!(
            "politeness, per host: the longest is {} ({} pages at {:.0} s each) {:.1} h on night 1, {:.1} h on a steady night",
            h.host,
            h.lists + h.details,
            interval(h),
            hours(*t1),
            hours(*ts)
        );
    }
    println!(
        "  hosts that cannot finish within {NIGHT_H} h: night 1 {} of {} ({}), steady night {over_steady}",
        over1.len(),
        per_host.len(),
        over1
            .iter()
            .take(6)
            .map(|(t, _, h)| format!("{} {:.1} h at {:.0} s", h.host, hours(*t), interval(h)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let fit_pages: f64 = per_host
        .iter()
        .map(|(_, _, h)| ((h.lists + h.details) as f64).min(night_s / interval(h)))
        .sum();
    println!(
        "  night 1 within {NIGHT_H} h at full politeness: {:.0} of {:.0} pages ({:.1}%); the rest waits for the next night (the crawl resumes)",
        fit_pages,
        night1,
        100.0 * fit_pages / night1.max(1.0)
    );
    let bound: f64 = plan.hosts.iter().map(|h| 1.0 / interval(h)).sum();
    let need1 = night1 / night_s;
    let need_s = steady / night_s;
    println!(
        "aggregate: the politeness bound is Σ 1/interval = {bound:.0} pages/s over {} hosts; {NIGHT_H} h needs {need1:.1} pages/s on night 1, {need_s:.1} on a steady night",
        plan.hosts.len()
    );
    println!(
        "in flight: needed rate × mean latency = {:.1} requests on night 1 ({:.1} steady); at the politeness bound {:.0}",
        need1 * mean_lat,
        need_s * mean_lat,
        bound * mean_lat
    );
    let iv_typ = delay_ms as f64 / 1e3;
    println!(
        "frontier: at {iv_typ:.0} s a host, {need1:.1} pages/s needs URLs of at least {:.0} hosts ready at once ({:.0} steady): the URLs a crawl has taken must be spread over that many hosts",
        need1 * iv_typ,
        need_s * iv_typ
    );
    for m in &runs {
        println!(
            "  measured, max_in_flight {}: {:.2} pages/s after warm-up ({:.1}% of night 1's need; {:.2} in the last 30 s), {:.1} hosts served per 30 s, {:.2} in flight at simweb, frontier {} URLs after {:.0}s",
            m.in_flight,
            m.steady_rate,
            100.0 * m.steady_rate / need1.max(1e-9),
            m.last_full,
            m.steady_hosts_per_30s,
            m.little_in_flight,
            m.frontier,
            m.secs
        );
    }
    // CPU, memory, disk from the run that fetched most.
    let best = runs.iter().max_by_key(|m| m.pages);
    let cpu_budget = night_s * cores;
    let mut fits_machine = Vec::new();
    if let Some(m) = best {
        let cpu1 = m.cpu_us_per_page * 1e-6 * night1;
        println!(
            "CPU: {:.0} µs a page (measured, max_in_flight {}; the CPU-bound figure of benches/crawl.rs is lower) × {:.0} pages = {:.0} core-s on night 1, {:.1}% of {NIGHT_H} h × {cores} cores",
            m.cpu_us_per_page,
            m.in_flight,
            night1,
            cpu1,
            100.0 * cpu1 / cpu_budget
        );
        println!(
            "memory: peak RSS {:.0} MB measured, of which loading the {} sources takes {config_mb:.0} MB (check-config); the frontier, page records and snapshots are in the store on disk and the crawl holds 2 × max_in_flight URLs in memory, so beyond the configuration RSS is sled's cache and the run's working set, not the province's pages",
            m.peak_rss_mb,
            7 * counties
        );
        let disk1 = store_per_page * night1;
        println!(
            "disk: {store_per_page:.0} bytes of store a page (GOVTRUST_PROVINCE_STORE_BYTES_PER_PAGE: benches/crawl.rs at 22,690 pages; this run's {:.0} bytes a page are sled's first allocations over {} pages) × {:.0} pages = {:.1} GB after night 1 ({:.2} MB/s over {NIGHT_H} h)",
            m.store_bytes_per_page,
            m.pages,
            night1,
            disk1 / 1e9,
            mb(disk1 / night_s)
        );
        fits_machine.push(("CPU", cpu1 <= cpu_budget));
        fits_machine.push(("memory", m.peak_rss_mb <= memory_mb));
        fits_machine.push(("disk", disk1 / 1e9 <= disk_gb));
    }
    // Verdict.
    let measured_best = runs.iter().map(|m| m.steady_rate).fold(0.0, f64::max);
    println!("verdict:");
    if let Some(m) = runs
        .iter()
        .max_by(|a, b| a.steady_rate.total_cmp(&b.steady_rate))
    {
        println!(
            "  in flight: the best run kept {:.1} requests in flight at simweb of the {} it allowed, and {:.0} hosts a 30 s of the {} that had URLs queued: the URLs taken in queue order wait for their hosts' turns, holding the slots",
            m.little_in_flight,
            m.in_flight,
            m.steady_hosts_per_30s,
            plan.hosts.len()
        );
    }
    for (what, fits) in &fits_machine {
        println!(
            "  {what}: {}",
            if *fits {
                "fits one machine"
            } else {
                "does not fit one machine: binds"
            }
        );
    }
    if over1.is_empty() && bound >= need1 {
        println!("  politeness: night 1 fits every host within {NIGHT_H} h");
    } else {
        println!(
            "  politeness: night 1 does not fit: {} hosts need more than {NIGHT_H} h at their interval (more machines do not help a host: its pages wait on its own Crawl-delay); a first crawl spreads over nights, then steady nights {}",
            over1.len(),
            if over_steady == 0 { "fit" } else { "still leave hosts over" }
        );
    }
    if measured_best < need_s {
        println!(
            "  frontier: binds. The crawl took URLs in queue order and waited on their hosts with the URLs in hand: {measured_best:.2} pages/s at best against {need_s:.1} needed on a steady night and {bound:.0} allowed. One night needs a frontier that hands out URLs by host readiness (a queue per host, the next due host first), so the URLs in progress are spread over ≥ {:.0} hosts",
            need1 * iv_typ
        );
    } else if measured_best < need1 {
        println!(
            "  frontier: {measured_best:.2} pages/s measured covers a steady night ({need_s:.1} needed) but not night 1 ({need1:.1})"
        );
    } else {
        println!("  frontier: {measured_best:.2} pages/s measured covers night 1's {need1:.1}");
    }
    let _ = std::io::stdout().flush();
}
