//! `govtrust export warc`: the stored snapshots as a WARC/1.1 file (ISO 28500:2017), each record
//! its own gzip member (the usual `.warc.gz`). One `warcinfo` record, then per page in URL order
//! a `response` record (status line, the headers the store kept — content type, validators —
//! and the stored bytes) with the `request` that fetched it (a reconstructed GET — or a
//! pagination request's POST with its form body — with Host and the crawl's User-Agent), or a `revisit` record (identical-payload-digest profile) when a page's
//! content was already written for another URL. Digests are `sha1:` in base32, the form WARC
//! tools expect. Record ids are derived from the content, so the same store gives the same file.
//!
//! What is not the original: the store keeps the decoded body (no Content-Encoding) and a few
//! headers, not the full header block; the status line is `200 OK` because a snapshot is only
//! ever taken from a 200 answer. The warcinfo record says so.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use sha1::{Digest as _, Sha1};

use crate::store::pages::PageRecord;
use crate::store::runs::Change;
use crate::store::Store;

use super::{finish, io_err, temporary, ExportError};

/// The profile URI of a revisit whose payload equals an earlier record's.
pub const REVISIT_PROFILE: &str =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct WarcOptions {
    /// Only pages fetched in this run (default: every page with a snapshot).
    pub run: Option<u64>,
    /// The User-Agent written in the reconstructed requests.
    pub user_agent: String,
    /// When the file was made (the warcinfo record's date).
    pub now: Option<DateTime<Utc>>,
}

/// Counts of what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarcSummary {
    pub pages: usize,
    pub responses: usize,
    pub requests: usize,
    pub revisits: usize,
    /// Pages skipped because their snapshot is missing from the store.
    pub missing_snapshots: usize,
    pub bytes: u64,
}

/// RFC 4648 base32 (upper case, padded), the encoding of WARC's customary sha1 digests.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(ALPHABET[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `sha1:BASE32` of `bytes`.
pub fn sha1_digest(bytes: &[u8]) -> String {
    format!("sha1:{}", base32(&Sha1::digest(bytes)))
}

/// A record id as a URN UUID derived from `parts` (deterministic, version-8 layout).
fn record_id(parts: &[&str]) -> String {
    let h = blake3::hash(parts.join("\0").as_bytes());
    let b = h.as_bytes();
    let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "<urn:uuid:{}-{}-8{}-a{}-{}>",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn warc_date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One record, gzip-compressed as its own member.
fn record(headers: &[(&str, String)], block: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(block.len() + 512);
    raw.extend_from_slice(b"WARC/1.1\r\n");
    for (k, v) in headers {
        raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    raw.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    raw.extend_from_slice(block);
    raw.extend_from_slice(b"\r\n\r\n");
    let mut gz = GzEncoder::new(
        Vec::with_capacity(raw.len() / 2 + 64),
        Compression::default(),
    );
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(&raw);
    gz.finish().unwrap_or_default()
}

/// Header values must stay on one line.
fn one_line(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

fn http_request(identity: &url::Url, user_agent: &str) -> Vec<u8> {
    // A POST's identity carries its body (crate::crawl::request): the request sent is rebuilt.
    let wire = crate::crawl::request::wire(identity);
    let url = &wire.url;
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    };
    let ua = one_line(user_agent);
    match wire.body {
        None => format!(
            "GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\nAccept: */*\r\n\r\n"
        ),
        Some(body) => format!(
            "POST {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\nAccept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    }
    .into_bytes()
}

fn http_head(page: &PageRecord, payload_len: usize) -> Vec<u8> {
    let mut h = String::from("HTTP/1.1 200 OK\r\n");
    if let Some(ct) = &page.content_type {
        h.push_str(&format!("Content-Type: {}\r\n", one_line(ct)));
    }
    if let Some(e) = &page.etag {
        h.push_str(&format!("ETag: {}\r\n", one_line(e)));
    }
    if let Some(lm) = &page.last_modified {
        h.push_str(&format!("Last-Modified: {}\r\n", one_line(lm)));
    }
    h.push_str(&format!("Content-Length: {payload_len}\r\n\r\n"));
    h.into_bytes()
}

/// The pages to export: every page with a snapshot, or those a run obtained a response for.
fn pages_of(store: &Store, run: Option<u64>) -> Result<Vec<PageRecord>, ExportError> {
    let pages = store.pages()?;
    let Some(run) = run else {
        return Ok(pages.into_iter().filter(|p| p.hash.is_some()).collect());
    };
    if !store.runs()?.iter().any(|r| r.id == run) {
        return Err(ExportError::NoSuchRun(run));
    }
    let fetched: std::collections::BTreeSet<String> = store
        .run_events(run)?
        .into_iter()
        .filter(|e| matches!(e.change, Change::New | Change::Changed | Change::Unchanged))
        .map(|e| e.url)
        .collect();
    Ok(pages
        .into_iter()
        .filter(|p| p.hash.is_some() && fetched.contains(&p.url))
        .collect())
}

/// Writes the WARC file to `out` (through a temporary file).
pub fn export_warc(
    store: &Store,
    opts: &WarcOptions,
    out: &Path,
) -> Result<WarcSummary, ExportError> {
    let pages = pages_of(store, opts.run)?;
    let tmp = temporary(out);
    let file = File::create(&tmp).map_err(io_err(&tmp))?;
    let mut w = BufWriter::new(file);
    let mut summary = WarcSummary::default();
    let now = opts.now.unwrap_or_else(Utc::now);
    let filename = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scope = match opts.run {
        Some(r) => format!("run {r}"),
        None => "all runs".to_string(),
    };
    let info = format!(
        "software: govtrust/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\nhttp-header-user-agent: {}\r\ndescription: govtrust snapshots ({scope}); payloads are the stored response bodies after content decoding; HTTP headers are reconstructed from the stored content type and validators\r\n",
        env!("CARGO_PKG_VERSION"),
        one_line(&opts.user_agent)
    );
    let info_id = record_id(&["warcinfo", &filename, &scope]);
    let bytes = record(
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", info_id.clone()),
            ("WARC-Date", warc_date(now)),
            ("WARC-Filename", one_line(&filename)),
            ("Content-Type", "application/warc-fields".into()),
        ],
        info.as_bytes(),
    );
    w.write_all(&bytes).map_err(io_err(&tmp))?;
    summary.bytes += bytes.len() as u64;

    // payload hash → (record id, target URI, date) of the response that carried it first.
    let mut written: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for page in &pages {
        let Some(hash) = &page.hash else { continue };
        let Ok(url) = url::Url::parse(&page.url) else {
            continue;
        };
        let date = warc_date(page.fetched_at);
        let uri = one_line(&page.url);
        let response_id = record_id(&["response", &page.url, hash]);
        let mut out_records = Vec::new();
        if let Some((orig_id, orig_uri, orig_date)) = written.get(hash) {
            let payload = store.snapshot(hash)?.unwrap_or_default();
            let head = http_head(page, payload.len());
            out_records.push(record(
                &[
                    ("WARC-Type", "revisit".into()),
                    ("WARC-Record-ID", record_id(&["revisit", &page.url, hash])),
                    ("WARC-Date", date.clone()),
                    ("WARC-Target-URI", uri.clone()),
                    ("WARC-Warcinfo-ID", info_id.clone()),
                    ("WARC-Profile", REVISIT_PROFILE.into()),
                    ("WARC-Refers-To", orig_id.clone()),
                    ("WARC-Refers-To-Target-URI", orig_uri.clone()),
                    ("WARC-Refers-To-Date", orig_date.clone()),
                    ("WARC-Payload-Digest", sha1_digest(&payload)),
                    ("WARC-Block-Digest", sha1_digest(&head)),
                    ("Content-Type", "application/http;msgtype=response".into()),
                ],
                &head,
            ));
            summary.revisits += 1;
        } else {
            let Some(payload) = store.snapshot(hash)? else {
                summary.missing_snapshots += 1;
                continue;
            };
            let mut block = http_head(page, payload.len());
            block.extend_from_slice(&payload);
            out_records.push(record(
                &[
                    ("WARC-Type", "response".into()),
                    ("WARC-Record-ID", response_id.clone()),
                    ("WARC-Date", date.clone()),
                    ("WARC-Target-URI", uri.clone()),
                    ("WARC-Warcinfo-ID", info_id.clone()),
                    ("WARC-Payload-Digest", sha1_digest(&payload)),
                    ("WARC-Block-Digest", sha1_digest(&block)),
                    ("Content-Type", "application/http;msgtype=response".into()),
                ],
                &block,
            ));
            summary.responses += 1;
            written.insert(
                hash.clone(),
                (response_id.clone(), uri.clone(), date.clone()),
            );
        }
        let request = http_request(&url, &opts.user_agent);
        out_records.push(record(
            &[
                ("WARC-Type", "request".into()),
                ("WARC-Record-ID", record_id(&["request", &page.url, hash])),
                ("WARC-Date", date.clone()),
                ("WARC-Target-URI", uri.clone()),
                ("WARC-Warcinfo-ID", info_id.clone()),
                ("WARC-Concurrent-To", response_id.clone()),
                ("WARC-Block-Digest", sha1_digest(&request)),
                ("Content-Type", "application/http;msgtype=request".into()),
            ],
            &request,
        ));
        summary.requests += 1;
        summary.pages += 1;
        for r in out_records {
            w.write_all(&r).map_err(io_err(&tmp))?;
            summary.bytes += r.len() as u64;
        }
    }
    w.flush().map_err(io_err(&tmp))?;
    drop(w);
    finish(&tmp, out)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY======");
        assert_eq!(base32(b"fo"), "MZXQ====");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI======");
        // sha1("") in the form WARC tools print.
        assert_eq!(sha1_digest(b""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
    }

    #[test]
    fn record_ids_are_deterministic_urns() {
        let a = record_id(&["response", "http://x/", "h"]);
        assert_eq!(a, record_id(&["response", "http://x/", "h"]));
        assert_ne!(a, record_id(&["request", "http://x/", "h"]));
        assert!(
            a.starts_with("<urn:uuid:") && a.ends_with('>') && a.len() == 47,
            "{a}"
        );
    }

    #[test]
    fn a_posted_page_is_exported_with_its_post() {
        let get = url::Url::parse("http://x.cn:8080/col/col1.html?a=1").unwrap();
        let g = String::from_utf8(http_request(&get, "ua")).unwrap();
        assert!(
            g.starts_with("GET /col/col1.html?a=1 HTTP/1.1\r\nHost: x.cn:8080\r\n"),
            "{g}"
        );
        let post =
            url::Url::parse("http://x.cn/dataproxy.jsp?startrecord=1#post:col=1&columnid=12")
                .unwrap();
        let p = String::from_utf8(http_request(&post, "ua")).unwrap();
        assert!(
            p.starts_with("POST /dataproxy.jsp?startrecord=1 HTTP/1.1\r\n"),
            "{p}"
        );
        assert!(
            p.ends_with("Content-Length: 17\r\n\r\ncol=1&columnid=12"),
            "{p}"
        );
    }
}
