//! Each unit's site as the crawl found it: its home and its columns (name, kind, list pages,
//! documents), from the stored documents and what their list pages listed. A list page whose
//! items are mostly documents of one unit's column is that column's page; a list page linking
//! to the column pages of one unit is that unit's home, and a link of it to a list page that
//! listed nothing is a blank column, named by the link's text. Nothing here is particular to
//! one platform: only the documents' unit and 栏目, and the lists' links.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::column_kind::ColumnKind;
use crate::config::inspection::InspectionRules;
use crate::extract::{Document, DocumentKind};

/// A list page as its stored extraction lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSeen {
    /// The page's URL (the key of its page record).
    pub url: String,
    pub source: String,
    /// The source's list it was read as.
    pub list: String,
    /// Its items: the link (normalised, as the crawl keys pages) and the text.
    pub items: Vec<(Option<String>, Option<String>)>,
}

/// One column of a unit's site.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSite {
    pub name: String,
    pub kind: ColumnKind,
    /// Its list pages, the first page first.
    pub pages: Vec<String>,
    /// Indexes into the documents given to [`build`].
    pub docs: Vec<usize>,
}

impl ColumnSite {
    pub fn first_page(&self) -> Option<&str> {
        self.pages.first().map(String::as_str)
    }

    pub fn is_blank(&self) -> bool {
        self.docs.is_empty()
    }
}

/// One unit's site.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitSite {
    pub home: Option<String>,
    pub columns: Vec<ColumnSite>,
}

impl UnitSite {
    /// Every page of the site: home and list pages.
    pub fn pages(&self) -> impl Iterator<Item = &str> {
        self.home.iter().map(String::as_str).chain(
            self.columns
                .iter()
                .flat_map(|c| c.pages.iter().map(String::as_str)),
        )
    }
}

/// The column a document was listed in: its breadcrumb's 栏目, else the list's name.
pub fn column_of(d: &Document) -> &str {
    d.fields
        .get("栏目")
        .map(String::as_str)
        .or(d.list.as_deref())
        .unwrap_or("")
}

/// A share of votes that makes a page one column's or one unit's.
const MAJORITY: f64 = 0.5;

/// The sites of every unit that has documents, by unit id.
pub fn build(
    rules: &InspectionRules,
    docs: &[Document],
    lists: &[ListSeen],
    overrides: &HashMap<(String, String), ColumnKind>,
    is_unit: &dyn Fn(&str) -> bool,
) -> BTreeMap<String, UnitSite> {
    // Documents by URL, and the columns they make.
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    let mut columns: BTreeMap<(String, String), ColumnSite> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let Some(unit) = d.unit.as_deref().filter(|u| is_unit(u)) else {
            continue;
        };
        if d.kind != DocumentKind::Article {
            continue;
        }
        by_url.insert(d.url.as_str(), i);
        by_url.insert(d.page_url.as_str(), i);
        let name = column_of(d).to_string();
        let kind = d
            .list
            .as_ref()
            .and_then(|l| overrides.get(&(d.source.clone(), l.clone())))
            .copied()
            .unwrap_or_else(|| rules.kind_of(&name));
        columns
            .entry((unit.to_string(), name.clone()))
            .or_insert_with(|| ColumnSite {
                name,
                kind,
                pages: Vec::new(),
                docs: Vec::new(),
            })
            .docs
            .push(i);
    }
    // List pages whose items are mostly one column's documents.
    let mut page_column: HashMap<&str, (String, String)> = HashMap::new();
    for l in lists {
        let mut votes: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        let mut linked = 0;
        for (link, _) in &l.items {
            if let Some(&i) = link.as_deref().and_then(|u| by_url.get(u)) {
                let d = &docs[i];
                if let Some(u) = d.unit.as_deref() {
                    *votes.entry((u, column_of(d))).or_default() += 1;
                }
                linked += 1;
            }
        }
        if let Some(((u, c), n)) = votes
            .into_iter()
            .max_by_key(|(k, n)| (*n, std::cmp::Reverse(*k)))
        {
            if n as f64 >= MAJORITY * linked as f64 {
                page_column.insert(l.url.as_str(), (u.to_string(), c.to_string()));
            }
        }
    }
    // Homes: list pages linking mostly to one unit's column pages; their links to list pages
    // that listed nothing are blank columns.
    let empty: HashSet<&str> = lists
        .iter()
        .filter(|l| l.items.is_empty())
        .map(|l| l.url.as_str())
        .collect();
    let mut homes: BTreeMap<String, (usize, &ListSeen)> = BTreeMap::new();
    for l in lists
        .iter()
        .filter(|l| !page_column.contains_key(l.url.as_str()))
    {
        let mut votes: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
        let mut linked = 0;
        for (link, _) in &l.items {
            if let Some((u, c)) = link.as_deref().and_then(|u| page_column.get(u)) {
                votes.entry(u.as_str()).or_default().insert(c.as_str());
                linked += 1;
            }
        }
        let Some((unit, cols)) = votes
            .into_iter()
            .max_by_key(|(u, c)| (c.len(), std::cmp::Reverse(*u)))
        else {
            continue;
        };
        let reached = l
            .items
            .iter()
            .filter(|(link, _)| {
                link.as_deref()
                    .and_then(|u| page_column.get(u))
                    .is_some_and(|(u, _)| u == unit)
            })
            .count();
        if cols.len() < 2 || (reached as f64) < MAJORITY * linked as f64 {
            continue;
        }
        let better = homes.get(unit).is_none_or(|(n, h)| {
            cols.len() > *n || (cols.len() == *n && l.url.len() < h.url.len())
        });
        if better {
            homes.insert(unit.to_string(), (cols.len(), l));
        }
    }
    let mut sites: BTreeMap<String, UnitSite> = BTreeMap::new();
    for (unit, (_, home)) in &homes {
        let site = sites.entry(unit.clone()).or_default();
        site.home = Some(home.url.clone());
        // The column pages the home links to are their columns' first pages.
        for (link, text) in &home.items {
            let Some(link) = link.as_deref() else {
                continue;
            };
            match page_column.get(link) {
                Some((u, c)) if u == unit => {
                    if let Some(col) = columns.get_mut(&(u.clone(), c.clone())) {
                        if !col.pages.iter().any(|p| p == link) {
                            col.pages.insert(0, link.to_string());
                        }
                    }
                }
                None if empty.contains(link) => {
                    let name = text.clone().unwrap_or_default().trim().to_string();
                    let l = lists.iter().find(|l| l.url == link);
                    let kind = l
                        .and_then(|l| overrides.get(&(l.source.clone(), l.list.clone())))
                        .copied()
                        .unwrap_or_else(|| rules.kind_of(&name));
                    columns
                        .entry((unit.clone(), name.clone()))
                        .or_insert_with(|| ColumnSite {
                            name,
                            kind,
                            pages: vec![link.to_string()],
                            docs: Vec::new(),
                        });
                }
                _ => {}
            }
        }
    }
    // The other pages of each column (page 2, …), in URL order after the first.
    let mut rest: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for (page, key) in &page_column {
        rest.entry(key.clone()).or_default().push(page);
    }
    for (key, mut pages) in rest {
        pages.sort_by_key(|p| (p.len(), *p));
        if let Some(col) = columns.get_mut(&key) {
            for p in pages {
                if !col.pages.iter().any(|x| x == p) {
                    col.pages.push(p.to_string());
                }
            }
        }
    }
    for ((unit, _), col) in columns {
        sites.entry(unit).or_default().columns.push(col);
    }
    sites
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::tests::{article, rules};

    fn list(url: &str, items: &[(&str, &str)]) -> ListSeen {
        ListSeen {
            url: url.into(),
            source: "s".into(),
            list: "栏目".into(),
            items: items
                .iter()
                .map(|(l, t)| (Some(l.to_string()), Some(t.to_string())))
                .collect(),
        }
    }

    #[test]
    fn homes_columns_and_blank_columns_from_the_links() {
        let docs = vec![
            article("t-a", "工作动态", "http://x/1.html", Some("2024-01-30")),
            article("t-a", "工作动态", "http://x/2.html", Some("2024-01-20")),
            article("t-a", "政策文件", "http://x/3.html", Some("2023-12-01")),
            article("t-b", "工作动态", "http://x/4.html", Some("2024-01-30")),
        ];
        let lists = vec![
            list(
                "http://x/a/gzdt/",
                &[("http://x/1.html", "一"), ("http://x/2.html", "二")],
            ),
            list("http://x/a/zcwj/", &[("http://x/3.html", "三")]),
            list("http://x/a/tzgg/", &[]),
            list("http://x/b/gzdt/", &[("http://x/4.html", "四")]),
            list(
                "http://x/a/",
                &[
                    ("http://x/", "首页"),
                    ("http://x/a/gzdt/", "工作动态"),
                    ("http://x/a/zcwj/", "政策文件"),
                    ("http://x/a/tzgg/", "通知公告"),
                ],
            ),
            // The portal's home links to both units: no unit's home.
            list(
                "http://x/",
                &[
                    ("http://x/a/", "甲"),
                    ("http://x/b/gzdt/", "乙动态"),
                    ("http://x/a/gzdt/", "甲动态"),
                ],
            ),
        ];
        let sites = build(&rules(), &docs, &lists, &HashMap::new(), &|u| {
            u.starts_with("t-")
        });
        let a = &sites["t-a"];
        assert_eq!(a.home.as_deref(), Some("http://x/a/"));
        let names: Vec<(&str, ColumnKind, bool)> = a
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind, c.is_blank()))
            .collect();
        assert_eq!(
            names,
            [
                ("工作动态", ColumnKind::News, false),
                ("政策文件", ColumnKind::Policy, false),
                ("通知公告", ColumnKind::Notice, true),
            ]
        );
        assert_eq!(a.columns[0].pages, ["http://x/a/gzdt/"]);
        // One column only: not enough to call a page its home.
        assert_eq!(sites["t-b"].home, None);
        let mut over = HashMap::new();
        over.insert(("s".to_string(), "栏目".to_string()), ColumnKind::Policy);
        let sites = build(&rules(), &docs, &lists, &over, &|u| u.starts_with("t-"));
        assert!(sites["t-a"]
            .columns
            .iter()
            .all(|c| c.kind == ColumnKind::Policy));
    }
}
