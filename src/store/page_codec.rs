//! The compact binary form of page records, written for every URL a crawl fetches: integers as
//! LEB128, times as seconds and nanoseconds, strings with a LEB128 length, absent fields only
//! in the flags. About a third of the JSON's bytes and no escaping; JSON records of stores
//! written before schema 4 are still read.

use super::bin::{put_text, put_time, put_varint, role_code, role_of, Reader};
use super::pages::{PageRecord, RECORDS};
use super::{decode, Result, StoreError};

/// Format version, the first byte of every encoded record (JSON starts with `{`).
const RECORD_V1: u8 = 2;

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

pub(crate) fn encode_record(p: &PageRecord) -> Vec<u8> {
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

/// A page record stored under URL number `id`, binary or (older stores) JSON.
pub(crate) fn decode_record(id: u64, v: &[u8]) -> Result<PageRecord> {
    if v.first() == Some(&b'{') {
        return decode(RECORDS, v);
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
            let v = encode_record(p);
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
