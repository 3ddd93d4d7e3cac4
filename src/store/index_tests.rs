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

/// The leapfrog (with its walking iterators) against a brute-force filter, over dense and sparse
/// lists, shared dates and date bounds.
#[test]
fn intersections_match_a_brute_force_filter() {
    let (_d, s) = store();
    let mut x: u64 = 99;
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let words = [
        "诚信", "教育", "公开", "许可", "处罚", "承诺", "修复", "清单",
    ];
    let mut docs = Vec::new();
    for n in 0..600 {
        let unit = format!("u{}", next(4));
        let day = 1 + next(28) as u32;
        let mut body = String::new();
        for _ in 0..(1 + next(3)) {
            body.push_str(words[next(words.len() as u64) as usize]);
            body.push('。');
        }
        docs.push(doc(
            &format!("d{n:04}"),
            &unit,
            (2023, 2, day),
            "标题",
            &body,
        ));
    }
    s.put_documents(&docs).unwrap_or_else(|e| panic!("{e}"));
    let day = |d: u32| NaiveDate::from_ymd_opt(2023, 2, d);
    for q in 0..60 {
        let unit = (q % 3 != 0).then(|| format!("u{}", next(4)));
        let mut terms = vec![words[next(words.len() as u64) as usize].to_string()];
        if q % 2 == 0 {
            terms.push(words[next(words.len() as u64) as usize].to_string());
        }
        let (from, to) = match q % 4 {
            0 => (None, None),
            1 => (day(5), day(20)),
            2 => (None, day(9)),
            _ => (day(27), None),
        };
        let pq = PostingQuery {
            unit: unit.clone(),
            terms: terms.clone(),
            from,
            to,
            ..PostingQuery::default()
        };
        let mut want: Vec<&Document> = docs
            .iter()
            .filter(|d| {
                let t = super::terms(&format!(
                    "{}\n{}",
                    d.title.clone().unwrap_or_default(),
                    d.body
                ));
                unit.as_ref().is_none_or(|u| d.unit.as_ref() == Some(u))
                    && terms.iter().all(|w| t.contains(w))
                    && from.is_none_or(|f| d.published >= Some(f))
                    && to.is_none_or(|t| d.published <= Some(t))
            })
            .collect();
        want.sort_by(|a, b| (b.published, &b.id).cmp(&(a.published, &a.id)));
        let want: Vec<String> = want.iter().map(|d| d.id.clone()).collect();
        assert_eq!(ids(&s, &pq), want, "query {q}: {pq:?}");
    }
}

#[test]
fn the_crawl_queue_is_drained_in_both_shapes() {
    let (_d, s) = store();
    let docs: Vec<Document> = ["a1", "b2", "c3"]
        .iter()
        .map(|id| doc(id, "t-1", (2023, 3, 1), "诚信教育", ""))
        .collect();
    // A group's documents queued as the crawl commit queues them (`c3` lost meanwhile)...
    let c = crate::store::frontier::Commit {
        documents: docs[..2].to_vec(),
        ..Default::default()
    };
    s.commit(1, c).unwrap_or_else(|e| panic!("{e}"));
    // ...and one queued by id, as stores before schema 4 did.
    let queue = s.tree(UNINDEXED).unwrap_or_else(|e| panic!("{e}"));
    queue.insert("c3", &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.unindexed().unwrap_or_else(|e| panic!("{e}")),
        ["c3", "a1", "b2"],
        "the old key sorts first"
    );
    assert_eq!(queue.len(), 2, "one key for the group");
    assert_eq!(s.index_pending().unwrap_or_else(|e| panic!("{e}")), 2);
    assert!(s.unindexed().unwrap_or_else(|e| panic!("{e}")).is_empty());
    let q = PostingQuery {
        terms: terms("诚信").into_iter().collect(),
        ..PostingQuery::default()
    };
    assert_eq!(ids(&s, &q), ["b2", "a1"]);
}

#[test]
fn lost_documents_leave_the_queue() {
    let (_d, s) = store();
    let key = unindexed_chunk_key(7);
    let queue = s.tree(UNINDEXED).unwrap_or_else(|e| panic!("{e}"));
    queue
        .insert(key, unindexed_chunk(["a1", "b2", "c3"].into_iter()))
        .unwrap_or_else(|e| panic!("{e}"));
    queue.insert("d4", &[]).unwrap_or_else(|e| panic!("{e}"));
    let lost = [b"b2".to_vec(), b"d4".to_vec()].into_iter().collect();
    s.unqueue_documents(&lost).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.unindexed().unwrap_or_else(|e| panic!("{e}")),
        ["a1", "c3"]
    );
}
