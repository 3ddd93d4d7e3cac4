//! What a site handler answers before faults and validators are applied: status, bytes, content
//! type, Last-Modified, and the encoding quirks (GBK bytes with a missing or wrong header charset).

use bytes::Bytes;
use chrono::{NaiveDate, NaiveDateTime};

use super::model::at;

/// A special body the server streams rather than holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    None,
    /// An oversized HTML body of this many bytes.
    Oversized(u64),
    /// A gzip bomb.
    GzipBomb,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
    pub last_modified: Option<NaiveDateTime>,
    pub location: Option<String>,
    pub special: Special,
    /// The fault this reply stands for (`redirect`, `trap`…), for the request log.
    pub fault: Option<&'static str>,
}

/// How a page's text becomes bytes and what the header claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// GBK bytes, `<meta>` says gbk, header has no charset.
    GbkNoHeader,
    /// GBK bytes, `<meta>` says gbk, header says ISO-8859-1.
    GbkWrongHeader,
    /// GBK bytes, `<meta>` says gb2312, header has no charset.
    Gb2312NoHeader,
}

impl Charset {
    pub fn meta(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::GbkNoHeader | Charset::GbkWrongHeader => "gbk",
            Charset::Gb2312NoHeader => "gb2312",
        }
    }

    fn header(self) -> &'static str {
        match self {
            Charset::Utf8 => "text/html; charset=utf-8",
            Charset::GbkNoHeader | Charset::Gb2312NoHeader => "text/html",
            Charset::GbkWrongHeader => "text/html; charset=ISO-8859-1",
        }
    }
}

impl Reply {
    pub fn html(text: String, cs: Charset, modified: NaiveDate) -> Reply {
        let body = match cs {
            Charset::Utf8 => Bytes::from(text),
            _ => {
                let (bytes, _, _) = encoding_rs::GBK.encode(&text);
                Bytes::from(bytes.into_owned())
            }
        };
        Reply {
            status: 200,
            content_type: cs.header().into(),
            body,
            last_modified: Some(at(modified, 0, 0, 0)),
            location: None,
            special: Special::None,
            fault: None,
        }
    }

    pub fn bytes(body: Vec<u8>, content_type: &str, modified: NaiveDate) -> Reply {
        Reply {
            status: 200,
            content_type: content_type.into(),
            body: Bytes::from(body),
            last_modified: Some(at(modified, 0, 0, 0)),
            location: None,
            special: Special::None,
            fault: None,
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: Bytes::from(body.to_string()),
            last_modified: None,
            location: None,
            special: Special::None,
            fault: None,
        }
    }

    pub fn not_found() -> Reply {
        let mut r = Reply::text(404, "");
        r.content_type = "text/html; charset=utf-8".into();
        r.body = Bytes::from_static(
            "<html><head><title>404</title></head><body><h1>404 页面不存在</h1></body></html>"
                .as_bytes(),
        );
        r
    }

    pub fn redirect(status: u16, location: &str, fault: &'static str) -> Reply {
        let mut r = Reply::text(status, "");
        r.location = Some(location.to_string());
        r.fault = Some(fault);
        r
    }
}

/// The `<head>` opening shared by every HTML page.
pub fn head(cs: Charset, title: &str, metas: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={}\">\n<title>{}</title>\n{}</head>\n",
        cs.meta(),
        super::text::esc(title),
        metas
    )
}
