//! The value log: the store's large values — snapshot bytes and documents — appended to one file
//! (`value-log`) beside sled's own files, while the `snapshots` and `documents` trees keep a
//! 17-byte [`ValueRef`] to each. sled rewrites a whole leaf node whenever it consolidates one, so
//! kilobyte values kept in its trees were copied again and again and crowded its cache; with
//! references its nodes stay small. Values written by earlier versions, inline in the trees,
//! are still read.
//!
//! Durability. A value is written to the file (one `write` per commit group) before sled sees its
//! reference, so a killed process never leaves a reference to bytes the kernel does not have.
//! A power loss is another matter: sled may make a reference durable before the file's bytes
//! are. Hence the `meta` keys kept here:
//! - `value_log_dirty`, written to sled before the first reference that follows a sync;
//! - `value_log_synced` and `value_log_synced_at`, the file length (and the time) up to which
//!   the file was last fsynced, written by [`Store::flush`].
//!
//! [`Store::open`] finds `value_log_dirty` only when the previous process did not flush after its
//! last write; it then checks every reference beyond `value_log_synced` (the checksum in the
//! reference catches bytes that never reached the disk) and repairs the store
//! ([`Store::recover_values`]).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::pages::PageRecord;
use super::{Result, Store, StoreError};

/// The file, in the store's directory, unless `meta` names another (`value_log_file`: a
/// compaction writes the live values to a new file and switches to it in one transaction).
pub(crate) const FILE: &str = "value-log";
/// The `meta` key naming the current file, when it is not [`FILE`].
pub(crate) const FILE_KEY: &str = "value_log_file";
/// First byte of a reference. Inline values never start with it: snapshots are zlib streams
/// (`0x78`), documents JSON objects (`{`).
const TAG: u8 = 0;
const REF_LEN: usize = 17;

/// Where a value lies in the log, and its CRC-32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ValueRef {
    pub offset: u64,
    pub len: u32,
    pub crc: u32,
}

impl ValueRef {
    pub fn encode(&self) -> [u8; REF_LEN] {
        let mut out = [0u8; REF_LEN];
        out[0] = TAG;
        out[1..9].copy_from_slice(&self.offset.to_le_bytes());
        out[9..13].copy_from_slice(&self.len.to_le_bytes());
        out[13..17].copy_from_slice(&self.crc.to_le_bytes());
        out
    }

    /// The reference a tree value holds, or `None` for a value stored inline.
    pub fn decode(v: &[u8]) -> Option<ValueRef> {
        if v.len() != REF_LEN || v[0] != TAG {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]]);
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&v[1..9]);
        Some(ValueRef {
            offset: u64::from_le_bytes(offset),
            len: u32_at(9),
            crc: u32_at(13),
        })
    }

    /// Does it reach past `synced` (so it may rest on bytes a power cut took)?
    fn ends_after(&self, synced: u64) -> bool {
        self.offset + u64::from(self.len) > synced
    }
}

/// Why a value could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    #[error("value log: {len} bytes at offset {offset} lie beyond its end ({end} bytes)")]
    Truncated { offset: u64, len: u32, end: u64 },
    #[error("value log: the {len} bytes at offset {offset} fail their checksum")]
    Checksum { offset: u64, len: u32 },
    #[error("value log {}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("value log: a value of {0} bytes is over the 4 GiB a reference can address")]
    TooLarge(usize),
}

struct Appender {
    file: File,
    /// Length of the file: where the next value goes.
    end: u64,
    /// Values were appended since the last sync (and `value_log_dirty` is written).
    dirty: bool,
}

pub(crate) struct ValueLog {
    path: std::path::PathBuf,
    reader: File,
    appender: Mutex<Appender>,
}

impl ValueLog {
    #[cfg(test)]
    pub fn open(dir: &Path) -> Result<ValueLog, ValueError> {
        Self::open_file(&dir.join(FILE))
    }

    /// Opens (creating) the log at `path`.
    pub fn open_file(path: &Path) -> Result<ValueLog, ValueError> {
        let path = path.to_path_buf();
        let io = |source| ValueError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        let end = file.metadata().map_err(io)?.len();
        let reader = File::open(&path).map_err(io)?;
        Ok(ValueLog {
            path: path.clone(),
            reader,
            appender: Mutex::new(Appender {
                file,
                end,
                dirty: false,
            }),
        })
    }

    fn io(&self, source: std::io::Error) -> ValueError {
        ValueError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Appender> {
        // The appender's state is a file handle and two plain fields, consistent after any
        // panic in another holder; a poisoned lock is still usable.
        self.appender.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The file's length.
    pub fn end(&self) -> u64 {
        self.lock().end
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `values` in one write and returns their references. `mark_dirty` runs (and must
    /// reach sled) before the first append after a sync, so a crash that keeps any reference to
    /// an unsynced value also keeps the mark.
    pub fn append<E: From<ValueError>>(
        &self,
        values: &[&[u8]],
        mark_dirty: impl FnOnce() -> Result<(), E>,
    ) -> Result<Vec<ValueRef>, E> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let mut a = self.lock();
        if !a.dirty {
            mark_dirty()?;
            a.dirty = true;
        }
        let total: usize = values.iter().map(|v| v.len()).sum();
        let mut buf = Vec::with_capacity(total);
        let mut refs = Vec::with_capacity(values.len());
        for v in values {
            let len = u32::try_from(v.len()).map_err(|_| ValueError::TooLarge(v.len()))?;
            refs.push(ValueRef {
                offset: a.end + buf.len() as u64,
                len,
                crc: crc32fast::hash(v),
            });
            buf.extend_from_slice(v);
        }
        if let Err(e) = a.file.write_all(&buf) {
            // A partial write leaves bytes no reference points at; the next value goes after
            // them, wherever the file now ends.
            if let Ok(m) = a.file.metadata() {
                a.end = m.len();
            }
            return Err(self.io(e).into());
        }
        a.end += buf.len() as u64;
        Ok(refs)
    }

    /// Reads a value back and checks it against its reference.
    pub fn read(&self, r: ValueRef) -> Result<Vec<u8>, ValueError> {
        let mut out = vec![0u8; r.len as usize];
        if let Err(e) = self.reader.read_exact_at(&mut out, r.offset) {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                let end = self.reader.metadata().map(|m| m.len()).unwrap_or(0);
                return Err(ValueError::Truncated {
                    offset: r.offset,
                    len: r.len,
                    end,
                });
            }
            return Err(self.io(e));
        }
        if crc32fast::hash(&out) != r.crc {
            return Err(ValueError::Checksum {
                offset: r.offset,
                len: r.len,
            });
        }
        Ok(out)
    }

    /// Makes every appended value durable. `mark_synced(end, clean)` records the synced length
    /// in sled; `clean` is whether nothing was appended while the file was being synced (the
    /// dirty mark may then go). The fsync itself runs without the lock, so the crawl's writer
    /// keeps appending meanwhile.
    pub fn sync<E: From<ValueError>>(
        &self,
        mark_synced: impl FnOnce(u64, bool) -> Result<(), E>,
    ) -> Result<(), E> {
        let (file, end) = {
            let a = self.lock();
            if !a.dirty {
                return Ok(());
            }
            (a.file.try_clone().map_err(|e| self.io(e))?, a.end)
        };
        file.sync_data().map_err(|e| self.io(e))?;
        let mut a = self.lock();
        let clean = a.end == end;
        mark_synced(end, clean)?;
        if clean {
            a.dirty = false;
        }
        Ok(())
    }

    /// Records the file's current length as synced once every reference beyond the last synced
    /// length has been checked (recovery at open, before anything is appended).
    fn sync_all_checked<E: From<ValueError>>(
        &self,
        mark: impl FnOnce(u64) -> Result<(), E>,
    ) -> Result<(), E> {
        let a = self.lock();
        a.file.sync_data().map_err(|e| self.io(e))?;
        mark(a.end)
    }
}

pub(crate) const DIRTY: &str = "value_log_dirty";
pub(crate) const SYNCED: &str = "value_log_synced";
const SYNCED_AT: &str = "value_log_synced_at";

impl Store {
    /// Appends values to the log (marking the store dirty first when needed); the caller then
    /// stores the returned references.
    pub(crate) fn put_values(&self, values: &[&[u8]]) -> Result<Vec<ValueRef>> {
        let meta = self.tree("meta")?;
        self.values.append(values, || {
            meta.insert(DIRTY, &b"1"[..])?;
            Ok::<(), StoreError>(())
        })
    }

    /// The value a tree holds under `key`: read from the log through its reference, or as
    /// stored by versions that kept it inline.
    pub(crate) fn resolve_value(&self, tree: &str, key: &[u8], v: &[u8]) -> Result<Vec<u8>> {
        match ValueRef::decode(v) {
            Some(r) => self.values.read(r).map_err(|source| StoreError::Value {
                tree: tree.to_string(),
                key: String::from_utf8_lossy(key).into_owned(),
                source,
            }),
            None => Ok(v.to_vec()),
        }
    }

    /// fsyncs the log and records how far (part of [`Store::flush`]).
    pub(crate) fn sync_values(&self) -> Result<()> {
        let meta = self.tree("meta")?;
        self.values.sync(|end, clean| {
            meta.insert(SYNCED, end.to_string().as_bytes())?;
            meta.insert(SYNCED_AT, Utc::now().to_rfc3339().as_bytes())?;
            if clean {
                meta.remove(DIRTY)?;
            }
            Ok::<(), StoreError>(())
        })
    }

    /// After a process that did not flush its last values (killed, or the machine lost
    /// power): checks every reference past the synced length. A reference whose bytes did not
    /// survive is removed, with its document's index queue entry, and every page fetched since
    /// the last sync forgets its validators, content hash and schedule, so the next crawl
    /// fetches it unconditionally and extracts it again. Returns how many references were lost.
    pub(crate) fn recover_values(&self) -> Result<usize> {
        let meta = self.tree("meta")?;
        if meta.get(DIRTY)?.is_none() {
            return Ok(0);
        }
        let text = |k: &str| -> Result<Option<String>> {
            Ok(meta
                .get(k)?
                .map(|v| String::from_utf8_lossy(&v).into_owned()))
        };
        let synced: u64 = text(SYNCED)?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut lost = 0;
        let mut lost_documents = std::collections::HashSet::new();
        for name in ["snapshots", "documents"] {
            let t = self.tree(name)?;
            for kv in t.iter() {
                let (k, v) = kv?;
                let Some(r) = ValueRef::decode(&v) else {
                    continue;
                };
                if r.ends_after(synced) && self.values.read(r).is_err() {
                    t.remove(&k)?;
                    if name == "documents" {
                        lost_documents.insert(k.to_vec());
                    }
                    lost += 1;
                }
            }
        }
        self.unqueue_documents(&lost_documents)?;
        if lost > 0 {
            let since = text(SYNCED_AT)?
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|t| t.with_timezone(&Utc));
            let mut forgotten = 0;
            for p in self.pages_iter()? {
                let mut p: PageRecord = p?;
                if since.is_some_and(|t| p.fetched_at < t) {
                    continue;
                }
                p.etag = None;
                p.last_modified = None;
                p.hash = None;
                p.next_due = None;
                self.put_page(&p)?;
                forgotten += 1;
            }
            tracing::warn!(
                lost,
                forgotten,
                "values written just before the last shutdown did not reach the disk; \
                 pages fetched since the last sync will be fetched again"
            );
        }
        // Every remaining reference is now checked: the whole file counts as synced.
        self.values.sync_all_checked(|end| {
            meta.insert(SYNCED, end.to_string().as_bytes())?;
            meta.remove(DIRTY)?;
            Ok::<(), StoreError>(())
        })?;
        self.db.flush()?;
        Ok(lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_and_inline_values_are_not_references() {
        let r = ValueRef {
            offset: 1 << 40,
            len: 1_300,
            crc: 0xdead_beef,
        };
        assert_eq!(ValueRef::decode(&r.encode()), Some(r));
        // A zlib snapshot, a JSON document, and a short value that happens to start with 0.
        assert_eq!(ValueRef::decode(&[0x78, 0x01, 0x02]), None);
        assert_eq!(ValueRef::decode(br#"{"id":"d1","source":"s"}"#), None);
        assert_eq!(ValueRef::decode(&[0u8; 5]), None);
    }

    #[test]
    fn values_read_back_and_a_damaged_or_missing_value_is_reported() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = ValueLog::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let mut marks = 0;
        let refs = log
            .append::<ValueError>(&[b"first", b"", "第二".as_bytes()], || {
                marks += 1;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let more = log
            .append::<ValueError>(&[b"third"], || {
                marks += 1;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(marks, 1, "marked dirty once until the next sync");
        let read = |r| log.read(r).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read(refs[0]), b"first");
        assert_eq!(read(refs[1]), b"");
        assert_eq!(read(refs[2]), "第二".as_bytes());
        assert_eq!(read(more[0]), b"third");
        assert_eq!(log.end(), 16);

        let mut synced = None;
        log.sync::<ValueError>(|end, clean| {
            synced = Some((end, clean));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(synced, Some((16, true)));
        // Nothing new: no sync, no mark.
        log.sync::<ValueError>(|_, _| panic!("nothing to sync"))
            .unwrap_or_else(|e| panic!("{e}"));

        // A reference to bytes the file lost, and one whose bytes changed.
        let beyond = ValueRef {
            offset: 10,
            len: 10,
            crc: more[0].crc,
        };
        assert!(matches!(
            log.read(beyond),
            Err(ValueError::Truncated { end: 16, .. })
        ));
        let wrong = ValueRef {
            crc: refs[0].crc ^ 1,
            ..refs[0]
        };
        let e = log.read(wrong).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("value log: the 5 bytes at offset 0 fail their checksum")
        );

        // Reopened, appends continue at the end.
        drop(log);
        let log = ValueLog::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let r = log
            .append::<ValueError>(&[b"again"], || Ok(()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r[0].offset, 16);
        assert_eq!(log.read(r[0]).unwrap_or_else(|e| panic!("{e}")), b"again");
    }

    fn page(url: &str, hash: &str, fetched_at: DateTime<Utc>) -> PageRecord {
        PageRecord {
            url: url.into(),
            final_url: url.into(),
            source: "portal".into(),
            role: super::super::pages::Role::Detail,
            status: 200,
            error: None,
            etag: Some("\"e1\"".into()),
            last_modified: None,
            content_type: None,
            hash: Some(hash.into()),
            charset: None,
            bytes: 10,
            fetched_at,
            run: 1,
            first_run: 1,
            changed_run: 1,
            changed_at: fetched_at,
            unchanged_streak: 0,
            next_due: Some(fetched_at + chrono::Duration::days(3)),
            gone_run: None,
            attachments: None,
        }
    }

    fn commit(s: &Store, n: u32, at: DateTime<Utc>) {
        let url = format!("http://www.tongbai.sim/{n}.html");
        let mut d = super::super::documents::tests::doc(
            &format!("d{n}"),
            "u1",
            (2026, 1, n),
            "标题",
            "正文",
        );
        d.page_url = url.clone();
        d.snapshot = format!("h{n}");
        s.commit(
            1,
            super::super::frontier::Commit {
                page: Some(page(&url, &format!("h{n}"), at)),
                snapshot: Some((format!("h{n}"), format!("<html>{n}</html>").into_bytes())),
                documents: vec![d],
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The snapshot and document of `commit(s, 1, …)` read back.
    fn assert_first_commit_kept(s: &Store) {
        assert_eq!(
            s.snapshot("h1")
                .unwrap_or_else(|e| panic!("{e}"))
                .as_deref(),
            Some(&b"<html>1</html>"[..])
        );
        assert!(s.document("d1").unwrap_or_else(|e| panic!("{e}")).is_some());
    }

    #[test]
    fn values_lost_with_the_power_are_dropped_and_their_pages_fetched_again() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let t0 = Utc::now() - chrono::Duration::minutes(5);
        let synced_len = {
            let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            commit(&s, 1, t0);
            s.flush().unwrap_or_else(|e| panic!("{e}"));
            let len = s.values.end();
            // Written after the last sync; sled makes the references durable (as its background
            // flush may), the value log's bytes are then lost as by a power cut.
            commit(&s, 2, Utc::now() + chrono::Duration::seconds(1));
            s.db.flush().unwrap_or_else(|e| panic!("{e}"));
            len
        };
        let f = OpenOptions::new()
            .write(true)
            .open(dir.path().join(FILE))
            .unwrap_or_else(|e| panic!("{e}"));
        f.set_len(synced_len).unwrap_or_else(|e| panic!("{e}"));
        drop(f);

        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));

        assert_first_commit_kept(&s);
        assert_eq!(
            s.snapshot("h2").unwrap_or_else(|e| panic!("{e}")),
            None,
            "a reference to lost bytes is dropped"
        );
        assert!(s.document("d2").unwrap_or_else(|e| panic!("{e}")).is_none());
        assert_eq!(s.documents(None).unwrap_or_else(|e| panic!("{e}")).len(), 1);
        let kept = s
            .page("http://www.tongbai.sim/1.html")
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|p| (p.hash, p.etag));
        assert_eq!(kept, Some((Some("h1".into()), Some("\"e1\"".into()))));
        let again = s
            .page("http://www.tongbai.sim/2.html")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("page record kept"));
        assert_eq!(
            (again.hash, again.etag, again.next_due),
            (None, None, None),
            "fetched afresh, unconditionally, by the next crawl"
        );
        let queued = s.unindexed().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(queued, vec!["d1".to_string()]);

        // Recovered once: reopening finds a clean store, and new values append after the end.
        drop(s);
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.recover_values().unwrap_or_else(|e| panic!("{e}")), 0);
        commit(&s, 3, Utc::now());
        assert_eq!(
            s.snapshot("h3")
                .unwrap_or_else(|e| panic!("{e}"))
                .as_deref(),
            Some(&b"<html>3</html>"[..])
        );
    }

    #[test]
    fn a_killed_process_loses_nothing_and_a_version_1_store_stays_readable() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        {
            let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            commit(&s, 1, Utc::now());
            // As a version-1 store held them: inline.
            s.tree("snapshots")
                .and_then(|t| {
                    Ok(t.insert("old", super::super::snapshots::tests::zlib(b"old bytes"))?)
                })
                .unwrap_or_else(|e| panic!("{e}"));
            let d = super::super::documents::tests::doc("old", "u1", (2020, 1, 1), "旧", "旧文");
            s.tree("documents")
                .and_then(|t| Ok(t.insert("old", super::super::encode(&d))?))
                .unwrap_or_else(|e| panic!("{e}"));
            // Its page records by URL, as versions 1 and 2 kept them.
            for p in s.pages().unwrap_or_else(|e| panic!("{e}")) {
                s.tree("pages")
                    .and_then(|t| Ok(t.insert(p.url.as_bytes(), super::super::encode(&p))?))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            for t in ["urls", "page_records", "schedules", "run_events"] {
                s.db.drop_tree(t).unwrap_or_else(|e| panic!("{e}"));
            }
            s.tree("meta")
                .and_then(|t| Ok(t.insert("schema_version", "1")?))
                .unwrap_or_else(|e| panic!("{e}"));
            // Killed: sled's own flush, never the value log's sync.
            s.db.flush().unwrap_or_else(|e| panic!("{e}"));
        }
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));

        assert_first_commit_kept(&s);
        assert_eq!(
            s.snapshot("old")
                .unwrap_or_else(|e| panic!("{e}"))
                .as_deref(),
            Some(&b"old bytes"[..])
        );
        assert_eq!(
            s.document("old")
                .unwrap_or_else(|e| panic!("{e}"))
                .and_then(|d| d.title)
                .as_deref(),
            Some("旧")
        );
        let page = s
            .page("http://www.tongbai.sim/1.html")
            .unwrap_or_else(|e| panic!("{e}"))
            .and_then(|p| p.etag);
        assert_eq!(page.as_deref(), Some("\"e1\""), "nothing to forget");
        let version = s
            .tree("meta")
            .unwrap_or_else(|e| panic!("{e}"))
            .get("schema_version")
            .ok()
            .flatten();
        assert_eq!(
            version.as_deref(),
            Some(super::super::SCHEMA_VERSION.to_string().as_bytes())
        );
    }
}
