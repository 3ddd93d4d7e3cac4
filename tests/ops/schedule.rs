//! The schedule loop against a small in-process simweb: two ticks a second apart run the
//! pipeline twice (digest and report each time), a failing run does not stop the loop, and a
//! shutdown during a crawl ends the loop promptly.

use std::time::{Duration, Instant};

use govtrust::schedule::{serve, Plan, ScheduleOptions, Shutdown};

use super::*;

#[test]
fn two_ticks_run_the_pipeline_twice_and_write_reports() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let sim = rt
        .block_on(simweb::start(sim_options(&project, 1)))
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::every(Duration::from_secs(1)).unwrap_or_else(|e| panic!("{e}"));
    let opts = ScheduleOptions {
        crawl: crawl_opts(sim.addr().port()),
        report_dir: Some(dir.path().join("out")),
        max_runs: Some(2),
    };
    let s = rt.block_on(serve(&project, &store, &plan, opts, Shutdown::new()));
    rt.block_on(sim.shutdown());
    assert_eq!((s.runs, s.failed), (2, 0), "{s:?}");
    assert_eq!(s.run_ids.len(), 2);
    assert!(s.run_ids[0] < s.run_ids[1]);
    for id in &s.run_ids {
        assert!(store
            .digest(Some(*id))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some());
    }
    let second = store
        .digest(Some(s.run_ids[1]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.and_then(|d| d.previous_run), Some(s.run_ids[0]));
    for f in ["report.html", "report.xlsx", "summary.md"] {
        assert!(dir.path().join("out").join(f).is_file(), "{f} missing");
    }
}

#[test]
fn a_failed_run_does_not_stop_the_schedule() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let plan = Plan::every(Duration::from_secs(1)).unwrap_or_else(|e| panic!("{e}"));
    // No port for the simweb host map: every crawl fails at once.
    let opts = ScheduleOptions {
        max_runs: Some(2),
        ..ScheduleOptions::default()
    };
    let s = rt.block_on(serve(&project, &store, &plan, opts, Shutdown::new()));
    assert_eq!((s.runs, s.failed), (2, 2), "{s:?}");
}

#[test]
fn shutdown_during_a_crawl_ends_the_loop() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let sim = rt
        .block_on(simweb::start(SimOptions {
            scale: 2000,
            ..sim_options(&project, 1)
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::every(Duration::from_secs(1)).unwrap_or_else(|e| panic!("{e}"));
    // A polite crawl of the full simulated county takes minutes.
    let opts = ScheduleOptions {
        crawl: crawl::Options {
            port: Some(sim.addr().port()),
            ..crawl::Options::default()
        },
        report_dir: None,
        max_runs: None,
    };
    let shutdown = Shutdown::new();
    let trigger = shutdown.clone();
    let t = Instant::now();
    let s = rt.block_on(async {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2500)).await;
            trigger.trigger();
        });
        serve(&project, &store, &plan, opts, shutdown).await
    });
    let took = t.elapsed();
    rt.block_on(sim.shutdown());
    assert_eq!(s.runs, 1, "{s:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    let runs = store.runs().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].status,
        govtrust::store::runs::RunStatus::Interrupted
    );
}
