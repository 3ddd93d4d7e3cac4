//! The crawl engine against a tiny axum server on 127.0.0.1:0, reached through the host map
//! (`www.test.sim` → the ephemeral port). The server plants: robots.txt with a Disallow and a
//! Crawl-delay, a 429 with Retry-After, a GBK page with a wrong charset header, a redirect loop,
//! a gzip bomb, an attachment, ETags answering 304, and a page that changes on night 2. Every
//! assertion about politeness is made from the server's own request log, with tolerances.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use govtrust::config::Project;
use govtrust::crawl::{self, Options};
use govtrust::store::runs::RunStatus;
use govtrust::store::Store;

#[path = "common/loopback.rs"]
mod loopback;

const CRAWL_DELAY_S: f64 = 0.1;
const GBK_TITLE: &str = "桐柏县城郊乡人民政府关于加强政务诚信建设的通知";

#[derive(Debug, Clone)]
struct Req {
    at: Instant,
    path: String,
    if_none_match: Option<String>,
    status: u16,
}

#[derive(Default)]
struct Server {
    log: Mutex<Vec<Req>>,
    attempts: Mutex<HashMap<String, u32>>,
    night: AtomicU32,
    bomb: Vec<u8>,
}

fn article(n: u32, night: u32) -> String {
    let body = if n == 2 && night >= 2 {
        "本文已于次日修订：补充了权责清单附件。"
    } else {
        "依据有关规定，现将权责清单公布如下。"
    };
    let attach = if n == 1 {
        r#"<p class="insertfileTag"><a href="/uploadfiles/2023/03/a1.pdf">权责清单.pdf</a></p>"#
    } else {
        ""
    };
    format!(
        r#"<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="测试文章{n}"><title>测试站</title></head><body>
<div class="location">您当前所在位置: 首页 &gt; 乡镇信息公开 &gt; 淮源镇 &gt; 权责清单</div>
<p>来源:桐柏县淮源镇人民政府时间:2023-03-{n:02}浏览量:</p>
<div id="article_body">{body}{attach}</div></body></html>"#
    )
}

fn list(page: u32, night: u32) -> String {
    let items: Vec<String> = match page {
        0 => vec![
            "/2023/03-28/1.html?utm_source=list".into(),
            "/2023/03-28/2.html;jsessionid=ABCDEF".into(),
            "/2023/03-28/3.html#top".into(),
            "/2023/03-28/4.html".into(),
            "/private/secret.html".into(),
            "http://evil.invalid/2023/03-28/5.html".into(),
            "/2023/03-28/900.html".into(),
            "/2023/03-28/902.html".into(),
            "/2023/03-28/903.html".into(),
            "/2023/03-28/904.html".into(),
        ],
        _ if night >= 3 => vec!["/2023/03-28/5.html".into()],
        _ => vec!["/2023/03-28/5.html".into(), "/2023/03-28/6.html".into()],
    };
    let lis: String = items
        .iter()
        .map(|h| format!("<li><a href=\"{h}\">条目</a><span>2023-03-28</span></li>\n"))
        .collect();
    format!(
        r#"<html><head><meta charset="utf-8"></head><body><div class="list-box"><ul>{lis}</ul></div>
<div id="pageDec" pagesize="10" pagecount="12"></div></body></html>"#
    )
}

fn gbk_article() -> Vec<u8> {
    let html = format!(
        r#"<html><head><title>{GBK_TITLE}</title><meta name="ArticleTitle" content="{GBK_TITLE}"></head><body>
<div class="location">您当前所在位置: 首页 &gt; 乡镇信息公开 &gt; 城郊乡 &gt; 通知公告</div>
<p>来源:城郊乡人民政府时间:2023年04月06日</p><div id="article_body">各村（社区）：为加强政务诚信建设……</div></body></html>"#
    );
    encoding_rs::GBK.encode(&html).0.into_owned()
}

fn respond(s: &Server, path: &str, headers: &HeaderMap) -> Response<Body> {
    let html = |status: StatusCode, body: Vec<u8>, ct: &str| {
        let etag = format!("\"{}\"", blake3::hash(&body).to_hex());
        if status == StatusCode::OK
            && headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str())
        {
            return Response::builder()
                .status(304)
                .header("etag", etag)
                .body(Body::empty())
                .unwrap();
        }
        Response::builder()
            .status(status)
            .header("content-type", ct)
            .header("etag", etag)
            .body(Body::from(body))
            .unwrap()
    };
    let utf8 = "text/html; charset=utf-8";
    let night = s.night.load(Ordering::SeqCst);
    let attempt = {
        let mut a = s.attempts.lock().unwrap();
        let n = a.entry(path.to_string()).or_default();
        *n += 1;
        *n
    };
    match path {
        "/robots.txt" => html(
            StatusCode::OK,
            format!("User-agent: *\nDisallow: /private/\nCrawl-delay: {CRAWL_DELAY_S}\n")
                .into_bytes(),
            "text/plain",
        ),
        // Night 5: the first list page is refused (as a site's firewall does for a night).
        "/list/index.html" if night == 5 => html(StatusCode::FORBIDDEN, b"denied".to_vec(), utf8),
        "/list/index.html" => html(StatusCode::OK, list(0, night).into_bytes(), utf8),
        "/list/index_1.html" => html(StatusCode::OK, list(1, night).into_bytes(), utf8),
        "/2023/03-28/900.html" => Response::builder()
            .status(302)
            .header("location", "/2023/03-28/901.html")
            .body(Body::empty())
            .unwrap(),
        "/2023/03-28/901.html" => Response::builder()
            .status(302)
            .header("location", "/2023/03-28/900.html")
            .body(Body::empty())
            .unwrap(),
        "/2023/03-28/902.html" => Response::builder()
            .status(200)
            .header("content-type", utf8)
            .header("content-encoding", "gzip")
            .body(Body::from(s.bomb.clone()))
            .unwrap(),
        "/2023/03-28/903.html" => html(StatusCode::OK, gbk_article(), "text/html; charset=utf-8"),
        "/2023/03-28/904.html" if attempt == 1 => Response::builder()
            .status(429)
            .header("retry-after", "1")
            .body(Body::from("slow down"))
            .unwrap(),
        // Regression: a body cut off mid-stream must be retried, not taken as a fatal decode error.
        "/2023/03-28/6.html" if attempt == 1 => {
            // Headers go out, then the connection drops before the body (as simweb's faults do).
            let full = article(6, night).into_bytes();
            let stream = futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                Err::<Vec<u8>, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "cut",
                ))
            });
            Response::builder()
                .status(200)
                .header("content-type", utf8)
                .header("content-length", full.len())
                .body(Body::from_stream(stream))
                .unwrap()
        }
        p if p.starts_with("/rili/") => {
            let n: u32 = p
                .trim_start_matches("/rili/")
                .trim_end_matches(".html")
                .parse()
                .unwrap_or(1);
            html(StatusCode::OK, format!("<html><body><ul><li>第{n}月</li></ul><a class=\"next\" href=\"{}.html\">下月</a></body></html>", n + 1).into_bytes(), utf8)
        }
        "/uploadfiles/2023/03/a1.pdf" => {
            html(StatusCode::OK, b"%PDF-1.4 fake".to_vec(), "application/pdf")
        }
        p => {
            let n = p
                .strip_prefix("/2023/03-28/")
                .and_then(|r| r.strip_suffix(".html"))
                .and_then(|n| n.parse::<u32>().ok());
            match n {
                Some(5) if night >= 3 => html(StatusCode::NOT_FOUND, b"deleted".to_vec(), utf8),
                Some(n) if (1..=6).contains(&n) || n == 904 => {
                    html(StatusCode::OK, article(n % 100, night).into_bytes(), utf8)
                }
                _ => html(StatusCode::NOT_FOUND, b"not found".to_vec(), utf8),
            }
        }
    }
}

async fn start_server() -> (SocketAddr, Arc<Server>) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..16 {
        gz.write_all(&zeros).unwrap();
    }
    let server = Arc::new(Server {
        bomb: gz.finish().unwrap(),
        night: AtomicU32::new(1),
        ..Server::default()
    });
    let st = server.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let st = st.clone();
        async move {
            let path = uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            let resp = respond(&st, uri.path(), &headers);
            st.log.lock().unwrap().push(Req {
                at: Instant::now(),
                path,
                if_none_match: headers
                    .get("if-none-match")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                status: resp.status().as_u16(),
            });
            resp
        }
    });
    (loopback::serve(app).await, server)
}

fn write_config(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config");
    let source = dir.join("test-source.toml");
    std::fs::write(
        &source,
        r##"
[source]
name = "test"
[scope]
hosts = ["www.test.sim"]
# /private/ is in scope: only robots.txt keeps the crawler out of it.
allow = ['^/uploadfiles/', '^/private/']
[[list]]
name = "权责清单"
entries = ["http://www.test.sim/list/index.html"]
item = ".list-box li"
title = "css:a"
date = "css:span"
[list.pagination]
kind = "template"
first = "index.html"
pattern = "index_{n}.html"
second = 1
count = { from = "attr", selector = "#pageDec", attr = "pagecount", per_page_attr = "pagesize" }
# An endless calendar: each page links the next month forever (a pagination trap).
[[list]]
name = "日历"
entries = ["http://www.test.sim/rili/1.html"]
item = "li"
[list.pagination]
kind = "next_link"
link = "css:a.next@href"
max_pages = 4
[[detail]]
url_pattern = '^/\d{4}/\d{2}-\d{2}/\d+\.html$'
title = ["meta:ArticleTitle", "css:title"]
date = ["label:时间"]
publisher = ["label:来源"]
body = ["css:#article_body"]
attachments = '\.pdf$'
unit_from = ["栏目单位", "publisher"]
[detail.fields]
"栏目单位" = ['re:当前所在位置[:：]?\s*首页\s*>\s*乡镇信息公开\s*>\s*([^>]+?)\s*>']
"##,
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
sources = ["{source}"]
user_agent = "govtrust-test/0.1 (+https://example.org/test; test@example.org)"
politeness = {{ rate_per_s = 50.0, concurrency = 2 }}
connect_timeout = "2s"
total_timeout = "10s"
max_body_bytes = 1_048_576
max_redirects = 5
max_in_flight = 4
log_every = "1s"
[crawl.retry]
max_retries = 3
backoff_base = "50ms"
backoff_cap = "500ms"
retry_after_cap = "5s"
[crawl.recheck]
detail_min = "0s"
[[crawl.resolve]]
host = "www.test.sim"
addr = "127.0.0.1:0"
"#,
            roster = root.join("units/tongbai.toml").display(),
            t = root.join("indicators/township.toml").display(),
            d = root.join("indicators/department.toml").display(),
            source = source.display(),
        ),
    )
    .unwrap();
    settings
}

fn opts(port: u16) -> Options {
    Options {
        port: Some(port),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polite_safe_incremental_crawl() {
    let (addr, server) = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let project = Project::load(&write_config(dir.path())).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();

    // Night 1.
    let run1 = crawl::run(&project, &store, opts(addr.port()))
        .await
        .unwrap();
    assert_eq!(run1.status, RunStatus::Complete);
    let log1: Vec<Req> = server.log.lock().unwrap().clone();

    // Robots Disallow and scope: never requested.
    assert!(
        log1.iter().all(|r| !r.path.starts_with("/private/")),
        "disallowed path requested"
    );
    assert!(
        log1.iter()
            .all(|r| !r.path.contains("jsessionid") && !r.path.contains("utm_source")),
        "unnormalised URL requested"
    );
    let s1 = run1.summary.clone().unwrap();
    assert_eq!(s1.robots_skips, 1, "{s1:?}");

    // Rate: request starts at least Crawl-delay apart (minus network jitter), never a burst.
    let tol = Duration::from_millis(40);
    for w in log1.windows(2) {
        let gap = w[1].at.duration_since(w[0].at);
        assert!(
            gap + tol >= Duration::from_secs_f64(CRAWL_DELAY_S),
            "{} then {} after {gap:?}",
            w[0].path,
            w[1].path
        );
    }
    // …and in any one-second window no more than 1/Crawl-delay + 1 requests.
    let max_per_s = (1.0 / CRAWL_DELAY_S) as usize + 1;
    for (i, r) in log1.iter().enumerate() {
        let n = log1[i..]
            .iter()
            .take_while(|x| x.at.duration_since(r.at) < Duration::from_secs(1))
            .count();
        assert!(n <= max_per_s, "{n} requests within 1 s from {}", r.path);
    }

    // 429 waited out for its Retry-After before the same URL was asked again.
    let tries: Vec<&Req> = log1
        .iter()
        .filter(|r| r.path == "/2023/03-28/904.html")
        .collect();
    assert_eq!(tries.len(), 2, "{tries:?}");
    assert_eq!(tries[0].status, 429);
    assert!(tries[1].at.duration_since(tries[0].at) + tol >= Duration::from_secs(1));

    // The pagination trap stops at the list's limit, and the run says where; the counted list
    // (12 records, 10 a page: 2 pages) ended with the site.
    assert_eq!(
        log1.iter().filter(|r| r.path.starts_with("/rili/")).count(),
        4
    );
    assert_eq!(
        s1.capped_lists,
        [("http://www.test.sim/rili/4.html".to_string(), 4)].into(),
        "{s1:?}"
    );

    // A truncated body was retried and then stored whole.
    assert_eq!(
        log1.iter()
            .filter(|r| r.path == "/2023/03-28/6.html")
            .count(),
        2
    );

    // Redirect loop detected, bounded; gzip bomb refused; neither stored as a document.
    assert!(
        log1.iter()
            .filter(|r| r.path.starts_with("/2023/03-28/90") && r.path.as_str() < "/2023/03-28/902")
            .count()
            <= 3
    );
    let loop_page = store
        .page("http://www.test.sim/2023/03-28/900.html")
        .unwrap()
        .unwrap();
    assert!(
        loop_page
            .error
            .as_deref()
            .unwrap_or("")
            .contains("redirect loop"),
        "{loop_page:?}"
    );
    let bomb = store
        .page("http://www.test.sim/2023/03-28/902.html")
        .unwrap()
        .unwrap();
    assert!(
        bomb.error.as_deref().unwrap_or("").contains("larger than"),
        "{bomb:?}"
    );
    assert!(bomb.hash.is_none());

    // Documents: every planted article with title, displayed date and unit.
    let docs = store.documents(Some("test")).unwrap();
    let by_url: HashMap<String, _> = docs.iter().map(|d| (d.url.clone(), d)).collect();
    for n in 1..=6u32 {
        let d = by_url
            .get(&format!("http://www.test.sim/2023/03-28/{n}.html"))
            .unwrap_or_else(|| panic!("article {n} missing: {:?}", by_url.keys()));
        assert_eq!(d.title.as_deref(), Some(format!("测试文章{n}").as_str()));
        assert_eq!(d.published, chrono::NaiveDate::from_ymd_opt(2023, 3, n));
        assert_eq!(d.unit.as_deref(), Some("t-huaiyuan"));
        assert_eq!(d.publisher.as_deref(), Some("桐柏县淮源镇人民政府"));
        assert!(store.snapshot(&d.snapshot).unwrap().is_some());
    }
    let gbk = by_url
        .get("http://www.test.sim/2023/03-28/903.html")
        .unwrap();
    assert_eq!(
        gbk.title.as_deref(),
        Some(GBK_TITLE),
        "GBK page with a wrong header"
    );
    assert_eq!(gbk.published, chrono::NaiveDate::from_ymd_opt(2023, 4, 6));
    assert_eq!(gbk.unit.as_deref(), Some("t-chengjiao"));
    let gbk_page = store
        .page("http://www.test.sim/2023/03-28/903.html")
        .unwrap()
        .unwrap();
    assert_eq!(gbk_page.charset.as_deref(), Some("gb18030"));
    assert_eq!(
        store
            .snapshot(gbk_page.hash.as_deref().unwrap())
            .unwrap()
            .unwrap(),
        gbk_article(),
        "raw bytes kept"
    );
    // Attachment fetched with its own snapshot.
    let a1 = by_url.get("http://www.test.sim/2023/03-28/1.html").unwrap();
    assert_eq!(a1.attachments.len(), 1);
    let att = store.page(&a1.attachments[0].url).unwrap().unwrap();
    assert_eq!(
        store
            .snapshot(att.hash.as_deref().unwrap())
            .unwrap()
            .unwrap(),
        b"%PDF-1.4 fake"
    );
    assert_eq!(docs.len(), 8, "{:?}", by_url.keys());

    // Night 2: one article changed; everything else answers 304 to conditional requests.
    server.night.store(2, Ordering::SeqCst);
    let before = log1.len();
    let run2 = crawl::run(&project, &store, opts(addr.port()))
        .await
        .unwrap();
    assert_eq!(run2.id, run1.id + 1);
    let log2: Vec<Req> = server.log.lock().unwrap()[before..].to_vec();
    for r in log2.iter().filter(|r| {
        let p = r.path.as_str();
        (p.starts_with("/2023/")
            && [
                "/1.html",
                "/2.html",
                "/3.html",
                "/4.html",
                "/5.html",
                "/6.html",
                "/903.html",
            ]
            .iter()
            .any(|s| p.ends_with(s)))
            || p.starts_with("/uploadfiles/")
    }) {
        assert!(
            r.if_none_match.is_some(),
            "night-2 request without validator: {}",
            r.path
        );
        let expect = if r.path.ends_with("/2.html") {
            200
        } else {
            304
        };
        assert_eq!(r.status, expect, "{}", r.path);
    }
    let att2: Vec<&Req> = log2
        .iter()
        .filter(|r| r.path.starts_with("/uploadfiles/"))
        .collect();
    assert_eq!(
        att2.len(),
        1,
        "the unchanged article's attachment is re-checked"
    );
    let s2 = run2.summary.unwrap();
    assert_eq!(s2.by_change.get("gone"), None, "{s2:?}");
    assert_eq!(s2.by_change.get("changed"), Some(&1), "{s2:?}");
    assert_eq!(
        s2.documents, 1,
        "only the changed page is re-extracted: {s2:?}"
    );
    let redone: Vec<_> = store
        .documents(Some("test"))
        .unwrap()
        .into_iter()
        .filter(|d| d.run == run2.id)
        .collect();
    assert_eq!(redone.len(), 1);
    assert!(redone[0].body.contains("修订"));

    // Night 3: article 5 answers 404, article 6 is no longer linked: both gone, once.
    server.night.store(3, Ordering::SeqCst);
    let run3 = crawl::run(&project, &store, opts(addr.port()))
        .await
        .unwrap();
    let s3 = run3.summary.unwrap();
    assert_eq!(s3.by_change.get("gone"), Some(&2), "{s3:?}");
    let gone: Vec<String> = store
        .run_events(run3.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.change == govtrust::store::runs::Change::Gone)
        .map(|e| e.url)
        .collect();
    assert_eq!(
        gone,
        [
            "http://www.test.sim/2023/03-28/5.html",
            "http://www.test.sim/2023/03-28/6.html"
        ]
    );
    let run4 = crawl::run(&project, &store, opts(addr.port()))
        .await
        .unwrap();
    let again: Vec<String> = store
        .run_events(run4.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.change == govtrust::store::runs::Change::Gone)
        .map(|e| format!("{} {}", e.url, e.status))
        .collect();
    assert_eq!(
        run4.summary.unwrap().by_change.get("gone"),
        None,
        "gone is reported once: {again:?}"
    );

    // Night 5: the list page that links articles 1-4 answers 403. Regression: its articles
    // were no longer reached and were all marked gone; they are followed from the list's
    // stored snapshot instead.
    server.night.store(5, Ordering::SeqCst);
    let live_before = live_pages(&store);
    let run5 = crawl::run(&project, &store, opts(addr.port()))
        .await
        .unwrap();
    assert_eq!(run5.status, RunStatus::Complete);
    let events5 = store.run_events(run5.id).unwrap();
    let list_event = events5
        .iter()
        .find(|e| e.url == "http://www.test.sim/list/index.html")
        .expect("the refused list page is part of the run");
    assert_eq!(list_event.status, "403");
    for n in 1..=4 {
        let url = format!("http://www.test.sim/2023/03-28/{n}.html");
        assert!(
            events5.iter().any(|e| e.url == url),
            "article {n} is still reached through the stored list: {events5:?}"
        );
    }
    assert_eq!(
        run5.summary.unwrap().by_change.get("gone"),
        None,
        "a refused list page makes nothing gone"
    );
    assert_eq!(live_pages(&store), live_before);
    assert_eq!(store.runs().unwrap().len(), 5);
}

/// The URLs of the content pages not marked gone.
fn live_pages(store: &Store) -> Vec<String> {
    let mut v: Vec<String> = store
        .pages()
        .unwrap()
        .into_iter()
        .filter(|p| p.hash.is_some() && p.gone_run.is_none())
        .map(|p| p.url)
        .collect();
    v.sort();
    v
}

/// Pages and documents minus fetch times: what must be equal after any interruption.
fn contents(store: &Store) -> (Vec<String>, Vec<String>) {
    let pages = store
        .pages()
        .unwrap()
        .into_iter()
        .map(|p| {
            format!(
                "{} {} {:?} {:?} {:?}",
                p.url,
                p.status,
                p.hash,
                p.error.map(|e| e.chars().take(20).collect::<String>()),
                p.charset
            )
        })
        .collect();
    let docs = store
        .documents(None)
        .unwrap()
        .into_iter()
        .map(|d| {
            format!(
                "{} {} {:?} {:?} {:?} {} {:?} {:?}",
                d.id, d.url, d.title, d.published, d.unit, d.snapshot, d.attachments, d.fields
            )
        })
        .collect();
    (pages, docs)
}

/// What a run recorded per URL (times and byte counts left out: they differ between fetches).
fn events(store: &Store) -> Vec<String> {
    let Some(run) = store.last_run().unwrap() else {
        return Vec::new();
    };
    let mut out: Vec<String> = store
        .run_events(run.id)
        .unwrap()
        .into_iter()
        .map(|e| {
            format!(
                "{} {:?} {} {:?} {}",
                e.url, e.role, e.status, e.change, e.documents
            )
        })
        .collect();
    out.sort();
    out
}

/// Pages, documents and run events of an uninterrupted crawl with `settings`.
async fn reference(
    dir: &Path,
    settings: &Path,
    port: u16,
) -> ((Vec<String>, Vec<String>), Vec<String>) {
    let project = Project::load(settings).unwrap();
    let store = Store::open(&dir.join("reference")).unwrap();
    crawl::run(&project, &store, opts(port)).await.unwrap();
    (contents(&store), events(&store))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_torn_after_any_step_resumes_to_the_same_store() {
    let (addr, _server) = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = write_config(dir.path());
    let want = reference(dir.path(), &settings, addr.port()).await;

    let bin = env!("CARGO_BIN_EXE_govtrust");
    for step in ["content", "queued", "seen", "pages"] {
        let store = dir.path().join(step);
        let run = |crash: Option<&str>| {
            let mut cmd = std::process::Command::new(bin);
            cmd.arg("--store")
                .arg(&store)
                .arg("--config")
                .arg(&settings)
                .args(["crawl", "--resolve-port", &addr.port().to_string()])
                .env("RUST_LOG", "warn")
                .env_remove("GOVTRUST_CRASH_AFTER");
            if let Some(c) = crash {
                cmd.env("GOVTRUST_CRASH_AFTER", c);
            }
            cmd.output().unwrap()
        };
        // The third commit stops right after `step`: mid-run, with later steps not written.
        let torn = run(Some(&format!("{step}@3")));
        assert!(
            !torn.status.success(),
            "{step}: the crash hook did not fire"
        );
        let s = Store::open(&store).unwrap();
        assert_ne!(
            s.last_run().unwrap().map(|r| r.status),
            Some(RunStatus::Complete),
            "{step}: the run finished before the crash"
        );
        drop(s);
        let resumed = run(None);
        assert!(
            resumed.status.success(),
            "{step}: {}",
            String::from_utf8_lossy(&resumed.stderr)
        );
        let s = Store::open(&store).unwrap();
        assert_eq!(contents(&s), want.0, "{step}: pages or documents differ");
        assert_eq!(events(&s), want.1, "{step}: run events differ");
        assert_eq!(s.runs().unwrap().len(), 1, "{step}: resumed, not restarted");
        assert_eq!(s.frontier_len().unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_crawl_resumes_to_the_same_store() {
    let (addr, _server) = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = write_config(dir.path());
    let (want, want_events) = reference(dir.path(), &settings, addr.port()).await;

    let killed = dir.path().join("killed");
    let bin = env!("CARGO_BIN_EXE_govtrust");
    let args = |store: &Path| {
        vec![
            "--store".to_string(),
            store.display().to_string(),
            "--config".into(),
            settings.display().to_string(),
            "crawl".into(),
            "--resolve-port".into(),
            addr.port().to_string(),
        ]
    };
    let mut interrupted = 0;
    let mut done = false;
    for ms in [300u64, 450, 600, 750, 900] {
        let mut child = std::process::Command::new(bin)
            .args(args(&killed))
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let s = Store::open(&killed).unwrap();
        done = s
            .last_run()
            .unwrap()
            .is_some_and(|r| r.status == RunStatus::Complete);
        drop(s);
        if done {
            break;
        }
        interrupted += 1;
    }
    assert!(interrupted >= 1, "no kill landed mid-run");
    if !done {
        // The same command, once more, finishes the run.
        let out = std::process::Command::new(bin)
            .args(args(&killed))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = Store::open(&killed).unwrap();
    let got = contents(&store);
    assert_eq!(got.0, want.0, "pages differ after kills");
    assert_eq!(got.1, want.1, "documents differ after kills");
    assert_eq!(events(&store), want_events, "run events differ after kills");
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1, "the killed run was resumed, not restarted");
    assert_eq!(runs[0].status, RunStatus::Complete);
    assert_eq!(store.frontier_len().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_pages_stops_and_the_same_command_resumes() {
    let (addr, _server) = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let project = Project::load(&write_config(dir.path())).unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let first = crawl::run(
        &project,
        &store,
        Options {
            max_pages: Some(3),
            ..opts(addr.port())
        },
    )
    .await
    .unwrap();
    assert_eq!(first.status, RunStatus::Interrupted);
    assert!(store.frontier_len().unwrap() > 0);
    let second = crawl::run(&project, &store, opts(addr.port()))
        .await
        .unwrap();
    assert_eq!((second.id, second.status), (first.id, RunStatus::Complete));
    assert_eq!(store.documents(None).unwrap().len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_progress_is_logged_to_stderr() {
    let (addr, _server) = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = write_config(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govtrust"))
        .args(["--store"])
        .arg(dir.path().join("store"))
        .args(["--config"])
        .arg(&settings)
        .args(["crawl", "--resolve-port", &addr.port().to_string()])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("INFO") && stderr.contains("run 1:") && stderr.contains("queue"),
        "no progress line on a piped stderr: {stderr}"
    );
    // The run summary goes to stdout.
    assert!(String::from_utf8_lossy(&out.stdout).contains("抓取 #1"));
}
