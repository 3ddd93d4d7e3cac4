//! List pages → items (links to details, or records in themselves) with their list-level
//! fields, the page count, the next page and the list's captures. One arm per [`Payload`]
//! kind: HTML elements; JSON or JSONP records; XML `<record>` CDATA fragments inside a
//! `<script>` (Hanweb's datastore) or making up the body (Hanweb's `dataproxy.jsp`); a JSON
//! field holding an HTML or XML fragment (TrueCMS `;raw({"result":"<datastore>…"})`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use scraper::{ElementRef, Html};
use serde_json::Value as Json;
use url::Url;

use super::dates::find_date;
use super::pager::{page_count, View};
use super::probe::{element_text, first_html, first_json, json_path};
use super::ExtractError;
use crate::config::source::{Inner, List, Pagination, Payload, Probe};
use crate::crawl::url::Normalizer;

pub use crate::model::{ListItem, ListPage};

/// Which of a list's pages a body is: the payload and captures differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    /// An entry page, or one reached by a next link, a page template or a query parameter:
    /// the list's payload; captures are read.
    List,
    /// The response to one of the list's pagination requests: the pagination's payload (the
    /// list's when it names none); no captures.
    Request,
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
    extract_list_page(list, url, text, nz, max_items, PageAt::List)
}

/// The payload a page of `list` is read with.
pub fn payload_at(list: &List, at: PageAt) -> &Payload {
    match (&list.pagination, at) {
        (
            Some(Pagination::Request {
                payload: Some(p), ..
            }),
            PageAt::Request,
        ) => p,
        _ => &list.payload,
    }
}

/// [`extract_list_upto`] for a page of `list` that is `at`.
pub fn extract_list_page(
    list: &List,
    url: &Url,
    text: &str,
    nz: &Normalizer,
    max_items: usize,
    at: PageAt,
) -> Result<ListPage, ExtractError> {
    let captures = match at {
        PageAt::List => super::capture::captures(list, text),
        PageAt::Request => BTreeMap::new(),
    };
    let mut page = ListPage::default();
    let mut view = View {
        captures: Some(&captures),
        ..View::default()
    };
    match payload_at(list, at) {
        Payload::Html => {
            let doc = Html::parse_document(text);
            if let Some(sel) = &list.item {
                for el in doc.select(sel).take(max_items) {
                    page.items.push(html_item(list, el, url, nz));
                }
            }
            view.html = Some((&doc, text));
            page_meta(list, &mut page, &view, url, nz);
        }
        Payload::Json | Payload::Jsonp => {
            let json = parse_json(text, matches!(payload_at(list, at), Payload::Jsonp))?;
            let arr = json_path(&json, &list.items)
                .and_then(Json::as_array)
                .ok_or_else(|| {
                    ExtractError::Json(format!("no array at {}", list.items.join(".")))
                })?;
            for rec in arr.iter().take(max_items) {
                page.items.push(json_item(list, rec, url, nz));
            }
            view.json = Some(&json);
            page_meta(list, &mut page, &view, url, nz);
        }
        Payload::ScriptXml { script, record } => {
            let doc = Html::parse_document(text);
            for s in doc.select(script) {
                let code: String = s.text().collect();
                record_items(list, &code, record, url, nz, max_items, &mut page)?;
            }
            view.html = Some((&doc, text));
            view.xml = Some(text);
            page_meta(list, &mut page, &view, url, nz);
        }
        Payload::Xml { record } => {
            record_items(list, text, record, url, nz, max_items, &mut page)?;
            view.xml = Some(text);
            page_meta(list, &mut page, &view, url, nz);
        }
        Payload::Fragment { jsonp, path, inner } => {
            let json = parse_json(text, *jsonp)?;
            let frag = json_path(&json, path)
                .and_then(Json::as_str)
                .ok_or_else(|| ExtractError::Json(format!("no text at {}", path.join("."))))?;
            view.json = Some(&json);
            view.xml = Some(frag);
            match inner {
                Inner::Html => {
                    let doc = Html::parse_document(frag);
                    if let Some(sel) = &list.item {
                        for el in doc.select(sel).take(max_items) {
                            page.items.push(html_item(list, el, url, nz));
                        }
                    }
                    view.html = Some((&doc, frag));
                    page_meta(list, &mut page, &view, url, nz);
                }
                Inner::Xml { record } => {
                    record_items(list, frag, record, url, nz, max_items, &mut page)?;
                    page_meta(list, &mut page, &view, url, nz);
                }
            }
        }
    }
    page.captures = captures;
    Ok(page)
}

fn parse_json(text: &str, jsonp: bool) -> Result<Json, ExtractError> {
    let body = if jsonp {
        strip_jsonp(text)
    } else {
        text.trim()
    };
    serde_json::from_str(body).map_err(|e| ExtractError::Json(e.to_string()))
}

/// The `record` elements of an XML text, their CDATA unwrapped.
pub fn xml_records<'t>(
    text: &'t str,
    record: &str,
) -> Result<impl Iterator<Item = &'t str> + 't, ExtractError> {
    let pattern = format!(r"(?s)<{record}(?:\s[^>]*)?>(.*?)</{record}>");
    let re = super::probe::cached_regex(&pattern)
        .ok_or_else(|| ExtractError::Json(format!("record tag {record:?} makes a bad pattern")))?;
    let found: Vec<&'t str> = re
        .captures_iter(text)
        .map(|c| strip_cdata(c.get(1).map_or("", |m| m.as_str())))
        .collect();
    Ok(found.into_iter())
}

/// A record's fragment as HTML: table rows are parsed inside a table, where they belong (an
/// HTML parser drops a `<tr>` met outside one).
fn parse_record(frag: &str) -> Html {
    let t = frag.trim_start();
    let row = t.len() >= 3 && t[..3].eq_ignore_ascii_case("<tr");
    if row {
        Html::parse_fragment(&format!("<table>{frag}</table>"))
    } else {
        Html::parse_fragment(frag)
    }
}

/// The items of the `record` elements of `xml`: each record is an item, or holds the items
/// the list's `item` selects.
fn record_items(
    list: &List,
    xml: &str,
    record: &str,
    url: &Url,
    nz: &Normalizer,
    max_items: usize,
    page: &mut ListPage,
) -> Result<(), ExtractError> {
    for frag in xml_records(xml, record)? {
        let room = max_items.saturating_sub(page.items.len());
        if room == 0 {
            break;
        }
        let fdoc = parse_record(frag);
        match &list.item {
            Some(sel) => {
                for el in fdoc.select(sel).take(room) {
                    page.items.push(html_item(list, el, url, nz));
                }
            }
            None => page
                .items
                .push(html_item(list, fdoc.root_element(), url, nz)),
        }
    }
    Ok(())
}

fn page_meta(list: &List, page: &mut ListPage, view: &View, url: &Url, nz: &Normalizer) {
    let Some(p) = &list.pagination else { return };
    match p {
        Pagination::NextLink { link, .. } => {
            if let Some((doc, _)) = view.html {
                let root = doc.root_element();
                let text = element_text(root);
                page.next = first_html(std::slice::from_ref(link), root, &text)
                    .and_then(|h| nz.join(url, &h))
                    .filter(|n| n != url);
            } else if let Some(j) = view.json {
                page.next = first_json(std::slice::from_ref(link), j)
                    .and_then(|h| nz.join(url, &h))
                    .filter(|n| n != url);
            }
        }
        _ => page.page_count = page_count(p, view),
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
