//! `govtrust export`: a WARC of a crawled simweb read back with the `warc` crate (an independent
//! reader), and evidence / score tables in jsonl, csv and xlsx read back (xlsx with calamine).

use std::collections::{BTreeMap, BTreeSet};

use calamine::{open_workbook, DataType, Reader, Xlsx};
use govtrust::export::tables::{export_evidence, export_scores};
use govtrust::export::warc::{export_warc, sha1_digest, WarcOptions, REVISIT_PROFILE};
use govtrust::export::Format;
use govtrust::store::frontier::Commit;
use govtrust::store::runs::{Change, RunEvent};
use warc::{RecordType, WarcHeader, WarcReader};

use super::*;

/// A page the crawl stored, copied under another URL with the same snapshot: a revisit.
fn add_duplicate(store: &Store, run: u64) -> (String, String) {
    let pages = store.pages().unwrap_or_else(|e| panic!("{e}"));
    let p = pages
        .iter()
        .find(|p| p.hash.is_some() && p.url.ends_with(".html"))
        .unwrap_or_else(|| panic!("no stored page"))
        .clone();
    let url = format!("{}?copy=1", p.url);
    let event = RunEvent {
        url: url.clone(),
        host: "www.tongbai.sim".into(),
        source: p.source.clone(),
        role: p.role,
        status: "200".into(),
        change: Change::New,
        bytes: p.bytes,
        requests: 1,
        retries: 0,
        documents: 0,
        at: p.fetched_at,
        capped_at: None,
    };
    let page = govtrust::store::pages::PageRecord {
        url: url.clone(),
        final_url: url.clone(),
        ..p.clone()
    };
    store
        .commit(
            run,
            Commit {
                page: Some(page),
                event: Some(event),
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    (url, p.hash.unwrap_or_default())
}

#[test]
fn warc_export_reads_back_with_an_independent_reader() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let o = rt.block_on(run_night(&project, &store, 1));
    let (dup_url, dup_hash) = add_duplicate(&store, o.run.id);
    let pages: BTreeMap<String, String> = store
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter_map(|p| Some((p.url.clone(), p.hash?)))
        .collect();
    let out = dir.path().join("all.warc.gz");
    let opts = WarcOptions {
        run: None,
        user_agent: "govtrust-test (+http://example.invalid/)".into(),
        now: None,
    };
    let s = export_warc(&store, &opts, &out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.pages, pages.len());
    assert!(s.revisits >= 1, "{s:?}");

    let reader = WarcReader::from_path_gzip(&out).unwrap_or_else(|e| panic!("{e}"));
    let mut types = Vec::new();
    let mut responses: BTreeMap<String, String> = BTreeMap::new();
    let mut requests = BTreeSet::new();
    let mut revisits = Vec::new();
    for r in reader.iter_records() {
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.warc_version(), "1.1");
        types.push(r.warc_type().clone());
        let uri = r.header(WarcHeader::TargetURI).map(|u| u.to_string());
        match r.warc_type() {
            RecordType::Response => {
                let uri = uri.unwrap_or_else(|| panic!("response without target URI"));
                let body = r.body();
                let split = body
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .unwrap_or_else(|| panic!("no HTTP head in {uri}"));
                assert!(body.starts_with(b"HTTP/1.1 200 OK\r\n"));
                let payload = &body[split + 4..];
                let stored = store
                    .snapshot(&pages[&uri])
                    .unwrap_or_else(|e| panic!("{e}"))
                    .unwrap_or_else(|| panic!("no snapshot"));
                assert_eq!(payload, &stored[..], "payload of {uri}");
                assert_eq!(
                    r.header(WarcHeader::PayloadDigest).map(|d| d.to_string()),
                    Some(sha1_digest(&stored))
                );
                responses.insert(uri, r.warc_id().to_string());
            }
            RecordType::Request => {
                let uri = uri.unwrap_or_else(|| panic!("request without target URI"));
                let body = String::from_utf8_lossy(r.body()).into_owned();
                // Hanweb's dataproxy is read by POSTs (the form after the head), the rest by GETs.
                assert!(
                    body.starts_with("GET /")
                        || (body.starts_with("POST /") && body.contains("columnid=")),
                    "{body}"
                );
                assert!(
                    body.contains("\r\nUser-Agent: govtrust-test (+http://example.invalid/)\r\n"),
                    "{body}"
                );
                let host = url::Url::parse(&uri)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string));
                assert!(
                    body.contains(&format!("\r\nHost: {}", host.unwrap_or_default())),
                    "{body}"
                );
                requests.insert(uri);
            }
            RecordType::Revisit => {
                assert_eq!(
                    r.header(WarcHeader::Profile).as_deref(),
                    Some(REVISIT_PROFILE)
                );
                let refers = r.header(WarcHeader::RefersTo).map(|v| v.to_string());
                revisits.push((uri.unwrap_or_default(), refers));
            }
            _ => {}
        }
    }
    assert_eq!(types.first(), Some(&RecordType::WarcInfo));
    let all: BTreeSet<String> = pages.keys().cloned().collect();
    let covered: BTreeSet<String> = responses
        .keys()
        .cloned()
        .chain(revisits.iter().map(|(u, _)| u.clone()))
        .collect();
    assert_eq!(covered, all);
    assert_eq!(requests, all);
    let (_, refers) = revisits
        .iter()
        .find(|(u, _)| *u == dup_url)
        .unwrap_or_else(|| panic!("no revisit for the duplicate"));
    let original = pages
        .iter()
        .find(|(u, h)| **h == dup_hash && **u != dup_url)
        .map(|(u, _)| u.clone())
        .unwrap_or_default();
    // The revisit points at whichever of the two URLs came first in URL order.
    let first = if original < dup_url {
        &original
    } else {
        &dup_url
    };
    if first == &original {
        assert_eq!(refers.as_ref(), responses.get(&original));
    }

    // The same store exported twice gives the same bytes (ids are derived, not random).
    let fixed = WarcOptions {
        now: Some(o.run.started_at),
        ..opts.clone()
    };
    let same = dir.path().join("same.warc.gz");
    let digest = || {
        export_warc(&store, &fixed, &same).unwrap_or_else(|e| panic!("{e}"));
        std::fs::read(&same)
            .map(|b| blake3::hash(&b))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(digest(), digest());

    // One run only: the pages that run obtained.
    let one = dir.path().join("run.warc.gz");
    let s1 = export_warc(
        &store,
        &WarcOptions {
            run: Some(o.run.id),
            ..opts.clone()
        },
        &one,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s1.pages, pages.len());
    assert!(export_warc(
        &store,
        &WarcOptions {
            run: Some(999_999),
            ..opts
        },
        &one
    )
    .is_err());

    // Tables.
    for format in [Format::Jsonl, Format::Csv, Format::Xlsx] {
        let ext = match format {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        };
        let ev_out = dir.path().join(format!("evidence.{ext}"));
        let n =
            export_evidence(&project, &store, format, &ev_out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, o.classify.evidence);
        let sc_out = dir.path().join(format!("scores.{ext}"));
        let m = export_scores(&project, &store, format, &sc_out).unwrap_or_else(|e| panic!("{e}"));
        let items: usize = o.board.units.iter().map(|u| u.items.len()).sum();
        assert_eq!(m, items);
        match format {
            Format::Jsonl => {
                let text = std::fs::read_to_string(&ev_out).unwrap_or_else(|e| panic!("{e}"));
                let first: serde_json::Value =
                    serde_json::from_str(text.lines().next().unwrap_or(""))
                        .unwrap_or_else(|e| panic!("{e}"));
                assert!(first["id"].is_string() && first["unit_name"].is_string());
                assert_eq!(text.lines().count(), n);
                let text = std::fs::read_to_string(&sc_out).unwrap_or_else(|e| panic!("{e}"));
                let u = &o.board.units[0];
                let row: serde_json::Value =
                    serde_json::from_str(text.lines().next().unwrap_or(""))
                        .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(row["unit"].as_str(), Some(u.id.as_str()));
                assert_eq!(row["score"].as_f64(), u.items[0].score);
            }
            Format::Csv => {
                let text = std::fs::read_to_string(&sc_out).unwrap_or_else(|e| panic!("{e}"));
                let mut rdr =
                    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
                let headers = rdr.headers().unwrap_or_else(|e| panic!("{e}")).clone();
                assert_eq!(headers.get(2), Some("单位"));
                let rows: Vec<csv::StringRecord> = rdr
                    .records()
                    .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
                    .collect();
                assert_eq!(rows.len(), m);
                assert_eq!(rows[0].get(1), Some(o.board.units[0].id.as_str()));
            }
            Format::Xlsx => {
                let mut wb: Xlsx<_> = open_workbook(&ev_out).unwrap_or_else(|e| panic!("{e}"));
                let range = wb.worksheet_range("证据").unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(range.height(), n + 1);
                assert_eq!(
                    range.get((0, 0)).map(|c| c.to_string()),
                    Some("证据编号".to_string())
                );
                let mut wb: Xlsx<_> = open_workbook(&sc_out).unwrap_or_else(|e| panic!("{e}"));
                let range = wb.worksheet_range("得分").unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(range.height(), m + 1);
                let u = &o.board.units[0];
                assert_eq!(range.get((1, 1)).map(|c| c.to_string()), Some(u.id.clone()));
                assert_eq!(range.get((1, 4)).and_then(|c| c.get_float()), Some(u.total));
            }
        }
    }
}

/// Reads a WARC with Python's warcio (`warcio check`, then every record's payload) and compares
/// it with the store. Needs `python3` with warcio (`pip install warcio`; `GOVTRUST_PYTHON` picks
/// another interpreter), so it is run on request: `cargo test --test ops -- --ignored warcio`.
#[test]
#[ignore = "needs python3 with warcio (pip install warcio)"]
fn warcio_reads_the_export() {
    use sha1::{Digest as _, Sha1};
    let python = std::env::var("GOVTRUST_PYTHON").unwrap_or_else(|_| "python3".into());
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let o = rt.block_on(run_night(&project, &store, 1));
    add_duplicate(&store, o.run.id);
    let out = dir.path().join("x.warc.gz");
    let opts = WarcOptions {
        run: None,
        user_agent: "govtrust-test (+http://example.invalid/)".into(),
        now: None,
    };
    let s = export_warc(&store, &opts, &out).unwrap_or_else(|e| panic!("{e}"));
    let check = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys; from warcio.cli import main; sys.exit(main(['check'] + sys.argv[1:]))",
        ])
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    assert!(
        check.status.success(),
        "warcio check: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let script = r#"
import sys, json, hashlib
from warcio.archiveiterator import ArchiveIterator
with open(sys.argv[1], 'rb') as f:
    for r in ArchiveIterator(f):
        body = r.content_stream().read() if r.rec_type in ('response', 'request') else b''
        print(json.dumps({'type': r.rec_type, 'uri': r.rec_headers.get_header('WARC-Target-URI'),
                          'profile': r.rec_headers.get_header('WARC-Profile'),
                          'sha1': hashlib.sha1(body).hexdigest()}))
"#;
    let read = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&read.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(records[0]["type"], "warcinfo");
    let count = |t: &str| records.iter().filter(|r| r["type"] == t).count();
    assert_eq!(
        (count("response"), count("revisit"), count("request")),
        (s.responses, s.revisits, s.requests)
    );
    for r in records.iter().filter(|r| r["type"] == "response") {
        let uri = r["uri"].as_str().unwrap_or_default();
        let page = store
            .page(uri)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{uri} not stored"));
        let bytes = store
            .snapshot(page.hash.as_deref().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_default();
        let hex: String = Sha1::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r["sha1"].as_str(), Some(hex.as_str()), "payload of {uri}");
    }
    assert!(records
        .iter()
        .filter(|r| r["type"] == "revisit")
        .all(|r| r["profile"].as_str() == Some(REVISIT_PROFILE)));
}
