//! URL shapes: telling a column's address from an article's, and writing the regexes a
//! suggested definition matches them by, generalised from the sampled paths — digit runs as
//! `\d{n}` (or `\d+` where their lengths differ), directory names as a class, unless a literal
//! is needed to keep another kind of page out (a unit's hub `/xzxxgk/t-x/index.html` beside a
//! column `/zwgk/tzgg/index.html`).

use std::collections::{BTreeMap, BTreeSet};

use url::Url;

/// What a link's address says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A directory or its index page (`/zwgk/tzgg/`, `/col/col1234/index.html`).
    Index,
    /// A later page of an index (`index_3.html`).
    Pager,
    /// An article: a last segment with a long digit run (`806701.html`, `t20220826_794395.html`).
    Article,
    /// An attachment (`.pdf`, `.docx` …).
    Attachment,
    Other,
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

/// The kind of a link by its path alone.
pub fn kind(url: &Url) -> LinkKind {
    let path = url.path();
    let last = last_segment(path).to_ascii_lowercase();
    let ext = last
        .rsplit_once('.')
        .map(|(_, e)| e.to_string())
        .unwrap_or_default();
    if matches!(
        ext.as_str(),
        "pdf" | "doc" | "docx" | "xls" | "xlsx" | "wps" | "zip" | "rar" | "txt" | "ofd" | "et"
    ) {
        return LinkKind::Attachment;
    }
    let stem = last.split('.').next().unwrap_or("");
    if last.is_empty() || matches!(stem, "index" | "default" | "list") {
        return LinkKind::Index;
    }
    if let Some(n) = stem.strip_prefix("index_") {
        if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() {
            return LinkKind::Pager;
        }
    }
    let longest = stem
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest >= 4 && matches!(ext.as_str(), "html" | "htm" | "shtml" | "jhtml" | "") {
        return LinkKind::Article;
    }
    LinkKind::Other
}

/// The directories of an index URL's path (`/xzxxgk/t-a/zcwj/index.html` → 3 of them).
pub fn dirs(url: &Url) -> Vec<String> {
    let path = url.path();
    let dir = match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    };
    dir.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A path segment's shape: letters `a`, digit runs `9`, other characters kept, runs collapsed
/// (`t-huaiyuan` → `a-a`, `t20220826_794395.html` → `a9_9.a`).
pub fn seg_shape(seg: &str) -> String {
    let mut out = String::new();
    for c in seg.chars() {
        let k = if c.is_ascii_alphabetic() {
            'a'
        } else if c.is_ascii_digit() {
            '9'
        } else {
            c
        };
        if !(out.ends_with(k) && (k == 'a' || k == '9')) {
            out.push(k);
        }
    }
    out
}

/// The shape of an index URL, for sampling different kinds of pages: its directories' shapes.
pub fn index_shape(url: &Url) -> String {
    dirs(url)
        .iter()
        .map(|d| seg_shape(d))
        .collect::<Vec<_>>()
        .join("/")
}

fn class_for(values: &BTreeSet<&str>) -> String {
    let upper = values
        .iter()
        .any(|v| v.chars().any(|c| c.is_ascii_uppercase()));
    let under = values.iter().any(|v| v.contains('_'));
    let dot = values.iter().any(|v| v.contains('.'));
    let mut cls = String::from(if upper { "[A-Za-z0-9" } else { "[a-z0-9" });
    if under {
        cls.push('_');
    }
    if dot {
        cls.push('.');
    }
    cls.push_str("-]+");
    cls
}

fn alternation(values: &BTreeSet<&str>) -> String {
    let v: Vec<String> = values.iter().map(|s| regex::escape(s)).collect();
    if v.len() == 1 {
        v[0].clone()
    } else {
        format!("({})", v.join("|"))
    }
}

/// The regex of index pages whose directories are `samples` (each a list of directory names),
/// matching their later pages too and none of `exclude`. Samples are grouped by their number
/// of directories; within a group a directory is a class, or the alternation of the values seen
/// where the class would take in an excluded path.
pub fn index_pattern(samples: &[Vec<String>], exclude: &[Vec<String>]) -> Option<String> {
    let mut groups: BTreeMap<usize, Vec<&Vec<String>>> = BTreeMap::new();
    for s in samples {
        groups.entry(s.len()).or_default().push(s);
    }
    let mut alts = Vec::new();
    for (n, group) in groups {
        let values: Vec<BTreeSet<&str>> = (0..n)
            .map(|i| group.iter().map(|s| s[i].as_str()).collect())
            .collect();
        let mut literal = vec![false; n];
        let clashing: Vec<&Vec<String>> = exclude.iter().filter(|e| e.len() == n).collect();
        // Each excluded path must differ from the pattern at some literal position: take the
        // position that separates the most of them, until none is left.
        let mut left: Vec<&Vec<String>> = clashing;
        while !left.is_empty() {
            let best = (0..n)
                .filter(|&i| !literal[i])
                .map(|i| {
                    let cut = left
                        .iter()
                        .filter(|e| !values[i].contains(e[i].as_str()))
                        .count();
                    (cut, std::cmp::Reverse(i))
                })
                .max()
                .map(|(c, std::cmp::Reverse(i))| (c, i));
            match best {
                Some((cut, i)) if cut > 0 => {
                    literal[i] = true;
                    left.retain(|e| values[i].contains(e[i].as_str()));
                }
                // Some excluded page has the very directories of a sample: nothing separates
                // them by address.
                _ => break,
            }
        }
        let body: Vec<String> = (0..n)
            .map(|i| {
                if literal[i] {
                    alternation(&values[i])
                } else {
                    class_for(&values[i])
                }
            })
            .collect();
        let prefix = if n == 0 {
            String::new()
        } else {
            format!("{}/", body.join("/"))
        };
        alts.push(prefix);
    }
    if alts.is_empty() {
        return None;
    }
    let dirs = if alts.len() == 1 {
        alts.remove(0)
    } else {
        format!("({})", alts.join("|"))
    };
    Some(format!(r"^/{dirs}((index|default)(_\d+)?\.s?html?)?$"))
}

/// The regex of article pages from sampled article paths: grouped by the shape of their
/// segments; digit runs as `\d{n}` where every sample has the same length, else `\d+`;
/// directory names as a class.
pub fn article_pattern(paths: &[String]) -> Option<String> {
    let mut groups: BTreeMap<Vec<String>, Vec<Vec<&str>>> = BTreeMap::new();
    for p in paths {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        let shape: Vec<String> = segs.iter().map(|s| seg_shape(s)).collect();
        groups.entry(shape).or_default().push(segs);
    }
    let mut alts = Vec::new();
    for (shape, group) in groups {
        let mut parts = Vec::new();
        for (i, sh) in shape.iter().enumerate() {
            let values: BTreeSet<&str> = group.iter().map(|g| g[i]).collect();
            if !sh.contains('9') {
                parts.push(if values.len() == 1 && i + 1 == shape.len() {
                    regex::escape(values.iter().next().copied().unwrap_or(""))
                } else {
                    class_for(&values)
                });
                continue;
            }
            parts.push(digit_segment(&values));
        }
        alts.push(parts.join("/"));
    }
    match alts.len() {
        0 => None,
        1 => Some(format!("^/{}$", alts[0])),
        _ => Some(format!("^/({})$", alts.join("|"))),
    }
}

/// One segment with digit runs, from its sampled values (all of one shape).
fn digit_segment(values: &BTreeSet<&str>) -> String {
    let tokens: Vec<Vec<(bool, &str)>> = values.iter().map(|v| tokenize(v)).collect();
    let first = &tokens[0];
    let dated = values.iter().all(|v| {
        v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '_'))
    });
    let mut out = String::new();
    for (j, (digits, text)) in first.iter().enumerate() {
        if *digits {
            let lens: BTreeSet<usize> = tokens
                .iter()
                .filter_map(|t| t.get(j).map(|(_, s)| s.len()))
                .collect();
            // A date keeps its length (`2024`, `01-30`: a segment of digits and separators);
            // a number among letters (`art_1234_56789`, `t20220826_794395`) is an id and grows.
            if lens.len() == 1 && dated {
                out.push_str(&format!(r"\d{{{}}}", text.len()));
            } else {
                out.push_str(r"\d+");
            }
        } else {
            let same = tokens.iter().all(|t| t.get(j).map(|x| x.1) == Some(*text));
            if same {
                out.push_str(&regex::escape(text));
            } else {
                let vs: BTreeSet<&str> = tokens
                    .iter()
                    .filter_map(|t| t.get(j).map(|x| x.1))
                    .collect();
                out.push_str(&class_for(&vs));
            }
        }
    }
    out
}

fn tokenize(s: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    for i in 1..=bytes.len() {
        let boundary =
            i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit();
        if boundary {
            out.push((bytes[start].is_ascii_digit(), &s[start..i]));
            start = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn d(s: &str) -> Vec<String> {
        dirs(&u(&format!("http://h{s}")))
    }

    #[test]
    fn kinds_of_links() {
        assert_eq!(kind(&u("http://h/zwgk/tzgg/")), LinkKind::Index);
        assert_eq!(kind(&u("http://h/zwgk/tzgg/index.html")), LinkKind::Index);
        assert_eq!(kind(&u("http://h/zwgk/tzgg/index_3.html")), LinkKind::Pager);
        assert_eq!(
            kind(&u("http://h/2024/01-30/806701.html")),
            LinkKind::Article
        );
        assert_eq!(
            kind(&u("http://h/a/202208/t20220826_794395.html")),
            LinkKind::Article
        );
        assert_eq!(
            kind(&u("http://h/art/2024/5/10/art_1234_56789.html")),
            LinkKind::Article
        );
        assert_eq!(kind(&u("http://h/uploadfiles/a.pdf")), LinkKind::Attachment);
        assert_eq!(kind(&u("http://h/admin/login.html")), LinkKind::Other);
    }

    #[test]
    fn columns_apart_from_hubs_of_the_same_depth() {
        let cols = [
            d("/zwgk/tzgg/index.html"),
            d("/xzxxgk/t-a/zcwj/index.html"),
            d("/bmxxgk/d-b/qzqd/"),
        ];
        let hubs = [
            d("/xzxxgk/t-a/index.html"),
            d("/bmxxgk/d-b/index.html"),
            d("/xzxxgk/index.html"),
        ];
        let p = index_pattern(&cols, &hubs).unwrap_or_default();
        let re = Regex::new(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        for ok in [
            "/zwgk/tzgg/index.html",
            "/zwgk/zcjd/",
            "/xzxxgk/t-c/gknb/index_2.html",
            "/bmxxgk/d-x/zcwj/index.html",
        ] {
            assert!(re.is_match(ok), "{p} {ok}");
        }
        for no in [
            "/xzxxgk/t-a/index.html",
            "/bmxxgk/d-q/index.html",
            "/xzxxgk/index.html",
            "/2024/01-30/1.html",
        ] {
            assert!(!re.is_match(no), "{p} {no}");
        }
    }

    #[test]
    fn articles_by_digit_shape() {
        let p = article_pattern(&[
            "/2024/01-30/806701.html".into(),
            "/2023/12-06/94705.html".into(),
            "/zwgk/zdxzjc/202208/t20220826_794395.html".into(),
        ])
        .unwrap_or_default();
        let re = Regex::new(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(re.is_match("/2022/03-01/1.html"), "{p}");
        assert!(re.is_match("/xwzx/gzdt/202301/t20230105_12.html"), "{p}");
        assert!(!re.is_match("/zwgk/tzgg/index.html"), "{p}");
    }
}
