//! The search index against the store: filters, order, phrases, highlighting, the queue's
//! crash safety and rebuilds.

use super::*;
use crate::store::documents::tests::doc;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, s)
}

fn ok<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn find(s: &Store, f: &Filter) -> Vec<String> {
    let search = ok(Search::of(s));
    ok(search.index_pending(s));
    ok(search.newest(f, 0, 1000))
}

fn text(p: &str) -> Filter {
    Filter {
        phrases: vec![p.to_string()],
        ..Filter::default()
    }
}

#[test]
fn phrases_of_two_and_five_characters_find_their_documents() {
    let (_d, s) = store();
    ok(s.put_documents(&[
        doc(
            "a",
            "t-1",
            (2023, 3, 1),
            "工作动态",
            "本周全镇开展诚信教育活动。",
        ),
        doc("b", "t-1", (2023, 3, 2), "工作动态", "开展教育诚信宣传。"),
        doc("c", "t-2", (2023, 3, 3), "诚信教育进社区", "无"),
        doc("d", "t-2", (2023, 3, 4), "社会信用体系建设", "诚信，信用"),
    ]));
    assert_eq!(find(&s, &text("诚信")), ["d", "c", "b", "a"]);
    // b has every bigram of 诚信教育 but not in a row.
    assert_eq!(find(&s, &text("诚信教育")), ["c", "a"]);
    assert_eq!(find(&s, &text("信用体系建")), ["d"]);
    // Bigrams of two runs are not consecutive: 诚信，信用 does not hold 诚信用.
    assert!(find(&s, &text("诚信用")).is_empty());
    // A lone character: any term holding it, inside a run or alone.
    assert_eq!(find(&s, &text("镇")), ["a"]);
    assert_eq!(find(&s, &text("区")), ["c"]);
}

#[test]
fn filters_combine_and_dates_are_inclusive() {
    let (_d, s) = store();
    let mut rec = doc("r", "t-2", (2023, 1, 15), "记录", "");
    rec.kind = DocumentKind::Record;
    rec.source = "credit".into();
    let mut undated = doc("n", "t-1", (2023, 1, 1), "x", "");
    undated.published = None;
    ok(s.put_documents(&[
        doc("a", "t-1", (2023, 1, 1), "x", ""),
        doc("b", "t-1", (2023, 1, 31), "x", ""),
        doc("c", "t-1", (2023, 2, 1), "x", ""),
        doc("e", "t-3", (2022, 12, 31), "x", ""),
        rec,
        undated,
    ]));
    let day = |m, d| NaiveDate::from_ymd_opt(2023, m, d);
    let jan = Filter {
        from: day(1, 1),
        to: day(1, 31),
        ..Filter::default()
    };
    assert_eq!(find(&s, &jan), ["b", "r", "a"]);
    let t1 = Filter {
        unit: Some("t-1".into()),
        ..jan.clone()
    };
    assert_eq!(find(&s, &t1), ["b", "a"]);
    // Undated documents come last, and only without a date bound.
    assert_eq!(find(&s, &Filter::default()), ["c", "b", "r", "a", "e", "n"]);
    let upto = Filter {
        to: day(1, 1),
        ..Filter::default()
    };
    assert_eq!(find(&s, &upto), ["a", "e"]);
    let kind = Filter {
        kind: Some(DocumentKind::Record),
        ..Filter::default()
    };
    assert_eq!(find(&s, &kind), ["r"]);
    let source = Filter {
        source: Some("credit".into()),
        ..Filter::default()
    };
    assert_eq!(find(&s, &source), ["r"]);
    let units = Filter {
        units_in: Some(["t-2", "t-3"].iter().map(|u| u.to_string()).collect()),
        ..Filter::default()
    };
    assert_eq!(find(&s, &units), ["r", "e"]);
    let none = Filter {
        units_in: Some(BTreeSet::new()),
        ..Filter::default()
    };
    assert!(find(&s, &none).is_empty());
    let search = ok(Search::of(&s));
    assert_eq!(
        ok(search.newest(&Filter::default(), 2, 2)),
        ["r", "a"],
        "offset"
    );
}

#[test]
fn same_date_ties_break_by_id_descending_whatever_the_write_order() {
    let (_d, s) = store();
    let ids = [
        "b7",
        "a",
        "b",
        "ab",
        "zz",
        "0123456789abcdef0123456789abcdef-long",
    ];
    for id in ids {
        ok(s.put_documents(&[doc(id, "t-1", (2023, 5, 1), "同日", "")]));
    }
    let mut want: Vec<&str> = ids.to_vec();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(find(&s, &text("同日")), want);
}

#[test]
fn a_changed_document_replaces_its_old_self() {
    let (_d, s) = store();
    ok(s.put_documents(&[doc("a", "t-1", (2023, 3, 1), "诚信教育", "")]));
    assert_eq!(find(&s, &text("诚信")), ["a"]);
    ok(s.put_documents(&[doc("a", "t-2", (2023, 4, 1), "政务公开", "")]));
    assert!(find(&s, &text("诚信")).is_empty());
    let t2 = Filter {
        unit: Some("t-2".into()),
        ..text("政务")
    };
    assert_eq!(find(&s, &t2), ["a"]);
    assert_eq!(ok(Search::of(&s)).len(), 1);
}

#[test]
fn highlights_mark_the_phrase_in_characters() {
    let (_d, s) = store();
    ok(s.put_documents(&[doc(
        "a",
        "t-1",
        (2023, 3, 1),
        "t",
        "本周全镇开展诚信教育活动。",
    )]));
    let search = ok(Search::of(&s));
    ok(search.index_pending(&s));
    let h = ok(search.highlighter(&text("诚信教育"))).unwrap_or_else(|| panic!("no highlighter"));
    let got = h
        .highlight("本周全镇开展诚信教育活动。")
        .unwrap_or_else(|| panic!("no highlight"));
    assert_eq!(got.marks, [(6, 10)]);
    assert_eq!(
        got.pieces(),
        [("本周全镇开展", false), ("诚信教育", true), ("活动", false)],
        "the fragment ends with its last token"
    );
    assert_eq!(h.highlight("没有关键词"), None);
    assert!(ok(search.highlighter(&Filter::default())).is_none());
}

#[test]
fn a_crash_before_the_commit_or_the_dequeue_leaves_the_ids_queued() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    {
        let s = ok(Store::open(dir.path()));
        // Opened first: opening over documents and no index would build it from them.
        let search = ok(Search::of(&s));
        ok(s.put_documents(&[
            doc("a", "t-1", (2023, 3, 1), "诚信", ""),
            doc("b", "t-1", (2023, 3, 2), "诚信", ""),
        ]));
        match search.index_pending_until(&s, Stop::BeforeCommit) {
            Err(SearchError::Stopped { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(ok(s.unindexed()), ["a", "b"]);
        assert!(search.is_empty(), "nothing committed");
        // The writer (with its uncommitted documents) goes with the store, as in a crash.
    }
    {
        let s = ok(Store::open(dir.path()));
        let search = ok(Search::of(&s));
        assert!(search.is_empty());
        match search.index_pending_until(&s, Stop::BeforeDequeue) {
            Err(SearchError::Stopped { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(ok(s.unindexed()), ["a", "b"], "committed, still queued");
        assert_eq!(search.len(), 2);
    }
    let s = ok(Store::open(dir.path()));
    assert_eq!(
        find(&s, &text("诚信")),
        ["b", "a"],
        "indexed again, not twice"
    );
    assert!(ok(s.unindexed()).is_empty());
    assert_eq!(ok(Search::of(&s)).len(), 2);
}

#[test]
fn a_deleted_damaged_or_older_index_is_rebuilt_with_the_same_results() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let filters = [
        text("诚信教育"),
        text("镇"),
        Filter {
            unit: Some("t-2".into()),
            ..Filter::default()
        },
    ];
    let before: Vec<Vec<String>> = {
        let s = ok(Store::open(dir.path()));
        let mut docs = Vec::new();
        for n in 0..60u32 {
            docs.push(doc(
                &format!("d{n:02}"),
                &format!("t-{}", n % 3),
                (2023, 1 + n % 12, 1 + n % 28),
                if n % 2 == 0 {
                    "诚信教育"
                } else {
                    "全镇工作"
                },
                "正文",
            ));
        }
        ok(s.put_documents(&docs));
        filters.iter().map(|f| find(&s, f)).collect()
    };
    assert_eq!(before[0].len(), 30);
    let search_dir = dir.path().join(DIR);
    let damage: [(&str, &dyn Fn()); 3] = [
        ("deleted", &|| ok(std::fs::remove_dir_all(&search_dir))),
        ("damaged", &|| {
            ok(std::fs::write(search_dir.join("meta.json"), b"{not json"))
        }),
        ("older", &|| {
            let p = search_dir.join("meta.json");
            let meta = ok(std::fs::read_to_string(&p));
            let older = meta.replace(
                &format!("search_schema\\\":{SEARCH_SCHEMA}"),
                "search_schema\\\":0",
            );
            assert_ne!(meta, older, "{meta}");
            ok(std::fs::write(&p, older));
        }),
    ];
    for (what, hurt) in damage {
        hurt();
        let s = ok(Store::open(dir.path()));
        let after: Vec<Vec<String>> = filters.iter().map(|f| find(&s, f)).collect();
        assert_eq!(after, before, "{what}");
    }
    // query --reindex: the same again.
    let s = ok(Store::open(dir.path()));
    assert_eq!(ok(ok(Search::of(&s)).rebuild(&s)), 60);
    let after: Vec<Vec<String>> = filters.iter().map(|f| find(&s, f)).collect();
    assert_eq!(after, before);
}

#[test]
fn id_keys_order_as_the_ids_and_give_them_back() {
    let ids = [
        "",
        "0123456789abcdef0123456789abcdef",
        "a",
        "ab",
        "abc",
        "b",
    ];
    for w in ids.windows(2) {
        assert!(id_key(w[0]) < id_key(w[1]), "{w:?}");
    }
    for id in ids {
        let (k, n) = id_key(id);
        assert_eq!(id_of_key(&k, n).as_deref(), Some(id));
    }
    let long = "x".repeat(33);
    let (k, n) = id_key(&long);
    assert_eq!(id_of_key(&k, n), None);
}

#[test]
fn a_version_5_store_loses_its_posting_trees_and_gets_the_index() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    {
        let s = ok(Store::open(dir.path()));
        ok(s.put_documents(&[doc("a", "t-1", (2023, 3, 1), "诚信教育", "")]));
        // As version 5 left it: the document indexed in its sled trees, the queue drained.
        for t in ["doc_by_date", "doc_terms", "doc_indexed"] {
            ok(ok(s.tree(t)).insert("x", b"".as_slice()));
        }
        let q = ok(s.queued_documents(None, usize::MAX));
        ok(s.dequeue(&q.keys));
        ok(ok(s.tree("meta")).insert("schema_version", b"5".as_slice()));
        ok(s.flush());
    }
    let s = ok(Store::open(dir.path()));
    let names: Vec<String> = ["doc_by_date", "doc_terms", "doc_indexed"]
        .iter()
        .filter(|t| !ok(s.tree(t)).is_empty())
        .map(|t| t.to_string())
        .collect();
    assert!(names.is_empty(), "old trees kept: {names:?}");
    assert!(!dir.path().join(DIR).exists(), "built on first use");
    assert_eq!(find(&s, &text("诚信教育")), ["a"]);
}

/// The date windows `newest` asks first give the same rows as the whole index would, at every
/// offset and limit, with and without date bounds.
#[test]
fn windows_by_date_give_the_whole_index_order() {
    let (_d, s) = store();
    let start = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap_or_default();
    let mut x: u64 = 7;
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let mut docs = Vec::new();
    for n in 0..300 {
        // Most documents old, a few in the last month, some undated.
        let age = match n % 10 {
            0 => next(20),
            1 => next(300),
            _ => next(4000),
        };
        let day = start + chrono::Days::new(4000 - age);
        let mut d = doc(
            &format!("d{n:03}"),
            &format!("t-{}", next(3)),
            (2000, 1, 1),
            if n % 3 == 0 { "诚信" } else { "其他" },
            "",
        );
        d.published = (n % 37 != 0).then_some(day);
        docs.push(d);
    }
    ok(s.put_documents(&docs));
    let search = ok(Search::of(&s));
    ok(search.index_pending(&s));
    let recent = start + chrono::Days::new(3900);
    let filters = [
        Filter::default(),
        text("诚信"),
        Filter {
            unit: Some("t-1".into()),
            ..Filter::default()
        },
        Filter {
            from: Some(start + chrono::Days::new(1000)),
            ..text("诚信")
        },
        Filter {
            to: Some(recent),
            ..Filter::default()
        },
    ];
    for f in &filters {
        let all = ok(search.newest(f, 0, 10_000));
        let mut want: Vec<&Document> = docs
            .iter()
            .filter(|d| {
                f.unit.as_ref().is_none_or(|u| d.unit.as_ref() == Some(u))
                    && f.phrases
                        .iter()
                        .all(|p| d.title.as_deref().is_some_and(|t| t.contains(p.as_str())))
                    && f.from.is_none_or(|x| d.published.is_some_and(|p| p >= x))
                    && f.to.is_none_or(|x| d.published.is_some_and(|p| p <= x))
            })
            .collect();
        want.sort_by(|a, b| (b.published, &b.id).cmp(&(a.published, &a.id)));
        let want: Vec<String> = want.iter().map(|d| d.id.clone()).collect();
        assert_eq!(all, want, "{f:?}");
        for (off, lim) in [(0, 1), (0, 5), (3, 7), (20, 30), (0, 200)] {
            let end = (off + lim).min(want.len());
            let start = off.min(end);
            assert_eq!(
                ok(search.newest(f, off, lim)),
                want[start..end],
                "{f:?} {off} {lim}"
            );
        }
    }
}
