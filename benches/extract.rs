//! The crawler's CPU work per page without the network or the store: simweb's pages generated
//! in process, then decoded and extracted with the simulated county's source definitions, beside
//! a floor that only parses each page with scraper (what the crawl benchmark's reference loop
//! does per page). The gap between the two is what extraction costs on top of parsing.
//! Scale: `GOVTRUST_BENCH_EXTRACT` pages (default 20000). Run: `cargo bench --bench extract`.

use std::path::Path;
use std::time::{Duration, Instant};

use govtrust::config::Project;
use govtrust::crawl::decode::decode;
use govtrust::crawl::url::Normalizer;
use govtrust::extract::detail::extract_detail;
use govtrust::extract::list::extract_list;
use govtrust::simweb::{FaultProfile, SimWeb, Site};
use url::Url;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let target: u64 = std::env::var("GOVTRUST_BENCH_EXTRACT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project =
        Project::load(&root.join("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
    let crawl = project
        .crawl
        .clone()
        .unwrap_or_else(|| panic!("no [crawl]"));
    let nz = Normalizer::new(&crawl.settings.strip_params);
    let web = SimWeb::new(project.roster.clone(), 1, target.saturating_sub(3_700), 1);
    // The pages, generated before timing: (url, content type, body).
    let mut pages: Vec<(Url, String, Vec<u8>)> = Vec::new();
    web.for_each_url(&mut |u| {
        let Ok(url) = Url::parse(&u) else { return };
        let Some(site) = url.host_str().and_then(Site::from_host) else {
            return;
        };
        let reply = web.serve(
            site,
            url.path(),
            url.query().unwrap_or(""),
            FaultProfile::None,
        );
        if reply.status == 200 && reply.content_type.contains("html") {
            pages.push((url, reply.content_type.clone(), reply.body.to_vec()));
        }
    });
    let bytes: usize = pages.iter().map(|p| p.2.len()).sum();
    println!(
        "{} HTML pages, {:.1} MB (scale {})",
        pages.len(),
        bytes as f64 / 1e6,
        web.scale()
    );

    for round in 1..=3 {
        let floor = time(|| {
            let mut n = 0usize;
            for (_, _, body) in &pages {
                let doc = scraper::Html::parse_document(&String::from_utf8_lossy(body));
                n += doc.tree.nodes().count();
            }
            n
        });
        let (mut details, mut lists) = (0usize, 0usize);
        let full = time(|| {
            let mut n = 0usize;
            for (url, ct, body) in &pages {
                let host = url.host_str().unwrap_or("");
                let text = decode(body, Some(ct), host).text;
                let Some(source) = crawl
                    .sources
                    .iter()
                    .find(|s| s.scope.hosts.iter().any(|h| h == host))
                else {
                    continue;
                };
                if let Some((_, d)) = source.detail_for(url) {
                    let f = extract_detail(d, url, &text, &nz);
                    n += f.body.len();
                    details += 1;
                } else if let Some(li) = source.list_for(url) {
                    if let Ok(p) = extract_list(&source.lists[li], url, &text, &nz) {
                        n += p.items.len();
                    }
                    lists += 1;
                }
            }
            n
        });
        let rate = |d: Duration| pages.len() as f64 / d.as_secs_f64();
        println!(
            "round {round}: parse only {:.0} pages/s ({:.1} µs/page); decode + extract {:.0} pages/s ({:.1} µs/page; {details} details, {lists} lists); extraction = {:.2}× parsing",
            rate(floor),
            floor.as_secs_f64() * 1e6 / pages.len() as f64,
            rate(full),
            full.as_secs_f64() * 1e6 / pages.len() as f64,
            full.as_secs_f64() / floor.as_secs_f64(),
        );
    }
}

fn time(f: impl FnOnce() -> usize) -> Duration {
    let started = Instant::now();
    std::hint::black_box(f());
    started.elapsed()
}
