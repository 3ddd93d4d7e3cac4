//! Integration tests of the operator surfaces: change digests, alerts, the nightly schedule and
//! exports, against stores filled by crawling a small simweb started in-process on loopback.

mod alert;
mod cli;
mod digest;
mod export;
mod formula;
#[path = "../common/loopback.rs"]
mod loopback;
mod schedule;

use std::path::Path;

use chrono::Utc;
use govtrust::config::Project;
use govtrust::crawl;
use govtrust::pipeline::{self, PipelineOutcome};
use govtrust::simweb::{self, SimOptions};
use govtrust::store::Store;

pub fn project() -> Project {
    Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
}

pub fn runtime() -> tokio::runtime::Runtime {
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Crawl options for night 1 of a simweb on `port`, impolite so a test takes seconds.
pub fn crawl_opts(port: u16) -> crawl::Options {
    crawl::Options {
        port: Some(port),
        polite: false,
        as_of: Some(simweb::night_date(1)),
        ..crawl::Options::default()
    }
}

pub fn sim_options(project: &Project, night: u32) -> SimOptions {
    SimOptions {
        scale: 0,
        night,
        roster: Some(project.roster.clone()),
        ..SimOptions::default()
    }
}

/// Runs the pipeline against a fresh small simweb of `night`.
pub async fn run_night(project: &Project, store: &Store, night: u32) -> PipelineOutcome {
    let sim = simweb::start(sim_options(project, night))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = crawl::Options {
        as_of: Some(simweb::night_date(night)),
        ..crawl_opts(sim.addr().port())
    };
    let out = pipeline::run(project, store, opts, Utc::now()).await;
    sim.shutdown().await;
    out.unwrap_or_else(|e| panic!("{e}"))
}
