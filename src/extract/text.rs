//! The body text of a page as lines a reader (and a rule) can follow: one line per paragraph or
//! block, and one line per table row with its cells joined by ` | ` — so a table row of an annual
//! report ("本年新收 | 5 | 2 | … | 7") or of a notice ("1 | 县发改委 | … | 栏目长期未更新") stays
//! one line, as it reads on the page.

use ego_tree::NodeRef;
use scraper::{ElementRef, Node};

use super::probe::collapse;

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
    "center",
    "form",
    "header",
    "footer",
    "caption",
];

struct Lines {
    done: Vec<String>,
    current: String,
}

impl Lines {
    fn push_text(&mut self, t: &str) {
        let c = collapse(t);
        if c.is_empty() {
            return;
        }
        if !self.current.is_empty() && !self.current.ends_with(' ') {
            self.current.push(' ');
        }
        self.current.push_str(&c);
    }

    fn flush(&mut self) {
        let line = self.current.trim().to_string();
        if !line.is_empty() {
            self.done.push(line);
        }
        self.current.clear();
    }
}

/// The element's text in lines: blocks break lines, table rows become `cell | cell`.
pub fn block_text(el: ElementRef<'_>) -> String {
    let mut lines = Lines {
        done: Vec::new(),
        current: String::new(),
    };
    walk(*el, &mut lines);
    lines.flush();
    lines.done.join("\n")
}

fn walk(node: NodeRef<'_, Node>, lines: &mut Lines) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => lines.push_text(t),
            Node::Element(e) => {
                let name = e.name();
                match name {
                    "script" | "style" | "noscript" | "template" => {}
                    "br" => lines.flush(),
                    "tr" => {
                        lines.flush();
                        let cells: Vec<String> = child
                            .children()
                            .filter_map(ElementRef::wrap)
                            .filter(|c| matches!(c.value().name(), "td" | "th"))
                            .map(|c| inline_text(*c))
                            .collect();
                        lines.current = cells.join(" | ");
                        lines.flush();
                    }
                    _ if BLOCKS.contains(&name) => {
                        lines.flush();
                        walk(child, lines);
                        lines.flush();
                    }
                    _ => walk(child, lines),
                }
            }
            _ => {}
        }
    }
}

/// A cell's text on one line.
fn inline_text(node: NodeRef<'_, Node>) -> String {
    let mut inner = Lines {
        done: Vec::new(),
        current: String::new(),
    };
    walk(node, &mut inner);
    inner.flush();
    inner.done.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn body(html: &str) -> String {
        let doc = Html::parse_document(html);
        let sel = Selector::parse("#b").unwrap_or_else(|e| panic!("{e}"));
        doc.select(&sel).next().map(block_text).unwrap_or_default()
    }

    #[test]
    fn paragraphs_and_table_rows() {
        let t = body(
            "<div id=b><p>一、总体情况</p><p>本年度<b>共</b>收到申请</p><table><tr><th>项目</th><th>总计</th></tr>\
             <tr><td>一、本年新收政府信息公开申请数量</td><td> 7 </td></tr></table>说明<br>结束<script>x()</script></div>",
        );
        assert_eq!(t, "一、总体情况\n本年度 共 收到申请\n项目 | 总计\n一、本年新收政府信息公开申请数量 | 7\n说明\n结束");
    }
}
