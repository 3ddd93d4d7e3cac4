//! The `doc_unindexed` queue: ids of the documents written since the search index
//! (`crate::search`) last took them. The crawl commit and [`Store::put_documents`] queue the
//! ids of the documents they write, one key per commit group ([`unindexed_chunk_key`]; stores
//! before schema 4 hold one key per id, and both are read). The search index reads the queue in
//! order ([`Store::queued_documents`]) and removes entries ([`Store::dequeue`]) only after the
//! index commit that holds their ids, so a crash leaves ids queued — indexing a document again
//! replaces it.

use std::ops::Bound;

use super::{Result, Store};

/// The tree of document ids written since they were last indexed.
pub const UNINDEXED: &str = "doc_unindexed";

/// First byte of a key holding many queued ids; a key of one id is that (hex) id.
const CHUNK: u8 = 0xff;

/// The key of a group of ids queued together: [`CHUNK`], then a store-unique number. One key
/// per commit group, written at the right edge of the tree, where a key per document went to a
/// random place in it (at 200,000 pages that tree no longer fitted sled's cache, and each
/// insert read a leaf back from disk).
pub(crate) fn unindexed_chunk_key(n: u64) -> [u8; 9] {
    let mut k = [CHUNK; 9];
    k[1..].copy_from_slice(&n.to_be_bytes());
    k
}

/// Joins document ids into a chunk's value (ids are hex: a newline never occurs in one).
pub(crate) fn unindexed_chunk<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut v = Vec::new();
    for id in ids {
        if !v.is_empty() {
            v.push(b'\n');
        }
        v.extend_from_slice(id.as_bytes());
    }
    v
}

/// The document ids one `doc_unindexed` entry queues.
pub(crate) fn unindexed_ids<'a>(key: &'a [u8], value: &'a [u8]) -> Vec<&'a [u8]> {
    if key.first() == Some(&CHUNK) {
        value
            .split(|b| *b == b'\n')
            .filter(|id| !id.is_empty())
            .collect()
    } else {
        vec![key]
    }
}

/// Queue entries read in order: their keys (to [`Store::dequeue`] once indexed) and the ids
/// they hold, in queue order (an id queued twice appears twice).
#[derive(Debug, Default, Clone)]
pub struct Queued {
    pub keys: Vec<Vec<u8>>,
    pub ids: Vec<String>,
}

impl Store {
    /// Whole queue entries after `after` (a key an earlier call returned), until at least
    /// `max_ids` ids or the end of the queue.
    pub fn queued_documents(&self, after: Option<&[u8]>, max_ids: usize) -> Result<Queued> {
        let queue = self.tree(UNINDEXED)?;
        let lower = match after {
            Some(k) => Bound::Excluded(k.to_vec()),
            None => Bound::Unbounded,
        };
        let mut out = Queued::default();
        for kv in queue.range::<Vec<u8>, _>((lower, Bound::Unbounded)) {
            let (k, v) = kv?;
            out.ids.extend(
                unindexed_ids(&k, &v)
                    .into_iter()
                    .map(|id| String::from_utf8_lossy(id).into_owned()),
            );
            out.keys.push(k.to_vec());
            if out.ids.len() >= max_ids {
                break;
            }
        }
        Ok(out)
    }

    /// Whether any document waits in the queue.
    pub fn queue_is_empty(&self) -> Result<bool> {
        Ok(self.tree(UNINDEXED)?.is_empty())
    }

    /// Removes indexed queue entries and makes that durable.
    pub fn dequeue(&self, keys: &[Vec<u8>]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let queue = self.tree(UNINDEXED)?;
        for k in keys {
            queue.remove(k)?;
        }
        self.flush()
    }

    /// Ids of the documents queued for indexing, in queue order (ids queued twice appear
    /// twice).
    pub fn unindexed(&self) -> Result<Vec<String>> {
        Ok(self.queued_documents(None, usize::MAX)?.ids)
    }

    /// Takes `lost` documents out of the indexing queue.
    pub(crate) fn unqueue_documents(
        &self,
        lost: &std::collections::HashSet<Vec<u8>>,
    ) -> Result<()> {
        if lost.is_empty() {
            return Ok(());
        }
        let queue = self.tree(UNINDEXED)?;
        for kv in queue.iter() {
            let (k, v) = kv?;
            let ids = unindexed_ids(&k, &v);
            if !ids.iter().any(|id| lost.contains(*id)) {
                continue;
            }
            let kept: Vec<&str> = ids
                .into_iter()
                .filter(|id| !lost.contains(*id))
                .filter_map(|id| std::str::from_utf8(id).ok())
                .collect();
            if kept.is_empty() || k.first() != Some(&CHUNK) {
                queue.remove(&k)?;
            } else {
                queue.insert(&k, unindexed_chunk(kept.into_iter()))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::documents::tests::doc;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        (dir, s)
    }

    #[test]
    fn the_queue_is_read_in_both_shapes_and_in_steps() {
        let (_d, s) = store();
        let docs: Vec<_> = ["a1", "b2"]
            .iter()
            .map(|id| doc(id, "t-1", (2023, 3, 1), "诚信教育", ""))
            .collect();
        // A group's documents queued as the crawl commit queues them...
        let c = crate::store::frontier::Commit {
            documents: docs,
            ..Default::default()
        };
        s.commit(1, c).unwrap_or_else(|e| panic!("{e}"));
        // ...and one queued by id, as stores before schema 4 did.
        let queue = s.tree(UNINDEXED).unwrap_or_else(|e| panic!("{e}"));
        queue.insert("c3", &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(queue.len(), 2, "one key for the group");
        assert_eq!(
            s.unindexed().unwrap_or_else(|e| panic!("{e}")),
            ["c3", "a1", "b2"],
            "the old key sorts first"
        );
        let first = s
            .queued_documents(None, 1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.ids, ["c3"]);
        let rest = s
            .queued_documents(first.keys.last().map(Vec::as_slice), 1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest.ids, ["a1", "b2"], "whole entries");
        s.dequeue(&first.keys).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.unindexed().unwrap_or_else(|e| panic!("{e}")),
            ["a1", "b2"]
        );
        s.dequeue(&rest.keys).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.queue_is_empty().unwrap_or_else(|e| panic!("{e}")));
    }

    #[test]
    fn lost_documents_leave_the_queue() {
        let (_d, s) = store();
        let key = unindexed_chunk_key(7);
        let queue = s.tree(UNINDEXED).unwrap_or_else(|e| panic!("{e}"));
        queue
            .insert(key, unindexed_chunk(["a1", "b2", "c3"].into_iter()))
            .unwrap_or_else(|e| panic!("{e}"));
        queue.insert("d4", &[]).unwrap_or_else(|e| panic!("{e}"));
        let lost = [b"b2".to_vec(), b"d4".to_vec()].into_iter().collect();
        s.unqueue_documents(&lost).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.unindexed().unwrap_or_else(|e| panic!("{e}")),
            ["a1", "c3"]
        );
    }
}
