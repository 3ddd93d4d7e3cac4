//! Formula injection: a crawled title and a submitted value `=HYPERLINK("http://x","y")` reach
//! every CSV and XLSX output govtrust writes — evidence and score exports, the report
//! workbook, score sheets, query results, the submission template — as text: in CSV with a
//! leading apostrophe, in XLSX as string cells with the quote prefix, never as a formula.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use chrono::{NaiveDate, Utc};
use govtrust::config::Kind;
use govtrust::evidence::model::{DocRef, Evidence, Finding, Status};
use govtrust::export::tables::{export_evidence, export_scores};
use govtrust::export::Format;
use govtrust::extract::{Document, DocumentKind};
use govtrust::fact::Value;
use govtrust::query::{self, QueryParams};
use govtrust::store::frontier::Commit;
use govtrust::store::pages::{PageRecord, Role};
use govtrust::store::snapshots::content_hash;
use govtrust::submit::{self, TemplateFill};

use super::*;

const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";

/// A crawled page whose title is the formula, a candidate piece of evidence on it, and a
/// submission whose list value and note are the formula.
fn hostile_store(project: &Project, dir: &Path) -> Store {
    let store = Store::open(&dir.join("store")).unwrap_or_else(|e| panic!("{e}"));
    let url = "http://www.tongbai.sim/2023/05-01/f.html";
    let body =
        format!("<html><head><title>{FORMULA}</title></head><body>诚信教育活动</body></html>");
    let hash = content_hash(body.as_bytes());
    let now = Utc::now();
    let doc = Document {
        id: Document::id_for("sim-tongbai", url),
        source: "sim-tongbai".into(),
        list: None,
        kind: DocumentKind::Article,
        url: url.into(),
        page_url: url.into(),
        snapshot: hash.clone(),
        title: Some(FORMULA.into()),
        published: NaiveDate::from_ymd_opt(2023, 5, 1),
        publisher: None,
        index_no: None,
        doc_no: None,
        body: format!("{FORMULA} 诚信教育活动"),
        attachments: vec![],
        unit: Some("t-huaiyuan".into()),
        unit_basis: None,
        fields: BTreeMap::new(),
        run: 1,
        extracted_at: now,
    };
    let page = PageRecord {
        url: url.into(),
        final_url: url.into(),
        source: "sim-tongbai".into(),
        role: Role::Detail,
        status: 200,
        error: None,
        etag: None,
        last_modified: None,
        content_type: Some("text/html; charset=utf-8".into()),
        hash: Some(hash.clone()),
        charset: Some("utf-8".into()),
        bytes: body.len() as u64,
        fetched_at: now,
        run: 1,
        first_run: 1,
        changed_run: 1,
        changed_at: now,
        unchanged_streak: 0,
        next_due: None,
        gone_run: None,
        attachments: None,
    };
    store
        .commit(
            1,
            Commit {
                page: Some(page),
                snapshot: Some((hash.clone(), body.into_bytes())),
                documents: vec![doc.clone()],
                ..Commit::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let period = project.period.id.clone();
    let evidence = Evidence {
        id: "formula-evidence".into(),
        period: period.clone(),
        unit: "t-huaiyuan".into(),
        item: "T14".into(),
        rule: "T14.activity".into(),
        finding: Finding::Activity {
            title: FORMULA.into(),
        },
        document: DocRef {
            id: doc.id.clone(),
            source: doc.source.clone(),
            title: FORMULA.into(),
            url: url.into(),
            published_on: doc.published,
        },
        snapshot: hash,
        fetched_at: Some(now),
        status: Status::Candidate,
        decision: None,
        summary: FORMULA.into(),
    };
    let coverage = store.coverage(&period).unwrap_or_else(|e| panic!("{e}"));
    let unresolved = store.unresolved(&period).unwrap_or_else(|e| panic!("{e}"));
    store
        .replace_evidence(&period, &[evidence], &coverage, &unresolved)
        .unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.join("sub.csv");
    let quoted = FORMULA.replace('"', "\"\"");
    std::fs::write(
        &csv,
        format!("unit,indicator,field,value,note\nt-huaiyuan,T14,activities,\"{quoted}\",\"{quoted}\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    submit::import_files(project, &store, &[csv], Utc::now()).unwrap_or_else(|e| panic!("{e:?}"));
    store
}

/// Every cell of a CSV file (after its BOM): none starts a formula; returns whether the
/// formula text is among them, apostrophe-prefixed.
fn check_csv(name: &str, text: &str) -> bool {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut found = false;
    for rec in r.records() {
        let rec = rec.unwrap_or_else(|e| panic!("{name}: {e}"));
        for cell in rec.iter() {
            assert!(
                !govtrust::cells::formula_like(cell),
                "{name}: a cell starts a formula: {cell:?}"
            );
            found |= cell.contains(&format!("'{FORMULA}"));
        }
    }
    found
}

/// Every sheet of a workbook holds no cell formula; returns whether the formula text is in a
/// string cell (then the workbook's styles carry the quote prefix).
fn check_xlsx(path: &Path) -> bool {
    let name = path.display().to_string();
    let mut book = open_workbook_auto(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut found = false;
    for sheet in book.sheet_names() {
        let formulas = book
            .worksheet_formula(&sheet)
            .unwrap_or_else(|e| panic!("{name} {sheet}: {e}"));
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name} {sheet}: a cell holds a formula"
        );
        let range = book
            .worksheet_range(&sheet)
            .unwrap_or_else(|e| panic!("{name} {sheet}: {e}"));
        for (_, _, cell) in range.used_cells() {
            if let Data::String(s) = cell {
                found |= s == FORMULA;
            }
        }
    }
    if found {
        // The cells holding it carry the quote prefix, so editing them keeps them text.
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
        let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap_or_else(|e| panic!("{e}"))
            .read_to_string(&mut styles)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            styles.contains("quotePrefix=\"1\""),
            "{name}: no quote prefix"
        );
    }
    found
}

#[test]
fn a_formula_in_a_title_or_submission_is_text_in_every_csv_and_xlsx() {
    let project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = hostile_store(&project, dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));

    let mut csvs: Vec<(String, String, bool)> = Vec::new();
    let mut xlsxs: Vec<(std::path::PathBuf, bool)> = Vec::new();
    for (what, reaches) in [("evidence", true), ("scores", false)] {
        for format in [Format::Csv, Format::Xlsx] {
            let ext = if format == Format::Csv { "csv" } else { "xlsx" };
            let f = out.join(format!("{what}.{ext}"));
            let n = if what == "evidence" {
                export_evidence(&project, &store, format, &f)
            } else {
                export_scores(&project, &store, format, &f)
            }
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(n > 0);
            match format {
                Format::Csv => csvs.push((
                    f.display().to_string(),
                    std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{e}")),
                    reaches,
                )),
                _ => xlsxs.push((f, reaches)),
            }
        }
    }
    let report = govtrust::report::archive::write_from_store(
        &project,
        &store,
        &out.join("report"),
        None,
        Utc::now(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    xlsxs.push((report.files.xlsx.clone(), true));
    let board = govtrust::pipeline::score_store(&project, &store).unwrap_or_else(|e| panic!("{e}"));
    csvs.push((
        "score --format csv".into(),
        govtrust::score::render::csv(&board).unwrap_or_else(|e| panic!("{e}")),
        false,
    ));
    let q = QueryParams::default()
        .resolve(&project)
        .unwrap_or_else(|e| panic!("{e}"));
    let result = query::run(&store, &q).unwrap_or_else(|e| panic!("{e}"));
    let rows = query::flatten(&result, &q, |id| {
        project.roster.get(id).map(|u| u.short.clone())
    });
    csvs.push((
        "query --format csv".into(),
        query::csv(&rows).unwrap_or_else(|e| panic!("{e}")),
        true,
    ));
    let key = ("T14".to_string(), "activities".to_string());
    let fill = TemplateFill {
        unit: Some(FORMULA.into()),
        values: BTreeMap::from([(key.clone(), Value::List(vec![FORMULA.into()]))]),
        notes: BTreeMap::from([(key, FORMULA.into())]),
        contact: Some(FORMULA.into()),
    };
    let template = out.join("template.xlsx");
    submit::write_template(&project, Kind::Township, &fill, &template)
        .unwrap_or_else(|e| panic!("{e}"));
    xlsxs.push((template, true));

    for (name, text, reaches) in &csvs {
        let found = check_csv(name, text);
        assert!(!reaches || found, "{name}: the title never arrived");
    }
    for (path, reaches) in &xlsxs {
        let found = check_xlsx(path);
        assert!(
            !reaches || found,
            "{}: the title never arrived",
            path.display()
        );
    }
}
