//! `govtrust source test` (and, below, `source suggest`) driven as an analyst would: every
//! shipped source file tested on its saved pages (tests/fixtures/sources/NAME/pages.toml), a
//! bad definition named with its key and what the page holds, and a live walk of the simulated
//! county through the crawl's polite fetch stack.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

#[path = "common/county.rs"]
mod county;

const SETTINGS: &str = "crawl-config/simweb.toml";

fn govtrust(args: &[&str]) -> Output {
    let store = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    county::command(store.path(), Path::new(SETTINGS), args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// `--url U --page P` for every saved page of a source.
fn saved_pages(source: &str) -> Vec<String> {
    let dir = PathBuf::from(format!("tests/fixtures/sources/{source}"));
    let manifest = dir.join("pages.toml");
    let m: toml::Value = toml::from_str(&std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (every shipped source needs saved pages)",
            manifest.display()
        )
    }))
    .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let mut args = Vec::new();
    for p in m["page"].as_array().into_iter().flatten() {
        args.push("--url".to_string());
        args.push(p["url"].as_str().unwrap_or_default().to_string());
        args.push("--page".to_string());
        args.push(
            dir.join(p["file"].as_str().unwrap_or_default())
                .display()
                .to_string(),
        );
    }
    args
}

fn report(source_file: &str, extra: &[String]) -> (Value, Output) {
    let mut args: Vec<&str> = vec!["source", "test", source_file, "--json"];
    args.extend(extra.iter().map(String::as_str));
    let out = govtrust(&args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{source_file}: {e}\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    (v, out)
}

fn pages<'a>(r: &'a Value, role: &str) -> Vec<&'a Value> {
    r["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["role"] == role)
        .collect()
}

/// Every list and detail of every shipped source file shows what it yields on saved pages:
/// items with title (and date where the list has dates), the page count and the requests for
/// further pages, detail fields with the probe that answered each.
#[test]
fn every_shipped_source_shows_items_pages_and_fields() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("sources")
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    // A simulated site added since its pages were saved is walked on simweb itself.
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let sim = rt.block_on(county::start(&county::project(), 0, 1));
    let port = sim.addr().port().to_string();
    for file in &files {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let f = file.display().to_string();
        let saved = Path::new("tests/fixtures/sources")
            .join(name)
            .join("pages.toml")
            .is_file();
        let args = if saved || !name.starts_with("sim-") {
            saved_pages(name)
        } else {
            vec!["--resolve-port".to_string(), port.clone()]
        };
        let (r, out) = report(&f, &args);
        assert!(
            out.status.success(),
            "{f}: {}",
            serde_json::to_string_pretty(&r).unwrap_or_default()
        );
        assert_eq!(
            r["untested"],
            serde_json::json!([]),
            "{f}: every list and detail tested"
        );
        if saved {
            assert_eq!(r["requests"], 0, "{f}: offline");
        }
        let lists = pages(&r, "list");
        assert!(!lists.is_empty(), "{f}");
        for l in &lists {
            let items = l["items"].as_array().unwrap_or_else(|| panic!("{f}"));
            assert!(!items.is_empty(), "{f} {}: items", l["key"]);
            assert_eq!(l["page"]["saved"].is_string(), saved);
            for p in l["probes"].as_array().into_iter().flatten() {
                assert_eq!(p["of"].as_u64(), Some(items.len() as u64));
            }
            // A list with titles shows which probe gave each.
            for it in items.iter().filter(|it| it["title"].is_string()) {
                assert!(it["answered_by"]["title"].is_string(), "{f}: {it}");
            }
        }
        for d in pages(&r, "detail") {
            let field = |k: &str| {
                d["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|x| {
                        x["key"]
                            .as_str()
                            .is_some_and(|s| s.ends_with(&format!(".{k}")))
                    })
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            assert!(field("title")["value"].is_string(), "{f}: {d}");
            assert!(field("title")["probe"].is_string(), "{f}: {d}");
            assert!(field("date")["value"].is_string(), "{f}: {d}");
        }
    }
    rt.block_on(sim.shutdown());
}

/// The figures of known pages: the county portal's column reads #pageDec (records / page size)
/// and would request index_1.html …; a township article is attributed through its breadcrumb,
/// a GBK department page decodes; the TRS 双公示 list reads createPageHTML.
#[test]
fn saved_pages_give_the_counts_requests_and_units_they_hold() {
    let (r, _) = report("sources/sim-tongbai.toml", &saved_pages("sim-tongbai"));
    let lists = pages(&r, "list");
    let column = lists
        .iter()
        .find(|l| l["page"]["url"] == "http://www.tongbai.sim/xzxxgk/t-huaiyuan/zcwj/index.html")
        .unwrap_or_else(|| panic!("{r}"));
    let n = column["page_count"].as_u64().unwrap_or(0);
    assert!(n >= 1, "{column}");
    let reqs = column["requests"].as_array().cloned().unwrap_or_default();
    assert_eq!(reqs.len() as u64, n - 1, "{column}");
    if let Some(first) = reqs.first() {
        assert_eq!(
            first["url"],
            "http://www.tongbai.sim/xzxxgk/t-huaiyuan/zcwj/index_1.html"
        );
        assert_eq!(first["method"], "GET");
        assert_eq!(first["page"], 2);
    }
    assert!(column["items"][0]["goes_to"]
        .as_str()
        .is_some_and(|g| g.starts_with("detail[0]")));
    let details = pages(&r, "detail");
    let article = details
        .iter()
        .find(|d| d["page"]["url"] == "http://www.tongbai.sim/2024/01-30/806701.html")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(article["unit"], "t-huaiyuan", "{article}");
    assert_eq!(article["unit_basis"], "栏目单位=淮源镇");
    let gbk = details
        .iter()
        .find(|d| d["page"]["url"] == "http://www.tongbai.sim/2024/01-08/807255.html")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(gbk["page"]["charset"], "gb18030");
    assert_eq!(gbk["unit"], "d-fgw", "{gbk}");

    let (r, _) = report("sources/tongbai.toml", &saved_pages("tongbai"));
    let l = pages(&r, "list")[0];
    assert_eq!(l["page_count"], 3, "51 records of 24 a page: {l}");
    let urls: Vec<&str> = l["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["url"].as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "https://www.tongbai.gov.cn/zwgk/zcjd/zcwj/index_1.html",
            "https://www.tongbai.gov.cn/zwgk/zcjd/zcwj/index_2.html"
        ]
    );
    assert_eq!(l["items"][1]["date"], "2026-09-12");
    assert_eq!(
        l["items"][1]["answered_by"]["title"], "css:a",
        "no title attribute"
    );
    assert_eq!(l["items"][0]["answered_by"]["title"], "css:a@title");

    let (r, _) = report("sources/sim-credit.toml", &saved_pages("sim-credit"));
    let sgs = pages(&r, "list")
        .into_iter()
        .find(|l| l["name"] == "双公示网页列表")
        .cloned()
        .unwrap_or_else(|| panic!("{r}"));
    assert!(sgs["page_count"].as_u64().is_some_and(|n| n > 1), "{sgs}");
    assert!(sgs["requests"][0]["url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/sgs/xzxk/index_2.html")));
}

/// A definition that does not fit the page is told so by key, with what the page holds: a
/// Hanweb column whose items are `<record>` fragments in a script is not a list of `<li>`.
#[test]
fn a_selector_matching_nothing_names_the_key_and_what_the_page_has() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let page = dir.path().join("col.html");
    let records: String = (1..=15)
        .map(|i| format!("<record><![CDATA[<li><a href=\"/art/2024/5/{i}/art_1234_{i}.html\" title=\"第{i}条\">第{i}条</a><span>2024-05-{i:02}</span></li>]]></record>\n"))
        .collect();
    std::fs::write(
        &page,
        format!("<html><body><div id=\"1234\"><script type=\"text/xml\"><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>\n{records}</recordset></datastore></script></div></body></html>"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let def = dir.path().join("hanweb.toml");
    std::fs::write(
        &def,
        r#"[source]
name = "hanweb-test"
[scope]
hosts = ["www.example.gov.cn"]
[[list]]
name = "通知公告"
entries = ["http://www.example.gov.cn/col/col1234/index.html"]
item = "li"
title = "css:a@title"
date = "css:span"
[[detail]]
url_pattern = '^/art/'
title = ["meta:ArticleTitle"]
date = ["meta:PubDate"]
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let d = def.display().to_string();
    let p = page.display().to_string();
    let args = [
        "source",
        "test",
        &d,
        "--url",
        "http://www.example.gov.cn/col/col1234/index.html",
        "--page",
        &p,
    ];
    let out = govtrust(&args);
    let t = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("list[0]：条目选择器 item `li` 匹配 0 个元素；页面中有 15 个 `<record>` 片段（在 <script type=\"text/xml\"> 中）"),
        "{t}"
    );
    // The payload that fits finds all 15, with titles and dates.
    let fixed = std::fs::read_to_string(&def)
        .unwrap_or_default()
        .replace("item = \"li\"", "payload = { kind = \"script_xml\", script = \"script[type='text/xml']\", record = \"record\" }\nitem = \"li\"");
    std::fs::write(&def, fixed).unwrap_or_else(|e| panic!("{e}"));
    let out = govtrust(&args);
    let t = text(&out.stdout);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("条目 15 个"), "{t}");
    assert!(
        t.contains("第3条 | 2024-05-03 | 单位 — | → detail[0]"),
        "{t}"
    );
    // A bad definition is refused with its file and key before anything is read.
    std::fs::write(&def, "[source]\nname = \"x\"\n[scope]\nhosts = [\"a.cn\"]\n[[list]]\nname = \"l\"\nentries = [\"http://a.cn/\"]\nitem = \"li[\"\n").unwrap_or_else(|e| panic!("{e}"));
    let out = govtrust(&args);
    let e = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        e.contains("hanweb.toml: list[0].item: bad CSS selector"),
        "{e}"
    );
}

/// Without saved pages the definition is walked on the site itself through the crawl's fetch
/// stack: robots.txt first, the configured User-Agent, every list and detail reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_walk_goes_through_robots_and_politeness() {
    let p = county::project();
    let sim = county::start(&p, 0, 1).await;
    let port = sim.addr().port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        govtrust(&[
            "source",
            "test",
            "sources/sim-tongbai.toml",
            "--resolve-port",
            &port,
            "--json",
        ])
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    assert!(out.status.success(), "{r}");
    assert_eq!(r["untested"], serde_json::json!([]), "{r}");
    let log = sim.log();
    let county_log: Vec<_> = log
        .iter()
        .filter(|e| e.host.starts_with("www.tongbai.sim"))
        .collect();
    assert_eq!(
        county_log.first().map(|e| e.path.as_str()),
        Some("/robots.txt")
    );
    let ua = p.crawl.as_ref().map(|c| c.settings.user_agent.clone());
    assert!(county_log.iter().all(|e| e.user_agent == ua));
    assert_eq!(
        r["requests"].as_u64(),
        Some(county_log.len() as u64 - 1),
        "robots.txt not counted"
    );
    sim.shutdown().await;
}

/// Settings for the simulated county crawling only `source` (an absolute path).
fn settings_with(dir: &Path, name: &str, source: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config");
    let text = std::fs::read_to_string(SETTINGS).unwrap_or_else(|e| panic!("{e}"));
    let start = text
        .find("sources = [")
        .unwrap_or_else(|| panic!("no sources"));
    let end = start + text[start..].find(']').unwrap_or_else(|| panic!("no ]")) + 1;
    let text = format!(
        "{}sources = [{:?}]{}",
        &text[..start],
        source.display().to_string(),
        &text[end..]
    )
    .replace(
        "roster = \"units/",
        &format!("roster = \"{}/units/", root.display()),
    )
    .replace(
        "\"indicators/",
        &format!("\"{}/indicators/", root.display()),
    )
    .replace(
        "rules = \"rules\"",
        &format!("rules = \"{}/rules\"", root.display()),
    )
    .replace(
        "inspection = \"inspection\"",
        &format!("inspection = \"{}/inspection\"", root.display()),
    )
    .replacen(
        "[crawl]\n",
        &format!("[crawl]\npresets = \"{}/presets\"\n", root.display()),
        1,
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// Crawls the simulated county with `settings` into a new store and classifies; the store.
fn crawl(dir: &Path, name: &str, settings: &Path, port: &str) -> PathBuf {
    let store = dir.join(format!("store-{name}"));
    county::run_ok(
        &store,
        settings,
        &["crawl", "--resolve-port", port, "--as-of", "2024-02-01"],
    );
    county::run_ok(&store, settings, &["classify"]);
    store
}

type Failures = std::collections::BTreeSet<(String, String, String, String, String)>;

/// Every evidence item of a store: unit, item, rule, document URL and finding.
fn evidence(store: &Path) -> Failures {
    let s = govtrust::store::Store::open(store).unwrap_or_else(|e| panic!("{e}"));
    s.evidence_list(&govtrust::store::evidence::EvidenceFilter::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|e| {
            (
                e.unit,
                e.item,
                e.rule,
                e.document.url,
                serde_json::to_string(&e.finding).unwrap_or_default(),
            )
        })
        .collect()
}

/// The T5/D3 evidence of a store: unit, item, rule, document URL and finding.
fn notice_failures(store: &Path) -> Failures {
    let s = govtrust::store::Store::open(store).unwrap_or_else(|e| panic!("{e}"));
    let all = s
        .evidence_list(&govtrust::store::evidence::EvidenceFilter::default())
        .unwrap_or_else(|e| panic!("{e}"));
    all.into_iter()
        .filter(|e| e.item == "T5" || e.item == "D3")
        .map(|e| {
            (
                e.unit,
                e.item,
                e.rule,
                e.document.url,
                serde_json::to_string(&e.finding).unwrap_or_default(),
            )
        })
        .collect()
}

/// Done means (issue #20): `source suggest` on the county portal's home page writes a definition
/// that check-config accepts and that, unedited, crawls ≥ 99 % of the site's planted documents
/// with the right title, date and unit, and whose notices give the same T5/D3 failures as the
/// hand-written sources/sim-tongbai.toml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suggested_county_portal_crawls_as_the_hand_written_one() {
    let p = county::project();
    let sim = county::start(&p, 0, 1).await;
    let port = sim.addr().port().to_string();
    let truth = sim.truth();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_path_buf();
    let suggested = d.join("suggested.toml");
    let (s, pt) = (suggested.clone(), port.clone());
    let out = tokio::task::spawn_blocking(move || {
        govtrust(&[
            "source",
            "suggest",
            "http://www.tongbai.sim/",
            "--name",
            "sim-tongbai",
            "--resolve-port",
            &pt,
            "-o",
            &s.display().to_string(),
        ])
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("平台特征：#pageDec"), "{log}");
    let def = std::fs::read_to_string(&suggested).unwrap_or_default();
    assert!(
        def.contains("count = { from = \"attr\", selector = \"#pageDec\""),
        "{def}"
    );

    let (dd, pt) = (d.clone(), port.clone());
    let (ours, theirs) = tokio::task::spawn_blocking(move || {
        let mine = settings_with(&dd, "settings-suggested", &suggested);
        let hand = settings_with(
            &dd,
            "settings-hand",
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("sources/sim-tongbai.toml"),
        );
        county::run_ok(Path::new("/nonexistent-store"), &mine, &["check-config"]);
        (
            crawl(&dd, "suggested", &mine, &pt),
            crawl(&dd, "hand", &hand, &pt),
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    sim.shutdown().await;

    let store = govtrust::store::Store::open(&ours).unwrap_or_else(|e| panic!("{e}"));
    let docs = store.documents(None).unwrap_or_else(|e| panic!("{e}"));
    drop(store);
    let by_url: std::collections::BTreeMap<&str, &govtrust::extract::Document> =
        docs.iter().map(|d| (d.url.as_str(), d)).collect();
    let planted: Vec<_> = truth
        .documents
        .iter()
        .filter(|t| t.url.starts_with("http://www.tongbai.sim/"))
        .collect();
    assert!(planted.len() > 20, "{}", planted.len());
    let mut wrong = Vec::new();
    for t in &planted {
        let ok = by_url.get(t.url.as_str()).is_some_and(|d| {
            d.title.as_deref() == Some(t.title.as_str())
                && d.published == Some(t.published_on)
                && (t.unit.is_none() || t.role == "notice" || d.unit == t.unit)
        });
        if !ok {
            wrong.push((
                t.url.clone(),
                by_url
                    .get(t.url.as_str())
                    .map(|d| (d.title.clone(), d.published, d.unit.clone())),
            ));
        }
    }
    let right = planted.len() - wrong.len();
    assert!(
        right * 100 >= planted.len() * 99,
        "{right} of {} planted documents right; wrong: {:?}",
        planted.len(),
        &wrong[..wrong.len().min(10)]
    );
    let (a, b) = (notice_failures(&ours), notice_failures(&theirs));
    assert!(
        !b.is_empty(),
        "the hand-written source finds notice failures: {b:?}"
    );
    assert_eq!(
        a, b,
        "T5/D3 failures of the suggested and the hand-written definition"
    );
    // And the rest of the evidence too: the columns the rules read are named as the
    // hand-written definition names them (the breadcrumb's last segment).
    assert_eq!(evidence(&ours), evidence(&theirs), "all evidence");
}

/// A Hanweb column through the hanweb preset, on wt20a's saved shapes: the values captured from
/// the jpage() call, the POST requests to dataproxy.jsp with their form (the crawl's own request
/// building), and the saved dataproxy answer read as a response with its records.
#[test]
fn a_hanweb_column_shows_its_captures_and_post_requests() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let def = dir.path().join("hanweb.toml");
    std::fs::write(
        &def,
        "[source]\nname = \"hanweb-test\"\n[scope]\nhosts = [\"www.chengjiao.sim\"]\n\
         [[list]]\nname = \"通知公告\"\nplatform = \"hanweb\"\n\
         entries = [\"http://www.chengjiao.sim/col/col1234/index.html\"]\nitem = \"li\"\nunit = \"t-chengjiao\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let d = def.display().to_string();
    let (r, out) = report(
        &d,
        &[
            "--url".into(),
            "http://www.chengjiao.sim/col/col1234/index.html".into(),
            "--page".into(),
            "tests/fixtures/platforms/hanweb_column.html".into(),
            "--url".into(),
            "http://www.chengjiao.sim/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15".into(),
            "--page".into(),
            "tests/fixtures/platforms/hanweb_dataproxy.xml".into(),
        ],
    );
    assert!(out.status.success(), "{r}");
    let lists = pages(&r, "list");
    let col = lists[0];
    assert_eq!(col["captures"]["columnid"], "1234", "{col}");
    assert_eq!(col["captures"]["totalRecord"], "137");
    assert_eq!(col["page_count"], 4, "137 records, 45 a request: {col}");
    let first = &col["requests"][0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["page"], 2);
    assert!(
        first["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("dataproxy.jsp?startrecord=1&endrecord=45&perpage=15")),
        "{first}"
    );
    assert_eq!(first["form"]["columnid"], "1234");
    assert_eq!(first["form"]["unitid"], "5678");
    assert!(first["identity"]
        .as_str()
        .is_some_and(|u| u.contains("#post:") && u.contains("columnid=1234")));
    assert_eq!(col["requests"].as_array().map(Vec::len), Some(4));
    let answer = lists[1];
    assert_eq!(answer["request_response"], true, "{answer}");
    assert!(
        answer["items"].as_array().is_some_and(|v| !v.is_empty()),
        "{answer}"
    );
    assert_eq!(answer["items"][0]["unit"], "t-chengjiao");
    assert!(
        answer["items"][0]["goes_to"]
            .as_str()
            .is_some_and(|g| g.starts_with("detail[")),
        "{answer}"
    );
}

#[path = "common/loopback.rs"]
mod loopback;

/// Records of the Hanweb test site's column `c`: (id, day, title).
fn hanweb_records(c: u32) -> Vec<(u32, u32, String)> {
    let n = if c == 1234 { 50 } else { 20 };
    (1..=n)
        .map(|i| {
            (
                c * 1000 + i,
                i % 28 + 1,
                format!("城郊乡第{c}栏目第{i}号通知"),
            )
        })
        .collect()
}

fn hanweb_li(c: u32, (id, day, title): &(u32, u32, String)) -> String {
    format!(
        "<li><a href=\"/art/2024/5/{day}/art_{c}_{id}.html\" title=\"{title}\" target=\"_blank\">{title}</a><span>2024-05-{day:02}</span></li>"
    )
}

/// A small Hanweb JCMS township site: two jpage() columns whose page holds the first 15
/// records and whose dataproxy.jsp answers POSTs by record range, and their articles.
fn hanweb_site(method: &str, path: &str, query: &str, body: &str) -> (u16, String) {
    let q: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes())
            .chain(url::form_urlencoded::parse(body.as_bytes()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    if path == "/robots.txt" {
        return (200, "User-agent: *\nDisallow: /search/\n".into());
    }
    if path == "/" {
        return (200, "<html><body><h1>桐柏县城郊乡人民政府</h1><ul class=\"nav\"><li><a href=\"/col/col1234/index.html\">通知公告</a></li><li><a href=\"/col/col1235/index.html\">政策文件</a></li></ul></body></html>".into());
    }
    if let Some(c) = path
        .strip_prefix("/col/col")
        .and_then(|r| r.strip_suffix("/index.html"))
        .and_then(|c| c.parse::<u32>().ok())
    {
        let recs = hanweb_records(c);
        if recs.is_empty() || !(c == 1234 || c == 1235) {
            return (404, String::new());
        }
        let first: String = recs
            .iter()
            .take(15)
            .map(|r| format!("<record><![CDATA[{}]]></record>\n", hanweb_li(c, r)))
            .collect();
        return (200, format!(
            "<html><head><title>栏目</title></head><body><div class=\"position\">您当前的位置：<a href=\"/\">首页</a> &gt; 栏目</div>\
             <div id=\"{c}\"><script type=\"text/xml\"><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>\n{first}</recordset></datastore></script></div>\
             <script type=\"text/javascript\">$(document).ready(function(){{ $('#{c}').jpage({{ dataStore: dataStore{c}, perPage: 15, totalRecord: {}, proxyUrl: '/module/web/jpage/dataproxy.jsp', \
             ajaxParam: {{col:1,appid:1,webid:3,path:'/',columnid:{c},sourceContentType:1,unitid:'5678',webname:'桐柏县城郊乡人民政府',permissiontype:0}} }}); }});</script></body></html>",
            recs.len()
        ));
    }
    if path == "/module/web/jpage/dataproxy.jsp" {
        if method != "POST" {
            return (405, String::new());
        }
        let c: u32 = q.get("columnid").and_then(|v| v.parse().ok()).unwrap_or(0);
        let recs = hanweb_records(c);
        let a: usize = q
            .get("startrecord")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let b: usize = q.get("endrecord").and_then(|v| v.parse().ok()).unwrap_or(0);
        let rows: String = recs
            .iter()
            .skip(a.saturating_sub(1))
            .take(b.saturating_sub(a) + 1)
            .map(|r| format!("<record><![CDATA[{}]]></record>\n", hanweb_li(c, r)))
            .collect();
        return (200, format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>{}</totalrecord><recordset>\n{rows}</recordset></datastore>", recs.len()));
    }
    if let Some(rest) = path.strip_prefix("/art/2024/5/") {
        let name = rest.rsplit('/').next().unwrap_or("");
        let mut parts = name.trim_end_matches(".html").split('_').skip(1);
        let (Some(c), Some(id)) = (
            parts.next().and_then(|x| x.parse::<u32>().ok()),
            parts.next().and_then(|x| x.parse::<u32>().ok()),
        ) else {
            return (404, String::new());
        };
        if let Some((_, day, title)) = hanweb_records(c).into_iter().find(|r| r.0 == id) {
            return (200, format!(
                "<html><head><meta name=\"ArticleTitle\" content=\"{title}\"><meta name=\"PubDate\" content=\"2024-05-{day:02} 09:30\"><meta name=\"ContentSource\" content=\"桐柏县城郊乡人民政府\"></head>\
                 <body><div class=\"main-txt\"><h1>{title}</h1><p>发布日期：2024-05-{day:02}</p><div id=\"zoom\"><p>正文 {id}。</p></div></div></body></html>"
            ));
        }
    }
    (404, String::new())
}

/// Done means, for a Hanweb JCMS site: suggest on its home page recognises the platform by
/// its jpage() columns, writes `platform = "hanweb"` columns (the preset's dataproxy.jsp POST
/// paging), and the definition, unedited, crawls every article with its title, date and unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suggested_hanweb_site_crawls_every_article() {
    use axum::body::Bytes;
    use axum::http::{Method, Uri};
    let app = axum::Router::new().fallback(|method: Method, uri: Uri, body: Bytes| async move {
        let (status, text) = hanweb_site(
            method.as_str(),
            uri.path(),
            uri.query().unwrap_or(""),
            &String::from_utf8_lossy(&body),
        );
        axum::http::Response::builder()
            .status(status)
            .header(
                "content-type",
                if text.starts_with("<?xml") {
                    "text/xml; charset=utf-8"
                } else {
                    "text/html; charset=utf-8"
                },
            )
            .body(axum::body::Body::from(text))
            .unwrap_or_default()
    });
    let addr = loopback::serve(app).await;
    let resolve = format!("www.zc.sim=127.0.0.1:{}", addr.port());
    let port = addr.port().to_string();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_path_buf();
    let def = d.join("zc.toml");
    let (r, p, f) = (resolve.clone(), port.clone(), def.clone());
    let out = tokio::task::spawn_blocking(move || {
        govtrust(&[
            "source",
            "suggest",
            "http://www.zc.sim/",
            "--unit",
            "t-chengjiao",
            "--resolve",
            &r,
            "--resolve-port",
            &p,
            "-o",
            &f.display().to_string(),
        ])
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    let written = std::fs::read_to_string(&def).unwrap_or_default();
    assert!(
        written.contains("platform = \"hanweb\""),
        "{written}\n{log}"
    );
    assert!(log.contains("大汉 JCMS"), "{log}");
    let (dd, r, p) = (d.clone(), resolve.clone(), port.clone());
    let store = tokio::task::spawn_blocking(move || {
        let settings = settings_with(&dd, "settings-zc", &def);
        county::run_ok(
            Path::new("/nonexistent-store"),
            &settings,
            &["check-config"],
        );
        let store = dd.join("store-zc");
        county::run_ok(
            &store,
            &settings,
            &["crawl", "--resolve", &r, "--resolve-port", &p],
        );
        store
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let s = govtrust::store::Store::open(&store).unwrap_or_else(|e| panic!("{e}"));
    let docs = s.documents(None).unwrap_or_else(|e| panic!("{e}"));
    let by_url: std::collections::BTreeMap<&str, &govtrust::extract::Document> =
        docs.iter().map(|d| (d.url.as_str(), d)).collect();
    let mut n = 0;
    for c in [1234, 1235] {
        for (id, day, title) in hanweb_records(c) {
            let url = format!("http://www.zc.sim/art/2024/5/{day}/art_{c}_{id}.html");
            let d = by_url
                .get(url.as_str())
                .unwrap_or_else(|| panic!("not crawled: {url}\n{written}"));
            assert_eq!(d.title.as_deref(), Some(title.as_str()), "{url}");
            assert_eq!(
                d.published,
                chrono::NaiveDate::from_ymd_opt(2024, 5, day),
                "{url}"
            );
            assert_eq!(d.unit.as_deref(), Some("t-chengjiao"), "{url}");
            n += 1;
        }
    }
    assert_eq!(n, 70);
}

/// Done means, on the simulated sites of the other platforms: suggest on the home page (plus
/// the JSONP list endpoint the TrueCMS home page does not link), unedited, crawls ≥ 99 % of the
/// site's planted documents with title, date and unit, and gives the evidence the hand-written
/// definition gives (the TRS site's 检查通报 are T5/D3 notices).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggested_platform_sites_crawl_as_their_hand_written_ones() {
    let p = county::project();
    let sim = county::start(&p, 0, 1).await;
    let port = sim.addr().port().to_string();
    let truth = sim.truth();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_path_buf();
    let sites: [(&str, &str, &[&str], &str); 3] = [
        (
            "sim-huaiyuan",
            "huaiyuan.tongbai.sim",
            &["--unit", "t-huaiyuan"],
            "hanweb",
        ),
        (
            "sim-fgw",
            "fgw.tongbai.sim",
            &[
                "http://fgw.tongbai.sim/interface/list.jsp?colid=11310&page=1&rows=5",
                "--unit",
                "d-fgw",
            ],
            "truecms",
        ),
        ("sim-dsj", "dsj.nanyang.sim", &[], "createPageHTML"),
    ];
    let mut notices = 0;
    for (name, host, extra, shows) in sites {
        let (dd, pt) = (d.clone(), port.clone());
        let home = format!("http://{host}/");
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let name_s = name.to_string();
        let (def, log, ours, theirs) = tokio::task::spawn_blocking(move || {
            let out_file = dd.join(format!("{name_s}-suggested.toml"));
            let mut args: Vec<String> = vec!["source".into(), "suggest".into(), home];
            args.extend(extra);
            args.extend([
                "--name".into(),
                name_s.clone(),
                "--resolve-port".into(),
                pt.clone(),
            ]);
            args.extend(["-o".into(), out_file.display().to_string()]);
            let out = govtrust(&args.iter().map(String::as_str).collect::<Vec<_>>());
            let log = text(&out.stderr);
            assert!(out.status.success(), "{name_s}: {log}");
            let mine = settings_with(&dd, &format!("{name_s}-settings-suggested"), &out_file);
            county::run_ok(Path::new("/nonexistent-store"), &mine, &["check-config"]);
            let hand = settings_with(
                &dd,
                &format!("{name_s}-settings-hand"),
                &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("sources/{name_s}.toml")),
            );
            let ours = crawl(&dd, &format!("{name_s}-suggested"), &mine, &pt);
            let theirs = crawl(&dd, &format!("{name_s}-hand"), &hand, &pt);
            (
                std::fs::read_to_string(&out_file).unwrap_or_default(),
                log,
                ours,
                theirs,
            )
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            def.contains(shows) || log.contains(shows),
            "{name}: {def}\n{log}"
        );
        let store = govtrust::store::Store::open(&ours).unwrap_or_else(|e| panic!("{e}"));
        let docs = store.documents(None).unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        let by_url: std::collections::BTreeMap<&str, &govtrust::extract::Document> =
            docs.iter().map(|d| (d.url.as_str(), d)).collect();
        let planted: Vec<_> = truth
            .documents
            .iter()
            .filter(|t| t.url.starts_with(&format!("http://{host}/")))
            .collect();
        assert!(planted.len() >= 5, "{name}: {}", planted.len());
        let right = planted
            .iter()
            .filter(|t| {
                by_url.get(t.url.as_str()).is_some_and(|d| {
                    d.title.as_deref() == Some(t.title.as_str())
                        && d.published == Some(t.published_on)
                        && (t.unit.is_none() || t.role == "notice" || d.unit == t.unit)
                })
            })
            .count();
        assert!(
            right * 100 >= planted.len() * 99,
            "{name}: {right} of {} planted documents right\n{def}",
            planted.len()
        );
        let (a, b) = (notice_failures(&ours), notice_failures(&theirs));
        assert_eq!(a, b, "{name}: T5/D3 failures");
        notices += b.len();
        assert_eq!(evidence(&ours), evidence(&theirs), "{name}: all evidence");
    }
    assert!(notices > 0, "the TRS notices name units");
    sim.shutdown().await;
}
