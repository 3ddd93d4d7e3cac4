//! The HTTP side of simweb: one axum fallback handler that routes by `Host`, applies the fault
//! plan, answers conditional requests with 304 from strong ETags and Last-Modified, streams
//! oversized and gzip-bomb bodies, and records every request in the request log.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{stream, StreamExt};
use serde::{Deserialize, Serialize};

use super::faults::{self, Attempts, Failure, FaultProfile, RetryAfter};
use super::page::{Reply, Special};
use super::province;
use super::SimWeb;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// RFC 3339, UTC, milliseconds.
    pub at: String,
    pub host: String,
    pub method: String,
    /// Path with query, as requested.
    pub path: String,
    /// A POST's form body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
    pub status: u16,
    /// The fault applied, if any (`status_503`, `too_many_requests`, `redirect_chain`, …).
    pub fault: Option<String>,
    /// Body bytes intended (before truncation).
    pub bytes: u64,
}

/// The request log: kept in memory up to a limit, and appended line by line to a file when one
/// is given (line-buffered, so another process can follow it while simweb runs).
pub struct RequestLog {
    entries: Mutex<Vec<LogEntry>>,
    limit: usize,
    file: Mutex<Option<std::io::LineWriter<std::fs::File>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl RequestLog {
    pub fn new(limit: usize, file: Option<std::fs::File>) -> RequestLog {
        RequestLog {
            entries: Mutex::new(Vec::new()),
            limit,
            file: Mutex::new(file.map(std::io::LineWriter::new)),
        }
    }

    fn push(&self, e: LogEntry) {
        if let Some(w) = lock(&self.file).as_mut() {
            if let Ok(line) = serde_json::to_string(&e) {
                // A full disk must not take the server down; the in-memory log still has it.
                let _ = writeln!(w, "{line}");
            }
        }
        let mut v = lock(&self.entries);
        if v.len() < self.limit {
            v.push(e);
        }
    }

    pub fn snapshot(&self) -> Vec<LogEntry> {
        lock(&self.entries).clone()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }

    pub fn flush(&self) {
        if let Some(w) = lock(&self.file).as_mut() {
            let _ = w.flush();
        }
    }
}

pub struct Shared {
    /// County 0 (today's county).
    pub web: SimWeb,
    /// Counties 1, 2, … of a multi-county simweb (`SimOptions::counties`).
    pub others: Vec<SimWeb>,
    /// [`super::SimOptions::wan_latency`].
    pub wan_latency: bool,
    pub profile: FaultProfile,
    /// [`super::SimOptions::latency`].
    pub latency: Duration,
    pub attempts: Attempts,
    pub log: RequestLog,
}

/// The largest form body read (a dataproxy request is a few hundred bytes).
const MAX_FORM: usize = 64 * 1024;

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub async fn handle(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let headers = req.headers().clone();
    let host = header_str(&headers, header::HOST)
        .or_else(|| req.uri().host().map(str::to_string))
        .unwrap_or_default();
    let path = req.uri().path().to_string();
    let mut query = req.uri().query().unwrap_or("").to_string();
    let full = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    let method = req.method().to_string();
    // A POST's form fields answer as query parameters would (Hanweb's dataproxy takes both).
    let form = if req.method() == axum::http::Method::POST {
        let body = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .unwrap_or_default();
        let form = String::from_utf8_lossy(&body).into_owned();
        if !form.is_empty() {
            query = if query.is_empty() {
                form.clone()
            } else {
                format!("{query}&{form}")
            };
        }
        Some(form)
    } else {
        None
    };
    // Faults and their attempts follow the request's identity: URL and form body.
    let ident = match &form {
        Some(f) if !f.is_empty() => format!("{full}#{f}"),
        _ => full.clone(),
    };
    let mut entry = LogEntry {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        // Without the port, so a log reader can group by host name.
        host: host.split(':').next().unwrap_or("").to_ascii_lowercase(),
        method,
        path: full.clone(),
        form,
        if_none_match: header_str(&headers, header::IF_NONE_MATCH),
        if_modified_since: header_str(&headers, header::IF_MODIFIED_SINCE),
        user_agent: header_str(&headers, header::USER_AGENT),
        status: 404,
        fault: None,
        bytes: 0,
    };
    let county = province::parse_host(&host).and_then(|(k, site)| {
        let web = match k {
            0 => Some(&st.web),
            k => st.others.get(k as usize - 1),
        };
        web.map(|w| (w, site))
    });
    let Some((web, site)) = county else {
        st.log.push(entry);
        return plain(StatusCode::NOT_FOUND, "unknown host");
    };
    let site_host = web.host(site);
    let plan = faults::plan(web.model.seed, st.profile, &site_host, &ident);
    let attempt = if plan.failure.is_some() {
        st.attempts.bump(&format!("{site_host}{ident}"))
    } else {
        0
    };
    let mut delay = st.latency + Duration::from_millis(plan.slow_ms);
    if st.wan_latency {
        delay += web.wan_delay(site, &ident);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let failure = plan.failure.filter(|(_, n)| attempt <= *n).map(|(f, _)| f);
    if let Some(f @ (Failure::Status(_) | Failure::TooMany(_))) = failure {
        entry.fault = Some(f.name().into());
        let resp = match f {
            Failure::Status(code) => {
                entry.status = code;
                plain(
                    StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                    "服务器繁忙，请稍后再试",
                )
            }
            Failure::TooMany(ra) => {
                entry.status = 429;
                let mut r = plain(StatusCode::TOO_MANY_REQUESTS, "请求过于频繁");
                let value = match ra {
                    RetryAfter::Seconds(s) => s.to_string(),
                    RetryAfter::DateIn(s) => {
                        httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(s))
                    }
                };
                if let Ok(v) = HeaderValue::from_str(&value) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            _ => plain(StatusCode::SERVICE_UNAVAILABLE, ""),
        };
        st.log.push(entry);
        return resp;
    }
    let reply = web.serve(site, &path, &query, st.profile);
    entry.status = reply.status;
    entry.fault = reply.fault.map(str::to_string);
    entry.bytes = reply.body.len() as u64;
    let resp = respond(reply, &headers, failure, &mut entry);
    st.log.push(entry);
    resp
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn http_date(t: chrono::NaiveDateTime) -> String {
    let secs = t.and_utc().timestamp().max(0) as u64;
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Strong ETag of a body.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", &blake3::hash(body).to_hex()[..20])
}

fn not_modified(headers: &HeaderMap, etag: &str, lm: Option<chrono::NaiveDateTime>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    match (
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok()),
        lm,
    ) {
        (Some(ims), Some(lm)) => match httpdate::parse_http_date(ims) {
            Ok(since) => {
                let lm_secs = lm.and_utc().timestamp().max(0) as u64;
                UNIX_EPOCH + Duration::from_secs(lm_secs) <= since
            }
            Err(_) => false,
        },
        _ => false,
    }
}

fn respond(
    reply: Reply,
    headers: &HeaderMap,
    failure: Option<Failure>,
    entry: &mut LogEntry,
) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, reply.content_type.as_str());
    if let Some(loc) = &reply.location {
        builder = builder.header(header::LOCATION, loc.as_str());
    }
    match reply.special {
        Special::Oversized(total) => {
            let chunk = faults::oversized_chunk();
            let n = (total / chunk.len() as u64) as usize;
            entry.bytes = total;
            let body = Body::from_stream(stream::iter(
                (0..n).map(move |_| Ok::<Bytes, std::io::Error>(chunk.clone())),
            ));
            return builder.body(body).unwrap_or_default();
        }
        Special::GzipBomb => {
            let member = faults::bomb_member();
            entry.bytes = (member.len() * faults::BOMB_MEMBERS) as u64;
            let body = Body::from_stream(stream::iter(
                (0..faults::BOMB_MEMBERS).map(move |_| Ok::<Bytes, std::io::Error>(member.clone())),
            ));
            return builder
                .header(header::CONTENT_ENCODING, "gzip")
                .body(body)
                .unwrap_or_default();
        }
        Special::None => {}
    }
    if reply.status == 200 {
        let etag = etag_of(&reply.body);
        builder = builder
            .header(header::ETAG, etag.as_str())
            .header(header::CACHE_CONTROL, "max-age=0");
        if let Some(lm) = reply.last_modified {
            builder = builder.header(header::LAST_MODIFIED, http_date(lm));
        }
        if failure.is_none() && not_modified(headers, &etag, reply.last_modified) {
            entry.status = 304;
            entry.bytes = 0;
            return builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .unwrap_or_default();
        }
    }
    match failure {
        Some(f @ Failure::Reset) => {
            entry.fault = Some(f.name().into());
            // The pause lets hyper flush the headers before the body fails and the connection drops.
            let body = Body::from_stream(stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated connection reset",
                ))
            }));
            builder.body(body).unwrap_or_default()
        }
        Some(f @ Failure::Truncated) => {
            entry.fault = Some(f.name().into());
            let full = reply.body.len();
            let half = reply.body.slice(..full / 2);
            let body = Body::from_stream(stream::iter([Ok::<Bytes, std::io::Error>(half)]).chain(
                stream::once(async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "simulated truncation",
                    ))
                }),
            ));
            builder
                .header(header::CONTENT_LENGTH, full)
                .body(body)
                .unwrap_or_default()
        }
        _ => builder.body(Body::from(reply.body)).unwrap_or_default(),
    }
}
