//! Pagination: reading how many pages a list has (an attribute such as `#pageDec[pagecount]`,
//! a pager script call such as `createPageHTML(120, 0, "index", "html")`, a JSON total) and
//! naming pages 2‥N from a template (`index.html`, then `index_1.html` or `index_2.html`) or a
//! query parameter. Every expansion is capped by the list's pagination-trap limit.

use scraper::Html;
use serde_json::Value as Json;
use url::Url;

use super::probe::{json_path, json_text};
use crate::config::source::{Count, Pagination};

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

/// The number of pages a list page declares, if its pagination reads one.
pub fn page_count(p: &Pagination, html: Option<(&Html, &str)>, json: Option<&Json>) -> Option<u32> {
    let count = match p {
        Pagination::Template { count, .. } | Pagination::Query { count, .. } => count,
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
            match per_page {
                Some(pp) => Some(ceil_div(n, u64::from(*pp))),
                None => u32::try_from(n).ok(),
            }
        }
    }
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
        Pagination::NextLink { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::Count;
    use scraper::Selector;

    const TRS: &str = include_str!("../../tests/fixtures/trs_list_createPageHTML.html");

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
        assert_eq!(page_count(&trs, Some((&doc, TRS)), None), Some(120));
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
        assert_eq!(page_count(&records, Some((&doc, html)), None), Some(3));
        let pages = template(
            2,
            Count::Attr {
                selector: sel(),
                attr: "pagecount".into(),
                per_page_attr: None,
            },
        );
        assert_eq!(page_count(&pages, Some((&doc, html)), None), Some(51));
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
        assert_eq!(page_count(&p, None, Some(&j)), Some(3));
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
}
