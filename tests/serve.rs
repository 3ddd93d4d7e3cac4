//! `govtrust serve` end to end: the server runs in-process on 127.0.0.1:0 over a store filled by
//! a real (small, impolite) simweb crawl plus one crawled page whose title carries `<script>`;
//! every API route is hit with reqwest, the token rules are checked, decisions are posted, and
//! the pages are driven in headless Chromium when it is installed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use chrono::{NaiveDate, Utc};
use govtrust::config::Project;
use govtrust::crawl;
use govtrust::evidence::model::{DocRef, Evidence, Finding, Status};
use govtrust::extract::{Document, DocumentKind};
use govtrust::serve::{self, RunningServer, ServeOptions, API_ROUTES, JOB_ROUTES, PAGE_ROUTES};
use govtrust::simweb::{self, SimOptions};
use govtrust::store::frontier::Commit;
use govtrust::store::pages::{PageRecord, Role};
use govtrust::store::snapshots::content_hash;
use govtrust::store::Store;

const XSS_TITLE: &str =
    "审计局诚信公示<script>alert(1)</script><script>document.title='pwned'</script>";
const XSS_PAGE_URL: &str = "http://www.tongbai.sim/2023/06-01/xss.html";
const XSS_EVIDENCE: &str = "xss-evidence";

fn project() -> Project {
    Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Stores a crawled page exactly as the crawler does (one commit: page, snapshot, document),
/// plus a candidate piece of evidence resting on it.
fn plant_script_page(store: &Store, project: &Project) {
    let body = format!(
        "<html><head><title>{XSS_TITLE}</title></head><body><h1>{XSS_TITLE}</h1>\
         <p>县审计局开展诚信承诺公示活动。</p></body></html>"
    );
    let hash = content_hash(body.as_bytes());
    let now = Utc::now();
    let page = PageRecord {
        url: XSS_PAGE_URL.into(),
        final_url: XSS_PAGE_URL.into(),
        source: "sim-tongbai".into(),
        role: Role::Detail,
        status: 200,
        error: None,
        etag: None,
        last_modified: None,
        content_type: Some("text/html; charset=utf-8".into()),
        hash: Some(hash.clone()),
        charset: Some("utf-8".into()),
        bytes: body.len() as u64,
        fetched_at: now,
        run: 1,
        first_run: 1,
        changed_run: 1,
        changed_at: now,
        unchanged_streak: 0,
        next_due: None,
        gone_run: None,
        attachments: None,
    };
    let doc = Document {
        id: Document::id_for("sim-tongbai", XSS_PAGE_URL),
        source: "sim-tongbai".into(),
        list: Some("工作动态".into()),
        kind: DocumentKind::Article,
        url: XSS_PAGE_URL.into(),
        page_url: XSS_PAGE_URL.into(),
        snapshot: hash.clone(),
        title: Some(XSS_TITLE.into()),
        published: NaiveDate::from_ymd_opt(2023, 6, 1),
        publisher: Some("桐柏县审计局".into()),
        index_no: None,
        doc_no: None,
        body: "县审计局开展诚信承诺公示活动。".into(),
        attachments: vec![],
        unit: Some("d-sjj".into()),
        unit_basis: None,
        fields: BTreeMap::new(),
        run: 1,
        extracted_at: now,
    };
    store
        .commit(
            1,
            Commit {
                page: Some(page),
                snapshot: Some((hash.clone(), body.into_bytes())),
                documents: vec![doc.clone()],
                ..Commit::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let period = project.period.id.clone();
    let mut all = store
        .evidence_list(&govtrust::store::evidence::EvidenceFilter {
            period: Some(period.clone()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    all.push(Evidence {
        id: XSS_EVIDENCE.into(),
        period: period.clone(),
        unit: "d-sjj".into(),
        item: "D13".into(),
        rule: "D13.training".into(),
        finding: Finding::Activity {
            title: XSS_TITLE.into(),
        },
        document: DocRef {
            id: doc.id.clone(),
            source: doc.source.clone(),
            title: XSS_TITLE.into(),
            url: XSS_PAGE_URL.into(),
            published_on: doc.published,
        },
        snapshot: hash,
        fetched_at: Some(now),
        status: Status::Candidate,
        decision: None,
        summary: format!("发布诚信活动：{XSS_TITLE}"),
    });
    let coverage = store.coverage(&period).unwrap_or_else(|e| panic!("{e}"));
    let unresolved = store.unresolved(&period).unwrap_or_else(|e| panic!("{e}"));
    store
        .replace_evidence(&period, &all, &coverage, &unresolved)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// One crawled store shared by the read-only tests (the crawl takes seconds, not minutes).
fn crawled() -> &'static Store {
    static STORE: OnceLock<(tempfile::TempDir, Store)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            std::thread::spawn(|| {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
                let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
                let project = project();
                let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
                rt.block_on(async {
                    let sim = simweb::start(SimOptions {
                        scale: 0,
                        roster: Some(project.roster.clone()),
                        ..SimOptions::default()
                    })
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                    let opts = crawl::Options {
                        port: Some(sim.addr().port()),
                        polite: false,
                        ..crawl::Options::default()
                    };
                    let out = govtrust::pipeline::run(&project, &store, opts, Utc::now()).await;
                    sim.shutdown().await;
                    out.unwrap_or_else(|e| panic!("{e}"));
                });
                plant_script_page(&store, &project);
                (dir, store)
            })
            .join()
            .unwrap_or_else(|_| panic!("crawl fixture failed"))
        })
        .1
}

async fn start(store: Store, token: Option<&str>, write: Option<&str>) -> RunningServer {
    serve::start(
        project(),
        store,
        ServeOptions {
            listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            token: token.map(str::to_string),
            write_token: write.map(str::to_string),
            allowed_hosts: Vec::new(),
            ..ServeOptions::local("127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn get(c: &reqwest::Client, url: String) -> (u16, reqwest::header::HeaderMap, String) {
    let r = c
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap_or_default())
}

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn xss_hash(store: &Store) -> String {
    store
        .page(XSS_PAGE_URL)
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|p| p.hash)
        .unwrap_or_else(|| panic!("planted page missing"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_answers_over_a_crawled_store() {
    let store = crawled().clone();
    let server = start(store.clone(), None, None).await;
    let base = format!("http://{}", server.addr());
    let c = client();

    let (s, _, b) = get(&c, format!("{base}/api/units")).await;
    assert_eq!(s, 200);
    let units = json(&b);
    let units = units.as_array().unwrap_or_else(|| panic!("{b}"));
    assert_eq!(units.len(), 50);
    assert!(units
        .iter()
        .any(|u| u["short"] == "淮源镇" && u["rank"].as_u64().is_some()));

    let (s, _, b) = get(&c, format!("{base}/api/units/淮源镇")).await;
    assert_eq!(s, 200);
    assert_eq!(json(&b)["id"], "t-huaiyuan");
    let (s, _, b) = get(&c, format!("{base}/api/units/t-huaiyuan/items")).await;
    assert_eq!(s, 200);
    assert!(json(&b)
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["id"] == "T1")));
    let (s, _, _) = get(&c, format!("{base}/api/units/nowhere")).await;
    assert_eq!(s, 404);

    let (s, h, b) = get(&c, format!("{base}/api/scores")).await;
    assert_eq!(s, 200);
    assert!(h["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("application/json"));
    assert_eq!(json(&b)["units"].as_array().map(Vec::len), Some(50));

    let (s, _, b) = get(
        &c,
        format!("{base}/api/evidence?unit=d-sjj&status=candidate"),
    )
    .await;
    assert_eq!(s, 200);
    let ev = json(&b);
    assert!(ev["evidence"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["id"] == XSS_EVIDENCE)));
    let (s, _, b) = get(&c, format!("{base}/api/evidence/{XSS_EVIDENCE}")).await;
    assert_eq!((s, json(&b)["item"].clone()), (200, "D13".into()));
    let (s, _, _) = get(&c, format!("{base}/api/evidence?from=2023-02-30")).await;
    assert_eq!(s, 400);

    let (s, _, b) = get(&c, format!("{base}/api/documents?text=诚信&limit=5")).await;
    assert_eq!(s, 200);
    let docs = json(&b);
    let rows = docs["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 5);
    assert_eq!(docs["truncated"], true);
    assert!(rows
        .iter()
        .all(|r| r["title"].as_str().unwrap_or("").contains("诚信")
            || r["excerpt"].as_str().unwrap_or("").contains("诚信")));
    let id = rows[0]["id"].as_str().unwrap_or("").to_string();
    let (s, _, b) = get(&c, format!("{base}/api/documents/{id}")).await;
    assert_eq!(
        (s, json(&b)["id"].as_str() == Some(id.as_str())),
        (200, true)
    );

    let (s, _, b) = get(&c, format!("{base}/api/runs")).await;
    assert_eq!(s, 200);
    assert_eq!(json(&b)[0]["status"], "complete");
    let (s, _, b) = get(&c, format!("{base}/api/discrepancies")).await;
    assert_eq!(s, 200);
    assert!(json(&b).is_array());

    let hash = xss_hash(&store);
    let (s, h, b) = get(&c, format!("{base}/api/snapshots/{hash}")).await;
    assert_eq!(s, 200);
    assert!(
        b.contains("<script>alert(1)</script>"),
        "raw bytes, unchanged"
    );
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert!(h["content-disposition"]
        .to_str()
        .unwrap_or("")
        .starts_with("attachment"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    let (s, _, _) = get(&c, format!("{base}/api/snapshots/{}", "0".repeat(64))).await;
    assert_eq!(s, 404);
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

/// The service's write routes are in docs/openapi.yaml with their method (tests/service.rs
/// drives them on the binary).
#[test]
fn the_job_routes_are_documented() {
    let spec = std::fs::read_to_string("docs/openapi.yaml").unwrap_or_else(|e| panic!("{e}"));
    for (method, path) in JOB_ROUTES {
        let at = spec
            .find(&format!("\n  {path}:\n"))
            .unwrap_or_else(|| panic!("{path} is not in docs/openapi.yaml"));
        let section = &spec[at + 1..];
        let end = section[1..].find("\n  /").map_or(section.len(), |e| e + 1);
        assert!(
            section[..end].contains(&format!("\n    {}:\n", method.to_lowercase())),
            "{method} {path} is not documented"
        );
    }
}

/// Every route the router serves answers (not the fallback) and is in docs/openapi.yaml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_served_and_documented() {
    let spec = std::fs::read_to_string("docs/openapi.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert!(spec.starts_with("openapi: 3.0"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let server = start(store, None, Some("w")).await;
    let c = client();
    let routes: Vec<(&str, &str)> = API_ROUTES
        .iter()
        .map(|p| ("GET", *p))
        .chain(PAGE_ROUTES.iter().copied())
        .collect();
    for (method, path) in routes {
        assert!(
            spec.contains(&format!("\n  {path}:\n")),
            "{path} is not in docs/openapi.yaml"
        );
        let concrete = path
            .replace("{id}", "t-huaiyuan")
            .replace("{hash}", &"0".repeat(64));
        let url = format!("http://{}{concrete}", server.addr());
        let req = match method {
            "POST" => c
                .post(&url)
                .bearer_auth("w")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form(&[("action", "confirm"), ("why", "x")])),
            _ => c.get(&url),
        };
        let r = req.send().await.unwrap_or_else(|e| panic!("{e}"));
        let body = r.text().await.unwrap_or_default();
        assert_ne!(
            body, "未找到\n",
            "{method} {path} fell through to the fallback"
        );
    }
    let r = c
        .get(format!("http://{}/no/such/route", server.addr()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 404);
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_guard_reading_and_writing() {
    let store = crawled().clone();
    let c = client();
    // Read token only: read-only.
    let server = start(store.clone(), Some("r3ad"), None).await;
    let base = format!("http://{}", server.addr());
    for path in ["/api/units", "/", "/assets/style.css"] {
        let r = c
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 401, "{path} without token");
    }
    let r = c
        .get(format!("{base}/api/units"))
        .bearer_auth("wrong")
        .send()
        .await;
    assert_eq!(r.map(|r| r.status().as_u16()).unwrap_or(0), 401);
    let r = c
        .get(format!("{base}/api/units"))
        .bearer_auth("r3ad")
        .send()
        .await;
    assert_eq!(r.map(|r| r.status().as_u16()).unwrap_or(0), 200);
    let r = c
        .get(format!("{base}/login?token=r3ad"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap_or("").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap_or("").to_string();
    let r = c
        .get(format!("{base}/"))
        .header("cookie", &pair)
        .send()
        .await;
    assert_eq!(r.map(|r| r.status().as_u16()).unwrap_or(0), 200);
    let r = c.get(format!("{base}/login?token=nope")).send().await;
    assert_eq!(r.map(|r| r.status().as_u16()).unwrap_or(0), 401);
    let r = c
        .post(format!("{base}/evidence/{XSS_EVIDENCE}/decision"))
        .bearer_auth("r3ad")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "confirm"), ("why", "核实")]))
        .send()
        .await;
    assert_eq!(
        r.map(|r| r.status().as_u16()).unwrap_or(0),
        403,
        "read-only"
    );
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));

    // With a write token, POST needs it; the read token is not enough.
    let server = start(store.clone(), Some("r3ad"), Some("wr1te")).await;
    let base = format!("http://{}", server.addr());
    let r = c
        .post(format!("{base}/evidence/no-such/decision"))
        .header("cookie", &pair)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "confirm"), ("why", "核实")]))
        .send()
        .await;
    assert_eq!(r.map(|r| r.status().as_u16()).unwrap_or(0), 403);
    let r = c
        .post(format!("{base}/evidence/no-such/decision"))
        .bearer_auth("wr1te")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "confirm"), ("why", "核实")]))
        .send()
        .await;
    assert_eq!(
        r.map(|r| r.status().as_u16()).unwrap_or(0),
        404,
        "authorised, unknown id"
    );
    assert_eq!(
        store
            .evidence(XSS_EVIDENCE)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| e.status),
        Some(Status::Candidate),
        "nothing was decided by refused requests"
    );
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        serve::start(
            project(),
            store,
            ServeOptions {
                listen: "0.0.0.0:0".parse().unwrap_or_else(|e| panic!("{e}")),
                token: None,
                write_token: None,
                allowed_hosts: Vec::new(),
                ..ServeOptions::local("127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")))
            }
        )
        .await,
        Err(serve::ServeError::NeedsToken(_))
    ));
}

/// A store filled through the store APIs only, for the test that changes evidence.
fn small_store(dir: &Path) -> Store {
    let store = Store::open(dir).unwrap_or_else(|e| panic!("{e}"));
    plant_script_page(&store, &project());
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_form_confirms_and_redirects() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = small_store(dir.path());
    let server = start(store.clone(), None, Some("wr1te")).await;
    let base = format!("http://{}", server.addr());
    let c = client();
    let r = c
        .get(format!("{base}/login?write_token=wr1te"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = r.headers()["set-cookie"].to_str().unwrap_or("").to_string();
    let pair = cookie.split(';').next().unwrap_or("").to_string();
    let (_, _, page) = get(&c, format!("{base}/units/d-sjj")).await;
    assert!(
        !page.contains("action=\"/evidence/"),
        "no forms without the write cookie"
    );
    let page = c
        .get(format!("{base}/units/d-sjj"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(page.contains(&format!("action=\"/evidence/{XSS_EVIDENCE}/decision\"")));
    let r = c
        .post(format!("{base}/evidence/{XSS_EVIDENCE}/decision"))
        .header("cookie", &pair)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("action", "reject"),
            ("why", "非本单位活动"),
            ("back", "//evil.example/"),
        ]))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/units/d-sjj", "no open redirect");
    let e = store
        .evidence(XSS_EVIDENCE)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("evidence gone"));
    assert_eq!(e.status, Status::Rejected);
    assert_eq!(e.decision.map(|d| d.why), Some("非本单位活动".into()));
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_a_crawled_title_is_text_in_every_page() {
    let store = crawled().clone();
    let hash = xss_hash(&store);
    let server = start(store, None, None).await;
    let base = format!("http://{}", server.addr());
    let c = client();
    for path in [
        "/units/d-sjj".to_string(),
        "/search?text=审计局诚信公示".to_string(),
        format!("/snapshots/{hash}?url={XSS_PAGE_URL}"),
    ] {
        let (s, h, body) = get(&c, format!("{base}{path}")).await;
        assert_eq!(s, 200, "{path}");
        assert!(!body.contains("<script"), "{path} carries a raw script tag");
        if !path.starts_with("/snapshots") {
            assert!(
                body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{path}"
            );
        }
        let csp = h["content-security-policy"].to_str().unwrap_or("");
        assert!(csp.contains("script-src 'none'"), "{path}: {csp}");
    }
    let (s, h, _) = get(&c, format!("{base}/snapshots/{hash}/raw")).await;
    assert_eq!(s, 200);
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap_or("")
        .starts_with("sandbox"));
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

/// Headless Chromium, or `None` (with a message) when it is not installed.
fn chromium() -> Option<&'static str> {
    for bin in ["chromium", "chromium-browser"] {
        if Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(bin);
        }
    }
    eprintln!("SKIPPED: browser tests need Debian's `chromium` (apt-get install chromium)");
    None
}

fn browse(bin: &str, what: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(what)
    .arg(url);
    let out = cmd.output().unwrap_or_else(|e| panic!("{bin}: {e}"));
    assert!(
        out.status.success(),
        "{bin} {what} {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_headless_chromium() {
    let Some(bin) = chromium() else { return };
    let store = crawled().clone();
    let hash = xss_hash(&store);
    let server = start(store, None, None).await;
    let base = format!("http://{}", server.addr());
    let shots = std::env::var("GOVTRUST_SCREENSHOTS").ok();
    let run =
        |what: String, url: String| tokio::task::spawn_blocking(move || browse(bin, &what, &url));

    let dom = run("--dump-dom".into(), format!("{base}/"))
        .await
        .unwrap_or_default();
    for name in ["淮源镇", "县审计局", "乡镇（街道）", "县直单位"] {
        assert!(dom.contains(name), "dashboard lacks {name}");
    }
    assert!(dom.contains("<title>总览 · 政务诚信监测</title>"));

    for (path, title) in [
        ("/units/d-sjj".to_string(), "县审计局"),
        ("/search?text=审计局诚信公示".to_string(), "证据检索"),
    ] {
        let dom = run("--dump-dom".into(), format!("{base}{path}"))
            .await
            .unwrap_or_default();
        assert!(
            dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: the title is not shown as text"
        );
        assert!(
            !dom.contains("<script"),
            "{path}: a script element reached the DOM"
        );
        // The planted script would set document.title to "pwned".
        assert!(
            dom.contains(&format!("<title>{title} · 政务诚信监测</title>")),
            "{path}: the script ran or the title is wrong"
        );
    }
    // The archived page is framed in a sandbox: its script cannot rename the viewer.
    let dom = run(
        "--dump-dom".into(),
        format!("{base}/snapshots/{hash}?url={XSS_PAGE_URL}"),
    )
    .await
    .unwrap_or_default();
    assert!(
        dom.contains("<title>快照查看 · 政务诚信监测</title>"),
        "{dom}"
    );
    assert!(dom.contains("<iframe sandbox=\"\""));

    if let Some(dir) = shots {
        for (name, path) in [("dashboard", "/"), ("unit", "/units/d-sjj")] {
            let file = Path::new(&dir).join(format!("{name}.png"));
            run(
                format!("--screenshot={}", file.display()),
                format!("{base}{path}"),
            )
            .await
            .unwrap_or_default();
            assert!(file.exists());
        }
    }
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

/// DNS rebinding: a page under another name reaches the loopback server with its own `Host`;
/// a form on another origin posts with the analyst's cookies. Both are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_host_names_and_cross_origin_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = small_store(dir.path());
    let server = start(store.clone(), None, Some("wr1te")).await;
    let addr = server.addr();
    let base = format!("http://{addr}");
    let c = client();
    for (host, want) in [
        ("evil.example".to_string(), 421),
        (format!("evil.example:{}", addr.port()), 421),
        (format!("localhost:{}", addr.port()), 200),
        (addr.to_string(), 200),
    ] {
        let r = c
            .get(format!("{base}/api/units"))
            .header("host", &host)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), want, "Host: {host}");
    }
    let post = |origin: Option<String>| {
        let mut r = c
            .post(format!("{base}/evidence/{XSS_EVIDENCE}/decision"))
            .header("cookie", "govtrust_write=wr1te")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("action", "confirm"), ("why", "核实")]));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    for origin in ["http://evil.example", "null"] {
        let r = post(Some(origin.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 403, "Origin: {origin}");
    }
    assert_eq!(
        store
            .evidence(XSS_EVIDENCE)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| e.status),
        Some(Status::Candidate),
        "a cross-origin post decided nothing"
    );
    let r = post(Some(base.clone()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 303, "the server's own form");
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));

    // A configured name is accepted.
    let mut opts = ServeOptions::local("127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")));
    opts.allowed_hosts = vec!["govtrust.example".into()];
    let server = serve::start(project(), store, opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = c
        .get(format!("http://{}/api/runs", server.addr()))
        .header("host", "govtrust.example:8080")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 200);
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

/// `limit` is capped on every query route, an overlong keyword is refused, and a decision's
/// `back` leads only to a path of this server (no open redirect through tab or line break).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_are_capped_and_back_links_stay_local() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = small_store(dir.path());
    let over = serve::api::MAX_LIMIT + 5;
    let docs: Vec<Document> = (0..over)
        .map(|i| {
            let url = format!("http://www.tongbai.sim/2023/07-01/{i}.html");
            Document {
                id: Document::id_for("sim-tongbai", &url),
                source: "sim-tongbai".into(),
                list: None,
                kind: DocumentKind::Article,
                url: url.clone(),
                page_url: url,
                snapshot: "0".repeat(64),
                title: Some(format!("诚信建设动态第{i}期")),
                published: NaiveDate::from_ymd_opt(2023, 7, 1),
                publisher: None,
                index_no: None,
                doc_no: None,
                body: "诚信".into(),
                attachments: vec![],
                unit: Some("d-sjj".into()),
                unit_basis: None,
                fields: BTreeMap::new(),
                run: 1,
                extracted_at: Utc::now(),
            }
        })
        .collect();
    store.put_documents(&docs).unwrap_or_else(|e| panic!("{e}"));
    let server = start(store.clone(), None, Some("wr1te")).await;
    let base = format!("http://{}", server.addr());
    let c = client();
    let (s, _, b) = get(
        &c,
        format!("{base}/api/documents?limit=18446744073709551615"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let v = json(&b);
    assert_eq!(
        v["rows"].as_array().map(Vec::len),
        Some(serve::api::MAX_LIMIT)
    );
    assert_eq!(v["truncated"], true);
    let (s, _, b) = get(&c, format!("{base}/search?text=诚信建设&limit=999999")).await;
    assert_eq!(s, 200);
    assert!(
        b.contains(&format!("共 {} 篇文档（已截断）", serve::api::MAX_LIMIT)),
        "the page is capped too"
    );
    let (s, _, _) = get(&c, format!("{base}/api/evidence?limit=999999999")).await;
    assert_eq!(s, 200);
    let long = "诚".repeat(govtrust::query::MAX_TEXT_CHARS + 1);
    let (s, _, b) = get(&c, format!("{base}/api/documents?text={long}")).await;
    assert_eq!(s, 400, "{b}");

    for back in ["/\t/evil.example/", "/\n/evil.example/", "//evil.example"] {
        let r = c
            .post(format!("{base}/evidence/{XSS_EVIDENCE}/decision"))
            .bearer_auth("wr1te")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("action", "confirm"),
                ("why", "核实"),
                ("back", back),
            ]))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 303, "{back:?}");
        assert_eq!(r.headers()["location"], "/units/d-sjj", "{back:?}");
    }
    let r = c
        .post(format!("{base}/evidence/{XSS_EVIDENCE}/decision"))
        .bearer_auth("wr1te")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "confirm"), ("why", &"长".repeat(1001))]))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 400, "an overlong reason");
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}

/// Stores one fetch of `url` as the crawler commits it: page record, snapshot, no document.
fn commit_fetch(
    store: &Store,
    url: &str,
    body: &[u8],
    ctype: &str,
    charset: Option<&str>,
) -> String {
    let hash = content_hash(body);
    let now = Utc::now();
    let page = PageRecord {
        url: url.into(),
        final_url: url.into(),
        source: "sim-court".into(),
        role: Role::Detail,
        status: 200,
        error: None,
        etag: None,
        last_modified: None,
        content_type: Some(ctype.into()),
        hash: Some(hash.clone()),
        charset: charset.map(str::to_string),
        bytes: body.len() as u64,
        fetched_at: now,
        run: 1,
        first_run: 1,
        changed_run: 1,
        changed_at: now,
        unchanged_streak: 0,
        next_due: None,
        gone_run: None,
        attachments: None,
    };
    store
        .commit(
            1,
            Commit {
                page: Some(page),
                snapshot: Some((hash.clone(), body.to_vec())),
                ..Commit::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    hash
}

/// After the page changed, its old snapshot is still shown with the type and charset it was
/// served with, with or without the page URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_snapshot_keeps_its_own_type_after_the_page_changed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let url = "http://zxgk.court.sim/detail/1.html";
    let (gbk, _, _) =
        encoding_rs::GBK.encode("<html><body>被执行人名单：桐柏县某某公司</body></html>");
    let old = commit_fetch(&store, url, &gbk, "text/html; charset=GBK", Some("gb18030"));
    let new = commit_fetch(&store, url, b"%PDF-1.4 ...", "application/pdf", None);
    let server = start(store, None, None).await;
    let base = format!("http://{}", server.addr());
    let c = client();
    for q in [String::new(), format!("?url={url}")] {
        let (s, h, _) = get(&c, format!("{base}/snapshots/{old}/raw{q}")).await;
        assert_eq!(s, 200);
        assert_eq!(h["content-type"], "text/html; charset=gb18030", "{q}");
        let (s, h, _) = get(&c, format!("{base}/api/snapshots/{old}{q}")).await;
        assert_eq!(s, 200);
        assert_eq!(h["content-type"], "text/html; charset=GBK", "{q}");
        let (_, h, _) = get(&c, format!("{base}/snapshots/{new}/raw{q}")).await;
        assert_eq!(h["content-type"], "application/pdf", "{q}");
    }
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}
