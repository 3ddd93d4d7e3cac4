//! The crawler against simweb end to end, on a small county (a few units of the roster) so each
//! test takes seconds: every in-scope reachable URL of the truth fetched, every planted document
//! extracted with its title, date and unit (GBK department pages included); politeness seen from
//! simweb's own request log; night 2 re-extracts exactly what changed; harsh faults still reach
//! every page that is reachable at all.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use govtrust::config::Project;
use govtrust::simweb::{FaultProfile, SimHandle};
use govtrust::store::runs::Change;
use govtrust::store::Store;

#[path = "common/county.rs"]
mod county;

use county::project;

async fn start(p: &Project, night: u32, faults: FaultProfile) -> SimHandle {
    county::start_with(p, 40, night, faults).await
}

async fn crawl(
    p: &Project,
    store: &Store,
    sim: &SimHandle,
    polite: bool,
) -> govtrust::store::runs::RunRecord {
    crawl_with(p, store, sim, polite, None).await
}

/// A crawl with `crawl --detail-min` given.
async fn crawl_with(
    p: &Project,
    store: &Store,
    sim: &SimHandle,
    polite: bool,
    detail_min: Option<std::time::Duration>,
) -> govtrust::store::runs::RunRecord {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = govtrust::crawl::Options {
        port: Some(sim.addr().port()),
        polite,
        detail_min,
        ..Default::default()
    };
    govtrust::crawl::run(p, store, opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// As crawl-config/tongbai.toml: a detail fetched tonight is not due tomorrow night.
fn project_rechecking_details_after_20h() -> Project {
    let mut p = project();
    if let Some(c) = p.crawl.as_mut() {
        c.detail_min = std::time::Duration::from_secs(20 * 3600);
    }
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polite_crawl_reaches_every_page_and_obeys_robots_and_rate() {
    let p = project();
    let sim = start(&p, 1, FaultProfile::Mild).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    crawl(&p, &store, &sim, true).await;
    county::assert_reaches_truth(&store, &sim.truth());

    let log = sim.log();
    sim.shutdown().await;
    // The platform sites were read their own way: the Hanweb columns' records by POSTs of the
    // jpage ajaxParam fields to dataproxy.jsp, the TrueCMS 双公示 records by the JSONP interface.
    let posts = log
        .iter()
        .filter(|e| {
            e.host == "huaiyuan.tongbai.sim"
                && e.method == "POST"
                && e.path.starts_with("/module/web/jpage/dataproxy.jsp")
                && e.form
                    .as_deref()
                    .is_some_and(|f| f.contains("columnid=") && f.contains("unitid="))
                && e.status == 200
        })
        .count();
    assert!(
        posts >= 7,
        "one dataproxy POST per Hanweb column at least: {posts}"
    );
    assert!(log.iter().any(|e| e.host == "fgw.tongbai.sim"
        && e.path.starts_with("/interface/list.jsp?colid=")
        && e.status == 200));
    let disallowed = [
        "/search/",
        "/admin/",
        "/was5/",
        "/sgs/print/",
        "/captcha/",
        "/module/search/",
        "/manage/",
    ];
    for e in &log {
        assert!(
            !disallowed.iter().any(|d| e.path.starts_with(d)),
            "robots-disallowed request {} {}",
            e.host,
            e.path
        );
        assert!(
            e.host.ends_with(".sim"),
            "request to another host: {}",
            e.host
        );
    }
    // Configured rate per host (crawl-config/simweb.toml), with one request of slack per window.
    let limits: BTreeMap<&str, f64> = [
        ("www.tongbai.sim", 50.0),
        ("www.nanyang.sim", 50.0),
        ("credit.nanyang.sim", 50.0),
        ("zxgk.court.sim", 10.0),
    ]
    .into();
    let mut times: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for e in &log {
        if let Ok(t) = DateTime::parse_from_rfc3339(&e.at) {
            times
                .entry(e.host.as_str())
                .or_default()
                .push(t.with_timezone(&Utc));
        }
    }
    for (host, ts) in &mut times {
        ts.sort();
        let limit = limits.get(host).copied().unwrap_or(50.0);
        let mut start = 0;
        for end in 0..ts.len() {
            while ts[end] - ts[start] >= chrono::Duration::seconds(1) {
                start += 1;
            }
            let in_window = (end - start + 1) as f64;
            assert!(
                in_window <= limit + 1.0,
                "{host}: {in_window} requests within one second (limit {limit}/s)"
            );
        }
    }
    // Every 429 was waited out: the next request for that path came after its Retry-After (1 s mild).
    type Hits = Vec<(DateTime<Utc>, u16)>;
    let mut by_path: BTreeMap<(&str, &str), Hits> = BTreeMap::new();
    for e in &log {
        if let Ok(t) = DateTime::parse_from_rfc3339(&e.at) {
            by_path
                .entry((e.host.as_str(), e.path.as_str()))
                .or_default()
                .push((t.with_timezone(&Utc), e.status));
        }
    }
    let mut throttled = 0;
    for reqs in by_path.values() {
        for w in reqs.windows(2) {
            if w[0].1 == 429 {
                throttled += 1;
                assert!(
                    w[1].0 - w[0].0 >= chrono::Duration::milliseconds(950),
                    "retried {:?} after a 429 too soon",
                    w
                );
            }
        }
    }
    assert!(
        throttled > 0,
        "the mild profile answers some requests with 429"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn night_two_re_extracts_exactly_what_changed() {
    let p = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let sim = start(&p, 1, FaultProfile::None).await;
    crawl(&p, &store, &sim, false).await;
    let night1: BTreeSet<String> = sim
        .truth()
        .documents
        .iter()
        .map(|d| d.url.clone())
        .collect();
    sim.shutdown().await;

    let sim2 = start(&p, 2, FaultProfile::None).await;
    let run2 = crawl(&p, &store, &sim2, false).await;
    let truth2 = sim2.truth();
    let log = sim2.log();
    sim2.shutdown().await;
    county::assert_reaches_truth(&store, &truth2);

    let events = store.run_events(run2.id).unwrap_or_else(|e| panic!("{e}"));
    let changed: BTreeSet<&str> = events
        .iter()
        // Articles of every platform's shape: the documents of night 1.
        .filter(|e| e.change == Change::Changed && night1.contains(&e.url))
        .map(|e| e.url.as_str())
        .collect();
    let new: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.change == Change::New)
        .map(|e| e.url.as_str())
        .collect();
    let new_docs: BTreeSet<&str> = truth2
        .documents
        .iter()
        .filter(|d| !night1.contains(&d.url))
        .map(|d| d.url.as_str())
        .collect();
    for u in &new_docs {
        assert!(new.contains(u), "new document {u} not reported new");
    }
    // The one revised article (a 权责清单) is reported changed; no other article is.
    assert_eq!(changed.len(), 1, "changed articles: {changed:?}");
    let power_lists: BTreeSet<&str> = truth2
        .documents
        .iter()
        .filter(|d| d.role == "T1")
        .map(|d| d.url.as_str())
        .collect();
    assert!(
        changed.iter().all(|u| power_lists.contains(u)),
        "{changed:?} is not a 权责清单"
    );
    // Every request for an article already seen was conditional.
    for e in &log {
        let url = format!("http://{}{}", e.host, e.path);
        if night1.contains(&url) {
            assert!(
                e.if_none_match.is_some() || e.if_modified_since.is_some(),
                "unconditional request for {url}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_recheck_skips_details_not_due_and_keeps_them_linked() {
    let p = project_rechecking_details_after_20h();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let sim = start(&p, 1, FaultProfile::None).await;
    crawl(&p, &store, &sim, false).await;
    let content: BTreeSet<String> = store
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|pg| pg.role != govtrust::store::pages::Role::List && pg.hash.is_some())
        .map(|pg| pg.url)
        .collect();
    let attachments = store
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .filter(|pg| pg.role == govtrust::store::pages::Role::Attachment && pg.hash.is_some())
        .count();
    assert!(attachments > 0, "the small county has attachments");
    sim.shutdown().await;

    // The same web the next night: lists are re-checked, no detail or attachment is requested,
    // and every one of them is still part of the run (none reported gone).
    let sim2 = start(&p, 1, FaultProfile::None).await;
    let run2 = crawl(&p, &store, &sim2, false).await;
    let log = sim2.log();
    sim2.shutdown().await;
    for e in &log {
        let url = format!("http://{}{}", e.host, e.path);
        assert!(
            !content.contains(&url),
            "{url} was requested although not due"
        );
    }
    assert!(log.iter().any(|e| e.status == 304), "lists re-checked");
    let events = store.run_events(run2.id).unwrap_or_else(|e| panic!("{e}"));
    let not_due: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.change == Change::NotDue)
        .map(|e| e.url.as_str())
        .collect();
    let missing: Vec<&String> = content
        .iter()
        .filter(|u| !not_due.contains(u.as_str()))
        .collect();
    assert!(missing.is_empty(), "not accounted for: {missing:?}");
    assert!(
        events.iter().all(|e| e.change != Change::Gone),
        "nothing vanished"
    );
    assert!(store
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .all(|pg| pg.gone_run.is_none()));

    // `crawl --detail-min 0s` the night after: every detail and attachment is due again,
    // whatever the schedule stored with it said, and asked for conditionally.
    let sim3 = start(&p, 1, FaultProfile::None).await;
    let run3 = crawl_with(&p, &store, &sim3, false, Some(std::time::Duration::ZERO)).await;
    let log = sim3.log();
    sim3.shutdown().await;
    let requested: BTreeSet<String> = log
        .iter()
        .filter(|e| e.if_none_match.is_some() || e.if_modified_since.is_some())
        .map(|e| format!("http://{}{}", e.host, e.path))
        .collect();
    let skipped: Vec<&String> = content.iter().filter(|u| !requested.contains(*u)).collect();
    assert!(skipped.is_empty(), "not re-checked: {skipped:?}");
    let events = store.run_events(run3.id).unwrap_or_else(|e| panic!("{e}"));
    assert!(events.iter().all(|e| e.change != Change::NotDue));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harsh_faults_still_reach_every_reachable_page() {
    let p = project();
    let sim = start(&p, 1, FaultProfile::Harsh).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    crawl(&p, &store, &sim, false).await;
    county::assert_reaches_truth(&store, &sim.truth());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_answered_304_is_followed_from_its_kept_extraction_while_it_is_current() {
    use govtrust::store::frontier::Commit;
    use govtrust::store::pages::Role;
    let p = project_rechecking_details_after_20h();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let sim = start(&p, 1, FaultProfile::None).await;
    crawl(&p, &store, &sim, false).await;
    sim.shutdown().await;

    // A list page with a detail that no other list page links.
    let lists: Vec<String> = store
        .pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|pg| pg.role == Role::List && pg.hash.is_some())
        .map(|pg| pg.url)
        .collect();
    let kept: Vec<_> = lists
        .iter()
        .filter_map(|u| store.list_extract(u).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(
        kept.len(),
        lists.len(),
        "every list page's extraction is kept"
    );
    let linked = |url: &str| {
        kept.iter()
            .flat_map(|x| &x.page.items)
            .filter(|i| i.link.as_ref().is_some_and(|l| l.as_str() == url))
            .count()
    };
    let (list_url, mut extract, detail) = lists
        .iter()
        .zip(&kept)
        .find_map(|(u, x)| {
            let d = x.page.items.iter().find_map(|i| {
                let l = i.link.as_ref()?.to_string();
                (l.contains("/20") && linked(&l) == 1).then_some(l)
            })?;
            Some((u.clone(), x.clone(), d))
        })
        .unwrap_or_else(|| panic!("no list page links a detail of its own"));
    let put = |x: govtrust::store::list_extracts::ListExtract| {
        store
            .commit(
                0,
                Commit {
                    list_extract: Some((list_url.clone(), x)),
                    ..Commit::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
    };
    // Drop the detail from the kept extraction: the unchanged list page (304) is followed from
    // it, so tonight the detail is not reached and the complete run reports it gone.
    extract.page.items.retain(|i| {
        i.link
            .as_ref()
            .is_none_or(|l| l.as_str() != detail.as_str())
    });
    put(extract.clone());
    let sim2 = start(&p, 1, FaultProfile::None).await;
    let run2 = crawl(&p, &store, &sim2, false).await;
    sim2.shutdown().await;
    let event = |run: u64| {
        store
            .run_events(run)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .find(|e| e.url == detail)
    };
    assert_eq!(event(run2.id).map(|e| e.change), Some(Change::Gone));

    // Under another list definition the kept extraction is stale: the stored snapshot is
    // extracted again and the detail is back in the run.
    extract.fingerprint = "another definition".into();
    put(extract);
    let sim3 = start(&p, 1, FaultProfile::None).await;
    let run3 = crawl(&p, &store, &sim3, false).await;
    sim3.shutdown().await;
    assert_eq!(event(run3.id).map(|e| e.change), Some(Change::NotDue));
    let fresh = store
        .list_extract(&list_url)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("kept again"));
    assert_eq!(linked(&detail), 1);
    assert!(fresh
        .page
        .items
        .iter()
        .any(|i| i.link.as_ref().is_some_and(|l| l.as_str() == detail)));
}
