//! Fault isolation in the crawl, against the hostile site of `common/hostile.rs`: no page can
//! take the crawl down (100,000 nested `<div>`, a panic in a page's handling, 200,000 links, a
//! 50 MB body, a gzip bomb, invalid UTF-8, a slow-loris trickle, a reset), each bad page ends
//! failed or truncated with its reason, a page that fails run after run is quarantined, and
//! crawled together with the simulated county the hostile site leaves every county page stored
//! within 300 MB of peak RSS.

use std::path::{Path, PathBuf};

use govtrust::config::Project;
use govtrust::store::faults::FaultKind;
use govtrust::store::runs::{Change, RunStatus};
use govtrust::store::Store;

#[path = "common/county.rs"]
mod county;
#[path = "common/hostile.rs"]
mod hostile;

/// The simulated county's hosts, besides `hostile.sim`.
const COUNTY_HOSTS: [&str; 7] = [
    "www.tongbai.sim",
    "www.nanyang.sim",
    "credit.nanyang.sim",
    "zxgk.court.sim",
    "huaiyuan.tongbai.sim",
    "fgw.tongbai.sim",
    "dsj.nanyang.sim",
];

/// Settings crawling `sources` (definition texts) and the shipped source files `shipped`, with
/// the hostile site's limits for a test: short timeouts, one retry, 100 links a page; every
/// host (`hostile.sim` and `hosts`) mapped to port 0, given at run time.
fn write_config(
    dir: &Path,
    sources: &[(&str, &str)],
    shipped: &[&str],
    hosts: &[&str],
    extra: &str,
) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let c = root.join("crawl-config");
    let mut files = Vec::new();
    for (name, text) in sources {
        let f = dir.join(format!("{name}.toml"));
        std::fs::write(&f, text).unwrap_or_else(|e| panic!("{e}"));
        files.push(format!("{:?}", f.display().to_string()));
    }
    for s in shipped {
        let f = root.join(format!("sources/{s}.toml"));
        files.push(format!("{:?}", f.display().to_string()));
    }
    let resolve: String = hosts
        .iter()
        .chain(&["hostile.sim"])
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
rules = "{rules}"

[crawl]
sources = [{files}]
presets = "{presets}"
user_agent = "govtrust-test/0.1 (+https://example.org/test; test@example.org)"
politeness = {{ rate_per_s = 50.0, concurrency = 8 }}
connect_timeout = "2s"
total_timeout = "3s"
max_in_flight = 16
max_links_per_page = 100
log_every = "1s"
{extra}
[crawl.retry]
max_retries = 1
backoff_base = "50ms"
backoff_cap = "100ms"
[crawl.recheck]
detail_min = "0s"
[[crawl.host]]
host = "hostile.sim"
rate_per_s = 200.0
concurrency = 4
{resolve}"#,
            roster = c.join("units/tongbai.toml").display(),
            t = c.join("indicators/township.toml").display(),
            d = c.join("indicators/department.toml").display(),
            rules = c.join("rules").display(),
            presets = c.join("presets").display(),
            files = files.join(", "),
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    settings
}

/// Each hostile page ended as `hostile::PAGES` says, with its reason; the crawl's run is
/// complete and no hostile page was asked for more than its retry allows.
fn assert_hostile_outcomes(store_dir: &Path, site: &hostile::Hostile) -> Store {
    let store = Store::open(store_dir).unwrap_or_else(|e| panic!("{e}"));
    let run = store
        .last_run()
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no run"));
    assert_eq!(run.status, RunStatus::Complete);
    let faults = store.page_faults().unwrap_or_else(|e| panic!("{e}"));
    let fault = |path: &str| {
        let url = format!("http://hostile.sim{path}");
        faults.iter().find(|f| f.url == url).cloned()
    };
    let page = |path: &str| {
        store
            .page(&format!("http://hostile.sim{path}"))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{path} not recorded"))
    };
    for (path, want) in hostile::PAGES {
        let p = page(path);
        let f = fault(path);
        match *want {
            "truncated" => {
                let f = f.unwrap_or_else(|| panic!("{path}: no fault recorded"));
                assert_eq!(f.kind, FaultKind::Truncated, "{path}: {f:?}");
                assert_eq!(p.status, 200, "{path}");
                assert!(p.hash.is_some(), "{path}: the snapshot is kept");
            }
            "failed" => {
                let reason = f
                    .map(|f| {
                        assert_eq!(f.kind, FaultKind::Failed, "{path}: {f:?}");
                        f.reason
                    })
                    .or(p.error.clone())
                    .unwrap_or_else(|| panic!("{path}: failed without a reason: {p:?}"));
                assert!(!reason.is_empty(), "{path}");
                assert!(p.hash.is_none(), "{path}: nothing stored: {p:?}");
            }
            _ => {
                assert_eq!((p.status, &p.error), (200, &None), "{path}");
                assert!(f.is_none(), "{path}: {f:?}");
            }
        }
    }
    let reason = |path: &str| fault(path).map(|f| f.reason).unwrap_or_default();
    assert!(
        reason("/h/deep.html").contains("嵌套超过 512 层"),
        "{faults:?}"
    );
    assert!(reason("/h/links.html").contains("链接超过 100 个"));
    assert!(reason(hostile::BIG_LIST).contains("列表条目超过 100 个"));
    assert!(reason("/h/huge.html").contains("正文超过"));
    assert!(reason("/h/bomb.html").contains("正文超过"));
    assert!(reason("/h/panic.html").contains("页面处理失败"));
    assert!(reason("/h/panic.html").contains("planted panic"));
    assert!(page("/h/slow.html")
        .error
        .unwrap_or_default()
        .contains("Timeout"));
    // The deep page's document holds what precedes the cut; the attachments are the first 100.
    let docs = store
        .documents(Some("hostile"))
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = |path: &str| {
        docs.iter()
            .find(|d| d.url.ends_with(path))
            .unwrap_or_else(|| panic!("{path}: no document"))
    };
    assert_eq!(doc("/h/deep.html").title.as_deref(), Some("深层嵌套"));
    assert_eq!(doc("/h/links.html").attachments.len(), 100);
    assert_eq!(doc("/h/ok.html").title.as_deref(), Some("正常页面"));
    assert!(doc("/h/latin.html").title.is_some());
    // Each hostile page was asked for once (twice when a retry was due), never in a loop.
    for (path, _) in hostile::PAGES {
        assert!(site.hits(path) <= 2, "{path}: {} requests", site.hits(path));
    }
    // The run summary counts them: huge, bomb, panic failed; deep, links, the big list cut.
    let s = run.summary.clone().unwrap_or_default();
    assert_eq!(
        (s.faults.failed, s.faults.truncated),
        (3, 3),
        "{:?}",
        s.faults
    );
    store
}

/// Regression: a page of 100,000 nested `<div>` overflowed the stack of the crawl's worker and
/// aborted the process (exit 134), and the resumed crawl fetched it and aborted again. Now it,
/// a page whose handling panics and the other hostile pages end failed or truncated with a
/// reason, and the crawl completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_100000_nested_divs_no_longer_aborts_the_crawl() {
    let (addr, site) = hostile::start().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let settings = write_config(dir.path(), &[("hostile", hostile::SOURCE)], &[], &[], "");
    let store_dir = dir.path().join("store");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govtrust"))
        .arg("--store")
        .arg(&store_dir)
        .arg("--config")
        .arg(&settings)
        .args(["crawl", "--resolve-port", &addr.port().to_string()])
        .env("RUST_LOG", "warn")
        .env("GOVTRUST_PANIC_URL", "/h/panic.html")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_hostile_outcomes(&store_dir, &site);
    // `runs` names them with their reasons.
    assert!(
        stdout.contains("页面故障：处理失败 3  部分读取 3"),
        "{stdout}"
    );
    assert!(stdout.contains("http://hostile.sim/h/deep.html：元素嵌套超过 512 层"));
}

/// A page that fails every night is quarantined after `quarantine_after` nights: not requested
/// again while the quarantine lasts, shown in the summary, `runs` and the health report; once
/// the quarantine is over it is tried once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_failing_night_after_night_is_quarantined_and_not_requested() {
    let (addr, site) = hostile::start().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = format!(
        r#"
[source]
name = "hostile"
[scope]
hosts = ["hostile.sim"]
[[list]]
name = "首页"
entries = ["{}"]
item = "a"
[[detail]]
url_pattern = '^/h/[a-z]+\.html$'
title = ["css:h1"]
body = ["css:#content"]
"#,
        hostile::SMALL_HUB
    );
    let settings = write_config(
        dir.path(),
        &[("hostile", &source)],
        &[],
        &[],
        "max_body_bytes = 1_048_576\nquarantine_after = 2\n",
    );
    let project = Project::load(&settings).unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let night = |project: &Project| {
        let opts = govtrust::crawl::Options {
            port: Some(addr.port()),
            ..Default::default()
        };
        let project = project.clone();
        let store = store.clone();
        async move {
            govtrust::crawl::run(&project, &store, opts)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let huge = "http://hostile.sim/h/huge.html";
    let status = |run: u64| {
        store
            .run_events(run)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .find(|e| e.url == huge)
            .map(|e| (e.status, e.change))
    };
    let r1 = night(&project).await;
    assert_eq!(status(r1.id), Some(("too_large".into(), Change::Failed)));
    let r2 = night(&project).await;
    let f = store
        .page_fault(huge, 0)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fault"));
    assert_eq!(f.nights, 2);
    assert!(f.quarantined_at.is_some(), "{f:?}");
    assert_eq!(
        r2.summary.unwrap_or_default().faults.quarantined,
        1,
        "counted in the run summary"
    );
    let asked = site.hits("/h/huge.html");
    let r3 = night(&project).await;
    assert_eq!(site.hits("/h/huge.html"), asked, "requested in quarantine");
    assert_eq!(status(r3.id), Some(("quarantined".into(), Change::Failed)));
    assert_eq!(r3.status, RunStatus::Complete);
    // The ordinary page is crawled as usual.
    assert!(site.hits("/h/ok.html") >= 3);
    let health =
        govtrust::pipeline::assess_store(&project, &store, r3.id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(health.quarantined.len(), 1);
    let text = health.render(&project);
    assert!(
        text.contains("已隔离") && text.contains(huge) && text.contains("正文超过"),
        "{text}"
    );

    // The quarantine over (here at once), the next night tries the page once more; it fails
    // again and is quarantined again.
    let mut shorter = project.clone();
    if let Some(c) = shorter.crawl.as_mut() {
        c.quarantine_for = std::time::Duration::ZERO;
    }
    let r4 = night(&shorter).await;
    assert_eq!(site.hits("/h/huge.html"), asked + 1);
    assert_eq!(status(r4.id), Some(("too_large".into(), Change::Failed)));
    let f = store
        .page_fault(huge, 0)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fault"));
    assert_eq!(f.nights, 3);
}

/// The fault suite: the hostile site crawled together with the simulated county by the
/// `govtrust` binary (the debug build `cargo test` makes). The crawl completes; every hostile
/// page ends failed or truncated with its reason; every page of the county is stored and every
/// document it planted extracted; the process's peak RSS (its `ru_maxrss`, from `wait4`)
/// stays under 300 MB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_site_crawled_with_the_county_within_300_mb() {
    let p = county::project();
    let sim = county::start(&p, 40, 1).await;
    let (addr, site) = hostile::start().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let settings = write_config(
        dir.path(),
        &[("hostile", hostile::SOURCE)],
        &[
            "sim-tongbai",
            "sim-nanyang",
            "sim-credit",
            "sim-court",
            "sim-huaiyuan",
            "sim-fgw",
            "sim-dsj",
        ],
        &COUNTY_HOSTS,
        "",
    );
    let store_dir = dir.path().join("store");
    let child = county::command(
        &store_dir,
        &settings,
        &[
            "crawl",
            "--resolve-port",
            &sim.addr().port().to_string(),
            "--resolve",
            &format!("hostile.sim=127.0.0.1:{}", addr.port()),
        ],
    )
    .env("GOVTRUST_PANIC_URL", "/h/panic.html")
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap_or_else(|e| panic!("{e}"));
    let (status, peak_kb, stderr) = tokio::task::spawn_blocking(move || peak_rss(child))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status == 0, "exit status {status:#x}: {stderr}");
    let store = assert_hostile_outcomes(&store_dir, &site);

    // Every page of the county stored, every planted document extracted.
    let truth = sim.truth();
    county::assert_reaches_truth(&store, &truth);
    eprintln!(
        "fault suite: peak RSS of the debug `govtrust crawl` {:.1} MB ({} county pages, {} hostile pages)",
        peak_kb as f64 / 1024.0,
        truth.urls.len(),
        hostile::PAGES.len() + 1
    );
    assert!(peak_kb < 300 * 1024, "peak RSS {peak_kb} kB");
    sim.shutdown().await;
}

/// Waits for `child` with `wait4`, which reports the child's own peak resident set; returns its
/// wait status, the peak in kB and its stderr.
fn peak_rss(mut child: std::process::Child) -> (i32, i64, String) {
    let mut stderr = String::new();
    let reader = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut e, &mut s);
            s
        })
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in; the pid is our child's,
    // and `child` is not waited for elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    if let Some(r) = reader {
        stderr = r.join().unwrap_or_default();
    }
    (status, usage.ru_maxrss, stderr)
}
