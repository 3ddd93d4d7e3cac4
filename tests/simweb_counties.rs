//! simweb serving many counties (`SimOptions::counties`, `govtrust simweb --counties N`): county
//! 0 is today's county byte for byte; every further county has hosts of its own, links only to
//! them, is a variant of its own (other documents), and answers the same bytes every time.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use govtrust::simweb::{county_host, start, SimOptions, SimWeb, Site, UrlKind};

fn roster() -> govtrust::config::Roster {
    SimWeb::load_roster(std::path::Path::new(govtrust::simweb::DEFAULT_ROSTER))
        .expect("shipped roster loads")
}

fn client(addr: SocketAddr, counties: u32) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none());
    for k in 0..=counties {
        for s in Site::ALL {
            b = b.resolve(&county_host(s, k), addr);
        }
    }
    b.build().expect("client builds")
}

/// `http://host/path` → `http://host:port/path`.
fn at(addr: SocketAddr, url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("absolute URL");
    let (host, path) = rest.split_once('/').expect("a path");
    format!("http://{host}:{}/{path}", addr.port())
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, Vec<u8>) {
    let r = c.get(url).send().await.expect("simweb answers");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("a body").to_vec())
}

fn host_of(url: &str) -> &str {
    url.strip_prefix("http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or("")
}

#[test]
fn counties_have_distinct_hosts_and_their_urls_stay_on_them() {
    let roster = roster();
    let mut all_hosts = HashSet::new();
    let mut first_docs = HashSet::new();
    for k in 0..4 {
        let web = SimWeb::county(roster.clone(), 1, 500, 1, k);
        let hosts: HashSet<String> = web.hosts().into_iter().collect();
        assert_eq!(hosts.len(), 7);
        for h in &hosts {
            assert!(
                all_hosts.insert(h.clone()),
                "host {h} of county {k} is another's"
            );
        }
        let (mut lists, mut details) = (0, 0);
        web.for_each_page(&mut |u, kind| {
            assert!(hosts.contains(host_of(&u)), "county {k}: {u}");
            match kind {
                UrlKind::List => lists += 1,
                UrlKind::Detail => details += 1,
            }
        });
        assert!(
            lists > 100 && details > lists,
            "county {k}: {lists} lists, {details} details"
        );
        let truth = web.truth();
        assert_eq!(truth.urls.len() as u64, web.page_count());
        assert!(truth.urls.iter().all(|u| hosts.contains(host_of(u))));
        assert_eq!(truth.hosts.iter().cloned().collect::<HashSet<_>>(), hosts);
        // Each county is a variant of its own: its planted documents are other documents.
        let doc = truth.documents[0].url.clone();
        assert!(hosts.contains(host_of(&doc)));
        assert!(first_docs.insert(doc.split_once(".sim").map(|x| x.1.to_string())));
    }
    // County 0 is today's county.
    let today = SimWeb::new(roster.clone(), 1, 500, 1);
    assert_eq!(
        today.truth(),
        SimWeb::county(roster, 1, 500, 1, 0).truth(),
        "county 0 is SimWeb::new"
    );
}

#[tokio::test]
async fn a_multi_county_server_answers_each_county_deterministically_on_its_own_hosts() {
    let roster = roster();
    let sim = start(SimOptions {
        scale: 300,
        counties: 3,
        roster: Some(roster.clone()),
        ..SimOptions::default()
    })
    .await
    .expect("simweb starts");
    let c = client(sim.addr(), 3);
    let addr = sim.addr();

    // County 0 answers as a one-county simweb does.
    let alone = SimWeb::new(roster.clone(), 1, 300, 1);
    let (s, home0) = get(&c, &at(addr, "http://www.tongbai.sim/")).await;
    assert_eq!(s, 200);
    let expected = alone.serve(Site::County, "/", "", Default::default());
    assert_eq!(home0, expected.body.to_vec());
    let (_, robots0) = get(&c, &at(addr, "http://www.tongbai.sim/robots.txt")).await;
    assert!(String::from_utf8_lossy(&robots0).contains("Crawl-delay: 0.01"));

    for k in [1u32, 2] {
        let web = SimWeb::county(roster.clone(), 1, 300, 1, k);
        let own: HashSet<String> = web.hosts().into_iter().collect();
        let mut urls = Vec::new();
        web.for_each_url(&mut |u| urls.push(u));
        // Every list page and a sample of details: 200, the same bytes twice, links only to
        // the county's own hosts (or out of scope), never to county 0's.
        let mut checked = 0;
        for (i, u) in urls.iter().enumerate() {
            if !(u.contains("index") || u.ends_with('/') || i % 97 == 0) {
                continue;
            }
            let (s1, b1) = get(&c, &at(addr, u)).await;
            let (s2, b2) = get(&c, &at(addr, u)).await;
            assert_eq!((s1, s2), (200, 200), "{u}");
            assert_eq!(b1, b2, "{u} changed between two requests");
            // GBK pages keep ASCII host names as ASCII bytes.
            let text = String::from_utf8_lossy(&b1);
            for h in Site::ALL.map(Site::host) {
                for (pos, _) in text.match_indices(h) {
                    let before = text[..pos].chars().last().unwrap_or(' ');
                    assert!(
                        before.is_ascii_alphanumeric() || before == '.',
                        "{u} links county 0's host {h}"
                    );
                }
            }
            for m in text.match_indices("http://") {
                let host = text[m.0 + 7..]
                    .split(['/', '"', '\'', ' ', '<'])
                    .next()
                    .unwrap_or("");
                if host.ends_with(".sim") {
                    assert!(own.contains(host), "{u} links {host}");
                }
            }
            checked += 1;
        }
        assert!(checked > 100, "county {k}: {checked} pages checked");
        // Pages of the county differ from county 0's: other documents.
        let (_, home) = get(&c, &at(addr, &format!("http://{}/", web.host(Site::City)))).await;
        let (_, home_city0) = get(&c, &at(addr, "http://www.nanyang.sim/")).await;
        assert_ne!(home, home_city0);
        // A real portal's robots.txt: Crawl-delay absent or 1, 2, 5 or 10 s.
        for s in Site::ALL {
            let (st, robots) =
                get(&c, &at(addr, &format!("http://{}/robots.txt", web.host(s)))).await;
            assert_eq!(st, 200);
            let text = String::from_utf8_lossy(&robots).to_string();
            let delay = text
                .lines()
                .find_map(|l| l.strip_prefix("Crawl-delay: "))
                .map(str::to_string);
            assert!(
                delay
                    .as_deref()
                    .is_none_or(|d| ["1", "2", "5", "10"].contains(&d)),
                "{text}"
            );
        }
    }
    // No county 3 on a three-county simweb.
    let (s, _) = get(
        &c,
        &at(addr, &format!("http://{}/", county_host(Site::County, 3))),
    )
    .await;
    assert_eq!(s, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn wan_latency_delays_each_answer_as_simweb_computes_it() {
    let sim = start(SimOptions {
        scale: 0,
        counties: 2,
        wan_latency: true,
        roster: Some(roster()),
        ..SimOptions::default()
    })
    .await
    .expect("simweb starts");
    let c = client(sim.addr(), 2);
    let web = SimWeb::county(roster(), 1, 0, 1, 1);
    for path in ["/", "/xzxxgk/index.html", "/bmxxgk/index.html"] {
        let want = web.wan_delay(Site::County, path);
        let t = std::time::Instant::now();
        let (s, _) = get(
            &c,
            &at(
                sim.addr(),
                &format!("http://{}{path}", web.host(Site::County)),
            ),
        )
        .await;
        let took = t.elapsed();
        assert_eq!(s, 200);
        assert!(took >= want, "{path}: {took:?} < {want:?}");
        assert!(took < want + Duration::from_secs(2), "{path}: {took:?}");
    }
    sim.shutdown().await;
}
