//! The public-credit site `credit.nanyang.sim` (信用南阳): 双公示 and 行政管理 records as HTML lists
//! (page 2 = `index_2.html`, 6-argument `createPageHTML` pager and a 下一页 link), record detail
//! pages, and the paged JSON API `/api/sgs/list?type=&page=&pageSize=` in the 信用中国 shape.

use serde_json::{json, Map, Value};

use super::model::*;
use super::page::{head, Charset, Reply};
use super::text::esc;
use super::urls::{credit_list_path, page_count};

fn header() -> &'static str {
    "<div class=\"header\"><a href=\"/\">信用南阳</a></div>\n"
}

fn footer() -> &'static str {
    "<div class=\"footer\">主办：南阳市发展和改革委员会 <a href=\"https://www.creditchina.invalid/\">信用中国</a></div>\n</body>\n</html>\n"
}

fn records_of(m: &Model, c: usize) -> Vec<&Record> {
    m.records.iter().filter(|r| r.cat == c).collect()
}

fn category(code: &str) -> Option<usize> {
    CATEGORIES.iter().position(|c| c.code == code)
}

pub fn serve(m: &Model, path: &str, query: &str) -> Reply {
    if path == "/" || path == "/index.html" {
        return home(m);
    }
    if path == "/api/sgs/list" {
        return api(m, query);
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["sgs", code, file] => {
            let Some(c) = category(code) else {
                return Reply::not_found();
            };
            if file.is_empty() {
                return list(m, c, 1);
            }
            if let Some(n) = list_page(file) {
                return list(m, c, n);
            }
            match file.strip_suffix(".html") {
                Some(id) => match m.records.iter().find(|r| r.cat == c && r.id == id) {
                    Some(r) => detail(r),
                    None => Reply::not_found(),
                },
                None => Reply::not_found(),
            }
        }
        ["sgs", "print", code, file] => match (category(code), file.strip_suffix(".html")) {
            (Some(c), Some(id)) => match m.records.iter().find(|r| r.cat == c && r.id == id) {
                Some(r) => detail(r),
                None => Reply::not_found(),
            },
            _ => Reply::not_found(),
        },
        _ => Reply::not_found(),
    }
}

fn list_page(file: &str) -> Option<usize> {
    if file == "index.html" {
        return Some(1);
    }
    let n: usize = file
        .strip_prefix("index_")?
        .strip_suffix(".html")?
        .parse()
        .ok()?;
    (n >= 2).then_some(n)
}

fn home(m: &Model) -> Reply {
    let mut s = head(Charset::Utf8, "信用南阳", "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str("<div class=\"box\"><h2>双公示</h2><ul>\n");
    for (c, cat) in CATEGORIES.iter().enumerate() {
        let n = m.records.iter().filter(|r| r.cat == c).count();
        s.push_str(&format!(
            "<li><a href=\"/sgs/{}/index.html\">{}</a>（{n}条）</li>\n",
            cat.code, cat.label
        ));
    }
    s.push_str("</ul></div>\n<div class=\"links\"><a href=\"http://www.nanyang.sim/\">南阳市人民政府</a></div>\n");
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, ymd(SITE_BASE))
}

fn list(m: &Model, c: usize, n: usize) -> Reply {
    let recs = records_of(m, c);
    let pages = page_count(recs.len());
    if n == 0 || n > pages {
        return Reply::not_found();
    }
    let cat = &CATEGORIES[c];
    let slice: Vec<&&Record> = recs
        .iter()
        .skip((n - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let mut s = head(Charset::Utf8, &format!("{}_双公示_信用南阳", cat.label), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&format!(
        "<div class=\"location\">首页 &gt; 双公示 &gt; {}</div>\n",
        cat.label
    ));
    s.push_str("<table class=\"sgs-table\">\n<tr><th>序号</th><th>行政相对人名称</th><th>决定文书号</th><th>决定机关</th><th>决定日期</th><th>公示日期</th></tr>\n");
    for (i, r) in slice.iter().enumerate() {
        let name = if r.party.is_empty() {
            "（空）".to_string()
        } else {
            esc(&r.party)
        };
        s.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{}.html\">{name}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            (n - 1) * PAGE_SIZE + i + 1,
            r.id,
            esc(&r.wsh),
            esc(&r.organ),
            r.decided,
            r.published
        ));
    }
    s.push_str("</table>\n");
    s.push_str(&format!(
        "<div id=\"page_div\"></div><script>createPageHTML('page_div', {pages}, {n}, 'index', 'html', {});</script>\n",
        recs.len()
    ));
    if n < pages {
        let next = credit_list_path(cat.code, n + 1);
        s.push_str(&format!(
            "<a class=\"next\" href=\"{}\">下一页</a>\n",
            next.rsplit('/').next().unwrap_or("")
        ));
    }
    s.push_str(footer());
    let newest = slice
        .iter()
        .map(|r| r.published)
        .max()
        .unwrap_or(ymd(SITE_BASE));
    Reply::html(s, Charset::Utf8, newest.max(ymd((2023, 1, 1))))
}

fn fields(r: &Record) -> Vec<(String, &'static str, String)> {
    let cat = &CATEGORIES[r.cat];
    let p = cat.prefix;
    vec![
        (format!("{p}_xdr_mc"), "行政相对人名称", r.party.clone()),
        (format!("{p}_xdr_shxym"), "统一社会信用代码", r.uscc.clone()),
        (format!("{p}_wsh"), "决定文书号", r.wsh.clone()),
        (format!("{p}_jdrq"), "决定日期", r.decided.to_string()),
        (format!("{p}_gsrq"), "公示日期", r.published.to_string()),
        (cat.organ_key.to_string(), "决定机关", r.organ.clone()),
        (
            cat.organ_code_key.to_string(),
            "决定机关统一社会信用代码",
            r.organ_code.clone(),
        ),
        (format!("{p}_nr"), "内容", r.content.clone()),
    ]
}

fn detail(r: &Record) -> Reply {
    let cat = &CATEGORIES[r.cat];
    let mut s = head(Charset::Utf8, &format!("{}信息_信用南阳", cat.label), "");
    s.push_str("<body>\n");
    s.push_str(header());
    s.push_str(&format!(
        "<div class=\"location\">首页 &gt; 双公示 &gt; <a href=\"index.html\">{}</a></div>\n<table class=\"detail\">\n<tr><th>类别</th><td>{}</td></tr>\n",
        cat.label, cat.label
    ));
    for (_, label, value) in fields(r) {
        s.push_str(&format!(
            "<tr><th>{label}</th><td>{}</td></tr>\n",
            esc(&value)
        ));
    }
    s.push_str(&format!(
        "</table>\n<a href=\"/sgs/print/{}/{}.html\">打印</a>\n",
        cat.code, r.id
    ));
    s.push_str(footer());
    Reply::html(s, Charset::Utf8, r.published)
}

fn bad_request() -> Reply {
    let mut r = Reply::text(400, "{\"status\":0,\"message\":\"参数错误\"}");
    r.content_type = "application/json; charset=utf-8".into();
    r
}

fn api(m: &Model, query: &str) -> Reply {
    let mut ty = None;
    let (mut page, mut size) = (1usize, PAGE_SIZE);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "type" => ty = category(v),
            "page" => match v.parse::<usize>() {
                Ok(n) if n >= 1 => page = n,
                _ => return bad_request(),
            },
            "pageSize" => match v.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => size = n,
                _ => return bad_request(),
            },
            _ => {}
        }
    }
    let Some(c) = ty else { return bad_request() };
    let cat = &CATEGORIES[c];
    let recs = records_of(m, c);
    let list: Vec<Value> = recs
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|r| {
            let f = fields(r);
            let mut entity = Map::new();
            let mut senses = Map::new();
            for (k, label, v) in &f {
                entity.insert(k.clone(), Value::String(v.clone()));
                senses.insert(k.clone(), Value::String(label.to_string()));
            }
            json!({
                "id": r.id,
                "table_name": cat.table,
                "data_catalog": cat.label,
                "dataSource": "双公示",
                "columnList": f.iter().map(|(k, _, _)| k.clone()).collect::<Vec<_>>(),
                "sencesMap": senses,
                "entity": entity,
            })
        })
        .collect();
    let newest = recs
        .iter()
        .map(|r| r.published)
        .max()
        .unwrap_or(ymd(SITE_BASE));
    let body = json!({
        "status": 1,
        "message": "成功",
        "data": {"total": recs.len(), "page": page, "pageSize": size, "totalSize": recs.len().div_ceil(size), "list": list}
    });
    Reply::bytes(
        body.to_string().into_bytes(),
        "application/json; charset=utf-8",
        newest,
    )
}
