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

/// What [`walk`] does next.
enum Step<'a> {
    /// A node's own text, or its children (an element).
    Visit(NodeRef<'a, Node>),
    /// A block ends: the line breaks after it.
    EndBlock,
}

/// Appends the text of `node`'s children to `lines`. With an explicit stack rather than
/// recursion: how deep a page's elements nest is the page's to choose, a thread's stack is not.
fn walk(node: NodeRef<'_, Node>, lines: &mut Lines) {
    let mut todo: Vec<Step<'_>> = Vec::new();
    push_children(node, &mut todo);
    while let Some(step) = todo.pop() {
        let child = match step {
            Step::EndBlock => {
                lines.flush();
                continue;
            }
            Step::Visit(n) => n,
        };
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
                        todo.push(Step::EndBlock);
                        push_children(child, &mut todo);
                    }
                    _ => push_children(child, &mut todo),
                }
            }
            _ => {}
        }
    }
}

/// Queues a node's children so that they are popped in document order.
fn push_children<'a>(node: NodeRef<'a, Node>, todo: &mut Vec<Step<'a>>) {
    let at = todo.len();
    todo.extend(node.children().map(Step::Visit));
    todo[at..].reverse();
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

    /// Regression: the walk recursed per element and overflowed the stack on 100,000 nested
    /// `<div>` (the crawl aborted with SIGABRT). The tree is built directly here — parsing such a
    /// page takes minutes, which the crawl avoids by parsing only up to `crawl.max_nesting`.
    #[test]
    fn a_tree_deeper_than_any_stack_is_walked() {
        let mut doc = Html::parse_document("<div id=b></div><div id=c></div>");
        let sel = Selector::parse("#b").unwrap_or_else(|e| panic!("{e}"));
        let c = Selector::parse("#c").unwrap_or_else(|e| panic!("{e}"));
        let div = doc.select(&c).next().map(|e| e.value().clone());
        let div = Node::Element(div.unwrap_or_else(|| panic!("no #c")));
        let root = doc.select(&sel).next().map(|e| e.id());
        let mut at = root.unwrap_or_else(|| panic!("no #b"));
        for _ in 0..200_000 {
            let mut node = doc.tree.get_mut(at).unwrap_or_else(|| panic!("node"));
            at = node.append(div.clone()).id();
        }
        let mut leaf = doc.tree.get_mut(at).unwrap_or_else(|| panic!("node"));
        leaf.append(Node::Text(scraper::node::Text {
            text: "最深处".into(),
        }));
        assert_eq!(body_in(&doc, &sel), "最深处");
    }

    fn body_in(doc: &Html, sel: &Selector) -> String {
        doc.select(sel).next().map(block_text).unwrap_or_default()
    }
}
