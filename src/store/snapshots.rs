//! The `snapshots` tree: raw response bytes stored once per blake3 content hash, compressed, in
//! the value log ([`super::values`]). The proof shown when a unit disputes a finding, so they are
//! never rewritten.
//!
//! New snapshots are LZ4 blocks (a tag byte, the raw length, the block): LZ4 compresses a typical
//! 2–10 kB page three to four times faster than deflate at level 1, which took a twentieth of the
//! crawl's CPU, for about a sixth more bytes. Snapshots written by earlier versions are zlib
//! streams and are read as they are.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use flate2::read::ZlibDecoder;

use super::filter::KeyFilter;
use super::{Result, Store, StoreError};

/// First byte of an LZ4 snapshot. A zlib stream starts with 0x78 (deflate, 32 KiB window).
const LZ4: u8 = 0x04;
const ZLIB: u8 = 0x78;
/// Larger than any body the crawler accepts: a length beyond it is damage, not a page.
const MAX_RAW: usize = 1 << 30;

/// The content address of a body.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

pub(crate) fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 5 + lz4_flex::block::get_maximum_output_size(bytes.len())];
    out[0] = LZ4;
    // Bodies are capped far below 4 GiB (`max_body_bytes`).
    out[1..5].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
    // The buffer has the maximum size a block can take, so this cannot fail.
    let n = lz4_flex::block::compress_into(bytes, &mut out[5..]).unwrap_or(0);
    out.truncate(5 + n);
    out
}

/// The raw bytes of a stored snapshot value, LZ4 or (written by earlier versions) zlib.
pub(crate) fn decompress(v: &[u8]) -> std::result::Result<Vec<u8>, String> {
    match v.first() {
        Some(&LZ4) => {
            let len: [u8; 4] = v
                .get(1..5)
                .and_then(|b| b.try_into().ok())
                .ok_or("cut short")?;
            let len = u32::from_le_bytes(len) as usize;
            if len > MAX_RAW {
                return Err(format!("claims {len} bytes"));
            }
            let mut out = vec![0u8; len];
            let n =
                lz4_flex::block::decompress_into(&v[5..], &mut out).map_err(|e| e.to_string())?;
            if n != len {
                return Err(format!("{n} bytes where {len} were stored"));
            }
            Ok(out)
        }
        Some(&ZLIB) => {
            let mut out = Vec::new();
            ZlibDecoder::new(v)
                .read_to_end(&mut out)
                .map_err(|e| e.to_string())?;
            Ok(out)
        }
        Some(b) => Err(format!("unknown encoding {b:#04x}")),
        None => Err("empty".into()),
    }
}

impl Store {
    /// The raw bytes of a snapshot.
    pub fn snapshot(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let Some(v) = self.tree("snapshots")?.get(hash.as_bytes())? else {
            return Ok(None);
        };
        let raw = self
            .resolve_value("snapshots", hash.as_bytes(), &v)
            .and_then(|v| {
                decompress(&v).map_err(|e| StoreError::Corrupt {
                    tree: "snapshots".into(),
                    key: format!("{hash} (does not decompress: {e})"),
                })
            });
        self.skip_bad("snapshots", hash.as_bytes(), raw)
    }

    pub fn snapshot_count(&self) -> Result<usize> {
        Ok(self.tree("snapshots")?.len())
    }

    /// Whether a snapshot of content hash `hash` is stored: asked by [`Store::commit_prepared`]
    /// (the only writer of snapshots) for each new hash, so a stored snapshot is never
    /// rewritten. See [`StoredSnapshots`] for how most asks avoid a read.
    pub(crate) fn snapshot_stored(&self, snapshots: &sled::Tree, hash: &str) -> Result<bool> {
        let s = &self.stored_snapshots;
        let filter = match s.filter.get() {
            Some(f) => f,
            None if s.lookups.fetch_add(1, Ordering::Relaxed) < LOOKUPS_BEFORE_FILTER => {
                return Ok(snapshots.contains_key(hash)?);
            }
            None => s.filter.get_or_init(|| read_filter(snapshots)),
        };
        Ok(filter.may_contain(hash.as_bytes()) && snapshots.contains_key(hash)?)
    }

    /// Notes a hash [`Store::commit_prepared`] has just stored (a filter not read yet will read
    /// it from the tree).
    pub(crate) fn snapshot_added(&self, hash: &str) {
        if let Some(f) = self.stored_snapshots.filter.get() {
            f.insert(hash.as_bytes());
        }
    }
}

/// Looking up a content hash in the `snapshots` tree is a random read (10 µs at 200,000
/// snapshots; 3 % of a first crawl's CPU at one per new page). A Bloom filter of the stored
/// hashes answers "certainly not stored" for nearly all of them without a read, but reading it
/// from the tree's keys takes as long as some 20,000 lookups (0.23 s at 200,000 snapshots). So
/// a handle looks its first hashes up — a quiet night stores a handful — and reads the filter
/// only once it has asked [`LOOKUPS_BEFORE_FILTER`] times: a busy night pays for at most that
/// many lookups (some 40 ms) more than with the filter from the start.
#[derive(Default)]
pub(crate) struct StoredSnapshots {
    filter: OnceLock<KeyFilter>,
    lookups: AtomicU64,
}

pub(crate) const LOOKUPS_BEFORE_FILTER: u64 = 4096;

/// The filter of the hashes in `snapshots`; should the keys not read, one that says "maybe" to
/// everything, so each hash is looked up.
fn read_filter(snapshots: &sled::Tree) -> KeyFilter {
    let started = std::time::Instant::now();
    let filter = KeyFilter::default();
    let read = snapshots.iter().keys().try_for_each(|k| {
        filter.insert(&k?);
        Ok::<_, sled::Error>(())
    });
    match read {
        Ok(()) => {
            tracing::debug!(took = ?started.elapsed(), "snapshot filter read");
            filter
        }
        Err(e) => {
            tracing::warn!(error = %e, "snapshot hashes unreadable; every new snapshot is looked up");
            KeyFilter::everything()
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A snapshot as versions before LZ4 stored it.
    pub(crate) fn zlib(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        e.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn snapshots_round_trip_deterministically_and_old_ones_still_read() {
        let mut big = Vec::new();
        let mut x: u32 = 7;
        for _ in 0..600_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            big.push((x >> 24) as u8);
        }
        let html = "<html><body>桐柏县人民政府 政务公开</body></html>".repeat(500);
        for input in [&b""[..], b"x", html.as_bytes(), &big] {
            let z = compress(input);
            assert_eq!(decompress(&z).as_deref(), Ok(input));
            assert_eq!(compress(input), z, "same bytes, same snapshot");
            assert_eq!(decompress(&zlib(input)).as_deref(), Ok(input));
        }
        assert!(compress(html.as_bytes()).len() < html.len() / 10);
    }

    #[test]
    fn damaged_snapshots_are_errors_not_panics() {
        let z = compress(b"<html>some page, some page, some page</html>");
        let mut huge = z.clone();
        huge[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut short = z.clone();
        short[1..5].copy_from_slice(&1u32.to_le_bytes());
        for bad in [
            &z[..3],
            &z[..z.len() - 2],
            &huge,
            &short,
            &[][..],
            &[0x55, 1, 2][..],
        ] {
            assert!(decompress(bad).is_err(), "{bad:?}");
        }
    }
}
