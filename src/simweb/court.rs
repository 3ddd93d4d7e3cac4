//! The court-disclosure site `zxgk.court.sim`: 被执行人 and 失信被执行人 lists and case details,
//! GB2312-declared in `<meta>` only (the header carries no charset), dates as `2023年03月28日`.

use chrono::NaiveDate;

use super::model::*;
use super::page::{head, Charset, Reply};
use super::text::esc;
use super::urls::{court_list_path, page_count};

const CS: Charset = Charset::Gb2312NoHeader;

fn cn(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

fn header() -> &'static str {
    "<div class=\"header\"><a href=\"/\">执行信息公开网</a> <img src=\"/captcha/captchaNew.do?captchaId=0\" alt=\"验证码\"> <a href=\"/captcha/captchaNew.do?captchaId=1\">换一张</a></div>\n<div class=\"nav\"><a href=\"/zhixing/list.html\">被执行人</a> <a href=\"/shixin/list.html\">失信被执行人</a></div>\n"
}

fn footer() -> &'static str {
    "<div class=\"footer\">主办：最高人民法院 <a href=\"http://wenshu.court.invalid/\">裁判文书网</a></div>\n</body>\n</html>\n"
}

pub fn serve(m: &Model, path: &str, query: &str) -> Reply {
    if path == "/" || path == "/index.html" {
        let mut s = head(CS, "执行信息公开网", "");
        s.push_str("<body>\n");
        s.push_str(header());
        s.push_str("<p>被执行人、失信被执行人信息查询。</p>\n");
        s.push_str(footer());
        return Reply::html(s, CS, ymd(SITE_BASE));
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [list @ ("zhixing" | "shixin"), "list.html"] => {
            let page = query
                .split('&')
                .find_map(|p| p.strip_prefix("page="))
                .map(|v| v.parse::<usize>().unwrap_or(0))
                .unwrap_or(1);
            list_page(m, list, page)
        }
        [list @ ("zhixing" | "shixin"), "detail", file] => {
            let Some(id) = file.strip_suffix(".html") else {
                return Reply::not_found();
            };
            match m.cases.iter().find(|c| c.id == id && c.list() == *list) {
                Some(c) => detail(c),
                None => Reply::not_found(),
            }
        }
        _ => Reply::not_found(),
    }
}

fn list_page(m: &Model, list: &str, page: usize) -> Reply {
    let dishonest = list == "shixin";
    let cases: Vec<&Case> = m
        .cases
        .iter()
        .filter(|c| c.dishonest == dishonest)
        .collect();
    let pages = page_count(cases.len());
    if page == 0 || page > pages {
        return Reply::not_found();
    }
    let label = if dishonest {
        "失信被执行人"
    } else {
        "被执行人"
    };
    let date_label = if dishonest {
        "发布时间"
    } else {
        "立案时间"
    };
    let mut s = head(CS, &format!("{label}名单"), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&format!(
        "<h2>{label}</h2>\n<table class=\"case-list\">\n<tr><th>序号</th><th>被执行人姓名/名称</th><th>案号</th><th>执行法院</th><th>{date_label}</th><th>详情</th></tr>\n"
    ));
    let slice: Vec<&&Case> = cases
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    for (i, c) in slice.iter().enumerate() {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"detail/{}.html\">查看</a></td></tr>\n",
            (page - 1) * PAGE_SIZE + i + 1,
            esc(&c.party),
            esc(&c.case_code),
            esc(&c.court),
            cn(c.listed_on()),
            c.id
        ));
    }
    s.push_str("</table>\n");
    if page < pages {
        let next = court_list_path(list, page + 1);
        s.push_str(&format!(
            "<a class=\"next\" href=\"{}\">下一页</a>\n",
            next.rsplit('/').next().unwrap_or("")
        ));
    }
    s.push_str(footer());
    let newest = slice
        .iter()
        .map(|c| c.listed_on())
        .max()
        .unwrap_or(ymd(SITE_BASE));
    Reply::html(s, CS, newest)
}

fn detail(c: &Case) -> Reply {
    let label = if c.dishonest {
        "失信被执行人"
    } else {
        "被执行人"
    };
    let mut s = head(CS, &format!("{label}详情"), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str("<table class=\"case-detail\">\n");
    let mut rows: Vec<(&str, String)> = vec![
        ("被执行人姓名/名称", c.party.clone()),
        ("身份证号码/组织机构代码", c.party_code.clone()),
        ("案号", c.case_code.clone()),
        ("执行法院", c.court.clone()),
        ("立案时间", cn(c.filed)),
        ("案由", c.cause.clone()),
        ("执行依据文号", c.basis.clone()),
        ("执行标的", format!("{}元", c.amount_yuan)),
        (
            "结案日期",
            c.resolved.map(cn).unwrap_or_else(|| "未结".into()),
        ),
    ];
    if c.dishonest {
        rows.push(("发布时间", cn(c.listed_on())));
        rows.push((
            "失信被执行人行为具体情形",
            "有履行能力而拒不履行生效法律文书确定义务".into(),
        ));
        rows.push((
            "被执行人的履行情况",
            if c.resolved.is_some() {
                "全部履行".into()
            } else {
                "全部未履行".into()
            },
        ));
    }
    for (k, v) in rows {
        s.push_str(&format!(
            "<tr><td class=\"label\">{k}：</td><td>{}</td></tr>\n",
            esc(&v)
        ));
    }
    s.push_str("</table>\n");
    s.push_str(footer());
    Reply::html(s, CS, c.listed_on())
}
