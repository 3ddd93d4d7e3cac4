//! URL normalisation before dedupe: the same page reached by `HTTP://WWW.X.cn:80/a/./b#top`,
//! `http://www.x.cn/a/b?utm_source=wx` or `…/b;jsessionid=ABC` is one frontier entry.
//!
//! Done on a parsed [`Url`] (which already lower-cases the host, resolves dot segments and
//! drops default ports): fragments go, `;jsessionid=…` path parameters go, configured tracking
//! parameters go, the remaining query keeps its order, percent-encoding is made uniform
//! (upper-case hex, unreserved characters decoded).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::{Position, Url};

/// Most links [`Normalizer::join_text`] remembers; it forgets them all when full.
const MEMO_LINKS: usize = 8192;

/// Normalises a URL in place of dedupe keys and requests.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    strip: Vec<String>,
    /// [`Normalizer::join_text`]'s answers by origin, then link; shared by clones.
    memo: Arc<Mutex<LinkMemo>>,
}

#[derive(Debug, Default)]
struct LinkMemo {
    by_origin: HashMap<String, HashMap<String, Option<Arc<str>>>>,
    len: usize,
}

impl Normalizer {
    pub fn new(strip_params: &[String]) -> Normalizer {
        Normalizer {
            strip: strip_params
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            memo: Arc::default(),
        }
    }

    /// [`Normalizer::join`] as text, remembered for links that do not depend on the base's
    /// path (`http://…`, `/…`): a site's every page repeats its navigation, header and footer
    /// links, and a detail page's links are all read to find its attachments — resolving each
    /// anew was about 6 % of the crawl's CPU.
    pub fn join_text(&self, base: &Url, href: &str) -> Option<Arc<str>> {
        let href = href.trim();
        let starts = |p: &str| {
            href.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        };
        let absolute = starts("http://") || starts("https://");
        let rooted = href.starts_with('/') && !href.starts_with("//");
        if !absolute && !rooted {
            return self.join(base, href).map(|u| Arc::from(u.as_str()));
        }
        // A rooted link takes the base's scheme, host and port, and nothing else of it.
        let origin = if absolute {
            ""
        } else {
            &base[..Position::BeforePath]
        };
        let memo = || self.memo.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = memo().by_origin.get(origin).and_then(|m| m.get(href)) {
            return known.clone();
        }
        // Resolved outside the lock: two workers may both resolve a new link, to the same text.
        let joined = self.join(base, href).map(|u| Arc::from(u.as_str()));
        let mut memo = memo();
        if memo.len >= MEMO_LINKS {
            memo.by_origin.clear();
            memo.len = 0;
        }
        let fresh = memo
            .by_origin
            .entry(origin.to_string())
            .or_default()
            .insert(href.to_string(), joined.clone())
            .is_none();
        memo.len += usize::from(fresh);
        joined
    }

    /// Resolves `href` against `base` and normalises it; `None` for non-http(s) links
    /// (`javascript:`, `mailto:`) and unparsable ones.
    pub fn join(&self, base: &Url, href: &str) -> Option<Url> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return None;
        }
        let u = base.join(href).ok()?;
        self.normalize(u)
    }

    pub fn parse(&self, text: &str) -> Option<Url> {
        self.normalize(Url::parse(text.trim()).ok()?)
    }

    pub fn normalize(&self, mut u: Url) -> Option<Url> {
        if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
            return None;
        }
        // Each setter re-serialises the URL: only what needs changing is set (most links on a
        // page need nothing).
        if u.fragment().is_some() {
            u.set_fragment(None);
        }
        if !u.username().is_empty() || u.password().is_some() {
            let _ = u.set_username("");
            let _ = u.set_password(None);
        }
        let path = u.path();
        if path.is_empty() || path.contains(';') || path.contains('%') {
            let path = path.to_string();
            let mut new_path = strip_session(&path);
            new_path = normalize_percent(&new_path);
            if new_path.is_empty() {
                new_path.push('/');
            }
            if new_path != path {
                u.set_path(&new_path);
            }
        }
        if let Some(q) = u.query() {
            let kept: Vec<String> = q
                .split('&')
                .filter(|kv| !kv.is_empty())
                .filter(|kv| {
                    let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
                    !self.strip.contains(&k) && k != "jsessionid"
                })
                .map(normalize_percent)
                .collect();
            let joined = kept.join("&");
            if kept.is_empty() {
                u.set_query(None);
            } else if joined != q {
                u.set_query(Some(&joined));
            }
        }
        Some(u)
    }
}

/// Removes `;jsessionid=…` (any case) from each path segment.
fn strip_session(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg.to_ascii_lowercase().find(";jsessionid=") {
            Some(i) => &seg[..i],
            None => seg,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Upper-cases percent-escapes and decodes escaped unreserved characters (RFC 3986 §6.2.2).
fn normalize_percent(s: &str) -> String {
    // URLs from the parser are ASCII; anything else is left alone rather than sliced mid-char.
    if !s.is_ascii() {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = &s[i + 1..i + 3];
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~') {
                    out.push(v as char);
                } else {
                    out.push('%');
                    out.push_str(&hex.to_ascii_uppercase());
                }
                i += 3;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        Normalizer::new(&["utm_source".into(), "spm".into()])
            .parse(s)
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn drops_fragments_default_ports_and_lowercases_host() {
        assert_eq!(
            n("HTTP://WWW.Tongbai.GOV.cn:80/a/./b/../c.html#top"),
            "http://www.tongbai.gov.cn/a/c.html"
        );
        assert_eq!(n("https://x.cn:443"), "https://x.cn/");
        assert_eq!(n("http://x.cn:8080/a"), "http://x.cn:8080/a");
    }

    #[test]
    fn strips_tracking_params_and_sessions() {
        assert_eq!(
            n("http://x.cn/a.html?utm_source=wx&id=3&SPM=1"),
            "http://x.cn/a.html?id=3"
        );
        assert_eq!(n("http://x.cn/a.html?utm_source=wx"), "http://x.cn/a.html");
        assert_eq!(
            n("http://x.cn/list.jsp;jsessionid=ABC123?page=2"),
            "http://x.cn/list.jsp?page=2"
        );
        assert_eq!(n("http://x.cn/a?jsessionid=1&b=2"), "http://x.cn/a?b=2");
    }

    #[test]
    fn percent_encoding_is_uniform() {
        assert_eq!(
            n("http://x.cn/%7euser/%2fa%3f"),
            "http://x.cn/~user/%2Fa%3F"
        );
        assert_eq!(n("http://x.cn/a?q=%e4%b8%ad"), "http://x.cn/a?q=%E4%B8%AD");
        // A raw non-ASCII path is percent-encoded by the URL parser, then upper-case hex.
        assert_eq!(n("http://x.cn/中"), "http://x.cn/%E4%B8%AD");
    }

    #[test]
    fn remembered_links_resolve_as_joined_ones() {
        let nz = Normalizer::new(&["utm_source".into()]);
        let bases = [
            "http://www.tongbai.sim/2023/01-05/1.html",
            "http://www.tongbai.sim/xzxxgk/t-a/index.html?x=1",
            "https://www.tongbai.sim:8443/a/b/c.html",
            "http://www.nanyang.sim/zwgk/",
        ];
        let hrefs = [
            "/zwgk/a.pdf",
            " /zwgk/a.pdf#p2 ",
            "/a/./b/../c.doc?utm_source=x",
            "HTTP://WWW.X.cn:80/f.xls#top",
            "https://x.cn/%7eu/f.pdf",
            "./f.pdf",
            "../up.doc",
            "f.zip",
            "?page=2",
            "//cdn.x.cn/f.pdf",
            "javascript:void(0)",
            "mailto:a@b.cn",
            "#",
            "",
        ];
        // Twice over: the second pass answers from memory.
        for _ in 0..2 {
            for b in bases {
                let base = Url::parse(b).unwrap();
                for h in hrefs {
                    let want = nz.join(&base, h).map(|u| u.to_string());
                    let got = nz.join_text(&base, h).map(|s| s.to_string());
                    assert_eq!(got, want, "{b} + {h:?}");
                }
            }
        }
        // Rooted links of different origins are told apart.
        let a = Url::parse("http://a.cn/x/y.html").unwrap();
        let b = Url::parse("http://b.cn/x/y.html").unwrap();
        assert_eq!(
            nz.join_text(&a, "/f.pdf").as_deref(),
            Some("http://a.cn/f.pdf")
        );
        assert_eq!(
            nz.join_text(&b, "/f.pdf").as_deref(),
            Some("http://b.cn/f.pdf")
        );
    }

    #[test]
    fn the_memory_forgets_when_full() {
        let nz = Normalizer::new(&[]);
        let base = Url::parse("http://a.cn/").unwrap();
        for i in 0..MEMO_LINKS + 10 {
            let href = format!("/p/{i}.html");
            assert_eq!(
                nz.join_text(&base, &href).as_deref(),
                Some(format!("http://a.cn{href}").as_str())
            );
        }
        let memo = nz.memo.lock().unwrap();
        assert!(memo.len <= MEMO_LINKS && memo.len > 0, "{}", memo.len);
    }

    #[test]
    fn joins_relative_links_and_rejects_others() {
        let nz = Normalizer::new(&[]);
        let base = Url::parse("http://www.nanyang.sim/zwgk/tzgg/index.html").unwrap();
        assert_eq!(
            nz.join(&base, "./202301/t20230105_1.html")
                .unwrap()
                .as_str(),
            "http://www.nanyang.sim/zwgk/tzgg/202301/t20230105_1.html"
        );
        assert_eq!(
            nz.join(&base, "../../").unwrap().as_str(),
            "http://www.nanyang.sim/"
        );
        assert!(nz.join(&base, "javascript:void(0)").is_none());
        assert!(nz.join(&base, "mailto:a@b.cn").is_none());
        assert!(nz.join(&base, "#").is_none());
    }
}
