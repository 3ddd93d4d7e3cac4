//! `dsj.nanyang.sim`, the 南阳市政务服务和大数据管理局 site in the TRS WCM shape: a 检查通报
//! column of website-inspection notices naming townships (city level, as T5 counts them), with
//! look-alike notices that are no website inspection and ordinary notices enough to fill two
//! pages; lists paged by `createPageHTML(count, index0, "index", "html")` (page 2 =
//! `index_1.html`), articles at `./YYYYMM/tYYYYMMDD_ID.html` with a 索引号 / 发布机构 / 成文日期
//! table.

use chrono::Duration;

use super::model::*;
use super::notices::{inspection, Inspection};
use super::page::{head, Charset, Reply};
use super::plant::doc;
use super::portal::{split_list, strip_session};
use super::rng::Rng;
use super::text::{esc, paragraphs};
use super::urls::page_count;
use crate::config::Kind;

pub const PUBLISHER: &str = "南阳市政务服务和大数据管理局";
/// The notices column.
pub const COLUMN: &str = "zwgk/jctb";
const COLUMN_NAME: &str = "检查通报";

/// (period, date): the first and last lie outside the evaluation period.
const INSPECTIONS: [(&str, (i32, u32, u32)); 4] = [
    ("2022年下半年", (2022, 12, 20)),
    ("2023年上半年", (2023, 6, 28)),
    ("2023年第三季度", (2023, 10, 25)),
    ("2023年下半年", (2024, 1, 10)),
];

const ORDINARY: [&str; 10] = [
    "关于做好{y}年“一网通办”应用推广工作的通知",
    "关于开展{y}年度政务服务“好差评”数据核查的通知",
    "关于做好{y}年政务数据共享目录编制工作的通知",
    "关于{y}年第{q}季度政务服务事项办理情况的通报",
    "关于开展{y}年政务信息系统整合共享自查的通知",
    "关于公布{y}年度政务服务示范窗口名单的通知",
    "关于做好{y}年12345热线工单办理工作的通知",
    "关于开展{y}年电子证照归集应用工作的通知",
    "关于{y}年第{q}季度政务数据质量情况的通报",
    "关于做好{y}年政务服务事项标准化梳理工作的通知",
];

/// Plants the 检查通报 column and its notices (ids from the platform sites' own space).
pub fn plant(m: &mut Model) {
    m.add_column(Column {
        site: Site::Trs,
        key: COLUMN.into(),
        name: COLUMN_NAME.into(),
        unit: None,
        crumbs: vec![
            ("首页".into(), "/".into()),
            ("政务公开".into(), format!("/{COLUMN}/index.html")),
        ],
        docs: Vec::new(),
        filler: FillerSlot::None,
        bracket_dates: false,
    });
    let townships: Vec<usize> = (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == Kind::Township)
        .collect();
    for (period, date) in INSPECTIONS {
        let n = Inspection {
            site: Site::Trs,
            column: COLUMN,
            city: true,
            title: format!("关于{period}全市政府网站与政务新媒体专项检查情况的通报"),
            period: period.to_string(),
            office: "市政务服务和大数据管理局",
            date: ymd(date),
        };
        inspection(m, &townships, n);
    }
    let mut r = Rng::new(m.seed, "trs-notices");
    // Look-alikes: no website inspection (the title lacks 政府网站), though they name townships.
    for (k, date) in [(2023, (2023, 5, 16)), (2023, (2023, 11, 21))] {
        let title = format!("关于{k}年全市政务新媒体检查情况的通报");
        let mut d = doc(
            m,
            &mut r,
            Site::Trs,
            COLUMN,
            None,
            &title,
            ymd(date),
            Role::Other,
        );
        if let Some(&u) = townships.get(r.below(townships.len().max(1) as u64) as usize) {
            d.body = format!(
                "<p>经检查，{}政务新媒体账号更新不及时，存在“僵尸号”问题，请限期整改。</p>\n{}",
                esc(&m.roster.units[u].short),
                paragraphs(&mut r, 1)
            );
        }
        m.add_doc(d);
    }
    let d = doc(
        m,
        &mut r,
        Site::Trs,
        COLUMN,
        None,
        "关于做好2023年度政府网站工作年度报表填报工作的通知",
        ymd((2023, 12, 28)),
        Role::Other,
    );
    m.add_doc(d);
    for (i, t) in ORDINARY.iter().enumerate() {
        for y in [2022, 2023] {
            let date =
                ymd((y, 1, 10)) + Duration::days((i as i64 * 31 + (y as i64 - 2022) * 11) % 340);
            let q = ((date.format("%m").to_string().parse::<u32>().unwrap_or(1) - 1) / 3 + 1)
                .to_string();
            let title = t.replace("{y}", &y.to_string()).replace("{q}", &q);
            let d = doc(
                m,
                &mut r,
                Site::Trs,
                COLUMN,
                None,
                &title,
                date,
                Role::Other,
            );
            m.add_doc(d);
        }
    }
}

const SITE_NAME: &str = "南阳市政务服务和大数据管理局";

fn header() -> &'static str {
    "<div class=\"header\"><a href=\"/\">南阳市政务服务和大数据管理局</a></div>\n<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/zwgk/jctb/index.html\">检查通报</a> <a href=\"/was5/web/search?channelid=2\">检索</a> <a href=\"http://www.nanyang.sim/\">南阳市人民政府</a></div>\n"
}

fn footer() -> &'static str {
    "<div class=\"footer\">主办：南阳市政务服务和大数据管理局 <a href=\"http://www.beian.invalid/\">豫ICP备</a></div>\n</body>\n</html>\n"
}

pub fn serve(m: &Model, path: &str) -> Reply {
    let path = strip_session(path);
    if path == "/" || path == "/index.html" {
        let mut s = head(Charset::Utf8, SITE_NAME, "");
        s.push_str("<body>\n");
        s.push_str(header());
        s.push_str(&format!(
            "<div class=\"box\"><h2><a href=\"/{COLUMN}/index.html\">{COLUMN_NAME}</a></h2></div>\n"
        ));
        s.push_str(footer());
        return Reply::html(s, Charset::Utf8, ymd(SITE_BASE));
    }
    if path.starts_with("/was5/") {
        return Reply::html(
            format!(
                "{}<body><p>检索</p></body></html>",
                head(Charset::Utf8, "检索", "")
            ),
            Charset::Utf8,
            ymd(SITE_BASE),
        );
    }
    if let Some(id) = super::city::article_id(path) {
        return match m.doc_by_id(id) {
            Some(d) if d.site == Site::Trs && d.path() == path => article(&d),
            _ => Reply::not_found(),
        };
    }
    match split_list(path) {
        Some((dir, page)) => match m.column(Site::Trs, dir) {
            Some(c) => list(m, c, page),
            None => Reply::not_found(),
        },
        None => Reply::not_found(),
    }
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
    s.push_str("<div class=\"crumb\">当前位置：");
    for (label, href) in &c.crumbs {
        s.push_str(&format!(
            "<a href=\"{}\">{}</a> &gt; ",
            esc(href),
            esc(label)
        ));
    }
    s.push_str(&format!("<span>{}</span></div>\n", esc(&c.name)));
    s.push_str("<ul class=\"list-ul\">\n");
    for it in &items {
        let rel = it
            .path
            .strip_prefix(&format!("/{}/", c.key))
            .unwrap_or(&it.path);
        s.push_str(&format!(
            "<li><a href=\"./{}\" target=\"_blank\" title=\"{}\">{}</a><span class=\"date\">{}</span></li>\n",
            esc(rel),
            esc(&it.title),
            esc(&it.title),
            it.published.format("%Y-%m-%d")
        ));
    }
    s.push_str("</ul>\n");
    s.push_str(&format!(
        "<div class=\"page\"><script>createPageHTML({pages}, {page}, \"index\", \"html\");</script></div>\n"
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
        "<meta name=\"ArticleTitle\" content=\"{}\">\n<meta name=\"PubDate\" content=\"{}\">\n<meta name=\"ContentSource\" content=\"{}\">\n<meta name=\"ColumnName\" content=\"{COLUMN_NAME}\">\n",
        esc(&d.title),
        d.published.format("%Y-%m-%d %H:%M"),
        esc(&d.source)
    );
    let written = d.published.date() - Duration::days((d.id % 3) as i64 + 1);
    let mut s = head(Charset::Utf8, &format!("{}_{SITE_NAME}", d.title), &metas);
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&format!(
        "<div class=\"crumb\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/{COLUMN}/index.html\">{COLUMN_NAME}</a></div>\n"
    ));
    s.push_str(&format!(
        "<table class=\"xxgk-table\">\n<tr><th>索引号：</th><td>11411300MB0{:07}/{}-{:05}</td><th>发布机构：</th><td>{}</td></tr>\n<tr><th>成文日期：</th><td>{}</td><th>发布日期：</th><td>{}</td></tr>\n<tr><th>文号：</th><td>宛政数〔{}〕{}号</td><th>主题分类：</th><td>政务公开</td></tr>\n</table>\n",
        d.id % 10_000_000,
        d.published.format("%Y"),
        d.id % 100_000,
        esc(&d.source),
        written.format("%Y年%m月%d日"),
        d.published.format("%Y年%m月%d日"),
        d.published.format("%Y"),
        1 + d.id % 97
    ));
    s.push_str(&format!(
        "<div class=\"article\"><h1>{}</h1>\n<div class=\"TRS_Editor\">\n{}</div></div>\n",
        esc(&d.title),
        d.body
    ));
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, d.appeared)
}
