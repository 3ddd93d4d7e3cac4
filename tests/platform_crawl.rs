//! The crawl through platform presets against a small axum server on 127.0.0.1:0, reached
//! through the host map: a Hanweb JCMS site (`www.hw.sim`) whose two columns show their first
//! records in a `<script type="text/xml">` datastore and serve the rest only to POSTs of their
//! `ajaxParam` to one `dataproxy.jsp` (a GET is refused), and a TrueCMS endpoint
//! (`www.tc.sim`) answering `;raw({"result":"<datastore>…","total":57})` page by page. The
//! sources say only `platform`, entries and unit: the crawl must reach every record of both,
//! POST with the right bodies, keep each column's requests apart, and do it again on night 2;
//! with robots.txt disallowing /module/ it sends no POST at all.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{Method, Response, StatusCode, Uri};
use govtrust::config::Project;
use govtrust::crawl::{self, Options};
use govtrust::store::runs::RunStatus;
use govtrust::store::Store;

#[path = "common/loopback.rs"]
mod loopback;

/// Records of each Hanweb column (column id → records), of the TrueCMS list.
const COLUMNS: [(u32, u32); 2] = [(1234, 100), (1235, 20)];
const TRUECMS: u32 = 57;

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    body: String,
    if_none_match: Option<String>,
    status: u16,
}

fn hanweb_record(col: u32, n: u32) -> String {
    let day = 1 + n % 28;
    format!(
        r#"<li><a href="/art/2024/5/{day}/art_{col}_{n}.html" title="栏目{col}公告{n}" target="_blank">栏目{col}公告{n}</a><span>2024-05-{day:02}</span></li>"#
    )
}

fn column_page(col: u32, total: u32) -> String {
    let records: String = (1..=total.min(15))
        .map(|n| format!("<record><![CDATA[{}]]></record>", hanweb_record(col, n)))
        .collect();
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head><body>
<div class="main"><div id="{col}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid={col}&unitid=5678&webname=%E5%9F%8E%E9%83%8A%E4%B9%A1&permissiontype=0"></a>]]></nextgroup><recordset>{records}</recordset></datastore></script></div>
<script type="text/javascript">
$(document).ready(function(){{
  $('#{col}').jpage({{
    dataStore: dataStore{col}, perPage: 15, groupSize: 3, totalRecord: {total},
    barPosition: 'bottom', proxyUrl: '/module/web/jpage/dataproxy.jsp',
    ajaxParam: {{ col:1, appid:1, webid:3, path:'/', columnid:{col}, sourceContentType:1, unitid:'5678', webname:'城郊乡', permissiontype:0 }}
  }});
}});
</script></div></body></html>"#
    )
}

fn form(body: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn query(uri: &Uri) -> BTreeMap<String, String> {
    form(uri.query().unwrap_or(""))
}

fn dataproxy(uri: &Uri, body: &str) -> Option<String> {
    let q = query(uri);
    let f = form(body);
    let col: u32 = f.get("columnid")?.parse().ok()?;
    let (_, total) = COLUMNS.iter().find(|(c, _)| *c == col)?;
    // The rest of the ajaxParam must come with it, as Hanweb's proxy wants.
    if f.get("unitid").map(String::as_str) != Some("5678")
        || f.get("webname").map(String::as_str) != Some("城郊乡")
        || f.get("webid").map(String::as_str) != Some("3")
    {
        return None;
    }
    let start: u32 = q.get("startrecord")?.parse().ok()?;
    let end: u32 = q.get("endrecord")?.parse().ok()?;
    let records: String = (start..=end.min(*total))
        .map(|n| format!("<record><![CDATA[{}]]></record>", hanweb_record(col, n)))
        .collect();
    Some(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>{records}</recordset></datastore>"#
    ))
}

fn article(title: &str, date: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 09:30"><meta name="ContentSource" content="城郊乡人民政府"><title>{title}</title></head>
<body><div class="main-txt"><h1>{title}</h1><div id="zoom"><p>{title}的正文。</p></div></div></body></html>"#
    )
}

fn truecms_page(page: u32, size: u32) -> String {
    let from = (page - 1) * size + 1;
    let records: String = (from..(from + size).min(TRUECMS + 1))
        .map(|n| {
            format!(
                r#"<record><![CDATA[<li><a href="/content/{n}.html" title="双公示{n}">双公示{n}</a><span>2024-04-{:02}</span></li>]]></record>"#,
                1 + n % 28
            )
        })
        .collect();
    let result = format!("<datastore><recordset>{records}</recordset></datastore>");
    let json = serde_json::json!({"result": result, "total": TRUECMS, "page": page});
    format!(";raw({json})")
}

fn respond(
    host: &str,
    method: &Method,
    uri: &Uri,
    (body, inm): (&str, Option<&str>),
    robots: bool,
) -> Response<Body> {
    let ok = |ctype: &str, text: String| {
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", ctype)
            .body(Body::from(text))
            .unwrap()
    };
    let status = |s: StatusCode| Response::builder().status(s).body(Body::empty()).unwrap();
    let path = uri.path();
    let html = "text/html; charset=utf-8";
    match (host, path) {
        ("www.hw.sim", "/robots.txt") if robots => ok(
            "text/plain",
            "User-agent: *\nDisallow: /module/\n".to_string(),
        ),
        (_, "/robots.txt") => status(StatusCode::NOT_FOUND),
        ("www.hw.sim", "/module/web/jpage/dataproxy.jsp") => {
            if method != Method::POST {
                return status(StatusCode::METHOD_NOT_ALLOWED);
            }
            match dataproxy(uri, body) {
                Some(x) => ok("text/xml; charset=utf-8", x),
                None => status(StatusCode::BAD_REQUEST),
            }
        }
        ("www.hw.sim", p) if p.starts_with("/col/col") => {
            let col: Option<u32> = p
                .trim_start_matches("/col/col")
                .split('/')
                .next()
                .and_then(|c| c.parse().ok());
            // Column pages carry an ETag: night 2 is answered 304 and read from the snapshot.
            match COLUMNS.iter().find(|(c, _)| Some(*c) == col) {
                Some((c, _)) if inm == Some(format!("\"col{c}\"").as_str()) => {
                    status(StatusCode::NOT_MODIFIED)
                }
                Some((c, total)) => Response::builder()
                    .status(StatusCode::OK)
                    .header("content-type", html)
                    .header("etag", format!("\"col{c}\""))
                    .body(Body::from(column_page(*c, *total)))
                    .unwrap(),
                None => status(StatusCode::NOT_FOUND),
            }
        }
        ("www.hw.sim", p) if p.starts_with("/art/") => {
            // /art/2024/5/D/art_COL_N.html
            let name = p.rsplit('/').next().unwrap_or("");
            let parts: Vec<&str> = name.trim_end_matches(".html").split('_').collect();
            let day: u32 = p
                .split('/')
                .nth(4)
                .and_then(|d| d.parse().ok())
                .unwrap_or(1);
            match parts.as_slice() {
                ["art", col, n] => ok(
                    html,
                    article(&format!("栏目{col}公告{n}"), &format!("2024-05-{day:02}")),
                ),
                _ => status(StatusCode::NOT_FOUND),
            }
        }
        ("www.tc.sim", "/api/list") => {
            let q = query(uri);
            let page: u32 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let size: u32 = q.get("size").and_then(|p| p.parse().ok()).unwrap_or(20);
            if q.get("channel").map(String::as_str) != Some("sgs") || page == 0 {
                return status(StatusCode::BAD_REQUEST);
            }
            ok(
                "application/javascript; charset=utf-8",
                truecms_page(page, size),
            )
        }
        ("www.tc.sim", p) if p.starts_with("/content/") => {
            let n: u32 = p
                .trim_start_matches("/content/")
                .trim_end_matches(".html")
                .parse()
                .unwrap_or(0);
            ok(
                html,
                article(&format!("双公示{n}"), &format!("2024-04-{:02}", 1 + n % 28)),
            )
        }
        _ => status(StatusCode::NOT_FOUND),
    }
}

async fn start_server(robots: bool) -> (SocketAddr, Arc<Mutex<Vec<Req>>>) {
    let log: Arc<Mutex<Vec<Req>>> = Arc::default();
    let l = log.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: axum::http::HeaderMap, body: Bytes| {
            let l = l.clone();
            async move {
                let host = headers
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("")
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let body = String::from_utf8_lossy(&body).into_owned();
                let inm = headers
                    .get("if-none-match")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let resp = respond(&host, &method, &uri, (&body, inm.as_deref()), robots);
                l.lock().unwrap().push(Req {
                    if_none_match: inm,
                    status: resp.status().as_u16(),
                    method: method.to_string(),
                    path: uri
                        .path_and_query()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    body,
                });
                resp
            }
        },
    );
    (loopback::serve(app).await, log)
}

fn write_config(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config");
    let hw = dir.join("hw.toml");
    std::fs::write(
        &hw,
        r#"
[source]
name = "hw"
[scope]
hosts = ["www.hw.sim"]
[[list]]
name = "通知公告"
platform = "hanweb"
entries = ["http://www.hw.sim/col/col1234/index.html"]
unit = "t-chengguan"
[[list]]
name = "政策文件"
platform = "hanweb"
entries = ["http://www.hw.sim/col/col1235/index.html"]
unit = "t-chengguan"
"#,
    )
    .unwrap();
    let tc = dir.join("tc.toml");
    std::fs::write(
        &tc,
        r#"
[source]
name = "tc"
[scope]
hosts = ["www.tc.sim"]
[[list]]
name = "双公示"
platform = "truecms"
entries = ["http://www.tc.sim/api/list?channel=sgs&page=1&size=20&callback=raw"]
unit = "d-fgw"
[[detail]]
url_pattern = '^/content/\d+\.html$'
title = ["meta:ArticleTitle", "css:h1"]
date = ["meta:PubDate"]
body = ["css:#zoom"]
"#,
    )
    .unwrap();
    let settings = dir.join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            r#"
[evaluation]
period = "2023"
start = "2023-01-01"
end = "2023-12-30"
roster = "{roster}"
catalogs = ["{t}", "{d}"]

[crawl]
sources = ["{hw}", "{tc}"]
presets = "{presets}"
user_agent = "govtrust-test/0.1 (+https://example.org/test; test@example.org)"
politeness = {{ rate_per_s = 200.0, concurrency = 2 }}
connect_timeout = "2s"
total_timeout = "10s"
max_in_flight = 4
[crawl.recheck]
detail_min = "0s"
[[crawl.resolve]]
host = "www.hw.sim"
addr = "127.0.0.1:0"
[[crawl.resolve]]
host = "www.tc.sim"
addr = "127.0.0.1:0"
"#,
            roster = root.join("units/tongbai.toml").display(),
            t = root.join("indicators/township.toml").display(),
            d = root.join("indicators/department.toml").display(),
            presets = root.join("presets").display(),
            hw = hw.display(),
            tc = tc.display(),
        ),
    )
    .unwrap();
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_reach_every_record_with_posted_paging() {
    let (addr, log) = start_server(false).await;
    let dir = tempfile::tempdir().unwrap();
    let project = Project::load(&write_config(dir.path())).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let opts = || Options {
        port: Some(addr.port()),
        ..Options::default()
    };

    let run = crawl::run(&project, &store, opts()).await.unwrap();
    assert_eq!(run.status, RunStatus::Complete);

    let docs = store.documents(None).unwrap();
    let titles = |source: &str| -> Vec<String> {
        let mut t: Vec<String> = docs
            .iter()
            .filter(|d| d.source == source)
            .map(|d| d.title.clone().unwrap_or_default())
            .collect();
        t.sort();
        t
    };
    let mut want_hw: Vec<String> = COLUMNS
        .iter()
        .flat_map(|(c, n)| (1..=*n).map(move |i| format!("栏目{c}公告{i}")))
        .collect();
    want_hw.sort();
    assert_eq!(titles("hw"), want_hw, "every record of both Hanweb columns");
    let mut want_tc: Vec<String> = (1..=TRUECMS).map(|n| format!("双公示{n}")).collect();
    want_tc.sort();
    assert_eq!(titles("tc"), want_tc, "every record of the TrueCMS list");
    for d in &docs {
        assert!(d.published.is_some(), "{} has its date", d.url);
        assert!(d.unit.is_some(), "{} has its unit", d.url);
    }
    let a = docs
        .iter()
        .find(|d| d.title.as_deref() == Some("栏目1234公告60"))
        .unwrap();
    assert_eq!(a.published.unwrap().to_string(), "2024-05-05");
    assert_eq!(a.list.as_deref(), Some("通知公告"));
    assert_eq!(a.unit.as_deref(), Some("t-chengguan"));
    assert_eq!(a.publisher.as_deref(), Some("城郊乡人民政府"));

    // dataproxy.jsp was only POSTed: 100 records in 3 requests of 45, 20 in one, each with its
    // column's body; never asked twice, never by GET.
    let reqs = log.lock().unwrap().clone();
    let proxy: Vec<&Req> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/module/web/jpage/dataproxy.jsp"))
        .collect();
    assert!(proxy.iter().all(|r| r.method == "POST"), "{proxy:?}");
    let mut asked: Vec<(String, String)> = proxy
        .iter()
        .map(|r| {
            (
                form(&r.body).get("columnid").cloned().unwrap_or_default(),
                r.path.clone(),
            )
        })
        .collect();
    asked.sort();
    let p = "/module/web/jpage/dataproxy.jsp";
    assert_eq!(
        asked,
        [
            (
                "1234".into(),
                format!("{p}?startrecord=1&endrecord=45&perpage=15")
            ),
            (
                "1234".into(),
                format!("{p}?startrecord=46&endrecord=90&perpage=15")
            ),
            (
                "1234".into(),
                format!("{p}?startrecord=91&endrecord=135&perpage=15")
            ),
            (
                "1235".into(),
                format!("{p}?startrecord=1&endrecord=45&perpage=15")
            ),
        ]
    );
    let body = form(&proxy[0].body);
    assert_eq!(body.get("col").map(String::as_str), Some("1"));
    assert_eq!(body.get("permissiontype").map(String::as_str), Some("0"));
    // The TrueCMS list: pages 1–3 of 20.
    let mut tc_pages: Vec<String> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/api/list"))
        .map(|r| r.path.clone())
        .collect();
    tc_pages.sort();
    assert_eq!(tc_pages.len(), 3, "{tc_pages:?}");

    // A POST page is stored under its URL and body: the two columns' first requests are two.
    let pages = store.pages().unwrap();
    let posted: Vec<&str> = pages
        .iter()
        .filter(|p| p.url.contains("#post:"))
        .map(|p| p.url.as_str())
        .collect();
    assert_eq!(posted.len(), 4, "{posted:?}");
    assert!(posted.iter().all(|u| pages
        .iter()
        .any(|p| p.url == *u && p.status == 200 && p.hash.is_some())));

    // Night 2: the column pages answer 304, their captures are read from the snapshot, the
    // same requests go out again (a POST with no validators); nothing lost, nothing new.
    log.lock().unwrap().clear();
    let run2 = crawl::run(&project, &store, opts()).await.unwrap();
    assert_eq!(run2.status, RunStatus::Complete);
    let again = log.lock().unwrap().clone();
    let columns: Vec<u16> = again
        .iter()
        .filter(|r| r.path.starts_with("/col/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(columns, [304, 304]);
    let proxy2: Vec<&Req> = again
        .iter()
        .filter(|r| r.path.starts_with(p) && r.method == "POST")
        .collect();
    assert_eq!(proxy2.len(), 4);
    assert!(proxy2
        .iter()
        .all(|r| r.if_none_match.is_none() && r.status == 200));
    assert_eq!(store.documents(None).unwrap().len(), docs.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_obeys_robots_txt() {
    let (addr, log) = start_server(true).await;
    let dir = tempfile::tempdir().unwrap();
    let project = Project::load(&write_config(dir.path())).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let opts = Options {
        port: Some(addr.port()),
        sources: vec!["hw".into()],
        ..Options::default()
    };
    let run = crawl::run(&project, &store, opts).await.unwrap();
    assert_eq!(run.status, RunStatus::Complete);
    let reqs = log.lock().unwrap().clone();
    assert!(
        !reqs.iter().any(|r| r.path.starts_with("/module/")),
        "robots.txt disallows /module/: {reqs:?}"
    );
    // The requests were queued and refused by robots, each recorded as such.
    let pages = store.pages().unwrap();
    let refused: Vec<_> = pages
        .iter()
        .filter(|p| p.url.contains("#post:"))
        .map(|p| p.error.clone().unwrap_or_default())
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused.iter().all(|e| e.contains("robots")), "{refused:?}");
    // What the column pages hold themselves is still read: 15 records each.
    assert_eq!(store.documents(Some("hw")).unwrap().len(), 30);
}
