//! simweb from the outside: started in-process on an ephemeral loopback port and read with
//! reqwest, whose host map sends every simulated host to 127.0.0.1 (no other address is ever
//! contacted). Checks determinism, reachability of every truth URL under faults, robots.txt,
//! validators and 304s across nights, 429 with Retry-After, each declared fault, GBK decoding,
//! and the 200,000-page scale.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use govtrust::simweb::{
    start, Failure, FaultProfile, RetryAfter, SimHandle, SimOptions, SimWeb, Site, Truth,
};

fn hosts() -> impl Iterator<Item = &'static str> {
    Site::ALL.into_iter().map(Site::host)
}

fn roster() -> govtrust::config::Roster {
    SimWeb::load_roster(std::path::Path::new(govtrust::simweb::DEFAULT_ROSTER))
        .expect("shipped roster loads")
}

async fn sim(seed: u64, scale: u64, night: u32, faults: FaultProfile) -> SimHandle {
    start(SimOptions {
        seed,
        scale,
        night,
        faults,
        roster: Some(roster()),
        ..SimOptions::default()
    })
    .await
    .expect("simweb starts on loopback")
}

fn client(addr: SocketAddr, redirects: bool) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .redirect(if redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
    for h in hosts() {
        b = b.resolve(h, addr);
    }
    b.build().expect("client builds")
}

/// `http://host/path` → `http://host:port/path` (the host map supplies 127.0.0.1).
fn at(addr: SocketAddr, url: &str) -> String {
    for h in hosts() {
        if let Some(rest) = url.strip_prefix(&format!("http://{h}")) {
            return format!("http://{h}:{}{rest}", addr.port());
        }
    }
    panic!("not a simweb url: {url}")
}

fn split(url: &str) -> (Site, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    (Site::from_host(host).unwrap(), format!("/{path}"))
}

/// GET with retries on transport errors, 5xx and 429 (immediately: the test only checks that
/// transient faults clear).
async fn get_retrying(c: &reqwest::Client, url: &str) -> (u16, Vec<u8>) {
    let mut last = 0;
    for _ in 0..5 {
        match c.get(url).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                match r.bytes().await {
                    Ok(b) if status == 200 => return (status, b.to_vec()),
                    Ok(b) if status != 429 && status < 500 => return (status, b.to_vec()),
                    _ => last = status,
                }
            }
            Err(_) => last = 0,
        }
    }
    (last, Vec::new())
}

#[tokio::test]
async fn same_seed_gives_identical_pages_and_truth() {
    let a = SimWeb::new(roster(), 42, 300, 2);
    let b = SimWeb::new(roster(), 42, 300, 2);
    let ta = a.truth();
    assert_eq!(
        serde_json::to_vec(&ta).unwrap(),
        serde_json::to_vec(&b.truth()).unwrap()
    );
    for url in ta.urls.iter().step_by(7) {
        let (site, path) = split(url);
        let (p, q) = path.split_once('?').unwrap_or((&path, ""));
        let (ra, rb) = (
            a.serve(site, p, q, FaultProfile::None),
            b.serve(site, p, q, FaultProfile::None),
        );
        assert_eq!(ra.status, 200, "{url}");
        assert_eq!(ra.body, rb.body, "{url}");
    }
    let other = SimWeb::new(roster(), 43, 300, 2).truth();
    assert_ne!(ta.units, other.units, "another seed plants other facts");

    // And through the server: two instances, same bytes.
    let (s1, s2) = (
        sim(42, 300, 2, FaultProfile::None).await,
        sim(42, 300, 2, FaultProfile::None).await,
    );
    let (c1, c2) = (client(s1.addr(), false), client(s2.addr(), false));
    for url in ta.urls.iter().step_by(97) {
        let (x, y) = (
            get_retrying(&c1, &at(s1.addr(), url)).await,
            get_retrying(&c2, &at(s2.addr(), url)).await,
        );
        assert_eq!(x.0, 200, "{url}");
        assert_eq!(x, y, "{url}");
    }
    s1.shutdown().await;
    s2.shutdown().await;
}

#[tokio::test]
async fn every_truth_url_is_reachable_under_mild_faults() {
    reachable_under(FaultProfile::Mild, 200).await;
}

#[tokio::test]
async fn every_truth_url_is_reachable_under_harsh_faults() {
    reachable_under(FaultProfile::Harsh, 0).await;
}

async fn reachable_under(profile: FaultProfile, scale: u64) {
    let s = sim(7, scale, 1, profile).await;
    let truth = s.truth();
    assert!(truth.urls.len() > 1000, "{}", truth.urls.len());
    let c = client(s.addr(), false);
    let addr = s.addr();
    let results: Vec<(String, u16)> = stream::iter(truth.urls.clone())
        .map(|u| {
            let c = c.clone();
            async move {
                let (status, _) = get_retrying(&c, &at(addr, &u)).await;
                (u, status)
            }
        })
        .buffer_unordered(48)
        .collect()
        .await;
    let bad: Vec<_> = results.iter().filter(|(_, s)| *s != 200).collect();
    assert!(
        bad.is_empty(),
        "unreachable: {:?}",
        &bad[..bad.len().min(10)]
    );
    let log = s.log();
    assert!(
        log.iter().any(|e| e.fault.is_some()),
        "mild faults were applied"
    );
    assert!(log
        .iter()
        .all(|e| e.host.starts_with("www.") || e.host.contains(".sim")));
    s.shutdown().await;
}

#[tokio::test]
async fn robots_unknown_host_and_request_log() {
    let s = sim(1, 100, 1, FaultProfile::Harsh).await;
    let c = client(s.addr(), false);
    for h in hosts() {
        let r = c
            .get(format!("http://{h}:{}/robots.txt", s.addr().port()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{h}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("Disallow: /") && text.contains("Crawl-delay: "),
            "{h}: {text}"
        );
    }
    // Pages link into the disallowed paths, so a crawler ignoring robots shows in the log.
    let home = c
        .get(format!("http://www.tongbai.sim:{}/", s.addr().port()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/search/") && home.contains("href=\"/admin/"));
    let r = c
        .get(format!("http://127.0.0.1:{}/", s.addr().port()))
        .header("Host", "www.unknown.sim")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .get(format!(
            "http://www.tongbai.sim:{}/robots.txt",
            s.addr().port()
        ))
        .header("If-None-Match", "\"x\"")
        .header("User-Agent", "govtrust-test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let log = s.log();
    let e = log
        .iter()
        .rev()
        .find(|e| e.user_agent.as_deref() == Some("govtrust-test"))
        .unwrap();
    assert!(e.host.starts_with("www.tongbai.sim"));
    assert_eq!(e.path, "/robots.txt");
    assert_eq!(e.if_none_match.as_deref(), Some("\"x\""));
    assert!(log
        .iter()
        .any(|e| e.host == "www.unknown.sim" && e.status == 404));
    s.shutdown().await;
}

#[tokio::test]
async fn validators_are_stable_across_nights_and_answer_304() {
    let t1 = SimWeb::new(roster(), 3, 200, 1).truth();
    let t2 = SimWeb::new(roster(), 3, 200, 2).truth();
    // Night 2 adds pages and changes a few.
    let added: Vec<&String> = t2.urls.iter().filter(|u| !t1.urls.contains(u)).collect();
    assert!(!added.is_empty());
    let n1 = sim(3, 200, 1, FaultProfile::None).await;
    let n2 = sim(3, 200, 2, FaultProfile::None).await;
    let (c1, c2) = (client(n1.addr(), false), client(n2.addr(), false));
    let revised = t2
        .documents
        .iter()
        .find(|d| d.role == "T1")
        .unwrap()
        .url
        .clone();
    let sample: Vec<&String> = t1
        .urls
        .iter()
        .step_by(23)
        .chain(std::iter::once(&revised))
        .collect();
    let (mut same, mut changed) = (0, 0);
    for url in sample {
        let r1 = c1.get(at(n1.addr(), url)).send().await.unwrap();
        assert_eq!(r1.status(), 200, "{url}");
        let etag = r1.headers()["etag"].to_str().unwrap().to_string();
        let lm = r1.headers()["last-modified"].to_str().unwrap().to_string();
        let body1 = r1.bytes().await.unwrap();
        // Same night: both validators give 304.
        let again = c1
            .get(at(n1.addr(), url))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{url}");
        let again = c1
            .get(at(n1.addr(), url))
            .header("If-Modified-Since", &lm)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{url}");
        // Next night: 304 exactly when the bytes did not change.
        let r2 = c2
            .get(at(n2.addr(), url))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        if r2.status() == 304 {
            same += 1;
            let plain = c2.get(at(n2.addr(), url)).send().await.unwrap();
            assert_eq!(plain.headers()["etag"].to_str().unwrap(), etag);
            assert_eq!(
                plain.headers()["last-modified"].to_str().unwrap(),
                lm,
                "{url}"
            );
            assert_eq!(plain.bytes().await.unwrap(), body1);
        } else {
            assert_eq!(r2.status(), 200);
            changed += 1;
            assert_ne!(r2.headers()["etag"].to_str().unwrap(), etag);
            assert_ne!(r2.bytes().await.unwrap(), body1, "{url}");
        }
    }
    assert!(changed >= 1, "the revised 权责清单 changed");
    assert!(
        same > changed * 5,
        "most pages unchanged: {same} same, {changed} changed"
    );
    let log = n2.log();
    assert!(log
        .iter()
        .any(|e| e.status == 304 && e.if_none_match.is_some()));
    n1.shutdown().await;
    n2.shutdown().await;
}

/// The first truth URL whose plan has the failure `want`.
fn find_failure(
    web: &SimWeb,
    truth: &Truth,
    profile: FaultProfile,
    want: fn(&Failure) -> bool,
) -> (String, u32) {
    for url in &truth.urls {
        let (site, path) = split(url);
        if let Some((f, n)) = web.fault_plan(profile, site, &path).failure {
            if want(&f) {
                return (url.clone(), n);
            }
        }
    }
    panic!("no url with the wanted failure")
}

#[tokio::test]
async fn too_many_requests_carries_retry_after_in_both_forms() {
    for profile in [FaultProfile::Mild, FaultProfile::Harsh] {
        let s = sim(11, 300, 1, profile).await;
        let truth = s.truth();
        let c = client(s.addr(), false);
        let mut forms = HashSet::new();
        for url in &truth.urls {
            let (site, path) = split(url);
            let Some((Failure::TooMany(ra), _)) = s.web().fault_plan(profile, site, &path).failure
            else {
                continue;
            };
            let form = matches!(ra, RetryAfter::Seconds(_));
            if !forms.insert(form) {
                continue;
            }
            let r = c.get(at(s.addr(), url)).send().await.unwrap();
            assert_eq!(r.status(), 429, "{url}");
            let value = r.headers()["retry-after"].to_str().unwrap().to_string();
            match ra {
                RetryAfter::Seconds(n) => assert_eq!(value.parse::<u64>().unwrap(), n),
                RetryAfter::DateIn(_) => {
                    let when = httpdate::parse_http_date(&value).unwrap();
                    assert!(
                        when > std::time::SystemTime::now() - Duration::from_secs(1),
                        "{value}"
                    );
                }
            }
            let r = c.get(at(s.addr(), url)).send().await.unwrap();
            assert_eq!(r.status(), 200, "cleared after one 429: {url}");
        }
        let expected = if profile == FaultProfile::Harsh { 2 } else { 1 };
        assert_eq!(forms.len(), expected, "{profile:?}");
        s.shutdown().await;
    }
}

#[tokio::test]
async fn harsh_faults_behave_as_declared() {
    let s = sim(5, 300, 1, FaultProfile::Harsh).await;
    let truth = s.truth();
    let c = client(s.addr(), false);
    let web = s.web();
    let p = FaultProfile::Harsh;

    // 5xx for the declared attempts, then 200.
    let (url, n) = find_failure(web, &truth, p, |f| matches!(f, Failure::Status(_)));
    for _ in 0..n {
        let st = c
            .get(at(s.addr(), &url))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!([500, 502, 503].contains(&st), "{st}");
    }
    assert_eq!(
        c.get(at(s.addr(), &url)).send().await.unwrap().status(),
        200
    );

    // Reset: headers then a dropped connection, then 200.
    let (url, n) = find_failure(web, &truth, p, |f| matches!(f, Failure::Reset));
    for _ in 0..n {
        let r = c.get(at(s.addr(), &url)).send().await;
        let failed = match r {
            Err(_) => true,
            Ok(resp) => resp.bytes().await.is_err(),
        };
        assert!(failed, "reset must fail: {url}");
    }
    assert_eq!(get_retrying(&c, &at(s.addr(), &url)).await.0, 200);

    // Truncated: fewer bytes than Content-Length, then whole.
    let (url, _) = find_failure(web, &truth, p, |f| matches!(f, Failure::Truncated));
    let r = c.get(at(s.addr(), &url)).send().await.unwrap();
    assert!(r.content_length().unwrap() > 0);
    assert!(r.bytes().await.is_err(), "truncated body must fail: {url}");
    let (st, body) = get_retrying(&c, &at(s.addr(), &url)).await;
    assert_eq!(st, 200);
    assert!(!body.is_empty());

    // Slow: the declared delay.
    let slow = truth
        .urls
        .iter()
        .find_map(|u| {
            let (site, path) = split(u);
            let plan = web.fault_plan(p, site, &path);
            (plan.slow_ms >= 200 && plan.failure.is_none()).then(|| (u.clone(), plan.slow_ms))
        })
        .unwrap();
    let t = Instant::now();
    assert_eq!(
        c.get(at(s.addr(), &slow.0)).send().await.unwrap().status(),
        200
    );
    assert!(
        t.elapsed() >= Duration::from_millis(slow.1),
        "{:?} < {}",
        t.elapsed(),
        slow.1
    );

    let base = |path: &str| format!("http://www.tongbai.sim:{}{path}", s.addr().port());
    // Redirect chain of 6 hops ending at the home page.
    let follow = client(s.addr(), true);
    let r = follow
        .get(base("/zt/redirect/1.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().path(), "/");
    let r = c.get(base("/zt/redirect/1.html")).send().await.unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/zt/redirect/2.html");
    // Redirect loop.
    assert!(
        follow.get(base("/zt/loop/a.html")).send().await.is_err(),
        "loop never ends"
    );
    // Pagination trap: each month links the next, forever.
    let text = c
        .get(base("/zt/rili/2999-12.html"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("/zt/rili/3000-01.html"));
    // Oversized body: more than the first 4 MiB arrives.
    let mut r = c.get(base("/zt/big.html")).send().await.unwrap();
    let mut got = 0usize;
    while let Some(chunk) = r.chunk().await.unwrap() {
        got += chunk.len();
        if got > 4 << 20 {
            break;
        }
    }
    assert!(got > 4 << 20);
    drop(r);
    // Gzip bomb: small on the wire, huge inflated.
    let raw = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .resolve("www.tongbai.sim", s.addr())
        .build()
        .unwrap();
    let r = raw.get(base("/zt/bomb.html")).send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let wire = r.bytes().await.unwrap();
    assert!(wire.len() < 16 << 20, "{}", wire.len());
    let mut dec = flate2::read::MultiGzDecoder::new(&wire[..]);
    let mut buf = vec![0u8; 1 << 20];
    let mut inflated = 0usize;
    while inflated < 64 << 20 {
        let n = std::io::Read::read(&mut dec, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        inflated += n;
    }
    assert!(
        inflated >= 64 << 20,
        "inflates far beyond its size: {inflated}"
    );
    // Out-of-scope links go to .invalid hosts only; no link names an IP address.
    let home = c.get(base("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(".invalid/"));
    let ip = regex::Regex::new(r#"https?://\d+\.\d+\.\d+\.\d+"#).unwrap();
    assert!(!ip.is_match(&home));
    let log = s.log();
    for f in [
        "redirect_chain",
        "redirect_loop",
        "pagination_trap",
        "oversized_body",
        "gzip_bomb",
        "connection_reset",
        "truncated_body",
    ] {
        assert!(
            log.iter().any(|e| e.fault.as_deref() == Some(f)),
            "{f} logged"
        );
    }
    s.shutdown().await;
}

#[tokio::test]
async fn mild_faults_are_transient_and_none_has_none() {
    let s = sim(9, 200, 1, FaultProfile::None).await;
    let truth = s.truth();
    let c = client(s.addr(), false);
    for url in truth.urls.iter().step_by(41) {
        let r = c.get(at(s.addr(), url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
    let r = c
        .get(format!(
            "http://www.tongbai.sim:{}/zt/rili/2023-01.html",
            s.addr().port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no fault pages without faults");
    assert!(s.log().iter().all(|e| e.fault.is_none()));
    s.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_response_and_changes_no_byte() {
    let fast = sim(9, 200, 1, FaultProfile::None).await;
    let slow = start(SimOptions {
        seed: 9,
        scale: 200,
        latency: Duration::from_millis(150),
        roster: Some(roster()),
        ..SimOptions::default()
    })
    .await
    .expect("simweb starts on loopback");
    let urls: Vec<String> = fast.truth().urls.into_iter().step_by(97).take(4).collect();
    let (cf, cs) = (client(fast.addr(), false), client(slow.addr(), false));
    for url in &urls {
        let started = Instant::now();
        let r = cs.get(at(slow.addr(), url)).send().await.unwrap();
        let waited = started.elapsed();
        let (status, body) = (r.status(), r.bytes().await.unwrap());
        // A lower bound only: the delay is a sleep before the answer, never shorter.
        assert!(waited >= Duration::from_millis(150), "{url}: {waited:?}");
        let r = cf.get(at(fast.addr(), url)).send().await.unwrap();
        assert_eq!(status, r.status(), "{url}");
        assert_eq!(body, r.bytes().await.unwrap(), "{url}");
    }
    fast.shutdown().await;
    slow.shutdown().await;
}

#[tokio::test]
async fn gbk_pages_decode_to_planted_titles() {
    let s = sim(2, 100, 1, FaultProfile::None).await;
    let truth = s.truth();
    let c = client(s.addr(), false);
    let gbk: HashMap<&str, &str> = truth
        .units
        .iter()
        .filter(|u| u.encoding == "gbk")
        .map(|u| (u.id.as_str(), u.header_charset.as_str()))
        .collect();
    assert!(!gbk.is_empty());
    let mut seen = HashSet::new();
    for d in truth
        .documents
        .iter()
        .filter(|d| d.unit.as_deref().is_some_and(|u| gbk.contains_key(u)))
    {
        let header = gbk[d.unit.as_deref().unwrap()];
        if !seen.insert(header) && seen.len() < 2 {
            continue;
        }
        let r = c.get(at(s.addr(), &d.url)).send().await.unwrap();
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        match header {
            "none" => assert_eq!(ct, "text/html"),
            _ => assert!(ct.to_ascii_lowercase().contains("iso-8859-1"), "{ct}"),
        }
        let bytes = r.bytes().await.unwrap();
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "GBK bytes are not UTF-8"
        );
        let (text, _, errors) = encoding_rs::GB18030.decode(&bytes);
        assert!(!errors);
        assert!(text.contains("charset=gbk"));
        assert!(
            text.contains(&format!("content=\"{}\"", d.title)),
            "{}",
            d.title
        );
    }
    assert_eq!(seen.len(), 2, "both header quirks seen");
    // The court site: GB2312 in <meta> only.
    let case = &truth.cases[0];
    let r = c.get(at(s.addr(), &case.url)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html");
    let bytes = r.bytes().await.unwrap();
    let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
    assert!(
        text.contains("charset=gb2312")
            && text.contains(&case.party)
            && text.contains(&case.case_code)
    );
    s.shutdown().await;
}

#[tokio::test]
async fn portal_is_browsable_from_home_to_a_power_list_attachment() {
    let s = sim(1, 100, 1, FaultProfile::None).await;
    let truth = s.truth();
    let c = client(s.addr(), false);
    let base = |p: &str| format!("http://www.tongbai.sim:{}{p}", s.addr().port());
    let doc = truth
        .documents
        .iter()
        .find(|d| d.role == "T1" && d.unit.as_deref().unwrap().starts_with("t-"))
        .unwrap();
    let unit = doc.unit.as_deref().unwrap();
    let href = regex::Regex::new(r#"href="([^"]+)""#).unwrap();
    let links = |html: &str| {
        href.captures_iter(html)
            .map(|c| c[1].replace("&amp;", "&"))
            .collect::<Vec<_>>()
    };
    let home = c.get(base("/")).send().await.unwrap().text().await.unwrap();
    let list_path = format!("/xzxxgk/{unit}/qzqd/index.html");
    assert!(links(&home).contains(&list_path));
    let list = c
        .get(base(&list_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, doc_path) = split(&doc.url);
    let article_link = links(&list)
        .into_iter()
        .find(|l| l.contains(doc_path.trim_start_matches('/')))
        .unwrap();
    let article_url = reqwest::Url::parse(&base(&list_path))
        .unwrap()
        .join(&article_link)
        .unwrap();
    let article = c
        .get(article_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(article.contains(&doc.title));
    let att = links(&article)
        .into_iter()
        .find(|l| l.starts_with("/uploadfiles/"))
        .unwrap();
    let r = c.get(base(&att)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("excel")
            || r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("sheet")
    );
    assert!(!r.bytes().await.unwrap().is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn credit_api_pages_and_records_match_truth() {
    let s = sim(4, 100, 1, FaultProfile::None).await;
    let truth = s.truth();
    let c = client(s.addr(), false);
    let rec = truth
        .records
        .iter()
        .find(|r| r.type_code == "xzcf" && !r.compliant)
        .or(truth.records.first())
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(
        &c.get(at(s.addr(), &rec.urls[1]))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(v["status"], 1);
    let list = v["data"]["list"].as_array().unwrap();
    let item = list
        .iter()
        .find(|i| i["id"] == rec.id.as_str())
        .expect("record on its API page");
    let prefix = &rec.id[..2];
    assert_eq!(
        item["entity"][format!("{prefix}_jdrq")],
        rec.decided_on.to_string()
    );
    assert_eq!(
        item["entity"][format!("{prefix}_xdr_shxym")],
        rec.uscc.as_str()
    );
    assert_eq!(
        govtrust::uscc::is_valid(&rec.uscc),
        !rec.problems.iter().any(|p| p.contains("统一社会信用代码"))
    );
    let total = v["data"]["total"].as_u64().unwrap() as usize;
    let past = format!(
        "http://credit.nanyang.sim:{}/api/sgs/list?type=xzcf&page={}&pageSize=20",
        s.addr().port(),
        total / 20 + 2
    );
    let v: serde_json::Value =
        serde_json::from_slice(&c.get(past).send().await.unwrap().bytes().await.unwrap()).unwrap();
    assert_eq!(v["data"]["list"].as_array().unwrap().len(), 0);
    let bad = c
        .get(format!(
            "http://credit.nanyang.sim:{}/api/sgs/list?type=nope",
            s.addr().port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // Timeliness in the truth follows the working-day calendar.
    let cal = govtrust::calendar::WorkCalendar::official();
    for r in &truth.records {
        assert_eq!(
            r.timely,
            r.published_on <= cal.add_working_days(r.decided_on, 7),
            "{}",
            r.id
        );
    }
    assert!(truth.records.iter().any(|r| !r.timely) && truth.records.iter().any(|r| !r.compliant));
    s.shutdown().await;
}

#[test]
fn scale_reaches_200000_distinct_pages_with_bounded_memory() {
    let small = SimWeb::new(roster(), 1, 2_000, 1);
    let big = SimWeb::new(roster(), 1, 200_000, 1);
    assert_eq!(
        small.planted_len(),
        big.planted_len(),
        "held items do not grow with scale"
    );
    let mut seen = HashSet::new();
    big.for_each_url(&mut |u| {
        seen.insert(u);
    });
    assert!(seen.len() >= 200_000, "{}", seen.len());
    assert_eq!(seen.len() as u64, big.page_count(), "every URL distinct");
    // A deep filler page and a late list page are served.
    let last = seen
        .iter()
        .find(|u| u.contains("/gzdt/index_") && u.contains("www.tongbai.sim"))
        .unwrap();
    let (site, path) = split(last);
    assert_eq!(big.serve(site, &path, "", FaultProfile::None).status, 200);
}

#[test]
fn truth_covers_every_web_item_and_planted_variety() {
    let t = SimWeb::new(roster(), 1, 100, 1).truth();
    for u in &t.units {
        let want: &[&str] = if u.id.starts_with("t-") {
            &[
                "T1", "T2.1", "T2.2", "T4", "T5", "T6.1", "T6.2", "T12", "T13", "T14",
            ]
        } else {
            &["D3", "D5", "D6", "D7", "D10", "D12", "D13", "D14"]
        };
        for item in want {
            assert!(u.items.contains_key(*item), "{} lacks {item}", u.id);
        }
    }
    let flag = |item: &str, v: bool| {
        t.units.iter().any(|u| {
            u.items
                .get(item)
                .is_some_and(|i| i.fields["published"] == govtrust::fact::Value::Bool(v))
        })
    };
    assert!(
        flag("T1", true)
            && flag("T1", false)
            && flag("T4", false)
            && flag("D7", true)
            && flag("D7", false)
    );
    assert!(
        t.notices
            .iter()
            .any(|n| n.named.iter().any(|x| x.unit.is_none())),
        "unresolvable names planted"
    );
    assert!(t
        .notices
        .iter()
        .any(|n| n.named.iter().any(|x| x.place == "table")));
    assert!(t.cases.iter().any(|c| c.relation == "village") && t.cases.iter().any(|c| c.dishonest));
    assert!(t.documents.iter().any(|d| d.role == "decoy"));
    assert!(t.documents.iter().any(|d| d.url_date != d.published_on));
    assert!(t.units.iter().any(|u| u
        .items
        .get("T2.2")
        .and_then(|i| i.fields.get("published_on"))
        .is_some_and(|d| {
            matches!(d, govtrust::fact::Value::Date(x) if x.to_string().as_str() > "2023-03-31")
        })));
}

#[test]
fn cli_refuses_a_non_loopback_listen_address() {
    assert_cmd::Command::cargo_bin("govtrust")
        .unwrap()
        .args(["simweb", "--listen", "0.0.0.0:0"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("loopback"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// No request path or query makes a site handler panic; every answer is a known status.
    #[test]
    fn arbitrary_paths_never_panic(path in "/[a-z0-9_./;%=?淮源-]{0,60}", query in "[a-z0-9=&]{0,20}", site in 0usize..Site::ALL.len()) {
        use std::sync::OnceLock;
        static WEB: OnceLock<SimWeb> = OnceLock::new();
        let web = WEB.get_or_init(|| SimWeb::new(roster(), 1, 100, 2));
        for profile in [FaultProfile::None, FaultProfile::Harsh] {
            let r = web.serve(Site::ALL[site], &path, &query, profile);
            proptest::prop_assert!([200, 301, 302, 400, 404].contains(&r.status), "{} {}", path, r.status);
        }
    }
}
