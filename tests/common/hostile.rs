//! A hostile site on an ephemeral 127.0.0.1 port (host `hostile.sim`), the pages a broken or
//! malicious portal serves: 100,000 nested `<div>`, a list of 200,000 links, a detail with
//! 200,000 attachment links, a 50 MB body streamed without a length, a gzip bomb, bytes that are
//! not the declared UTF-8, a slow-loris trickle, a connection reset mid-body, a page the tests
//! make panic (`GOVTRUST_PANIC_URL`), and one ordinary page. Each is built here, in the test;
//! simweb's county and its truth stay as they are. `SOURCE` crawls it.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;

#[path = "loopback.rs"]
mod loopback;
use axum::http::{Response, Uri};

/// The hostile pages (detail URLs under `/h/`) and what each must end as.
pub const PAGES: &[(&str, &str)] = &[
    ("/h/deep.html", "truncated"),
    ("/h/links.html", "truncated"),
    ("/h/huge.html", "failed"),
    ("/h/bomb.html", "failed"),
    ("/h/latin.html", "stored"),
    ("/h/slow.html", "failed"),
    ("/h/reset.html", "failed"),
    ("/h/panic.html", "failed"),
    ("/h/ok.html", "stored"),
];

/// A hub of just the endless page and the ordinary one (the quarantine test's site).
pub const SMALL_HUB: &str = "http://hostile.sim/q/index.html";

/// The list page of 200,000 links.
pub const BIG_LIST: &str = "/list/big.html";

/// Nesting of the deep page.
pub const DEPTH: usize = 100_000;
/// Links on the two link pages.
pub const LINKS: usize = 200_000;
/// Bytes the endless page sends (it never says how many).
pub const HUGE_BYTES: usize = 50 * 1024 * 1024;

/// The source definition crawling the hostile site: a hub of the hostile pages, and the list
/// of 200,000 links.
pub const SOURCE: &str = r##"
[source]
name = "hostile"
description = "a hostile portal"
[scope]
hosts = ["hostile.sim"]
allow = ['^/files/']
[[list]]
name = "首页"
entries = ["http://hostile.sim/index.html"]
item = "a"
[[list]]
name = "巨型列表"
entries = ["http://hostile.sim/list/big.html"]
item = "li"
title = "css:a"
[[detail]]
url_pattern = '^/h/[a-z]+\.html$'
title = ["css:h1", "css:title"]
date = ["label:发布时间"]
body = ["css:#content", "css:body"]
attachments = '\.pdf$'
"##;

/// Requests per path, as the server saw them.
#[derive(Default)]
pub struct Hostile {
    pub hits: Mutex<HashMap<String, u32>>,
}

impl Hostile {
    pub fn hits(&self, path: &str) -> u32 {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

fn html(body: impl Into<Body>) -> Response<Body> {
    Response::builder()
        .header("content-type", "text/html; charset=utf-8")
        .body(body.into())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn article(title: &str, body: &str) -> String {
    format!(
        "<html><head><title>{title}</title></head><body><h1>{title}</h1>\
         <p>发布时间：2023-05-06</p><div id=\"content\">{body}</div></body></html>"
    )
}

/// 64 MiB of spaces, gzip-compressed to some 64 KB.
fn bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&chunk).unwrap_or_else(|e| panic!("{e}"));
    }
    gz.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn respond(path: &str, bomb: &[u8]) -> Response<Body> {
    match path {
        "/robots.txt" => html("User-agent: *\nAllow: /\n"),
        "/index.html" => {
            let links: String = PAGES
                .iter()
                .map(|(p, _)| format!("<a href=\"{p}\">{p}</a>\n"))
                .collect();
            html(format!("<html><body>{links}</body></html>"))
        }
        "/q/index.html" => html(
            "<html><body><a href=\"/h/huge.html\">大</a><a href=\"/h/ok.html\">常</a></body></html>",
        ),
        "/list/big.html" => {
            let mut s = String::with_capacity(LINKS * 40);
            s.push_str("<html><body><ul>");
            for i in 0..LINKS {
                s.push_str(&format!("<li><a href=\"/x/{i}.html\">条目{i}</a></li>"));
            }
            s.push_str("</ul></body></html>");
            html(s)
        }
        "/h/deep.html" => {
            let mut s = String::with_capacity(DEPTH * 11 + 200);
            s.push_str("<html><head><title>深层嵌套</title></head><body><h1>深层嵌套</h1>");
            s.push_str(&"<div>".repeat(DEPTH));
            s.push_str("最深处的正文");
            s.push_str(&"</div>".repeat(DEPTH));
            s.push_str("</body></html>");
            html(s)
        }
        "/h/links.html" => {
            let mut s = String::with_capacity(LINKS * 40);
            s.push_str("<html><head><title>附件极多</title></head><body><h1>附件极多</h1><div id=\"content\">");
            for i in 0..LINKS {
                s.push_str(&format!("<a href=\"/files/{i}.pdf\">附件{i}</a>"));
            }
            s.push_str("</div></body></html>");
            html(s)
        }
        "/h/huge.html" => {
            // Chunked, with no length: the crawler must stop reading by itself.
            let chunk = bytes::Bytes::from(vec![b'a'; 64 * 1024]);
            let n = HUGE_BYTES / chunk.len();
            let stream = futures_util::stream::iter(
                (0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            );
            html(Body::from_stream(stream))
        }
        "/h/bomb.html" => Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .header("content-encoding", "gzip")
            .body(Body::from(bomb.to_vec()))
            .unwrap_or_else(|e| panic!("{e}")),
        "/h/latin.html" => {
            // Declared UTF-8, but GBK bytes with stray invalid sequences.
            let mut b = encoding_rs::GBK
                .encode(&article("编码错乱", "正文的字节不是所声明的编码"))
                .0
                .into_owned();
            b.extend_from_slice(&[0xff, 0xfe, 0x80, 0xc3, 0x28, 0xa0, 0xa1]);
            html(b)
        }
        "/h/slow.html" => {
            // Headers at once, then a byte a second, for longer than any timeout.
            let stream = futures_util::stream::unfold(0u32, |n| async move {
                if n > 600 {
                    return None;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"<")), n + 1))
            });
            html(Body::from_stream(stream))
        }
        "/h/reset.html" => {
            let full = article("连接重置", "x").into_bytes();
            let head = bytes::Bytes::from(full[..20].to_vec());
            let stream = futures_util::stream::iter([
                Ok(head),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "reset",
                )),
            ]);
            Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .header("content-length", full.len())
                .body(Body::from_stream(stream))
                .unwrap_or_else(|e| panic!("{e}"))
        }
        "/h/panic.html" => html(article("处理时崩溃", "测试在此页植入 panic")),
        "/h/ok.html" => html(article("正常页面", "一切正常")),
        p if p.starts_with("/files/") => Response::builder()
            .header("content-type", "application/pdf")
            .body(Body::from("%PDF-1.4 x"))
            .unwrap_or_else(|e| panic!("{e}")),
        _ => Response::builder()
            .status(404)
            .body(Body::from("not found"))
            .unwrap_or_else(|e| panic!("{e}")),
    }
}

/// Starts the hostile site; returns its address and its request counts.
pub async fn start() -> (SocketAddr, Arc<Hostile>) {
    let state = Arc::new(Hostile::default());
    let st = state.clone();
    let bomb = Arc::new(bomb());
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let st = st.clone();
        let bomb = bomb.clone();
        async move {
            *st.hits
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(uri.path().to_string())
                .or_default() += 1;
            respond(uri.path(), &bomb)
        }
    });
    (loopback::serve(app).await, state)
}
