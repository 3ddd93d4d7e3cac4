//! Detail pages → the fields of a document: title (with fallbacks such as
//! `<meta name="ArticleTitle">`), publication date (page text, metadata table or
//! `<meta name="PubDate">` — never the URL, whose date segment is the upload day), 发布机构,
//! 索引号, 文号, body text and attachment links.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use scraper::{Html, Selector};
use std::sync::OnceLock;
use url::Url;

use super::dates::find_date;
use super::probe::{element_text, first, Target};
use super::AttachmentRef;
use crate::config::source::{Detail, Probe};
use crate::crawl::url::Normalizer;

/// What a detail page says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailFields {
    pub title: Option<String>,
    pub published: Option<NaiveDate>,
    pub publisher: Option<String>,
    pub index_no: Option<String>,
    pub doc_no: Option<String>,
    pub body: String,
    pub attachments: Vec<AttachmentRef>,
    pub fields: BTreeMap<String, String>,
}

fn body_text(ps: &[Probe], doc: &Html) -> Option<String> {
    // Paragraphs and table rows survive as lines: annual reports and notices are read by row.
    ps.iter().find_map(|p| match p {
        Probe::Css {
            selector,
            attr: None,
        } => doc.select(selector).next().map(super::text::block_text),
        _ => None,
    })
}

/// Extracts a detail page fetched from `url`.
pub fn extract_detail(d: &Detail, url: &Url, text: &str, nz: &Normalizer) -> DetailFields {
    extract_detail_upto(d, url, text, nz, usize::MAX).0
}

/// [`extract_detail`] searching at most `max_links` links for attachments; also says whether
/// the page has more links than that.
pub fn extract_detail_upto(
    d: &Detail,
    url: &Url,
    text: &str,
    nz: &Normalizer,
    max_links: usize,
) -> (DetailFields, bool) {
    let doc = Html::parse_document(text);
    let root = doc.root_element();
    let page_text = element_text(root);
    // Shared by every field's probes: the page's label cells are collected once.
    let page = Target::new(root, &page_text);
    let get = |ps: &[Probe]| first(ps, &page);
    let published = d
        .date
        .iter()
        .find_map(|p| first(std::slice::from_ref(p), &page).and_then(|s| find_date(&s)));
    let mut attachments = Vec::new();
    let mut more_links = false;
    if let Some(re) = &d.attachments {
        static A: OnceLock<Selector> = OnceLock::new();
        let a = A.get_or_init(|| Selector::parse("a[href]").unwrap_or_else(|_| unreachable!()));
        let mut links = doc.select(a);
        for el in links.by_ref().take(max_links) {
            let Some(u) = el.value().attr("href").and_then(|h| nz.join_text(url, h)) else {
                continue;
            };
            if re.is_match(&u) && !attachments.iter().any(|x: &AttachmentRef| *x.url == *u) {
                let name = element_text(el);
                attachments.push(AttachmentRef {
                    url: u.to_string(),
                    name,
                });
            }
        }
        more_links = links.next().is_some();
    }
    let fields = DetailFields {
        title: get(&d.title),
        published,
        publisher: get(&d.publisher),
        index_no: get(&d.index_no),
        doc_no: get(&d.doc_no),
        body: body_text(&d.body, &doc).unwrap_or_default(),
        attachments,
        fields: d
            .fields
            .iter()
            .filter_map(|(k, ps)| get(ps).map(|v| (k.clone(), v)))
            .collect(),
    };
    (fields, more_links)
}
