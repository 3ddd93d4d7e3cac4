//! The JSON API: units with scores, the scoreboard, a unit's items, evidence, documents (the
//! query of `govtrust query`), runs, discrepancies, and snapshot bytes. Errors are JSON
//! `{"error": "…"}` with 400 (bad filter), 404 (unknown id) or 500 (store).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::Shared;
use crate::config::Kind;
use crate::evidence::model::Evidence;
use crate::query::{self, QueryError, QueryParams};
use crate::score::{Discrepancy, Scoreboard};
use crate::store::evidence::EvidenceFilter;

/// An error as the API returns it.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl ApiError {
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!("{e}");
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
    pub fn not_found(what: String) -> ApiError {
        ApiError(StatusCode::NOT_FOUND, what)
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Param { .. } | QueryError::Range { .. } => {
                ApiError(StatusCode::BAD_REQUEST, e.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Most rows one request returns (`limit` above it is lowered to it; `truncated` says so).
pub const MAX_LIMIT: usize = 1000;

/// The query of a request with its limit capped at [`MAX_LIMIT`].
pub fn resolve_capped(st: &Shared, p: &QueryParams) -> ApiResult<crate::query::Query> {
    let mut q = p.resolve(&st.project)?;
    q.limit = q.limit.min(MAX_LIMIT);
    Ok(q)
}

pub fn board(st: &Shared) -> ApiResult<Scoreboard> {
    crate::pipeline::score_store(&st.project, &st.store).map_err(ApiError::internal)
}

/// A unit with its score, as listed.
#[derive(Debug, Serialize)]
pub struct UnitRow {
    pub id: String,
    pub name: String,
    pub short: String,
    pub kind: Kind,
    pub total: f64,
    pub max_scored: f64,
    pub rank: usize,
    pub missing: usize,
}

pub async fn units(State(st): State<Shared>) -> ApiResult<Json<Vec<UnitRow>>> {
    let b = board(&st)?;
    Ok(Json(
        b.units
            .iter()
            .map(|u| UnitRow {
                id: u.id.clone(),
                name: u.name.clone(),
                short: u.short.clone(),
                kind: u.kind,
                total: u.total,
                max_scored: u.max_scored,
                rank: u.rank,
                missing: u.missing,
            })
            .collect(),
    ))
}

fn resolve_unit(st: &Shared, id: &str) -> ApiResult<String> {
    st.project
        .roster
        .resolve(id)
        .map(|u| u.id.clone())
        .map_err(|e| ApiError::not_found(e.to_string()))
}

pub async fn unit(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = resolve_unit(&st, &id)?;
    let b = board(&st)?;
    let sheet = b
        .unit(&id)
        .ok_or_else(|| ApiError::not_found(format!("{id} 没有评分表")))?;
    Ok(Json(sheet).into_response())
}

pub async fn unit_items(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = resolve_unit(&st, &id)?;
    let b = board(&st)?;
    let sheet = b
        .unit(&id)
        .ok_or_else(|| ApiError::not_found(format!("{id} 没有评分表")))?;
    Ok(Json(&sheet.items).into_response())
}

pub async fn scores(State(st): State<Shared>) -> ApiResult<Response> {
    let b = board(&st)?;
    let body = crate::score::render::json(&b).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Evidence matching query-style filters: unit, item, status, source, from/to (the document's
/// publication date), text (in the document title or the summary), limit.
pub fn find_evidence(st: &Shared, p: &QueryParams) -> ApiResult<(Vec<Evidence>, bool)> {
    let q = resolve_capped(st, p)?;
    let mut list = st
        .store
        .evidence_list(&EvidenceFilter {
            period: q.period.clone(),
            unit: q.unit.clone(),
            item: q.item.clone(),
            status: q.status,
            rule: None,
        })
        .map_err(ApiError::internal)?;
    let phrases: Vec<String> = q
        .text
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    list.retain(|e| {
        let d = &e.document;
        q.source.as_ref().is_none_or(|s| &d.source == s)
            && q.from
                .is_none_or(|f| d.published_on.is_some_and(|p| p >= f))
            && q.to.is_none_or(|t| d.published_on.is_some_and(|p| p <= t))
            && q.units_in.as_ref().is_none_or(|set| set.contains(&e.unit))
            && phrases.iter().all(|p| {
                d.title.to_lowercase().contains(p.as_str())
                    || e.summary.to_lowercase().contains(p.as_str())
            })
    });
    let truncated = list.len() > q.limit;
    list.truncate(q.limit);
    Ok((list, truncated))
}

#[derive(Serialize)]
struct EvidencePage {
    evidence: Vec<Evidence>,
    truncated: bool,
}

pub async fn evidence_list(
    State(st): State<Shared>,
    Query(p): Query<QueryParams>,
) -> ApiResult<Response> {
    let (evidence, truncated) = find_evidence(&st, &p)?;
    Ok(Json(EvidencePage {
        evidence,
        truncated,
    })
    .into_response())
}

pub async fn evidence_one(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    match st.store.evidence(&id).map_err(ApiError::internal)? {
        Some(e) => Ok(Json(e).into_response()),
        None => Err(ApiError::not_found(format!("没有证据 {id}"))),
    }
}

pub async fn documents(
    State(st): State<Shared>,
    Query(p): Query<QueryParams>,
) -> ApiResult<Response> {
    let q = resolve_capped(&st, &p)?;
    let (st2, q2) = (st.clone(), q.clone());
    let result = tokio::task::spawn_blocking(move || query::run(&st2.store, &q2))
        .await
        .map_err(ApiError::internal)??;
    let rows = query::flatten(&result, &q, |id| {
        st.project.roster.get(id).map(|u| u.short.clone())
    });
    let body = query::json(&rows, result.truncated)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn document(State(st): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    match st.store.document(&id).map_err(ApiError::internal)? {
        Some(d) => Ok(Json(d).into_response()),
        None => Err(ApiError::not_found(format!("没有文档 {id}"))),
    }
}

pub async fn runs(State(st): State<Shared>) -> ApiResult<Response> {
    Ok(Json(st.store.runs().map_err(ApiError::internal)?).into_response())
}

#[derive(Serialize)]
pub struct UnitDiscrepancy<'a> {
    pub unit: &'a str,
    pub unit_name: &'a str,
    #[serde(flatten)]
    pub discrepancy: &'a Discrepancy,
}

pub async fn discrepancies(State(st): State<Shared>) -> ApiResult<Response> {
    let b = board(&st)?;
    let list: Vec<UnitDiscrepancy> = b
        .units
        .iter()
        .flat_map(|u| {
            u.discrepancies.iter().map(|d| UnitDiscrepancy {
                unit: &u.id,
                unit_name: &u.short,
                discrepancy: d,
            })
        })
        .collect();
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
pub struct SnapshotParams {
    /// The page the snapshot was fetched from (finds its content type without a scan).
    pub url: Option<String>,
}

/// A snapshot's bytes, the content type it was served with and the charset the crawler
/// decoded it by: from the snapshot's own entry in `snapshot_meta`, so an old snapshot keeps
/// its type after the page changed. A snapshot stored before that entry was kept falls back to
/// the page record of `url` when its current content is this snapshot, and else to what the
/// bytes say (PDF, HTML and the charset the crawler would detect) — never to a scan of pages.
pub fn snapshot_bytes(
    st: &Shared,
    hash: &str,
    url: Option<&str>,
) -> ApiResult<(Vec<u8>, String, Option<String>)> {
    let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    let bytes = valid
        .then(|| st.store.snapshot(hash))
        .transpose()
        .map_err(ApiError::internal)?
        .flatten()
        .ok_or_else(|| ApiError::not_found(format!("没有快照 {hash}")))?;
    if let Some(m) = st.store.snapshot_meta(hash).map_err(ApiError::internal)? {
        if let Some(ctype) = m.content_type {
            return Ok((bytes, ctype, m.charset));
        }
        let (ctype, charset) = sniff(&bytes, &m.url);
        return Ok((bytes, ctype, m.charset.or(charset)));
    }
    let page = match url {
        Some(u) => st.store.page(u).map_err(ApiError::internal)?,
        None => None,
    };
    if let Some(p) = page.filter(|p| p.hash.as_deref() == Some(hash)) {
        if let Some(ctype) = p.content_type {
            return Ok((bytes, ctype, p.charset));
        }
    }
    let (ctype, charset) = sniff(&bytes, url.unwrap_or(""));
    Ok((bytes, ctype, charset))
}

/// The content type the bytes show (PDF, HTML or XML, else octet-stream) and, for text, the
/// charset the crawler's decoding finds (the `.cn` hint taken from `url`'s host).
fn sniff(bytes: &[u8], url: &str) -> (String, Option<String>) {
    let head = &bytes[..bytes.len().min(1024)];
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = head[start..]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[start..]);
    let lower = head.to_ascii_lowercase();
    let ctype = if head.starts_with(b"%PDF-") {
        return ("application/pdf".into(), None);
    } else if lower.starts_with(b"<?xml") {
        "text/xml"
    } else if lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || lower.windows(5).any(|w| w == b"<body" || w == b"<head")
    {
        "text/html"
    } else {
        return ("application/octet-stream".into(), None);
    };
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let charset = crate::crawl::decode::decode(bytes, None, &host).charset;
    (ctype.into(), Some(charset.to_string()))
}

pub async fn snapshot(
    State(st): State<Shared>,
    Path(hash): Path<String>,
    Query(p): Query<SnapshotParams>,
) -> ApiResult<Response> {
    let (bytes, ctype, _) = snapshot_bytes(&st, &hash, p.url.as_deref())?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ctype)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{hash}\""))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_snapshots_are_sniffed() {
        let (gbk, _, _) = encoding_rs::GBK
            .encode("<!DOCTYPE html><html><body>桐柏县人民政府信息公开目录</body></html>");
        assert_eq!(
            sniff(&gbk, "http://www.tongbai.gov.cn/a.html"),
            ("text/html".to_string(), Some("gb18030".to_string()))
        );
        assert_eq!(
            sniff(b"\xEF\xBB\xBF  <html><head>", ""),
            ("text/html".to_string(), Some("UTF-8".to_string()))
        );
        assert_eq!(sniff(b"%PDF-1.7", "").0, "application/pdf");
        assert_eq!(sniff(b"PK\x03\x04", "").0, "application/octet-stream");
    }
}
