//! The report as a pipeline step: gathers its input from the store (scores, evidence, unresolved
//! names, source coverage, the data cut-off, the run's health) and writes it with the archived
//! pages its evidence and its inspection's proofs rest on beside it — `snapshots/{hash}.html`, a
//! safe view of the page's source (escaped text, nothing executes), and `snapshots/{hash}.raw`,
//! the bytes exactly as received.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::Project;
use crate::crawl::decode::decode;
use crate::score;
use crate::store::evidence::EvidenceFilter;
use crate::store::facts::FactsError;
use crate::store::pages::PageRecord;
use crate::store::{Store, StoreError};

use super::{escape, write_all, ReportError, ReportFiles, ReportInput, SourceCoverage};

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Inspect(#[from] crate::inspect::InspectError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone)]
pub struct WrittenReport {
    pub files: ReportFiles,
    pub snapshots: usize,
}

/// Builds the report of the project's period from the store and writes it into `out`.
pub fn write_from_store(
    project: &Project,
    store: &Store,
    out: &Path,
    run: Option<u64>,
    now: DateTime<Utc>,
) -> Result<WrittenReport, ArchiveError> {
    let period = &project.period.id;
    let facts = store.facts()?.period_facts(period)?;
    let board = score::score(project, &facts);
    let evidence = store.evidence_list(&EvidenceFilter {
        period: Some(period.clone()),
        ..Default::default()
    })?;
    let unresolved = store.unresolved(period)?;
    let pages = store.pages()?;
    let cutoff = pages
        .iter()
        .filter(|p| p.status == 200)
        .map(|p| p.fetched_at)
        .max()
        .unwrap_or(now);
    let mut input = ReportInput::new(project, &board, &evidence, &unresolved, cutoff, now);
    input.sources = coverage(project, store, &pages)?;
    input.run_id = run.or(store.last_run()?.map(|r| r.id));
    // The run's health, computed now for a run crawled outside the pipeline.
    let health = match input.run_id {
        Some(run) => Some(crate::health::of_run(project, store, Some(run))?.1),
        None => None,
    };
    input.health = health.as_ref();
    let files = write_all(&input, out)?;

    let by_hash: BTreeMap<&str, &PageRecord> = pages
        .iter()
        .filter_map(|p| p.hash.as_deref().map(|h| (h, p)))
        .collect();
    // What the evidence and the website inspection's proofs rest on.
    let hashes: BTreeSet<&str> = evidence
        .iter()
        .map(|e| e.snapshot.as_str())
        .chain(
            health
                .iter()
                .filter_map(|h| h.inspection.as_ref())
                .flat_map(|i| i.snapshots()),
        )
        .filter(|h| !h.is_empty())
        .collect();
    let dir = out.join("snapshots");
    std::fs::create_dir_all(&dir).map_err(|source| ArchiveError::Write {
        path: dir.clone(),
        source,
    })?;
    let mut written = 0;
    for hash in hashes {
        // Hashes name files: only plain hex is accepted.
        if !hash.chars().all(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let Some(bytes) = store.snapshot(hash)? else {
            continue;
        };
        let page = by_hash.get(hash).copied();
        let raw = dir.join(format!("{hash}.raw"));
        std::fs::write(&raw, &bytes).map_err(|source| ArchiveError::Write {
            path: raw.clone(),
            source,
        })?;
        let view = dir.join(format!("{hash}.html"));
        std::fs::write(&view, snapshot_view(hash, &bytes, page)).map_err(|source| {
            ArchiveError::Write {
                path: view.clone(),
                source,
            }
        })?;
        written += 1;
    }
    Ok(WrittenReport {
        files,
        snapshots: written,
    })
}

fn coverage(
    project: &Project,
    store: &Store,
    pages: &[PageRecord],
) -> Result<Vec<SourceCoverage>, ArchiveError> {
    let mut docs: BTreeMap<String, u64> = BTreeMap::new();
    for d in store.documents(None)? {
        *docs.entry(d.source).or_default() += 1;
    }
    let mut out = Vec::new();
    for s in project.crawl.iter().flat_map(|c| c.sources.iter()) {
        let mine: Vec<&PageRecord> = pages.iter().filter(|p| p.source == s.name).collect();
        out.push(SourceCoverage {
            name: s.name.clone(),
            description: s.description.clone(),
            pages: mine.iter().filter(|p| p.status == 200).count() as u64,
            documents: docs.get(&s.name).copied().unwrap_or(0),
            last_fetched: mine
                .iter()
                .filter(|p| p.status == 200)
                .map(|p| p.fetched_at)
                .max(),
        });
    }
    Ok(out)
}

/// A page that shows an archived page's source as escaped text: nothing in it can run or load.
fn snapshot_view(hash: &str, bytes: &[u8], page: Option<&PageRecord>) -> String {
    let host = page
        .and_then(|p| url::Url::parse(&p.url).ok())
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let decoded = decode(bytes, page.and_then(|p| p.content_type.as_deref()), &host);
    let (url, fetched, status) = match page {
        Some(p) => (
            p.url.as_str(),
            p.fetched_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            p.status.to_string(),
        ),
        None => ("（未知）", String::from("（未知）"), String::from("—")),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>存档快照 {hash}</title><style>body{{font-family:sans-serif;margin:2em}}pre{{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:1em;border:1px solid #ddd}}</style></head>\
<body><h1>存档快照</h1><table><tr><th>原网址</th><td>{}</td></tr><tr><th>抓取时间</th><td>{fetched}</td></tr><tr><th>HTTP 状态</th><td>{status}</td></tr>\
<tr><th>字符集</th><td>{}</td></tr><tr><th>内容哈希（BLAKE3）</th><td>{hash}</td></tr><tr><th>原始字节</th><td><a href=\"{hash}.raw\" download>{hash}.raw</a>（{} 字节）</td></tr></table>\
<p>以下为存档网页的源代码文本（已转义，不执行任何脚本、不加载任何外部资源）：</p><pre>{}</pre></body></html>\n",
        escape::html(url),
        decoded.charset,
        bytes.len(),
        escape::html(&decoded.text)
    )
}
