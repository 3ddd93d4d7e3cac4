//! Pagination: reading how many pages a list has (an attribute such as `#pageDec[pagecount]`,
//! a pager script call such as `createPageHTML(120, 0, "index", "html")`, a JSON total, an XML
//! `<totalrecord>`, a capture of the entry page) and naming pages 2‥N from a template
//! (`index.html`, then `index_1.html` or `index_2.html`), a query parameter, or a request
//! template filled from the captures and the page's record range, sent as GET or as a POST
//! with a form body (Hanweb's `dataproxy.jsp`). Every expansion is capped by the list's
//! pagination-trap limit.

use std::collections::BTreeMap;

use scraper::Html;
use serde_json::Value as Json;
use url::Url;

use super::probe::{json_path, json_text};
use crate::config::source::{Count, Method, Pagination};

/// What a page offers its count: its parsed HTML and text, JSON, XML text (the body, or a
/// fragment payload's field), and the list's captures.
#[derive(Default, Clone, Copy)]
pub struct View<'a> {
    pub html: Option<(&'a Html, &'a str)>,
    pub json: Option<&'a Json>,
    pub xml: Option<&'a str>,
    pub captures: Option<&'a BTreeMap<String, String>>,
}

/// A parsed pager script call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerCall {
    pub page_count: u32,
    /// As written in the call (0-based in the classic TRS variant, 1-based in the 6-argument one).
    pub current: u32,
    pub name: String,
    pub ext: String,
    /// Record count, when the call gives it (6-argument variant).
    pub records: Option<u32>,
}

fn split_args(s: &str) -> Vec<String> {
    s.split(',')
        .map(|a| a.trim().trim_matches(['"', '\'']).to_string())
        .collect()
}

/// Finds the first *call* of `function` with literal arguments: the classic 4-argument TRS form
/// `(count, current, "name", "ext")` or the 6-argument `('div', count, current, 'name', 'ext',
/// records)`. The function's own definition (`function createPageHTML(_nPageCount, …)`) is
/// skipped because its arguments are not numbers.
pub fn parse_pager_call(html: &str, function: &str) -> Option<PagerCall> {
    let needle = format!("{function}(");
    let mut from = 0;
    while let Some(i) = html[from..].find(&needle) {
        let start = from + i + needle.len();
        from = start;
        let Some(end) = html[start..].find(')') else {
            break;
        };
        let args = split_args(&html[start..start + end]);
        let num = |i: usize| args.get(i).and_then(|a| a.parse::<u32>().ok());
        match args.len() {
            4 => {
                if let (Some(count), Some(cur)) = (num(0), num(1)) {
                    return Some(PagerCall {
                        page_count: count,
                        current: cur,
                        name: args[2].clone(),
                        ext: args[3].clone(),
                        records: None,
                    });
                }
            }
            6 => {
                if let (Some(count), Some(cur)) = (num(1), num(2)) {
                    return Some(PagerCall {
                        page_count: count,
                        current: cur,
                        name: args[3].clone(),
                        ext: args[4].clone(),
                        records: num(5),
                    });
                }
            }
            _ => {}
        }
    }
    None
}

fn ceil_div(a: u64, b: u64) -> u32 {
    if b == 0 {
        return 0;
    }
    u32::try_from(a.div_ceil(b)).unwrap_or(u32::MAX)
}

/// Pages of `per_page` records for `n` records, or `n` pages.
fn pages(n: u64, per_page: Option<u32>) -> Option<u32> {
    match per_page {
        Some(pp) => Some(ceil_div(n, u64::from(pp))),
        None => u32::try_from(n).ok(),
    }
}

/// The number in `<element>N</element>` of an XML text (CDATA and spaces allowed).
pub fn xml_number(xml: &str, element: &str) -> Option<u64> {
    let pattern = format!(r"<{element}(?:\s[^>]*)?>\s*(?:<!\[CDATA\[)?\s*(\d+)");
    let re = super::probe::cached_regex(&pattern)?;
    re.captures(xml)?.get(1)?.as_str().parse().ok()
}

/// The number of pages a list page declares, if its pagination reads one.
pub fn page_count(p: &Pagination, view: &View) -> Option<u32> {
    let (html, json) = (view.html, view.json);
    let count = match p {
        Pagination::Template { count, .. }
        | Pagination::Query { count, .. }
        | Pagination::Request { count, .. } => count,
        Pagination::NextLink { .. } => return None,
    };
    match count {
        Count::Attr {
            selector,
            attr,
            per_page_attr,
        } => {
            let (doc, _) = html?;
            let el = doc.select(selector).next()?;
            let n: u64 = el.value().attr(attr)?.trim().parse().ok()?;
            match per_page_attr {
                Some(pp) => {
                    let size: u64 = el.value().attr(pp)?.trim().parse().ok()?;
                    Some(ceil_div(n, size))
                }
                None => u32::try_from(n).ok(),
            }
        }
        Count::PagerScript { function } => {
            parse_pager_call(html?.1, function).map(|c| c.page_count)
        }
        Count::Json { path, per_page } => {
            let n: u64 = json_path(json?, path).and_then(json_text)?.parse().ok()?;
            pages(n, *per_page)
        }
        Count::Xml { element, per_page } => pages(xml_number(view.xml?, element)?, *per_page),
        Count::Capture { name, per_page } => {
            let n: u64 = view.captures?.get(name)?.trim().parse().ok()?;
            pages(n, *per_page)
        }
    }
}

/// One request of a list's request pagination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageRequest {
    /// The URL requested (normalised by the caller).
    pub url: Url,
    pub method: Method,
    /// The form fields of a POST, in name order.
    pub form: Vec<(String, String)>,
    /// The `{page}` it asks for.
    pub page: u32,
}

impl PageRequest {
    /// The urlencoded body of a POST (empty for a GET).
    pub fn body(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.form {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

impl std::fmt::Display for PageRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.method {
            Method::Get => write!(f, "GET {}", self.url),
            Method::Post => write!(f, "POST {} [{}]", self.url, self.body()),
        }
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("capture {0:?} was not found on the entry page")]
    Missing(String),
    #[error("the request template does not form a URL: {0}")]
    Url(String),
}

/// What a page of a request-paginated list queues: its requests with their list page numbers,
/// the page limit it stopped at (when the list has more pages), and why none could be built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestPlan {
    /// (list page number, request): the entry is list page 1, the request for `first` page 2.
    pub requests: Vec<(u32, PageRequest)>,
    pub capped: Option<u32>,
    pub error: Option<RequestError>,
}

/// The requests list page `page_no` of request pagination `p` queues, as the crawl does: the
/// entry (page 1) every request up to the count's pages, or without a count the first one
/// alone; that first request's response (page 2) the rest, once it reads the count; other
/// pages none. At most `cap` list pages in all; `base` is the page's URL, `captures` the
/// entry's.
pub fn plan_requests(
    p: &Pagination,
    base: &Url,
    page_no: u32,
    page_count: Option<u32>,
    captures: &BTreeMap<String, String>,
    cap: u32,
) -> RequestPlan {
    let Pagination::Request { first, .. } = p else {
        return RequestPlan::default();
    };
    let first = *first;
    let last = match (page_count, page_no) {
        (Some(n), 1 | 2) => n,
        (None, 1) => first,
        _ => return RequestPlan::default(),
    };
    let from = if page_no == 1 { first } else { first + 1 };
    let to_list_no = |pg: u32| pg.saturating_sub(first).saturating_add(2);
    let mut plan = RequestPlan::default();
    let upto = if to_list_no(last) > cap {
        plan.capped = Some(cap);
        (cap + first).saturating_sub(2)
    } else {
        last
    };
    if from > upto {
        return plan;
    }
    match request_pages(p, base, captures, from..=upto) {
        Ok(r) => plan.requests = r.into_iter().map(|r| (to_list_no(r.page), r)).collect(),
        Err(e) => plan.error = Some(e),
    }
    plan
}

/// The requests of request pagination `p` for `{page}` numbers `pages`, relative to the entry
/// URL and filled from `captures`. Not a request pagination: none.
pub fn request_pages(
    p: &Pagination,
    entry: &Url,
    captures: &BTreeMap<String, String>,
    pages: std::ops::RangeInclusive<u32>,
) -> Result<Vec<PageRequest>, RequestError> {
    let Pagination::Request {
        url,
        method,
        form,
        per_request,
        ..
    } = p
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for page in pages {
        let counter = |name: &str| -> Option<String> {
            let per = per_request.map(u64::from);
            let n = u64::from(page);
            match name {
                "page" => Some(page.to_string()),
                "start" => per.map(|pr| ((n - 1) * pr + 1).to_string()),
                "end" => per.map(|pr| (n * pr).to_string()),
                "per_request" => per.map(|pr| pr.to_string()),
                other => captures.get(other).cloned(),
            }
        };
        let missing = |name: String| RequestError::Missing(name);
        let query_escape =
            |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let rel = url.fill(counter, query_escape).map_err(missing)?;
        let u = entry
            .join(&rel)
            .map_err(|e| RequestError::Url(format!("{rel}: {e}")))?;
        let mut fields = Vec::with_capacity(form.len());
        for (k, t) in form {
            fields.push((k.clone(), t.fill(counter, str::to_string).map_err(missing)?));
        }
        out.push(PageRequest {
            url: u,
            method: *method,
            form: fields,
            page,
        });
    }
    Ok(out)
}

/// URLs of pages 2‥=`count` (at most `cap` pages in all, page 1 included).
pub fn later_pages(p: &Pagination, entry: &Url, count: u32, cap: u32) -> Vec<Url> {
    let last = count.min(cap);
    match p {
        Pagination::Template {
            pattern, second, ..
        } => (2..=last)
            .filter_map(|page| {
                entry
                    .join(&pattern.replace("{n}", &(page - 2 + second).to_string()))
                    .ok()
            })
            .collect(),
        Pagination::Query {
            param,
            first,
            size_param,
            size,
            ..
        } => (2..=last)
            .map(|page| {
                let mut u = entry.clone();
                let kept: Vec<(String, String)> = u
                    .query_pairs()
                    .filter(|(k, _)| k != param && Some(k.as_ref()) != size_param.as_deref())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                {
                    let mut q = u.query_pairs_mut();
                    q.clear();
                    for (k, v) in &kept {
                        q.append_pair(k, v);
                    }
                    q.append_pair(param, &(page - 1 + first).to_string());
                    if let (Some(sp), Some(sz)) = (size_param, size) {
                        q.append_pair(sp, &sz.to_string());
                    }
                }
                u
            })
            .collect(),
        Pagination::NextLink { .. } | Pagination::Request { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::Count;
    use scraper::Selector;

    const TRS: &str = include_str!("../../tests/fixtures/trs_list_createPageHTML.html");

    fn html_view<'a>(doc: &'a Html, text: &'a str) -> View<'a> {
        View {
            html: Some((doc, text)),
            ..View::default()
        }
    }

    #[test]
    fn create_page_html_variants() {
        let c = parse_pager_call(TRS, "createPageHTML").unwrap();
        assert_eq!(
            (c.page_count, c.current, c.name.as_str(), c.ext.as_str()),
            (120, 0, "index", "html")
        );
        let c = parse_pager_call(
            "<script>createPageHTML(3, 1, 'index', 'shtml');</script>",
            "createPageHTML",
        )
        .unwrap();
        assert_eq!((c.page_count, c.ext.as_str()), (3, "shtml"));
        let c = parse_pager_call(
            "<script>createPageHTML('page_div',5, 1,'fg','shtml',89);</script>",
            "createPageHTML",
        )
        .unwrap();
        assert_eq!(
            (c.page_count, c.current, c.name.as_str(), c.records),
            (5, 1, "fg", Some(89))
        );
        assert!(parse_pager_call(
            "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}",
            "createPageHTML"
        )
        .is_none());
    }

    fn template(second: u32, count: Count) -> Pagination {
        Pagination::Template {
            first: "index.html".into(),
            pattern: "index_{n}.html".into(),
            second,
            count,
            max_pages: None,
        }
    }

    #[test]
    fn templates_with_special_first_page() {
        let entry = Url::parse("http://www.yzq.gov.cn/zwgk/zwdt/zwyw/").unwrap();
        let trs = template(
            1,
            Count::PagerScript {
                function: "createPageHTML".into(),
            },
        );
        let v: Vec<String> = later_pages(&trs, &entry, 4, 500)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert_eq!(
            v,
            [
                "/zwgk/zwdt/zwyw/index_1.html",
                "/zwgk/zwdt/zwyw/index_2.html",
                "/zwgk/zwdt/zwyw/index_3.html"
            ]
        );
        let henan = template(
            2,
            Count::PagerScript {
                function: "x".into(),
            },
        );
        let v: Vec<String> = later_pages(&henan, &entry, 3, 500)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert_eq!(
            v,
            [
                "/zwgk/zwdt/zwyw/index_2.html",
                "/zwgk/zwdt/zwyw/index_3.html"
            ]
        );
        assert_eq!(
            later_pages(&trs, &entry, 120, 10).len(),
            9,
            "trap limit caps pages"
        );
        let doc = Html::parse_document(TRS);
        assert_eq!(page_count(&trs, &html_view(&doc, TRS)), Some(120));
    }

    #[test]
    fn page_dec_counts_pages_or_records() {
        let html = r#"<div id="pageDec" pagesize="24" pagecount="51"></div>"#;
        let doc = Html::parse_document(html);
        let sel = || Selector::parse("#pageDec").unwrap();
        let records = template(
            1,
            Count::Attr {
                selector: sel(),
                attr: "pagecount".into(),
                per_page_attr: Some("pagesize".into()),
            },
        );
        assert_eq!(page_count(&records, &html_view(&doc, html)), Some(3));
        let pages = template(
            2,
            Count::Attr {
                selector: sel(),
                attr: "pagecount".into(),
                per_page_attr: None,
            },
        );
        assert_eq!(page_count(&pages, &html_view(&doc, html)), Some(51));
    }

    #[test]
    fn json_query_pages() {
        let p = Pagination::Query {
            param: "page".into(),
            first: 1,
            size_param: Some("pageSize".into()),
            size: Some(20),
            count: Count::Json {
                path: vec!["data".into(), "total".into()],
                per_page: Some(20),
            },
            max_pages: None,
        };
        let j: Json = serde_json::json!({"status":1,"data":{"total":45,"page":1,"list":[]}});
        let view = View {
            json: Some(&j),
            ..View::default()
        };
        assert_eq!(page_count(&p, &view), Some(3));
        let entry =
            Url::parse("http://credit.nanyang.sim/api/sgs?type=xzcf&page=1&pageSize=20").unwrap();
        let v: Vec<String> = later_pages(&p, &entry, 3, 500)
            .iter()
            .map(|u| u.query().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            v,
            [
                "type=xzcf&page=2&pageSize=20",
                "type=xzcf&page=3&pageSize=20"
            ]
        );
    }

    fn request(first: u32, form: bool) -> Pagination {
        let t = |s: &str| crate::config::source::Template::parse(s).unwrap();
        Pagination::Request {
            url: t("/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage={perpage}"),
            method: if form { Method::Post } else { Method::Get },
            form: if form {
                vec![
                    ("columnid".into(), t("{columnid}")),
                    ("unitid".into(), t("{unitid}")),
                    ("webname".into(), t("{webname}")),
                ]
            } else {
                Vec::new()
            },
            per_request: Some(45),
            first,
            count: Count::Capture {
                name: "totalRecord".into(),
                per_page: Some(45),
            },
            payload: None,
            max_pages: None,
        }
    }

    #[test]
    fn request_pages_fill_ranges_captures_and_forms() {
        let caps: BTreeMap<String, String> = [
            ("totalRecord", "137"),
            ("perpage", "15"),
            ("columnid", "1234"),
            ("unitid", "5678"),
            ("webname", "桐柏县 城郊乡"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let p = request(1, true);
        let view = View {
            captures: Some(&caps),
            ..View::default()
        };
        assert_eq!(page_count(&p, &view), Some(4), "137 records, 45 a request");
        let entry = Url::parse("http://www.zc.sim/col/col1234/index.html").unwrap();
        let r = request_pages(&p, &entry, &caps, 1..=4).unwrap();
        let shown: Vec<String> = r.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "POST http://www.zc.sim/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15 [columnid=1234&unitid=5678&webname=%E6%A1%90%E6%9F%8F%E5%8E%BF+%E5%9F%8E%E9%83%8A%E4%B9%A1]",
                "POST http://www.zc.sim/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15 [columnid=1234&unitid=5678&webname=%E6%A1%90%E6%9F%8F%E5%8E%BF+%E5%9F%8E%E9%83%8A%E4%B9%A1]",
                "POST http://www.zc.sim/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=135&perpage=15 [columnid=1234&unitid=5678&webname=%E6%A1%90%E6%9F%8F%E5%8E%BF+%E5%9F%8E%E9%83%8A%E4%B9%A1]",
                "POST http://www.zc.sim/module/web/jpage/dataproxy.jsp?startrecord=136&endrecord=180&perpage=15 [columnid=1234&unitid=5678&webname=%E6%A1%90%E6%9F%8F%E5%8E%BF+%E5%9F%8E%E9%83%8A%E4%B9%A1]",
            ]
        );
        // A capture the page lacks builds nothing.
        let mut less = caps.clone();
        less.remove("columnid");
        assert_eq!(
            request_pages(&p, &entry, &less, 1..=1),
            Err(RequestError::Missing("columnid".into()))
        );
        // Captured values are escaped into a GET's query.
        let mut odd = caps.clone();
        odd.insert("perpage".into(), "15&x=1".into());
        let g = request_pages(&request(2, false), &entry, &odd, 2..=2).unwrap();
        assert_eq!(
            g[0].url.query(),
            Some("startrecord=46&endrecord=90&perpage=15%26x%3D1")
        );
        assert_eq!(g[0].body(), "");
    }

    #[test]
    fn xml_totals_are_read_from_elements() {
        let x = "<datastore><totalrecord> 137 </totalrecord><totalpage><![CDATA[10]]></totalpage></datastore>";
        assert_eq!(xml_number(x, "totalrecord"), Some(137));
        assert_eq!(xml_number(x, "totalpage"), Some(10));
        assert_eq!(xml_number(x, "total"), None);
    }

    #[test]
    fn the_entry_plans_every_request_or_the_first_and_the_cap_holds() {
        let caps: BTreeMap<String, String> = [
            ("perpage", "15"),
            ("columnid", "1"),
            ("unitid", "2"),
            ("webname", "w"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let entry = Url::parse("http://h/col/col1/index.html").unwrap();
        let p = request(1, true);
        let nos = |plan: &RequestPlan| {
            plan.requests
                .iter()
                .map(|(n, r)| (*n, r.page))
                .collect::<Vec<_>>()
        };
        let all = plan_requests(&p, &entry, 1, Some(4), &caps, 500);
        assert_eq!(nos(&all), [(2, 1), (3, 2), (4, 3), (5, 4)]);
        assert_eq!((all.capped, all.error.clone()), (None, None));
        // No count on the entry: the first request, whose answer plans the rest.
        let one = plan_requests(&p, &entry, 1, None, &caps, 500);
        assert_eq!(nos(&one), [(2, 1)]);
        let rest = plan_requests(&p, &one.requests[0].1.url, 2, Some(4), &caps, 500);
        assert_eq!(nos(&rest), [(3, 2), (4, 3), (5, 4)]);
        assert!(plan_requests(&p, &entry, 3, Some(4), &caps, 500)
            .requests
            .is_empty());
        // Three list pages at most: the entry and two requests.
        let capped = plan_requests(&p, &entry, 1, Some(4), &caps, 3);
        assert_eq!(
            (nos(&capped), capped.capped),
            (vec![(2, 1), (3, 2)], Some(3))
        );
        // The entry is page 1 of the series (first = 2): requests 2‥4 are list pages 2‥4.
        let p2 = request(2, true);
        assert_eq!(
            nos(&plan_requests(&p2, &entry, 1, Some(4), &caps, 500)),
            [(2, 2), (3, 3), (4, 4)]
        );
        let lacking = plan_requests(&p, &entry, 1, Some(4), &BTreeMap::new(), 500);
        assert!(lacking.requests.is_empty());
        assert_eq!(lacking.error, Some(RequestError::Missing("perpage".into())));
    }
}
