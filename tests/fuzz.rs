//! Fuzzing what comes from outside: pages (list and detail extraction of every shipped source,
//! the nesting estimate), submissions (CSV and XLSX bytes) and configuration files (settings and
//! source definitions, mutated). Arbitrary input ends in a result or an error naming the
//! problem — never a panic, never a hang.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use govtrust::config::{Kind, Project};
use govtrust::crawl::url::Normalizer;
use govtrust::extract::detail::extract_detail_upto;
use govtrust::extract::list::extract_list_upto;
use govtrust::extract::nesting::too_deep_at;
use govtrust::submit::import::read_rows;
use proptest::prelude::*;
use url::Url;

fn project() -> &'static Project {
    static P: OnceLock<Project> = OnceLock::new();
    P.get_or_init(|| {
        Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Text of pages: tags (nested, unclosed, stray end tags, attributes with odd quoting), the
/// labels and dates the probes look for, Chinese and control characters, JSON fragments.
fn page() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div>".to_string()),
        Just("</div>".to_string()),
        Just("<li><a href=\"/2023/03-28/1.html\">条目</a><span>2023-03-28</span>".to_string()),
        Just("<table><tr><td>索引号：</td><td>4/2026-1</td>".to_string()),
        Just("<a href=\"http://www.tongbai.sim/uploadfiles/a.pdf\">附件</a>".to_string()),
        Just("<meta name=\"ArticleTitle\" content=\"标题\">".to_string()),
        Just("<script>var a = '<div>';</script>".to_string()),
        Just("<!-- <div> -->".to_string()),
        Just("<div id=\"pageDec\" pagecount=\"99999999\" pagesize=\"0\"></div>".to_string()),
        Just("createPageHTML(4294967295, -1, \"index\", \"html\");".to_string()),
        Just("发布时间：2023年13月40日 来源:".to_string()),
        Just("<p class='a>b'>".to_string()),
        Just("<svg><path/></svg>".to_string()),
        Just("{\"data\":{\"list\":[{\"id\":1,\"title\":null}]}}".to_string()),
        Just("<![CDATA[<record><li>x</li></record>]]>".to_string()),
        "[\\PC]{0,12}".prop_map(|s| s),
        "[<>/=\"' a-z]{0,12}".prop_map(|s| s),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every list and detail definition of the shipped sources, on arbitrary pages.
    #[test]
    fn extraction_of_any_page_ends_without_a_panic(text in page()) {
        let nz = Normalizer::default();
        let url = Url::parse("http://www.tongbai.sim/zwgk/tzgg/index.html").unwrap_or_else(|e| panic!("{e}"));
        let crawl = project().crawl.as_ref().unwrap_or_else(|| panic!("no [crawl]"));
        for s in &crawl.sources {
            for l in &s.lists {
                let page = extract_list_upto(l, &url, &text, &nz, 50);
                if let Ok(p) = page {
                    prop_assert!(p.items.len() <= 50);
                }
            }
            for d in &s.details {
                let (f, _) = extract_detail_upto(d, &url, &text, &nz, 50);
                prop_assert!(f.attachments.len() <= 50);
            }
        }
    }

    /// The nesting estimate cuts only at a tag, and only where the depth is over the limit.
    #[test]
    fn the_nesting_cut_is_a_start_tag(text in page(), max in 1u32..40) {
        if let Some(at) = too_deep_at(&text, max) {
            prop_assert!(text.is_char_boundary(at));
            prop_assert_eq!(text.as_bytes()[at], b'<');
            prop_assert!(too_deep_at(&text[..at], max).is_none());
        }
    }

    /// Submissions: CSV of arbitrary cells, with and without the header, in UTF-8 or not.
    #[test]
    fn any_csv_submission_is_read_or_refused(
        rows in prop::collection::vec(prop::collection::vec("[\\PC,\"\\n;；、%]{0,10}", 0..7), 0..12),
        header in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        if header {
            text.push_str("unit,indicator,field,value,note\n");
        }
        for r in &rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        let _ = read_rows(Path::new("填报.csv"), text.as_bytes());
        let _ = read_rows(Path::new("填报.csv"), &encoding_rs::GBK.encode(&text).0);
        // Rows that parse go through the import's validation too.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("u.csv");
        std::fs::write(&f, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let store = govtrust::store::Store::open(&dir.path().join("s")).unwrap_or_else(|e| panic!("{e}"));
        let _ = govtrust::submit::import::import_files(project(), &store, &[f], chrono::Utc::now());
    }

    /// Workbooks: the real template with bytes changed (a damaged or hostile file).
    #[test]
    fn any_damaged_workbook_is_read_or_refused(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = template().to_vec();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] ^= b | 1;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = read_rows(Path::new("填报.xlsx"), &bytes);
    }

    /// Configuration: the shipped settings and a source definition with a line removed,
    /// duplicated or changed; loading reports problems, it does not panic.
    #[test]
    fn any_mutated_configuration_loads_or_is_refused(
        file in 0usize..2,
        line in any::<prop::sample::Index>(),
        how in 0u8..4,
        junk in "[\\PC=\\[\\]{}\"'.]{0,16}",
    ) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let settings = std::fs::read_to_string(root.join("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
        let source = std::fs::read_to_string(root.join("sources/sim-tongbai.toml")).unwrap_or_else(|e| panic!("{e}"));
        let mutate = |text: &str| -> String {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let i = line.index(lines.len().max(1)).min(lines.len().saturating_sub(1));
            match how {
                0 => { lines.remove(i); }
                1 => { let l = lines[i].clone(); lines.insert(i, l); }
                2 => lines[i] = junk.clone(),
                _ => lines[i].push_str(&junk),
            }
            lines.join("\n")
        };
        let abs = |text: &str| -> String {
            text.replace("\"units/", &format!("\"{}/crawl-config/units/", root.display()))
                .replace("\"indicators/", &format!("\"{}/crawl-config/indicators/", root.display()))
                .replace("\"rules\"", &format!("\"{}/crawl-config/rules\"", root.display()))
        };
        let (settings, source) = if file == 0 { (mutate(&settings), source) } else { (settings, mutate(&source)) };
        let src = dir.path().join("source.toml");
        std::fs::write(&src, source).unwrap_or_else(|e| panic!("{e}"));
        let settings = abs(&settings);
        let settings = settings.replace("\"../sources/sim-tongbai.toml\"", &format!("{:?}", src.display().to_string()));
        let settings = settings.replace("\"../sources/", &format!("\"{}/sources/", root.display()));
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, settings).unwrap_or_else(|e| panic!("{e}"));
        let _ = Project::load(&path);
    }
}

/// The township template, written once.
fn template() -> &'static [u8] {
    static T: OnceLock<Vec<u8>> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path: PathBuf = dir.path().join("t.xlsx");
        govtrust::submit::template::write_template(
            project(),
            Kind::Township,
            &Default::default(),
            &path,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}
