//! Tests of the platform sites (Hanweb township, TrueCMS bureau, TRS notices): what each
//! serves matches the truth, paging reaches every record, bad parameters get what the real
//! platforms answer, and the moved units are gone from the county portal.

use std::collections::BTreeSet;

use super::model::Site;
use super::{FaultProfile, SimWeb};

fn web(scale: u64) -> SimWeb {
    let roster = SimWeb::load_roster(std::path::Path::new(super::DEFAULT_ROSTER))
        .unwrap_or_else(|e| panic!("{e}"));
    SimWeb::new(roster, 1, scale, 1)
}

fn text(web: &SimWeb, site: Site, path: &str, query: &str) -> (u16, String, String) {
    let r = web.serve(site, path, query, FaultProfile::None);
    let (s, _, _) = encoding_rs::GBK.decode(&r.body);
    let body = if r.content_type.contains("utf-8") || r.content_type.contains("UTF-8") {
        String::from_utf8_lossy(&r.body).into_owned()
    } else {
        s.into_owned()
    };
    (r.status, r.content_type, body)
}

/// The `<li>` links of a datastore or list fragment.
fn links(s: &str) -> Vec<String> {
    s.split("<li><a href=\"")
        .skip(1)
        .filter_map(|x| x.split('"').next())
        .map(str::to_string)
        .collect()
}

fn truth_paths(web: &SimWeb, site: Site, column: &str) -> BTreeSet<String> {
    web.truth()
        .documents
        .iter()
        .filter(|d| d.column == column && d.url.contains(site.host()))
        .map(|d| d.url.replace(&format!("http://{}", site.host()), ""))
        .collect()
}

#[test]
fn hanweb_column_page_embeds_the_first_records_and_dataproxy_pages_the_rest() {
    let w = web(1000);
    let m = w.model();
    let c = super::hanweb::columns(m)
        .find(|c| c.key.ends_with("/gzdt"))
        .unwrap_or_else(|| panic!("no 工作动态 on the Hanweb site"));
    let colid = super::hosting::hanweb_column_id(&c.key);
    let unitid = super::hanweb::jpage_unit_id(colid);
    let (status, _, page) = text(&w, Site::Hanweb, &super::hanweb::column_path(c), "");
    assert_eq!(status, 200);
    let total = c.docs.len() + m.filler_count(c.filler) as usize;
    assert!(total > 2 * super::hanweb::PER_PAGE, "{total}");
    assert!(page.contains(&format!("totalRecord:{total}")), "{page}");
    assert!(page.contains(&format!("columnid:{colid}")));
    assert!(page.contains(&format!("unitid:'{unitid}'")));
    let first = links(&page);
    assert_eq!(first.len(), super::hanweb::PER_PAGE);
    // POST ranges as jpage sends them, after the embedded records.
    let mut all = first.clone();
    let per = super::hanweb::PER_PAGE;
    let mut start = per + 1;
    while start <= total {
        let form = format!(
            "col=1&appid=1&webid={}&path=%2F&columnid={colid}&sourceContentType=1&unitid={unitid}&webname=x&permissiontype=0&startrecord={start}&endrecord={}&perpage={per}",
            super::hanweb::WEBID,
            start + per - 1
        );
        let (status, ctype, xml) = text(&w, Site::Hanweb, super::hanweb::DATAPROXY, &form);
        assert_eq!(status, 200);
        assert!(ctype.starts_with("text/xml"), "{ctype}");
        assert!(xml.contains(&format!("<totalrecord>{total}</totalrecord>")));
        assert!(xml.contains("<record><![CDATA[<li>"), "{xml}");
        all.extend(links(&xml));
        start += per;
    }
    assert_eq!(all.len(), total);
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), total, "no record twice");
    for p in truth_paths(&w, Site::Hanweb, &c.key) {
        assert!(all.contains(&p), "{p} not listed");
    }
    // GET with page= gives the same second page.
    let get = format!("columnid={colid}&unitid={unitid}&webid=2781&page=2");
    let (_, _, xml) = text(&w, Site::Hanweb, super::hanweb::DATAPROXY, &get);
    assert_eq!(links(&xml), all[per..2 * per].to_vec());
    // Wrong or missing columnid, or the wrong jpage: an empty datastore, as the real one.
    for bad in [
        format!("unitid={unitid}&page=1"),
        format!("columnid=1&unitid={unitid}&page=1"),
        format!("columnid={colid}&unitid=1&page=1"),
        format!("columnid={colid}&page=1"),
    ] {
        let (status, _, xml) = text(&w, Site::Hanweb, super::hanweb::DATAPROXY, &bad);
        assert_eq!(status, 200, "{bad}");
        assert!(
            xml.contains("<totalrecord>0</totalrecord>") && links(&xml).is_empty(),
            "{bad}: {xml}"
        );
    }
}

#[test]
fn hanweb_articles_carry_the_metas_and_one_column_is_gbk_without_header_charset() {
    let w = web(200);
    let t = w.truth();
    let docs: Vec<_> = t
        .documents
        .iter()
        .filter(|d| d.url.starts_with("http://huaiyuan.tongbai.sim/art/"))
        .collect();
    assert!(docs.len() > 5, "{}", docs.len());
    let mut gbk = 0;
    for d in docs {
        let path = d.url.trim_start_matches("http://huaiyuan.tongbai.sim");
        let (status, ctype, body) = text(&w, Site::Hanweb, path, "");
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(&format!(
            "<meta name=\"ArticleTitle\" content=\"{}\">",
            super::text::esc(&d.title)
        )));
        assert!(body.contains(&format!(
            "<meta name=\"PubDate\" content=\"{}",
            d.published_on.format("%Y-%m-%d")
        )));
        assert!(body.contains("<meta name=\"ContentSource\" content=\"桐柏县淮源镇人民政府\">"));
        if d.column.ends_with("/zcwj") {
            assert_eq!(ctype, "text/html", "{path}");
            assert!(body.contains("charset=gbk"));
            gbk += 1;
        } else {
            assert_eq!(ctype, "text/html; charset=utf-8", "{path}");
        }
    }
    assert!(gbk > 0, "the GBK column has articles");
}

#[test]
fn truecms_jsonp_interface_pages_every_sgs_record_and_unknown_columns_are_empty() {
    let w = web(200);
    let m = w.model();
    let c = super::truecms::columns(m)
        .find(|c| super::truecms::is_sgs(c))
        .unwrap_or_else(|| panic!("no 双公示 column"));
    let own: usize = m
        .records
        .iter()
        .filter(|r| r.unit == m.hosted.truecms)
        .count();
    assert_eq!(c.docs.len(), own, "one page per record of the department");
    let rows = super::truecms::SGS_ROWS;
    let mut all = Vec::new();
    for n in 1..=own.div_ceil(rows) {
        let path = super::truecms::interface_path(c, n, rows);
        let (p, q) = path.split_once('?').unwrap_or((&path, ""));
        let (status, _, body) = text(&w, Site::TrueCms, p, q);
        assert_eq!(status, 200);
        let json = body
            .strip_prefix(";raw(")
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or_else(|| panic!("not ;raw(…): {body}"));
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["total"].as_u64(), Some(own as u64));
        let xml = v["result"].as_str().unwrap_or_default();
        assert!(xml.starts_with("<datastore><totalrecord>"), "{xml}");
        all.extend(links(xml));
    }
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>(),
        truth_paths(&w, Site::TrueCms, &c.key).iter().collect()
    );
    let (_, _, body) = text(
        &w,
        Site::TrueCms,
        super::truecms::INTERFACE,
        "colid=1&page=1",
    );
    assert!(body.contains("\"total\":0"), "{body}");
    // The shell page lists nothing itself.
    let (status, _, shell) = text(&w, Site::TrueCms, "/xxgk/sgs/index.html", "");
    assert_eq!(status, 200);
    assert!(links(&shell).is_empty());
    assert!(shell.contains(super::truecms::INTERFACE));
}

#[test]
fn trs_notices_name_townships_and_page_with_create_page_html() {
    let w = web(200);
    let t = w.truth();
    let notices: Vec<_> = t
        .notices
        .iter()
        .filter(|n| n.url.starts_with("http://dsj.nanyang.sim/"))
        .collect();
    assert_eq!(notices.len(), 4);
    assert!(notices.iter().all(|n| n.level == "city"));
    assert_eq!(notices.iter().filter(|n| n.in_period).count(), 2);
    let (_, _, first) = text(&w, Site::Trs, "/zwgk/jctb/index.html", "");
    assert!(
        first.contains("createPageHTML(2, 0, \"index\", \"html\")"),
        "{first}"
    );
    let (status, _, second) = text(&w, Site::Trs, "/zwgk/jctb/index_1.html", "");
    assert_eq!(status, 200);
    assert!(second.contains("createPageHTML(2, 1, \"index\", \"html\")"));
    let n = notices[0];
    let path = n.url.trim_start_matches("http://dsj.nanyang.sim");
    let (status, _, body) = text(&w, Site::Trs, path, "");
    assert_eq!(status, 200);
    for label in ["索引号：", "发布机构：", "成文日期："] {
        assert!(body.contains(label), "{label}");
    }
}

#[test]
fn moved_units_live_only_on_their_own_sites() {
    let w = web(200);
    let t = w.truth();
    for (id, host) in [
        (super::hosting::HANWEB_UNIT, Site::Hanweb.host()),
        (super::hosting::TRUECMS_UNIT, Site::TrueCms.host()),
    ] {
        let docs: Vec<_> = t
            .documents
            .iter()
            .filter(|d| d.unit.as_deref() == Some(id))
            .collect();
        assert!(!docs.is_empty());
        assert!(docs.iter().all(|d| d.url.contains(host)), "{id}");
        assert!(
            !t.urls.iter().any(|u| u.contains(&format!("/{id}/"))),
            "{id}"
        );
        let unit = t.units.iter().find(|u| u.id == id).unwrap();
        assert_eq!(unit.home, format!("http://{host}/"));
        let sec = if id.starts_with("t-") {
            "xzxxgk"
        } else {
            "bmxxgk"
        };
        let r = w.serve(
            Site::County,
            &format!("/{sec}/{id}/index.html"),
            "",
            FaultProfile::None,
        );
        assert_eq!(r.status, 404, "{id} is no longer on the county portal");
    }
    let (_, _, home) = text(&w, Site::County, "/", "");
    assert!(home.contains("href=\"http://huaiyuan.tongbai.sim/\""));
}

#[test]
fn the_same_seed_gives_the_same_platform_bytes() {
    let (a, b) = (web(300), web(300));
    let requests = [
        (Site::Hanweb, "/", ""),
        (Site::Hanweb, "/col/col72007/index.html", ""),
        (
            Site::Hanweb,
            super::hanweb::DATAPROXY,
            "columnid=72007&unitid=345007&webid=2781&startrecord=1&endrecord=45&perpage=10",
        ),
        (Site::TrueCms, "/xxgk/gzdt/index.html", ""),
        (
            Site::TrueCms,
            super::truecms::INTERFACE,
            "colid=11310&page=1&rows=5",
        ),
        (Site::Trs, "/zwgk/jctb/index_1.html", ""),
    ];
    for (site, path, query) in requests {
        let (x, y) = (
            a.serve(site, path, query, FaultProfile::None),
            b.serve(site, path, query, FaultProfile::None),
        );
        assert_eq!(x.status, 200, "{path}");
        assert_eq!(x.body, y.body, "{path}");
        assert_eq!(x.last_modified, y.last_modified, "{path}");
    }
}
