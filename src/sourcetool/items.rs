//! Finding a column page's items without being told: the repeated elements (`li`, `tr`, `dd`)
//! that hold an article link and a date, grouped by the nearest ancestor with an id or class
//! (`.list-box li`), the largest group winning; then the probes that read their title and date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::shapes::{kind, LinkKind};
use crate::config::source::Probe;
use crate::crawl::url::Normalizer;
use crate::extract::dates::find_date;
use crate::extract::probe::{element_text, eval_html};

/// The items a column page seems to have.
#[derive(Debug, Clone)]
pub struct ItemGuess {
    /// CSS selector of one item.
    pub selector: String,
    pub title: Vec<String>,
    pub date: Option<String>,
    /// The items' article links with the title and date read from them.
    pub links: Vec<(Url, Option<String>, Option<NaiveDate>)>,
}

fn ident(el: ElementRef<'_>) -> Option<String> {
    let v = el.value();
    if let Some(id) = v.id().filter(|i| css_ident(i)) {
        return Some(format!("#{id}"));
    }
    let classes: Vec<&str> = v.classes().filter(|c| css_ident(c)).collect();
    (!classes.is_empty()).then(|| format!(".{}", classes.join(".")))
}

fn css_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
}

/// The group selector of an item element: the nearest ancestor (within four) with an id or class.
fn group_key(el: ElementRef<'_>) -> String {
    let tag = el.value().name();
    for a in el.ancestors().filter_map(ElementRef::wrap).take(4) {
        if matches!(a.value().name(), "html" | "body") {
            break;
        }
        if let Some(i) = ident(a) {
            return format!("{i} {tag}");
        }
    }
    tag.to_string()
}

fn article_link(el: ElementRef<'_>, base: &Url, nz: &Normalizer) -> Option<Url> {
    let a = Selector::parse("a[href]").ok()?;
    el.select(&a).find_map(|x| {
        let u = nz.join(base, x.value().attr("href")?)?;
        (u.host_str() == base.host_str() && kind(&u) == LinkKind::Article).then_some(u)
    })
}

const DATE_PROBES: &[&str] = &[
    "css:span",
    "css:td:nth-child(2)",
    "css:td:nth-child(3)",
    "css:td:nth-child(4)",
    "css:td:nth-child(5)",
    "css:em",
    "css:b",
    "css:i",
    "css:.date",
    "css:.time",
    "css:font",
];

/// The items of a column page, if it has a group of elements with article links and dates.
pub fn guess(text: &str, base: &Url, nz: &Normalizer) -> Option<ItemGuess> {
    let doc = Html::parse_fragment(text);
    guess_in(&doc, base, nz)
}

pub fn guess_in(doc: &Html, base: &Url, nz: &Normalizer) -> Option<ItemGuess> {
    let cand = Selector::parse("li, tr, dd").ok()?;
    let mut groups: BTreeMap<String, Vec<ElementRef<'_>>> = BTreeMap::new();
    for el in doc.select(&cand) {
        if article_link(el, base, nz).is_none() {
            continue;
        }
        if find_date(&element_text(el)).is_none() {
            continue;
        }
        groups.entry(group_key(el)).or_default().push(el);
    }
    let (selector, els) = groups
        .into_iter()
        .max_by_key(|(k, v)| (v.len(), std::cmp::Reverse(k.clone())))?;
    let title_attr = els
        .iter()
        .filter(|el| {
            Selector::parse("a[title]")
                .ok()
                .is_some_and(|s| el.select(&s).next().is_some())
        })
        .count()
        * 2
        > els.len();
    let title: Vec<String> = if title_attr {
        vec!["css:a@title".into(), "css:a".into()]
    } else {
        vec!["css:a".into()]
    };
    let date = DATE_PROBES.iter().find(|spec| {
        let Ok(p) = Probe::parse(spec) else {
            return false;
        };
        els.iter().all(|el| {
            let t = element_text(*el);
            eval_html(&p, *el, &t).and_then(|v| find_date(&v)).is_some()
        })
    });
    let tprobes: Vec<Probe> = title.iter().filter_map(|t| Probe::parse(t).ok()).collect();
    let dprobe = date.and_then(|d| Probe::parse(d).ok());
    let links = els
        .iter()
        .filter_map(|el| {
            let u = article_link(*el, base, nz)?;
            let t = element_text(*el);
            let title = tprobes.iter().find_map(|p| eval_html(p, *el, &t));
            let date = dprobe
                .as_ref()
                .and_then(|p| eval_html(p, *el, &t))
                .and_then(|v| find_date(&v));
            Some((u, title, date))
        })
        .collect();
    Some(ItemGuess {
        selector,
        title,
        date: date.map(|d| d.to_string()),
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_list_box_items() {
        let html = r#"<html><body><ul class="nav"><li><a href="/zwgk/">政务公开</a></li></ul>
            <div class="list-box"><ul>
            <li><a href="/2024/01-30/806701.html" title="关于甲">关于甲</a><span>2024-01-30</span></li>
            <li><a href="/2023/12-06/794705.html" title="关于乙">关于乙</a><span>2023-12-06</span></li>
            <li class="empty">暂无</li></ul></div></body></html>"#;
        let base = Url::parse("http://www.tongbai.sim/xzxxgk/t-a/zcwj/index.html")
            .unwrap_or_else(|e| panic!("{e}"));
        let g = guess(html, &base, &Normalizer::default()).unwrap_or_else(|| panic!("no items"));
        assert_eq!(g.selector, ".list-box li");
        assert_eq!(g.title, ["css:a@title", "css:a"]);
        assert_eq!(g.date.as_deref(), Some("css:span"));
        assert_eq!(g.links.len(), 2);
        assert_eq!(g.links[0].1.as_deref(), Some("关于甲"));
    }
}
