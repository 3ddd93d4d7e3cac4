//! What a page actually holds when a list's selector matched nothing: counts of the shapes list
//! items usually take (`<record>` fragments of a Hanweb datastore, `<li>`, table rows, links, a
//! JSON body and its keys), so the note names both the key and what would have matched
//! ("条目选择器 `li` 匹配 0 个元素；页面中有 15 个 `<record>` 片段").

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use scraper::selector::ToCss;
use scraper::{Html, Selector};

use super::describe;
use crate::config::source::{List, Payload};
use crate::extract::list::strip_jsonp;

fn record_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)<record[\s>]").unwrap_or_else(|_| unreachable!()))
}

fn count(doc: &Html, css: &str) -> usize {
    Selector::parse(css).map_or(0, |s| doc.select(&s).count())
}

/// The shapes the page holds, e.g. `15 个 <record> 片段（在 <script type="text/xml"> 中）、3 个 <li>`.
pub fn page_contents(text: &str) -> String {
    let mut parts = Vec::new();
    let t = text.trim_start();
    let body = strip_jsonp(text);
    if let Ok(j) = serde_json::from_str::<serde_json::Value>(body) {
        let shape = match &j {
            serde_json::Value::Object(m) => format!(
                "JSON 对象，顶层键 {}",
                m.keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            serde_json::Value::Array(a) => format!("JSON 数组，{} 个元素", a.len()),
            _ => "JSON 标量".to_string(),
        };
        let wrapped = if t.starts_with(['{', '[']) {
            ""
        } else {
            "（JSONP 回调包裹）"
        };
        return format!("{shape}{wrapped}");
    }
    let records = record_re().find_iter(text).count();
    let doc = Html::parse_document(text);
    if records > 0 {
        let in_script = doc
            .select(&xml_script())
            .any(|s| record_re().is_match(&s.text().collect::<String>()));
        let where_ = if in_script {
            "（在 <script type=\"text/xml\"> 中）"
        } else if t.starts_with("<?xml") || t.starts_with("<datastore") {
            "（正文是 XML）"
        } else {
            ""
        };
        parts.push(format!("{records} 个 `<record>` 片段{where_}"));
    }
    for (css, name) in [
        ("li", "`<li>`"),
        ("tr", "`<tr>`"),
        ("a[href]", "`<a href>`"),
        ("dd", "`<dd>`"),
    ] {
        let n = count(&doc, css);
        if n > 0 {
            parts.push(format!("{n} 个 {name}"));
        }
    }
    if parts.is_empty() {
        "没有列表形状的内容（无 <record>、<li>、<tr>、链接）".to_string()
    } else {
        parts.join("、")
    }
}

fn xml_script() -> Selector {
    Selector::parse("script[type='text/xml']").unwrap_or_else(|_| unreachable!())
}

/// The note for a list page that yielded no item.
pub fn empty_list(list: &List, text: &str, at: crate::extract::list::PageAt) -> String {
    let item = list
        .item
        .as_ref()
        .map(|s| s.to_css_string())
        .unwrap_or_default();
    match crate::extract::list::payload_at(list, at) {
        Payload::Html => format!(
            "条目选择器 item `{item}` 匹配 0 个元素；页面中有 {}",
            page_contents(text)
        ),
        Payload::ScriptXml { script, record } => {
            let doc = Html::parse_document(text);
            let scripts: Vec<String> = doc.select(script).map(|s| s.text().collect()).collect();
            let re = Regex::new(&format!(r"(?s)<{record}(?:\s[^>]*)?>(.*?)</{record}>")).ok();
            let frags: usize = re.as_ref().map_or(0, |re| {
                scripts.iter().map(|s| re.find_iter(s).count()).sum()
            });
            if scripts.is_empty() {
                format!(
                    "payload.script `{}` 匹配 0 个 <script>；页面中有 {}",
                    script.to_css_string(),
                    page_contents(text)
                )
            } else if frags == 0 {
                format!(
                    "{} 个 <script> 中没有 `<{record}>` 片段；页面中有 {}",
                    scripts.len(),
                    page_contents(text)
                )
            } else {
                format!("条目选择器 item `{item}` 在 {frags} 个 `<{record}>` 片段中匹配 0 个元素")
            }
        }
        Payload::Json | Payload::Jsonp => format!(
            "items `{}` 处没有条目；正文是 {}",
            list.items.join("."),
            page_contents(text)
        ),
        // The extractor's own diagnosis for the payloads it added (in its words).
        Payload::Xml { .. } | Payload::Fragment { .. } => format!(
            "没有条目：{}",
            crate::extract::diagnose::diagnose_list(list, text, at)
        ),
    }
}

/// The note for probes that answered on none of a page's items.
pub fn unanswered(key: &str, probes: &[crate::config::source::Probe], of: usize) -> String {
    format!(
        "{key}：{} 在 {of} 个条目上都没有取到值",
        describe::probes(probes)
    )
}

fn label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([\p{Han}]{2,8})\s*[:：]").unwrap_or_else(|_| unreachable!()))
}

/// What a detail page offers instead, for a field none of whose probes answered: the
/// `<meta name>`s it has (for meta: probes), the `标签：` labels in its text (for label:
/// probes), and how many elements each css: selector matched.
pub fn detail_hint(text: &str, probes: &[crate::config::source::Probe]) -> String {
    use crate::config::source::Probe;
    let doc = Html::parse_document(text);
    let mut parts = Vec::new();
    if probes.iter().any(|p| matches!(p, Probe::Meta(_))) {
        let metas: BTreeSet<String> = Selector::parse("meta[name]")
            .map(|s| {
                doc.select(&s)
                    .filter_map(|m| m.value().attr("name").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        parts.push(if metas.is_empty() {
            "页面没有 <meta name>".to_string()
        } else {
            format!(
                "页面的 meta 有 {}",
                metas
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("、")
            )
        });
    }
    if probes.iter().any(|p| matches!(p, Probe::Label(_))) {
        let body = crate::extract::probe::element_text(doc.root_element());
        let labels: BTreeSet<&str> = label_re()
            .captures_iter(&body)
            .filter_map(|c| c.get(1).map(|m| m.as_str()))
            .collect();
        if !labels.is_empty() {
            parts.push(format!(
                "页面上的标签有 {}",
                labels
                    .iter()
                    .take(12)
                    .map(|l| format!("{l}："))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
    }
    for p in probes {
        if let Probe::Css { selector, .. } = p {
            let n = doc.select(selector).count();
            parts.push(format!("`{}` 匹配 {n} 个元素", selector.to_css_string()));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("；{}", parts.join("；"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_the_page_holds() {
        let hanweb = "<html><body><script type=\"text/xml\"><datastore><recordset>\
            <record><![CDATA[<li><a href='/art/1.html'>a</a></li>]]></record>\
            <record><![CDATA[<li><a href='/art/2.html'>b</a></li>]]></record>\
            </recordset></datastore></script></body></html>";
        let c = page_contents(hanweb);
        assert!(
            c.contains("2 个 `<record>` 片段（在 <script type=\"text/xml\"> 中）"),
            "{c}"
        );
        assert!(
            !c.contains("<li>`"),
            "CDATA is script text, not elements: {c}"
        );
        let xml = "<?xml version=\"1.0\"?><datastore><totalrecord>3</totalrecord><recordset>\
            <record><![CDATA[<li>x</li>]]></record></recordset></datastore>";
        assert!(page_contents(xml).contains("1 个 `<record>` 片段（正文是 XML）"));
        let json = ";raw({\"result\":\"<datastore/>\",\"total\":57})";
        assert_eq!(
            page_contents(json),
            "JSON 对象，顶层键 `result`、`total`（JSONP 回调包裹）"
        );
        assert_eq!(
            page_contents("<ul><li>a</li><li>b</li></ul>"),
            "2 个 `<li>`"
        );
    }
}
