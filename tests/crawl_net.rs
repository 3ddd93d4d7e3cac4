//! The crawler's network rules against a tiny axum server on 127.0.0.1:0 that answers for
//! several host names: robots.txt redirects followed as RFC 9309 says (five hops, across hosts,
//! the rules applying to the host first asked; a sixth hop means no rules), and proxies — the
//! proxy environment variables are ignored, `crawl.proxy` is used.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Response, Uri};
use govtrust::config::Project;
use govtrust::crawl::{self, Options};
use govtrust::store::Store;

#[path = "common/loopback.rs"]
mod loopback;

/// Requests seen, as `host path`.
type Log = Arc<Mutex<Vec<String>>>;

fn redirect(to: String) -> Response<Body> {
    Response::builder()
        .status(301)
        .header("location", to)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn page(body: String) -> Response<Body> {
    Response::builder()
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `www` reaches its robots.txt on `other` after two redirects, `five` after five, `six`
/// never (six redirects); each robots.txt disallows `/private/`. Every host has a list linking
/// a public and a private page.
fn respond(host: &str, path: &str, port: u16) -> Response<Body> {
    let name = host.split(':').next().unwrap_or("");
    let rules = "User-agent: *\nDisallow: /private/\n".to_string();
    match (name, path) {
        ("www.test.sim", "/robots.txt") => redirect("/robots-moved".into()),
        ("www.test.sim", "/robots-moved") => {
            redirect(format!("http://other.test.sim:{port}/real-robots.txt"))
        }
        ("other.test.sim", "/real-robots.txt") => page(rules),
        ("five.test.sim" | "six.test.sim", "/robots.txt") => redirect("/r1".into()),
        ("five.test.sim", "/r5") | ("six.test.sim", "/r6") => page(rules),
        ("five.test.sim" | "six.test.sim", p) if p.starts_with("/r") => {
            let n: u32 = p[2..].parse().unwrap_or(9);
            redirect(format!("/r{}", n + 1))
        }
        (_, "/list.html") => page(
            r#"<html><body><ul><li><a href="/d1.html">公开</a></li><li><a href="/private/d2.html">内部</a></li></ul></body></html>"#
                .into(),
        ),
        (_, "/d1.html" | "/private/d2.html") => page(format!(
            "<html><head><title>{path}</title></head><body><p>正文</p></body></html>"
        )),
        _ => Response::builder()
            .status(404)
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}")),
    }
}

async fn start_server() -> (SocketAddr, Log) {
    let log: Log = Arc::default();
    let port = Arc::new(std::sync::OnceLock::<u16>::new());
    let (l, p) = (log.clone(), port.clone());
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let (l, p) = (l.clone(), p.clone());
        async move {
            let host = headers
                .get("host")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let name = host.split(':').next().unwrap_or("").to_string();
            l.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{name} {}", uri.path()));
            respond(&host, uri.path(), p.get().copied().unwrap_or(0))
        }
    });
    let addr = loopback::serve(app).await;
    let _ = port.set(addr.port());
    (addr, log)
}

/// A proxy stand-in: logs each request's target and answers 502.
async fn start_proxy() -> (SocketAddr, Log) {
    let log: Log = Arc::default();
    let l = log.clone();
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let l = l.clone();
        async move {
            l.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(uri.to_string());
            Response::builder()
                .status(502)
                .body(Body::empty())
                .unwrap_or_else(|e| panic!("{e}"))
        }
    });
    (loopback::serve(app).await, log)
}

const HOSTS: [&str; 4] = [
    "www.test.sim",
    "other.test.sim",
    "five.test.sim",
    "six.test.sim",
];

fn write_config(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config");
    let source = dir.join("net-source.toml");
    let lists: String = ["www", "five", "six"]
        .iter()
        .map(|h| {
            format!(
                "[[list]]\nname = \"{h}\"\nentries = [\"http://{h}.test.sim/list.html\"]\nitem = \"li\"\ntitle = \"css:a\"\n"
            )
        })
        .collect();
    let hosts: Vec<String> = HOSTS.iter().map(|h| format!("\"{h}\"")).collect();
    std::fs::write(
        &source,
        format!(
            "[source]\nname = \"net\"\n[scope]\nhosts = [{}]\nallow = ['^/private/']\n{lists}\
             [[detail]]\nurl_pattern = '^/(private/)?d\\d\\.html$'\ntitle = [\"css:title\"]\nbody = [\"css:body\"]\n",
            hosts.join(", ")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let resolve: String = HOSTS
        .iter()
        .map(|h| format!("[[crawl.resolve]]\nhost = \"{h}\"\naddr = \"127.0.0.1:0\"\n"))
        .collect();
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
max_in_flight = 4
[crawl.retry]
max_retries = 1
backoff_base = "50ms"
backoff_cap = "100ms"
{resolve}"#,
            roster = root.join("units/tongbai.toml").display(),
            t = root.join("indicators/township.toml").display(),
            d = root.join("indicators/department.toml").display(),
            source = source.display(),
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    settings
}

fn seen(log: &Log) -> Vec<String> {
    log.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_redirects_are_followed_five_hops_across_hosts() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (addr, log) = start_server().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = Project::load(&write_config(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let opts = Options {
        port: Some(addr.port()),
        ..Options::default()
    };
    crawl::run(&project, &store, opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = seen(&log);
    let got = |s: &str| seen.iter().any(|x| x == s);
    // The rules reached through two redirects, one to another host, apply to www.
    assert!(got("other.test.sim /real-robots.txt"), "{seen:#?}");
    assert!(got("www.test.sim /d1.html"), "{seen:#?}");
    assert!(!got("www.test.sim /private/d2.html"), "{seen:#?}");
    // Five redirects are followed.
    assert!(
        got("five.test.sim /r5") && got("five.test.sim /d1.html"),
        "{seen:#?}"
    );
    assert!(!got("five.test.sim /private/d2.html"), "{seen:#?}");
    // A sixth is not: no robots.txt, everything allowed.
    assert!(
        got("six.test.sim /r5") && !got("six.test.sim /r6"),
        "{seen:#?}"
    );
    assert!(got("six.test.sim /private/d2.html"), "{seen:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_variables_are_ignored_and_crawl_proxy_is_used() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (addr, log) = start_server().await;
    let (proxy, proxied) = start_proxy().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let settings = write_config(dir.path());
    let proxy_url = format!("http://{proxy}");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_govtrust"));
    cmd.arg("--store")
        .arg(dir.path().join("env-store"))
        .arg("--config")
        .arg(&settings)
        .args(["crawl", "--resolve-port", &addr.port().to_string()])
        .env("RUST_LOG", "warn");
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(var, &proxy_url);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        seen(&proxied).is_empty(),
        "the environment's proxy was used: {:?}",
        seen(&proxied)
    );
    assert!(seen(&log).iter().any(|s| s == "www.test.sim /d1.html"));

    // Configured, the proxy gets every request and the sites none.
    let before = seen(&log).len();
    let mut project = Project::load(&settings).unwrap_or_else(|e| panic!("{e}"));
    if let Some(c) = project.crawl.as_mut() {
        c.settings.proxy = Some(proxy_url);
    }
    let store = Store::open(&dir.path().join("proxy-store")).unwrap_or_else(|e| panic!("{e}"));
    let opts = Options {
        port: Some(addr.port()),
        ..Options::default()
    };
    crawl::run(&project, &store, opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let via = seen(&proxied);
    assert!(
        via.iter()
            .any(|u| u.contains("www.test.sim") && u.ends_with("/robots.txt")),
        "{via:?}"
    );
    assert_eq!(seen(&log).len(), before, "a request bypassed the proxy");
}
