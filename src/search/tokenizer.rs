//! The CJK-aware analysis documents and query strings share: each run of Han characters becomes
//! its overlapping bigrams (`诚信教育` → 诚信, 信教, 教育; a lone character stands for itself),
//! each run of ASCII letters and digits one lower-cased word (cut at [`MAX_WORD`] characters:
//! URLs and hashes are not search words), and everything else separates. Chinese text has no
//! spaces to split words on, and bigrams find any phrase of two or more characters without a
//! dictionary (tantivy-jieba's weighs megabytes and still misses the names of units and
//! programmes).
//!
//! Positions: the bigrams of one run take consecutive positions, and the next run starts one
//! position further on, so a phrase query of consecutive bigrams only matches inside one run —
//! `诚信用` does not match `诚信，信用`.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in the index.
pub const NAME: &str = "govtrust_cjk";

/// Longest ASCII word indexed, in characters.
pub const MAX_WORD: usize = 32;

pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// The tokens of `text`, with byte offsets into it and positions as the module says.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    // The current run: Han characters (offset, char) or an ASCII word's start.
    let mut han: Vec<(usize, char)> = Vec::new();
    let mut word: Option<usize> = None;
    let emit = |out: &mut Vec<Token>, from: usize, to: usize, text: String, pos: usize| {
        out.push(Token {
            offset_from: from,
            offset_to: to,
            position: pos,
            text,
            position_length: 1,
        });
    };
    let flush_han = |han: &mut Vec<(usize, char)>, out: &mut Vec<Token>, pos: &mut usize| {
        match han.len() {
            0 => return,
            1 => {
                let (at, c) = han[0];
                emit(out, at, at + c.len_utf8(), c.to_string(), *pos);
                *pos += 2;
            }
            _ => {
                for w in han.windows(2) {
                    let ((a, c1), (b, c2)) = (w[0], w[1]);
                    let mut t = String::with_capacity(8);
                    t.push(c1);
                    t.push(c2);
                    emit(out, a, b + c2.len_utf8(), t, *pos);
                    *pos += 1;
                }
                *pos += 1;
            }
        }
        han.clear();
    };
    let flush_word =
        |word: &mut Option<usize>, end: usize, out: &mut Vec<Token>, pos: &mut usize| {
            if let Some(start) = word.take() {
                let w: String = text[start..end]
                    .chars()
                    .take(MAX_WORD)
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                emit(out, start, end, w, *pos);
                *pos += 2;
            }
        };
    for (i, c) in text.char_indices() {
        if is_han(c) {
            flush_word(&mut word, i, &mut out, &mut pos);
            han.push((i, c));
        } else if c.is_ascii_alphanumeric() {
            flush_han(&mut han, &mut out, &mut pos);
            word.get_or_insert(i);
        } else {
            flush_han(&mut han, &mut out, &mut pos);
            flush_word(&mut word, i, &mut out, &mut pos);
        }
    }
    flush_han(&mut han, &mut out, &mut pos);
    flush_word(&mut word, text.len(), &mut out, &mut pos);
    out
}

/// One run of a search phrase, as the query looks it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Consecutive terms of one run (bigrams of a Han run, or one ASCII word): a phrase.
    Terms(Vec<String>),
    /// A lone Han character: it occurs in a document inside some bigram or by itself.
    Char(char),
}

/// The runs of a search phrase, through the same [`tokens`] as documents.
pub fn parts(phrase: &str) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    let mut last: Option<usize> = None;
    for t in tokens(phrase) {
        let lone = t.text.chars().count() == 1 && t.text.chars().all(is_han);
        match (out.last_mut(), last) {
            (Some(Part::Terms(ts)), Some(p)) if t.position == p + 1 => ts.push(t.text),
            _ if lone => out.push(Part::Char(t.text.chars().next().unwrap_or(' '))),
            _ => out.push(Part::Terms(vec![t.text])),
        }
        last = Some(t.position);
    }
    out
}

/// The tantivy tokenizer over [`tokens`].
#[derive(Clone, Default)]
pub struct CjkTokenizer;

pub struct CjkTokenStream {
    tokens: Vec<Token>,
    /// One past the current token (0: before the first).
    next: usize,
}

impl Tokenizer for CjkTokenizer {
    type TokenStream<'a> = CjkTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkTokenStream {
        CjkTokenStream {
            tokens: tokens(text),
            next: 0,
        }
    }
}

impl TokenStream for CjkTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(String, usize)> {
        tokens(s)
            .into_iter()
            .map(|t| (t.text, t.position))
            .collect()
    }

    #[test]
    fn han_runs_become_overlapping_bigrams_and_ascii_lowercase_words() {
        assert_eq!(
            texts("开展诚信教育 PDF版，桐"),
            [
                ("开展", 0),
                ("展诚", 1),
                ("诚信", 2),
                ("信教", 3),
                ("教育", 4),
                ("pdf", 6),
                ("版", 8),
                ("桐", 10),
            ]
            .map(|(t, p)| (t.to_string(), p))
        );
    }

    #[test]
    fn offsets_point_at_the_source_text() {
        let s = "第12号：诚信教育";
        for t in tokens(s) {
            let src = &s[t.offset_from..t.offset_to];
            assert_eq!(src.to_ascii_lowercase(), t.text, "{t:?}");
        }
        let long = "x".repeat(40);
        let t = tokens(&long);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].text.len(), MAX_WORD);
        assert_eq!((t[0].offset_from, t[0].offset_to), (0, 40));
    }

    #[test]
    fn runs_are_separated_by_a_position_gap() {
        // 诚信 and 信用 are in different runs: not consecutive, so no phrase spans the comma.
        let t = texts("诚信，信用");
        assert_eq!(t[1].1 - t[0].1, 2);
        assert_eq!(texts(""), []);
        assert_eq!(texts("，。 !"), []);
    }

    #[test]
    fn phrases_split_into_runs_of_consecutive_terms() {
        let terms = |v: &[&str]| Part::Terms(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(parts("诚信"), [terms(&["诚信"])]);
        assert_eq!(
            parts("社会信用体系"),
            [terms(&["社会", "会信", "信用", "用体", "体系"])]
        );
        assert_eq!(parts("镇"), [Part::Char('镇')]);
        assert_eq!(parts("PDF版"), [terms(&["pdf"]), Part::Char('版')]);
        assert_eq!(parts("2023年度"), [terms(&["2023"]), terms(&["年度"])]);
        assert_eq!(parts("，"), []);
    }

    #[test]
    fn the_tantivy_stream_yields_every_token_once() {
        let mut tk = CjkTokenizer;
        let mut s = tk.token_stream("政务公开 ok");
        let mut seen = Vec::new();
        while s.advance() {
            seen.push(s.token().text.clone());
        }
        assert_eq!(seen, ["政务", "务公", "公开", "ok"]);
    }
}
