//! The county portal `www.tongbai.sim` in the shape of the Henan provincial platform: home,
//! section indexes, each unit's 政府信息公开 home and column lists (`index.html`, `index_N.html`,
//! `#pageDec`), articles at `/YYYY/MM-DD/ID.html` in three templates, and attachments.

use super::model::*;
use super::page::{head, Charset, Reply};
use super::plant::section_label;
use super::text::{decode_path, encode_path, esc};
use super::truth::unit_encoding;
use super::urls::{page_count, portal_list_path};
use crate::config::Kind;

const SITE_NAME: &str = "桐柏县人民政府";

fn header() -> &'static str {
    "<div class=\"header\"><a href=\"/\">桐柏县人民政府</a>\n<form action=\"/search/index.html\" method=\"get\"><input name=\"q\"><button>搜索</button></form> <a href=\"/search/index.html?q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80\">高级搜索</a></div>\n<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/xzxxgk/index.html\">乡镇信息公开</a> <a href=\"/bmxxgk/index.html\">部门信息公开</a> <a href=\"/zwgk/tzgg/index.html\">通知公告</a> <a href=\"http://www.nanyang.sim/\">南阳市人民政府</a> <a href=\"http://credit.nanyang.sim/\">信用南阳</a></div>\n"
}

fn footer() -> &'static str {
    "<div class=\"footer\">主办单位：桐柏县人民政府办公室 豫ICP备05015108号 政府网站标识码：4113300001 <a href=\"/admin/login.html\">管理登录</a> <a href=\"http://bszs.conac.invalid/\">党政机关</a> <a href=\"https://www.beian.invalid/\">网站备案</a> <a href=\"http://service.share.invalid/weibo?site=tongbai\">分享到微博</a></div>\n</body>\n</html>\n"
}

fn unit_charset(m: &Model, u: Option<usize>) -> Charset {
    match u {
        Some(u) => match unit_encoding(m, u) {
            ("gbk", "iso-8859-1") => Charset::GbkWrongHeader,
            ("gbk", _) => Charset::GbkNoHeader,
            _ => Charset::Utf8,
        },
        None => Charset::Utf8,
    }
}

fn crumbs_html(crumbs: &[(String, String)], last: &str) -> String {
    let mut s = String::from("<div class=\"location\">您当前所在位置: ");
    for (label, href) in crumbs {
        s.push_str(&format!(
            "<a href=\"{}\">{}</a> &gt; ",
            esc(href),
            esc(label)
        ));
    }
    s.push_str(&format!("<span>{}</span></div>\n", esc(last)));
    s
}

/// Answers a request for the county portal. `path` is the raw path without query.
pub fn serve(m: &Model, path: &str, fault_links: &[(&str, &str)]) -> Reply {
    let path = strip_session(path);
    if path == "/" || path == "/index.html" {
        return home(m, fault_links);
    }
    if let Some(rest) = path.strip_prefix("/uploadfiles/") {
        let decoded = format!("/uploadfiles/{}", decode_path(rest));
        return match m.attachments.get(&(Site::County, decoded)) {
            Some(&(d, k)) => super::attach::attachment(&m.docs[d], &m.docs[d].attachments[k]),
            None => Reply::not_found(),
        };
    }
    if path.starts_with("/search/") {
        let body = format!(
            "{}<body>{}<p>请输入关键词检索。</p>{}",
            head(Charset::Utf8, "站内搜索", ""),
            header(),
            footer()
        );
        return Reply::html(body, Charset::Utf8, ymd(SITE_BASE));
    }
    if let Some(id) = article_id(path) {
        return match m.doc_by_id(id) {
            Some(d) if d.site == Site::County && d.path() == path => article(m, &d),
            _ => Reply::not_found(),
        };
    }
    let (dir, page) = match split_list(path) {
        Some(x) => x,
        None => return Reply::not_found(),
    };
    if let Some(u) = unit_of_section(m, dir) {
        if m.patterns.is_down(u, m.night) {
            let mut r = Reply::text(503, "Service Temporarily Unavailable");
            r.fault = Some("site_down");
            return r;
        }
    }
    match dir {
        "xzxxgk" | "bmxxgk" if page == 0 => section(m, dir),
        _ => {
            if let Some(c) = m.column(Site::County, dir) {
                return list(m, c, page);
            }
            let mut parts = dir.splitn(2, '/');
            let (sec, uid) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            match m.roster.units.iter().position(|u| u.id == uid) {
                Some(u) if page == 0 && m.unit_section(u) == sec && !hosted(m, u) => {
                    unit_home(m, u)
                }
                _ => Reply::not_found(),
            }
        }
    }
}

fn hosted(m: &Model, u: usize) -> bool {
    m.unit_site(u) != Site::County
}

/// Where the portal links a unit's 政府信息公开 home: its section, or its own site.
fn unit_href(m: &Model, u: usize) -> String {
    match m.unit_site(u) {
        Site::County => format!("/{}/{}/index.html", m.unit_section(u), m.roster.units[u].id),
        site => site.url("/"),
    }
}

/// The unit whose section a list directory (`xzxxgk/t-huaiyuan/qzqd`) belongs to.
pub fn unit_of_section(m: &Model, dir: &str) -> Option<usize> {
    let mut parts = dir.split('/');
    let (sec, id) = (parts.next()?, parts.next()?);
    m.roster
        .units
        .iter()
        .position(|x| x.id == id)
        .filter(|&u| m.unit_section(u) == sec)
}

/// Removes `;jsessionid=…` path parameters.
pub fn strip_session(path: &str) -> &str {
    match path.find(';') {
        Some(i) => &path[..i],
        None => path,
    }
}

/// `/YYYY/MM-DD/ID.html` → ID.
fn article_id(path: &str) -> Option<u64> {
    let mut it = path.trim_start_matches('/').split('/');
    let (y, md, file) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some()
        || y.len() != 4
        || !y.bytes().all(|b| b.is_ascii_digit())
        || md.len() != 5
        || md.as_bytes()[2] != b'-'
    {
        return None;
    }
    file.strip_suffix(".html")?.parse().ok()
}

/// `…/dir/` or `…/dir/index.html` → (dir, 0); `…/dir/index_N.html` → (dir, N).
pub fn split_list(path: &str) -> Option<(&str, usize)> {
    let p = path.trim_start_matches('/');
    if let Some(dir) = p.strip_suffix('/') {
        return Some((dir, 0));
    }
    let (dir, file) = p.rsplit_once('/')?;
    if file == "index.html" {
        return Some((dir, 0));
    }
    let n: usize = file
        .strip_prefix("index_")?
        .strip_suffix(".html")?
        .parse()
        .ok()?;
    (n > 0).then_some((dir, n))
}

fn home(m: &Model, fault_links: &[(&str, &str)]) -> Reply {
    let mut s = head(Charset::Utf8, SITE_NAME, "<meta name=\"SiteName\" content=\"桐柏县人民政府\">\n<meta name=\"SiteDomain\" content=\"www.tongbai.sim\">\n<meta name=\"SiteIDCode\" content=\"4113300001\">\n");
    s.push_str("<body>\n");
    s.push_str(header());
    for (kind, sec) in [(Kind::Township, "xzxxgk"), (Kind::Department, "bmxxgk")] {
        s.push_str(&format!(
            "<div class=\"box\"><h2><a href=\"/{sec}/index.html\">{}</a></h2><ul>\n",
            section_label(sec)
        ));
        for (u, unit) in m.roster.units.iter().enumerate() {
            if unit.kind == kind {
                s.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>\n",
                    esc(&unit_href(m, u)),
                    esc(&unit.short)
                ));
            }
        }
        s.push_str("</ul></div>\n");
    }
    s.push_str("<div class=\"box\"><h2>乡镇权责清单</h2><ul>\n");
    for (u, unit) in m.roster.units.iter().enumerate() {
        if unit.kind != Kind::Township {
            continue;
        }
        let key = format!("xzxxgk/{}/qzqd", unit.id);
        let href = match m.unit_site(u) {
            Site::County => format!("/{key}/index.html"),
            site => match m.column(site, &key) {
                Some(c) if site == Site::Hanweb => site.url(&super::hanweb::column_path(c)),
                _ => site.url("/"),
            },
        };
        s.push_str(&format!(
            "<li><a href=\"{}\">{}权责清单</a></li>\n",
            esc(&href),
            esc(&unit.short)
        ));
    }
    s.push_str("</ul></div>\n<div class=\"box\"><h2><a href=\"/zwgk/tzgg/index.html\">通知公告</a></h2></div>\n");
    if !fault_links.is_empty() {
        s.push_str("<div class=\"box zt\"><h2>专题专栏</h2><ul>\n");
        for (href, label) in fault_links {
            s.push_str(&format!("<li><a href=\"{href}\">{label}</a></li>\n"));
        }
        s.push_str("</ul></div>\n");
    }
    s.push_str("<div class=\"links\"><a href=\"http://www.henan.invalid/\">河南省人民政府</a> <a href=\"http://www.gov.invalid/\">中国政府网</a></div>\n");
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

fn section(m: &Model, sec: &str) -> Reply {
    let kind = if sec == "xzxxgk" {
        Kind::Township
    } else {
        Kind::Department
    };
    let label = section_label(sec);
    let mut s = head(Charset::Utf8, &format!("{label}_{SITE_NAME}"), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&crumbs_html(&[("首页".into(), "/".into())], label));
    s.push_str("<div class=\"mt15 list-box\"><ul>\n");
    for (u, unit) in m.roster.units.iter().enumerate() {
        if unit.kind == kind {
            s.push_str(&format!(
                "<li><a href=\"{}\" title=\"{}\">{}</a></li>\n",
                esc(&unit_href(m, u)),
                esc(&unit.name),
                esc(&unit.name)
            ));
        }
    }
    s.push_str("</ul></div>\n");
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

fn unit_home(m: &Model, u: usize) -> Reply {
    let unit = &m.roster.units[u];
    let sec = m.unit_section(u);
    let cs = unit_charset(m, Some(u));
    let mut s = head(cs, &format!("{}政府信息公开_{SITE_NAME}", unit.short), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&crumbs_html(
        &[
            ("首页".into(), "/".into()),
            (section_label(sec).into(), format!("/{sec}/index.html")),
        ],
        &unit.short,
    ));
    s.push_str(&format!(
        "<h2>{}政府信息公开</h2>\n<div class=\"xxgk-tree\"><ul>\n",
        esc(&unit.name)
    ));
    let prefix = format!("{sec}/{}/", unit.id);
    let cols = m
        .columns
        .iter()
        .filter(|c| c.site == Site::County && c.unit == Some(u))
        .filter_map(|c| Some((c.key.strip_prefix(&prefix)?, c.name.as_str())));
    for (code, name) in cols {
        let indent = if code.contains('/') {
            " class=\"sub\""
        } else {
            ""
        };
        s.push_str(&format!(
            "<li{indent}><a href=\"{code}/index.html\">{name}</a></li>\n"
        ));
    }
    s.push_str("</ul></div>\n");
    // A link to an article removed long ago: a dead link, as real portals keep them.
    s.push_str(&format!(
        "<div class=\"old\"><a href=\"/2020/06-30/{}.html\">往年信息（已归档）</a></div>\n",
        100_000 + u
    ));
    s.push_str(footer());
    Reply::html(s, cs, ymd(SITE_BASE))
}

/// How a list links an article: absolute path, relative path, or decorated with tracking.
pub fn decorate(id: u64, path: &str, depth: usize) -> String {
    match id % 11 {
        0 => format!("{path}?from=list"),
        1 => format!(
            "{path};jsessionid={:016X}",
            id.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ),
        2 => format!("{path}?utm_source=portal&utm_medium=list"),
        3 => format!("{}{}", "../".repeat(depth), path.trim_start_matches('/')),
        _ => path.to_string(),
    }
}

fn list(m: &Model, c: &Column, page: usize) -> Reply {
    let (from, to) = (page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    let (items, newest, total) = m.column_items(c, from, to);
    let pages = page_count(total);
    if page >= pages {
        return Reply::not_found();
    }
    let cs = unit_charset(m, c.unit);
    let mut s = head(
        cs,
        &format!("{}_{SITE_NAME}", c.name),
        &format!("<meta name=\"ColumnName\" content=\"{}\">\n", esc(&c.name)),
    );
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&crumbs_html(&c.crumbs, &c.name));
    s.push_str("<div class=\"mt15 list-box\"><ul>\n");
    if items.is_empty() {
        s.push_str("<li class=\"empty\">暂无信息</li>\n");
    }
    let depth = c.key.split('/').count();
    for it in &items {
        let date = it.published.format("%Y-%m-%d");
        let date = if c.bracket_dates {
            format!("[{date}]")
        } else {
            date.to_string()
        };
        s.push_str(&format!(
            "<li><a href=\"{}\" title=\"{}\" target=\"_blank\">{}</a><span>{date}</span></li>\n",
            esc(&decorate(it.id, &it.path, depth)),
            esc(&it.title),
            esc(&it.title)
        ));
    }
    s.push_str("</ul></div>\n");
    s.push_str(&format!(
        "<div id=\"pageDec\" pagesize=\"{PAGE_SIZE}\" pagecount=\"{total}\"></div>\n<div class=\"pager\">"
    ));
    let name = |i: usize| portal_list_path("", i).trim_start_matches('/').to_string();
    s.push_str(&format!("<a href=\"{}\">首页</a> ", name(0)));
    if page > 0 {
        s.push_str(&format!("<a href=\"{}\">上一页</a> ", name(page - 1)));
    }
    if page + 1 < pages {
        s.push_str(&format!("<a href=\"{}\">下一页</a> ", name(page + 1)));
    }
    s.push_str(&format!(
        "<a href=\"{}\">尾页</a> <span>共{total}条 第{}/{pages}页</span></div>\n",
        name(pages - 1),
        page + 1
    ));
    s.push_str(footer());
    Reply::html(s, cs, if total == 0 { ymd(SITE_BASE) } else { newest })
}

fn article(m: &Model, d: &Doc) -> Reply {
    let cs = unit_charset(m, d.unit);
    let column = m.column(Site::County, &d.column);
    let (crumbs, col_name, col_href) = match column {
        Some(c) => (
            c.crumbs.clone(),
            c.name.clone(),
            format!("/{}/index.html", c.key),
        ),
        None => (
            vec![("首页".to_string(), "/".to_string())],
            "信息".to_string(),
            "/".to_string(),
        ),
    };
    let mut metas = format!(
        "<meta name=\"ArticleTitle\" content=\"{}\">\n<meta name=\"ColumnName\" content=\"{}\">\n",
        esc(&d.title),
        esc(&col_name)
    );
    if d.template == 0 {
        metas.push_str(&format!(
            "<meta name=\"PubDate\" content=\"{}\">\n<meta name=\"ContentSource\" content=\"{}\">\n",
            d.published.format("%Y-%m-%d %H:%M"),
            esc(&d.source)
        ));
    }
    let title_tag = if d.template == 2 {
        SITE_NAME.to_string()
    } else {
        format!("{}_{SITE_NAME}", d.title)
    };
    let mut s = head(cs, &title_tag, &metas);
    s.push_str("<body>\n");
    s.push_str(header());
    let mut all = crumbs;
    all.push((col_name, col_href));
    let mut loc = String::from("<div class=\"location\">您当前所在位置: ");
    for (label, href) in &all {
        loc.push_str(&format!("<a href=\"{}\">{}</a>", esc(href), esc(label)));
        loc.push_str(" &gt; ");
    }
    let loc = loc.trim_end_matches(" &gt; ").to_string() + "</div>\n";
    s.push_str(&loc);
    s.push_str("<div class=\"mt15 details-box\">\n");
    match d.template {
        0 => s.push_str(&format!(
            "<h3 id=\"article_title\">{}</h3>\n<div class=\"info\">来源:<i id=\"source\">{}</i>时间:{}浏览量:</div>\n",
            esc(&d.title),
            esc(&d.source),
            d.published.format("%Y-%m-%d")
        )),
        1 => s.push_str(&format!(
            "<h3 id=\"article_title\">{}</h3>\n<div class=\"info\">来源:{} 时间:{}</div>\n",
            esc(&d.title),
            esc(&d.source),
            d.published.format("%Y年%m月%d日")
        )),
        _ => s.push_str(&format!(
            "<div class=\"info\">发布时间:{} 来源:{}</div>\n",
            d.published.format("%Y-%m-%d %H:%M:%S"),
            esc(&d.source)
        )),
    }
    s.push_str(&super::patterns::metadata_table(m, d));
    s.push_str("<div id=\"article_body\" class=\"TRS_Editor\">\n");
    s.push_str(&d.body);
    for a in &d.attachments {
        s.push_str(&format!(
            "<p class=\"insertfileTag\">附件：<a href=\"{}\">{}</a></p>\n",
            encode_path(&a.path),
            esc(&a.name)
        ));
    }
    s.push_str("</div>\n<div class=\"fl con-box share-box\"><a href=\"http://service.share.invalid/weixin\">分享到微信</a></div>\n</div>\n");
    s.push_str(footer());
    Reply::html(s, cs, d.appeared)
}
