//! The binary: `govtrust schedule` stops cleanly on SIGTERM in the middle of a crawl, and
//! `govtrust export` writes its files (and refuses an unknown format).

use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

use super::*;

fn wait_for(path: &Path, needle: &str, limit: Duration) -> String {
    let t = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) || t.elapsed() > limit {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(unix)]
#[test]
fn schedule_stops_on_sigterm_and_exports_run_from_the_binary() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store_dir = dir.path().join("store");
    let rt = runtime();
    let sim = rt
        .block_on(simweb::start(SimOptions {
            scale: 2000,
            ..sim_options(&project, 1)
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join("schedule.log");
    let mut child = StdCommand::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .arg("--store")
        .arg(&store_dir)
        .args([
            "schedule",
            "--every",
            "1",
            "--resolve-port",
            &sim.addr().port().to_string(),
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}")))
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = wait_for(&log, "run starting", Duration::from_secs(30));
    assert!(text.contains("run starting"), "{text}");
    std::thread::sleep(Duration::from_millis(1500));
    let killed = StdCommand::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(killed.success());
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break Some(s);
        }
        if t.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    rt.block_on(sim.shutdown());
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.is_some_and(|s| s.success()), "{status:?}\n{text}");
    assert!(
        text.contains("shutdown requested") && text.contains("schedule stopped"),
        "{text}"
    );
    {
        let store = Store::open(&store_dir).unwrap_or_else(|e| panic!("{e}"));
        let runs = store.runs().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(runs.len(), 1);
        assert_eq!(
            runs[0].status,
            govtrust::store::runs::RunStatus::Interrupted
        );
    }

    let govtrust = |args: &[&str]| {
        StdCommand::cargo_bin("govtrust")
            .unwrap_or_else(|e| panic!("{e}"))
            .arg("--store")
            .arg(&store_dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let warc = dir.path().join("x.warc.gz");
    let o = govtrust(&[
        "export",
        "warc",
        "--out",
        &warc.display().to_string(),
        "--run",
        &1.to_string(),
    ]);
    let runs_text = String::from_utf8_lossy(&o.stderr).into_owned();
    // The run id is whatever the store gave; export all when it is not 1.
    if !o.status.success() {
        assert!(runs_text.contains("not in the store"), "{runs_text}");
        let o = govtrust(&["export", "warc", "--out", &warc.display().to_string()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(warc.is_file());
    let csv = dir.path().join("scores.csv");
    let o = govtrust(&[
        "export",
        "scores",
        "--format",
        "csv",
        "--out",
        &csv.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("已写入"));
    assert!(csv.is_file());
    let o = govtrust(&[
        "export",
        "evidence",
        "--format",
        "pdf",
        "--out",
        &csv.display().to_string(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("jsonl, csv or xlsx"));
}
