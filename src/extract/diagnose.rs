//! What a page actually contained, for a list whose extraction found nothing: which part of the
//! definition came up empty (the item selector, the JSON path, the fragment, a capture) and a
//! census of the shapes the page does hold — XML `<record>` fragments, script datastores, JSON
//! arrays and fields holding fragments, common list elements, known pagers — so a wrong payload
//! kind or selector shows what to write instead:
//! "条目选择器 item `li` 匹配 0 个元素；页面中有 15 个 `<record>` 片段" (in Chinese, as the
//! analysts who add sites read it).
//!
//! `govtrust source test` prints it; the crawl logs it as the page's warning.

use std::fmt::Write as _;

use scraper::{Html, Selector};
use serde_json::Value as Json;

use super::list::{payload_at, strip_jsonp, xml_records, PageAt};
use super::probe::json_path;
use crate::config::source::{Inner, List, Payload};

/// The shapes found on a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// `<record>` elements.
    pub records: usize,
    /// `<script type="text/xml">` elements (Hanweb datastores).
    pub xml_scripts: usize,
    /// Arrays in a JSON (or JSONP) body: dotted path and length, longest first.
    pub json_arrays: Vec<(String, usize)>,
    /// JSON string fields holding markup: dotted path and their `<record>` / `<li>` counts.
    pub json_fragments: Vec<(String, usize, usize)>,
    /// Counts of common list elements (`li`, `tr`, links, …) when the page is HTML.
    pub elements: Vec<(&'static str, usize)>,
    /// Pagers recognised (`jpage`, `createPageHTML`, `#pageDec`).
    pub pagers: Vec<&'static str>,
}

/// Counts `<name>` and `<name …>` (any case).
fn tag_count(text: &str, name: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    let open = format!("<{name}");
    lower
        .match_indices(&open)
        .filter(|(i, _)| {
            lower[i + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
        })
        .count()
}

fn walk(v: &Json, path: &str, c: &mut Census, depth: usize) {
    if depth > 8 {
        return;
    }
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Json::Array(a) => {
            c.json_arrays.push((
                if path.is_empty() {
                    "(top)".into()
                } else {
                    path.to_string()
                },
                a.len(),
            ));
            if let Some(first) = a.first() {
                walk(first, &at("0"), c, depth + 1);
            }
        }
        Json::Object(m) => {
            for (k, x) in m {
                walk(x, &at(k), c, depth + 1);
            }
        }
        Json::String(s) if s.contains('<') => {
            let (r, li) = (tag_count(s, "record"), tag_count(s, "li"));
            if r + li > 0 || s.trim_start().starts_with('<') {
                c.json_fragments.push((path.to_string(), r, li));
            }
        }
        _ => {}
    }
}

/// A census of `text`.
pub fn census(text: &str) -> Census {
    let mut c = Census {
        records: tag_count(text, "record"),
        ..Census::default()
    };
    let lower = text.to_ascii_lowercase();
    c.xml_scripts = lower
        .match_indices("<script")
        .filter(|(i, _)| {
            let tag_end = lower[*i..].find('>').map_or(lower.len(), |e| i + e);
            lower[*i..tag_end].contains("text/xml")
        })
        .count();
    let body = strip_jsonp(text);
    if body.starts_with(['{', '[']) {
        if let Ok(j) = serde_json::from_str::<Json>(body) {
            walk(&j, "", &mut c, 0);
            c.json_arrays
                .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            c.json_arrays.truncate(5);
            c.json_fragments.truncate(5);
        }
    }
    if c.json_arrays.is_empty() && c.json_fragments.is_empty() && lower.contains('<') {
        let doc = Html::parse_document(text);
        for (label, sel) in [
            ("`<li>`", "li"),
            ("`<tr>`", "tr"),
            ("链接", "a[href]"),
            ("`<table>`", "table"),
        ] {
            if let Ok(s) = Selector::parse(sel) {
                let n = doc.select(&s).count();
                if n > 0 {
                    c.elements.push((label, n));
                }
            }
        }
    }
    for (name, needle) in [
        ("jpage({…}) 分页（大汉）", "jpage("),
        ("createPageHTML(…) 分页（TRS）", "createpagehtml("),
        ("#pageDec 分页（河南省平台）", "id=\"pagedec\""),
        ("dataproxy.jsp 接口（大汉）", "dataproxy.jsp"),
    ] {
        if lower.contains(needle) {
            c.pagers.push(name);
        }
    }
    c
}

impl std::fmt::Display for Census {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.records > 0 {
            parts.push(format!("{} 个 `<record>` 片段", self.records));
        }
        if self.xml_scripts > 0 {
            parts.push(format!(
                "{} 个 `<script type=\"text/xml\">` 数据块",
                self.xml_scripts
            ));
        }
        for (path, n) in &self.json_arrays {
            parts.push(format!("`{path}` 处有 {n} 项的 JSON 数组"));
        }
        for (path, r, li) in &self.json_fragments {
            parts.push(format!(
                "JSON 字段 `{path}` 中的标记片段（{r} 个 `<record>`，{li} 个 `<li>`）"
            ));
        }
        for (label, n) in &self.elements {
            parts.push(format!("{n} 个 {label}"));
        }
        for p in &self.pagers {
            parts.push(p.to_string());
        }
        if parts.is_empty() {
            write!(f, "无可识别的列表内容")
        } else {
            write!(f, "{}", parts.join("，"))
        }
    }
}

/// Why a page of `list` (as `at`) yielded no items, and what the page has instead.
pub fn diagnose_list(list: &List, text: &str, at: PageAt) -> String {
    let mut out = String::new();
    match payload_at(list, at) {
        Payload::Html => {
            let n = list
                .item
                .as_ref()
                .map_or(0, |sel| Html::parse_document(text).select(sel).count());
            let _ = write!(out, "{} 匹配 {n} 个元素", describe_item(list));
        }
        Payload::Json | Payload::Jsonp => {
            let body = strip_jsonp(text);
            match serde_json::from_str::<Json>(body.trim()) {
                Err(e) => {
                    let _ = write!(out, "正文不是 JSON（{e}）");
                }
                Ok(j) => match json_path(&j, &list.items) {
                    Some(Json::Array(_)) => {
                        let _ = write!(out, "`{}` 是空数组", list.items.join("."));
                    }
                    Some(_) => {
                        let _ = write!(out, "`{}` 不是数组", list.items.join("."));
                    }
                    None => {
                        let _ = write!(out, "`{}` 处没有值", list.items.join("."));
                    }
                },
            }
        }
        Payload::ScriptXml { record, .. } | Payload::Xml { record } => {
            let n = xml_records(text, record).map_or(0, Iterator::count);
            let _ = write!(out, "{n} 条 `<{record}>` 记录");
            if n > 0 && list.item.is_some() {
                let _ = write!(out, "，其中{} 没有匹配到", describe_item(list));
            }
        }
        Payload::Fragment { jsonp, path, inner } => {
            let body = if *jsonp {
                strip_jsonp(text)
            } else {
                text.trim()
            };
            let frag = serde_json::from_str::<Json>(body).ok().and_then(|j| {
                json_path(&j, path)
                    .and_then(Json::as_str)
                    .map(str::to_string)
            });
            match (frag, inner) {
                (None, _) => {
                    let _ = write!(out, "JSON 字段 `{}` 没有文本", path.join("."));
                }
                (Some(f), Inner::Xml { record }) => {
                    let n = xml_records(&f, record).map_or(0, Iterator::count);
                    let _ = write!(
                        out,
                        "`{}` 处的片段有 {n} 条 `<{record}>` 记录",
                        path.join(".")
                    );
                    if n > 0 && list.item.is_some() {
                        let _ = write!(out, "，其中{} 没有匹配到", describe_item(list));
                    }
                }
                (Some(f), Inner::Html) => {
                    let n = list
                        .item
                        .as_ref()
                        .map_or(0, |sel| Html::parse_document(&f).select(sel).count());
                    let _ = write!(
                        out,
                        "`{}` 处的片段中，{}匹配 {n} 个元素；片段中有 {}",
                        path.join("."),
                        describe_item(list),
                        census(&f)
                    );
                    return out;
                }
            }
        }
    }
    let _ = write!(out, "；页面中有 {}", census(text));
    if at == PageAt::List && !list.captures.is_empty() {
        let found = super::capture::captures(list, text);
        let missing: Vec<&str> = list
            .captures
            .keys()
            .filter(|k| !found.contains_key(*k))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let _ = write!(out, "；未找到捕获值：{}", missing.join(", "));
        }
    }
    out
}

fn describe_item(list: &List) -> String {
    match &list.item {
        Some(s) => format!("条目选择器 item `{}`", selector_text(s)),
        None => "条目（每条记录）".into(),
    }
}

/// A selector written back as CSS.
fn selector_text(s: &Selector) -> String {
    use scraper::selector::ToCss;
    s.to_css_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::{Source, SourceFile};
    use crate::config::{Problems, Roster};
    use std::path::Path;

    fn list(extra: &str) -> List {
        let text = format!(
            "[source]\nname = \"t\"\n[scope]\nhosts = [\"h\"]\nallow = [\".\"]\n[[list]]\nname = \"l\"\nentries = [\"http://h/\"]\n{extra}"
        );
        let f: SourceFile = toml::from_str(&text).unwrap();
        let roster = Roster::load(Path::new("crawl-config/units/tongbai.toml")).unwrap();
        let mut p = Problems::new(Path::new("t.toml"));
        let s = Source::compile(Path::new("t.toml"), f, &roster, &mut p).unwrap();
        assert!(p.is_empty(), "{:?}", p.into_vec());
        s.lists[0].clone()
    }

    const DATAPROXY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>137</totalrecord><totalpage>10</totalpage><recordset>
<record><![CDATA[<li><a href="/art/2024/5/10/art_1234_1.html">一</a><span>2024-05-10</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/5/9/art_1234_2.html">二</a><span>2024-05-09</span></li>]]></record>
</recordset></datastore>"#;

    #[test]
    fn an_html_list_read_from_xml_says_it_has_records() {
        let l = list("item = \"div.news\"");
        let why = diagnose_list(&l, DATAPROXY, PageAt::List);
        assert!(
            why.starts_with(
                "条目选择器 item `div.news` 匹配 0 个元素；页面中有 2 个 `<record>` 片段"
            ),
            "{why}"
        );
        let l = list("payload = { kind = \"xml\", record = \"record\" }\nitem = \"p\"");
        let why = diagnose_list(&l, DATAPROXY, PageAt::List);
        assert!(
            why.starts_with("2 条 `<record>` 记录，其中条目选择器 item `p` 没有匹配到"),
            "{why}"
        );
    }

    #[test]
    fn json_census_names_arrays_and_fragments() {
        let body = r#";raw({"result":"<datastore><record><![CDATA[<li>x</li>]]></record></datastore>","total":57,"data":{"rows":[{"a":1},{"a":2},{"a":3}]}})"#;
        let l = list("payload = { kind = \"jsonp\" }\nitems = \"list\"\nrecords = true");
        let why = diagnose_list(&l, body, PageAt::List);
        assert!(why.contains("`list` 处没有值"), "{why}");
        assert!(why.contains("`data.rows` 处有 3 项的 JSON 数组"), "{why}");
        assert!(
            why.contains("JSON 字段 `result` 中的标记片段（1 个 `<record>`，1 个 `<li>`）"),
            "{why}"
        );
    }

    #[test]
    fn missing_captures_and_pagers_are_named() {
        let l = list("item = \"li\"\n[list.captures]\ncolumnid = \"js:ajaxParam.columnid\"");
        let page =
            "<html><body><ul></ul><script>$('#1').jpage({ perPage:15 });</script></body></html>";
        let why = diagnose_list(&l, page, PageAt::List);
        assert!(why.contains("jpage({…}) 分页（大汉）"), "{why}");
        assert!(why.ends_with("未找到捕获值：columnid"), "{why}");
    }
}
