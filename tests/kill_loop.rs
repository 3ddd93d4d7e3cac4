//! `kill -9` at 20 random (seeded) moments while `govtrust crawl` and then `govtrust import`
//! run, on one store of the small simulated county: up to ten during the crawl (fewer when a
//! resumed crawl completes first), the rest during the import. After each kill
//! `store verify` passes; the same command resumes; and the store ends with the documents,
//! pages, evidence and scores of a run that was never interrupted.

use std::path::Path;
use std::time::{Duration, Instant};

use govtrust::simweb::rng::Rng;
use govtrust::store::runs::RunStatus;
use govtrust::store::Store;

#[path = "common/county.rs"]
mod county;

use county::{command, run_ok, SETTINGS};

/// The seed of the kill moments (printed with every failure).
const SEED: u64 = 0x2f1d_5eed;
/// Kills that land while a command runs, in all.
const KILLS: usize = 20;
/// At most this many of them during the crawl.
const CRAWL_KILLS: usize = 10;

/// The kill moments, the same on every run (simweb's seeded generator).
struct Moments(Rng);

impl Moments {
    /// A moment in `[0, span)`.
    fn within(&mut self, span: Duration) -> Duration {
        Duration::from_millis(self.0.below(span.as_millis().max(1) as u64))
    }
}

/// What must be equal after the kills: pages, documents, evidence, scores.
fn state(store: &Path, settings: &Path) -> Vec<String> {
    let s = Store::open(store).unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<String> = s
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|p| format!("page {} {} {:?}", p.url, p.status, p.hash))
        .collect();
    out.extend(
        s.documents(None)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|d| {
                format!(
                    "doc {} {} {:?} {:?} {:?} {} {:?} {:?}",
                    d.id, d.url, d.title, d.published, d.unit, d.snapshot, d.attachments, d.fields
                )
            }),
    );
    out.extend(
        s.evidence_list(&Default::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|e| {
                format!(
                    "evidence {} {} {} {:?} {} {:?}",
                    e.id, e.unit, e.item, e.finding, e.snapshot, e.status
                )
            }),
    );
    drop(s);
    let scores = run_ok(store, settings, &["score", "--format", "json"]);
    out.push(String::from_utf8_lossy(&scores.stdout).into_owned());
    out
}

/// Kills `args` with SIGKILL at moments drawn from `[0, span)` until `kills` kills have landed
/// while it ran (or `done` says the work is complete), checking the store after each; returns
/// how many kills landed and how many runs finished before their kill (not counted).
fn kill_while_running(
    store: &Path,
    settings: &Path,
    args: &[&str],
    span: Duration,
    kills: usize,
    moments: &mut Moments,
    done: impl Fn() -> bool,
) -> (usize, usize) {
    let (mut landed, mut finished) = (0, 0);
    while landed < kills && !done() {
        let at = moments.within(span);
        let mut child = command(store, settings, args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(at);
        let running = child.try_wait().unwrap_or_else(|e| panic!("{e}")).is_none();
        child.kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL
        child.wait().unwrap_or_else(|e| panic!("{e}"));
        if running {
            landed += 1;
        } else {
            finished += 1;
        }
        let v = command(store, settings, &["store", "verify"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            v.status.success(),
            "seed {SEED:#x}: store verify failed after a kill at {at:?} in {args:?}:\n{}",
            String::from_utf8_lossy(&v.stdout)
        );
        assert!(
            finished < 3 * kills.max(1),
            "{args:?} keeps finishing before the kill"
        );
    }
    assert!(done() || landed == kills);
    (landed, finished)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_during_crawl_and_import_end_as_a_clean_run() {
    let p = county::project();
    let sim = county::start(&p, 20, 1).await;
    let port = sim.addr().port().to_string();
    // The processes are driven from a blocking thread: simweb answers them from the runtime.
    tokio::task::spawn_blocking(move || kill_loop(&port))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sim.shutdown().await;
}

fn kill_loop(port: &str) {
    let settings = Path::new(SETTINGS);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut import = vec!["import".to_string()];
    import.extend(county::samples());
    let import: Vec<&str> = import.iter().map(String::as_str).collect();
    let crawl = ["crawl", "--resolve-port", port];

    // The clean run, timed.
    let clean = dir.path().join("clean");
    let t = Instant::now();
    run_ok(&clean, settings, &crawl);
    let crawl_time = t.elapsed();
    let t = Instant::now();
    run_ok(&clean, settings, &import);
    let import_time = t.elapsed();
    run_ok(&clean, settings, &["classify"]);
    let want = state(&clean, settings);

    // The killed one. Crawl kills fall in the first third of a clean crawl's time, so most land
    // before a resumed run completes; import kills anywhere in a clean import's time.
    let killed = dir.path().join("killed");
    let mut moments = Moments(Rng::from_u64(SEED));
    let complete = || {
        Store::open(&killed)
            .ok()
            .and_then(|s| s.last_run().ok().flatten())
            .is_some_and(|r| r.status == RunStatus::Complete)
    };
    let in_crawl = kill_while_running(
        &killed,
        settings,
        &crawl,
        crawl_time / 3,
        CRAWL_KILLS,
        &mut moments,
        complete,
    );
    let resumed_to_the_end = !complete();
    if resumed_to_the_end {
        run_ok(&killed, settings, &crawl);
    }
    let in_import = kill_while_running(
        &killed,
        settings,
        &import,
        import_time,
        KILLS - in_crawl.0,
        &mut moments,
        || false,
    );
    eprintln!(
        "kill loop (seed {SEED:#x}): clean crawl {crawl_time:?}, import {import_time:?}; \
         {} kills during the crawl ({} runs ended before their kill; {}), {} during the import \
         ({} ended before their kill)",
        in_crawl.0,
        in_crawl.1,
        if resumed_to_the_end {
            "then resumed to the end"
        } else {
            "completed by a resumed run"
        },
        in_import.0,
        in_import.1
    );
    assert!(
        in_crawl.0 >= 3,
        "seed {SEED:#x}: the crawl was hardly interrupted"
    );
    assert_eq!(
        in_crawl.0 + in_import.0,
        KILLS,
        "seed {SEED:#x}: kills that landed"
    );
    run_ok(&killed, settings, &import);
    run_ok(&killed, settings, &["classify"]);
    let s = Store::open(&killed).unwrap_or_else(|e| panic!("{e}"));
    let runs = s.runs().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        runs.len(),
        1,
        "seed {SEED:#x}: the killed crawl was resumed, not restarted"
    );
    drop(s);
    let got = state(&killed, settings);
    assert_eq!(got.len(), want.len(), "seed {SEED:#x}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "seed {SEED:#x}: differs after the kills");
    }
    run_ok(&killed, settings, &["store", "verify"]);
}
