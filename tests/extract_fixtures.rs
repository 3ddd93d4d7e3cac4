//! Extraction on the real page shapes of govweb-samples (copied to tests/fixtures/), through
//! source definitions written the way `sources/*.toml` are, so the declarative path is tested
//! end to end: TOML → compiled source → list items / detail fields / records.

use std::path::Path;

use chrono::NaiveDate;
use govtrust::config::source::{Presets, Source, SourceFile};
use govtrust::config::{Problems, Roster};
use govtrust::crawl::url::Normalizer;
use govtrust::extract::detail::extract_detail;
use govtrust::extract::list::extract_list;
use govtrust::extract::{Document, DocumentKind};
use url::Url;

fn roster() -> Roster {
    Roster::load(Path::new("crawl-config/units/tongbai.toml")).unwrap()
}

fn source(toml_text: &str) -> Source {
    let f: SourceFile = toml::from_str(toml_text).unwrap();
    let mut p = Problems::new(Path::new("test.toml"));
    let presets = Presets::load(Path::new("crawl-config/presets"), &roster()).unwrap();
    let s = Source::compile_with(Path::new("test.toml"), f, &roster(), &presets, &mut p).unwrap();
    assert!(p.is_empty(), "{:?}", p.into_vec());
    s
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new("tests/fixtures").join(name)).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const HENAN: &str = r##"
[source]
name = "henan"
[scope]
hosts = ["www.henan.gov.cn", "www.tongbai.gov.cn"]
[[list]]
name = "通知公告"
entries = ["https://www.henan.gov.cn/zwgk/tzgg/"]
item = ".mt15.list-box > ul > li"
title = ["css:a@title", "css:a"]
date = "css:span"
[list.pagination]
kind = "template"
first = "index.html"
pattern = "index_{n}.html"
second = 1
count = { from = "attr", selector = "#pageDec", attr = "pagecount", per_page_attr = "pagesize" }
[[detail]]
url_pattern = '^/\d{4}/\d{2}-\d{2}/\d+\.html$'
title = ["meta:ArticleTitle", "css:#article_header h3", "css:h1"]
date = ["meta:PubDate", "label:发布时间", "label:发布日期", "label:时间"]
publisher = ["label:发布机构", "meta:ContentSource", "label:来源"]
index_no = ["label:索引号"]
doc_no = ["label:文号", "label:发文字号"]
body = ["css:#article_body", "css:#content"]
attachments = '(?i)\.(pdf|docx?|xlsx?)$'
unit_from = ["栏目单位", "publisher"]
[detail.fields]
"栏目单位" = ['re:当前所在位置[:：]?\s*首页\s*>\s*(?:乡镇信息公开|部门信息公开)\s*>\s*([^>]+?)\s*>']
"成文日期" = "label:成文日期"
"##;

#[test]
fn henan_list_items_dates_and_record_counted_pagedec() {
    let s = source(HENAN);
    let url = Url::parse("https://www.henan.gov.cn/zwgk/tzgg/index.html").unwrap();
    let page = extract_list(
        &s.lists[0],
        &url,
        &fixture("henan_list_pagedec.html"),
        &Normalizer::default(),
    )
    .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[0].title.as_deref(),
        Some("关于印发河南省政务诚信建设实施方案的通知")
    );
    assert_eq!(page.items[0].date, Some(d(2007, 10, 19)));
    assert_eq!(
        page.items[1].link.as_ref().unwrap().as_str(),
        "https://www.henan.gov.cn/2026/09-11/1234.html"
    );
    assert_eq!(
        page.items[1].date,
        Some(d(2026, 9, 12)),
        "bracketed list date"
    );
    assert_eq!(
        page.page_count,
        Some(3),
        "pagecount 51 records / pagesize 24"
    );
}

#[test]
fn trs_table_list_with_create_page_html() {
    let s = source(
        r##"
[source]
name = "yzq"
[scope]
hosts = ["www.yzq.gov.cn"]
[[list]]
name = "政务要闻"
entries = ["http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index.html"]
item = "tr"
date = "css:td:nth-child(2)"
title = "css:a"
[list.pagination]
kind = "template"
first = "index.html"
pattern = "index_{n}.html"
second = 1
count = { from = "pager_script", function = "createPageHTML" }
[[detail]]
url_pattern = '/\d{6}/t\d{8}_\d+\.html$'
title = "meta:ArticleTitle"
"##,
    );
    let url = Url::parse("http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index.html").unwrap();
    let page = extract_list(
        &s.lists[0],
        &url,
        &fixture("trs_list_createPageHTML.html"),
        &Normalizer::default(),
    )
    .unwrap();
    let linked: Vec<_> = page.items.iter().filter(|i| i.link.is_some()).collect();
    assert_eq!(linked.len(), 2);
    assert_eq!(
        linked[0].link.as_ref().unwrap().as_str(),
        "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/201710/t20171020_398361.html"
    );
    assert_eq!(
        linked[0].title.as_deref(),
        Some("袁州区财政局掀起学习贯彻省、市、区有关文件精神热潮")
    );
    assert_eq!(linked[1].date, Some(d(2017, 10, 18)));
    assert_eq!(page.page_count, Some(120));
    assert!(s.detail_for(linked[0].link.as_ref().unwrap()).is_some());
}

#[test]
fn detail_from_meta_tags_and_metadata_table() {
    let s = source(HENAN);
    let url = Url::parse("https://www.henan.gov.cn/2020/09-11/1.html").unwrap();
    let f = extract_detail(
        &s.details[0],
        &url,
        &fixture("gov_meta_and_xxgk_table.html"),
        &Normalizer::default(),
    );
    assert_eq!(
        f.title.as_deref(),
        Some("2020年09月11日药品批准证明文件待领取信息发布")
    );
    assert_eq!(
        f.published,
        Some(d(2020, 9, 11)),
        "meta PubDate, not the table"
    );
    assert_eq!(
        f.publisher.as_deref(),
        Some("国家药品监督管理局"),
        "meta ContentSource"
    );
    assert_eq!(f.index_no.as_deref(), Some("4/2026-00001"));
    assert_eq!(f.doc_no.as_deref(), Some("应急〔2026〕88号"));
    assert_eq!(
        f.fields.get("成文日期").map(String::as_str),
        Some("2026年03月01日")
    );
}

#[test]
fn tongbai_article_date_is_the_displayed_one_not_the_url_date() {
    let s = source(HENAN);
    let url = Url::parse("https://www.tongbai.gov.cn/2024/03-18/750009.html").unwrap();
    let f = extract_detail(
        &s.details[0],
        &url,
        &fixture("tongbai_article_reconstructed.html"),
        &Normalizer::default(),
    );
    assert_eq!(
        f.title.as_deref(),
        Some("桐柏县人民政府2023年政府信息公开工作年度报告")
    );
    assert_eq!(f.published, Some(d(2024, 1, 17)));
    assert_eq!(f.publisher.as_deref(), Some("桐柏县人民政府"));
    assert!(f.body.contains("共收到依申请公开21件"), "{}", f.body);
    assert_eq!(f.attachments.len(), 1);
    assert_eq!(
        f.attachments[0].url,
        "https://www.tongbai.gov.cn/uploadfiles/2024/01/%E5%B9%B4%E6%8A%A5.pdf"
    );
}

#[test]
fn township_article_unit_from_breadcrumb() {
    let s = source(HENAN);
    let url = Url::parse("https://www.tongbai.gov.cn/2026/01-07/1370725.html").unwrap();
    let f = extract_detail(
        &s.details[0],
        &url,
        &fixture("township_article_reconstructed.html"),
        &Normalizer::default(),
    );
    assert_eq!(
        f.title.as_deref(),
        Some("桐柏县淮源镇人民政府2025年政府信息公开工作年度报告"),
        "title only in meta"
    );
    assert_eq!(f.published, Some(d(2026, 1, 7)));
    assert_eq!(f.publisher, None, "来源 is empty on this page");
    let mut doc = doc_from(f.title.clone(), f.fields.clone());
    doc.publisher = f.publisher.clone();
    doc.attribute(None, &s.details[0].unit_from, &roster());
    assert_eq!(doc.unit.as_deref(), Some("t-huaiyuan"));
    assert_eq!(doc.unit_basis.as_deref(), Some("栏目单位=淮源镇"));
}

/// The column (栏目) is the breadcrumb's last segment, in both shipped Tongbai definitions, even
/// when the article's own text has a `>` further down the page.
#[test]
fn column_is_the_breadcrumbs_last_segment_not_a_later_gt() {
    let page = fixture("township_article_reconstructed.html");
    let with_gt = page.replacen("</body>", "<p>气温 &gt; 35℃ 时停止户外作业</p></body>", 1);
    assert_ne!(page, with_gt, "the fixture has a body to add to");
    for file in ["sources/tongbai.toml", "sources/sim-tongbai.toml"] {
        let s = source(&std::fs::read_to_string(file).unwrap());
        let url = Url::parse(&format!(
            "https://{}/2026/01-07/1370725.html",
            s.scope.hosts[0]
        ))
        .unwrap();
        let detail = s.detail_for(&url).map(|(_, d)| d).unwrap();
        for text in [&page, &with_gt] {
            let f = extract_detail(detail, &url, text, &Normalizer::default());
            assert_eq!(
                f.fields.get("栏目").map(String::as_str),
                Some("政府信息公开年报"),
                "{file}"
            );
            assert_eq!(f.fields.get("栏目单位").map(String::as_str), Some("淮源镇"));
        }
    }
}

fn doc_from(title: Option<String>, fields: std::collections::BTreeMap<String, String>) -> Document {
    Document {
        id: "x".into(),
        source: "t".into(),
        list: None,
        kind: DocumentKind::Article,
        url: String::new(),
        page_url: String::new(),
        snapshot: String::new(),
        title,
        published: None,
        publisher: None,
        index_no: None,
        doc_no: None,
        body: String::new(),
        attachments: vec![],
        unit: None,
        unit_basis: None,
        fields,
        run: 1,
        extracted_at: chrono::Utc::now(),
    }
}

const CREDIT: &str = r##"
[source]
name = "cc"
[scope]
hosts = ["public.creditchina.gov.cn"]
[[list]]
name = "行政处罚"
entries = ["https://public.creditchina.gov.cn/private-api/typeSourceSearch?type=x&page=1&pageSize=10"]
payload = { kind = "PAYLOAD" }
items = "data.list"
records = true
record_key = "json:entity.uuid"
title = "json:entity.cf_wsh"
date = "json:entity.cf_jdrq"
unit_from = ["处罚机关"]
[list.fields]
"处罚机关" = "json:entity.cf_cfjg"
[list.pagination]
kind = "query"
param = "page"
size_param = "pageSize"
size = 10
count = { from = "json", path = "data.totalSize" }
"##;

#[test]
fn creditchina_json_and_jsonp_records() {
    let body = fixture("creditchina_type_source_search.json");
    for (kind, text) in [
        ("json", body.clone()),
        ("jsonp", format!("jQuery1234_5678({body});")),
    ] {
        let s = source(&CREDIT.replace("PAYLOAD", kind));
        let url = s.lists[0].entries[0].clone();
        let page = extract_list(&s.lists[0], &url, &text, &Normalizer::default()).unwrap();
        assert_eq!(page.page_count, Some(3), "{kind}");
        assert_eq!(page.items.len(), 2);
        let it = &page.items[0];
        assert_eq!(it.key, "c1e6fe18f7b24cc94934722dbf60748f");
        assert_eq!(it.title.as_deref(), Some("桐市监罚〔2023〕12号"));
        assert_eq!(it.date, Some(d(2023, 3, 1)));
        assert_eq!(
            it.fields.get("cf_xdr_shxym").map(String::as_str),
            Some("91411330MA44XXXX0X"),
            "entity flattened"
        );
        assert_eq!(
            it.fields.get("table_name").map(String::as_str),
            Some("credit_xyzx_fr_xzcf_2026")
        );
        assert_eq!(page.items[1].date, Some(d(2023, 5, 6)));
        let mut doc = doc_from(it.title.clone(), it.fields.clone());
        doc.attribute(None, &s.lists[0].unit_from, &roster());
        assert_eq!(doc.unit.as_deref(), Some("d-scjg"));
        let mut other = doc_from(None, page.items[1].fields.clone());
        other.attribute(None, &s.lists[0].unit_from, &roster());
        assert_eq!(other.unit, None, "a city body is no roster unit");
        assert!(other.unit_basis.unwrap().contains("未能对应单位"));
    }
}

#[test]
fn sgs_rows_of_the_2021_standard() {
    let s = source(
        r##"
[source]
name = "sys"
[scope]
hosts = ["credit.example.invalid"]
[[list]]
name = "行政处罚"
entries = ["https://credit.example.invalid/api/cf?page=1"]
payload = { kind = "json" }
items = "rows"
records = true
record_key = "json:ID"
title = "json:CF_WSH"
date = "json:CF_JDRQ"
"##,
    );
    let url = Url::parse("https://credit.example.invalid/api/cf?page=1").unwrap();
    let page = extract_list(
        &s.lists[0],
        &url,
        &fixture("sgs_row_shuangyashan.json"),
        &Normalizer::default(),
    )
    .unwrap();
    assert_eq!(page.items.len(), 1);
    let it = &page.items[0];
    assert_eq!(it.title.as_deref(), Some("市场【2019】1号"));
    assert_eq!(it.date, Some(d(2019, 10, 10)));
    assert_eq!(
        it.fields.get("CF_CFJG").map(String::as_str),
        Some("双鸭山市公安局")
    );
    assert_eq!(it.fields.get("CF_NR_FK").map(String::as_str), Some("0.2"));
    assert!(
        !it.fields.contains_key("BZ"),
        "nulls are absent, not empty strings"
    );
}

#[test]
fn script_xml_datastore_records() {
    let s = source(
        r##"
[source]
name = "hanweb"
[scope]
hosts = ["www.example.gov.cn"]
[[list]]
name = "信息公开"
entries = ["http://www.example.gov.cn/col/col1229214366/index.html"]
payload = { kind = "script_xml", script = "script[type='text/xml']", record = "record" }
item = "li"
title = "css:a"
date = "css:span"
[[detail]]
url_pattern = '^/art/'
title = "meta:ArticleTitle"
"##,
    );
    let html = r##"<html><body><div id="div1"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup><recordset>
<record><![CDATA[<li><a href="/art/2021/7/19/art_72008_2718080.html" title="t">关于公布2021年度重大行政决策事项目录的通知</a><span>2021-07-19</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/7/1/art_72008_2700001.html">政府信息公开指南</a><span>2021-07-01</span></li>]]></record>
</recordset></datastore></script></div></body></html>"##;
    let url = Url::parse("http://www.example.gov.cn/col/col1229214366/index.html").unwrap();
    let page = extract_list(&s.lists[0], &url, html, &Normalizer::default()).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[0].title.as_deref(),
        Some("关于公布2021年度重大行政决策事项目录的通知")
    );
    assert_eq!(
        page.items[0].link.as_ref().unwrap().as_str(),
        "http://www.example.gov.cn/art/2021/7/19/art_72008_2718080.html"
    );
    assert_eq!(page.items[1].date, Some(d(2021, 7, 1)));
}

#[test]
fn a_bad_source_reports_every_problem_with_its_key() {
    let f: SourceFile = toml::from_str(
        r##"
[source]
name = "bad name"
[scope]
hosts = ["www.x.invalid"]
allow = ["("]
[[list]]
name = "l"
entries = ["http://www.other.invalid/a/", "notaurl"]
item = "[[["
date = "xpath://span"
unit = "d-nonexistent"
[list.pagination]
kind = "template"
first = "index.html"
pattern = "index.html"
second = 5
count = { from = "pager_script", function = "create Page" }
[[detail]]
url_pattern = "("
"##,
    )
    .unwrap();
    let mut p = Problems::new(Path::new("sources/bad.toml"));
    let _ = Source::compile(Path::new("sources/bad.toml"), f, &roster(), &mut p);
    let keys: Vec<String> = p.into_vec().iter().map(|x| x.key.clone()).collect();
    for k in [
        "source.name",
        "scope.allow[0]",
        "list[0].entries[0]",
        "list[0].entries[1]",
        "list[0].item",
        "list[0].date[0]",
        "list[0].unit",
        "list[0].pagination.pattern",
        "list[0].pagination.second",
        "list[0].pagination.count.function",
        "detail[0].url_pattern",
        "detail[0].title",
    ] {
        assert!(
            keys.iter().any(|x| x == k),
            "missing problem at {k}; got {keys:?}"
        );
    }
}
