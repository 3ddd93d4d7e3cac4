//! The `snapshots` tree: raw response bytes stored once per blake3 content hash, deflate-
//! compressed. The proof shown when a unit disputes a finding, so they are never rewritten.

use std::io::{Read, Write};

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::{Result, Store, StoreError};

/// The content address of a body.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

pub(crate) fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 16),
        // Level 1: several times faster than the default and within a few per cent of its
        // size on HTML; snapshots are written once per crawled page.
        Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

impl Store {
    /// The raw bytes of a snapshot.
    pub fn snapshot(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let Some(v) = self.tree("snapshots")?.get(hash.as_bytes())? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        ZlibDecoder::new(&v[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                StoreError::Aborted(format!("snapshot {hash} does not decompress: {e}"))
            })?;
        Ok(Some(out))
    }

    pub fn snapshot_count(&self) -> Result<usize> {
        Ok(self.tree("snapshots")?.len())
    }
}
