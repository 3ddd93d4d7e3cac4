//! The shipped platform presets (`crawl-config/presets/`) on their platforms' real shapes
//! (`tests/fixtures/platforms/`): a source that says only `platform`, entries and unit extracts
//! each page's items with title, date and link and computes the next requests; and bad
//! definitions are errors naming the file and key.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use govtrust::config::source::{Method, Presets, Source, SourceFile};
use govtrust::config::{Problem, Problems, Roster};
use govtrust::crawl::url::Normalizer;
use govtrust::extract::list::{extract_list_page, ListPage, PageAt};
use govtrust::extract::pager::{request_pages, PageRequest};
use url::Url;

fn roster() -> Roster {
    Roster::load(Path::new("crawl-config/units/tongbai.toml")).unwrap()
}

fn presets() -> Presets {
    Presets::load(Path::new("crawl-config/presets"), &roster()).unwrap()
}

fn compile(text: &str) -> Result<Source, Vec<Problem>> {
    let f: SourceFile = toml::from_str(text).unwrap();
    let mut p = Problems::new(Path::new("sources/test.toml"));
    let s = Source::compile_with(
        Path::new("sources/test.toml"),
        f,
        &roster(),
        &presets(),
        &mut p,
    );
    match s {
        Some(s) if p.is_empty() => Ok(s),
        _ => Err(p.into_vec()),
    }
}

fn source(text: &str) -> Source {
    compile(text).unwrap_or_else(|p| panic!("{p:#?}"))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new("tests/fixtures/platforms").join(name)).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, day)
}

fn page(s: &Source, url: &str, body: &str, at: PageAt) -> ListPage {
    let url = Url::parse(url).unwrap();
    extract_list_page(
        &s.lists[0],
        &url,
        body,
        &Normalizer::default(),
        usize::MAX,
        at,
    )
    .unwrap()
}

/// Items as (link path, title, date).
fn items(p: &ListPage) -> Vec<(String, String, Option<NaiveDate>)> {
    p.items
        .iter()
        .map(|i| {
            (
                i.link
                    .as_ref()
                    .map(|u| u.path().to_string())
                    .unwrap_or_default(),
                i.title.clone().unwrap_or_default(),
                i.date,
            )
        })
        .collect()
}

#[test]
fn every_shipped_preset_loads() {
    let p = presets();
    for name in ["hanweb", "truecms", "trs", "henan-jiyue", "creditchina"] {
        assert!(p.get(name).is_some(), "{name} in {:?}", p.names());
    }
    for preset in p.iter() {
        assert!(
            !preset.description.is_empty(),
            "{} says what it is",
            preset.name
        );
    }
}

const HANWEB: &str = r#"
[source]
name = "chengjiao"
[scope]
hosts = ["www.cj.gov.cn"]
[[list]]
name = "通知公告"
platform = "hanweb"
entries = ["http://www.cj.gov.cn/col/col1234/index.html"]
unit = "t-chengguan"
"#;

#[test]
fn hanweb_column_and_dataproxy() {
    let s = source(HANWEB);
    let list = &s.lists[0];
    assert_eq!(list.platform.as_deref(), Some("hanweb"));
    let entry = "http://www.cj.gov.cn/col/col1234/index.html";
    let first = page(&s, entry, &fixture("hanweb_column.html"), PageAt::List);
    assert_eq!(
        items(&first),
        [
            (
                "/art/2024/5/10/art_1234_56789.html".to_string(),
                "城郊乡关于开展2024年度政务诚信建设自查工作的通知".to_string(),
                d(2024, 5, 10)
            ),
            (
                "/art/2024/5/8/art_1234_56771.html".into(),
                "城郊乡2024年第一季度双公示信息公开情况".into(),
                d(2024, 5, 8)
            ),
            (
                "/art/2024/4/28/art_1234_56702.html".into(),
                "城郊乡政府权责清单（2024年版）".into(),
                d(2024, 4, 28)
            ),
        ]
    );
    // 137 records, 45 a request.
    assert_eq!(first.page_count, Some(4));
    let want: BTreeMap<String, String> = [
        ("columnid", "1234"),
        ("perPage", "15"),
        ("totalRecord", "137"),
        ("unitid", "5678"),
        ("webid", "3"),
        ("webname", "桐柏县城郊乡人民政府"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(first.captures, want);
    let reqs: Vec<PageRequest> = request_pages(
        list.pagination.as_ref().unwrap(),
        &Url::parse(entry).unwrap(),
        &first.captures,
        1..=4,
    )
    .unwrap();
    assert!(reqs.iter().all(|r| r.method == Method::Post));
    assert_eq!(
        reqs.iter().map(|r| r.url.as_str()).collect::<Vec<_>>(),
        [
            "http://www.cj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
            "http://www.cj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15",
            "http://www.cj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=135&perpage=15",
            "http://www.cj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=136&endrecord=180&perpage=15",
        ]
    );
    assert_eq!(
        reqs[0].body(),
        "appid=1&col=1&columnid=1234&path=%2F&permissiontype=0&sourceContentType=1&unitid=5678&webid=3&webname=%E6%A1%90%E6%9F%8F%E5%8E%BF%E5%9F%8E%E9%83%8A%E4%B9%A1%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C"
    );
    // The proxy's answer: raw XML records.
    let proxy = page(
        &s,
        reqs[1].url.as_str(),
        &fixture("hanweb_dataproxy.xml"),
        PageAt::Request,
    );
    assert_eq!(
        items(&proxy),
        [
            (
                "/art/2024/1/15/art_1234_55120.html".to_string(),
                "城郊乡关于2023年度依法行政工作情况的报告".to_string(),
                d(2024, 1, 15)
            ),
            (
                "/art/2024/1/9/art_1234_55077.html".into(),
                "城郊乡人民政府2023年政府信息公开工作年度报告".into(),
                d(2024, 1, 9)
            ),
        ]
    );
    assert!(proxy.captures.is_empty(), "captures are the entry's");
    // Hanweb's article pages are declared by the preset.
    let art = Url::parse("http://www.cj.gov.cn/art/2024/5/10/art_1234_56789.html").unwrap();
    assert!(s.detail_for(&art).is_some());
}

#[test]
fn truecms_nested_jsonp() {
    let s = source(
        r#"
[source]
name = "scjgj"
[scope]
hosts = ["www.tb.gov.cn"]
[[list]]
name = "双公示"
platform = "truecms"
entries = ["http://www.tb.gov.cn/api/list?channel=sgs&page=1&size=20&callback=raw"]
unit = "d-fgw"
[[detail]]
url_pattern = '^/zwgk/sgs/'
title = "meta:ArticleTitle"
"#,
    );
    let entry = "http://www.tb.gov.cn/api/list?channel=sgs&page=1&size=20&callback=raw";
    let p = page(&s, entry, &fixture("truecms_list.js"), PageAt::List);
    assert_eq!(
        items(&p),
        [
            (
                "/zwgk/sgs/xzxk/202405/t20240510_1285.html".to_string(),
                "桐柏县市场监督管理局行政许可决定（食品经营许可）".to_string(),
                d(2024, 5, 10)
            ),
            (
                "/zwgk/sgs/xzcf/202405/t20240507_1279.html".into(),
                "桐柏县市场监督管理局行政处罚决定书（桐市监罚〔2024〕12号）".into(),
                d(2024, 5, 7)
            ),
            (
                "/zwgk/sgs/xzxk/202404/t20240426_1266.html".into(),
                "桐柏县市场监督管理局行政许可决定（营业执照）".into(),
                d(2024, 4, 26)
            ),
        ]
    );
    // 57 records, 20 a page: pages 2 and 3 by the page parameter, the others kept.
    assert_eq!(p.page_count, Some(3));
    let later: Vec<String> = govtrust::extract::pager::later_pages(
        s.lists[0].pagination.as_ref().unwrap(),
        &Url::parse(entry).unwrap(),
        3,
        500,
    )
    .iter()
    .map(|u| u.query().unwrap_or("").to_string())
    .collect();
    assert_eq!(
        later,
        [
            "channel=sgs&callback=raw&page=2&size=20",
            "channel=sgs&callback=raw&page=3&size=20"
        ]
    );
}

fn problems(text: &str) -> Vec<String> {
    match compile(text) {
        Ok(_) => Vec::new(),
        Err(ps) => ps.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn bad_definitions_name_the_file_and_key() {
    let p = problems(&HANWEB.replace("\"hanweb\"", "\"hanwbe\""));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with(
            "sources/test.toml: list[0].platform: unknown platform \"hanwbe\"; known: "
        ),
        "{p:?}"
    );
    assert!(
        p[0].contains("hanweb, ") && p[0].contains("truecms"),
        "{p:?}"
    );

    // A template naming a capture the list lacks; a form on a GET; a capture's bad path.
    let p = problems(
        r#"
[source]
name = "x"
[scope]
hosts = ["h"]
allow = ["."]
[[list]]
name = "l"
entries = ["http://h/"]
item = "li"
[list.captures]
total = "js:pager..total"
[list.pagination]
kind = "request"
url = "/list?page={page}&col={columnid}"
form = { a = "1" }
count = { from = "capture", name = "totalRecord" }
"#,
    );
    let want = [
        "sources/test.toml: list[0].captures.total: \"js:pager..total\": js: takes a dotted path of identifiers (ajaxParam.columnid)",
        "sources/test.toml: list[0].pagination.url: {columnid} is neither a page counter (page, start, end, per_request) nor a capture (total)",
        "sources/test.toml: list[0].pagination.form: a form body is sent with method = \"post\"",
        "sources/test.toml: list[0].pagination.count.name: \"totalRecord\" is not one of the list's captures (total)",
    ];
    for w in want {
        assert!(p.iter().any(|x| x == w), "{w}\nin {p:#?}");
    }

    // {start} without a record size.
    let p = problems(
        r#"
[source]
name = "x"
[scope]
hosts = ["h"]
allow = ["."]
[[list]]
name = "l"
entries = ["http://h/"]
payload = { kind = "xml", record = "record" }
[list.pagination]
kind = "request"
url = "/p?s={start}"
count = { from = "xml", element = "totalpage" }
"#,
    );
    assert!(
        p.iter()
            .any(|x| x.starts_with("sources/test.toml: list[0].pagination.per_request:")),
        "{p:?}"
    );
}

#[test]
fn a_bad_preset_is_named_by_its_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        r#"
[preset]
name = "broken"
description = "x"
[list]
payload = { kind = "xml", record = "record" }
item = "li[["
[list.pagination]
kind = "request"
url = "/p?page={page}&c={col}"
count = { from = "xml", element = "totalpage" }
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("named.toml"),
        "[preset]\nname = \"other\"\n[list]\nitm = \"li\"\n",
    )
    .unwrap();
    let err = Presets::load(dir.path(), &roster()).unwrap_err();
    let shown: Vec<String> = err.iter().map(ToString::to_string).collect();
    let broken = dir.path().join("broken.toml").display().to_string();
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with(&format!("{broken}: list.item: bad CSS selector"))),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with(&format!("{broken}: list.pagination.url: {{col}}"))),
        "{shown:#?}"
    );
    let named = dir.path().join("named.toml").display().to_string();
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with(&format!("{named}: line 4: unknown field `itm`"))),
        "{shown:#?}"
    );
}

fn old_fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new("tests/fixtures").join(name)).unwrap()
}

#[test]
fn trs_rows_and_create_page_html() {
    let s = source(
        r#"
[source]
name = "yzq"
[scope]
hosts = ["www.yzq.gov.cn"]
[[list]]
name = "政务要闻"
platform = "trs"
entries = ["http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index.html"]
"#,
    );
    let entry = "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index.html";
    let p = page(
        &s,
        entry,
        &old_fixture("trs_list_createPageHTML.html"),
        PageAt::List,
    );
    // The rows that link to articles (the breadcrumb's row links to column pages).
    let articles: Vec<_> = items(&p)
        .into_iter()
        .filter(|(link, ..)| {
            s.detail_for(&Url::parse(entry).unwrap().join(link).unwrap())
                .is_some()
        })
        .collect();
    assert_eq!(
        articles,
        [
            (
                "/zwgk/zwdt/zwyw/201710/t20171020_398361.html".to_string(),
                "袁州区财政局掀起学习贯彻省、市、区有关文件精神热潮".to_string(),
                d(2017, 10, 20)
            ),
            (
                "/zwgk/zwdt/zwyw/201710/t20171019_398220.html".into(),
                "袁州区广大党员干部和群众收听收看党的十九大开幕盛况".into(),
                d(2017, 10, 18)
            ),
        ]
    );
    assert_eq!(p.page_count, Some(120));
    let later = govtrust::extract::pager::later_pages(
        s.lists[0].pagination.as_ref().unwrap(),
        &Url::parse(entry).unwrap(),
        120,
        4,
    );
    let names: Vec<&str> = later.iter().map(|u| u.path()).collect();
    assert_eq!(
        names,
        [
            "/zwgk/zwdt/zwyw/index_1.html",
            "/zwgk/zwdt/zwyw/index_2.html",
            "/zwgk/zwdt/zwyw/index_3.html"
        ]
    );
}

#[test]
fn henan_platform_list_and_article() {
    let s = source(
        r#"
[source]
name = "henan"
[scope]
hosts = ["www.henan.gov.cn"]
[[list]]
name = "通知公告"
platform = "henan-jiyue"
entries = ["https://www.henan.gov.cn/zwgk/tzgg/"]
"#,
    );
    let entry = "https://www.henan.gov.cn/zwgk/tzgg/index.html";
    let p = page(
        &s,
        entry,
        &old_fixture("henan_list_pagedec.html"),
        PageAt::List,
    );
    assert_eq!(
        items(&p),
        [
            (
                "/2007/10-19/269044.html".to_string(),
                "关于印发河南省政务诚信建设实施方案的通知".to_string(),
                d(2007, 10, 19)
            ),
            (
                "/2026/09-11/1234.html".into(),
                "特别提醒".into(),
                d(2026, 9, 12)
            ),
        ]
    );
    // pagecount 51 records of 24: pages index_1, index_2.
    assert_eq!(p.page_count, Some(3));
    let later = govtrust::extract::pager::later_pages(
        s.lists[0].pagination.as_ref().unwrap(),
        &Url::parse(entry).unwrap(),
        3,
        500,
    );
    assert_eq!(
        later.iter().map(|u| u.path()).collect::<Vec<_>>(),
        ["/zwgk/tzgg/index_1.html", "/zwgk/tzgg/index_2.html"]
    );
    // The preset's article declaration reads the platform's detail page.
    let art = Url::parse("https://www.tongbai.gov.cn/2024/01-17/100.html").unwrap();
    let s2 = source(
        r#"
[source]
name = "tb"
[scope]
hosts = ["www.tongbai.gov.cn"]
[[list]]
name = "栏目"
platform = "henan-jiyue"
entries = ["https://www.tongbai.gov.cn/zwgk/tzgg/"]
"#,
    );
    let (_, detail) = s2.detail_for(&art).unwrap();
    let f = govtrust::extract::detail::extract_detail(
        detail,
        &art,
        &old_fixture("tongbai_article_reconstructed.html"),
        &Normalizer::default(),
    );
    assert!(f.title.is_some() && f.published.is_some(), "{f:?}");
}

#[test]
fn creditchina_records() {
    let s = source(
        r#"
[source]
name = "cc"
[scope]
hosts = ["public.creditchina.gov.cn"]
[[list]]
name = "行政处罚"
platform = "creditchina"
entries = ["https://public.creditchina.gov.cn/private-api/typeNameAndCountSearch?keyword=x&type=y&page=1&pageSize=10"]
title = "json:entity.cf_wsh"
date = "json:entity.cf_jdrq"
unit_from = ["处罚机关"]
[list.fields]
"处罚机关" = "json:entity.cf_cfjg"
"#,
    );
    let entry = "https://public.creditchina.gov.cn/private-api/typeNameAndCountSearch?keyword=x&type=y&page=1&pageSize=10";
    let p = page(
        &s,
        entry,
        &old_fixture("creditchina_type_source_search.json"),
        PageAt::List,
    );
    let got: Vec<(Option<String>, Option<NaiveDate>, Option<String>)> = p
        .items
        .iter()
        .map(|i| (i.title.clone(), i.date, i.fields.get("处罚机关").cloned()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("桐市监罚〔2023〕12号".into()),
                d(2023, 3, 1),
                Some("桐柏县市场监督管理局".into())
            ),
            (
                Some("宛市监罚〔2023〕3号".into()),
                d(2023, 5, 6),
                Some("南阳市宛城区市场监督管理局".into())
            ),
        ]
    );
    assert!(s.lists[0].records, "every row is a record");
    assert_eq!(p.page_count, Some(3), "data.totalSize counts pages");
    let later = govtrust::extract::pager::later_pages(
        s.lists[0].pagination.as_ref().unwrap(),
        &Url::parse(entry).unwrap(),
        3,
        500,
    );
    assert_eq!(
        later[0].query(),
        Some("keyword=x&type=y&page=2&pageSize=10")
    );
}

/// The compiled lists and details of a source file, the platform a list names left out.
fn compiled(path: &Path, with: &Presets) -> String {
    let mut s = Source::load_with(path, &roster(), with).unwrap_or_else(|e| panic!("{e}"));
    for l in &mut s.lists {
        l.platform = None;
    }
    format!("{:?}\n{:?}\n{:?}", s.scope, s.lists, s.details)
}

#[test]
fn shipped_sources_rewritten_to_presets_crawl_as_before() {
    for name in ["tongbai.toml", "creditchina.toml"] {
        let before = compiled(
            &Path::new("tests/fixtures/platforms/before").join(name),
            &Presets::default(),
        );
        let after = compiled(&Path::new("sources").join(name), &presets());
        assert_eq!(after, before, "{name}");
        let text = std::fs::read_to_string(Path::new("sources").join(name)).unwrap();
        assert!(text.contains("platform = "), "{name} uses a preset");
    }
}

#[test]
fn the_settings_load_presets_beside_them_and_report_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config");
    std::fs::create_dir(dir.path().join("presets")).unwrap();
    std::fs::copy(
        root.join("presets/hanweb.toml"),
        dir.path().join("presets/hanweb.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.toml"),
        "[source]\nname = \"site\"\n[scope]\nhosts = [\"www.x.sim\"]\n[[list]]\nname = \"通知公告\"\nplatform = \"hanweb\"\nentries = [\"http://www.x.sim/col/col1/index.html\"]\n",
    )
    .unwrap();
    let settings = dir.path().join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            "[evaluation]\nperiod = \"2023\"\nstart = \"2023-01-01\"\nend = \"2023-12-30\"\nroster = \"{}\"\ncatalogs = [\"{}\", \"{}\"]\n[crawl]\nsources = [\"site.toml\"]\nuser_agent = \"t/0.1 (+https://example.org/t)\"\n",
            root.join("units/tongbai.toml").display(),
            root.join("indicators/township.toml").display(),
            root.join("indicators/department.toml").display(),
        ),
    )
    .unwrap();
    // Found beside the settings file, without a `presets` key.
    let project = govtrust::config::Project::load(&settings).unwrap();
    let crawl = project.crawl.as_ref().unwrap();
    assert_eq!(crawl.presets.names(), ["hanweb"]);
    assert_eq!(
        crawl.sources[0].lists[0].platform.as_deref(),
        Some("hanweb")
    );
    assert_eq!(
        crawl.sources[0].details.len(),
        1,
        "the preset's article pages"
    );

    // A broken preset fails the load, named by its file and key.
    let broken = dir.path().join("presets/hanweb.toml");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, text.replace("per_request = 45", "per_request = 0")).unwrap();
    let err = govtrust::config::Project::load(&settings).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains(&format!(
            "{}: list.pagination.per_request: per_request is at least 1",
            broken.display()
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "list[0].platform: the preset \"hanweb\" has problems ({}, listed with its file)",
            broken.display()
        )),
        "{shown}"
    );
    assert!(!shown.contains("unknown platform"), "{shown}");
}

#[test]
fn fragment_payloads_take_html_probes_and_need_their_fragment() {
    let base = |payload: &str, rest: &str| {
        format!(
            "[source]\nname = \"x\"\n[scope]\nhosts = [\"h\"]\nallow = [\".\"]\n[[list]]\nname = \"l\"\nentries = [\"http://h/\"]\npayload = {payload}\n{rest}"
        )
    };
    let p = problems(&base(
        r#"{ kind = "jsonp", inner = { kind = "xml", record = "record" } }"#,
        "",
    ));
    assert!(
        p.iter().any(|x| x
            == "sources/test.toml: list[0].payload.inner: an inner payload reads a `fragment`: name its JSON path"),
        "{p:#?}"
    );
    let p = problems(&base(
        r#"{ kind = "jsonp", fragment = "result", inner = { kind = "xml", record = "re cord" } }"#,
        "title = \"json:title\"\nitems = \"list\"",
    ));
    for w in [
        "sources/test.toml: list[0].payload.inner.record: an XML element name",
        "sources/test.toml: list[0].title[0]: \"json:title\": this payload takes css:, meta:, label: or re: probes",
        "sources/test.toml: list[0].items: `items` is for json payloads; use `item`",
    ] {
        assert!(p.iter().any(|x| x == w), "{w}\nin {p:#?}");
    }
    // Responses read as JSON records for a list of HTML items: the probes could not be both.
    let p = problems(&base(
        r#"{ kind = "html" }"#,
        "item = \"li\"\n[list.pagination]\nkind = \"request\"\nurl = \"/p?page={page}\"\ncount = { from = \"json\", path = \"total\" }\npayload = { kind = \"json\" }",
    ));
    assert!(
        p.iter()
            .any(|x| x.starts_with("sources/test.toml: list[0].pagination.payload: the responses' payload must take the same probes")),
        "{p:#?}"
    );
    // And a good one compiles.
    assert!(problems(&base(
        r#"{ kind = "json", fragment = "data.html", inner = { kind = "html" } }"#,
        "item = \"li\"",
    ))
    .is_empty());
}

/// A source of one list per shipped preset, compiled once.
fn preset_sources() -> &'static [Source] {
    static S: std::sync::OnceLock<Vec<Source>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        presets()
            .iter()
            .map(|preset| {
                let title = if preset.name == "creditchina" { "json:t" } else { "css:a" };
                source(&format!(
                    "[source]\nname = \"f\"\n[scope]\nhosts = [\"h.sim\"]\nallow = [\".\"]\n[[list]]\nname = \"l\"\nplatform = \"{}\"\nentries = [\"http://h.sim/col/col1/index.html\"]\ntitle = \"{title}\"\n",
                    preset.name
                ))
            })
            .collect()
    })
}

/// Pages in the platforms' shapes, cut and mixed: datastores, records, jpage calls with odd
/// brackets and quotes, JSONP with fragments, XML totals.
fn platform_page() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        Just("<script type=\"text/xml\"><datastore><recordset>".to_string()),
        Just("<record><![CDATA[<li><a href=\"/art/2024/5/1/art_1_2.html\" title=\"t\">t</a><span>2024-05-01</span></li>]]></record>".to_string()),
        Just("<record><![CDATA[<tr><td><a href=\"x\">".to_string()),
        Just("</recordset></datastore></script>".to_string()),
        Just("$('#1').jpage({ perPage:15, totalRecord:".to_string()),
        Just("ajaxParam:{ columnid:1234, unitid:'5678', webname:\"w\\\"x\", webid:".to_string()),
        Just("fn: function(a){ return {b:[1,(2)]}; }, ".to_string()),
        Just("/* ajaxParam: { */ // totalRecord: 9\n".to_string()),
        Just("})".to_string()),
        Just(";raw({\"result\":\"<datastore><record><![CDATA[<li><a href='/c/1.html'>c</a></li>]]></record>".to_string()),
        Just("\",\"total\":57})".to_string()),
        Just("<totalrecord>4294967296</totalrecord><totalpage>-1</totalpage>".to_string()),
        Just("<div id=\"pageDec\" pagesize=\"0\" pagecount=\"5\"></div>".to_string()),
        Just("createPageHTML(3, 0, \"index\", \"html\");".to_string()),
        "[\\PC]{0,10}".prop_map(|s| s),
        "[{}\\[\\]()'\"`:;,= a-z/*\\\\]{0,14}".prop_map(|s| s),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// Every shipped preset's list, as an entry page and as a request's answer, its captures,
    /// planned requests and diagnosis, on arbitrary pages: an answer or an error, never a panic.
    #[test]
    fn any_platform_page_ends_without_a_panic(text in platform_page()) {
        use govtrust::extract::diagnose::diagnose_list;
        use govtrust::extract::pager::plan_requests;
        let nz = Normalizer::default();
        let url = Url::parse("http://h.sim/col/col1/index.html").unwrap();
        for s in preset_sources() {
            let list = &s.lists[0];
            for at in [PageAt::List, PageAt::Request] {
                if let Ok(page) = extract_list_page(list, &url, &text, &nz, 30, at) {
                    proptest::prop_assert!(page.items.len() <= 30);
                    if let Some(pg) = &list.pagination {
                        let plan = plan_requests(pg, &url, 1, page.page_count, &page.captures, 20);
                        proptest::prop_assert!(plan.requests.len() <= 19);
                    }
                }
                let _ = diagnose_list(list, &text, at);
            }
        }
    }
}
