//! `fgw.tongbai.sim`, the 县发展和改革委员会's own site in the TrueCMS (集约化) shape: a home
//! linking its columns `/xxgk/{code}/index.html`, HTML lists of 15 with a 下一页 link (page 2 =
//! `index_2.html`), and a 双公示 column whose page is an empty shell: its records come from the
//! JSONP interface `/interface/list.jsp?colid={ID}&page={N}&rows={K}`, answering
//! `;raw({"result":"<datastore>…<record><![CDATA[<li>…</li>]]></record>…</datastore>","total":N})`.
//! Articles `/xxgk/{code}/content_{ID}.html` with `ArticleTitle` / `PubDate` / `ContentSource` /
//! `ColumnName` metas.

use std::collections::HashMap;

use super::hosting::{column_code, truecms_column_id, SGS_CODE};
use super::model::*;
use super::page::{head, Charset, Reply};
use super::portal::strip_session;
use super::text::{decode_path, encode_path, esc};

pub const INTERFACE: &str = "/interface/list.jsp";
/// Items of an HTML list page.
pub const PER_PAGE: usize = 15;
/// Records of a 双公示 interface page, as the shell asks for them.
pub const SGS_ROWS: usize = 5;

fn site_name(m: &Model) -> String {
    m.hosted
        .truecms
        .map(|u| m.roster.units[u].name.clone())
        .unwrap_or_else(|| "县直部门".into())
}

pub fn columns(m: &Model) -> impl Iterator<Item = &Column> {
    m.columns.iter().filter(|c| c.site == Site::TrueCms)
}

fn column_by_code<'a>(m: &'a Model, code: &str) -> Option<&'a Column> {
    columns(m).find(|c| column_code(&c.key) == code)
}

/// HTML list page `n` (1-based) of a column.
pub fn list_path(c: &Column, n: usize) -> String {
    let code = column_code(&c.key);
    if n <= 1 {
        format!("/xxgk/{code}/index.html")
    } else {
        format!("/xxgk/{code}/index_{n}.html")
    }
}

/// Interface page `n` (1-based) of a column, `rows` records a page.
pub fn interface_path(c: &Column, n: usize, rows: usize) -> String {
    format!(
        "{INTERFACE}?colid={}&page={n}&rows={rows}",
        truecms_column_id(&c.key)
    )
}

pub fn is_sgs(c: &Column) -> bool {
    column_code(&c.key) == SGS_CODE
}

fn header(name: &str) -> String {
    format!(
        "<div class=\"head\"><a href=\"/\">{}</a></div>\n<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"http://www.tongbai.sim/\">桐柏县人民政府</a> <a href=\"/manage/login.html\">后台</a></div>\n",
        esc(name)
    )
}

fn footer(name: &str) -> String {
    format!(
        "<div class=\"foot\">主办：{} 政府网站集约化平台（TrueCMS）</div>\n</body>\n</html>\n",
        esc(name)
    )
}

pub fn serve(m: &Model, path: &str, query: &str) -> Reply {
    let path = strip_session(path);
    let down = m
        .hosted
        .truecms
        .is_some_and(|u| m.patterns.is_down(u, m.night));
    if let Some(rest) = path.strip_prefix("/uploadfiles/") {
        let decoded = format!("/uploadfiles/{}", decode_path(rest));
        return match m.attachments.get(&(Site::TrueCms, decoded)) {
            Some(&(d, k)) => super::attach::attachment(&m.docs[d], &m.docs[d].attachments[k]),
            None => Reply::not_found(),
        };
    }
    if let Some(id) = article_id(path) {
        return match m.doc_by_id(id) {
            Some(d) if d.site == Site::TrueCms && d.path() == path => article(m, &d),
            _ => Reply::not_found(),
        };
    }
    let list = list_of(path);
    if down && (path == "/" || path == "/index.html" || path == INTERFACE || list.is_some()) {
        let mut r = Reply::text(503, "Service Temporarily Unavailable");
        r.fault = Some("site_down");
        return r;
    }
    if path == "/" || path == "/index.html" {
        return home(m);
    }
    if path == INTERFACE {
        return interface(m, query);
    }
    match list.and_then(|(code, n)| Some((column_by_code(m, code)?, n))) {
        Some((c, n)) if is_sgs(c) && n == 1 => shell(m, c),
        Some((c, n)) if !is_sgs(c) => list_page(m, c, n),
        _ => Reply::not_found(),
    }
}

/// `/xxgk/{code}/index.html` → (code, 1); `index_{n}.html` → (code, n ≥ 2).
fn list_of(path: &str) -> Option<(&str, usize)> {
    let (dir, file) = path.strip_prefix("/xxgk/")?.rsplit_once('/')?;
    if file.is_empty() || file == "index.html" {
        return Some((dir, 1));
    }
    let n: usize = file
        .strip_prefix("index_")?
        .strip_suffix(".html")?
        .parse()
        .ok()?;
    (n >= 2).then_some((dir, n))
}

/// `/xxgk/{code}/content_{ID}.html` → ID.
fn article_id(path: &str) -> Option<u64> {
    let file = path.strip_prefix("/xxgk/")?.rsplit('/').next()?;
    file.strip_prefix("content_")?
        .strip_suffix(".html")?
        .parse()
        .ok()
}

fn home(m: &Model) -> Reply {
    let name = site_name(m);
    let mut s = head(
        Charset::Utf8,
        &name,
        &format!("<meta name=\"SiteName\" content=\"{}\">\n", esc(&name)),
    );
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&format!(
        "<h2>{}政府信息公开</h2>\n<ul class=\"xxgk-menu\">\n",
        esc(&name)
    ));
    for c in columns(m) {
        s.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>\n",
            list_path(c, 1),
            esc(&c.name)
        ));
    }
    s.push_str("</ul>\n");
    if let Some(u) = m.hosted.truecms {
        s.push_str(&format!(
            "<div class=\"old\"><a href=\"/xxgk/old/content_{}.html\">往年信息（已归档）</a></div>\n",
            100_000 + u
        ));
    }
    s.push_str(&footer(&name));
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

fn crumb(c: &Column) -> String {
    format!(
        "<div class=\"crumb\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/\">信息公开</a> &gt; <a href=\"{}\">{}</a></div>\n",
        list_path(c, 1),
        esc(&c.name)
    )
}

fn item_html(it: &ListItem) -> String {
    format!(
        "<li><a href=\"{}\" target=\"_blank\" title=\"{}\">{}</a><span class=\"time\">{}</span></li>",
        esc(&it.path),
        esc(&it.title),
        esc(&it.title),
        it.published.format("%Y-%m-%d")
    )
}

fn list_page(m: &Model, c: &Column, n: usize) -> Reply {
    let (items, newest, total) = m.column_items(c, (n - 1) * PER_PAGE, n * PER_PAGE);
    let pages = total.div_ceil(PER_PAGE).max(1);
    if n > pages {
        return Reply::not_found();
    }
    let name = site_name(m);
    let mut s = head(Charset::Utf8, &format!("{}_{name}", c.name), "");
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&crumb(c));
    s.push_str("<ul class=\"list-ul\">\n");
    if items.is_empty() {
        s.push_str("<li class=\"no-data\">暂无数据</li>\n");
    }
    for it in &items {
        s.push_str(&item_html(it));
        s.push('\n');
    }
    s.push_str("</ul>\n");
    s.push_str(&format!(
        "<div class=\"pages\"><span>共{total}条 {n}/{pages}页</span> <a href=\"index.html\">首页</a>"
    ));
    if n < pages {
        s.push_str(&format!(
            " <a class=\"next\" href=\"index_{}.html\">下一页</a>",
            n + 1
        ));
    }
    s.push_str("</div>\n");
    s.push_str(&footer(&name));
    Reply::html(
        s,
        Charset::Utf8,
        if total == 0 { ymd(SITE_BASE) } else { newest },
    )
}

/// The 双公示 column page: no records of its own, a script fetching them from the interface.
fn shell(m: &Model, c: &Column) -> Reply {
    let name = site_name(m);
    let colid = truecms_column_id(&c.key);
    let mut s = head(
        Charset::Utf8,
        &format!("{}_{name}", c.name),
        &format!("<meta name=\"ColumnName\" content=\"{}\">\n", esc(&c.name)),
    );
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&crumb(c));
    s.push_str("<ul class=\"list-ul\" id=\"sgs-list\"></ul>\n<div class=\"pages\" id=\"sgs-page\"></div>\n");
    s.push_str(&format!(
        "<script type=\"text/javascript\">\nvar colid = {colid};\nvar rows = {SGS_ROWS};\nfunction load(page) {{\n  $.ajax({{ url: \"{INTERFACE}?colid=\" + colid + \"&page=\" + page + \"&rows=\" + rows, dataType: \"jsonp\", jsonpCallback: \"raw\" }});\n}}\nload(1);\n</script>\n"
    ));
    s.push_str(&footer(&name));
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

/// The JSONP interface: page `page` (1-based) of `rows` records of column `colid`; an unknown
/// column answers an empty datastore.
fn interface(m: &Model, query: &str) -> Reply {
    let p: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let num = |k: &str| p.get(k).and_then(|v| v.parse::<usize>().ok());
    let column =
        num("colid").and_then(|id| columns(m).find(|c| truecms_column_id(&c.key) == id as u64));
    let page = num("page").filter(|n| *n >= 1).unwrap_or(1);
    let rows = num("rows")
        .filter(|n| (1..=100).contains(n))
        .unwrap_or(PER_PAGE);
    let (items, newest, total) = match column {
        Some(c) => m.column_items(c, (page - 1) * rows, page * rows),
        None => (Vec::new(), ymd(SITE_BASE), 0),
    };
    let mut xml = format!("<datastore><totalrecord>{total}</totalrecord><recordset>");
    for it in &items {
        xml.push_str(&format!("<record><![CDATA[{}]]></record>", item_html(it)));
    }
    xml.push_str("</recordset></datastore>");
    let body = format!(
        ";raw({{\"result\":{},\"total\":{total}}})",
        serde_json::Value::String(xml)
    );
    Reply::bytes(
        body.into_bytes(),
        "application/javascript;charset=UTF-8",
        if total == 0 { ymd(SITE_BASE) } else { newest },
    )
}

fn article(m: &Model, d: &Doc) -> Reply {
    let name = site_name(m);
    let column = m.column(Site::TrueCms, &d.column);
    let (col_name, crumbs) = match column {
        Some(c) => (c.name.clone(), crumb(c)),
        None => ("信息公开".to_string(), String::new()),
    };
    let metas = format!(
        "<meta name=\"ArticleTitle\" content=\"{}\">\n<meta name=\"PubDate\" content=\"{}\">\n<meta name=\"ContentSource\" content=\"{}\">\n<meta name=\"ColumnName\" content=\"{}\">\n",
        esc(&d.title),
        d.published.format("%Y-%m-%d %H:%M"),
        esc(&d.source),
        esc(&col_name)
    );
    let mut s = head(Charset::Utf8, &format!("{}_{name}", d.title), &metas);
    s.push_str("<body>\n");
    s.push_str(&header(&name));
    s.push_str(&crumbs);
    s.push_str(&format!(
        "<div class=\"article\"><h1 class=\"title\">{}</h1>\n<div class=\"info\"><span>发布时间：{}</span> <span>来源：{}</span></div>\n",
        esc(&d.title),
        d.published.format("%Y-%m-%d %H:%M"),
        esc(&d.source)
    ));
    s.push_str(&super::patterns::metadata_table(m, d));
    s.push_str("<div class=\"content\" id=\"zoom\">\n");
    s.push_str(&d.body);
    for a in &d.attachments {
        s.push_str(&format!(
            "<p class=\"attach\">附件：<a href=\"{}\">{}</a></p>\n",
            encode_path(&a.path),
            esc(&a.name)
        ));
    }
    s.push_str("</div></div>\n");
    s.push_str(&footer(&name));
    Reply::html(s, Charset::Utf8, d.appeared)
}
