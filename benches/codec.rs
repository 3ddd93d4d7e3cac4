//! The store's record codecs on the records a crawl writes for nearly every URL every night —
//! page records, page schedules, run events and list extractions: the postcard forms of schema 7
//! (the store's typed codec over a stored shape per record) against the hand-written binary
//! forms of schemas 4–6 they replaced, and, for page records, postcard straight over the
//! record's serde derive (times as RFC 3339 text) and JSON. The records are real ones, read from
//! the crawled store of `tests/fixtures/store-v5.tar.gz` (four simulated sites: Hanweb,
//! TrueCMS, TRS and the court list). For each family and codec it prints encode + decode time
//! per record and bytes per record, after checking that every record reads back equal.
//!
//! Run: `cargo bench --bench codec` (`GOVTRUST_BENCH_CODEC_MS`, default 400, per measurement).

use std::path::Path;
use std::time::{Duration, Instant};

use govtrust::store::codecs;
use govtrust::store::list_extracts::ListExtract;
use govtrust::store::pages::{PageSchedule, Role};
use govtrust::store::Store;
use serde::{Deserialize, Serialize};

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

type Encode<T> = Box<dyn Fn(&T) -> Vec<u8>>;
type Decode<T> = Box<dyn Fn(&[u8]) -> T>;

/// One codec of one family: encode a record, decode bytes back.
struct Codec<T> {
    name: &'static str,
    encode: Encode<T>,
    decode: Decode<T>,
}

fn codec<T>(
    name: &'static str,
    encode: impl Fn(&T) -> Vec<u8> + 'static,
    decode: impl Fn(&[u8]) -> T + 'static,
) -> Codec<T> {
    Codec {
        name,
        encode: Box::new(encode),
        decode: Box::new(decode),
    }
}

/// Encodes and decodes every record until `budget` has passed: (ns per record, bytes per
/// record).
fn measure<T: PartialEq + std::fmt::Debug>(
    records: &[T],
    c: &Codec<T>,
    budget: Duration,
) -> (f64, f64) {
    let bytes: usize = records.iter().map(|r| (c.encode)(r).len()).sum();
    for r in records {
        let back = (c.decode)(&(c.encode)(r));
        assert_eq!(&back, r, "{} does not read back what it wrote", c.name);
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for r in records {
            let v = (c.encode)(std::hint::black_box(r));
            std::hint::black_box((c.decode)(&v));
        }
        n += records.len() as u64;
    }
    (
        start.elapsed().as_nanos() as f64 / n as f64,
        bytes as f64 / records.len() as f64,
    )
}

fn report<T: PartialEq + std::fmt::Debug>(
    family: &str,
    records: &[T],
    codecs: &[Codec<T>],
    budget: Duration,
) {
    let mut first: Option<(f64, f64)> = None;
    for c in codecs {
        let (ns, bytes) = measure(records, c, budget);
        let (ns0, b0) = *first.get_or_insert((ns, bytes));
        println!(
            "{family:<14} {:<22} {:>9.0} {:>8.1}   {:>6.2}× {:>6.2}×",
            c.name,
            ns,
            bytes,
            ns / ns0,
            bytes / b0
        );
    }
}

fn post<T: Serialize>(v: &T) -> Vec<u8> {
    postcard::to_allocvec(v).unwrap_or_else(|e| panic!("{e}"))
}

fn unpost<T: for<'de> Deserialize<'de>>(v: &[u8]) -> T {
    postcard::from_bytes(v).unwrap_or_else(|e| panic!("{e}"))
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_else(|e| panic!("{e}"))
}

fn unjson<T: for<'de> Deserialize<'de>>(v: &[u8]) -> T {
    serde_json::from_slice(v).unwrap_or_else(|e| panic!("{e}"))
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("GOVTRUST_BENCH_CODEC_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(400),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tar = std::process::Command::new("tar")
        .arg("xzf")
        .arg(root.join("tests/fixtures/store-v5.tar.gz"))
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap_or_else(|e| panic!("tar: {e}"));
    assert!(tar.success(), "tar failed");
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let pages = store.pages().unwrap_or_else(|e| panic!("{e}"));
    let schedules: Vec<PageSchedule> = pages
        .iter()
        .filter_map(|p| store.page_schedule(&p.url).ok().flatten())
        .collect();
    let events = store.run_events(1).unwrap_or_else(|e| panic!("{e}"));
    let extracts: Vec<(ListExtract, Vec<u64>)> = pages
        .iter()
        .filter(|p| p.role == Role::List)
        .filter_map(|p| store.list_extract(&p.url).ok().flatten())
        .map(|mut x| {
            let ids = std::mem::take(&mut x.ids);
            (x, ids)
        })
        .collect();
    let items: usize = extracts.iter().map(|(x, _)| x.page.items.len()).sum();
    println!(
        "records from the fixture's crawl: {} page records, {} schedules, {} run events, {} list extractions ({items} items)",
        pages.len(),
        schedules.len(),
        events.len(),
        extracts.len()
    );
    println!(
        "{:<14} {:<22} {:>9} {:>8}   {:>7} {:>7}",
        "family", "codec", "ns/rec", "B/rec", "time", "bytes"
    );

    report(
        "page_records",
        &pages,
        &[
            codec("hand (schema 6)", codecs::encode_page_record_v6, |v| {
                codecs::decode_page_record(v).unwrap_or_else(|e| panic!("{e}"))
            }),
            codec("postcard (schema 7)", codecs::encode_page_record, |v| {
                codecs::decode_page_record(v).unwrap_or_else(|e| panic!("{e}"))
            }),
            codec("postcard, derive", post, unpost),
            codec("json", json, unjson),
        ],
        budget,
    );
    let schedule = |v: &[u8]| PageSchedule::decode(v).unwrap_or_else(|| panic!("schedule"));
    report(
        "page_schedules",
        &schedules,
        &[
            codec("hand (schema 6)", codecs::encode_schedule_v6, schedule),
            codec("postcard (schema 7)", PageSchedule::encode, schedule),
        ],
        budget,
    );
    let event = |v: &[u8]| codecs::decode_run_event(v).unwrap_or_else(|e| panic!("{e}"));
    report(
        "run_events",
        &events,
        &[
            codec("hand (schema 6)", codecs::encode_run_event_v6, event),
            codec("postcard (schema 7)", codecs::encode_run_event, event),
            codec("json", json, unjson),
        ],
        budget,
    );
    let extract = |v: &[u8]| -> (ListExtract, Vec<u64>) {
        let mut x = codecs::decode_list_extract(v).unwrap_or_else(|e| panic!("{e}"));
        let ids = std::mem::take(&mut x.ids);
        (x, ids)
    };
    report(
        "list_extracts",
        &extracts,
        &[
            codec(
                "hand (schema 6)",
                |x: &(ListExtract, Vec<u64>)| codecs::encode_list_extract_v6(&x.0, &x.1),
                extract,
            ),
            codec(
                "postcard (schema 7)",
                |x: &(ListExtract, Vec<u64>)| codecs::encode_list_extract(&x.0, &x.1),
                extract,
            ),
        ],
        budget,
    );
}
