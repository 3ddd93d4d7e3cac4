//! A store written by govtrust at schema version 5 opens with this govtrust: the fixture
//! `tests/fixtures/store-v5.tar.gz` holds a genuine version-5 store (a crawl, classification,
//! scores, a digest, a health report, submissions, an analyst's confirmation and a manual fact;
//! how it was made: tests/fixtures/store-v5.md) and the JSON that version-5 govtrust printed
//! of it. Opened here, the store is marked with the current version, every record reads back
//! as that dump says (documents, evidence, facts and scores, the digest, the inspection),
//! `store verify` passes, and a following crawl against simweb completes on it, leaving records
//! of the old and the new forms side by side that verify reads.

use std::path::{Path, PathBuf};
use std::process::Command;

use govtrust::simweb::{self, SimOptions};
use govtrust::store::runs::RunStatus;
use govtrust::store::typed::POSTCARD_V1;
use govtrust::store::{Store, SCHEMA_VERSION};
use serde_json::Value;

#[path = "common/county.rs"]
mod county;

use county::{command, run_ok, SETTINGS};

/// The fixture unpacked into a temporary directory: (its guard, the store, the dump).
fn unpack() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("tar")
        .arg("xzf")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v5.tar.gz"))
        .arg("-C")
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("tar: {e}"));
    assert!(
        out.status.success(),
        "tar: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (store, dump) = (dir.path().join("store"), dir.path().join("dump"));
    (dir, store, dump)
}

/// The schema version recorded in the store's `meta` tree, read by sled itself.
fn recorded_version(store: &Path) -> String {
    let db = sled::open(store).unwrap_or_else(|e| panic!("{}: {e}", store.display()));
    let v = db
        .open_tree("meta")
        .and_then(|t| t.get("schema_version"))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("{}: no schema version", store.display()));
    String::from_utf8_lossy(&v).into_owned()
}

fn json_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_out(store: &Path, args: &[&str]) -> Value {
    let out = run_ok(store, Path::new(SETTINGS), args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("govtrust {args:?}: {e}"))
}

/// JSON lines as a sorted list (their order is not what is compared).
fn json_lines(text: &str) -> Vec<Value> {
    let mut v: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    v.sort_by_key(|x| x.to_string());
    v
}

/// The query's rows by document id (rows of one date may come in any order).
fn rows_by_id(v: &Value) -> Vec<Value> {
    let mut rows = v["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {v}"))
        .clone();
    rows.sort_by_key(|r| r["id"].to_string());
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_5_store_migrates_reads_back_as_it_was_and_crawls_on() {
    let (_dir, store, dump) = unpack();
    assert_eq!(
        recorded_version(&store),
        "5",
        "the fixture is a version-5 store"
    );

    // Opened (and migrated) by this govtrust: verify passes and the version is current.
    let out = command(&store, Path::new(SETTINGS), &["store", "verify"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "store verify on the migrated store:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(recorded_version(&store), SCHEMA_VERSION.to_string());

    // Every record as version 5 printed it.
    let documents = json_out(&store, &["query", "--format", "json", "--limit", "100000"]);
    let expected = json_file(&dump.join("documents.json"));
    assert_eq!(documents["truncated"], Value::Bool(false));
    assert!(
        rows_by_id(&expected).len() > 100,
        "the dump holds the documents"
    );
    assert_eq!(rows_by_id(&documents), rows_by_id(&expected), "documents");

    let evidence = store
        .parent()
        .map_or_else(PathBuf::new, |d| d.join("evidence.jsonl"));
    let e = evidence.to_string_lossy().into_owned();
    run_ok(
        &store,
        Path::new(SETTINGS),
        &["export", "evidence", "--format", "jsonl", "--out", &e],
    );
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}"));
    let expected = json_lines(&read(&dump.join("evidence.jsonl")));
    assert!(expected.len() > 30, "the dump holds the evidence");
    assert_eq!(json_lines(&read(&evidence)), expected, "evidence");

    for (args, file) in [
        (&["score", "--format", "json"][..], "scores.json"),
        (&["digest", "--format", "json"][..], "digest.json"),
        (&["inspect", "--format", "json"][..], "inspect.json"),
    ] {
        assert_eq!(
            json_out(&store, args),
            json_file(&dump.join(file)),
            "{file}"
        );
    }
    // Facts of every origin came through (a submission, web evidence, the analyst's).
    let scores = json_file(&dump.join("scores.json")).to_string();
    for origin in ["\"submission\"", "\"web\"", "\"manual\""] {
        assert!(scores.contains(origin), "no {origin} fact in the dump");
    }

    // A following night's crawl on the migrated store.
    let sim = simweb::start(SimOptions {
        seed: 3,
        scale: 100,
        night: 2,
        ..SimOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let port = sim.addr().port().to_string();
    let night2 = simweb::night_date(2).to_string();
    let store2 = store.clone();
    tokio::task::spawn_blocking(move || {
        run_ok(
            &store2,
            Path::new(SETTINGS),
            &[
                "crawl",
                "--source",
                "sim-huaiyuan",
                "--source",
                "sim-fgw",
                "--source",
                "sim-dsj",
                "--source",
                "sim-court",
                "--resolve-port",
                &port,
                "--as-of",
                &night2,
                "--impolite",
            ],
        );
        run_ok(&store2, Path::new(SETTINGS), &["store", "verify"]);
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // The store now holds run events of both forms — run 1's as version 5 wrote them, the new
    // crawl's by postcard — and verify read them all.
    let forms = {
        let db = sled::open(&store).unwrap_or_else(|e| panic!("{e}"));
        let events = db.open_tree("run_events").unwrap_or_else(|e| panic!("{e}"));
        // Per run: the first byte of each event of its chunks (a chunk: a version byte, then
        // per event its URL number, 8 bytes, its length, LEB128, and its bytes).
        let mut first: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
        for kv in events.iter() {
            let (k, v) = kv.unwrap_or_else(|e| panic!("{e}"));
            let run = String::from_utf8_lossy(&k[..20]).into_owned();
            let mut at = 1;
            while at < v.len() {
                at += 8;
                let (mut len, mut shift) = (0usize, 0);
                loop {
                    let b = v[at];
                    at += 1;
                    len |= usize::from(b & 0x7f) << shift;
                    shift += 7;
                    if b & 0x80 == 0 {
                        break;
                    }
                }
                first.entry(run.clone()).or_default().push(v[at]);
                at += len;
            }
        }
        first
            .into_iter()
            .map(|(run, bytes)| {
                let mut b = bytes;
                b.sort_unstable();
                b.dedup();
                (run.trim_start_matches('0').to_string(), b)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        forms,
        vec![
            ("1".to_string(), vec![1]),
            ("2".to_string(), vec![POSTCARD_V1])
        ],
        "the first bytes of each run's events"
    );
    let s = Store::open(&store).unwrap_or_else(|e| panic!("{e}"));
    let run = s
        .last_run()
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no run"));
    assert!(run.id >= 2, "the new crawl is a new run: {run:?}");
    assert_eq!(run.status, RunStatus::Complete);
    assert!(s.pages().map(|p| p.len()).unwrap_or(0) > 100);
}
