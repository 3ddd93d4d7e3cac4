//! `govtrust export warc|evidence|scores`: archive snapshots as WARC/1.1, or evidence and
//! scores as JSON lines, CSV or XLSX.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use govtrust::config::Project;
use govtrust::export::tables::{export_evidence, export_scores};
use govtrust::export::warc::{export_warc, WarcOptions};
use govtrust::export::Format;

use super::open_store;

#[derive(clap::Subcommand)]
pub enum ExportAction {
    /// The stored snapshots as WARC/1.1 (gzip per record): request, response and revisit records.
    Warc {
        #[arg(long)]
        out: PathBuf,
        /// Only the pages fetched in this run (default: every stored snapshot).
        #[arg(long)]
        run: Option<u64>,
    },
    /// The period's evidence (every status).
    Evidence {
        /// jsonl, csv or xlsx.
        #[arg(long, default_value = "jsonl")]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Every unit × item score from the stored facts.
    Scores {
        /// jsonl, csv or xlsx.
        #[arg(long, default_value = "jsonl")]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn export(config: &Path, store: &Path, action: ExportAction) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    match action {
        ExportAction::Warc { out, run } => {
            let user_agent = project
                .crawl
                .as_ref()
                .map(|c| c.settings.user_agent.clone())
                .unwrap_or_else(|| format!("govtrust/{}", env!("CARGO_PKG_VERSION")));
            let s = export_warc(
                &store,
                &WarcOptions {
                    run,
                    user_agent,
                    now: None,
                },
                &out,
            )?;
            println!(
                "已写入 {}：{} 个网页（response {}，revisit {}，request {}），{} 字节",
                out.display(),
                s.pages,
                s.responses,
                s.revisits,
                s.requests,
                s.bytes
            );
            if s.missing_snapshots > 0 {
                eprintln!(
                    "注意：{} 个网页的快照不在存储中，已跳过",
                    s.missing_snapshots
                );
            }
        }
        ExportAction::Evidence { format, out } => {
            let n = export_evidence(&project, &store, format.parse::<Format>()?, &out)?;
            println!("已写入 {}：证据 {n} 条", out.display());
        }
        ExportAction::Scores { format, out } => {
            let n = export_scores(&project, &store, format.parse::<Format>()?, &out)?;
            println!("已写入 {}：得分 {n} 行（单位 × 指标）", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
