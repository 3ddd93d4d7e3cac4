//! The evidence commands end to end through the real binary, over a crawl of a small simweb:
//! `crawl` → `classify` → `evidence list` → `evidence confirm|reject` → `facts` → `discrepancies`,
//! and `classify` after a rule change reporting what changed without re-crawling.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use govtrust::config::Project;
use govtrust::simweb::{self, FaultProfile, SimOptions};

fn bin(store: &Path, config: &Path) -> Command {
    let mut c = Command::cargo_bin("govtrust").unwrap_or_else(|e| panic!("{e}"));
    c.arg("--store")
        .arg(store)
        .arg("--config")
        .arg(config)
        .env("USER", "analyst-test");
    c
}

fn ok(o: Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "stdout:\n{out}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// A copy of crawl-config/ and sources/ in a temp dir, so a test may edit a rule.
fn copy_config(dir: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
        for e in std::fs::read_dir(from)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                copy(&p, &to.join(e.file_name()));
            } else {
                std::fs::copy(&p, to.join(e.file_name())).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
    copy(Path::new("crawl-config"), &dir.join("crawl-config"));
    copy(Path::new("sources"), &dir.join("sources"));
    dir.join("crawl-config/simweb.toml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classify_review_and_reclassify() {
    let project =
        Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
    let mut roster = project.roster.clone();
    roster.units.retain(|u| {
        [
            "t-huaiyuan",
            "t-chengjiao",
            "t-pingshi",
            "d-fgw",
            "d-mzj",
            "d-zjj",
        ]
        .contains(&u.id.as_str())
    });
    let sim = simweb::start(SimOptions {
        seed: 11,
        scale: 20,
        faults: FaultProfile::None,
        roster: Some(roster),
        ..SimOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let port = sim.addr().port().to_string();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = copy_config(dir.path());
    let store = dir.path().join("store");

    let out = tokio::task::spawn_blocking({
        let (store, config) = (store.clone(), config.clone());
        move || {
            ok(bin(&store, &config)
                .args(["crawl", "--impolite", "--resolve-port", &port])
                .output()
                .unwrap_or_else(|e| panic!("{e}")))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    sim.shutdown().await;
    assert!(out.contains("已完成"), "{out}");
    ok(bin(&store, &config)
        .args([
            "import",
            "samples/submissions/t-huaiyuan.csv",
            "samples/submissions/d-fgw.csv",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));

    let out = ok(bin(&store, &config)
        .arg("classify")
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(out.contains("证据"), "{out}");

    // Candidates wait for review; confirm one and reject another.
    let list = ok(bin(&store, &config)
        .args(["evidence", "list", "--status", "candidate"])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    let ids: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.len() == 20)
        .collect();
    assert!(ids.len() >= 2, "need two candidates:\n{list}");
    let show = ok(bin(&store, &config)
        .args(["evidence", "show", ids[0]])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    let unit = show
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"unit\": \""))
        .map(|s| s.trim_end_matches("\",").to_string())
        .unwrap_or_default();
    assert!(!unit.is_empty(), "{show}");
    let out = ok(bin(&store, &config)
        .args(["evidence", "confirm", ids[0], "--reason", "有方案和签到表"])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(out.contains("已确认"), "{out}");
    let out = ok(bin(&store, &config)
        .args(["evidence", "reject", ids[1], "--reason", "非本单位活动"])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(out.contains("已驳回"), "{out}");
    let show = ok(bin(&store, &config)
        .args(["evidence", "show", ids[0]])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(
        show.contains("analyst-test") && show.contains("有方案和签到表"),
        "{show}"
    );
    // The confirmed activity is now a web fact of its unit.
    let facts = ok(bin(&store, &config)
        .args(["facts", "--unit", &unit])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(facts.contains("网络监测"), "{facts}");

    let disc = ok(bin(&store, &config)
        .arg("discrepancies")
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(disc.contains("处填报与网络监测不符"), "{disc}");

    // A rule change, then classify again without re-crawling: the T1 evidence disappears and is
    // reported gone; the confirmed decision on the activity survives.
    let rules = config
        .parent()
        .map(|p| p.join("rules/lists.toml"))
        .unwrap_or_default();
    let text = std::fs::read_to_string(&rules).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &rules,
        text.replace("columns = [\"权责清单\"]", "columns = [\"不存在的栏目\"]"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = ok(bin(&store, &config)
        .arg("classify")
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    let gone: usize = out
        .split("消失 ")
        .nth(1)
        .and_then(|r| r.split('，').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(gone > 0, "{out}");
    let show = ok(bin(&store, &config)
        .args(["evidence", "show", ids[0]])
        .output()
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(show.contains("\"confirmed\""), "{show}");
}
