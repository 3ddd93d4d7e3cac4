//! A request's identity: the URL the frontier, the `urls` tree, page records and snapshots are
//! keyed by. A GET is its normalised URL; a POST is that URL with its method and urlencoded
//! form body in the fragment (`…/dataproxy.jsp?startrecord=46&endrecord=90#post:col=1&columnid=1234`),
//! so two columns posting different bodies to one endpoint are two pages, and the same body is
//! the same page every night (fields in name order). A fragment is never sent, and the
//! normaliser drops the fragments of links found on pages, so no GET is taken for a POST.

use url::Url;

use crate::config::source::Method;
use crate::extract::pager::PageRequest;

/// The fragment prefix of a POST's identity.
const POST: &str = "post:";

/// What to send for a frontier URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// The URL requested (no fragment).
    pub url: Url,
    /// The urlencoded body of a POST; `None` for a GET.
    pub body: Option<String>,
}

/// The identity of a pagination request (its URL already normalised).
pub fn identity(r: &PageRequest) -> Url {
    let mut u = r.url.clone();
    match r.method {
        Method::Get => u.set_fragment(None),
        Method::Post => u.set_fragment(Some(&format!("{POST}{}", r.body()))),
    }
    u
}

/// What an identity asks for: the URL without its fragment, and a POST's body.
pub fn wire(identity: &Url) -> Wire {
    let body = identity
        .fragment()
        .and_then(|f| f.strip_prefix(POST))
        .map(str::to_string);
    let mut url = identity.clone();
    url.set_fragment(None);
    Wire { url, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, form: &[(&str, &str)]) -> PageRequest {
        PageRequest {
            url: Url::parse(
                "http://www.zc.sim/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15",
            )
            .unwrap(),
            method,
            form: form
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            page: 2,
        }
    }

    #[test]
    fn a_post_is_its_url_and_body() {
        let a = identity(&req(
            Method::Post,
            &[("columnid", "1234"), ("webname", "城郊 乡")],
        ));
        assert_eq!(
            a.as_str(),
            "http://www.zc.sim/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15#post:columnid=1234&webname=%E5%9F%8E%E9%83%8A+%E4%B9%A1"
        );
        let w = wire(&Url::parse(a.as_str()).unwrap());
        assert_eq!(w.url.fragment(), None);
        assert_eq!(
            w.body.as_deref(),
            Some("columnid=1234&webname=%E5%9F%8E%E9%83%8A+%E4%B9%A1")
        );
        // Another column posting to the same URL is another page.
        let b = identity(&req(Method::Post, &[("columnid", "1235")]));
        assert_ne!(a, b);
        // A POST without fields is still no GET.
        let empty = identity(&req(Method::Post, &[]));
        assert_eq!(wire(&empty).body.as_deref(), Some(""));
        let get = identity(&req(Method::Get, &[]));
        assert_eq!(wire(&get).body, None);
        assert_ne!(empty, get);
    }

    #[test]
    fn a_link_with_a_fragment_is_no_post() {
        let u = Url::parse("http://www.zc.sim/a.html#top").unwrap();
        assert_eq!(wire(&u).body, None);
        assert_eq!(wire(&u).url.as_str(), "http://www.zc.sim/a.html");
    }
}
