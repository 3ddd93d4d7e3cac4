//! The `snapshots` tree: raw response bytes stored once per blake3 content hash, deflate-
//! compressed, in the value log ([`super::values`]). The proof shown when a unit disputes a
//! finding, so they are never rewritten.

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
    // One compressor per thread, reset between snapshots: setting up deflate's window and
    // tables for every page cost more than compressing a typical page at level 1.
    thread_local! {
        static DEFLATE: std::cell::RefCell<flate2::Compress> =
            // Level 1: several times faster than the default and within a few per cent of its
            // size on HTML; snapshots are written once per crawled page.
            std::cell::RefCell::new(flate2::Compress::new(Compression::fast(), true));
    }
    DEFLATE.with(|d| {
        let mut d = d.borrow_mut();
        d.reset();
        let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
        loop {
            let before = d.total_in() as usize;
            let status = d.compress_vec(&bytes[before..], &mut out, flate2::FlushCompress::Finish);
            match status {
                Ok(flate2::Status::StreamEnd) => return out,
                Ok(_) => out.reserve(out.capacity().max(64)),
                // Compressing into a Vec fails only on a broken stream state; fall back to a
                // fresh encoder rather than storing nothing.
                Err(_) => return compress_fresh(bytes),
            }
        }
    })
}

fn compress_fresh(bytes: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 16),
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
        let v = self.resolve_value("snapshots", hash.as_bytes(), &v)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        ZlibDecoder::new(z)
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn the_reused_compressor_round_trips_and_is_deterministic() {
        let mut big = Vec::new();
        let mut x: u32 = 7;
        for _ in 0..600_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            big.push((x >> 24) as u8);
        }
        let html = "<html><body>桐柏县人民政府 政务公开</body></html>".repeat(500);
        for input in [&b""[..], b"x", html.as_bytes(), &big, html.as_bytes()] {
            let z = compress(input);
            assert_eq!(inflate(&z), input);
            assert_eq!(compress(input), z, "same bytes, same snapshot");
        }
    }
}
