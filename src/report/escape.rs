//! Escaping for the report's outputs. Titles, summaries, URLs and names come from crawled pages
//! and submissions, so every such string passes through here before it lands in HTML, SVG or
//! Markdown.

/// Escapes text for HTML and SVG element content and for quoted attribute values.
/// Control characters other than tab and newline are dropped (they are invalid in XML).
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell or paragraph: Markdown punctuation is backslash-escaped,
/// `<` `>` become entities (so no raw HTML passes), and line breaks become spaces.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '(' | ')' | '{' | '}' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        let raw = "通报<script>alert(1)</script> & \"x\" 'y'";
        let e = html(raw);
        assert_eq!(
            e,
            "通报&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
        assert!(!e.contains('<') && !e.contains('>'));
    }

    #[test]
    fn html_drops_control_characters() {
        assert_eq!(html("a\u{0}b\u{1b}c\nd"), "abc\nd");
    }

    #[test]
    fn markdown_escapes_tables_links_and_html() {
        let e = markdown("a|b [x](javascript:1) <img> *y*\nz");
        assert_eq!(e, "a\\|b \\[x\\]\\(javascript:1\\) &lt;img&gt; \\*y\\* z");
    }
}
