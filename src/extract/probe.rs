//! Evaluating a source's [`Probe`]s: against an HTML element (a whole page or one list item) or
//! a JSON record. Every probe yields trimmed, whitespace-collapsed text or nothing; a field's
//! probes are tried in order and the first non-empty answer wins.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use scraper::{ElementRef, Selector};
use serde_json::Value as Json;

use crate::config::source::{LabelProbe, Probe};

/// Labels that end an inline `标签：值` value (`来源:桐柏县人民政府时间:2024-01-17`).
const STOP_LABELS: &[&str] = &[
    "信息来源",
    "来源",
    "发布时间",
    "发布日期",
    "时间",
    "作者",
    "浏览量",
    "浏览次数",
    "点击数",
    "索引号",
    "发布机构",
    "发文字号",
    "文号",
    "成文日期",
    "生成日期",
    "有效性",
    "主题分类",
    "分享",
    "字体",
    "编辑",
    "投稿",
    "发文机关",
    "组配分类",
];

/// Layout whitespace: what [`collapse`] folds into one space.
fn is_layout_space(c: char) -> bool {
    c.is_ascii_whitespace() || c == '\u{a0}'
}

/// Appends the words of `piece` to `out`, one space between words (and before the first, if
/// `out` already holds one).
fn push_words(out: &mut String, piece: &str) {
    for w in piece.split(is_layout_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
}

/// Trims every kind of whitespace (U+3000 included) at both ends, in place.
fn trim_all(mut s: String) -> String {
    let end = s.trim_end_matches(char::is_whitespace).len();
    s.truncate(end);
    let start = s.len() - s.trim_start_matches(char::is_whitespace).len();
    if start > 0 {
        s.drain(..start);
    }
    s
}

/// Collapses runs of layout whitespace (ASCII whitespace, nbsp) to one space and trims all
/// whitespace at the ends. An ideographic space (U+3000) inside text is content — titles such as
/// `南阳市重大行政决策\u{3000}风险评估办法` keep it.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_words(&mut out, s);
    trim_all(out)
}

/// The text nodes of an element outside script/style, in document order: one walk of the
/// subtree that skips code, rather than a look up every text node's ancestors.
fn visible_text(el: ElementRef<'_>) -> impl Iterator<Item = &str> {
    let is_code = |n: &scraper::Node| {
        n.as_element()
            .is_some_and(|e| matches!(e.name(), "script" | "style"))
    };
    // Inside code already (an element within foreign content's <style>): nothing is visible.
    let mut in_code = u32::from(el.ancestors().any(|a| is_code(a.value())));
    el.traverse().filter_map(move |edge| match edge {
        ego_tree::iter::Edge::Open(n) if is_code(n.value()) => {
            in_code += 1;
            None
        }
        ego_tree::iter::Edge::Close(n) if is_code(n.value()) => {
            in_code -= 1;
            None
        }
        ego_tree::iter::Edge::Open(n) if in_code == 0 => n.value().as_text().map(|t| &**t),
        _ => None,
    })
}

/// The visible text of an element: text nodes outside script/style, space-separated.
pub fn element_text(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for t in visible_text(el) {
        push_words(&mut out, t);
    }
    trim_all(out)
}

/// [`element_text`] if it has at most `limit` characters besides whitespace, else `None`
/// (without reading further).
fn short_text(el: ElementRef<'_>, limit: usize) -> Option<String> {
    let (own, _) = short_text_counted(el, limit)?;
    (own.chars().count() <= limit).then_some(own)
}

/// [`element_text`] and its number of characters besides whitespace, if that is at most
/// `limit`.
fn short_text_counted(el: ElementRef<'_>, limit: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut seen = 0;
    for t in visible_text(el) {
        seen += t.chars().filter(|c| !c.is_whitespace()).count();
        if seen > limit {
            return None;
        }
        push_words(&mut out, t);
    }
    Some((trim_all(out), seen))
}

fn non_empty(s: String) -> Option<String> {
    let s = collapse(&s);
    (!s.is_empty()).then_some(s)
}

fn label_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ':' | '：' | '\u{3000}' | '\u{a0}'))
        .collect()
}

fn cell_selector() -> &'static Selector {
    static SEL: OnceLock<Selector> = OnceLock::new();
    SEL.get_or_init(|| {
        Selector::parse("td, th, span, strong, b, label, dt, em, i, div, p")
            .unwrap_or_else(|_| unreachable!())
    })
}

/// Longest cell text (in characters besides whitespace) [`LabelCells`] keeps: a label of up to
/// 20 characters and its punctuation. A longer label is looked up by a scan of its own.
const CELL_LIMIT: usize = 24;

/// The short cells of an element by [`label_key`], in document order, with their lengths
/// (characters besides whitespace, characters): built once per page on the first label probe
/// the page's text answers, so a page's several labels (date, 来源, 索引号, 文号, …) cost one
/// walk of its cells instead of one each.
pub struct LabelCells<'a>(HashMap<String, Vec<(ElementRef<'a>, usize, usize)>>);

impl<'a> LabelCells<'a> {
    fn of(el: ElementRef<'a>) -> LabelCells<'a> {
        let mut map: HashMap<String, Vec<_>> = HashMap::new();
        for cell in el.select(cell_selector()) {
            if let Some((own, visible)) = short_text_counted(cell, CELL_LIMIT) {
                let chars = own.chars().count();
                map.entry(label_key(&own))
                    .or_default()
                    .push((cell, visible, chars));
            }
        }
        LabelCells(map)
    }
}

/// An element probes are evaluated on, with what more than one probe reads: its visible text
/// ([`element_text`] of the element — label probes rely on its spacing) and, when a label probe
/// first needs them, its [`LabelCells`].
pub struct Target<'a, 't> {
    el: ElementRef<'a>,
    text: &'t str,
    cells: OnceCell<LabelCells<'a>>,
}

impl<'a, 't> Target<'a, 't> {
    pub fn new(el: ElementRef<'a>, text: &'t str) -> Self {
        Target {
            el,
            text,
            cells: OnceCell::new(),
        }
    }
}

/// The value in the element after `cell`, unless there is none or it is the next label.
fn value_after(cell: ElementRef<'_>) -> Option<String> {
    let next = cell.next_siblings().filter_map(ElementRef::wrap).next();
    let v = next.map(element_text).and_then(non_empty)?;
    // An empty value cell is followed by the next label, which is no value.
    (!STOP_LABELS.contains(&label_key(&v).as_str())).then_some(v)
}

/// Value after a label: the next sibling element of a cell whose whole text is the label
/// (metadata tables, `<strong>发布机构：</strong><span>…</span>`), else inline in the text.
fn label_value(t: &Target<'_, '_>, label: &LabelProbe) -> Option<String> {
    // Most probes ask for a label the page does not have: one scan of its text answers them.
    if !label.present.is_match(t.text) {
        return None;
    }
    // Most pages carry their labels inline (`发布时间:2022-11-13 来源:…`): no cell can hold one,
    // and the page's cells need not be collected.
    if !stands_alone(t.text, &label.present) {
        return inline_label(t.text, label);
    }
    let want = label_key(&label.label);
    let limit = want.chars().count() + 4;
    if limit <= CELL_LIMIT {
        let cells = t.cells.get_or_init(|| LabelCells::of(t.el));
        let found = cells.0.get(&want).into_iter().flatten();
        for (cell, visible, chars) in found {
            if *visible <= limit && *chars <= limit {
                if let Some(v) = value_after(*cell) {
                    return Some(v);
                }
            }
        }
        return inline_label(t.text, label);
    }
    for cell in t.el.select(cell_selector()) {
        // Most cells (a page-wide `div`) are far longer than a label: stop reading them early
        // rather than collecting the text of the whole page for every cell.
        let Some(own) = short_text(cell, limit) else {
            continue;
        };
        if label_key(&own) == want {
            if let Some(v) = value_after(cell) {
                return Some(v);
            }
        }
    }
    inline_label(t.text, label)
}

/// Whether some occurrence of a label (`present`) in `text` could be a whole cell's text: with
/// only colons and whitespace between it and a space or an end of the text. In an element's
/// text ([`element_text`]) every element's words stand apart from their neighbours' by a space,
/// so a cell whose text is the label ([`label_key`]) shows as such an occurrence.
fn stands_alone(text: &str, present: &Regex) -> bool {
    // Walks colons and whitespace away from the label: bounded at a space or at the end.
    fn bounded(mut around: impl Iterator<Item = char>) -> bool {
        around
            .find(|c| !matches!(c, ':' | '：'))
            .is_none_or(char::is_whitespace)
    }
    let mut at = 0;
    while let Some(m) = present.find_at(text, at) {
        if bounded(text[..m.start()].chars().rev()) && bounded(text[m.end()..].chars()) {
            return true;
        }
        // Overlapping occurrences too (a label such as `时时` in `时 时时`).
        at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// A compiled regex for a pattern built from configuration (a list's record tag), compiled once
/// per process rather than once per page. The set of patterns is as small as the config. Shared
/// behind an `Arc`: a cloned `Regex` would start a fresh match-cache pool on every page.
pub(crate) fn cached_regex(pattern: &str) -> Option<std::sync::Arc<Regex>> {
    type Cache = std::collections::HashMap<String, Option<std::sync::Arc<Regex>>>;
    static CACHE: OnceLock<std::sync::Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(re) = map.get(pattern) {
        return re.clone();
    }
    let re = Regex::new(pattern).ok().map(std::sync::Arc::new);
    map.insert(pattern.to_string(), re.clone());
    re
}

/// `标签：值` inside running text; the value ends at a space or at the next known label.
pub fn inline_label(text: &str, label: &LabelProbe) -> Option<String> {
    for m in label.inline.find_iter(text) {
        let rest = &text[m.end()..];
        let mut end = rest.find(' ').unwrap_or(rest.len());
        // A label can only cut the value short before its first space.
        let window = &rest[..end];
        for stop in STOP_LABELS {
            let mut from = 0;
            while let Some(i) = window[from..].find(stop) {
                let at = from + i;
                let after = rest[at + stop.len()..].trim_start();
                if after.starts_with([':', '：']) {
                    end = end.min(at);
                    break;
                }
                from = at + stop.len();
            }
        }
        let v = rest[..end].trim();
        if !v.is_empty() {
            return Some(v.to_string());
        }
    }
    None
}

/// Evaluates one probe on an HTML element. `text` is the element's visible text.
pub fn eval_html(p: &Probe, el: ElementRef<'_>, text: &str) -> Option<String> {
    eval(p, &Target::new(el, text))
}

/// Evaluates one probe on a [`Target`].
pub fn eval(p: &Probe, t: &Target<'_, '_>) -> Option<String> {
    let (el, text) = (t.el, t.text);
    match p {
        Probe::Css { selector, attr } => {
            // An item that is itself the link (`item = "a"`) answers `css:a@href` too.
            let own = selector.matches(&el).then_some(el);
            own.into_iter()
                .chain(el.select(selector))
                .find_map(|e| match attr {
                    Some(a) => e.value().attr(a).map(str::to_string).and_then(non_empty),
                    None => non_empty(element_text(e)),
                })
        }
        Probe::Meta(name) => {
            static META: OnceLock<Selector> = OnceLock::new();
            let sel =
                META.get_or_init(|| Selector::parse("meta").unwrap_or_else(|_| unreachable!()));
            el.select(sel).find_map(|m| {
                let v = m.value();
                let n = v.attr("name").or_else(|| v.attr("property"))?;
                if n.eq_ignore_ascii_case(name) {
                    v.attr("content").map(str::to_string).and_then(non_empty)
                } else {
                    None
                }
            })
        }
        Probe::Label(l) => label_value(t, l),
        Probe::Regex(re) => re
            .captures(text)
            .and_then(|c| c.get(1).or_else(|| c.get(0)))
            .map(|m| m.as_str().to_string())
            .and_then(non_empty),
        Probe::Json(_) | Probe::Template(_) => None,
    }
}

/// The first probe answer on an HTML element.
pub fn first_html(ps: &[Probe], el: ElementRef<'_>, text: &str) -> Option<String> {
    first(ps, &Target::new(el, text))
}

/// The first probe answer on a [`Target`].
pub fn first(ps: &[Probe], t: &Target<'_, '_>) -> Option<String> {
    ps.iter().find_map(|p| eval(p, t))
}

/// A JSON value at a dotted path (`data.list`, `rows.0.ID`).
pub fn json_path<'a>(v: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter().try_fold(v, |cur, k| match cur {
        Json::Object(m) => m.get(k),
        Json::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// A scalar JSON value as text (`null` and containers give nothing).
pub fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => non_empty(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Evaluates one probe on a JSON record.
pub fn eval_json(p: &Probe, record: &Json) -> Option<String> {
    match p {
        Probe::Json(path) => json_path(record, path).and_then(json_text),
        Probe::Template(t) => {
            let mut out = String::new();
            let mut rest = t.as_str();
            while let Some(i) = rest.find('{') {
                out.push_str(&rest[..i]);
                let after = &rest[i + 1..];
                let j = after.find('}')?;
                let path: Vec<String> = after[..j].split('.').map(str::to_string).collect();
                out.push_str(&json_path(record, &path).and_then(json_text)?);
                rest = &after[j + 1..];
            }
            out.push_str(rest);
            Some(out)
        }
        _ => None,
    }
}

pub fn first_json(ps: &[Probe], record: &Json) -> Option<String> {
    ps.iter().find_map(|p| eval_json(p, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn collapse_keeps_ideographic_spaces_inside() {
        assert_eq!(
            collapse("\n  南阳市重大行政决策\u{3000}风险评估办法\u{3000} \t"),
            "南阳市重大行政决策\u{3000}风险评估办法"
        );
        assert_eq!(collapse("a\u{a0}\u{a0}b\n\nc"), "a b c");
    }

    #[test]
    fn inline_labels_stop_at_the_next_label() {
        let inline_label = |t: &str, l: &str| inline_label(t, &LabelProbe::new(l).unwrap());
        let t = "来源:桐柏县人民政府时间:2024-01-17浏览量:";
        assert_eq!(inline_label(t, "来源").as_deref(), Some("桐柏县人民政府"));
        assert_eq!(inline_label(t, "时间").as_deref(), Some("2024-01-17"));
        assert_eq!(inline_label("来源:时间:2026-01-07浏览量:", "来源"), None);
        assert_eq!(
            inline_label("索 引 号: S0001--2019-00586 主题分类: 信用", "索引号").as_deref(),
            Some("S0001--2019-00586")
        );
        assert_eq!(
            inline_label(
                "信息来源:孟州市人民政府办公室 发布日期:2025-03-28",
                "信息来源"
            )
            .as_deref(),
            Some("孟州市人民政府办公室")
        );
    }

    #[test]
    fn table_labels_and_meta() {
        let h = Html::parse_document(
            r#"<html><head><meta name="PubDate" content="2020-09-11 08:38"></head><body><table>
            <tr><td>索引号：</td><td>4/2026-00001</td><td>发文字号：</td><td>应急〔2026〕88号</td></tr></table>
            <p><strong>发布机构：</strong><span>桐柏县发展和改革委员会</span></p></body></html>"#,
        );
        let root = h.root_element();
        let text = element_text(root);
        let get = |s: &str| eval_html(&Probe::parse(s).unwrap(), root, &text);
        assert_eq!(get("label:索引号").as_deref(), Some("4/2026-00001"));
        assert_eq!(get("label:发文字号").as_deref(), Some("应急〔2026〕88号"));
        assert_eq!(
            get("label:发布机构").as_deref(),
            Some("桐柏县发展和改革委员会")
        );
        assert_eq!(get("meta:pubdate").as_deref(), Some("2020-09-11 08:38"));
        assert_eq!(
            get("re:发文字号：\\s*(\\S+)").as_deref(),
            Some("应急〔2026〕88号")
        );
        assert_eq!(get("label:文号"), None);
    }

    #[test]
    fn one_pages_label_cells_answer_every_label_as_a_scan_would() {
        let h = Html::parse_document(
            r#"<html><body><table>
            <tr><td>发布机构：</td><td></td><td>索 引 号 ：</td><td>4/2026-00001</td></tr>
            <tr><td>发布机构</td><td>桐柏县财政局</td><td>文号</td><td>时间：</td></tr>
            <tr><td>一个长达二十一个字的很长的标签名称在此出现</td><td>长标签的值</td></tr>
            </table><p>来源:县政府办 时间:2024-01-17</p></body></html>"#,
        );
        let root = h.root_element();
        let text = element_text(root);
        let page = Target::new(root, &text);
        for label in [
            "label:发布机构",
            "label:索引号",
            "label:文号",
            "label:来源",
            "label:时间",
            "label:一个长达二十一个字的很长的标签名称在此出现",
            "label:成文日期",
        ] {
            let p = Probe::parse(label).unwrap();
            // Each answered from the cells collected once, as a scan of its own answers it.
            assert_eq!(eval(&p, &page), eval_html(&p, root, &text), "{label}");
        }
        let get = |l: &str| eval(&Probe::parse(l).unwrap(), &page);
        // The first 发布机构 cell has an empty value: the next one answers.
        assert_eq!(get("label:发布机构").as_deref(), Some("桐柏县财政局"));
        assert_eq!(get("label:索引号").as_deref(), Some("4/2026-00001"));
        // 文号's cell is followed by the next label, and the text has none inline.
        assert_eq!(get("label:文号"), None);
        assert_eq!(get("label:来源").as_deref(), Some("县政府办"));
        assert_eq!(
            get("label:一个长达二十一个字的很长的标签名称在此出现").as_deref(),
            Some("长标签的值")
        );
    }

    #[test]
    fn a_label_stands_alone_only_where_a_cell_could_hold_it() {
        let alone =
            |text: &str, label: &str| stands_alone(text, &LabelProbe::new(label).unwrap().present);
        assert!(alone("索 引 号 ： 4/2026-00001", "索引号"));
        assert!(alone("首页 索引号", "索引号"));
        assert!(alone("：索引号", "索引号"));
        assert!(alone("x 发布机构：： 桐柏县", "发布机构"));
        assert!(alone("时间:2024-01-17 时间", "时间"));
        assert!(!alone("发布时间:2022-11-13 08:19:32 来源:县政府", "时间"));
        assert!(!alone(
            "发布时间:2022-11-13 08:19:32 来源:县政府",
            "发布时间"
        ));
        assert!(!alone("本索引号 是", "索引号"));
        assert!(!alone("索引号码", "索引号"));
        assert!(alone("时 时时", "时时"));
        assert!(!alone("时时时 x", "时时"));
    }

    #[test]
    fn inline_labels_are_read_without_collecting_cells() {
        let h = Html::parse_document(
            r#"<html><body><div class="info">发布时间:2022-11-13 08:19:32 来源:桐柏县吴城镇人民政府</div>
            <div><span>无关</span></div></body></html>"#,
        );
        let root = h.root_element();
        let text = element_text(root);
        let page = Target::new(root, &text);
        let get = |l: &str| eval(&Probe::parse(l).unwrap(), &page);
        assert_eq!(get("label:发布时间").as_deref(), Some("2022-11-13"));
        assert_eq!(get("label:来源").as_deref(), Some("桐柏县吴城镇人民政府"));
        assert!(page.cells.get().is_none());
        // A label that stands alone still reads its cell.
        let h = Html::parse_document(
            r#"<html><body><table><tr><td>来源：</td><td>县财政局</td></tr></table></body></html>"#,
        );
        let root = h.root_element();
        let text = element_text(root);
        let page = Target::new(root, &text);
        assert_eq!(
            eval(&Probe::parse("label:来源").unwrap(), &page).as_deref(),
            Some("县财政局")
        );
        assert!(page.cells.get().is_some());
    }

    #[test]
    fn json_paths_and_templates() {
        let v: Json = serde_json::json!({"id": 7, "a": {"b": "x"}, "n": null});
        assert_eq!(
            eval_json(&Probe::parse("json:a.b").unwrap(), &v).as_deref(),
            Some("x")
        );
        assert_eq!(eval_json(&Probe::parse("json:n").unwrap(), &v), None);
        assert_eq!(
            eval_json(&Probe::parse("tpl:/detail/{id}.html").unwrap(), &v).as_deref(),
            Some("/detail/7.html")
        );
        assert_eq!(
            eval_json(&Probe::parse("tpl:/d/{missing}").unwrap(), &v),
            None
        );
    }
}
