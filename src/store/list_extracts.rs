//! The `list_extracts` tree: what the extraction of a list page's stored snapshot yielded, so a
//! list page answered 304 (most of them, most nights) is followed without reading its snapshot
//! back or parsing it again. An entry is used only for the same snapshot, the same final URL and
//! the same list definition (a fingerprint of the compiled list, the URL normaliser and this
//! govtrust's version); anything else re-extracts and replaces it.
//!
//! With the extraction go the numbers ([`super::urls`]) of its items' links, so the details a
//! quiet night does not visit are decided from their schedules alone, without a lookup of each
//! URL in `urls` (a random read of a large tree, once per detail per night).

use serde::{Deserialize, Serialize};

use super::{decode, encode, Result, Store, StoreError};
use crate::extract::list::ListPage;

pub(crate) const LIST_EXTRACTS: &str = "list_extracts";

/// The list-extraction result of one list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListExtract {
    /// Content hash of the snapshot it was extracted from.
    pub hash: String,
    /// See [`crate::crawl`]'s list fingerprint: the definition it was extracted under.
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

/// A stored value: the extraction's JSON, then — after a zero byte, which JSON text never
/// contains — its items' numbers, 8 bytes each, big-endian. Values stored before numbers were
/// kept are the JSON alone.
pub(crate) fn encode_value(json: &[u8], ids: &[u64]) -> Vec<u8> {
    let mut v = Vec::with_capacity(json.len() + 1 + 8 * ids.len());
    v.extend_from_slice(json);
    v.push(0);
    for id in ids {
        v.extend_from_slice(&id.to_be_bytes());
    }
    v
}

pub(crate) fn encode_json(x: &ListExtract) -> Vec<u8> {
    encode(x)
}

fn decode_value(url: &str, v: &[u8]) -> Result<ListExtract> {
    let (json, ids) = match v.iter().position(|b| *b == 0) {
        Some(at) => (&v[..at], &v[at + 1..]),
        None => (v, &[][..]),
    };
    if ids.len() % 8 != 0 {
        return Err(StoreError::Corrupt {
            tree: LIST_EXTRACTS.into(),
            key: url.to_string(),
        });
    }
    let mut x: ListExtract = decode(LIST_EXTRACTS, json)?;
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
    use crate::extract::list::ListItem;

    fn extract(links: &[Option<&str>]) -> ListExtract {
        ListExtract {
            hash: "h".into(),
            fingerprint: "f".into(),
            final_url: "http://x/list".into(),
            page: ListPage {
                items: links
                    .iter()
                    .map(|l| ListItem {
                        link: l.and_then(|l| url::Url::parse(l).ok()),
                        title: None,
                        date: None,
                        fields: Default::default(),
                        key: String::new(),
                    })
                    .collect(),
                ..ListPage::default()
            },
            ids: Vec::new(),
        }
    }

    #[test]
    fn numbers_round_trip_and_old_values_have_none() {
        let x = extract(&[Some("http://x/1"), None, Some("http://x/2")]);
        let json = encode_json(&x);
        let got = decode_value("u", &encode_value(&json, &[7, 0, u64::MAX]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.ids, vec![7, 0, u64::MAX]);
        assert_eq!(got.page, x.page);
        assert_eq!(
            x.links(),
            vec![Some("http://x/1".into()), None, Some("http://x/2".into())]
        );
        // Stored before numbers were kept: the JSON alone.
        let old = decode_value("u", &json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((old.page, old.ids), (x.page.clone(), vec![]));
        // Numbers that do not pair with the items are not used.
        let short = decode_value("u", &encode_value(&json, &[7])).unwrap_or_else(|e| panic!("{e}"));
        assert!(short.ids.is_empty());
        // A torn number names the tree and the page.
        let mut torn = encode_value(&json, &[7, 8, 9]);
        torn.pop();
        match decode_value("http://x/list", &torn) {
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
