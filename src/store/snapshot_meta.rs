//! The `snapshot_meta` tree: for each snapshot, the content type it was served with, the
//! charset the crawler decoded it by, and the URL it was first fetched from — written with the
//! snapshot itself ([`super::Store::commit_prepared`]) and never changed, like the bytes. A page
//! record holds only its latest fetch, so once the page changed an older snapshot's type would
//! otherwise be lost (the viewer served it as octet-stream) or need a scan of every page.
//! Snapshots stored before this tree have no entry; readers fall back (see `serve::api`).

use super::bin::{put_str, Reader};
use super::pages::PageRecord;
use super::{Result, Store};

pub(crate) const SNAPSHOT_META: &str = "snapshot_meta";

/// Format version, the first byte of every value.
const META_V1: u8 = 1;

/// How a snapshot was served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub url: String,
}

impl SnapshotMeta {
    pub fn of(p: &PageRecord) -> SnapshotMeta {
        SnapshotMeta {
            content_type: p.content_type.clone(),
            charset: p.charset.clone(),
            url: p.final_url.clone(),
        }
    }

    /// Version, a flag byte (bit 0: content type, bit 1: charset), the strings present, the URL.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![
            META_V1,
            u8::from(self.content_type.is_some()) | u8::from(self.charset.is_some()) << 1,
        ];
        for s in [&self.content_type, &self.charset].into_iter().flatten() {
            put_str(&mut out, s);
        }
        put_str(&mut out, &self.url);
        out
    }

    pub(crate) fn decode(v: &[u8]) -> Option<SnapshotMeta> {
        let mut r = Reader(v);
        if r.bytes(1)? != [META_V1] {
            return None;
        }
        let flags = r.bytes(1)?[0];
        let content_type = if flags & 1 != 0 { Some(r.str()?) } else { None };
        let charset = if flags & 2 != 0 { Some(r.str()?) } else { None };
        Some(SnapshotMeta {
            content_type,
            charset,
            url: r.str()?,
        })
    }
}

impl Store {
    /// How the snapshot `hash` was served; `None` for one stored before this was kept (or an
    /// entry that does not decode: the viewer then falls back as for an old one).
    pub fn snapshot_meta(&self, hash: &str) -> Result<Option<SnapshotMeta>> {
        let Some(v) = self.tree(SNAPSHOT_META)?.get(hash.as_bytes())? else {
            return Ok(None);
        };
        let meta = SnapshotMeta::decode(&v);
        if meta.is_none() {
            tracing::warn!(hash, "snapshot_meta entry does not decode; ignored");
        }
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_damage_is_none() {
        for m in [
            SnapshotMeta {
                content_type: Some("text/html; charset=GBK".into()),
                charset: Some("gb18030".into()),
                url: "http://zxgk.court.sim/list.html".into(),
            },
            SnapshotMeta {
                content_type: None,
                charset: None,
                url: String::new(),
            },
        ] {
            let v = m.encode();
            assert_eq!(SnapshotMeta::decode(&v), Some(m));
            assert_eq!(SnapshotMeta::decode(&v[..v.len() - 1]), None);
        }
        assert_eq!(SnapshotMeta::decode(&[9, 0, 0, 0]), None);
    }
}
