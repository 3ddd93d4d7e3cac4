//! The `govtrust` command line: parses arguments, calls the library, prints, maps errors to exit
//! codes. Nothing here knows how a stage works.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand};

use govtrust::config::{Kind, Project};
use govtrust::store::Store;
use govtrust::submit::{self, manual, review, ImportError, TemplateFill};

#[derive(Parser)]
#[command(
    name = "govtrust",
    version,
    about = "政务诚信监测评估：网络监测、评分与报告"
)]
struct Cli {
    /// The sled store directory.
    #[arg(long, global = true, env = "GOVTRUST_STORE", default_value = "./data")]
    store: PathBuf,
    /// The settings file (period, roster, catalogs, crawl settings).
    #[arg(
        long,
        global = true,
        env = "GOVTRUST_CONFIG",
        default_value = "crawl-config/simweb.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate all configuration: settings, roster, catalogs; exit 1 listing every problem.
    CheckConfig,
    /// Write the fillable submission workbook (填报表) for one kind of unit.
    Template {
        /// township (乡镇) or department (县直单位).
        #[arg(long)]
        kind: String,
        #[arg(long)]
        out: PathBuf,
        /// Pre-fill the 单位 column with this unit (its own copy).
        #[arg(long)]
        unit: Option<String>,
        /// Where 佐证材料 go (shown in the instructions).
        #[arg(long)]
        contact: Option<String>,
    },
    /// Import submissions (.xlsx from the template, or CSV unit,indicator,field,value,note) all or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List a unit's facts with provenance, precedence and discrepancies.
    Facts {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        item: Option<String>,
    },
    /// Record or remove an analyst's decision on one field (audited).
    Fact {
        #[command(subcommand)]
        action: FactAction,
    },
}

#[derive(Subcommand)]
enum FactAction {
    /// Set a field's value; it overrides web and submitted values.
    Set {
        unit: String,
        item: String,
        field: String,
        value: String,
        #[arg(long)]
        reason: String,
        /// Who decides (default: the OS user).
        #[arg(long)]
        by: Option<String>,
    },
    /// Remove the manual value of a field.
    Unset {
        unit: String,
        item: String,
        field: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn open_store(cli_store: &std::path::Path) -> anyhow::Result<Store> {
    Store::open(cli_store).with_context(|| format!("opening store {}", cli_store.display()))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::CheckConfig => {
            let project = Project::load(&cli.config)?;
            println!(
                "configuration OK: {} units ({} townships, {} departments), {} catalogs, period {} ({} – {})",
                project.roster.units.len(),
                project.roster.of_kind(Kind::Township).count(),
                project.roster.of_kind(Kind::Department).count(),
                project.catalogs.len(),
                project.period.id,
                project.period.start,
                project.period.end
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Template {
            kind,
            out,
            unit,
            contact,
        } => {
            let project = Project::load(&cli.config)?;
            let kind = Kind::parse(&kind)
                .with_context(|| format!("--kind {kind:?}: expected township or department"))?;
            let unit = match unit {
                Some(name) => {
                    let u = project.roster.resolve(&name)?;
                    anyhow::ensure!(
                        u.kind == kind,
                        "{} 是{}，不能用{}模板",
                        u.name,
                        u.kind.label(),
                        kind.label()
                    );
                    Some(u.short.clone())
                }
                None => None,
            };
            let fill = TemplateFill {
                unit,
                contact,
                ..Default::default()
            };
            let rows = submit::write_template(&project, kind, &fill, &out)?;
            println!(
                "已生成 {}：{}填报表，{} 个填报项",
                out.display(),
                kind.label(),
                rows.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files } => {
            let project = Project::load(&cli.config)?;
            let store = open_store(&cli.store)?;
            match submit::import_files(&project, &store, &files, Utc::now()) {
                Ok(summary) => {
                    for f in &summary.files {
                        println!(
                            "{}: {} 个单位，{} 条数据（{} 行）",
                            f.file,
                            f.units.len(),
                            f.facts,
                            f.rows
                        );
                    }
                    println!(
                        "导入完成（批次 {}）：{} 个文件，{} 个单位，{} 条数据；替换此前填报 {} 条（已存入历史）",
                        summary.import_id,
                        summary.files.len(),
                        summary.units().len(),
                        summary.facts,
                        summary.superseded
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ImportError::Invalid(problems)) => {
                    eprintln!("{} 处错误，未导入任何数据：", problems.len());
                    for p in &problems {
                        eprintln!("  - {p}");
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Facts { unit, item } => {
            let project = Project::load(&cli.config)?;
            let store = open_store(&cli.store)?;
            let r = review::review_unit(&project, &store, &unit, item.as_deref())?;
            print_review(&r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Fact { action } => {
            let project = Project::load(&cli.config)?;
            let store = open_store(&cli.store)?;
            let now = Utc::now();
            let rec = match action {
                FactAction::Set {
                    unit,
                    item,
                    field,
                    value,
                    reason,
                    by,
                } => {
                    let by = manual::author(by.as_deref()).ok_or(manual::ManualError::NoAuthor)?;
                    manual::set_manual(
                        &project, &store, &unit, &item, &field, &value, &by, &reason, now,
                    )?
                }
                FactAction::Unset {
                    unit,
                    item,
                    field,
                    reason,
                    by,
                } => {
                    let by = manual::author(by.as_deref()).ok_or(manual::ManualError::NoAuthor)?;
                    manual::unset_manual(&project, &store, &unit, &item, &field, &by, &reason, now)?
                }
            };
            let what = match &rec.action {
                govtrust::store::facts::AuditAction::Set { value } => format!("设为 {value}"),
                govtrust::store::facts::AuditAction::Unset => "撤销人工值".to_string(),
            };
            let unit = project
                .roster
                .get(&rec.unit)
                .map(|u| u.short.as_str())
                .unwrap_or(&rec.unit);
            println!(
                "已记录（审计号 {}）：{unit} {}.{} {what}；操作人 {}，时间 {}，理由：{}",
                rec.id,
                rec.item,
                rec.field,
                rec.by,
                rec.at.format("%Y-%m-%d %H:%M:%S"),
                rec.reason
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_review(r: &review::UnitReview) {
    println!("{}（{}，{}）", r.unit.name, r.unit.id, r.unit.kind.label());
    let mut last_item = "";
    for f in &r.fields {
        if f.item != last_item {
            println!("{} {}", f.item, f.content);
            last_item = &f.item;
        }
        match &f.resolved {
            None => println!("  {}（{}）= —  缺失", f.field, f.label),
            Some(res) => {
                let mark = f.mark().map(|m| format!("  ⚠ {m}")).unwrap_or_default();
                println!(
                    "  {}（{}）= {}  {}{mark}",
                    f.field,
                    f.label,
                    res.used.value,
                    review::provenance_text(&res.used.provenance)
                );
                for o in &res.overridden {
                    println!(
                        "      被覆盖：{}  {}",
                        o.value,
                        review::provenance_text(&o.provenance)
                    );
                }
            }
        }
        for h in &f.history {
            println!(
                "      历史：{}  {}，{} 被替换",
                h.fact.value,
                review::provenance_text(&h.fact.provenance),
                h.superseded_at.format("%Y-%m-%d %H:%M")
            );
        }
    }
}
