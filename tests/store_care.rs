//! Store care end to end on a crawled, classified store of the small simulated county:
//! `store verify` (every tree read back, every link checked, a non-zero exit and the damaged
//! entries named), `store compact` (value-log garbage and superseded snapshots dropped, nothing
//! that rests on them), `store backup` (a copy that verifies and reads the same, also when taken
//! while a crawl writes to the store), and a damaged value skipped, not fatal, by `report` and
//! `query`.

use std::path::Path;

use govtrust::store::runs::RunStatus;
use govtrust::store::Store;

#[path = "common/county.rs"]
mod county;

use county::{run_ok, SETTINGS};

/// Documents and evidence as the analyst sees them (extraction times left out).
fn contents(store: &Path) -> (Vec<String>, Vec<String>) {
    let s = Store::open(store).unwrap_or_else(|e| panic!("{e}"));
    let docs = s
        .documents(None)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|d| {
            format!(
                "{} {} {:?} {} {:?}",
                d.id, d.url, d.title, d.snapshot, d.unit
            )
        })
        .collect();
    let evidence = s
        .evidence_list(&Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|e| format!("{} {} {} {}", e.id, e.unit, e.item, e.snapshot))
        .collect();
    (docs, evidence)
}

fn snapshots(store: &Path) -> usize {
    let s = Store::open(store).unwrap_or_else(|e| panic!("{e}"));
    s.snapshot_count().unwrap_or_else(|e| panic!("{e}"))
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_compact_and_backup_a_crawled_store_and_skip_a_damaged_value() {
    let p = county::project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = dir.path().join("store");
    let settings = Path::new(SETTINGS);
    let sim = county::start(&p, 40, 1).await;
    let port = sim.addr().port().to_string();
    run_ok(&store, settings, &["crawl", "--resolve-port", &port]);
    let mut import = vec!["import".to_string()];
    import.extend(county::samples());
    let import: Vec<&str> = import.iter().map(String::as_str).collect();
    run_ok(&store, settings, &import);
    run_ok(&store, settings, &["classify"]);
    sim.shutdown().await;

    let v = run_ok(&store, settings, &["store", "verify"]);
    let text = stdout(&v);
    assert!(text.contains("结果：通过，未发现问题"), "{text}");
    for tree in [
        "snapshots",
        "documents",
        "evidence",
        "page_records",
        "facts",
    ] {
        assert!(text.contains(tree), "{tree} not counted: {text}");
    }

    // Night 2 revises a 权责清单: its page's earlier snapshot is superseded.
    let sim = county::start(&p, 40, 2).await;
    let port = sim.addr().port().to_string();
    run_ok(&store, settings, &["crawl", "--resolve-port", &port]);
    run_ok(&store, settings, &["classify"]);
    sim.shutdown().await;
    let before = contents(&store);
    let all = snapshots(&store);

    // Kept for 30 runs after being replaced: nothing is dropped, only log garbage goes.
    let c = run_ok(&store, settings, &["store", "compact"]);
    assert!(stdout(&c).contains("删除旧快照 0"), "{}", stdout(&c));
    assert_eq!(snapshots(&store), all);
    assert_eq!(contents(&store), before);
    // Kept for no run: the superseded snapshots go, what pages, documents and evidence rest
    // on stays, and the store still verifies.
    let c = run_ok(&store, settings, &["store", "compact", "--keep-runs", "0"]);
    let dropped = all - snapshots(&store);
    assert!(dropped >= 1, "{}", stdout(&c));
    assert!(stdout(&c).contains(&format!("删除旧快照 {dropped}")));
    assert_eq!(contents(&store), before, "documents or evidence changed");
    let v = run_ok(&store, settings, &["store", "verify"]);
    assert!(stdout(&v).contains("结果：通过"), "{}", stdout(&v));
    let names: Vec<String> = std::fs::read_dir(&store)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{e}"))
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with("value-log"))
        .collect();
    assert_eq!(names, ["value-log.2"], "one value log, the compacted one");

    // A backup verifies and reads the same.
    let backup = dir.path().join("backup");
    let b = run_ok(
        &store,
        settings,
        &["store", "backup", &backup.display().to_string()],
    );
    assert!(stdout(&b).contains("备份完成"), "{}", stdout(&b));
    let v = run_ok(&backup, settings, &["store", "verify"]);
    assert!(stdout(&v).contains("结果：通过"), "{}", stdout(&v));
    assert_eq!(contents(&backup), before);
    let again = county::command(&store, settings, &["store", "backup"])
        .arg(&backup)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !again.status.success(),
        "a backup over a non-empty directory"
    );

    // Damage the backup: an evidence record that is not JSON, and a flipped byte in the value
    // log (every byte of a compacted log belongs to a live value).
    {
        let db = sled::open(&backup).unwrap_or_else(|e| panic!("{e}"));
        let ev = db.open_tree("evidence").unwrap_or_else(|e| panic!("{e}"));
        let (k, _) = ev
            .first()
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no evidence"));
        ev.insert(&k, &b"{not json"[..])
            .unwrap_or_else(|e| panic!("{e}"));
        db.flush().unwrap_or_else(|e| panic!("{e}"));
    }
    let log = backup.join("value-log.2");
    let mut bytes = std::fs::read(&log).unwrap_or_else(|e| panic!("{e}"));
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&log, bytes).unwrap_or_else(|e| panic!("{e}"));

    let v = county::command(&backup, settings, &["store", "verify"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = stdout(&v);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(text.contains("结果：发现 2 个问题"), "{text}");
    assert!(
        text.contains("[evidence]") && text.contains("无法解码"),
        "{text}"
    );
    assert!(text.contains("fail their checksum"), "{text}");
    // Reports and queries still work, skipping the two and saying so.
    let out = dir.path().join("out");
    let r = run_ok(
        &backup,
        settings,
        &["report", "--out", &out.display().to_string()],
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("条存储记录无法解码，已跳过"), "{err}");
    assert!(out.join("report.html").exists());
    let q = run_ok(&backup, settings, &["query", "--format", "json"]);
    assert!(stdout(&q).starts_with('{') || stdout(&q).starts_with('['));
}

/// A backup is consistent while the store is in use: taken in the middle of a crawl through
/// the crawl's own handle (as `serve` would take it), it verifies, and the same crawl resumed
/// on the copy ends with what the original store ends with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_crawl_resumes_to_the_same_store() {
    let p = county::project();
    let sim = county::start(&p, 40, 1).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = || govtrust::crawl::Options {
        port: Some(sim.addr().port()),
        ..Default::default()
    };
    let crawl = {
        let (p, store, opts) = (p.clone(), store.clone(), opts());
        tokio::spawn(async move { govtrust::crawl::run(&p, &store, opts).await })
    };
    while store.pages().unwrap_or_default().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let backup = dir.path().join("backup");
    let summary = {
        let (store, backup) = (store.clone(), backup.clone());
        tokio::task::spawn_blocking(move || store.backup(&backup))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert!(summary.entries > 0);
    let done = crawl
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.status, RunStatus::Complete);

    let copy = Store::open(&backup).unwrap_or_else(|e| panic!("{e}"));
    let report = copy
        .verify(&govtrust::records::registry())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.ok(), "{}", report.render(&backup));
    let mid = copy
        .last_run()
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|r| r.status);
    assert_eq!(
        mid,
        Some(RunStatus::Running),
        "the backup was taken mid-crawl"
    );
    let resumed = govtrust::crawl::run(&p, &copy, opts())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((resumed.id, resumed.status), (done.id, RunStatus::Complete));
    let pages = |s: &Store| -> Vec<String> {
        s.pages()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|p| format!("{} {} {:?}", p.url, p.status, p.hash))
            .collect()
    };
    assert_eq!(pages(&copy), pages(&store));
    drop(copy);
    drop(store);
    assert_eq!(
        contents(&backup),
        contents(&dir.path().join("store")),
        "documents differ after resuming the backup"
    );
}
