//! Tests of the document indexes: terms, bigram lookup, re-indexing, date bounds.

use super::*;
use chrono::NaiveDate;

pub(crate) fn doc(
    id: &str,
    unit: &str,
    date: (i32, u32, u32),
    title: &str,
    body: &str,
) -> Document {
    Document {
        id: id.into(),
        source: "portal".into(),
        list: Some("通知公告".into()),
        kind: DocumentKind::Article,
        url: format!("http://www.tongbai.sim/{id}.html"),
        page_url: format!("http://www.tongbai.sim/{id}.html"),
        snapshot: "h".into(),
        title: Some(title.into()),
        published: NaiveDate::from_ymd_opt(date.0, date.1, date.2),
        publisher: None,
        index_no: None,
        doc_no: None,
        body: body.into(),
        attachments: vec![],
        unit: Some(unit.into()),
        unit_basis: None,
        fields: Default::default(),
        run: 1,
        extracted_at: chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
    }
}

fn ids(s: &Store, q: &PostingQuery) -> Vec<String> {
    let mut out = Vec::new();
    s.visit_postings(q, |id| {
        out.push(id.to_string());
        Ok(true)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    out
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, s)
}

#[test]
fn terms_are_bigrams_and_lowercase_words() {
    let t = terms("开展诚信教育 PDF版，桐");
    let want: BTreeSet<String> = ["开展", "展诚", "诚信", "信教", "教育", "pdf", "版", "桐"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(t, want);
}

#[test]
fn bigram_postings_find_a_phrase_in_the_body() {
    let (_d, s) = store();
    s.put_documents(&[
        doc(
            "a",
            "t-1",
            (2023, 3, 1),
            "工作动态",
            "本周全镇开展诚信教育活动。",
        ),
        doc("b", "t-1", (2023, 3, 2), "工作动态", "开展教育诚信宣传。"),
        doc("c", "t-2", (2023, 3, 3), "诚信教育进社区", "无"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let q = PostingQuery {
        terms: terms("诚信教育").into_iter().collect(),
        ..Default::default()
    };
    // b has every bigram but 信教: not a candidate. Newest first.
    assert_eq!(ids(&s, &q), vec!["c", "a"]);
    let q = PostingQuery {
        unit: Some("t-1".into()),
        ..q
    };
    assert_eq!(ids(&s, &q), vec!["a"]);
}

#[test]
fn reindexing_a_changed_document_removes_old_postings() {
    let (_d, s) = store();
    s.put_documents(&[doc("a", "t-1", (2023, 3, 1), "诚信教育", "")])
        .unwrap_or_else(|e| panic!("{e}"));
    s.put_documents(&[doc("a", "t-2", (2023, 4, 1), "政务公开", "")])
        .unwrap_or_else(|e| panic!("{e}"));
    let by = |terms: &str, unit: Option<&str>| {
        ids(
            &s,
            &PostingQuery {
                terms: super::terms(terms).into_iter().collect(),
                unit: unit.map(str::to_string),
                ..Default::default()
            },
        )
    };
    assert!(by("诚信", None).is_empty());
    assert!(by("", Some("t-1")).is_empty());
    assert_eq!(by("政务", Some("t-2")), vec!["a"]);
    let keys = s.tree("doc_terms").unwrap_or_else(|e| panic!("{e}")).len();
    assert_eq!(keys, terms("政务公开").len());
    // A full rebuild gives the same postings.
    assert_eq!(s.reindex_documents().unwrap_or_else(|e| panic!("{e}")), 1);
    assert_eq!(
        s.tree("doc_terms").unwrap_or_else(|e| panic!("{e}")).len(),
        keys
    );
    assert_eq!(by("政务", None), vec!["a"]);
}

#[test]
fn date_ranges_are_inclusive() {
    let (_d, s) = store();
    s.put_documents(&[
        doc("a", "t-1", (2023, 1, 1), "x", ""),
        doc("b", "t-1", (2023, 1, 31), "x", ""),
        doc("c", "t-1", (2023, 2, 1), "x", ""),
        doc("d", "t-1", (2022, 12, 31), "x", ""),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let q = PostingQuery {
        from: NaiveDate::from_ymd_opt(2023, 1, 1),
        to: NaiveDate::from_ymd_opt(2023, 1, 31),
        ..Default::default()
    };
    assert_eq!(ids(&s, &q), vec!["b", "a"]);
    let q = PostingQuery {
        unit: Some("t-1".into()),
        terms: vec!["x".into()],
        ..q
    };
    assert_eq!(ids(&s, &q), vec!["b", "a"]);
}

#[test]
fn a_store_written_before_the_index_is_detected_and_rebuilt() {
    let (_d, s) = store();
    let d = doc("a", "t-1", (2023, 3, 1), "诚信教育", "");
    let t = s.tree("documents").unwrap_or_else(|e| panic!("{e}"));
    t.insert(d.id.as_bytes(), encode(&d))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.index_missing().unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(s.reindex_documents().unwrap_or_else(|e| panic!("{e}")), 1);
    assert!(!s.index_missing().unwrap_or_else(|e| panic!("{e}")));
    let q = PostingQuery {
        terms: vec!["诚信".into()],
        ..Default::default()
    };
    assert_eq!(ids(&s, &q), vec!["a"]);
}
