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
//! pass over the bytes (memchr to each `<`), no allocation per tag, a stack of names bounded by
//! the limit: on a 22 KB page it took 50 µs against the parser's 990 µs (release build, the
//! loaded 2-core machine).

/// Elements that never have content.
fn is_void(n: &[u8]) -> bool {
    matches!(
        n,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"frame"
            | b"hr"
            | b"img"
            | b"input"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Elements whose content is text up to their end tag.
fn is_raw_text(n: &[u8]) -> bool {
    matches!(
        n,
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
    )
}

/// A fixed list of tag names.
type Names = &'static [&'static [u8]];

/// The group of elements an open element of which a start tag ends (`<li>a<li>b`), and the
/// elements the search for it does not look beyond (the parser's scopes, roughly).
fn sibling_group(n: &[u8]) -> Option<(Names, Names)> {
    const CELLS: &[&[u8]] = &[b"table", b"td", b"th"];
    Some(match n {
        b"p" => (
            &[b"p"],
            &[
                b"button",
                b"table",
                b"td",
                b"th",
                b"caption",
                b"object",
                b"applet",
                b"marquee",
                b"template",
            ],
        ),
        b"li" => (&[b"li"], &[b"ul", b"ol", b"table", b"td", b"th"]),
        b"dt" | b"dd" => (&[b"dt", b"dd"], &[b"dl", b"table", b"td", b"th"]),
        b"tr" => (&[b"tr"], &[b"table"]),
        b"td" | b"th" => (&[b"td", b"th"], &[b"tr", b"table"]),
        b"option" | b"optgroup" => (&[b"option", b"optgroup"], &[b"select"]),
        b"thead" | b"tbody" | b"tfoot" => (&[b"thead", b"tbody", b"tfoot"], CELLS),
        _ => return None,
    })
}

/// How far down the stack a sibling search looks.
const SIBLING_SEARCH: usize = 16;

/// Longest tag name kept whole: every name the estimate treats specially is shorter, so a
/// longer (custom) name is kept cut to this, which can only merge two such names.
const NAME: usize = 16;

/// A tag name, lower-cased, at most [`NAME`] bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Name {
    bytes: [u8; NAME],
    len: u8,
}

impl Name {
    fn of(raw: &[u8]) -> Name {
        let mut bytes = [0u8; NAME];
        let len = raw.len().min(NAME);
        for (d, s) in bytes.iter_mut().zip(raw) {
            *d = s.to_ascii_lowercase();
        }
        Name {
            bytes,
            len: len as u8,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Bucket of the open-name counts.
    fn bucket(&self) -> usize {
        self.as_bytes().iter().fold(self.len as usize, |h, b| {
            h.wrapping_mul(31).wrapping_add(*b as usize)
        }) % BUCKETS
    }
}

const BUCKETS: usize = 128;

/// The open elements: a stack of names, and how many open names fall in each bucket, so an
/// end tag of an element that is not open costs no search of the stack.
struct Open {
    stack: Vec<Name>,
    counts: [u32; BUCKETS],
    foreign: u32,
}

impl Open {
    fn push(&mut self, n: Name) {
        self.counts[n.bucket()] += 1;
        self.foreign += u32::from(matches!(n.as_bytes(), b"svg" | b"math"));
        self.stack.push(n);
    }

    fn pop(&mut self) -> Option<Name> {
        let n = self.stack.pop()?;
        let c = &mut self.counts[n.bucket()];
        *c = c.saturating_sub(1);
        if matches!(n.as_bytes(), b"svg" | b"math") {
            self.foreign = self.foreign.saturating_sub(1);
        }
        Some(n)
    }

    /// Pops to the nearest open element named `n` (the ones above it were left open and end
    /// with it); a name that is not open changes nothing.
    fn close(&mut self, n: Name) {
        if self.counts[n.bucket()] == 0 || !self.stack.iter().rev().any(|t| *t == n) {
            return;
        }
        while let Some(top) = self.pop() {
            if top == n {
                break;
            }
        }
    }

    /// A start tag of a sibling group ends the open element of its group nearest the top, if
    /// no scope boundary lies between.
    fn close_sibling(&mut self, n: Name) {
        let Some((group, bounds)) = sibling_group(n.as_bytes()) else {
            return;
        };
        let found = self
            .stack
            .iter()
            .rev()
            .take(SIBLING_SEARCH)
            .take_while(|t| group.contains(&t.as_bytes()) || !bounds.contains(&t.as_bytes()))
            .position(|t| group.contains(&t.as_bytes()));
        if let Some(from_top) = found {
            for _ in 0..=from_top {
                self.pop();
            }
        }
    }
}

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
    let mut open = Open {
        stack: Vec::new(),
        counts: [0; BUCKETS],
        foreign: 0,
    };
    let mut i = 0;
    while let Some(at) = find_char(text, i, '<') {
        i = at + 1;
        match b.get(i) {
            Some(b'!') => {
                i = if b[i..].starts_with(b"!--") {
                    find_str(text, i + 3, "-->").map_or(b.len(), |e| e + 3)
                } else {
                    find_char(text, i, '>').map_or(b.len(), |e| e + 1)
                };
            }
            Some(b'?') => i = find_char(text, i, '>').map_or(b.len(), |e| e + 1),
            Some(b'/') => {
                let (raw, end) = tag_name(b, i + 1);
                i = tag_end(text, end).0;
                if !raw.is_empty() {
                    open.close(Name::of(raw));
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (raw, end) = tag_name(b, i);
                let (after, self_closing) = tag_end(text, end);
                i = after;
                if elements >= max_elements {
                    return Some((at, Limit::Elements));
                }
                elements += 1;
                let name = Name::of(raw);
                let n = name.as_bytes();
                if is_void(n) || matches!(n, b"html" | b"head" | b"body") {
                    continue;
                }
                if is_raw_text(n) {
                    // Its content is text: up to `</name`, whatever it holds.
                    i = raw_text_end(text, i, n);
                    continue;
                }
                if n == b"plaintext" {
                    return None;
                }
                if self_closing && open.foreign > 0 {
                    // Inside `<svg>` or `<math>`, `<x/>` is an empty element.
                    continue;
                }
                open.close_sibling(name);
                if open.stack.len() >= max {
                    return Some((at, Limit::Depth));
                }
                open.push(name);
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

/// The tag name starting at `i` (up to whitespace, `/` or `>`), and where it ends.
fn tag_name(b: &[u8], i: usize) -> (&[u8], usize) {
    let rest = b.get(i..).unwrap_or_default();
    let len = rest
        .iter()
        .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'))
        .unwrap_or(rest.len());
    (&rest[..len], i + len)
}

/// From after a tag name to after the next `>`; whether it ends in `/>`. A `>` inside a
/// quoted attribute value ends the tag early: the estimate counts the tag all the same, and
/// the rest of the value reads as text — rare, and cheaper than following quotes byte by byte
/// (a third of the scan's time).
fn tag_end(text: &str, i: usize) -> (usize, bool) {
    match find_char(text, i, '>') {
        Some(gt) => (gt + 1, gt > i && text.as_bytes()[gt - 1] == b'/'),
        None => (text.len(), false),
    }
}

/// Where the text of a raw-text element `name` ends: at its `</name` (any case), or the end.
fn raw_text_end(text: &str, mut i: usize, name: &[u8]) -> usize {
    let b = text.as_bytes();
    while let Some(at) = find_str(text, i, "</") {
        let after = at + 2;
        if b.get(after..after + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        {
            return at;
        }
        i = after;
    }
    b.len()
}

/// The next `c` at or after byte `from` (memchr, through `str::find`). Every offset the scan
/// resumes at follows an ASCII byte, so it is a char boundary; one that were not would end
/// the scan, not panic.
fn find_char(text: &str, from: usize, c: char) -> Option<usize> {
    text.get(from..)?.find(c).map(|p| p + from)
}

/// The next `s` at or after `from`: its first char by memchr, then the rest compared (a
/// substring searcher's setup cost more than the search on these short needles).
fn find_str(text: &str, mut from: usize, s: &str) -> Option<usize> {
    let first = s.chars().next()?;
    loop {
        let at = find_char(text, from, first)?;
        if text.as_bytes()[at..].starts_with(s.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
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
