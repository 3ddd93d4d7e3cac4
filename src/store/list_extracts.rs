//! The `list_extracts` tree: what the extraction of a list page's stored snapshot yielded, so a
//! list page answered 304 (most of them, most nights) is followed without reading its snapshot
//! back or parsing it again. An entry is used only for the same snapshot, the same final URL and
//! the same list definition (a fingerprint of the compiled list, the URL normaliser and this
//! govtrust's version); anything else re-extracts and replaces it.
//!
//! With the extraction go the numbers ([`super::urls`]) of its items' links, so the details a
//! quiet night does not visit are decided from their schedules alone, without a lookup of each
//! URL in `urls` (a random read of a large tree, once per detail per night).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use url::Url;

use super::bin::Reader;
use super::typed::{Codec, POSTCARD_V1};
use super::{decode, Result, Store, StoreError};
use crate::model::{ListItem, ListPage};

pub(crate) const LIST_EXTRACTS: &str = "list_extracts";

/// The list-extraction result of one list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListExtract {
    /// Content hash of the snapshot it was extracted from.
    pub hash: String,
    /// The fingerprint of the list definition it was extracted under (the crawl's, opaque here).
    pub fingerprint: String,
    pub final_url: String,
    pub page: ListPage,
    /// The number of each item's link, in item order (0: no link, or none known when it was
    /// stored); empty when stored without numbers. Written by the store's commit, which
    /// numbers the links it queues; whatever a caller puts here is not stored.
    #[serde(skip)]
    pub ids: Vec<u64>,
}

impl ListExtract {
    /// The item links whose numbers the commit stores with the extraction.
    pub(crate) fn links(&self) -> Vec<Option<String>> {
        self.page
            .items
            .iter()
            .map(|i| i.link.as_ref().map(|l| l.to_string()))
            .collect()
    }
}

/// The first byte of a value in the hand-written binary form of schemas 5–6; values stored
/// before schema 5 are JSON (`{`), without numbers; since schema 7 [`POSTCARD_V1`].
const LIST_V1: u8 = 1;

/// An item as stored since schema 7 ([`Codec::Postcard`]).
#[derive(Serialize, Deserialize)]
struct ItemShape {
    link: Option<String>,
    title: Option<String>,
    /// Days from the common era.
    date: Option<i32>,
    fields: BTreeMap<String, String>,
    key: String,
}

/// An extraction as stored since schema 7, without its items' numbers (they follow it) and
/// without the captures (which a stored extraction does not keep; the list page's JSON form
/// skips them when empty, which postcard could not read back).
#[derive(Serialize, Deserialize)]
struct ExtractShape {
    hash: String,
    fingerprint: String,
    final_url: String,
    page_count: Option<u32>,
    next: Option<String>,
    items: Vec<ItemShape>,
}

const LINK: u8 = 1;
const TITLE: u8 = 2;
const DATE: u8 = 4;

/// The extraction in compact binary, [`Codec::Postcard`] over [`ExtractShape`] (the numbers
/// follow, appended by [`encode_value`]): decoding JSON was a tenth of a quiet night's CPU, at
/// ten thousand list pages a night.
pub(crate) fn encode_body(x: &ListExtract) -> Vec<u8> {
    Codec::Postcard.encode(&ExtractShape {
        hash: x.hash.clone(),
        fingerprint: x.fingerprint.clone(),
        final_url: x.final_url.clone(),
        page_count: x.page.page_count,
        next: x.page.next.as_ref().map(|u| u.to_string()),
        items: x
            .page
            .items
            .iter()
            .map(|i| ItemShape {
                link: i.link.as_ref().map(|u| u.to_string()),
                title: i.title.clone(),
                date: i.date.map(|d| d.num_days_from_ce()),
                fields: i.fields.clone(),
                key: i.key.clone(),
            })
            .collect(),
    })
}

fn decode_shape(v: &[u8]) -> Option<(ListExtract, &[u8])> {
    let (s, rest): (ExtractShape, &[u8]) = Codec::Postcard.decode_prefix(v).ok()?;
    let url = |u: String| Url::parse(&u).ok();
    let items = s
        .items
        .into_iter()
        .map(|i| {
            Some(ListItem {
                link: match i.link {
                    Some(l) => Some(url(l)?),
                    None => None,
                },
                title: i.title,
                date: match i.date {
                    Some(d) => Some(NaiveDate::from_num_days_from_ce_opt(d)?),
                    None => None,
                },
                fields: i.fields,
                key: i.key,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let next = match s.next {
        Some(n) => Some(url(n)?),
        None => None,
    };
    let x = ListExtract {
        hash: s.hash,
        fingerprint: s.fingerprint,
        final_url: s.final_url,
        page: ListPage {
            items,
            page_count: s.page_count,
            next,
            captures: BTreeMap::new(),
        },
        ids: Vec::new(),
    };
    Some((x, rest))
}

/// The hand-written form of schemas 5–6, no longer written: kept for the tests that check it is
/// still read and for `benches/codec.rs`.
pub(crate) fn encode_legacy_body(x: &ListExtract) -> Vec<u8> {
    use super::bin::{put_text, put_varint};
    let mut out = Vec::with_capacity(256 + 160 * x.page.items.len());
    out.push(LIST_V1);
    put_text(&mut out, &x.hash);
    put_text(&mut out, &x.fingerprint);
    put_text(&mut out, &x.final_url);
    put_varint(&mut out, x.page.page_count.map_or(0, |n| u64::from(n) + 1));
    put_text(&mut out, x.page.next.as_ref().map_or("", |u| u.as_str()));
    put_varint(&mut out, x.page.items.len() as u64);
    for i in &x.page.items {
        let flags = if i.link.is_some() { LINK } else { 0 }
            | if i.title.is_some() { TITLE } else { 0 }
            | if i.date.is_some() { DATE } else { 0 };
        out.push(flags);
        if let Some(l) = &i.link {
            put_text(&mut out, l.as_str());
        }
        if let Some(t) = &i.title {
            put_text(&mut out, t);
        }
        if let Some(d) = i.date {
            out.extend_from_slice(&d.num_days_from_ce().to_le_bytes());
        }
        put_varint(&mut out, i.fields.len() as u64);
        for (k, v) in &i.fields {
            put_text(&mut out, k);
            put_text(&mut out, v);
        }
        put_text(&mut out, &i.key);
    }
    out
}

/// A stored value: the body, then its items' numbers, 8 bytes each, big-endian.
pub(crate) fn encode_value(body: &[u8], ids: &[u64]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 8 * ids.len());
    v.extend_from_slice(body);
    for id in ids {
        v.extend_from_slice(&id.to_be_bytes());
    }
    v
}

fn decode_binary(v: &[u8]) -> Option<(ListExtract, &[u8])> {
    let mut r = Reader(v);
    if r.bytes(1)?[0] != LIST_V1 {
        return None;
    }
    let (hash, fingerprint, final_url) = (r.text()?, r.text()?, r.text()?);
    let page_count = match r.varint()? {
        0 => None,
        n => Some(u32::try_from(n - 1).ok()?),
    };
    let next = match r.text()? {
        n if n.is_empty() => None,
        n => Some(Url::parse(&n).ok()?),
    };
    let n = usize::try_from(r.varint()?).ok()?;
    let mut items = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let flags = r.bytes(1)?[0];
        let link = if flags & LINK != 0 {
            Some(Url::parse(&r.text()?).ok()?)
        } else {
            None
        };
        let title = if flags & TITLE != 0 {
            Some(r.text()?)
        } else {
            None
        };
        let date = if flags & DATE != 0 {
            let days = i32::from_le_bytes(r.bytes(4)?.try_into().ok()?);
            Some(NaiveDate::from_num_days_from_ce_opt(days)?)
        } else {
            None
        };
        let mut fields = BTreeMap::new();
        for _ in 0..r.varint()? {
            let k = r.text()?;
            fields.insert(k, r.text()?);
        }
        let key = r.text()?;
        items.push(ListItem {
            link,
            title,
            date,
            fields,
            key,
        });
    }
    let x = ListExtract {
        hash,
        fingerprint,
        final_url,
        page: ListPage {
            items,
            page_count,
            next,
            captures: BTreeMap::new(),
        },
        ids: Vec::new(),
    };
    Some((x, r.0))
}

pub(crate) fn decode_value(url: &str, v: &[u8]) -> Result<ListExtract> {
    let corrupt = || StoreError::Corrupt {
        tree: LIST_EXTRACTS.into(),
        key: url.to_string(),
    };
    let (mut x, ids) = match v.first() {
        Some(b'{') => (decode::<ListExtract>(LIST_EXTRACTS, v)?, &[][..]),
        Some(&POSTCARD_V1) => decode_shape(v).ok_or_else(corrupt)?,
        _ => decode_binary(v).ok_or_else(corrupt)?,
    };
    if ids.len() % 8 != 0 {
        return Err(corrupt());
    }
    x.ids = ids
        .chunks_exact(8)
        .map(|c| u64::from_be_bytes(c.try_into().unwrap_or_default()))
        .collect();
    // Numbers that do not match the items one to one are not used.
    if x.ids.len() != x.page.items.len() {
        x.ids.clear();
    }
    Ok(x)
}

impl Store {
    /// The stored extraction of list page `url`, if any.
    pub fn list_extract(&self, url: &str) -> Result<Option<ListExtract>> {
        match self.tree(LIST_EXTRACTS)?.get(url.as_bytes())? {
            Some(v) => Ok(Some(decode_value(url, &v)?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::encode;

    fn extract(links: &[Option<&str>]) -> ListExtract {
        let items = links
            .iter()
            .enumerate()
            .map(|(n, l)| ListItem {
                link: l.and_then(|l| Url::parse(l).ok()),
                title: (n % 2 == 0).then(|| format!("关于第{n}批“双随机”抽查结果的公示")),
                date: NaiveDate::from_ymd_opt(2026, 1 + n as u32, 17),
                fields: (n == 1)
                    .then(|| [("决定机关".to_string(), "桐柏县市场监督管理局".to_string())])
                    .into_iter()
                    .flatten()
                    .collect(),
                key: format!("k{n}"),
            })
            .collect();
        ListExtract {
            hash: "h".into(),
            fingerprint: "f".into(),
            final_url: "http://x/list".into(),
            page: ListPage {
                items,
                page_count: Some(12),
                next: Url::parse("http://x/list_2.html").ok(),
                captures: BTreeMap::new(),
            },
            ids: Vec::new(),
        }
    }

    fn get(v: &[u8]) -> ListExtract {
        decode_value("u", v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn extractions_round_trip_with_their_numbers() {
        let x = extract(&[Some("http://x/1"), None, Some("http://x/2?a=1&b=二")]);
        let body = encode_body(&x);
        let got = get(&encode_value(&body, &[7, 0, u64::MAX]));
        assert_eq!(got.ids, vec![7, 0, u64::MAX]);
        assert_eq!(
            (&got.hash, &got.fingerprint, &got.final_url, &got.page),
            (&x.hash, &x.fingerprint, &x.final_url, &x.page)
        );
        assert_eq!(
            x.links(),
            vec![
                Some("http://x/1".into()),
                None,
                Some("http://x/2?a=1&b=%E4%BA%8C".into())
            ]
        );
        let bare = ListExtract {
            page: ListPage::default(),
            ..x.clone()
        };
        assert_eq!(get(&encode_value(&encode_body(&bare), &[])).page, bare.page);
        // Numbers that do not pair with the items are not used.
        assert!(get(&encode_value(&body, &[7])).ids.is_empty());
        assert!(get(&body).ids.is_empty());
    }

    #[test]
    fn binary_values_of_schemas_5_and_6_are_read() {
        let x = extract(&[Some("http://x/1"), None, Some("http://x/2?a=1&b=二")]);
        let body = encode_legacy_body(&x);
        assert_eq!(body[0], LIST_V1);
        let got = get(&encode_value(&body, &[7, 0, 9]));
        assert_eq!((&got.page, &got.ids[..]), (&x.page, &[7, 0, 9][..]));
        let mut torn = encode_value(&body, &[7, 0, 9]);
        torn.pop();
        assert!(decode_value("u", &torn).is_err());
    }

    #[test]
    fn json_values_of_earlier_stores_are_read() {
        let x = extract(&[Some("http://x/1"), Some("http://x/2")]);
        let json = encode(&x);
        let old = get(&json);
        assert_eq!((&old.page, old.ids.len()), (&x.page, 0));
    }

    #[test]
    fn a_damaged_value_names_the_tree_and_the_page() {
        let x = extract(&[Some("http://x/1"), Some("http://x/2")]);
        let body = encode_body(&x);
        let mut torn_number = encode_value(&body, &[7, 8]);
        torn_number.pop();
        let mut bad_link = body.clone();
        let at = bad_link
            .windows(10)
            .position(|w| w == b"http://x/1")
            .unwrap_or_else(|| panic!("link stored"));
        bad_link[at..at + 4].copy_from_slice(b"::::");
        for v in [
            torn_number,
            body[..body.len() / 2].to_vec(),
            bad_link,
            vec![9u8, 1, 2],
        ] {
            match decode_value("http://x/list", &v) {
                Err(StoreError::Corrupt { tree, key }) => {
                    assert_eq!(
                        (tree.as_str(), key.as_str()),
                        (LIST_EXTRACTS, "http://x/list")
                    )
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
