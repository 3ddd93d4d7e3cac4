//! `govtrust store verify | compact | backup DIR`: store care (see docs/operations.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use govtrust::store::compact::Retention;
use govtrust::store::Store;

use super::open_store;

#[derive(clap::Subcommand)]
pub enum StoreAction {
    /// Read back every tree (records, value-log references, snapshots) and check that every
    /// evidence record, document and page rests on what exists; exit 1 on any problem.
    Verify,
    /// Garbage-collect the value log and drop old snapshots nothing rests on (needs the store
    /// to itself: stop `serve` first).
    Compact {
        /// Runs a superseded snapshot is kept after the run that replaced it.
        #[arg(long, default_value_t = Retention::default().keep_runs)]
        keep_runs: u64,
    },
    /// Write a consistent copy of the store into DIR (new or empty).
    Backup { dir: PathBuf },
}

pub fn store(store: &Path, action: StoreAction) -> anyhow::Result<ExitCode> {
    match action {
        StoreAction::Verify => {
            let s = open_store(store)?;
            let report = s.verify(&govtrust::records::registry())?;
            print!("{}", report.render(store));
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        StoreAction::Compact { keep_runs } => {
            let s = open_store(store)?;
            let c = s.compact(Retention { keep_runs }, &govtrust::records::registry())?;
            println!(
                "存储已压缩：保留快照 {}，删除旧快照 {}（超过 {keep_runs} 次运行前被替换、且无页面、文档或证据依据），文档 {}",
                c.snapshots_kept, c.snapshots_dropped, c.documents
            );
            println!("  值日志 {} → {} 字节", c.bytes_before, c.bytes_after);
            Ok(ExitCode::SUCCESS)
        }
        StoreAction::Backup { dir } => {
            let s = open_store(store)?;
            let b = s.backup(&dir)?;
            println!(
                "备份完成：{}（{} 棵树，{} 条记录，值日志 {} 字节）",
                b.dir.display(),
                b.trees,
                b.entries,
                b.value_log_bytes
            );
            println!(
                "  校验备份：govtrust --store {} store verify",
                b.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// After a command that read the store: says on stderr which values did not decode and were
/// skipped, so a report or query that succeeded despite them does not hide them.
pub fn warn_skipped(store: &Store) {
    let (count, first) = store.skipped();
    if count == 0 {
        return;
    }
    eprintln!("注意：{count} 条存储记录无法解码，已跳过（运行 govtrust store verify 查看全部）：");
    for s in first.iter().take(10) {
        eprintln!("  [{}] {}：{}", s.tree, s.key, s.error);
    }
}
