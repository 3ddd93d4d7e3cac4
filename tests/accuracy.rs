//! Measured accuracy of the whole web chain on simweb with mild faults: crawl → documents →
//! evidence → web facts, compared with the ground truth simweb planted. Precision must be 1.0 and
//! recall at least 0.99 for every web-monitored field, and every unit's web-derived item scores
//! must equal those computed from the truth.

use std::path::Path;

use chrono::Utc;
use govtrust::config::Project;
use govtrust::simweb::{self, FaultProfile, SimOptions};
use govtrust::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_findings_match_the_truth_under_mild_faults() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let project =
        Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
    let sim = simweb::start(SimOptions {
        seed: 7,
        scale: 200,
        faults: FaultProfile::Mild,
        roster: Some(project.roster.clone()),
        ..SimOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let truth = sim.truth();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    govtrust::submit::import_dir(
        &project,
        &store,
        Path::new("samples/submissions"),
        Utc::now(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let opts = govtrust::crawl::Options {
        port: Some(sim.addr().port()),
        polite: false,
        as_of: Some(simweb::night_date(1)),
        ..Default::default()
    };
    let outcome = govtrust::pipeline::run(&project, &store, opts, Utc::now()).await;
    sim.shutdown().await;
    let outcome = outcome.unwrap_or_else(|e| panic!("{e}"));
    println!("{:?}", outcome.run.summary);
    assert!(
        outcome.classify.evidence > 100,
        "{:?}",
        outcome.classify.evidence
    );

    let report = govtrust::eval::evaluate(&project, &store, &truth, Utc::now())
        .unwrap_or_else(|e| panic!("{e}"));
    println!("{}", report.render());
    assert!(
        report.fields.len() >= 25,
        "fields measured: {}",
        report.fields.len()
    );
    for f in &report.fields {
        assert_eq!(
            f.precision(),
            1.0,
            "{} {} precision: {f:?}",
            f.item,
            f.field
        );
        assert!(f.recall() >= 0.99, "{} {} recall: {f:?}", f.item, f.field);
    }
    for u in &report.units {
        assert!(u.differing.is_empty(), "{}: {:?}", u.unit, u.differing);
    }
    // The website inspection of the night: predicted 不合格 units, flagged documents and
    // columns against the truth (one night: reachability cannot be judged, nothing backdated).
    let inspection = report.inspection.as_ref().expect("an inspection");
    for s in inspection.sets() {
        assert_eq!(s.precision(), 1.0, "{s:?}");
        assert!(s.recall() >= 0.99, "{s:?}");
    }
    assert!(inspection.failing.correct >= 1 && inspection.burst.correct >= 8);
    // Names in notices that resolve to no roster unit are reported, never dropped.
    assert!(!outcome.classify.unresolved.is_empty());
}
