//! The analyst pages, server-rendered in 简体中文: 总览 (units and scores of both kinds), 单位
//! (items, scores, basis, evidence), 证据检索 (documents and evidence by filters and keyword),
//! 快照查看 (the archived page in a sandboxed frame, scripts off) and the confirm/reject forms
//! for candidate evidence. Every string from a crawled page or a submission goes through
//! [`esc`]; pages load nothing but same-origin CSS, and the CSP forbids scripts.

use std::fmt::Write as _;

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::api::{board, snapshot_bytes, ApiError};
use super::{auth, Shared};
use crate::config::Kind;
use crate::evidence::model::{Decision, Evidence, Status};
use crate::query::{self, QueryParams};
use crate::report::escape::html as esc;
use crate::score::UnitSheet;
use crate::store::evidence::EvidenceFilter;

const STYLE: &str = "\
body{font-family:'Noto Sans CJK SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#9b1c1c;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#fff;text-decoration:none}header strong{font-size:18px}
main{padding:16px 24px;max-width:1400px}
table{border-collapse:collapse;background:#fff;margin:8px 0 20px;font-size:14px}
th,td{border:1px solid #d8dbe0;padding:4px 8px;text-align:left;vertical-align:top}
mark{background:#fde68a;color:inherit;padding:0}
th{background:#eef0f3;white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:#666;font-size:13px}.bad{color:#9b1c1c}.ok{color:#17663a}
form.inline{display:inline}form.filters{background:#fff;padding:10px;border:1px solid #d8dbe0}
form.filters label{margin-right:10px;display:inline-block}
iframe{width:100%;height:70vh;border:1px solid #999;background:#fff}
.title{word-break:break-all}.nw{white-space:nowrap}
";

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

fn page(title: &str, body: &str) -> Response {
    page_refreshed(title, body, None)
}

/// A page that the browser reloads every `refresh` seconds (the overview while a job runs:
/// the pages run no scripts).
fn page_refreshed(title: &str, body: &str, refresh: Option<u32>) -> Response {
    let refresh = refresh
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">{refresh}\
         <title>{} · 政务诚信监测</title>\
         <link rel=\"stylesheet\" href=\"/assets/style.css\"></head><body>\
         <header><strong>政务诚信监测评估</strong><a href=\"/\">总览</a>\
         <a href=\"/search\">证据检索</a></header><main>{body}</main></body></html>",
        esc(title)
    );
    Html(html).into_response()
}

fn error_page(status: StatusCode, msg: &str) -> Response {
    let mut r = page("出错了", &format!("<h1>出错了</h1><p>{}</p>", esc(msg)));
    *r.status_mut() = status;
    r
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        e.into_response()
    }
}

fn score(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn kind_table(out: &mut String, units: &[&UnitSheet]) {
    let Some(first) = units.first() else {
        out.push_str("<p class=\"muted\">无</p>");
        return;
    };
    out.push_str(
        "<table><tr><th>排名</th><th>单位</th><th>总分</th><th>已评分项满分</th><th>缺项</th>",
    );
    for c in &first.categories {
        let _ = write!(out, "<th>{}</th>", esc(&c.name));
    }
    out.push_str("</tr>");
    for u in units {
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td><a href=\"/units/{}\">{}</a></td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td>",
            u.rank,
            esc(&u.id),
            esc(&u.short),
            score(u.total),
            score(u.max_scored),
            u.missing
        );
        for c in &u.categories {
            let _ = write!(
                out,
                "<td class=\"n\">{}/{}</td>",
                score(c.score),
                score(c.max)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

pub async fn dashboard(State(st): State<Shared>) -> Response {
    let b = match board(&st) {
        Ok(b) => b,
        Err(e) => return e.into(),
    };
    let candidates = st
        .store
        .evidence_list(&EvidenceFilter {
            period: Some(st.project.period.id.clone()),
            status: Some(Status::Candidate),
            ..Default::default()
        })
        .map(|l| l.len())
        .unwrap_or(0);
    let last = st.store.last_run().ok().flatten();
    let mut out = format!(
        "<h1>总览 · {} 年度</h1><p class=\"muted\">考核期 {} 至 {}；待确认证据 {} 条；",
        esc(&st.project.period.id),
        st.project.period.start,
        st.project.period.end,
        candidates
    );
    match last {
        Some(r) => {
            let _ = write!(
                out,
                "最近一次监测 #{}，开始于 {}。</p>",
                r.id,
                r.started_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
        None => out.push_str("尚无监测记录。</p>"),
    }
    let status = st.runner.status();
    let runs = st.store.runs().unwrap_or_default();
    super::jobs::overview_section(&mut out, &status, &runs);
    for kind in [Kind::Township, Kind::Department] {
        let units: Vec<&UnitSheet> = b.units.iter().filter(|u| u.kind == kind).collect();
        let _ = write!(out, "<h2>{}（{} 个）</h2>", kind.label(), units.len());
        kind_table(&mut out, &units);
    }
    page_refreshed("总览", &out, status.current.is_some().then_some(5))
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Confirmed => "ok",
        Status::Rejected => "bad",
        Status::Candidate => "muted",
    }
}

fn evidence_rows(out: &mut String, list: &[Evidence], writable: bool, back: &str) {
    out.push_str(
        "<table><tr><th>指标</th><th>状态</th><th>摘要</th><th>文档</th><th>发布日期</th><th>快照</th><th>操作</th></tr>",
    );
    for e in list {
        let d = &e.document;
        let _ = write!(
            out,
            "<tr><td class=\"nw\">{}</td><td class=\"nw {}\">{}</td><td>{}</td>\
             <td class=\"title\"><a href=\"{}\" rel=\"noreferrer noopener\" target=\"_blank\">{}</a></td>\
             <td class=\"nw\">{}</td><td class=\"nw\"><a href=\"/snapshots/{}?url={}\">查看快照</a></td><td class=\"nw\">",
            esc(&e.item),
            status_class(e.status),
            e.status.label(),
            esc(&e.summary),
            esc(safe_href(&d.url)),
            esc(&d.title),
            d.published_on.map(|p| p.to_string()).unwrap_or_default(),
            esc(&e.snapshot),
            esc(&url_encode(&d.url)),
        );
        if writable && e.status == Status::Candidate {
            for (action, label) in [("confirm", "确认"), ("reject", "驳回")] {
                let _ = write!(
                    out,
                    "<form class=\"inline\" method=\"post\" action=\"/evidence/{}/decision\">\
                     <input type=\"hidden\" name=\"action\" value=\"{action}\">\
                     <input type=\"hidden\" name=\"back\" value=\"{}\">\
                     <input name=\"why\" placeholder=\"理由\" required size=\"8\">\
                     <button type=\"submit\">{label}</button></form> ",
                    esc(&e.id),
                    esc(back)
                );
            }
        } else if let Some(dec) = &e.decision {
            let _ = write!(
                out,
                "<span class=\"muted\">{}：{}</span>",
                esc(&dec.by),
                esc(&dec.why)
            );
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
}

/// Only http(s) links are made clickable; anything else (javascript:, data:) becomes inert.
fn safe_href(u: &str) -> &str {
    if u.starts_with("http://") || u.starts_with("https://") {
        u
    } else {
        "#"
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub async fn unit(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(u) = st.project.roster.resolve(&id) else {
        return error_page(StatusCode::NOT_FOUND, &format!("没有单位 {id}"));
    };
    let b = match board(&st) {
        Ok(b) => b,
        Err(e) => return e.into(),
    };
    let Some(sheet) = b.unit(&u.id) else {
        return error_page(StatusCode::NOT_FOUND, &format!("{} 没有评分表", u.name));
    };
    let cohort = b.units.iter().filter(|x| x.kind == sheet.kind).count();
    let mut out = format!(
        "<h1>{}</h1><p>{} · 总分 <strong>{}</strong>（已评分项满分 {}）· 排名 {}/{} · 缺项 {}</p>",
        esc(&sheet.name),
        sheet.kind.label(),
        score(sheet.total),
        score(sheet.max_scored),
        sheet.rank,
        cohort,
        sheet.missing
    );
    out.push_str("<h2>一级指标</h2><table><tr><th>指标</th><th>得分</th><th>满分</th></tr>");
    for c in &sheet.categories {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&c.name),
            score(c.score),
            score(c.max)
        );
    }
    out.push_str("</table><h2>评分明细</h2><table><tr><th>编号</th><th>考核内容</th><th>得分</th><th>满分</th><th>依据</th></tr>");
    for i in &sheet.items {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&i.content),
            i.score.map(score).unwrap_or_else(|| "缺项".into()),
            score(i.max),
            esc(&i.basis)
        );
    }
    out.push_str("</table>");
    if !sheet.discrepancies.is_empty() {
        out.push_str("<h2>填报与网络监测不符</h2><table><tr><th>指标</th><th>字段</th><th>填报</th><th>网络监测</th></tr>");
        for d in &sheet.discrepancies {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.item),
                esc(&d.label),
                esc(&d.submitted),
                esc(&d.web)
            );
        }
        out.push_str("</table>");
    }
    let evidence = match st.store.evidence_list(&EvidenceFilter {
        period: Some(st.project.period.id.clone()),
        unit: Some(u.id.clone()),
        ..Default::default()
    }) {
        Ok(l) => l,
        Err(e) => return ApiError::internal(e).into(),
    };
    let _ = write!(out, "<h2>证据（{} 条）</h2>", evidence.len());
    let writable = auth::can_write(&st, &headers);
    if !writable {
        out.push_str("<p class=\"muted\">只读：配置写入令牌并登录后可确认或驳回待确认证据。</p>");
    }
    evidence_rows(&mut out, &evidence, writable, &format!("/units/{}", u.id));
    page(&sheet.short, &out)
}

fn input(out: &mut String, label: &str, name: &str, value: &Option<String>, kind: &str) {
    let _ = write!(
        out,
        "<label>{label} <input type=\"{kind}\" name=\"{name}\" value=\"{}\"></label>",
        esc(value.as_deref().unwrap_or(""))
    );
}

pub async fn search(State(st): State<Shared>, Query(p): Query<QueryParams>) -> Response {
    let mut out =
        String::from("<h1>证据检索</h1><form class=\"filters\" method=\"get\" action=\"/search\">");
    out.push_str("<label>单位 <select name=\"unit\"><option value=\"\">全部</option>");
    for u in &st.project.roster.units {
        let sel = if p.unit.as_deref() == Some(u.id.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(&u.id),
            esc(&u.short)
        );
    }
    out.push_str("</select></label>");
    input(&mut out, "指标", "item", &p.item, "text");
    input(&mut out, "类型", "kind", &p.kind, "text");
    input(&mut out, "来源", "source", &p.source, "text");
    input(&mut out, "状态", "status", &p.status, "text");
    input(&mut out, "起", "from", &p.from, "date");
    input(&mut out, "止", "to", &p.to, "date");
    input(&mut out, "关键词", "text", &p.text, "search");
    out.push_str("<button type=\"submit\">检索</button></form>\
        <p class=\"muted\">类型：article/record（文章/记录）或 township/department；状态：candidate/confirmed/rejected。</p>");
    let q = match super::api::resolve_capped(&st, &p) {
        Ok(q) => q,
        Err(e) => {
            let _ = write!(out, "<p class=\"bad\">{}</p>", esc(&e.to_string()));
            return page("证据检索", &out);
        }
    };
    let store = st.store.clone();
    let q2 = q.clone();
    let result = match tokio::task::spawn_blocking(move || query::run(&store, &q2)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return ApiError::internal(e).into(),
        Err(e) => return ApiError::internal(e).into(),
    };
    let rows = query::flatten(&result, &q, |id| {
        st.project.roster.get(id).map(|u| u.short.clone())
    });
    let _ = write!(
        out,
        "<p>共 {} 篇文档{}</p><table><tr><th>日期</th><th>单位</th><th>来源</th><th>标题</th><th>摘录</th><th>证据</th></tr>",
        rows.len(),
        if result.truncated { "（已截断）" } else { "" }
    );
    for (r, full) in rows.iter().zip(&result.rows) {
        let _ = write!(
            out,
            "<tr><td class=\"nw\">{}</td><td class=\"nw\">{}</td><td class=\"nw\">{}</td><td class=\"title\">\
             <a href=\"/snapshots/{}?url={}\">{}</a></td><td>{}</td><td>",
            r.published.map(|d| d.to_string()).unwrap_or_default(),
            esc(r.unit_name.as_deref().or(r.unit.as_deref()).unwrap_or("—")),
            esc(&r.source),
            esc(&r.snapshot),
            esc(&url_encode(&full.document.page_url)),
            esc(if r.title.is_empty() {
                "（无标题）"
            } else {
                &r.title
            }),
            excerpt_html(r),
        );
        for e in &r.evidence {
            let _ = write!(
                out,
                "<div class=\"nw\">{} <span class=\"{}\">{}</span></div>",
                esc(&e.item),
                status_class(e.status),
                e.status.label()
            );
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
    page("证据检索", &out)
}

/// A row's snippet: the search index's highlighted fragment, each match in `<mark>` and every
/// piece escaped (the text came from a crawled page), else the plain excerpt.
fn excerpt_html(r: &query::FlatRow) -> String {
    match &r.highlight {
        Some(h) => {
            let mut out = String::from("<span class=\"hl\">");
            for (piece, hit) in h.pieces() {
                if hit {
                    let _ = write!(out, "<mark>{}</mark>", esc(piece));
                } else {
                    out.push_str(&esc(piece));
                }
            }
            out.push_str("</span>");
            out
        }
        None => esc(&r.excerpt),
    }
}

#[derive(Deserialize)]
pub struct SnapshotParams {
    pub url: Option<String>,
}

pub async fn snapshot(
    State(st): State<Shared>,
    Path(hash): Path<String>,
    Query(p): Query<SnapshotParams>,
) -> Response {
    let (bytes, ctype, charset) = match snapshot_bytes(&st, &hash, p.url.as_deref()) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    let q = p
        .url
        .as_deref()
        .map(|u| format!("?url={}", url_encode(u)))
        .unwrap_or_default();
    let mut out = format!(
        "<h1>快照查看</h1><p class=\"muted\">内容哈希 {}；类型 {}{}；{} 字节。存档页面在隔离框架中显示，脚本不会运行。\
         <a href=\"/api/snapshots/{}{}\">下载原始文件</a></p>",
        esc(&hash),
        esc(&ctype),
        charset
            .map(|c| format!("（按检测到的 {} 显示）", esc(&c)))
            .unwrap_or_default(),
        bytes.len(),
        esc(&hash),
        esc(&q)
    );
    if let Some(u) = &p.url {
        let _ = write!(
            out,
            "<p>原网址：<a href=\"{}\" rel=\"noreferrer noopener\" target=\"_blank\">{}</a></p>",
            esc(safe_href(u)),
            esc(u)
        );
    }
    let _ = write!(
        out,
        "<iframe sandbox=\"\" referrerpolicy=\"no-referrer\" src=\"/snapshots/{}/raw{}\" title=\"存档页面\"></iframe>",
        esc(&hash),
        esc(&q)
    );
    page("快照查看", &out)
}

/// The archived bytes for the viewer's frame: sandboxed by CSP as well as by the frame, so
/// even opened directly nothing in it runs or loads.
pub async fn snapshot_raw(
    State(st): State<Shared>,
    Path(hash): Path<String>,
    Query(p): Query<SnapshotParams>,
) -> Response {
    let (bytes, ctype, charset) = match snapshot_bytes(&st, &hash, p.url.as_deref()) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    let ctype = display_type(&ctype, charset.as_deref());
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ctype)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
    );
    res
}

/// The content type for display: a text page gets the charset the crawler detected, which
/// is right where the server's header was wrong (a GBK page declared as ISO-8859-1).
fn display_type(ctype: &str, charset: Option<&str>) -> String {
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match charset {
        Some(cs)
            if mime.starts_with("text/")
                && cs
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            format!("{mime}; charset={cs}")
        }
        _ => ctype.to_string(),
    }
}

/// Longest reason and name a decision form takes (the audit keeps them forever).
const MAX_REASON_CHARS: usize = 1000;
const MAX_BY_CHARS: usize = 64;

#[derive(Deserialize)]
pub struct DecisionForm {
    pub action: String,
    pub why: String,
    pub back: Option<String>,
    pub by: Option<String>,
}

/// Confirms or rejects one piece of evidence, refreshes the web facts, and returns to the page.
pub async fn decide(
    State(st): State<Shared>,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let status = match f.action.as_str() {
        "confirm" => Status::Confirmed,
        "reject" => Status::Rejected,
        other => {
            return error_page(StatusCode::BAD_REQUEST, &format!("未知操作 {other}"));
        }
    };
    let why = f.why.trim();
    if why.is_empty() {
        return error_page(StatusCode::BAD_REQUEST, "请填写理由");
    }
    if why.chars().count() > MAX_REASON_CHARS
        || f.by
            .as_deref()
            .is_some_and(|b| b.chars().count() > MAX_BY_CHARS)
    {
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!("理由最长 {MAX_REASON_CHARS} 字，署名最长 {MAX_BY_CHARS} 字"),
        );
    }
    let decision = Decision {
        by: f
            .by
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("网页分析员")
            .to_string(),
        at: Utc::now(),
        why: why.to_string(),
    };
    let st2 = st.clone();
    let id2 = id.clone();
    let done = tokio::task::spawn_blocking(move || {
        let e = st2
            .store
            .decide_evidence(&id2, status, decision)
            .map_err(|e| e.to_string())?;
        if e.is_some() {
            crate::evidence::run::refresh_from_store(&st2.project, &st2.store, Utc::now())
                .map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(e)
    })
    .await;
    let e = match done {
        Ok(Ok(Some(e))) => e,
        Ok(Ok(None)) => return error_page(StatusCode::NOT_FOUND, &format!("没有证据 {id}")),
        Ok(Err(e)) => return ApiError::internal(e).into(),
        Err(e) => return ApiError::internal(e).into(),
    };
    let back = f
        .back
        .filter(|b| local_path(b))
        .unwrap_or_else(|| format!("/units/{}", e.unit));
    Redirect::to(&back).into_response()
}

/// Whether `back` is a path on this server and nothing else: a leading `/` not followed by `/`
/// or `\`, and only the characters of an encoded path and query. Browsers drop tabs and line
/// breaks from a `Location` (`/\t/evil.example` is `//evil.example`, another site), and a line
/// break cannot be a header value at all, so anything outside that set falls back to the unit.
fn local_path(back: &str) -> bool {
    let b = back.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.len() <= 2048
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"/-._~%?=&+".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_back() {
        for ok in ["/units/d-sjj", "/search?text=%E8%AF%9A&unit=t-a", "/"] {
            assert!(local_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "https://evil.example/",
            "evil.example",
            "/ /evil.example",
            "",
        ] {
            assert!(!local_path(bad), "{bad:?} passed");
        }
    }
}
