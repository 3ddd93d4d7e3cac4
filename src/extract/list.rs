//! List pages → items (links to details, or records in themselves) with their list-level
//! fields, the page count and the next page. One arm per [`Payload`] kind: HTML elements,
//! JSON, JSONP, or XML `<record>` CDATA fragments inside a `<script>` (Hanweb's datastore).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html};
use serde_json::Value as Json;
use url::Url;

use super::dates::find_date;
use super::pager::page_count;
use super::probe::{element_text, first_html, first_json, json_path};
use super::ExtractError;
use crate::config::source::{List, Pagination, Payload, Probe};
use crate::crawl::url::Normalizer;

/// One item of a list page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListItem {
    pub link: Option<Url>,
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    pub fields: BTreeMap<String, String>,
    /// Stable key of a record item (its key probe, its link, or a hash of its fields).
    pub key: String,
}

/// What a list page yields.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    /// Pages the list declares (template and query pagination).
    pub page_count: Option<u32>,
    /// The next page's URL (next-link pagination).
    pub next: Option<Url>,
}

/// Extracts a list page of `list` fetched from `url`.
pub fn extract_list(
    list: &List,
    url: &Url,
    text: &str,
    nz: &Normalizer,
) -> Result<ListPage, ExtractError> {
    extract_list_upto(list, url, text, nz, usize::MAX)
}

/// [`extract_list`] reading at most `max_items` items: a page of 200,000 links costs no more
/// than the limit (the crawl asks for one more than `crawl.max_links_per_page`, to know).
pub fn extract_list_upto(
    list: &List,
    url: &Url,
    text: &str,
    nz: &Normalizer,
    max_items: usize,
) -> Result<ListPage, ExtractError> {
    match &list.payload {
        Payload::Html => {
            let doc = Html::parse_document(text);
            let mut page = ListPage::default();
            if let Some(sel) = &list.item {
                for el in doc.select(sel).take(max_items) {
                    page.items.push(html_item(list, el, url, nz));
                }
            }
            page_meta(list, &mut page, Some((&doc, text)), None, url, nz);
            Ok(page)
        }
        Payload::Json | Payload::Jsonp => {
            let body = if matches!(list.payload, Payload::Jsonp) {
                strip_jsonp(text)
            } else {
                text.trim()
            };
            let json: Json =
                serde_json::from_str(body).map_err(|e| ExtractError::Json(e.to_string()))?;
            let arr = json_path(&json, &list.items)
                .and_then(Json::as_array)
                .ok_or_else(|| {
                    ExtractError::Json(format!("no array at {}", list.items.join(".")))
                })?;
            let mut page = ListPage::default();
            for rec in arr.iter().take(max_items) {
                page.items.push(json_item(list, rec, url, nz));
            }
            page_meta(list, &mut page, None, Some(&json), url, nz);
            Ok(page)
        }
        Payload::ScriptXml { script, record } => {
            let doc = Html::parse_document(text);
            let mut page = ListPage::default();
            let pattern = format!(r"(?s)<{record}(?:\s[^>]*)?>(.*?)</{record}>");
            let re = super::probe::cached_regex(&pattern).ok_or_else(|| {
                ExtractError::Json(format!("record tag {record:?} makes a bad pattern"))
            })?;
            for s in doc.select(script) {
                let code: String = s.text().collect();
                for c in re.captures_iter(&code) {
                    let frag = strip_cdata(c.get(1).map_or("", |m| m.as_str()));
                    let fdoc = Html::parse_fragment(frag);
                    if let Some(sel) = &list.item {
                        let room = max_items.saturating_sub(page.items.len());
                        for el in fdoc.select(sel).take(room) {
                            page.items.push(html_item(list, el, url, nz));
                        }
                    }
                }
            }
            page_meta(list, &mut page, Some((&doc, text)), None, url, nz);
            Ok(page)
        }
    }
}

fn page_meta(
    list: &List,
    page: &mut ListPage,
    html: Option<(&Html, &str)>,
    json: Option<&Json>,
    url: &Url,
    nz: &Normalizer,
) {
    let Some(p) = &list.pagination else { return };
    match p {
        Pagination::NextLink { link, .. } => {
            if let Some((doc, _)) = html {
                let root = doc.root_element();
                let text = element_text(root);
                page.next = first_html(std::slice::from_ref(link), root, &text)
                    .and_then(|h| nz.join(url, &h))
                    .filter(|n| n != url);
            } else if let Some(j) = json {
                page.next = first_json(std::slice::from_ref(link), j)
                    .and_then(|h| nz.join(url, &h))
                    .filter(|n| n != url);
            }
        }
        _ => page.page_count = page_count(p, html, json),
    }
}

fn html_item(list: &List, el: ElementRef<'_>, base: &Url, nz: &Normalizer) -> ListItem {
    let text = element_text(el);
    let link = first_html(&list.link, el, &text).and_then(|h| nz.join(base, &h));
    let title = first_html(&list.title, el, &text);
    let date = first_html(&list.date, el, &text).and_then(|d| find_date(&d));
    let fields: BTreeMap<String, String> = list
        .fields
        .iter()
        .filter_map(|(k, ps)| first_html(ps, el, &text).map(|v| (k.clone(), v)))
        .collect();
    let key = list
        .record_key
        .as_ref()
        .and_then(|p| first_html(std::slice::from_ref(p), el, &text))
        .or_else(|| link.as_ref().map(|u| u.to_string()))
        .unwrap_or_else(|| blake3::hash(text.as_bytes()).to_hex()[..32].to_string());
    ListItem {
        link,
        title,
        date,
        fields,
        key,
    }
}

fn json_item(list: &List, rec: &Json, base: &Url, nz: &Normalizer) -> ListItem {
    let link = first_json(&list.link, rec).and_then(|h| nz.join(base, &h));
    let title = first_json(&list.title, rec);
    let date = first_json(&list.date, rec).and_then(|d| find_date(&d));
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    if list.records {
        // A record keeps every scalar field it came with, nested objects (`entity`) flattened
        // to their own keys: the 双公示 checks read them by name.
        flatten(rec, "", &mut fields);
    }
    for (k, ps) in &list.fields {
        if let Some(v) = first_json(ps, rec) {
            fields.insert(k.clone(), v);
        }
    }
    let key = list
        .record_key
        .as_ref()
        .and_then(|p: &Probe| first_json(std::slice::from_ref(p), rec))
        .or_else(|| link.as_ref().map(|u| u.to_string()))
        .unwrap_or_else(|| blake3::hash(rec.to_string().as_bytes()).to_hex()[..32].to_string());
    ListItem {
        link,
        title,
        date,
        fields,
        key,
    }
}

/// Scalars of a JSON object by key; nested objects' scalars under their own key, or
/// `parent.key` when that key is taken. Recursive, but over parsed JSON only, which
/// `serde_json` refuses to nest deeper than 128.
fn flatten(v: &Json, parent: &str, out: &mut BTreeMap<String, String>) {
    let Json::Object(m) = v else { return };
    for (k, x) in m {
        if let Some(s) = super::probe::json_text(x) {
            let key = if out.contains_key(k) && !parent.is_empty() {
                format!("{parent}.{k}")
            } else {
                k.clone()
            };
            out.entry(key).or_insert(s);
        }
    }
    for (k, x) in m {
        if x.is_object() {
            flatten(x, k, out);
        }
    }
}

/// `cb({...});` → `{...}`; a plain JSON body is returned as is.
pub fn strip_jsonp(text: &str) -> &str {
    let t = text.trim();
    if t.starts_with('{') || t.starts_with('[') {
        return t;
    }
    match (t.find('('), t.rfind(')')) {
        (Some(a), Some(b)) if a < b => t[a + 1..b].trim(),
        _ => t,
    }
}

fn strip_cdata(s: &str) -> &str {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?s)^\s*<!\[CDATA\[(.*)\]\]>\s*$").unwrap_or_else(|_| unreachable!())
    });
    re.captures(s)
        .and_then(|c| c.get(1))
        .map_or(s, |m| m.as_str())
}
