//! Recognising the platform a site runs on from its pages' fingerprints: the Henan provincial
//! platform's `#pageDec`, TRS WCM's `createPageHTML(…)`, Hanweb JCMS's `jpage(…)` /
//! `dataproxy.jsp` and `<script type="text/xml">` datastores, TrueCMS's `raw({…})` JSONP.

use std::collections::BTreeSet;

/// A platform a page's fingerprint names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Platform {
    HenanJiyue,
    Trs,
    Hanweb,
    TrueCms,
}

impl Platform {
    /// The preset name (`platform = "…"` in a list).
    pub fn name(self) -> &'static str {
        match self {
            Platform::HenanJiyue => "henan-jiyue",
            Platform::Trs => "trs",
            Platform::Hanweb => "hanweb",
            Platform::TrueCms => "truecms",
        }
    }

    /// What gave it away, for the analyst.
    pub fn evidence(self) -> &'static str {
        match self {
            Platform::HenanJiyue => "#pageDec 分页元素（河南省政府网站集约化平台）",
            Platform::Trs => "createPageHTML(…) 分页脚本（TRS WCM）",
            Platform::Hanweb => {
                "jpage / dataproxy.jsp / <script type=\"text/xml\"> 数据岛（大汉 JCMS）"
            }
            Platform::TrueCms => "raw({…}) JSONP 列表（TrueCMS）",
        }
    }
}

/// The platforms a page's text shows.
pub fn detect(text: &str) -> BTreeSet<Platform> {
    let mut out = BTreeSet::new();
    let lower = text.to_ascii_lowercase();
    if lower.contains("id=\"pagedec\"") || lower.contains("id='pagedec'") {
        out.insert(Platform::HenanJiyue);
    }
    if text.contains("createPageHTML(") {
        out.insert(Platform::Trs);
    }
    if lower.contains(".jpage(") || lower.contains("dataproxy.jsp") || lower.contains("<datastore>")
    {
        out.insert(Platform::Hanweb);
    }
    let t = text.trim_start();
    if t.starts_with(";raw(") || t.starts_with("raw(") {
        out.insert(Platform::TrueCms);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints() {
        assert!(
            detect(r#"<div id="pageDec" pagesize="24" pagecount="51"></div>"#)
                .contains(&Platform::HenanJiyue)
        );
        assert!(
            detect(r#"<script>createPageHTML(3, 0, "index", "html");</script>"#)
                .contains(&Platform::Trs)
        );
        assert!(detect(
            "<script>$('#1234').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp'})</script>"
        )
        .contains(&Platform::Hanweb));
        assert!(
            detect(r#";raw({"result":"<datastore></datastore>","total":57})"#)
                .contains(&Platform::TrueCms)
        );
        assert!(detect("<html><body>plain</body></html>").is_empty());
    }
}
