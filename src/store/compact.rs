//! `govtrust store compact`: the value log's garbage collected and old snapshots dropped by a
//! retention policy.
//!
//! The log is append-only; a re-extracted document leaves its earlier JSON behind, and a page
//! whose content changed leaves its earlier snapshot, which nothing may need any more. Retention
//! never drops a snapshot that something rests on — a page record's current content, a
//! document, an evidence record, a kept list extraction, a stored inspection's proof (and, for
//! the runs it keeps, the inspection's column pages) — and keeps a superseded one for
//! `keep_runs` runs after the run that replaced it (`superseded`: hash → run, written by the
//! crawl's commit when a page's content changes; a snapshot nothing rests on that has no entry,
//! from a store written before it, counts as superseded in run 0).
//!
//! The live values are copied to a new file (`value-log.N`), which is fsynced; then one sled
//! transaction points every kept reference into it, removes the dropped snapshots (with their
//! `snapshot_meta` and `superseded` entries) and names the new file in `meta`
//! (`value_log_file`), and only then is the old file deleted. A compaction killed before the
//! transaction leaves the store as it was (the half-written file is removed by the next
//! compaction); after it, the store is compacted and at most the old file is left behind. The
//! command needs the store to itself: stop `serve` first.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use sled::transaction::{TransactionError, Transactional};

use super::typed::Records;
use super::values::{self, ValueLog, ValueRef};
use super::{Result, Store, StoreError};

/// Snapshot hash → the run in which a page's new content replaced it.
pub(crate) const SUPERSEDED: &str = "superseded";

/// Values copied per write to the new file.
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// What to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Runs a superseded snapshot is kept after the run that replaced it.
    pub keep_runs: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { keep_runs: 30 }
    }
}

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactSummary {
    pub snapshots_kept: u64,
    pub snapshots_dropped: u64,
    pub documents: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// A tree entry whose value moves to the new file.
struct Moved {
    tree: &'static str,
    key: Vec<u8>,
}

impl Store {
    /// Compacts the store ([module docs](self)), keeping what the records of the stages above
    /// rest on as `records` reads them. The handle must be the store's only one: the file its
    /// reads go to is replaced.
    pub fn compact(self, retention: Retention, records: &Records) -> Result<CompactSummary> {
        if std::sync::Arc::strong_count(&self.values) > 1 {
            return Err(StoreError::Compact(
                "存储在本进程中仍被使用（压缩需要独占存储）".into(),
            ));
        }
        let current = self.values.path().to_path_buf();
        remove_strays(&self.path, &current)?;
        let keep = self.snapshots_to_keep(retention, records)?;
        let mut summary = CompactSummary {
            bytes_before: self.values.end(),
            ..CompactSummary::default()
        };
        let next = next_file(&current);
        let log = ValueLog::open_file(&next)?;
        // Kept references, read back and checked (a value that fails its CRC stops the
        // compaction: `store verify` names it).
        let mut moved: Vec<Moved> = Vec::new();
        let mut refs: Vec<(usize, ValueRef)> = Vec::new();
        let mut dropped: Vec<Vec<u8>> = Vec::new();
        let mut pending: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut pending_bytes = 0;
        let flush = |pending: &mut Vec<(usize, Vec<u8>)>,
                     refs: &mut Vec<(usize, ValueRef)>|
         -> Result<()> {
            let values: Vec<&[u8]> = pending.iter().map(|(_, v)| v.as_slice()).collect();
            let written = log.append::<StoreError>(&values, || Ok(()))?;
            refs.extend(pending.iter().map(|(i, _)| *i).zip(written));
            pending.clear();
            Ok(())
        };
        for tree in ["snapshots", "documents"] {
            for kv in self.tree(tree)?.iter() {
                let (k, v) = kv?;
                if tree == "snapshots" && !keep.contains(&k[..]) {
                    dropped.push(k.to_vec());
                    continue;
                }
                if tree == "snapshots" {
                    summary.snapshots_kept += 1;
                } else {
                    summary.documents += 1;
                }
                let Some(r) = ValueRef::decode(&v) else {
                    // Stored inline by an early version: stays where it is.
                    continue;
                };
                let bytes = self.resolve_value(tree, &k, &v)?;
                debug_assert_eq!(bytes.len(), r.len as usize);
                // (The handle is the store's only one: nothing changes the tree meanwhile.)
                pending_bytes += bytes.len();
                pending.push((moved.len(), bytes));
                moved.push(Moved {
                    tree,
                    key: k.to_vec(),
                });
                if pending_bytes >= CHUNK_BYTES {
                    flush(&mut pending, &mut refs)?;
                    pending_bytes = 0;
                }
            }
        }
        flush(&mut pending, &mut refs)?;
        log.sync::<StoreError>(|_, _| Ok(()))?;
        sync_dir(&self.path)?;
        summary.snapshots_dropped = dropped.len() as u64;
        summary.bytes_after = log.end();
        let name = next
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let new_refs: Vec<(&Moved, [u8; 17])> =
            refs.iter().map(|(i, r)| (&moved[*i], r.encode())).collect();
        let (snapshots, documents) = (self.tree("snapshots")?, self.tree("documents")?);
        let (meta_tree, superseded) = (self.tree(SNAPSHOT_META_TREE)?, self.tree(SUPERSEDED)?);
        let meta = self.tree("meta")?;
        (&snapshots, &documents, &meta_tree, &superseded, &meta)
            .transaction(|(snapshots, documents, snapshot_meta, superseded, meta)| {
                for (m, r) in &new_refs {
                    let t = if m.tree == "snapshots" {
                        snapshots
                    } else {
                        documents
                    };
                    t.insert(m.key.as_slice(), &r[..])?;
                }
                for k in &dropped {
                    snapshots.remove(k.as_slice())?;
                    snapshot_meta.remove(k.as_slice())?;
                    superseded.remove(k.as_slice())?;
                }
                meta.insert(values::FILE_KEY, name.as_bytes())?;
                meta.insert(values::SYNCED, summary.bytes_after.to_string().as_bytes())?;
                meta.remove(values::DIRTY)?;
                Ok(())
            })
            .map_err(|e: TransactionError<String>| match e {
                TransactionError::Abort(m) => StoreError::Aborted(m),
                TransactionError::Storage(s) => StoreError::Sled(s),
            })?;
        self.db.flush()?;
        drop(self);
        if let Err(e) = std::fs::remove_file(&current) {
            tracing::warn!(file = %current.display(), error = %e, "old value log not removed");
        }
        Ok(summary)
    }

    /// The hashes of the snapshots retention keeps.
    fn snapshots_to_keep(
        &self,
        retention: Retention,
        records: &Records,
    ) -> Result<HashSet<Vec<u8>>> {
        let mut keep: HashSet<Vec<u8>> = HashSet::new();
        for p in self.pages_iter()? {
            if let Some(h) = p?.hash {
                keep.insert(h.into_bytes());
            }
        }
        for kv in self.tree("documents")?.iter() {
            let (k, v) = kv?;
            keep.insert(self.decode_document(&k, &v)?.snapshot.into_bytes());
        }
        for v in self.tree("evidence")?.iter().values() {
            let e: crate::model::evidence::Evidence = super::decode("evidence", &v?)?;
            keep.insert(e.snapshot.into_bytes());
        }
        for kv in self.tree(super::list_extracts::LIST_EXTRACTS)?.iter() {
            let (k, v) = kv?;
            let x = super::list_extracts::decode_value(&String::from_utf8_lossy(&k), &v)?;
            keep.insert(x.hash.into_bytes());
        }
        let latest = self.last_run()?.map_or(0, |r| r.id);
        // What the records of the stages above rest on (a stored inspection's proofs; and,
        // for the runs retention keeps, the snapshots its column pages had, which a later run
        // shows as the column before a backdated document).
        for tree in records.trees() {
            for kv in self.tree(tree)?.iter() {
                let (k, v) = kv?;
                let rests = match records.check(tree, &k, &v) {
                    Some(Ok(r)) => r,
                    Some(Err(why)) => {
                        return Err(StoreError::Record {
                            tree: tree.to_string(),
                            key: super::typed::show(&k),
                            why,
                        })
                    }
                    None => continue,
                };
                keep.extend(rests.snapshots.into_iter().map(String::into_bytes));
                if let Some((run, snapshots)) = rests.recent {
                    if latest.saturating_sub(run) < retention.keep_runs {
                        keep.extend(snapshots.into_iter().map(String::into_bytes));
                    }
                }
            }
        }
        let superseded: HashMap<Vec<u8>, u64> = self
            .tree(SUPERSEDED)?
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                let run = <[u8; 8]>::try_from(&v[..]).map_or(0, u64::from_be_bytes);
                Ok((k.to_vec(), run))
            })
            .collect::<Result<_>>()?;
        for k in self.tree("snapshots")?.iter().keys() {
            let k = k?;
            let since = superseded.get(&k[..]).copied().unwrap_or(0);
            if latest.saturating_sub(since) < retention.keep_runs {
                keep.insert(k.to_vec());
            }
        }
        Ok(keep)
    }
}

const SNAPSHOT_META_TREE: &str = super::snapshot_meta::SNAPSHOT_META;

/// The file after `current`: `value-log` → `value-log.1` → `value-log.2` …
fn next_file(current: &Path) -> std::path::PathBuf {
    let name = current
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = name
        .rsplit_once('.')
        .and_then(|(_, n)| n.parse::<u64>().ok())
        .unwrap_or(0);
    current.with_file_name(format!("{}.{}", values::FILE, n + 1))
}

/// Removes value-log files other than the current one (left by an interrupted compaction).
fn remove_strays(dir: &Path, current: &Path) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Compact(format!("{}: {e}", dir.display()));
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with(values::FILE) && path != current {
            std::fs::remove_file(&path).map_err(io)?;
        }
    }
    Ok(())
}

/// Makes the new file's directory entry durable before the store names it.
fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::Compact(format!("{}: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::frontier::Commit;
    use crate::store::snapshots::content_hash;
    use crate::store::typed::{Codec, Rests, TreeSpec};

    /// A tree of a stage above the store, as the registry sees it: each record names the
    /// snapshots it rests on, always or while its run is kept.
    const PINS: TreeSpec<u64, (Vec<String>, Vec<String>)> = TreeSpec::new("pins", Codec::Json);

    fn registry() -> Records {
        let mut r = Records::default();
        r.register(
            &PINS,
            |run, (always, recent): &(Vec<String>, Vec<String>)| Rests {
                snapshots: always.clone(),
                recent: Some((*run, recent.clone())),
            },
        );
        r
    }

    /// A store at run 5 holding two snapshots no page, document or evidence rests on (nor a
    /// `superseded` entry: they count as replaced in run 0), one pinned always and one while
    /// run 5 is kept, by a record of the `pins` tree; their hashes.
    fn store_with_pins(dir: &Path) -> (String, String) {
        let s = Store::open(dir).unwrap_or_else(|e| panic!("{e}"));
        s.put_run(&crate::store::runs::RunRecord {
            id: 5,
            started_at: chrono::Utc::now(),
            finished_at: None,
            status: crate::store::runs::RunStatus::Complete,
            sources: vec![],
            active_s: 0.0,
            summary: None,
            as_of: None,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut hashes = Vec::new();
        for body in [&b"<html>proof</html>"[..], b"<html>column</html>"] {
            let h = content_hash(body);
            s.commit(
                1,
                Commit {
                    snapshot: Some((h.clone(), body.to_vec())),
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
            hashes.push(h);
        }
        s.typed(&PINS)
            .and_then(|t| t.put(&5, &(vec![hashes[0].clone()], vec![hashes[1].clone()])))
            .unwrap_or_else(|e| panic!("{e}"));
        s.flush().unwrap_or_else(|e| panic!("{e}"));
        (hashes[0].clone(), hashes[1].clone())
    }

    fn kept(dir: &Path, keep_runs: u64, records: &Records) -> (bool, bool, u64) {
        let (proof, column) = store_with_pins(dir);
        let s = Store::open(dir).unwrap_or_else(|e| panic!("{e}"));
        let c = s
            .compact(Retention { keep_runs }, records)
            .unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir).unwrap_or_else(|e| panic!("{e}"));
        let has = |h: &str| s.snapshot(h).unwrap_or_else(|e| panic!("{e}")).is_some();
        (has(&proof), has(&column), c.snapshots_dropped)
    }

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn compaction_keeps_what_the_registered_records_rest_on() {
        // Nothing registered: both are garbage (replaced five runs ago).
        for keep_runs in [0, 1] {
            let d = dir();
            assert_eq!(
                kept(d.path(), keep_runs, &Records::default()),
                (false, false, 2)
            );
        }
        // The proof always; the column page only while its run (the latest) is kept.
        let d = dir();
        assert_eq!(kept(d.path(), 0, &registry()), (true, false, 1));
        let d = dir();
        assert_eq!(kept(d.path(), 1, &registry()), (true, true, 0));
    }

    #[test]
    fn a_registered_record_that_does_not_decode_stops_the_compaction_and_is_named() {
        let dir = dir();
        store_with_pins(dir.path());
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.tree("pins")
            .and_then(|t| Ok(t.insert(7u64.to_be_bytes(), &b"[1]"[..])?))
            .unwrap_or_else(|e| panic!("{e}"));
        match s.compact(Retention { keep_runs: 0 }, &registry()) {
            Err(StoreError::Record { tree, .. }) => assert_eq!(tree, "pins"),
            other => panic!("{other:?}"),
        }
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.snapshot_count().ok(), Some(2), "nothing was dropped");
    }
}
