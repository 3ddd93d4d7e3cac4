//! Property tests: every record family the store encodes reads back as it was written, through
//! the codec its tree uses — the postcard forms of page records, schedules, run events and list
//! extractions, and the hand-written forms of schemas 4–6 that stores still hold, and the JSON
//! of the shared records (documents, facts) — over arbitrary records
//! within each form's domain (strings below the 64 KiB a u16 length holds; times to the
//! microsecond where the form keeps microseconds).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use url::Url;

use super::list_extracts::{
    decode_value, encode_body, encode_legacy_body, encode_value, ListExtract,
};
use super::page_codec::{decode_record, encode_legacy, encode_record};
use super::pages::{PageRecord, PageSchedule, Role};
use super::runs::{decode_event, encode_event, encode_legacy_event, Change, RunEvent};
use crate::model::fact::{Fact, Provenance, Value};
use crate::model::{AttachmentRef, Document, DocumentKind, ListItem, ListPage};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9:/._%-]{0,40}",
        "[桐柏县人民政府关于印发通知公告]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(60).collect()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

/// An exact time between 1970 and 2100.
fn time_ns() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or_default())
}

/// A time to the microsecond.
fn time_us() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800_000_000)
        .prop_map(|us| DateTime::from_timestamp_micros(us).unwrap_or_default())
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::List), Just(Role::Detail), Just(Role::Attachment)]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2100, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
}

fn url() -> impl Strategy<Value = Url> {
    (
        "[a-z]{1,8}",
        "[a-z0-9/_]{0,20}",
        proptest::option::of("[a-z=0-9&]{1,12}"),
    )
        .prop_map(|(host, path, q)| {
            let u = match q {
                Some(q) => format!("http://{host}.sim/{path}?{q}"),
                None => format!("http://{host}.sim/{path}"),
            };
            Url::parse(&u).unwrap_or_else(|e| panic!("{u}: {e}"))
        })
}

fn fields() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(text(), text(), 0..4)
}

prop_compose! {
    fn page_record()(
        (url, redirected, source, role, status) in (text(), opt_text(), text(), role(), any::<u16>()),
        (error, etag, last_modified, content_type, hash, charset) in
            (opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        (bytes, run, first_run, changed_run, streak) in
            (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u32>()),
        (fetched_at, changed_at, next_due) in (time_ns(), time_ns(), proptest::option::of(time_ns())),
        gone_run in proptest::option::of(any::<u64>()),
        attachments in proptest::option::of(proptest::collection::vec(text(), 0..4)),
    ) -> PageRecord {
        PageRecord {
            final_url: redirected.unwrap_or_else(|| url.clone()),
            url, source, role, status, error, etag, last_modified, content_type, hash, charset,
            bytes, fetched_at, run, first_run, changed_run, changed_at,
            unchanged_streak: streak, next_due, gone_run, attachments,
        }
    }
}

prop_compose! {
    fn schedule()(
        (source, role, has_content) in (text(), role(), any::<bool>()),
        (fetched_at, next_due) in (time_us(), proptest::option::of(time_us())),
        (run, unchanged_streak, gone_run) in (any::<u64>(), any::<u32>(), proptest::option::of(any::<u64>())),
        attachments in proptest::option::of(proptest::collection::vec(text(), 0..4)),
    ) -> PageSchedule {
        PageSchedule { source, role, has_content, fetched_at, run, unchanged_streak, next_due, gone_run, attachments }
    }
}

prop_compose! {
    fn event()(
        (url, host, source, status) in (text(), text(), text(), text()),
        (role, change) in (role(), prop_oneof![
            Just(Change::New), Just(Change::Changed), Just(Change::Unchanged),
            Just(Change::Gone), Just(Change::NotDue), Just(Change::Failed)]),
        (bytes, requests, retries, documents) in (any::<u64>(), any::<u32>(), any::<u32>(), any::<u32>()),
        at in time_us(),
        capped_at in proptest::option::of(any::<u32>()),
    ) -> RunEvent {
        RunEvent { url, host, source, role, status, change, bytes, requests, retries, documents, at, capped_at }
    }
}

prop_compose! {
    fn item()(
        link in proptest::option::of(url()),
        title in opt_text(),
        date in proptest::option::of(date()),
        fields in fields(),
        key in text(),
    ) -> ListItem {
        ListItem { link, title, date, fields, key }
    }
}

prop_compose! {
    fn extract()(
        (hash, fingerprint, final_url) in (text(), text(), text()),
        items in proptest::collection::vec(item(), 0..6),
        page_count in proptest::option::of(0u32..u32::MAX),
        next in proptest::option::of(url()),
        numbered in any::<bool>(),
    ) -> ListExtract {
        let ids = if numbered { (1..=items.len() as u64).collect() } else { Vec::new() };
        ListExtract {
            hash, fingerprint, final_url,
            page: ListPage { items, page_count, next, captures: BTreeMap::new() },
            ids,
        }
    }
}

prop_compose! {
    fn document()(
        (id, source, list, record, url, page_url, snapshot) in
            (text(), text(), opt_text(), any::<bool>(), text(), text(), text()),
        (title, published, publisher, index_no, doc_no, body) in
            (opt_text(), proptest::option::of(date()), opt_text(), opt_text(), opt_text(), text()),
        attachments in proptest::collection::vec((text(), text()), 0..3),
        (unit, unit_basis, fields, run, extracted_at) in
            (opt_text(), opt_text(), fields(), any::<u64>(), time_ns()),
    ) -> Document {
        Document {
            id, source, list,
            kind: if record { DocumentKind::Record } else { DocumentKind::Article },
            url, page_url, snapshot, title, published, publisher, index_no, doc_no, body,
            attachments: attachments.into_iter().map(|(url, name)| AttachmentRef { url, name }).collect(),
            unit, unit_basis, fields, run, extracted_at,
        }
    }
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::Amount),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::Rate),
        any::<bool>().prop_map(Value::Bool),
        date().prop_map(Value::Date),
        proptest::collection::vec(text(), 0..4).prop_map(Value::List),
    ]
}

fn provenance() -> impl Strategy<Value = Provenance> {
    prop_oneof![
        (text(), opt_text(), any::<u32>(), opt_text()).prop_map(|(file, sheet, row, note)| {
            Provenance::Submission {
                file,
                sheet,
                row,
                note,
            }
        }),
        proptest::collection::vec(text(), 0..3).prop_map(|evidence| Provenance::Web { evidence }),
        (text(), time_ns(), text()).prop_map(|(by, at, reason)| Provenance::Manual {
            by,
            at,
            reason
        }),
    ]
}

prop_compose! {
    fn fact()(
        (period, unit, item, field) in (text(), text(), text(), text()),
        value in value(),
        provenance in provenance(),
        recorded_at in time_ns(),
    ) -> Fact {
        Fact { period, unit, item, field, value, provenance, recorded_at }
    }
}

proptest! {
    #[test]
    fn page_records_round_trip(p in page_record()) {
        let old = decode_record(1, &encode_legacy(&p)).ok();
        prop_assert_eq!(old.as_ref(), Some(&p));
        prop_assert_eq!(decode_record(1, &encode_record(&p)).ok(), Some(p));
    }

    #[test]
    fn schedules_round_trip(s in schedule()) {
        let old = PageSchedule::decode(&s.encode_legacy());
        prop_assert_eq!(old.as_ref(), Some(&s));
        prop_assert_eq!(PageSchedule::decode(&s.encode()), Some(s));
    }

    #[test]
    fn run_events_round_trip(e in event()) {
        let old = decode_event(b"", &encode_legacy_event(&e)).ok();
        prop_assert_eq!(old.as_ref(), Some(&e));
        prop_assert_eq!(decode_event(b"", &encode_event(&e)).ok(), Some(e));
    }

    #[test]
    fn list_extracts_round_trip(x in extract()) {
        let old = decode_value("u", &encode_value(&encode_legacy_body(&x), &x.ids)).ok();
        prop_assert_eq!(old.as_ref(), Some(&x));
        let v = encode_value(&encode_body(&x), &x.ids);
        prop_assert_eq!(decode_value("u", &v).ok(), Some(x));
    }

    #[test]
    fn documents_round_trip(d in document()) {
        prop_assert_eq!(super::decode::<Document>("documents", &super::encode(&d)).ok(), Some(d));
    }

    #[test]
    fn facts_round_trip(f in fact()) {
        let back = super::decode::<Fact>("facts", &super::encode(&f)).ok();
        prop_assert_eq!(back, Some(f));
    }
}
