//! A fixed-size Bloom filter of byte keys, shared by a store handle's clones: "certainly not"
//! or "maybe". The store keeps two — URLs whose `urls` entry the handle wrote ([`super::urls`])
//! and the content hashes of stored snapshots ([`super::snapshots`]) — to skip random reads of
//! large trees whose answer is almost always "absent".

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// 2^23 bits (1 MiB); with four hashes, one look in fifty says "maybe" falsely at a million
/// keys, one in five thousand at 200,000.
const BITS: u64 = 1 << 23;
const HASHES: u64 = 4;

pub(crate) struct KeyFilter {
    bits: Vec<AtomicU64>,
}

impl KeyFilter {
    /// A filter that says "maybe" to every key: the safe answer when its keys cannot be read.
    pub(crate) fn everything() -> KeyFilter {
        KeyFilter {
            bits: (0..BITS / 64).map(|_| AtomicU64::new(u64::MAX)).collect(),
        }
    }
}

impl Default for KeyFilter {
    fn default() -> Self {
        KeyFilter {
            bits: (0..BITS / 64).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl KeyFilter {
    fn positions(key: &[u8]) -> impl Iterator<Item = u64> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let h = h.finish();
        let (a, b) = (h & 0xffff_ffff, (h >> 32) | 1);
        (0..HASHES).map(move |i| a.wrapping_add(i.wrapping_mul(b)) % BITS)
    }

    pub(crate) fn insert(&self, key: &[u8]) {
        for p in Self::positions(key) {
            self.bits[(p / 64) as usize].fetch_or(1 << (p % 64), Ordering::SeqCst);
        }
    }

    /// False only for a key never inserted.
    pub(crate) fn may_contain(&self, key: &[u8]) -> bool {
        Self::positions(key)
            .all(|p| self.bits[(p / 64) as usize].load(Ordering::SeqCst) & (1 << (p % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_has_every_inserted_key() {
        let f = KeyFilter::default();
        let keys: Vec<String> = (0..20_000).map(|i| format!("http://x/{i}.html")).collect();
        for k in &keys[..10_000] {
            f.insert(k.as_bytes());
        }
        assert!(keys[..10_000].iter().all(|k| f.may_contain(k.as_bytes())));
        let false_hits = keys[10_000..]
            .iter()
            .filter(|k| f.may_contain(k.as_bytes()))
            .count();
        assert!(false_hits < 10, "{false_hits}");
    }
}
