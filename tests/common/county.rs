//! A small simulated county for tests that drive the `govtrust` binary: two townships and two
//! departments (one department's pages are GBK) under simweb on an ephemeral port, the shipped
//! settings (`crawl-config/simweb.toml`) and sample submissions, and a runner for the binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use govtrust::config::{Project, Roster};
use govtrust::simweb::{self, FaultProfile, SimHandle, SimOptions};

pub const SETTINGS: &str = "crawl-config/simweb.toml";

pub fn project() -> Project {
    Project::load(Path::new(SETTINGS)).unwrap_or_else(|e| panic!("{e}"))
}

pub fn small_roster(p: &Project) -> Roster {
    let mut r = p.roster.clone();
    let keep = ["t-huaiyuan", "t-chengjiao", "d-fgw", "d-lyj"];
    r.units.retain(|u| keep.contains(&u.id.as_str()));
    r
}

/// A seed under which the small county has a 权责清单 (night 2 revises the first one).
pub fn seed(p: &Project, scale: u64) -> u64 {
    (1..50)
        .find(|&s| {
            simweb::SimWeb::new(small_roster(p), s, scale, 2)
                .truth()
                .documents
                .iter()
                .any(|d| d.role == "T1")
        })
        .unwrap_or(1)
}

/// simweb serving the small county's `night`.
pub async fn start(p: &Project, scale: u64, night: u32) -> SimHandle {
    simweb::start(SimOptions {
        seed: seed(p, scale),
        scale,
        night,
        faults: FaultProfile::None,
        roster: Some(small_roster(p)),
        ..SimOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `govtrust --store STORE --config SETTINGS ARGS…`, not yet run.
pub fn command(store: &Path, settings: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_govtrust"));
    c.arg("--store")
        .arg(store)
        .arg("--config")
        .arg(settings)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("GOVTRUST_CRASH_AFTER")
        .env_remove("GOVTRUST_PANIC_URL");
    c
}

/// Runs `govtrust` and asserts that it succeeded; returns its output.
pub fn run_ok(store: &Path, settings: &Path, args: &[&str]) -> Output {
    let out = command(store, settings, args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "govtrust {args:?}: {:?}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The sample submissions, as arguments of `govtrust import`.
pub fn samples() -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("samples/submissions")
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|e| e.unwrap_or_else(|e| panic!("{e}")).path())
        .collect();
    files.sort();
    files.into_iter().map(|f| f.display().to_string()).collect()
}
