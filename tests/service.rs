//! The always-on service on the real binary against the small simulated county on an ephemeral
//! loopback port: `serve` answers the same evidence, documents and scores throughout a scheduled
//! run of `serve --schedule` (one process, one open store), run-now and report are jobs of one
//! slot (202, then 409 while one is going), backups are taken through the server's handle, a
//! second CLI command on the held store gets the Chinese message with the holder's pid, and
//! SIGTERM (idle or mid-run) exits 0 with a store that `store verify` passes and that the next
//! `crawl` completes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

#[path = "common/county.rs"]
mod county;

use county::{command, run_ok, SETTINGS};

const WRITE: &str = "w-token";

/// `govtrust serve` started with `args`, its pid and address once it listens.
struct Service {
    child: Child,
    base: String,
}

impl Service {
    fn start(store: &Path, args: &[&str]) -> Service {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0", "--write-token", WRITE];
        all.extend_from_slice(args);
        let mut child = command(store, Path::new(SETTINGS), &all)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let out = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        assert!(line.contains(&format!("pid {}", child.id())), "{line}");
        Service { child, base }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ok.success());
        self.child.wait().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // A failed assertion leaves no server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn get_json(c: &reqwest::Client, url: &str) -> Value {
    let r = c
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "GET {url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"))
}

async fn post(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = c
        .post(url)
        .bearer_auth(WRITE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_else(|e| panic!("{e}"));
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// What the analyst asks during the night: all evidence, one unit's documents, the scoreboard.
const QUERIES: [&str; 3] = [
    "/api/evidence?limit=1000",
    "/api/documents?unit=t-huaiyuan&limit=1000",
    "/api/scores",
];

/// The answer to a query with what a re-crawl of an unchanged night rewrites left out: the
/// times documents were extracted and evidence classified.
fn comparable(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.retain(|k, _| !k.ends_with("_at"));
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

async fn answers(c: &reqwest::Client, base: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for q in QUERIES {
        out.push(comparable(get_json(c, &format!("{base}{q}")).await));
    }
    out
}

/// Polls `/api/service` until the job `job` is in the history; returns it.
async fn finished(c: &reqwest::Client, base: &str, job: u64) -> Value {
    loop {
        let s = get_json(c, &format!("{base}/api/service")).await;
        if let Some(h) = s["history"]
            .as_array()
            .and_then(|h| h.iter().find(|j| j["job"] == job))
        {
            return h.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `store verify` exits 0 only when every tree reads back and every link holds.
fn verify(store: &Path) {
    run_ok(store, Path::new(SETTINGS), &["store", "verify"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_answers_through_a_scheduled_run_and_stops_cleanly() {
    let p = county::project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = dir.path().join("store");
    let settings = Path::new(SETTINGS);
    let sim = county::start(&p, 40, 1).await;
    let port = sim.addr().port().to_string();
    run_ok(&store, settings, &["run", "--resolve-port", &port]);
    let c = client();

    // The plain server: the baseline answers, a report and a backup through it, its rules.
    let out = dir.path().join("out");
    let backups = dir.path().join("backups");
    let (out_s, backups_s) = (out.display().to_string(), backups.display().to_string());
    let svc = Service::start(
        &store,
        &["--report-dir", &out_s, "--backup-dir", &backups_s],
    );
    let base = svc.base.clone();
    let baseline = answers(&c, &base).await;
    assert!(
        baseline[0]["evidence"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "no evidence after the first run"
    );
    let (status, body) = post(&c, &format!("{base}/api/report")).await;
    assert_eq!(status, 202, "{body}");
    let job = finished(&c, &base, body["job"].as_u64().unwrap_or(0)).await;
    assert_eq!(job["ok"], true, "{job}");
    assert!(out.join("report.html").is_file());
    let (status, body) = post(&c, &format!("{base}/api/backup")).await;
    assert_eq!(status, 201, "{body}");
    let copy = body["dir"].as_str().unwrap_or_default().to_string();
    assert!(copy.starts_with(&backups_s), "{body}");
    // Without the write token, or from another origin, no job starts.
    let r = c
        .post(format!("{base}/api/runs"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 403);
    let r = c
        .post(format!("{base}/api/runs"))
        .bearer_auth(WRITE)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 403);
    let status = svc.terminate();
    assert!(status.success(), "serve exited {status:?}");
    verify(Path::new(&copy));

    // The service with its schedule: a tick every 2 s after the previous run, every detail
    // fetched again, so the run is a real night's work.
    let svc = Service::start(
        &store,
        &[
            "--schedule",
            "--every",
            "2",
            "--resolve-port",
            &port,
            "--detail-min",
            "0s",
        ],
    );
    let base = svc.base.clone();
    let (mut during, mut seen_progress, mut page_showed_it) = (0, false, false);
    let scheduled = loop {
        let s = get_json(&c, &format!("{base}/api/service")).await;
        if let Some(done) = s["history"]
            .as_array()
            .and_then(|h| h.iter().find(|j| j["trigger"] == "schedule"))
        {
            break done.clone();
        }
        let running = s["current"].is_object();
        // Every answer is whole and the same as before the run: an unchanged night.
        let now = answers(&c, &base).await;
        for (q, (a, b)) in QUERIES.iter().zip(now.iter().zip(&baseline)) {
            assert!(a == b, "{q} changed during the run");
        }
        if running {
            during += 1;
            seen_progress |= s["current"]["pages_done"].as_u64().unwrap_or(0) > 0;
            let page = c
                .get(format!("{base}/"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(page.status().as_u16(), 200);
            let html = page.text().await.unwrap_or_default();
            // The run may have ended between the status and the page.
            if html.contains("正在进行") {
                assert!(
                    html.contains("当前阶段") && html.contains("待抓取"),
                    "{html}"
                );
                page_showed_it = true;
            }
        }
    };
    assert_eq!(scheduled["ok"], true, "{scheduled}");
    assert_eq!(scheduled["kind"], "run");
    assert!(during > 0, "no query was answered while the run went on");
    assert!(seen_progress, "the service never reported pages fetched");
    assert!(page_showed_it, "the overview never showed the running job");
    assert_eq!(answers(&c, &base).await, baseline);

    // A second process on the held store: the message, not sled's error.
    let out = command(&store, settings, &["crawl", "--resolve-port", &port])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("pid {}", svc.pid())), "{err}");
    assert!(
        err.contains("POST /api/runs") && err.contains("正被"),
        "{err}"
    );
    assert!(!err.contains("WouldBlock"), "{err}");

    // Run now: one job at a time.
    let (status, body) = loop {
        let (status, body) = post(&c, &format!("{base}/api/runs")).await;
        if status != 409 {
            break (status, body);
        }
        // A tick took the slot first: wait for its job and ask again.
        let current = get_json(&c, &format!("{base}/api/service")).await["current"]["job"].as_u64();
        if let Some(job) = current {
            finished(&c, &base, job).await;
        }
    };
    assert_eq!(status, 202, "{body}");
    let (again, busy) = post(&c, &format!("{base}/api/runs")).await;
    assert_eq!(again, 409, "{busy}");
    assert!(
        busy["error"]
            .as_str()
            .is_some_and(|e| e.contains("已有任务")),
        "{busy}"
    );
    let (report, _) = post(&c, &format!("{base}/api/report")).await;
    assert!(report == 409, "a report during a run: {report}");

    // SIGTERM in the middle of that run: exit 0, a store that verifies and resumes.
    let status = svc.terminate();
    assert!(status.success(), "serve exited {status:?}");
    assert!(!store.join("govtrust.pid").exists());
    // A pid file left by a process that is gone blocks nobody.
    std::fs::write(store.join("govtrust.pid"), "4999999\n").unwrap_or_else(|e| panic!("{e}"));
    verify(&store);
    run_ok(&store, settings, &["crawl", "--resolve-port", &port]);
    let runs = run_ok(&store, settings, &["runs"]);
    let runs = String::from_utf8_lossy(&runs.stdout);
    assert!(!runs.contains("已中断"), "{runs}");
    sim.shutdown().await;
}
