//! `govtrust report` (the 监测评估报告 from the store) and `govtrust discrepancies` (submitted
//! claims the web contradicts).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;

use govtrust::config::Project;
use govtrust::pipeline::score_store;
use govtrust::report::archive::write_from_store;

use super::open_store;

pub fn report(
    config: &Path,
    store: &Path,
    out: PathBuf,
    run: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let w = write_from_store(&project, &store, &out, run, Utc::now())?;
    println!("监测评估报告已生成：");
    println!("  {}", w.files.html.display());
    println!("  {}", w.files.xlsx.display());
    println!("  {}", w.files.markdown.display());
    println!(
        "  {}（{} 个存档快照）",
        out.join("snapshots").display(),
        w.snapshots
    );
    super::store::warn_skipped(&store);
    Ok(ExitCode::SUCCESS)
}

pub fn discrepancies(
    config: &Path,
    store: &Path,
    unit: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let board = score_store(&project, &store)?;
    let only = match unit {
        Some(n) => Some(project.roster.resolve(&n)?.id.clone()),
        None => None,
    };
    let sheets: Vec<_> = board
        .units
        .iter()
        .filter(|u| only.as_ref().is_none_or(|id| &u.id == id))
        .collect();
    if json {
        let rows: Vec<_> = sheets
            .iter()
            .flat_map(|u| {
                u.discrepancies.iter().map(
                    move |d| serde_json::json!({"unit": u.id, "name": u.short, "discrepancy": d}),
                )
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut n = 0;
    for u in sheets {
        for d in &u.discrepancies {
            n += 1;
            println!(
                "{}  {} {}（{}）：填报 {}（{}）／网络监测 {}（{}）",
                u.short, d.item, d.field, d.label, d.submitted, d.submitted_from, d.web, d.web_from
            );
        }
    }
    println!("共 {n} 处填报与网络监测不符");
    Ok(ExitCode::SUCCESS)
}

/// `govtrust health [--run ID]`: the website-health early warnings of a run.
pub fn health(config: &Path, store: &Path, run: Option<u64>) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    match store.health(run)? {
        Some((id, report)) => {
            println!("抓取 #{id}");
            print!("{}", report.render(&project));
        }
        None => println!("（尚无网站健康记录：先运行 crawl 或 run）"),
    }
    Ok(ExitCode::SUCCESS)
}
