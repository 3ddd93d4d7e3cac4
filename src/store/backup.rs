//! `govtrust store backup DIR`: a consistent copy of the store, taken through the open handle
//! — the one `serve` holds while it answers queries and runs the nightly crawl — so a backup
//! never needs the service stopped.
//!
//! Consistent: the copy is taken while no write that spans trees is under way (the
//! [write gate](super::gate) pauses the crawl's commit groups, classifications, imports, index
//! batches and digests for as long as the trees are copied, and they resume where they were).
//! The value log is append-only and every reference is written after its bytes, so copying the
//! file up to its length *after* the trees gives every copied reference its bytes. The id
//! counter (sled's, behind frontier keys and URL numbers) is carried over, so a restored store
//! hands out no number twice.
//!
//! The copy is a store like any other: `govtrust --store DIR store verify` checks it, and a
//! restore is putting the directory in the store's place (docs/operations.md).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{values, Result, Store, StoreError};

/// Keys copied per batch into the copy's trees.
const BATCH: usize = 4_096;

/// What a backup copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub dir: PathBuf,
    pub trees: usize,
    pub entries: u64,
    pub value_log_bytes: u64,
}

impl Store {
    /// Copies the store into `dir`, which must not exist or be empty.
    pub fn backup(&self, dir: &Path) -> Result<BackupSummary> {
        let refuse = |why: String| StoreError::Backup {
            dir: dir.to_path_buf(),
            why,
        };
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| refuse(e.to_string()))?;
            if entries.next().is_some() {
                return Err(refuse("目录不为空（备份只写入新目录或空目录）".into()));
            }
        }
        if dir
            .canonicalize()
            .ok()
            .zip(self.path.canonicalize().ok())
            .is_some_and(|(a, b)| a == b)
        {
            return Err(refuse("备份目录就是存储本身".into()));
        }
        std::fs::create_dir_all(dir).map_err(|e| refuse(e.to_string()))?;
        let copy = sled::Config::new()
            .path(dir)
            .cache_capacity(16 * 1024 * 1024)
            .open()
            .map_err(|source| StoreError::Open {
                path: dir.to_path_buf(),
                source,
            })?;
        let mut entries = 0u64;
        let names = self.db.tree_names();
        let (log_name, log_len) = {
            let _paused = self.gate.pause();
            for name in &names {
                let from = self.db.open_tree(name)?;
                let to = copy.open_tree(name)?;
                let mut batch = sled::Batch::default();
                let mut n = 0;
                for kv in from.iter() {
                    let (k, v) = kv?;
                    batch.insert(k, v);
                    n += 1;
                    if n == BATCH {
                        to.apply_batch(std::mem::take(&mut batch))?;
                        entries += n as u64;
                        n = 0;
                    }
                }
                to.apply_batch(batch)?;
                entries += n as u64;
            }
            // sled's id counter: the copy continues after the store's.
            let next = self.db.generate_id()?;
            while copy.generate_id()? < next {}
            // After the trees: every reference copied points below this length.
            (
                self.values.path().file_name().map(|n| n.to_os_string()),
                self.values.end(),
            )
        };
        let log_name = log_name.unwrap_or_else(|| values::FILE.into());
        let log_copy = dir.join(&log_name);
        let io = |e: std::io::Error| refuse(format!("{}: {e}", log_copy.display()));
        let mut from = std::fs::File::open(self.values.path()).map_err(io)?;
        let mut to = std::fs::File::create(&log_copy).map_err(io)?;
        let copied = std::io::copy(&mut (&mut from).take(log_len), &mut to).map_err(io)?;
        if copied != log_len {
            return Err(refuse(format!(
                "value log: {copied} of {log_len} bytes copied"
            )));
        }
        to.flush().map_err(io)?;
        to.sync_all().map_err(io)?;
        // The copy's log is whole and synced: no recovery to run when it is opened.
        let meta = copy.open_tree("meta")?;
        meta.insert(values::SYNCED, log_len.to_string().as_bytes())?;
        meta.remove(values::DIRTY)?;
        copy.flush()?;
        Ok(BackupSummary {
            dir: dir.to_path_buf(),
            trees: names.len(),
            entries,
            value_log_bytes: log_len,
        })
    }
}
