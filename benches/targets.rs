//! Issue #23's targets side by side, from one run: the crawl bench's measurement (crawler and
//! reference loop CPU-bound and with latency, the store's bytes after night 1 against the bodies
//! received, its growth on an unchanged night 2) and the query bench's (p95 over the query mix at
//! a million documents, highlighting included), then one table with each figure, its target and
//! pass/fail. Both measurements are the benches' own (`crawl.rs`, `query.rs`, included here), so
//! this prints exactly what they print, in one place.
//!
//! Knobs: `GOVTRUST_BENCH_PAGES` (one scale, default 200000: the issue profiles the crawl there),
//! `GOVTRUST_BENCH_DOCS` (default 1000000), and each bench's own (`GOVTRUST_BENCH_LATENCY_MS`,
//! `GOVTRUST_BENCH_BODY`, `GOVTRUST_BENCH_STORE`). Run: `cargo bench --bench targets`.

#[allow(dead_code)]
#[path = "crawl.rs"]
mod crawl;
#[allow(dead_code)]
#[path = "query.rs"]
mod query;

fn main() {
    let pages: u64 = std::env::var("GOVTRUST_BENCH_PAGES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(200_000);
    let docs: usize = std::env::var("GOVTRUST_BENCH_DOCS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1_000_000);
    let c = crawl::measure(pages);
    let q = match query::measure(docs) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("query bench failed: {e}");
            std::process::exit(1);
        }
    };
    println!();
    println!("issue #23 targets, one run:");
    c.print_targets();
    let p95_ms = q.p95.as_secs_f64() * 1e3;
    println!(
        "  {:<46} {:>8.2}{:<2} target {:<7} {}",
        format!("query p95 at {} documents", q.docs),
        p95_ms,
        "ms",
        "< 20 ms",
        if p95_ms < 20.0 { "pass" } else { "FAIL" }
    );
    println!("  query median {:.2} ms", q.median.as_secs_f64() * 1e3);
}
