//! Report generation time for the Tongbai roster: a full scoreboard of all 50 units from generated
//! facts and evidence, then HTML, XLSX and Markdown generation timed over a few runs (median).

#[path = "../tests/common/report_fixture.rs"]
mod fixture;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use govtrust::config::Project;
use govtrust::report::{self, ReportInput};
use govtrust::score::score;

const RUNS: usize = 7;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time<T>(f: impl Fn() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    (median(times), last.expect("RUNS > 0"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The simulated county's settings use the Tongbai roster (16 townships, 34 departments).
    let project = Project::load(Path::new("crawl-config/simweb.toml"))?;
    let facts = fixture::generated_facts(&project, 42);
    let (t_score, board) = time(|| score(&project, &facts));
    let evidence = fixture::generated_evidence(&project, 42);
    let input = ReportInput {
        project: &project,
        board: &board,
        evidence: &evidence,
        unresolved: &[],
        sources: Vec::new(),
        cutoff: Utc.with_ymd_and_hms(2023, 12, 30, 16, 0, 0).unwrap(),
        run_id: Some(1),
        notices: report::notice_counts(&evidence, &project.period),
        generated_at: Utc.with_ymd_and_hms(2024, 1, 15, 2, 0, 0).unwrap(),
        health: None,
    };
    let dir = tempfile::tempdir()?;
    let xlsx_path = dir.path().join("report.xlsx");
    let (t_html, html) = time(|| report::html(&input));
    let (t_xlsx, written) = time(|| report::xlsx(&input, &xlsx_path));
    written?;
    let (t_md, md) = time(|| report::markdown(&input));
    let (t_all, files) = time(|| report::write_all(&input, dir.path()));
    files?;
    println!(
        "report bench: {} units, {} facts, {} evidence; median of {RUNS} runs",
        board.units.len(),
        facts.len(),
        evidence.len()
    );
    println!("  score      {:>9.2?}", t_score);
    println!("  html       {:>9.2?}  ({} KiB)", t_html, html.len() / 1024);
    println!(
        "  xlsx       {:>9.2?}  ({} KiB)",
        t_xlsx,
        std::fs::metadata(&xlsx_path)?.len() / 1024
    );
    println!("  markdown   {:>9.2?}  ({} KiB)", t_md, md.len() / 1024);
    println!("  write_all  {:>9.2?}", t_all);
    Ok(())
}
