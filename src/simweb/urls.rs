//! Enumeration of every in-scope reachable URL of a night, streamed to a callback so that a web of
//! 200,000 pages can be counted without holding it. List-page naming per site lives here too, so
//! the enumeration and the pages' own pager links cannot disagree.

use super::model::*;
use super::text::encode_path;
use super::UrlKind::{self, Detail, List};

/// Number of list pages for `total` items (an empty list still has its first page).
pub fn page_count(total: usize) -> usize {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// Portal list page `i` (0-based) of a column: `index.html`, then `index_{i}.html`.
pub fn portal_list_path(key: &str, i: usize) -> String {
    if i == 0 {
        format!("/{key}/index.html")
    } else {
        format!("/{key}/index_{i}.html")
    }
}

/// Credit-site list page `n` (1-based): `index.html`, then `index_{n}.html` (page 2 = index_2).
pub fn credit_list_path(code: &str, n: usize) -> String {
    if n <= 1 {
        format!("/sgs/{code}/index.html")
    } else {
        format!("/sgs/{code}/index_{n}.html")
    }
}

pub fn credit_api_path(code: &str, n: usize) -> String {
    format!("/api/sgs/list?type={code}&page={n}&pageSize={PAGE_SIZE}")
}

/// Court list page `n` (1-based).
pub fn court_list_path(list: &str, n: usize) -> String {
    if n <= 1 {
        format!("/{list}/list.html")
    } else {
        format!("/{list}/list.html?page={n}")
    }
}

/// Calls `f` with every in-scope reachable URL (absolute, no port) and its kind.
pub fn for_each_url(m: &Model, f: &mut dyn FnMut(String, UrlKind)) {
    // County portal.
    let county = Site::County;
    f(county.url("/"), List);
    f(county.url("/xzxxgk/index.html"), List);
    f(county.url("/bmxxgk/index.html"), List);
    for (u, unit) in m.roster.units.iter().enumerate() {
        if !m.patterns.is_down(u, m.night) && m.unit_site(u) == Site::County {
            f(
                county.url(&format!("/{}/{}/index.html", m.unit_section(u), unit.id)),
                List,
            );
        }
    }
    // City portal, and the platform sites' homes (a hosted unit's is its section).
    f(Site::City.url("/"), List);
    f(Site::Trs.url("/"), List);
    for site in [Site::Hanweb, Site::TrueCms] {
        let down = m
            .hosted
            .unit_on(site)
            .is_some_and(|u| m.patterns.is_down(u, m.night));
        if !down {
            f(site.url("/"), List);
        }
    }
    for c in &m.columns {
        // A down section's lists answer 503, so nothing links to its articles tonight.
        if c.unit.is_some_and(|u| m.patterns.is_down(u, m.night)) {
            continue;
        }
        let total = c.docs.len() + m.filler_count(c.filler) as usize;
        match c.site {
            // The first records are on the column page; the rest come by POST to the
            // dataproxy, which is no URL of its own.
            Site::Hanweb => f(c.site.url(&super::hanweb::column_path(c)), List),
            Site::TrueCms if super::truecms::is_sgs(c) => {
                f(c.site.url(&super::truecms::list_path(c, 1)), List);
                let rows = super::truecms::SGS_ROWS;
                for n in 1..=total.div_ceil(rows).max(1) {
                    f(
                        c.site.url(&super::truecms::interface_path(c, n, rows)),
                        List,
                    );
                }
            }
            Site::TrueCms => {
                for n in 1..=total.div_ceil(super::truecms::PER_PAGE).max(1) {
                    f(c.site.url(&super::truecms::list_path(c, n)), List);
                }
            }
            _ => {
                for i in 0..page_count(total) {
                    f(c.site.url(&portal_list_path(&c.key, i)), List);
                }
            }
        }
        for &d in &c.docs {
            let doc = &m.docs[d];
            f(doc.url(), Detail);
            for a in &doc.attachments {
                // An attachment that does not open is linked but not reachable.
                if m.attachments.contains_key(&(doc.site, a.path.clone())) {
                    f(doc.site.url(&encode_path(&a.path)), Detail);
                }
            }
        }
        let nf = m.filler_count(c.filler);
        for j in 0..nf {
            let id = m.filler_id(c.filler, j);
            let (_, url_date, _) = m.filler_times(c.filler, j);
            f(
                c.site.url(&article_path(c.site, &c.key, url_date, id)),
                Detail,
            );
        }
    }
    // Credit site.
    f(Site::Credit.url("/"), List);
    for (c, cat) in CATEGORIES.iter().enumerate() {
        let total = m.records.iter().filter(|r| r.cat == c).count();
        for n in 1..=page_count(total) {
            f(Site::Credit.url(&credit_list_path(cat.code, n)), List);
            f(Site::Credit.url(&credit_api_path(cat.code, n)), List);
        }
    }
    for r in &m.records {
        f(
            Site::Credit.url(&format!("/sgs/{}/{}.html", CATEGORIES[r.cat].code, r.id)),
            Detail,
        );
    }
    // Court site.
    f(Site::Court.url("/"), List);
    for (list, dishonest) in [("zhixing", false), ("shixin", true)] {
        let total = m.cases.iter().filter(|c| c.dishonest == dishonest).count();
        for n in 1..=page_count(total) {
            f(Site::Court.url(&court_list_path(list, n)), List);
        }
    }
    for c in &m.cases {
        f(Site::Court.url(&c.path()), Detail);
    }
}
