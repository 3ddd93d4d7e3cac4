//! `huaiyuan.tongbai.sim`, the township 淮源镇's own site in the Hanweb JCMS (大汉) shape: a home
//! linking its columns `/col/col{ID}/index.html`; each column page carries the first records in a
//! `<script type="text/xml"><datastore>` and a `jpage({… ajaxParam:{…}})` call, the rest come
//! from `/module/web/jpage/dataproxy.jsp` (POST `startrecord`/`endrecord`/`perpage` plus the
//! ajaxParam values, or GET with `page=`), answering `<datastore><totalrecord>…<recordset>
//! <record><![CDATA[<li>…</li>]]></record>…`; articles `/art/YYYY/M/D/art_{COL}_{ID}.html`
//! with `ArticleTitle` / `PubDate` / `ContentSource` / `ColumnName` metas. The 政策文件 column
//! and its articles are GBK with no charset in the header.

use std::collections::HashMap;

use super::model::*;
use super::page::{head, Charset, Reply};
use super::portal::strip_session;
use super::text::{decode_path, encode_path, esc};

pub const DATAPROXY: &str = "/module/web/jpage/dataproxy.jsp";
/// Records a column page embeds, and a dataproxy page's default size.
pub const PER_PAGE: usize = 10;
pub const WEBID: u64 = 2781;
/// The column whose pages are GBK.
const GBK_CODE: &str = "zcwj";

/// The jpage component id (`unitid`) of a column.
pub fn jpage_unit_id(colid: u64) -> u64 {
    345_000 + colid % 1000
}

fn site_name(m: &Model) -> String {
    m.hosted
        .hanweb
        .map(|u| m.roster.units[u].name.clone())
        .unwrap_or_else(|| "乡镇人民政府".into())
}

fn charset_of(c: &Column) -> Charset {
    if super::hosting::column_code(&c.key) == GBK_CODE {
        Charset::GbkNoHeader
    } else {
        Charset::Utf8
    }
}

/// The site's columns in their home order.
pub fn columns(m: &Model) -> impl Iterator<Item = &Column> {
    m.columns.iter().filter(|c| c.site == Site::Hanweb)
}

fn column_by_id(m: &Model, colid: u64) -> Option<&Column> {
    columns(m).find(|c| super::hosting::hanweb_column_id(&c.key) == colid)
}

pub fn column_path(c: &Column) -> String {
    format!(
        "/col/col{}/index.html",
        super::hosting::hanweb_column_id(&c.key)
    )
}

fn header(name: &str) -> String {
    format!(
        "<div class=\"bt-head\"><a href=\"/\">{}</a> <form action=\"/module/search/index.jsp\"><input name=\"searchword\"><button>搜索</button></form></div>\n<div class=\"bt-nav\"><a href=\"/\">首页</a> <a href=\"http://www.tongbai.sim/\">桐柏县人民政府</a></div>\n",
        esc(name)
    )
}

fn footer(name: &str) -> String {
    format!(
        "<div class=\"bt-foot\">主办：{} 技术支持：大汉网络 <a href=\"http://www.hanweb.invalid/\">大汉网络</a></div>\n</body>\n</html>\n",
        esc(name)
    )
}

/// Answers a request; `params` are the query and, for a POST, the form body.
pub fn serve(m: &Model, path: &str, params: &str) -> Reply {
    let path = strip_session(path);
    let unit = m.hosted.hanweb;
    let down = unit.is_some_and(|u| m.patterns.is_down(u, m.night));
    if let Some(rest) = path.strip_prefix("/uploadfiles/") {
        let decoded = format!("/uploadfiles/{}", decode_path(rest));
        return match m.attachments.get(&(Site::Hanweb, decoded)) {
            Some(&(d, k)) => super::attach::attachment(&m.docs[d], &m.docs[d].attachments[k]),
            None => Reply::not_found(),
        };
    }
    if let Some(id) = article_id(path) {
        return match m.doc_by_id(id) {
            Some(d) if d.site == Site::Hanweb && d.path() == path => article(m, &d),
            _ => Reply::not_found(),
        };
    }
    if path.starts_with("/module/search/") {
        return Reply::html(
            format!(
                "{}<body><p>请输入关键词。</p></body></html>",
                head(Charset::Utf8, "搜索", "")
            ),
            Charset::Utf8,
            ymd(SITE_BASE),
        );
    }
    let page =
        path == "/" || path == "/index.html" || path == DATAPROXY || column_id_of(path).is_some();
    if page && down {
        let mut r = Reply::text(503, "Service Temporarily Unavailable");
        r.fault = Some("site_down");
        return r;
    }
    if path == "/" || path == "/index.html" {
        return home(m);
    }
    if path == DATAPROXY {
        return dataproxy(m, params);
    }
    match column_id_of(path).and_then(|id| column_by_id(m, id)) {
        Some(c) => column_page(m, c),
        None => Reply::not_found(),
    }
}

/// `/col/col72001/index.html` (or `/col/col72001/`) → 72001.
fn column_id_of(path: &str) -> Option<u64> {
    let rest = path.strip_prefix("/col/col")?;
    let (id, file) = rest.split_once('/')?;
    if !(file.is_empty() || file == "index.html") {
        return None;
    }
    id.parse().ok()
}

/// `/art/2023/3/28/art_72001_700123.html` → 700123.
fn article_id(path: &str) -> Option<u64> {
    let file = path.strip_prefix("/art/")?.rsplit('/').next()?;
    let rest = file.strip_prefix("art_")?.strip_suffix(".html")?;
    let (_, id) = rest.split_once('_')?;
    id.parse().ok()
}

fn home(m: &Model) -> Reply {
    let name = site_name(m);
    let mut s = head(
        Charset::Utf8,
        &name,
        &format!(
            "<meta name=\"SiteName\" content=\"{}\">\n<meta name=\"SiteDomain\" content=\"{}\">\n",
            esc(&name),
            Site::Hanweb.host()
        ),
    );
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&format!(
        "<h2>{}信息公开</h2>\n<div class=\"bt-xxgk-nav\"><ul>\n",
        esc(&name)
    ));
    for c in columns(m) {
        s.push_str(&format!(
            "<li><a href=\"{}\" target=\"_blank\">{}</a></li>\n",
            column_path(c),
            esc(&c.name)
        ));
    }
    s.push_str("</ul></div>\n");
    if let Some(u) = m.hosted.hanweb {
        // An article removed long ago, still linked: a dead link, as on the county portal.
        s.push_str(&format!(
            "<div class=\"old\"><a href=\"/art/2020/6/30/art_0_{}.html\">往年信息（已归档）</a></div>\n",
            100_000 + u
        ));
    }
    s.push_str(&footer(&name));
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

fn record(it: &ListItem) -> String {
    format!(
        "<li><a href=\"{}\" title=\"{}\" target=\"_blank\">{}</a><span class=\"bt-data-time\">{}</span></li>",
        esc(&it.path),
        esc(&it.title),
        esc(&it.title),
        it.published.format("%Y-%m-%d")
    )
}

fn column_page(m: &Model, c: &Column) -> Reply {
    let name = site_name(m);
    let colid = super::hosting::hanweb_column_id(&c.key);
    let unitid = jpage_unit_id(colid);
    let (items, newest, total) = m.column_items(c, 0, PER_PAGE);
    let cs = charset_of(c);
    let mut s = head(
        cs,
        &format!("{}_{name}", c.name),
        &format!("<meta name=\"ColumnName\" content=\"{}\">\n<meta name=\"ColumnType\" content=\"信息公开\">\n", esc(&c.name)),
    );
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&format!(
        "<div class=\"bt-position\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"{}\">{}</a></div>\n",
        column_path(c),
        esc(&c.name)
    ));
    s.push_str(&format!(
        "<div class=\"bt-list\" id=\"{unitid}\"><script type=\"text/xml\"><datastore><recordset>\n"
    ));
    for it in &items {
        s.push_str(&format!("<record><![CDATA[{}]]></record>\n", record(it)));
    }
    s.push_str("</recordset></datastore></script></div>\n");
    s.push_str(&format!(
        "<script type=\"text/javascript\">$('#{unitid}').jpage({{ dataStore: dataStore, perPage:{PER_PAGE}, totalRecord:{total}, proxyUrl:\"{DATAPROXY}\", groupSize:1, barPosition:\"bottom\", ajaxParam:{{col:1, appid:1, webid:{WEBID}, path:'/', columnid:{colid}, sourceContentType:1, unitid:'{unitid}', webname:'{}', permissiontype:0}} }});</script>\n",
        esc(&name)
    ));
    s.push_str(&footer(&name));
    Reply::html(s, cs, if total == 0 { ymd(SITE_BASE) } else { newest })
}

fn empty_datastore() -> Reply {
    Reply::bytes(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<datastore><totalrecord>0</totalrecord><totalpage>0</totalpage><recordset></recordset></datastore>\n".to_vec(),
        "text/xml;charset=UTF-8",
        ymd(SITE_BASE),
    )
}

/// The dataproxy: records `startrecord..=endrecord` (1-based) or page `page` of `perpage`, of
/// the column `columnid` whose jpage is `unitid` (a `webid`, when given, must be the site's).
fn dataproxy(m: &Model, params: &str) -> Reply {
    let p: HashMap<String, String> = url::form_urlencoded::parse(params.as_bytes())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let num = |k: &str| p.get(k).and_then(|v| v.parse::<u64>().ok());
    let Some(c) = num("columnid").and_then(|id| column_by_id(m, id)) else {
        return empty_datastore();
    };
    let colid = super::hosting::hanweb_column_id(&c.key);
    let unit_ok = num("unitid") == Some(jpage_unit_id(colid));
    let web_ok = p.get("webid").is_none_or(|_| num("webid") == Some(WEBID));
    if !unit_ok || !web_ok {
        return empty_datastore();
    }
    let per = num("perpage")
        .filter(|n| (1..=500).contains(n))
        .unwrap_or(PER_PAGE as u64) as usize;
    let (from, to) = match (num("startrecord"), num("endrecord"), num("page")) {
        (Some(a), Some(b), _) if a >= 1 && b >= a => {
            (a as usize - 1, (b as usize).min(a as usize - 1 + 500))
        }
        (_, _, Some(n)) if n >= 1 => ((n as usize - 1) * per, n as usize * per),
        _ => (0, per),
    };
    let (items, newest, total) = m.column_items(c, from, to);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<datastore><totalrecord>{total}</totalrecord><totalpage>{}</totalpage><recordset>\n",
        total.div_ceil(per)
    );
    for it in &items {
        s.push_str(&format!("<record><![CDATA[{}]]></record>\n", record(it)));
    }
    s.push_str("</recordset></datastore>\n");
    Reply::bytes(
        s.into_bytes(),
        "text/xml;charset=UTF-8",
        if total == 0 { ymd(SITE_BASE) } else { newest },
    )
}

fn article(m: &Model, d: &Doc) -> Reply {
    let name = site_name(m);
    let column = m.column(Site::Hanweb, &d.column);
    let (col_name, col_href, cs) = match column {
        Some(c) => (c.name.clone(), column_path(c), charset_of(c)),
        None => ("信息公开".to_string(), "/".to_string(), Charset::Utf8),
    };
    let metas = format!(
        "<meta name=\"SiteName\" content=\"{}\">\n<meta name=\"ColumnName\" content=\"{}\">\n<meta name=\"ArticleTitle\" content=\"{}\">\n<meta name=\"PubDate\" content=\"{}\">\n<meta name=\"ContentSource\" content=\"{}\">\n",
        esc(&name),
        esc(&col_name),
        esc(&d.title),
        d.published.format("%Y-%m-%d %H:%M"),
        esc(&d.source)
    );
    let mut s = head(cs, &format!("{}_{name}", d.title), &metas);
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&format!(
        "<div class=\"bt-position\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"{col_href}\">{}</a></div>\n",
        esc(&col_name)
    ));
    s.push_str(&format!(
        "<div class=\"bt-article\"><h1 class=\"title\">{}</h1>\n<div class=\"info\"><span>发布日期：{}</span> <span>信息来源：{}</span></div>\n",
        esc(&d.title),
        d.published.format("%Y-%m-%d"),
        esc(&d.source)
    ));
    s.push_str(&super::patterns::metadata_table(m, d));
    s.push_str("<div id=\"zoom\">\n");
    s.push_str(&d.body);
    for a in &d.attachments {
        s.push_str(&format!(
            "<p>附件：<a href=\"{}\">{}</a></p>\n",
            encode_path(&a.path),
            esc(&a.name)
        ));
    }
    s.push_str("</div></div>\n");
    s.push_str(&footer(&name));
    Reply::html(s, cs, d.appeared)
}
