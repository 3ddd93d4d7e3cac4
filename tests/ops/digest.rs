//! Digests of two pipeline runs over simweb nights 1 and 2, and `govtrust digest`.

use assert_cmd::Command;

use super::*;

#[test]
fn second_night_digest_shows_new_evidence_and_moved_scores() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let t = std::time::Instant::now();
    let first = rt.block_on(run_night(&project, &store, 1));
    eprintln!("night 1: {:.1}s", t.elapsed().as_secs_f64());
    assert_eq!(first.digest.previous_run, None);
    assert_eq!(first.digest.new_evidence.len(), first.classify.evidence);
    let second = rt.block_on(run_night(&project, &store, 2));
    eprintln!("night 2: {:.1}s", t.elapsed().as_secs_f64());
    let d = &second.digest;
    assert_eq!(d.previous_run, Some(first.run.id));
    assert_eq!(d.run, second.run.id);
    // Night 2 plants a late 年度目录 for a township: new T2 evidence and a moved T2 score.
    assert!(
        d.new_evidence.iter().any(|e| e.item.starts_with("T2")),
        "{:#?}",
        d.new_evidence
    );
    assert!(
        d.score_moves
            .iter()
            .any(|m| m.item.starts_with("T2") && m.old != m.new),
        "{:#?}",
        d.score_moves
    );
    let stored = store.digest(None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.as_ref(), Some(d));
    drop(store);

    let out = Command::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["--store"])
        .arg(dir.path().join("store"))
        .args(["digest", "--run", &second.run.id.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("【新增证据】") && text.contains("【得分变动及原因】"),
        "{text}"
    );
    let out = Command::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["--store"])
        .arg(dir.path().join("store"))
        .args(["digest", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["run"].as_u64(), Some(second.run.id));
}
