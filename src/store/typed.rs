//! Typed trees: one tree of records of one type, named with its key codec and its value codec
//! ([`TreeSpec`]). This is how the stages above the store keep records the store knows nothing
//! of — the website-health reports, score snapshots, digests and alert deliveries — without the
//! store importing their types: the code naming the type lives in its stage (`health/stored.rs`,
//! `digest/stored.rs`, `alert/stored.rs`) and reaches sled only through this API.
//!
//! Values are written by the spec's [`Codec`]; reading one that does not decode is a
//! [`StoreError::Record`] naming the tree and key, which [`Store::skip_bad`]-style reads treat as
//! undecodable rather than as a failing store.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{TransactionError, Transactional};

use super::frontier::run_key;
use super::{Result, Store, StoreError};

/// How a tree's keys are written: they sort the way the tree is read.
pub trait Key: Sized {
    fn encode(&self) -> Vec<u8>;
    fn decode(bytes: &[u8]) -> Option<Self>;
}

/// A number, big-endian (so numbers sort in order).
impl Key for u64 {
    fn encode(&self) -> Vec<u8> {
        self.to_be_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Option<u64> {
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }
}

/// A run id as the run trees write it: 20 decimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunId(pub u64);

impl Key for RunId {
    fn encode(&self) -> Vec<u8> {
        run_key(self.0).into_bytes()
    }
    fn decode(bytes: &[u8]) -> Option<RunId> {
        let s = std::str::from_utf8(bytes).ok()?;
        (s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok().map(RunId))
            .flatten()
    }
}

/// A run id and a sequence number within it (20 digits each, NUL between).
impl Key for (RunId, u64) {
    fn encode(&self) -> Vec<u8> {
        super::key(&[run_key(self.0 .0), format!("{:020}", self.1)])
    }
    fn decode(bytes: &[u8]) -> Option<(RunId, u64)> {
        let i = bytes.iter().position(|b| *b == 0)?;
        let seq = std::str::from_utf8(&bytes[i + 1..]).ok()?;
        if seq.len() != 20 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((RunId::decode(&bytes[..i])?, seq.parse().ok()?))
    }
}

/// The first byte of a value written by [`Codec::Postcard`]: neither JSON (`{`, `[`, `"`) nor
/// a version byte of the hand-written binary forms before schema 7 (1, 2), so a tree that
/// holds older values beside new ones tells them apart by it.
pub const POSTCARD_V1: u8 = 0xC1;

/// How a tree's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// JSON, untagged: what every JSON tree has always held (a value starts with `{`, `[` or
    /// `"`). Kept for records whose serde attributes a non-self-describing format would
    /// misread (`skip_serializing_if`, `default`, `flatten`, untagged enums) and for records
    /// whose JSON is also an API shape.
    Json,
    /// postcard (serde, varint integers, no field names) after the [`POSTCARD_V1`] tag byte:
    /// for records written for nearly every URL every night, through a stored shape that has
    /// no attribute skipping a field (postcard is not self-describing: a skipped field would
    /// shift every field after it).
    Postcard,
}

impl Codec {
    pub fn encode<V: Serialize>(self, value: &V) -> Vec<u8> {
        match self {
            Codec::Json => super::encode(value),
            Codec::Postcard => postcard::to_extend(value, vec![POSTCARD_V1])
                .expect("serialising a store record cannot fail"),
        }
    }

    /// A value that is the whole of `bytes`.
    pub fn decode<V: DeserializeOwned>(self, bytes: &[u8]) -> std::result::Result<V, String> {
        match self.decode_prefix(bytes)? {
            (v, []) => Ok(v),
            (_, rest) => Err(format!("{} bytes after the record", rest.len())),
        }
    }

    /// A value at the start of `bytes`, and the bytes after it (a JSON value is the whole).
    pub fn decode_prefix<V: DeserializeOwned>(
        self,
        bytes: &[u8],
    ) -> std::result::Result<(V, &[u8]), String> {
        match self {
            Codec::Json => serde_json::from_slice(bytes)
                .map(|v| (v, &[][..]))
                .map_err(|e| e.to_string()),
            Codec::Postcard => match bytes.split_first() {
                Some((&POSTCARD_V1, body)) => {
                    postcard::take_from_bytes(body).map_err(|e| e.to_string())
                }
                Some((b, _)) => Err(format!("not a postcard record (first byte {b:#04x})")),
                None => Err("empty value".into()),
            },
        }
    }
}

/// A tree of `V` records keyed by `K`: its name and value codec.
pub struct TreeSpec<K, V> {
    pub name: &'static str,
    pub codec: Codec,
    _types: PhantomData<fn(K) -> V>,
}

impl<K, V> TreeSpec<K, V> {
    pub const fn new(name: &'static str, codec: Codec) -> TreeSpec<K, V> {
        TreeSpec {
            name,
            codec,
            _types: PhantomData,
        }
    }
}

/// An open typed tree.
pub struct Tree<K, V> {
    name: &'static str,
    codec: Codec,
    tree: sled::Tree,
    _types: PhantomData<fn(K) -> V>,
}

/// One write of a record, for [`Store::put_together`].
pub struct Write {
    tree: sled::Tree,
    key: Vec<u8>,
    value: Vec<u8>,
}

impl Store {
    /// The tree `spec` names, typed.
    pub fn typed<K: Key, V: Serialize + DeserializeOwned>(
        &self,
        spec: &TreeSpec<K, V>,
    ) -> Result<Tree<K, V>> {
        Ok(Tree {
            name: spec.name,
            codec: spec.codec,
            tree: self.tree(spec.name)?,
            _types: PhantomData,
        })
    }

    /// Writes records of several trees in one transaction (all or none), then flushes.
    pub fn put_together(&self, writes: Vec<Write>) -> Result<()> {
        let _gate = self.write_gate();
        let trees: Vec<sled::Tree> = writes.iter().map(|w| w.tree.clone()).collect();
        trees[..]
            .transaction(|views| {
                for (view, w) in views.iter().zip(&writes) {
                    view.insert(w.key.as_slice(), w.value.as_slice())?;
                }
                Ok(())
            })
            .map_err(|e: TransactionError<String>| match e {
                TransactionError::Abort(m) => StoreError::Aborted(m),
                TransactionError::Storage(s) => StoreError::Sled(s),
            })?;
        self.flush()
    }
}

impl<K: Key, V: Serialize + DeserializeOwned> Tree<K, V> {
    fn value(&self, k: &[u8], v: &[u8]) -> Result<V> {
        self.codec.decode(v).map_err(|why| StoreError::Record {
            tree: self.name.to_string(),
            key: show(k),
            why,
        })
    }

    fn entry(&self, k: &[u8], v: &[u8]) -> Result<(K, V)> {
        let key = K::decode(k).ok_or_else(|| StoreError::Corrupt {
            tree: self.name.to_string(),
            key: show(k),
        })?;
        Ok((key, self.value(k, v)?))
    }

    pub fn get(&self, key: &K) -> Result<Option<V>> {
        let k = key.encode();
        match self.tree.get(&k)? {
            Some(v) => Ok(Some(self.value(&k, &v)?)),
            None => Ok(None),
        }
    }

    /// Writes one record (not flushed: the caller flushes, [`Store::flush`]).
    pub fn put(&self, key: &K, value: &V) -> Result<()> {
        self.tree.insert(key.encode(), self.codec.encode(value))?;
        Ok(())
    }

    /// The write of one record, to be made with others by [`Store::put_together`].
    pub fn write(&self, key: &K, value: &V) -> Write {
        Write {
            tree: self.tree.clone(),
            key: key.encode(),
            value: self.codec.encode(value),
        }
    }

    /// The record with the greatest key.
    pub fn last(&self) -> Result<Option<(K, V)>> {
        match self.tree.last()? {
            Some((k, v)) => Ok(Some(self.entry(&k, &v)?)),
            None => Ok(None),
        }
    }

    /// The record with the greatest key below `key`.
    pub fn last_before(&self, key: &K) -> Result<Option<(K, V)>> {
        match self.tree.range(..key.encode()).next_back() {
            Some(kv) => {
                let (k, v) = kv?;
                Ok(Some(self.entry(&k, &v)?))
            }
            None => Ok(None),
        }
    }

    /// The records with keys from `from` (included) to `to` (excluded), in key order.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, V)>> {
        self.tree
            .range(from.encode()..to.encode())
            .map(|kv| {
                let (k, v) = kv?;
                self.entry(&k, &v)
            })
            .collect()
    }

    /// Every record, in key order.
    pub fn all(&self) -> Result<Vec<(K, V)>> {
        self.tree
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                self.entry(&k, &v)
            })
            .collect()
    }
}

/// What a record of a tree kept by a stage above the store rests on, as its stage reads it:
/// what `store compact` keeps for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rests {
    /// Snapshots it rests on (a stored inspection's proofs), always kept.
    pub snapshots: Vec<String>,
    /// Snapshots kept while the record's run is one of the runs retention keeps (the column
    /// pages an inspection read): the run and the snapshots.
    pub recent: Option<(u64, Vec<String>)>,
}

type Check = Box<dyn Fn(&[u8], &[u8]) -> std::result::Result<Rests, String> + Send + Sync>;

/// The typed trees of the stages above the store, as `store verify` and `store compact` read
/// them: for each tree, how its records decode and what they rest on. Built by the layer that
/// knows every stage (`crate::records::registry`) and passed in, so the store's care commands
/// check records whose types the store does not know.
#[derive(Default)]
pub struct Records {
    checks: std::collections::BTreeMap<&'static str, Check>,
}

impl Records {
    /// Registers `spec`'s tree: its records decode by its key and value codecs, and rest on
    /// what `rests` says.
    pub fn register<K, V>(
        &mut self,
        spec: &TreeSpec<K, V>,
        rests: impl Fn(&K, &V) -> Rests + Send + Sync + 'static,
    ) where
        K: Key + 'static,
        V: DeserializeOwned + 'static,
    {
        let codec = spec.codec;
        self.checks.insert(
            spec.name,
            Box::new(move |k, v| {
                let key = K::decode(k).ok_or_else(|| "键无法解码".to_string())?;
                let value: V = codec.decode(v).map_err(|e| format!("无法解码：{e}"))?;
                Ok(rests(&key, &value))
            }),
        );
    }

    /// Whether `tree` is registered.
    pub fn knows(&self, tree: &str) -> bool {
        self.checks.contains_key(tree)
    }

    /// The registered trees, by name.
    pub fn trees(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.checks.keys().copied()
    }

    /// Decodes one entry of `tree`: what it rests on, or why it does not decode; `None` when
    /// the tree is not registered.
    pub fn check(
        &self,
        tree: &str,
        k: &[u8],
        v: &[u8],
    ) -> Option<std::result::Result<Rests, String>> {
        self.checks.get(tree).map(|c| c(k, v))
    }
}

/// A key as an error names it: text with its NUL separators as `/`, else a number or hex.
pub(crate) fn show(k: &[u8]) -> String {
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\0') => s.replace('\0', "/"),
        _ => match <[u8; 8]>::try_from(k) {
            Ok(n) => format!("#{}", u64::from_be_bytes(n)),
            Err(_) => k.iter().map(|b| format!("{b:02x}")).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Note {
        text: String,
        n: u32,
    }

    const NOTES: TreeSpec<(RunId, u64), Note> = TreeSpec::new("notes", Codec::Json);
    const BY_RUN: TreeSpec<u64, Note> = TreeSpec::new("by_run", Codec::Json);

    fn note(n: u32) -> Note {
        Note {
            text: format!("第{n}条"),
            n,
        }
    }

    #[test]
    fn keys_round_trip_and_sort_in_order() {
        for k in [(RunId(0), 0), (RunId(7), 12), (RunId(u64::MAX), u64::MAX)] {
            assert_eq!(<(RunId, u64)>::decode(&k.encode()), Some(k));
        }
        assert!((RunId(9), 99).encode() < (RunId(10), 0).encode());
        assert!(9u64.encode() < 256u64.encode());
        assert_eq!(<(RunId, u64)>::decode(b"12\x0034"), None);
        assert_eq!(RunId::decode(b"0000000000000000000x"), None);
        assert_eq!(u64::decode(b"short"), None);
    }

    #[test]
    fn a_typed_tree_reads_what_it_wrote_and_names_what_does_not_decode() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let notes = store.typed(&NOTES).unwrap_or_else(|e| panic!("{e}"));
        let by_run = store.typed(&BY_RUN).unwrap_or_else(|e| panic!("{e}"));
        for (run, seq) in [(2, 1), (1, 2), (1, 1), (3, 0)] {
            notes
                .put(&(RunId(run), seq), &note(run as u32 * 10 + seq as u32))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let run1 = notes
            .range(&(RunId(1), 0), &(RunId(2), 0))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            run1,
            vec![((RunId(1), 1), note(11)), ((RunId(1), 2), note(12))]
        );
        assert_eq!(
            notes.last().unwrap_or_else(|e| panic!("{e}")),
            Some(((RunId(3), 0), note(30)))
        );
        assert_eq!(
            notes
                .last_before(&(RunId(2), 0))
                .unwrap_or_else(|e| panic!("{e}")),
            Some(((RunId(1), 2), note(12)))
        );
        assert_eq!(notes.all().map(|a| a.len()).ok(), Some(4));
        // Two trees in one write.
        store
            .put_together(vec![
                notes.write(&(RunId(4), 0), &note(40)),
                by_run.write(&4, &note(4)),
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(by_run.get(&4).ok().flatten(), Some(note(4)));
        assert_eq!(notes.get(&(RunId(4), 0)).ok().flatten(), Some(note(40)));
        // A damaged value: an undecodable record naming its tree and key.
        store
            .tree("by_run")
            .and_then(|t| Ok(t.insert(5u64.encode(), &b"{\"text\":1}"[..])?))
            .unwrap_or_else(|e| panic!("{e}"));
        match by_run.get(&5) {
            Err(e @ StoreError::Record { .. }) => {
                assert!(e.is_undecodable());
                assert!(e.to_string().contains("by_run #5"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
}
