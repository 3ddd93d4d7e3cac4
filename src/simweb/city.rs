//! The city portal `www.nanyang.sim` in the TRS WCM shape: table lists with relative
//! `./YYYYMM/tYYYYMMDD_ID.html` links and the `createPageHTML(count, index, "index", "html")`
//! pager (page 2 = `index_1.html`), articles with `./P0….pdf` attachments.

use super::model::*;
use super::page::{head, Charset, Reply};
use super::portal::{split_list, strip_session};
use super::text::esc;
use super::urls::page_count;

const SITE_NAME: &str = "南阳市人民政府";

fn header() -> &'static str {
    "<div class=\"header\"><a href=\"/\">南阳市人民政府</a></div>\n<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/zwgk/zdxzjc/index.html\">重大行政决策</a> <a href=\"/zwgk/tzgg/index.html\">通知公告</a> <a href=\"/xwzx/gzdt/index.html\">工作动态</a> <a href=\"/was5/web/search?channelid=1\">检索</a></div>\n"
}

fn footer() -> &'static str {
    "<div class=\"footer\">主办：南阳市人民政府办公室 政府网站标识码：4113000001 <a href=\"http://www.ny-ads.invalid/\">南阳旅游</a></div>\n</body>\n</html>\n"
}

pub fn serve(m: &Model, path: &str) -> Reply {
    let path = strip_session(path);
    if path == "/" || path == "/index.html" {
        return home(m);
    }
    if path.starts_with("/was5/") {
        let s = format!(
            "{}<body>{}<p>检索</p>{}",
            head(Charset::Utf8, "检索", ""),
            header(),
            footer()
        );
        return Reply::html(s, Charset::Utf8, ymd(SITE_BASE));
    }
    if let Some(&(d, k)) = m.attachments.get(&(Site::City, path.to_string())) {
        return super::attach::attachment(&m.docs[d], &m.docs[d].attachments[k]);
    }
    if let Some(id) = article_id(path) {
        return match m.doc_by_id(id) {
            Some(d) if d.site == Site::City && d.path() == path => article(&d),
            _ => Reply::not_found(),
        };
    }
    match split_list(path) {
        Some((dir, page)) => match m.column(Site::City, dir) {
            Some(c) => list(m, c, page),
            None => Reply::not_found(),
        },
        None => Reply::not_found(),
    }
}

/// `…/YYYYMM/tYYYYMMDD_ID.html` → ID.
pub(super) fn article_id(path: &str) -> Option<u64> {
    let file = path.rsplit('/').next()?;
    let rest = file.strip_prefix('t')?.strip_suffix(".html")?;
    let (date, id) = rest.split_once('_')?;
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

fn home(m: &Model) -> Reply {
    let mut s = head(
        Charset::Utf8,
        SITE_NAME,
        "<meta name=\"SiteName\" content=\"南阳市人民政府\">\n",
    );
    s.push_str("<body>\n");
    s.push_str(header());
    for c in m.columns.iter().filter(|c| c.site == Site::City) {
        s.push_str(&format!(
            "<div class=\"box\"><h2><a href=\"/{}/index.html\">{}</a></h2></div>\n",
            c.key,
            esc(&c.name)
        ));
    }
    s.push_str("<div class=\"links\"><a href=\"http://www.tongbai.sim/\">桐柏县人民政府</a> <a href=\"http://credit.nanyang.sim/\">信用南阳</a></div>\n");
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

fn list(m: &Model, c: &Column, page: usize) -> Reply {
    let (items, newest, total) = m.column_items(c, page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    let pages = page_count(total);
    if page >= pages {
        return Reply::not_found();
    }
    let mut s = head(Charset::Utf8, &format!("{}_{SITE_NAME}", c.name), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str("<table width=\"100%\"><tr><td class=\"crumb\">");
    for (label, href) in &c.crumbs {
        s.push_str(&format!(
            "<a href=\"{}\" class=\"CurrChnlCls\">{}</a>&nbsp;&gt;&gt;&nbsp;",
            esc(href),
            esc(label)
        ));
    }
    s.push_str(&format!(
        "<a href=\"./\" class=\"CurrChnlCls\">{}</a></td></tr></table>\n",
        esc(&c.name)
    ));
    s.push_str("<TABLE class=\"list\" width=\"97%\"><TBODY>\n");
    for it in &items {
        // Articles live below the column: ./YYYYMM/tYYYYMMDD_ID.html relative to the list.
        let rel = it
            .path
            .strip_prefix(&format!("/{}/", c.key))
            .unwrap_or(&it.path);
        s.push_str(&format!(
            "<TR><TD height=25 align=\"left\"><A href=\"./{}\">{}</A></TD><TD width=\"80\" align=\"right\">{}</TD></TR>\n",
            esc(rel),
            esc(&it.title),
            it.published.format("%Y-%m-%d")
        ));
    }
    s.push_str("</TBODY></TABLE>\n");
    s.push_str(&format!(
        "<script>createPageHTML({pages}, {page}, \"index\", \"html\");</script>\n"
    ));
    s.push_str(footer());
    Reply::html(
        s,
        Charset::Utf8,
        if total == 0 { ymd(SITE_BASE) } else { newest },
    )
}

fn article(d: &Doc) -> Reply {
    let metas = format!(
        "<meta name=\"ArticleTitle\" content=\"{}\">\n<meta name=\"PubDate\" content=\"{}\">\n<meta name=\"ContentSource\" content=\"{}\">\n",
        esc(&d.title),
        d.published.format("%Y-%m-%d %H:%M"),
        esc(&d.source)
    );
    let mut s = head(Charset::Utf8, &format!("{}_{SITE_NAME}", d.title), &metas);
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&format!(
        "<div class=\"article-box\"><h1>{}</h1>\n<div class=\"info\">发布日期：{} 来源：{}</div>\n<div class=\"TRS_Editor\">\n{}",
        esc(&d.title),
        d.published.format("%Y年%m月%d日"),
        esc(&d.source),
        d.body
    ));
    for a in &d.attachments {
        let file = a.path.rsplit('/').next().unwrap_or(&a.path);
        s.push_str(&format!(
            "<p class=\"insertfileTag\"><a href=\"./{}\">{}</a></p>\n",
            esc(file),
            esc(&a.name)
        ));
    }
    s.push_str("</div></div>\n");
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, d.appeared)
}
