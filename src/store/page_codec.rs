//! The stored form of page records, written for every URL a crawl fetches: since schema 7 the
//! store's postcard codec ([`Codec::Postcard`]) over [`PageShape`] — times as integer seconds
//! and nanoseconds, the final URL only when a redirect made it differ — which is as small as
//! the hand-written binary form it replaced (`benches/codec.rs`). Records of older stores are
//! still read: the hand-written form of schemas 4–6 (first byte 2: flags for the absent fields,
//! LEB128 integers, strings with a LEB128 length) and the JSON of stores before schema 4.

use serde::{Deserialize, Serialize};

use super::bin::{role_of, Reader};
use super::pages::{PageRecord, Role, RECORDS};
use super::typed::Codec;
use super::{decode, Result, StoreError};

/// Format version of the hand-written form of schemas 4–6 (JSON starts with `{`).
const RECORD_V1: u8 = 2;

/// An exact time: seconds and nanoseconds.
type Time = (i64, u32);

fn time(t: chrono::DateTime<chrono::Utc>) -> Time {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

fn at(t: Time) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.0, t.1)
}

/// A page record as stored: no field skipped, times as integers, the final URL only when it
/// differs from the URL.
#[derive(Serialize, Deserialize)]
struct PageShape {
    url: String,
    final_url: Option<String>,
    source: String,
    role: Role,
    status: u16,
    error: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    content_type: Option<String>,
    hash: Option<String>,
    charset: Option<String>,
    bytes: u64,
    fetched_at: Time,
    run: u64,
    first_run: u64,
    changed_run: u64,
    changed_at: Time,
    unchanged_streak: u32,
    next_due: Option<Time>,
    gone_run: Option<u64>,
    attachments: Option<Vec<String>>,
}

pub(crate) fn encode_record(p: &PageRecord) -> Vec<u8> {
    Codec::Postcard.encode(&PageShape {
        url: p.url.clone(),
        final_url: (p.final_url != p.url).then(|| p.final_url.clone()),
        source: p.source.clone(),
        role: p.role,
        status: p.status,
        error: p.error.clone(),
        etag: p.etag.clone(),
        last_modified: p.last_modified.clone(),
        content_type: p.content_type.clone(),
        hash: p.hash.clone(),
        charset: p.charset.clone(),
        bytes: p.bytes,
        fetched_at: time(p.fetched_at),
        run: p.run,
        first_run: p.first_run,
        changed_run: p.changed_run,
        changed_at: time(p.changed_at),
        unchanged_streak: p.unchanged_streak,
        next_due: p.next_due.map(time),
        gone_run: p.gone_run,
        attachments: p.attachments.clone(),
    })
}

fn decode_shape(v: &[u8]) -> Option<PageRecord> {
    let s: PageShape = Codec::Postcard.decode(v).ok()?;
    Some(PageRecord {
        final_url: s.final_url.unwrap_or_else(|| s.url.clone()),
        url: s.url,
        source: s.source,
        role: s.role,
        status: s.status,
        error: s.error,
        etag: s.etag,
        last_modified: s.last_modified,
        content_type: s.content_type,
        hash: s.hash,
        charset: s.charset,
        bytes: s.bytes,
        fetched_at: at(s.fetched_at)?,
        run: s.run,
        first_run: s.first_run,
        changed_run: s.changed_run,
        changed_at: at(s.changed_at)?,
        unchanged_streak: s.unchanged_streak,
        next_due: match s.next_due {
            Some(t) => Some(at(t)?),
            None => None,
        },
        gone_run: s.gone_run,
        attachments: s.attachments,
    })
}

const ROLE_MASK: u16 = 0b11;
const ERROR: u16 = 1 << 2;
const ETAG: u16 = 1 << 3;
const LAST_MODIFIED: u16 = 1 << 4;
const CONTENT_TYPE: u16 = 1 << 5;
const HASH: u16 = 1 << 6;
const CHARSET: u16 = 1 << 7;
const NEXT_DUE: u16 = 1 << 8;
const GONE_RUN: u16 = 1 << 9;
const ATTACHMENTS: u16 = 1 << 10;
/// The final URL differs from the URL (a redirect): stored, else implied.
const FINAL_URL: u16 = 1 << 11;

/// The hand-written form of schemas 4–6, no longer written: kept for the tests that check it is
/// still read and for `benches/codec.rs`, which weighs it against the postcard form.
pub(crate) fn encode_legacy(p: &PageRecord) -> Vec<u8> {
    use super::bin::{put_text, put_time, put_varint, role_code};
    let role = u16::from(role_code(p.role));
    let optional = [
        (ERROR, &p.error),
        (ETAG, &p.etag),
        (LAST_MODIFIED, &p.last_modified),
        (CONTENT_TYPE, &p.content_type),
        (HASH, &p.hash),
        (CHARSET, &p.charset),
    ];
    let mut flags = role;
    for (bit, v) in &optional {
        if v.is_some() {
            flags |= bit;
        }
    }
    flags |= if p.next_due.is_some() { NEXT_DUE } else { 0 }
        | if p.gone_run.is_some() { GONE_RUN } else { 0 }
        | if p.attachments.is_some() {
            ATTACHMENTS
        } else {
            0
        }
        | if p.final_url != p.url { FINAL_URL } else { 0 };
    let mut out = Vec::with_capacity(64 + p.url.len() + p.source.len() + 80);
    out.push(RECORD_V1);
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&p.status.to_le_bytes());
    for n in [
        p.bytes,
        p.run,
        p.first_run,
        p.changed_run,
        p.unchanged_streak.into(),
    ] {
        put_varint(&mut out, n);
    }
    put_time(&mut out, p.fetched_at);
    put_time(&mut out, p.changed_at);
    if let Some(t) = p.next_due {
        put_time(&mut out, t);
    }
    if let Some(r) = p.gone_run {
        put_varint(&mut out, r);
    }
    put_text(&mut out, &p.url);
    if flags & FINAL_URL != 0 {
        put_text(&mut out, &p.final_url);
    }
    put_text(&mut out, &p.source);
    for (_, v) in optional {
        if let Some(s) = v {
            put_text(&mut out, s);
        }
    }
    if let Some(a) = &p.attachments {
        put_varint(&mut out, a.len() as u64);
        for u in a {
            put_text(&mut out, u);
        }
    }
    out
}

fn decode_binary(v: &[u8]) -> Option<PageRecord> {
    let mut r = Reader(v);
    if r.bytes(1)?[0] != RECORD_V1 {
        return None;
    }
    let flags = u16::from_le_bytes(r.bytes(2)?.try_into().ok()?);
    let role = role_of((flags & ROLE_MASK) as u8)?;
    let status = u16::from_le_bytes(r.bytes(2)?.try_into().ok()?);
    let (bytes, run, first_run, changed_run) = (r.varint()?, r.varint()?, r.varint()?, r.varint()?);
    let unchanged_streak = u32::try_from(r.varint()?).ok()?;
    let fetched_at = r.time()?;
    let changed_at = r.time()?;
    let next_due = if flags & NEXT_DUE != 0 {
        Some(r.time()?)
    } else {
        None
    };
    let gone_run = if flags & GONE_RUN != 0 {
        Some(r.varint()?)
    } else {
        None
    };
    let url = r.text()?;
    let final_url = if flags & FINAL_URL != 0 {
        r.text()?
    } else {
        url.clone()
    };
    let source = r.text()?;
    let mut opt = |bit: u16| -> Option<Option<String>> {
        Some(if flags & bit != 0 {
            Some(r.text()?)
        } else {
            None
        })
    };
    let (error, etag, last_modified) = (opt(ERROR)?, opt(ETAG)?, opt(LAST_MODIFIED)?);
    let (content_type, hash, charset) = (opt(CONTENT_TYPE)?, opt(HASH)?, opt(CHARSET)?);
    let attachments = if flags & ATTACHMENTS != 0 {
        let n = usize::try_from(r.varint()?).ok()?;
        // Each URL takes at least its length byte: a count beyond the bytes left is damage.
        if n > r.0.len() {
            return None;
        }
        Some((0..n).map(|_| r.text()).collect::<Option<Vec<_>>>()?)
    } else {
        None
    };
    r.0.is_empty().then_some(PageRecord {
        url,
        final_url,
        source,
        role,
        status,
        error,
        etag,
        last_modified,
        content_type,
        hash,
        charset,
        bytes,
        fetched_at,
        run,
        first_run,
        changed_run,
        changed_at,
        unchanged_streak,
        next_due,
        gone_run,
        attachments,
    })
}

/// A page record stored under URL number `id`: postcard, or (older stores) the hand-written
/// binary form or JSON.
pub(crate) fn decode_record(id: u64, v: &[u8]) -> Result<PageRecord> {
    match v.first() {
        Some(b'{') => return decode(RECORDS, v),
        Some(&RECORD_V1) => {}
        _ => {
            return decode_shape(v).ok_or_else(|| StoreError::Corrupt {
                tree: RECORDS.into(),
                key: format!("#{id}"),
            })
        }
    }
    decode_binary(v).ok_or_else(|| StoreError::Corrupt {
        tree: RECORDS.into(),
        key: format!("#{id}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::pages::tests::record;
    use crate::store::pages::Role;
    use crate::store::typed::POSTCARD_V1;
    use chrono::{DateTime, Utc};

    #[test]
    fn records_round_trip_and_damage_is_an_error() {
        let at: DateTime<Utc> = "2026-11-26T01:02:03.456789123Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let full = PageRecord {
            final_url: "http://x/b".into(),
            error: Some("连接超时".into()),
            last_modified: Some("Wed, 25 Nov 2026 01:02:03 GMT".into()),
            gone_run: Some(9),
            ..record(at)
        };
        let bare = PageRecord {
            role: Role::List,
            etag: None,
            content_type: None,
            hash: None,
            charset: None,
            next_due: None,
            attachments: None,
            ..record(at)
        };
        let empty_list = PageRecord {
            role: Role::Attachment,
            attachments: Some(vec![]),
            ..record(at)
        };
        for p in [&full, &bare, &empty_list] {
            let legacy = encode_legacy(p);
            assert_eq!(decode_record(1, &legacy).ok().as_ref(), Some(p));
            let v = encode_record(p);
            assert_eq!(v[0], POSTCARD_V1);
            assert_eq!(decode_record(1, &v).ok().as_ref(), Some(p));
            assert!(v.len() < crate::store::encode(p).len() / 2, "{}", v.len());
            for bad in [&v[..v.len() - 1], &[&v[..], b"x"].concat()[..], &[7u8][..]] {
                match decode_record(1, bad) {
                    Err(StoreError::Corrupt { tree, key }) => {
                        assert_eq!((tree.as_str(), key.as_str()), (RECORDS, "#1"))
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        // JSON, as stores before schema 4 kept records.
        let json = crate::store::encode(&full);
        assert_eq!(decode_record(1, &json).ok(), Some(full));
    }
}
