//! Turning raw body bytes into text: BOM, then the `Content-Type` charset, then a `<meta>`
//! charset (or an XML declaration's `encoding`, a raw XML list answer's) in the first KB, then
//! detection (chardetng with the `.cn` hint) — always from the raw
//! bytes, which the snapshot keeps unchanged.
//!
//! A declared charset is believed only if the bytes decode under it without error; government
//! sites often serve GBK pages as `charset=utf-8` or `iso-8859-1`, and a wrong declaration would
//! otherwise turn every title into mojibake. A single-byte Latin declaration on non-ASCII bytes
//! is treated as unreliable for the same reason. GBK and GB2312 are decoded as GB18030, their
//! superset.

use encoding_rs::{Encoding, GB18030, GBK, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Where the charset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharsetSource {
    Bom,
    Header,
    Meta,
    Detected,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding used (`UTF-8`, `gb18030`).
    pub charset: &'static str,
    pub source: CharsetSource,
}

fn meta_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)|^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)"#)
            .unwrap_or_else(|_| unreachable!())
    })
}

/// The charset parameter of a `Content-Type` header value.
pub fn header_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

fn prefer_gb18030(enc: &'static Encoding) -> &'static Encoding {
    if enc == GBK {
        GB18030
    } else {
        enc
    }
}

/// Decodes strictly; `None` when the bytes are malformed under `enc` or `enc` is an implausible
/// single-byte Latin declaration for non-ASCII content.
fn strict(bytes: &[u8], enc: &'static Encoding) -> Option<String> {
    if enc == WINDOWS_1252 && !bytes.is_ascii() {
        return None;
    }
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// Decodes a body. `content_type` is the response header value; `host` gives the TLD hint.
pub fn decode(bytes: &[u8], content_type: Option<&str>, host: &str) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            charset: enc.name(),
            source: CharsetSource::Bom,
        };
    }
    let declared = content_type
        .and_then(header_charset)
        .and_then(|l| Encoding::for_label(l.as_bytes()));
    if let Some(enc) = declared.map(prefer_gb18030) {
        if let Some(text) = strict(bytes, enc) {
            return Decoded {
                text,
                charset: enc.name(),
                source: CharsetSource::Header,
            };
        }
    }
    let head = &bytes[..bytes.len().min(1024)];
    let meta = meta_re()
        .captures(head)
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .and_then(|m| Encoding::for_label(m.as_bytes()))
        .map(prefer_gb18030);
    if let Some(enc) = meta {
        if let Some(text) = strict(bytes, enc) {
            return Decoded {
                text,
                charset: enc.name(),
                source: CharsetSource::Meta,
            };
        }
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    // Every monitored site is Chinese: simulated hosts (`.sim`) get the `.cn` hint as well.
    let _ = host;
    let enc = prefer_gb18030(det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow));
    let enc = if enc == WINDOWS_1252 && std::str::from_utf8(bytes).is_ok() {
        UTF_8
    } else {
        enc
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        charset: enc.name(),
        source: CharsetSource::Detected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        GBK.encode(s).0.into_owned()
    }

    const TITLE: &str = "桐柏县人民政府2023年政府信息公开工作年度报告";

    #[test]
    fn gbk_page_with_wrong_utf8_header_decodes() {
        let html = format!("<html><head><title>{TITLE}</title></head><body><p>{TITLE}，依申请公开21件。</p></body></html>");
        let d = decode(
            &gbk(&html),
            Some("text/html; charset=utf-8"),
            "www.tongbai.sim",
        );
        assert!(d.text.contains(TITLE), "{}", d.text);
        assert_eq!(d.charset, "gb18030");
        assert_eq!(d.source, CharsetSource::Detected);
    }

    #[test]
    fn gbk_page_with_latin1_header_and_meta_uses_meta() {
        let html = format!("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>{TITLE}</title></head></html>");
        let d = decode(
            &gbk(&html),
            Some("text/html; charset=ISO-8859-1"),
            "www.tongbai.gov.cn",
        );
        assert!(d.text.contains(TITLE));
        assert_eq!((d.charset, d.source), ("gb18030", CharsetSource::Meta));
    }

    #[test]
    fn meta_only_charset() {
        let html = format!("<html><head><meta charset='GBK'><title>{TITLE}</title></head></html>");
        let d = decode(&gbk(&html), Some("text/html"), "x.cn");
        assert_eq!((d.charset, d.source), ("gb18030", CharsetSource::Meta));
        assert!(d.text.contains(TITLE));
    }

    #[test]
    fn correct_header_and_bom_win() {
        let html = format!("<title>{TITLE}</title>");
        let d = decode(
            html.as_bytes(),
            Some("text/html; charset=\"UTF-8\""),
            "x.cn",
        );
        assert_eq!((d.charset, d.source), ("UTF-8", CharsetSource::Header));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(html.as_bytes());
        let d = decode(&bom, Some("text/html; charset=gbk"), "x.cn");
        assert_eq!((d.charset, d.source), ("UTF-8", CharsetSource::Bom));
        assert_eq!(d.text, html);
    }

    #[test]
    fn undeclared_utf8_is_detected() {
        let html = format!("<p>{TITLE}</p>");
        let d = decode(html.as_bytes(), None, "x.cn");
        assert_eq!(d.charset, "UTF-8");
        assert_eq!(d.text, html);
    }

    #[test]
    fn an_xml_declaration_names_the_charset() {
        let xml = format!("<?xml version=\"1.0\" encoding=\"GBK\"?><datastore><recordset><record><![CDATA[<li>{TITLE}</li>]]></record></recordset></datastore>");
        let d = decode(&gbk(&xml), Some("text/xml"), "x.cn");
        assert_eq!((d.charset, d.source), ("gb18030", CharsetSource::Meta));
        assert!(d.text.contains(TITLE));
        // Only at the start: a declaration quoted in a page is no declaration.
        let html = format!("<p>&lt;?xml encoding='GBK'?&gt; {TITLE}</p>");
        let d = decode(html.as_bytes(), None, "x.cn");
        assert_eq!(d.charset, "UTF-8");
    }

    #[test]
    fn header_charset_parameter() {
        assert_eq!(header_charset("text/html; Charset=GB2312"), Some("GB2312"));
        assert_eq!(header_charset("text/html"), None);
    }
}
