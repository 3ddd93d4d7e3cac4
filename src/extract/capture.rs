//! A list's captures: named values read from its entry page's source for the pagination's
//! request templates and counts — `re:` (group 1 of a regex over the page) or `js:` (a path
//! into a JavaScript object literal or assignment in the page's scripts, such as Hanweb's
//! `$('#1234').jpage({ perPage:15, totalRecord:137, ajaxParam:{ columnid:1234, unitid:'5678' } })`).
//!
//! The JavaScript is not run, nor parsed whole: from the first place the path's first name is
//! a key (`name:`) or assigned (`name =`), values are skipped by their brackets and quotes
//! until the path's next name, so a page's other code (functions, regexes outside the object)
//! is never read.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::config::source::{Capture, List};

/// Every capture of `list` that the page answers, by name.
pub fn captures(list: &List, text: &str) -> BTreeMap<String, String> {
    if list.captures.is_empty() {
        return BTreeMap::new();
    }
    let scripts = scripts(text);
    list.captures
        .iter()
        .filter_map(|(k, c)| capture(c, text, &scripts).map(|v| (k.clone(), v)))
        .collect()
}

/// One capture on the page `text` whose scripts are `scripts`.
pub fn capture(c: &Capture, text: &str, scripts: &[&str]) -> Option<String> {
    match c {
        Capture::Regex(re) => re
            .captures(text)
            .and_then(|m| m.get(1).or_else(|| m.get(0)))
            .map(|m| m.as_str().trim().to_string())
            .filter(|s| !s.is_empty()),
        Capture::Js(path) => scripts.iter().find_map(|s| js_path(s, path)),
    }
}

/// The code of the page's `<script>` elements in order; the whole text when it has none (a
/// script served on its own).
pub fn scripts(text: &str) -> Vec<&str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?is)<script\b[^>]*>(.*?)</script\s*>").unwrap_or_else(|_| unreachable!())
    });
    let found: Vec<&str> = re
        .captures_iter(text)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    if found.is_empty() {
        vec![text]
    } else {
        found
    }
}

/// The value at `path` (`ajaxParam.columnid`) in `code`: the first occurrence of `path[0]` as a
/// key or an assignment whose value holds the rest of the path.
pub fn js_path(code: &str, path: &[String]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    let b = code.as_bytes();
    let mut from = 0;
    while let Some(i) = code[from..].find(first.as_str()) {
        let at = from + i;
        from = at + first.len();
        let before = at.checked_sub(1).map(|j| b[j]);
        // A whole name (`window.total =` too), or a quoted key.
        let quoted = matches!(before, Some(b'"' | b'\''));
        if before.is_some_and(is_ident) && !quoted {
            continue;
        }
        let mut j = from;
        if quoted {
            if b.get(j) != before.as_ref() {
                continue;
            }
            j += 1;
        } else if b.get(j).copied().is_some_and(is_ident) {
            continue;
        }
        j = skip_space(b, j);
        match b.get(j) {
            Some(b':') => {}
            Some(b'=') if b.get(j + 1) != Some(&b'=') => {}
            _ => continue,
        }
        let v = skip_space(b, j + 1);
        if let Some(found) = follow(code, v, rest) {
            return Some(found);
        }
    }
    None
}

/// From a value starting at `v`, the leaf at `rest` (the value itself when `rest` is empty).
fn follow(code: &str, mut v: usize, rest: &[String]) -> Option<String> {
    let b = code.as_bytes();
    for key in rest {
        if b.get(v) != Some(&b'{') {
            return None;
        }
        v = object_get(b, v, key)?;
    }
    leaf(code, v)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// Past whitespace and comments.
fn skip_space(b: &[u8], mut i: usize) -> usize {
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match (b.get(i), b.get(i + 1)) {
            (Some(b'/'), Some(b'/')) => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            (Some(b'/'), Some(b'*')) => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(b.len());
            }
            _ => return i,
        }
    }
}

/// Past a string literal opening at `i`.
fn string_end(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() && b[j] != q {
        if b[j] == b'\\' {
            j += 1;
        }
        if b[j.min(b.len() - 1)] == b'\n' {
            break;
        }
        j += 1;
    }
    (j + 1).min(b.len())
}

/// Where the value starting at `i` ends: at a `,` `;` or closing bracket of its own level, or
/// a line break outside brackets.
fn value_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => {
                i = string_end(b, i);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            b',' | b';' if depth == 0 => return i,
            b'\n' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The start of `key`'s value in the object literal opening at `open`.
fn object_get(b: &[u8], open: usize, key: &str) -> Option<usize> {
    let mut i = open + 1;
    loop {
        i = skip_space(b, i);
        match b.get(i)? {
            b'}' => return None,
            b',' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let (name, after) = match b[i] {
            q @ (b'"' | b'\'') => {
                let end = string_end(b, i);
                let close = if b.get(end - 1) == Some(&q) {
                    end - 1
                } else {
                    end
                };
                (&b[i + 1..close.max(i + 1)], end)
            }
            _ => {
                let mut j = i;
                while b.get(j).copied().is_some_and(is_ident) {
                    j += 1;
                }
                (&b[i..j], j)
            }
        };
        let colon = skip_space(b, after);
        if name.is_empty() || b.get(colon) != Some(&b':') {
            // Not a `key: value` entry (a method, a spread): skipped whole.
            let end = value_end(b, i.max(after));
            if end == i {
                return None;
            }
            i = end;
            continue;
        }
        let v = skip_space(b, colon + 1);
        if name == key.as_bytes() {
            return Some(v);
        }
        i = value_end(b, v);
    }
}

/// A scalar value starting at `v`: a string's contents, or a number's or name's text.
fn leaf(code: &str, v: usize) -> Option<String> {
    let b = code.as_bytes();
    let s = match b.get(v)? {
        b'"' | b'\'' | b'`' => {
            let end = string_end(b, v);
            code.get(v + 1..end.saturating_sub(1).max(v + 1))?
                .replace("\\'", "'")
                .replace("\\\"", "\"")
        }
        b'{' | b'[' => return None,
        _ => code.get(v..value_end(b, v))?.trim().to_string(),
    };
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HANWEB: &str = r#"<html><head><script src="/module/jslib/jquery/jquery.js"></script></head>
<body><div id="1234"></div>
<script type="text/javascript">
  // the column's pager
  $('#1234').jpage({
      dataStore: dataStore1234,
      perPage: 15, groupSize : 3, totalRecord:137,
      barPosition: 'bottom',
      proxyUrl: "/module/web/jpage/dataproxy.jsp",
      fnCallback: function(x, y) { return {a:1}; },
      ajaxParam: { col:1, appid:1, webid:"21", path:'/', columnid:1234,
                   sourceContentType:1, unitid:'5678', webname:'桐柏县\'s 政府', permissiontype:0 }
  });
</script></body></html>"#;

    fn get(path: &str) -> Option<String> {
        let p: Vec<String> = path.split('.').map(str::to_string).collect();
        scripts(HANWEB).iter().find_map(|s| js_path(s, &p))
    }

    #[test]
    fn hanweb_jpage_values() {
        assert_eq!(get("perPage").as_deref(), Some("15"));
        assert_eq!(get("groupSize").as_deref(), Some("3"));
        assert_eq!(get("totalRecord").as_deref(), Some("137"));
        assert_eq!(
            get("proxyUrl").as_deref(),
            Some("/module/web/jpage/dataproxy.jsp")
        );
        assert_eq!(get("ajaxParam.columnid").as_deref(), Some("1234"));
        assert_eq!(get("ajaxParam.unitid").as_deref(), Some("5678"));
        assert_eq!(get("ajaxParam.webid").as_deref(), Some("21"));
        assert_eq!(get("ajaxParam.webname").as_deref(), Some("桐柏县's 政府"));
        assert_eq!(get("ajaxParam.permissiontype").as_deref(), Some("0"));
        assert_eq!(get("ajaxParam.missing"), None);
        assert_eq!(get("ajaxParam"), None, "an object is no value");
        assert_eq!(get("nothing"), None);
    }

    #[test]
    fn assignments_quoted_keys_and_lookalikes() {
        let code = r#"var myTotal = 5; window.pageTotal = 9; cfg = {"total": 12, 'name': "a,b"};"#;
        let p = |s: &str| vec![s.to_string()];
        assert_eq!(js_path(code, &p("myTotal")).as_deref(), Some("5"));
        // `Total` inside `myTotal` and `pageTotal` is no match of `Total`.
        assert_eq!(js_path(code, &p("Total")), None);
        assert_eq!(js_path(code, &p("pageTotal")).as_deref(), Some("9"));
        let q = ["cfg".to_string(), "total".to_string()];
        assert_eq!(js_path(code, &q).as_deref(), Some("12"));
        let q = ["cfg".to_string(), "name".to_string()];
        assert_eq!(js_path(code, &q).as_deref(), Some("a,b"));
        // `==` is no assignment.
        assert_eq!(js_path("if (n == 3) {}", &p("n")), None);
    }

    #[test]
    fn regex_captures_read_the_source() {
        let c = Capture::parse(r"re:unitid\s*:\s*'(\d+)'").unwrap();
        assert_eq!(
            capture(&c, HANWEB, &scripts(HANWEB)).as_deref(),
            Some("5678")
        );
        let c = Capture::parse("re:nowhere(\\d+)").unwrap();
        assert_eq!(capture(&c, HANWEB, &scripts(HANWEB)), None);
        assert!(Capture::parse("js:a..b").is_err());
        assert!(Capture::parse("css:a").is_err());
    }
}
