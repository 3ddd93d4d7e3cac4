//! A small simulated county for the crawl tests: two townships and two departments (one
//! department's pages are GBK) under simweb on an ephemeral port, what the crawl must reach of
//! its truth, the shipped settings (`crawl-config/simweb.toml`) and sample submissions, and a
//! runner for the binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use std::collections::BTreeMap;

use govtrust::config::{Project, Roster};
use govtrust::simweb::{self, FaultProfile, SimHandle, SimOptions, Truth};
use govtrust::store::Store;

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
    start_with(p, scale, night, FaultProfile::None).await
}

/// simweb serving the small county's `night` with a fault profile.
pub async fn start_with(p: &Project, scale: u64, night: u32, faults: FaultProfile) -> SimHandle {
    simweb::start(SimOptions {
        seed: seed(p, scale),
        scale,
        night,
        faults,
        roster: Some(small_roster(p)),
        ..SimOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Every in-scope URL of the truth fetched (200, or 304 to a conditional request), every
/// planted document extracted with its title, displayed date and unit.
pub fn assert_reaches_truth(store: &Store, truth: &Truth) {
    let pages: BTreeMap<String, u16> = store
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|p| (p.url, p.status))
        .collect();
    let missing: Vec<&String> = truth
        .urls
        .iter()
        .filter(|u| !matches!(pages.get(*u), Some(200 | 304)))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} truth URLs not fetched: {:?}",
        missing.len(),
        truth.urls.len(),
        &missing[..missing.len().min(10)]
    );
    let docs = store.documents(None).unwrap_or_else(|e| panic!("{e}"));
    let by_url: BTreeMap<&str, &govtrust::extract::Document> =
        docs.iter().map(|d| (d.url.as_str(), d)).collect();
    for t in &truth.documents {
        let d = by_url
            .get(t.url.as_str())
            .unwrap_or_else(|| panic!("planted document not extracted: {}", t.url));
        assert_eq!(d.title.as_deref(), Some(t.title.as_str()), "{}", t.url);
        assert_eq!(
            d.published,
            Some(t.published_on),
            "{} (URL date {})",
            t.url,
            t.url_date
        );
        if let Some(unit) = &t.unit {
            if t.role != "notice" {
                assert_eq!(d.unit.as_ref(), Some(unit), "{}", t.url);
            }
        }
    }
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
