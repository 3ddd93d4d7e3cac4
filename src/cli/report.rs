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

/// `govtrust health [--run ID]`: the website health of a run (inspection, dead links).
pub fn health(config: &Path, store: &Path, run: Option<u64>) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    if store.last_run()?.is_none() {
        println!("（尚无网站健康记录：先运行 crawl 或 run）");
        return Ok(ExitCode::SUCCESS);
    }
    let (id, report) = govtrust::health::of_run(&project, &store, run)?;
    println!("抓取 #{id}");
    print!("{}", report.render(&project));
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// One unit (id, name or alias): every finding with every proof and its columns.
    #[arg(long)]
    pub unit: Option<String>,
    /// The run (default: the latest).
    #[arg(long)]
    pub run: Option<u64>,
    /// text (中文) or json.
    #[arg(long, default_value = "text")]
    pub format: String,
}

/// `govtrust inspect [--unit U] [--run ID] [--format text|json]`.
pub fn inspect(config: &Path, store: &Path, args: InspectArgs) -> anyhow::Result<ExitCode> {
    if !matches!(args.format.as_str(), "text" | "json") {
        anyhow::bail!("--format {:?}: expected text or json", args.format);
    }
    let project = Project::load(config)?;
    let unit = match &args.unit {
        Some(u) => match project.roster.get(u) {
            Some(x) => Some(x.id.clone()),
            None => Some(project.roster.resolve(u)?.id.clone()),
        },
        None => None,
    };
    let store = open_store(store)?;
    let (_, health) = govtrust::health::of_run(&project, &store, args.run)?;
    let Some(report) = health.inspection else {
        anyhow::bail!("未配置网站检查规则集（[health] inspection，默认 crawl-config/inspection/）");
    };
    match (args.format.as_str(), unit) {
        ("json", Some(u)) => println!("{}", serde_json::to_string_pretty(&report.units.get(&u))?),
        ("json", None) => println!("{}", serde_json::to_string_pretty(&report)?),
        (_, Some(u)) => match govtrust::inspect::render::unit_text(&report, &project.roster, &u) {
            Some(t) => print!("{t}"),
            None => anyhow::bail!("{u} 不在检查结果中"),
        },
        _ => print!(
            "{}",
            govtrust::inspect::render::text(&report, &project.roster)
        ),
    }
    Ok(ExitCode::SUCCESS)
}
