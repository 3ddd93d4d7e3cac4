//! How deep a page's elements nest and how many there are, estimated from its tags before it
//! is parsed, and where a page goes past a limit on either. The HTML parser checks the stack of
//! open elements for most start tags, so parsing takes time in proportion to depth × elements:
//! a page of 100,000 nested `<div>` took minutes, and the tree walks over it overflowed the
//! stack. And the parsed tree takes some 150 bytes per node: a page of 200,000 links took over
//! 100 MB. A page is therefore parsed only up to the first element that nests deeper than
//! `crawl.max_nesting` or comes after `crawl.max_elements` others.
//!
//! The estimate follows the parser where pages commonly rely on it: void elements and end tags;
//! `<p>`, `<li>`, `<dt>`/`<dd>`, `<tr>`, `<td>`/`<th>`, `<option>` closing an open element of
//! their kind; `html`, `head` and `body` not nesting; comments, doctypes and the text of
//! `<script>`, `<style>`, `<textarea>` and `<title>` skipped. What it leaves out (tables' implied
//! `<tbody>`, misnested formatting elements) counts a few levels too few, never a runaway. One
//! pass over the bytes, with a stack of tag names that is itself bounded by the limit.

use std::collections::HashMap;

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// Elements an open element of the same group ends when they start (`<li>a<li>b`), and the
/// elements the search for it does not look beyond (the parser's scopes, roughly).
const SIBLING_GROUPS: &[(&[&str], &[&str])] = &[
    (
        &["p"],
        &[
            "button", "table", "td", "th", "caption", "object", "applet", "marquee", "template",
        ],
    ),
    (&["li"], &["ul", "ol", "table", "td", "th"]),
    (&["dt", "dd"], &["dl", "table", "td", "th"]),
    (&["tr"], &["table"]),
    (&["td", "th"], &["tr", "table"]),
    (&["option", "optgroup"], &["select"]),
    (&["thead", "tbody", "tfoot"], &["table"]),
];

/// How far down the stack a sibling search looks.
const SIBLING_SEARCH: usize = 16;

/// Why a page's parse stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// An element would nest deeper than the limit.
    Depth,
    /// More elements than the limit.
    Elements,
}

/// Where a page's parse has to stop: the byte offset of the start tag (a `<`, so a char
/// boundary) that would open an element nested deeper than `max_depth` or past the first
/// `max_elements`, and which limit it is; `None` when the page stays within both.
pub fn cut_at(text: &str, max_depth: u32, max_elements: u32) -> Option<(usize, Limit)> {
    let b = text.as_bytes();
    let max = max_depth as usize;
    let mut elements: u32 = 0;
    let mut stack: Vec<String> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while let Some(lt) = memchr(b'<', b, i) {
        let at = lt;
        i = lt + 1;
        match b.get(i) {
            Some(b'!') => {
                i = if b[i..].starts_with(b"!--") {
                    find(b, i + 3, b"-->").map_or(b.len(), |e| e + 3)
                } else {
                    memchr(b'>', b, i).map_or(b.len(), |e| e + 1)
                };
            }
            Some(b'?') => i = memchr(b'>', b, i).map_or(b.len(), |e| e + 1),
            Some(b'/') => {
                let (name, end) = tag_name(b, i + 1);
                i = tag_end(b, end).0;
                if name.is_empty() {
                    continue;
                }
                if open.get(&name).is_some_and(|n| *n > 0) {
                    // Pops to the nearest element of that name (the ones above it were left
                    // open and end with it).
                    while let Some(top) = stack.pop() {
                        if let Some(c) = open.get_mut(&top) {
                            *c -= 1;
                        }
                        if top == name {
                            break;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, end) = tag_name(b, i);
                let (after, self_closing) = tag_end(b, end);
                i = after;
                if elements >= max_elements {
                    return Some((at, Limit::Elements));
                }
                elements += 1;
                if VOID.contains(&name.as_str())
                    || matches!(name.as_str(), "html" | "head" | "body")
                {
                    continue;
                }
                if RAW_TEXT.contains(&name.as_str()) {
                    // Its content is text: up to `</name`, whatever it holds.
                    let close = format!("</{name}");
                    i = find_ci(b, i, close.as_bytes()).unwrap_or(b.len());
                    continue;
                }
                if name == "plaintext" {
                    return None;
                }
                if self_closing && in_foreign(&open) {
                    continue;
                }
                close_sibling(&name, &mut stack, &mut open);
                if stack.len() >= max {
                    return Some((at, Limit::Depth));
                }
                *open.entry(name.clone()).or_default() += 1;
                stack.push(name);
            }
            _ => {}
        }
    }
    None
}

/// Where a page's elements first nest deeper than `max` ([`cut_at`] without an element limit).
pub fn too_deep_at(text: &str, max: u32) -> Option<usize> {
    cut_at(text, max, u32::MAX).map(|(at, _)| at)
}

/// Inside `<svg>` or `<math>`, `<x/>` is an empty element; in HTML the slash is ignored.
fn in_foreign(open: &HashMap<String, usize>) -> bool {
    ["svg", "math"]
        .iter()
        .any(|n| open.get(*n).is_some_and(|c| *c > 0))
}

/// A start tag of a sibling group ends the open element of its group nearest the top, if no
/// scope boundary lies between.
fn close_sibling(name: &str, stack: &mut Vec<String>, open: &mut HashMap<String, usize>) {
    let Some((group, bounds)) = SIBLING_GROUPS.iter().find(|(g, _)| g.contains(&name)) else {
        return;
    };
    let found = stack
        .iter()
        .rev()
        .take(SIBLING_SEARCH)
        .take_while(|t| group.contains(&t.as_str()) || !bounds.contains(&t.as_str()))
        .position(|t| group.contains(&t.as_str()));
    if let Some(from_top) = found {
        for _ in 0..=from_top {
            if let Some(top) = stack.pop() {
                if let Some(c) = open.get_mut(&top) {
                    *c -= 1;
                }
            }
        }
    }
}

/// The lower-case tag name starting at `i`, and where it ends.
fn tag_name(b: &[u8], i: usize) -> (String, usize) {
    let mut j = i;
    while j < b.len() && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
        j += 1;
    }
    let name = String::from_utf8_lossy(&b[i..j]).to_ascii_lowercase();
    (name, j)
}

/// From after a tag name to after its `>` (attribute values may hold `>` in quotes); whether
/// it ends in `/>`.
fn tag_end(b: &[u8], mut i: usize) -> (usize, bool) {
    let mut last = 0u8;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') if last == b'=' || last.is_ascii_whitespace() => {
                i = memchr(q, b, i + 1).map_or(b.len(), |e| e + 1);
                last = q;
                continue;
            }
            b'>' => return (i + 1, last == b'/'),
            c if c.is_ascii_whitespace() => {
                // `a = "x"`: the quote still opens a value after the spaces.
                if last != b'=' {
                    last = c;
                }
            }
            c => last = c,
        }
        i += 1;
    }
    (b.len(), false)
}

fn memchr(needle: u8, b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|c| *c == needle)
        .map(|p| p + from)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_ci(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The depth the estimate reaches on `html` (the smallest limit it stays within).
    fn depth(html: &str) -> u32 {
        (1..200)
            .find(|max| too_deep_at(html, *max).is_none())
            .unwrap_or(200)
    }

    #[test]
    fn nested_elements_count_and_siblings_do_not() {
        assert_eq!(depth("<div><div><div>x</div></div></div>"), 3);
        assert_eq!(depth("<div></div><div></div><div></div>"), 1);
        let deep = format!("{}x{}", "<div>".repeat(100), "</div>".repeat(100));
        assert_eq!(depth(&deep), 100);
        let at = too_deep_at(&deep, 50);
        assert_eq!(at, Some(50 * "<div>".len()));
    }

    #[test]
    fn what_the_parser_closes_or_never_opens_does_not_count() {
        let page = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>a <b> c</title>
            <script>if (a<b) { document.write("<div><div><div>"); }</script><style>p>a{}</style></head>
            <body><!-- <div><div> --><ul><li>一<li>二<li><a href="x">三</a><li>四</ul>
            <p>段<p>段<br><img src="a.png"><p><span>未闭合<p>再一段
            <table><tr><td>1<td>2<tr><td>3</table><select><option>a<option>b</select>
            <input value="a>b" type=text/><svg><path d="M0"/><path/></svg></body></html>"#;
        assert!(depth(page) <= 4, "{}", depth(page));
        // Unclosed list items, as sloppy templates write them, stay siblings.
        let items = format!(
            "<ul>{}</ul>",
            "<li><a href=x>条目</a><span>日期".repeat(500)
        );
        assert!(depth(&items) <= 4, "{}", depth(&items));
    }

    #[test]
    fn end_tags_close_what_was_left_open_inside() {
        // The spans are left open; `</div>` ends them with the div.
        let html = "<div><span><b>x</div>".repeat(300);
        assert!(depth(&html) <= 3);
        // A stray end tag changes nothing.
        assert_eq!(depth("</div></p><div>x</div>"), 1);
    }

    #[test]
    fn self_closing_html_elements_still_nest() {
        // As the parser reads it: `<div/>` opens a div.
        assert_eq!(depth(&"<div/>".repeat(40)), 40);
    }

    #[test]
    fn the_element_limit_counts_every_start_tag() {
        let page = "<ul><li><a href=x>1</a></li><li><br><a href=y>2</a></li></ul>";
        assert_eq!(cut_at(page, 512, 100), None);
        // ul, li, a, li, br: the sixth start tag (the second `a`) is cut.
        assert_eq!(
            cut_at(page, 512, 5),
            page.find("<a href=y").map(|a| (a, Limit::Elements))
        );
        assert_eq!(cut_at("<div><div>", 1, 100), Some((5, Limit::Depth)));
    }

    #[test]
    fn cut_short_and_odd_input_ends_cleanly() {
        for s in [
            "<",
            "<div",
            "<div a='",
            "<!--",
            "<script>",
            "<a href=\"x>",
            "</",
            "<\u{4e2d}>",
        ] {
            assert_eq!(too_deep_at(s, 32), None, "{s}");
        }
        let s = "<div>".repeat(40) + "<\u{4e2d}文";
        assert_eq!(too_deep_at(&s, 32), Some(32 * 5));
    }
}
