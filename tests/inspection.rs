//! The website inspection over a simulated week: nights 1, 5 and 8 crawled into one store
//! (the later nights only the units' sites, as the demo does), the predicted 不合格 units and
//! the flagged backdated and burst documents measured against simweb's truth, the units that
//! newly cross a veto threshold in the digest and the alerts, a changed copy of the rule set
//! changing the prediction with no code changed, and `govtrust inspect`.

//!
//! A test binary of its own: it keeps both cores busy for half a minute, which would slow the
//! timing-bound tests of tests/ops running beside it.

use std::path::Path;

use assert_cmd::Command;
use chrono::Utc;
use govtrust::config::alerts::EventKind;
use govtrust::config::inspection::InspectionRules;
use govtrust::config::Project;
use govtrust::crawl;
use govtrust::inspect::{FindingKind, Verdict};
use govtrust::pipeline::{self, PipelineOutcome};
use govtrust::simweb::{self, SimOptions};
use govtrust::store::Store;

/// Night `night` of a small simweb crawled into `store` (impolitely, details due after 20 h as
/// in production; `whole` = every source, else the units' sites only), with its truth.
async fn night(
    project: &Project,
    store: &Store,
    night: u32,
    whole: bool,
) -> (PipelineOutcome, simweb::Truth) {
    let sim = simweb::start(SimOptions {
        scale: 0,
        night,
        roster: Some(project.roster.clone()),
        ..SimOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut opts = crawl::Options {
        port: Some(sim.addr().port()),
        polite: false,
        as_of: Some(simweb::night_date(night)),
        detail_min: Some(std::time::Duration::from_secs(20 * 3600)),
        ..crawl::Options::default()
    };
    if !whole {
        opts.sources = govtrust::demo::HISTORY_SOURCES.map(String::from).to_vec();
    }
    let truth = sim.truth();
    let out = pipeline::run(project, store, opts, Utc::now()).await;
    sim.shutdown().await;
    (out.unwrap_or_else(|e| panic!("{e}")), truth)
}

#[test]
fn a_week_of_nights_predicts_the_planted_failures_and_flags_what_was_planted() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut project =
        Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (first, _) = rt.block_on(night(&project, &store, 1, true));
    let (fifth, _) = rt.block_on(night(&project, &store, 5, false));
    let (last, truth) = rt.block_on(night(&project, &store, 8, false));

    let report = govtrust::eval::evaluate(&project, &store, &truth, Utc::now())
        .unwrap_or_else(|e| panic!("{e}"));
    let i = report.inspection.as_ref().expect("an inspection");
    println!("{}", report.render());
    for s in i.sets() {
        assert_eq!(s.precision(), 1.0, "{s:?}");
        assert!(s.recall() >= 0.99, "{s:?}");
    }
    // The down unit, the backdated batch, the late 年度目录 and the quiet unit.
    assert_eq!(i.failing.correct, 4, "{:?}", i.failing);
    assert_eq!(i.backdated.correct, 6, "{:?}", i.backdated);
    assert!(i.burst.correct >= 8, "{:?}", i.burst);

    // Every failing unit names its clause and shows proof, snapshots included.
    let inspection = last
        .health
        .inspection
        .as_ref()
        .expect("stored with the run");
    let kinds: Vec<FindingKind> = inspection
        .failing()
        .flat_map(|(_, u)| u.vetoes.iter().map(|f| f.kind))
        .collect();
    for k in [
        FindingKind::Unreachable,
        FindingKind::Backdated,
        FindingKind::HomeNotUpdated,
    ] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    for (_, u) in inspection.failing() {
        for f in &u.vetoes {
            assert!(
                f.clause.starts_with("单项否决") && !f.evidence.is_empty(),
                "{f:?}"
            );
            if f.kind == FindingKind::Backdated {
                // The column page before (without it) and after (with it), both archived.
                assert!(
                    f.evidence.iter().filter(|p| p.snapshot.is_some()).count() >= 3,
                    "{f:?}"
                );
            }
        }
    }

    // The report's health section names exactly the units simweb made fail, each with its
    // clause and its proof archived beside it; the rest is grouped, one line per problem.
    let out = dir.path().join("out");
    govtrust::report::archive::write_from_store(&project, &store, &out, None, Utc::now())
        .unwrap_or_else(|e| panic!("{e}"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap_or_else(|e| panic!("{e}"));
    let section = &html[html.find("预测不合格（").expect("a failing table")..];
    let table = &section[..section.find("</table>").unwrap_or(section.len())];
    let mut named: Vec<&str> = table
        .split("<tr><td>")
        .skip(1)
        .filter_map(|row| row.split("</td>").next())
        .collect();
    named.sort();
    named.dedup();
    let mut expected: Vec<&str> = truth
        .inspection
        .iter()
        .filter(|t| t.result == "不合格")
        .filter_map(|t| project.roster.get(&t.unit).map(|u| u.short.as_str()))
        .collect();
    expected.sort();
    assert_eq!(named, expected, "{table}");
    assert!(table.contains("单项否决·站点无法访问") && table.contains("单项否决·首页不更新"));
    for link in table.split("href=\"snapshots/").skip(1) {
        let file = link.split('"').next().unwrap_or_default();
        assert!(
            out.join("snapshots").join(file).exists(),
            "{file} not archived"
        );
    }
    let text = last.health.render(&project);
    let lines: Vec<&str> = text.lines().collect();
    let mut unique = lines.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), lines.len(), "a line repeated:\n{text}");
    let dead: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("首页有不能正常访问的链接"))
        .collect();
    assert_eq!(dead.len(), 1, "{text}");
    assert!(dead[0].contains("全部 50 个单位"), "{}", dead[0]);

    // Night 1 announced the quiet unit; night 5 the three that newly crossed a veto line;
    // night 8 nothing new.
    let vetoes = |o: &PipelineOutcome| -> Vec<String> {
        o.alerts
            .events
            .iter()
            .filter(|e| e.kind == EventKind::InspectionVeto)
            .map(|e| e.unit.clone())
            .collect()
    };
    assert_eq!(
        vetoes(&first).len(),
        1,
        "{:?}",
        first.digest.inspection_moves
    );
    let mut new5 = vetoes(&fifth);
    new5.sort();
    new5.dedup();
    assert_eq!(new5.len(), 3, "{:?}", fifth.digest.inspection_moves);
    assert!(
        vetoes(&last).is_empty(),
        "{:?}",
        last.digest.inspection_moves
    );
    assert!(govtrust::digest::render_text(&fifth.digest).contains("【网站检查预测变化】"));

    // A copy of the rule set allowing a month for the home page: the quiet unit passes.
    let quiet: Vec<String> = inspection
        .failing()
        .filter(|(_, u)| {
            u.vetoes
                .iter()
                .any(|f| f.kind == FindingKind::HomeNotUpdated)
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(quiet.len(), 1);
    let copy = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string("crawl-config/inspection/gwb-2019.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .replace(
            "max_age_days = 14           # 原文：监测2周",
            "max_age_days = 30",
        );
    std::fs::write(copy.path().join("a-month.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    project.inspection = InspectionRules::load_dir(copy.path()).unwrap_or_else(|e| panic!("{e}"));
    let changed =
        govtrust::health::assess(&project, &store, None).unwrap_or_else(|e| panic!("{e}"));
    let changed = changed.inspection.expect("an inspection");
    assert_eq!(changed.units[&quiet[0]].result, Verdict::Pass);
    assert_eq!(changed.failing().count(), 3);
    drop(store);

    let out = Command::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["--config", "crawl-config/simweb.toml", "--store"])
        .arg(dir.path().join("store"))
        .args(["inspect", "--unit", &quiet[0]])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("预测不合格") && text.contains("[单项否决] 单项否决·首页不更新"),
        "{text}"
    );
    assert!(text.contains("证据："), "{text}");
    let out = Command::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["--config", "crawl-config/simweb.toml", "--store"])
        .arg(dir.path().join("store"))
        .args(["inspect", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["rule_set"], "gwb-2019-19");
    assert_eq!(json["check_date"], "2024-02-08");
    assert_eq!(json["units"][&quiet[0]]["result"], "fail");
}
