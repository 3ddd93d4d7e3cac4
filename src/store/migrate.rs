//! Upgrading a store written by an earlier schema. Schemas 1 and 2 keyed page records, their
//! schedules, run events and the seen set by URL; schema 3 keys them by the URL's number
//! ([`super::urls`]). The upgrade copies the old trees into the new ones and drops the old ones
//! only once the new schema is recorded, so an upgrade interrupted at any point is done again
//! from the start on the next open.

use super::frontier::run_key;
use super::pages::{PageRecord, PageSchedule, RECORDS, SCHEDULES};
use super::runs::{decode_event, encode_event, event_key, EVENTS};
use super::urls::{id_key, UrlEntry, URLS};
use super::{decode, Result, Store};

/// Trees no longer written: the URL-keyed trees of schemas 1 and 2, and schema 5's posting lists.
const OLD_TREES: [&str; 10] = [
    "pages",
    "page_schedules",
    "events",
    "seen",
    // The sled posting lists of schema 5, replaced by the search index (`crate::search`).
    "doc_by_date",
    "doc_by_unit",
    "doc_by_source",
    "doc_by_kind",
    "doc_terms",
    "doc_indexed",
];

/// Re-keys a schema-1 or -2 store by URL number; returns the number of page records moved.
pub(crate) fn number_urls(store: &Store) -> Result<usize> {
    for t in [URLS, RECORDS, SCHEDULES, EVENTS] {
        store.tree(t)?.clear()?;
    }
    let urls = store.tree(URLS)?;
    let records = store.tree(RECORDS)?;
    let schedules = store.tree(SCHEDULES)?;
    let mut moved = 0;
    for kv in store.tree("pages")?.iter() {
        let (url, v) = kv?;
        let p: PageRecord = decode("pages", &v)?;
        let id = number(store, &urls, &p.url)?.id;
        if p.url.as_bytes() != url.as_ref() {
            // Every record's key was its own URL; one that was not is kept under its URL.
            tracing::warn!(key = %String::from_utf8_lossy(&url), url = %p.url, "page record under another key");
        }
        schedules.insert(id_key(id), PageSchedule::of(&p).encode())?;
        records.insert(id_key(id), &v[..])?;
        moved += 1;
    }
    // The seen set: (run, NUL, URL) → frontier key. Only the run is kept.
    for k in store.tree("seen")?.iter().keys() {
        let k = k?;
        let Some((run, url)) = split_run_key(&k) else {
            continue;
        };
        let old = number(store, &urls, url)?;
        let e = UrlEntry {
            id: old.id,
            queued_run: old.queued_run.max(run),
        };
        urls.insert(url.as_bytes(), &e.encode()[..])?;
    }
    let events = store.tree(EVENTS)?;
    for kv in store.tree("events")?.iter() {
        let (k, v) = kv?;
        let Some((run, _)) = split_run_key(&k) else {
            continue;
        };
        let e = decode_event(&k, &v)?;
        let id = number(store, &urls, &e.url)?.id;
        events.insert(event_key(run, id), encode_event(&e))?;
    }
    store.flush()?;
    Ok(moved)
}

/// `url`'s entry, numbered now if it has none. Written to the tree directly, not through the
/// handle's filter of written URLs: the store is still being opened, so no crawl worker has
/// read an entry yet, and filling the filter with every URL would make the first crawl after an
/// upgrade distrust all its workers' reads.
fn number(store: &Store, urls: &sled::Tree, url: &str) -> Result<UrlEntry> {
    if let Some(v) = urls.get(url.as_bytes())? {
        return UrlEntry::decode(url.as_bytes(), &v);
    }
    let e = UrlEntry {
        id: store.next_id()?,
        queued_run: 0,
    };
    urls.insert(url.as_bytes(), &e.encode()[..])?;
    Ok(e)
}

/// Drops the trees of [`OLD_TREES`] (after [`number_urls`] and the new schema are durable):
/// schema 5's posting lists too, on every open, since a store once marked 6 by a govtrust that
/// still wrote them may hold them.
pub(crate) fn drop_old_trees(store: &Store) -> Result<()> {
    let names = store.db.tree_names();
    let mut dropped = false;
    for t in OLD_TREES {
        if names.iter().any(|n| &n[..] == t.as_bytes()) {
            store.db.drop_tree(t)?;
            dropped = true;
        }
    }
    if dropped {
        store.flush()?;
    }
    Ok(())
}

/// `(run, url)` of a key `RUN NUL URL` as schemas 1 and 2 wrote them.
fn split_run_key(k: &[u8]) -> Option<(u64, &str)> {
    let width = run_key(0).len();
    if k.len() <= width || k[width] != 0 {
        return None;
    }
    let run = std::str::from_utf8(&k[..width]).ok()?.parse().ok()?;
    Some((run, std::str::from_utf8(&k[width + 1..]).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::pages::Role;
    use crate::store::runs::{Change, RunEvent};
    use chrono::{DateTime, Utc};

    fn record(url: &str, at: DateTime<Utc>) -> PageRecord {
        PageRecord {
            url: url.into(),
            final_url: url.into(),
            ..crate::store::pages::tests::record(at)
        }
    }

    fn assert_schema_current(s: &Store) {
        let meta = s.tree("meta").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            meta.get("schema_version").ok().flatten().as_deref(),
            Some(super::super::SCHEMA_VERSION.to_string().as_bytes())
        );
    }

    #[test]
    fn a_schema_2_store_is_renumbered_on_open_and_reads_the_same() {
        let at = crate::store::pages::tests::at();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let event = |url: &str| RunEvent {
            url: url.into(),
            host: "x".into(),
            source: "sim-tongbai".into(),
            role: Role::Detail,
            status: "200".into(),
            change: Change::Unchanged,
            bytes: 5,
            requests: 1,
            retries: 0,
            documents: 0,
            at,
            capped_at: None,
        };
        let urls = ["http://x/c", "http://x/a", "http://x/b"];
        {
            // Written as schema 2 did: URL keys, the URL only in an event's key.
            let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            let put = |tree: &str, k: Vec<u8>, v: Vec<u8>| {
                s.tree(tree)
                    .and_then(|t| Ok(t.insert(k, v)?))
                    .unwrap_or_else(|e| panic!("{e}"));
            };
            let rk = run_key(2);
            for u in urls {
                put(
                    "pages",
                    u.as_bytes().to_vec(),
                    crate::store::encode(&record(u, at)),
                );
                let mut v = serde_json::to_value(event(u)).unwrap_or_default();
                v.as_object_mut().map(|o| o.remove("url"));
                put(
                    "events",
                    crate::store::key(&[rk.as_str(), u]),
                    crate::store::encode(&v),
                );
            }
            // An interrupted run 3 had queued one of them.
            put(
                "seen",
                crate::store::key(&[run_key(3).as_str(), "http://x/a"]),
                vec![1],
            );
            for t in [URLS, RECORDS, SCHEDULES, EVENTS] {
                s.db.drop_tree(t).unwrap_or_else(|e| panic!("{e}"));
            }
            s.tree("meta")
                .and_then(|t| Ok(t.insert("schema_version", &b"2"[..])?))
                .unwrap_or_else(|e| panic!("{e}"));
            s.flush().unwrap_or_else(|e| panic!("{e}"));
        }
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let pages = s.pages().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            pages.iter().map(|p| p.url.as_str()).collect::<Vec<_>>(),
            ["http://x/a", "http://x/b", "http://x/c"]
        );
        assert_eq!(
            s.page("http://x/b").ok(),
            Some(Some(record("http://x/b", at)))
        );
        assert_eq!(
            s.page_schedule("http://x/b").ok().flatten(),
            Some(PageSchedule::of(&record("http://x/b", at)))
        );
        let events = s.run_events(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            events,
            ["http://x/a", "http://x/b", "http://x/c"].map(event)
        );
        assert!(s.seen(3, "http://x/a").unwrap_or_else(|e| panic!("{e}")));
        assert!(!s.seen(3, "http://x/b").unwrap_or_else(|e| panic!("{e}")));
        let names = s.db.tree_names();
        for t in OLD_TREES {
            assert!(
                !names.iter().any(|n| &n[..] == t.as_bytes()),
                "{t} left behind"
            );
        }
        assert_schema_current(&s);
    }

    #[test]
    fn a_schema_3_store_opens_as_it_is() {
        let at = crate::store::pages::tests::at();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let rec = record("http://x/a", at);
        {
            let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            s.put_page(&rec).unwrap_or_else(|e| panic!("{e}"));
            s.tree("meta")
                .and_then(|t| Ok(t.insert("schema_version", &b"3"[..])?))
                .unwrap_or_else(|e| panic!("{e}"));
            s.flush().unwrap_or_else(|e| panic!("{e}"));
        }
        // Nothing to renumber: schema 4 only added shapes that are read beside the old ones.
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.page("http://x/a").ok(), Some(Some(rec)));
        assert_schema_current(&s);
    }
}
