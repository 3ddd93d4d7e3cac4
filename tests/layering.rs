//! The store is the bottom floor: no file under `src/store/` names a stage above it — not in a
//! `use`, not in a path in code, not in a doc link. The record types it keeps come from
//! `crate::model`; records a stage owns are kept through the store's typed trees, with the code
//! naming the type in the stage. No allow-list: every offence fails the test with its file and
//! line.

use std::path::{Path, PathBuf};

use regex::Regex;

/// The stages above the store.
const STAGES: &[&str] = &[
    "crawl", "extract", "evidence", "fact", "digest", "alert", "health", "inspect", "score",
    "query", "serve", "report", "pipeline", "service", "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Every path in `text` that reaches a stage: `crate::stage`, `govtrust::stage`,
/// `super::super::stage` (from a file under `src/store/`, two `super`s reach the crate root
/// or, inside an inline module, the store itself — where no module is named after a stage),
/// three `super`s in a row (the crate root from an inline module), and a stage named inside a
/// grouped `crate::{…}` import. Returns (line, what).
fn offences(text: &str) -> Vec<(usize, String)> {
    let stages = STAGES.join("|");
    let direct = Regex::new(&format!(
        r"\b(crate|govtrust|super\s*::\s*super)\s*::\s*({stages})\b"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let three_up =
        Regex::new(r"\bsuper\s*::\s*super\s*::\s*super\b").unwrap_or_else(|e| panic!("{e}"));
    let group = Regex::new(r"\b(crate|govtrust)\s*::\s*\{").unwrap_or_else(|e| panic!("{e}"));
    let named = Regex::new(&format!(r"(^|[{{,\s])({stages})\s*(::|,|\}}|\s+as\b|$)"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for m in direct.find_iter(text) {
        out.push((line_of(text, m.start()), m.as_str().to_string()));
    }
    for m in three_up.find_iter(text) {
        out.push((line_of(text, m.start()), m.as_str().to_string()));
    }
    for m in group.find_iter(text) {
        // The group's text up to its matching brace; only its top level names modules of the
        // crate root.
        let mut depth = 1;
        let mut top = String::new();
        for c in text[m.end()..].chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                break;
            }
            top.push(if depth == 1 { c } else { ' ' });
        }
        for n in named.captures_iter(&top) {
            out.push((line_of(text, m.start()), format!("crate::{{{}}}", &n[2])));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn no_module_under_src_store_names_a_stage_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    assert!(files.len() > 10, "too few files under {}", root.display());
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for (line, what) in offences(&text) {
            let rel = f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(f);
            found.push(format!("{}:{line}: {what}", rel.display()));
        }
    }
    assert!(
        found.is_empty(),
        "src/store imports from the stages above it ({} places):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_every_form_of_an_upward_path() {
    let text = "use crate::model::Document;\n\
        use crate::extract::Document;\n\
        /// See [`crate::crawl`]'s fingerprint.\n\
        fn f() { let _ = crate :: fact::Fact::default(); }\n\
        use crate::{model::Fact,\n    health::HealthReport};\n\
        use crate::{digest, store::key};\n\
        mod tests { use super::super::super::alert::Delivery; }\n\
        use super::super::score::Scoreboard;\n\
        use super::super::snapshots::LOOKUPS;\n\
        use crate::{config::{crawl, Project}};\n\
        use crate::scores_of_store::X;\n";
    let found: Vec<usize> = offences(text).into_iter().map(|(l, _)| l).collect();
    // Lines 2 (use), 3 (doc link), 4 (a path with spaces), 5 (a group across lines, named at
    // its start), 7 (the group's `digest`), 8 (three supers, and the stage after two of them),
    // 9; not the store's own modules, a stage's name nested deeper in a group, or a longer name.
    assert_eq!(found, vec![2, 3, 4, 5, 7, 8, 8, 9], "{:?}", offences(text));
}
