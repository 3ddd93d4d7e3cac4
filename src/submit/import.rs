//! `govtrust import FILE...`: reads every file, validates all their rows together, and stores
//! the facts in one transaction — or, if any file has any problem, stores nothing and returns
//! every problem of every file. A unit contained in the import has its earlier submission
//! superseded (kept in the store's history).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::rows::{ImportProblem, Location, RawRow};
use super::{csv, validate, xlsx};
use crate::config::Project;
use crate::store::facts::{FactsError, SubmissionBatch, SubmittedFile};
use crate::store::{Store, StoreError};

/// What was stored from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub path: PathBuf,
    /// File name as recorded in provenance.
    pub file: String,
    pub blake3: String,
    /// Unit ids, sorted.
    pub units: Vec<String>,
    pub rows: u32,
    pub facts: u32,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    pub import_id: u64,
    pub imported_at: DateTime<Utc>,
    pub files: Vec<FileSummary>,
    pub facts: usize,
    /// Earlier submitted facts of the same units moved to history.
    pub superseded: usize,
}

impl ImportSummary {
    /// Distinct units over all files.
    pub fn units(&self) -> BTreeSet<&str> {
        self.files
            .iter()
            .flat_map(|f| f.units.iter().map(String::as_str))
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("没有要导入的文件")]
    NoFiles,
    /// Every problem of every file; nothing was stored.
    #[error("{} 处错误，未导入任何数据：\n{}", .0.len(), list(.0))]
    Invalid(Vec<ImportProblem>),
    #[error(transparent)]
    Store(#[from] FactsError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(FactsError::Store(e))
    }
}

fn list(problems: &[ImportProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Whether a path is a workbook (by extension) rather than CSV.
fn is_workbook(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("xlsx" | "xlsm" | "xls" | "ods")
    )
}

/// Reads the rows of one file, CSV or workbook by extension.
pub fn read_rows(path: &Path, bytes: &[u8]) -> Result<Vec<RawRow>, Vec<ImportProblem>> {
    let name = file_name(path);
    if is_workbook(path) {
        xlsx::read_xlsx(&name, bytes)
    } else {
        csv::read_csv(&name, bytes)
    }
}

/// Imports `paths` as one all-or-nothing batch for the project's period.
pub fn import_files(
    project: &Project,
    store: &Store,
    paths: &[PathBuf],
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    if paths.is_empty() {
        return Err(ImportError::NoFiles);
    }
    let mut problems = Vec::new();
    let mut all_rows = Vec::new();
    let mut files = Vec::new();
    let mut names = BTreeSet::new();
    for path in paths {
        let name = file_name(path);
        if !names.insert(name.clone()) {
            // Provenance names files by name: two files of one name could not be told apart.
            problems.push(ImportProblem {
                at: Location::file(&path.display().to_string()),
                subject: None,
                message: format!("同一次导入中有两个名为 {name} 的文件"),
            });
            continue;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(ImportProblem {
                    at: Location::file(&path.display().to_string()),
                    subject: None,
                    message: format!("无法读取文件：{e}"),
                });
                continue;
            }
        };
        match read_rows(path, &bytes) {
            Ok(rows) if rows.is_empty() => problems.push(ImportProblem {
                at: Location::file(&name),
                subject: None,
                message: "文件中没有已填写的数据行".into(),
            }),
            Ok(rows) => {
                files.push((
                    path.clone(),
                    name,
                    blake3::hash(&bytes).to_hex().to_string(),
                    rows.len() as u32,
                ));
                all_rows.extend(rows);
            }
            Err(p) => problems.extend(p),
        }
    }
    let facts = match validate::validate(project, &all_rows, now) {
        Ok(f) => f,
        Err(p) => {
            problems.extend(p);
            Vec::new()
        }
    };
    if !problems.is_empty() {
        // Reading order of the files the user gave: file, sheet, row (a file's shape problems first).
        let order: Vec<String> = paths.iter().map(|p| file_name(p)).collect();
        problems.sort_by_key(|p| {
            (
                order.iter().position(|f| *f == p.at.file),
                p.at.sheet.clone(),
                p.at.row,
            )
        });
        return Err(ImportError::Invalid(problems));
    }
    let summaries: Vec<FileSummary> = files
        .into_iter()
        .map(|(path, file, blake3, rows)| {
            let mine = facts.iter().filter(|f| matches!(&f.provenance, crate::fact::Provenance::Submission { file: ff, .. } if *ff == file));
            let units: BTreeSet<String> = all_rows.iter().filter(|r| r.file == file).filter_map(|r| project.roster.resolve(&r.unit.value.text()).ok()).map(|u| u.id.clone()).collect();
            FileSummary {
                path,
                blake3,
                units: units.into_iter().collect(),
                rows,
                facts: mine.count() as u32,
                file,
            }
        })
        .collect();
    let batch = SubmissionBatch {
        period: project.period.id.clone(),
        files: summaries
            .iter()
            .map(|s| SubmittedFile {
                file: s.file.clone(),
                blake3: s.blake3.clone(),
                units: s.units.clone(),
                rows: s.rows,
                facts: s.facts,
            })
            .collect(),
        facts,
    };
    let outcome = store.facts()?.import_submissions(&batch, now)?;
    Ok(ImportSummary {
        import_id: outcome.import_id,
        imported_at: outcome.imported_at,
        files: summaries,
        facts: outcome.stored,
        superseded: outcome.superseded,
    })
}

/// The submission files (`*.csv`, `*.xlsx`) directly inside `dir`, sorted by name, for importing
/// a folder of submissions (the bundled samples, a mailbox export).
pub fn submission_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_sub = path.is_file()
            && (is_workbook(&path)
                || path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv")));
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"));
        if is_sub && !hidden {
            v.push(path);
        }
    }
    v.sort();
    Ok(v)
}

/// Imports every submission file directly inside `dir` as one batch (see [`submission_files`]);
/// what a demo or scheduled job calls on a folder of received submissions.
pub fn import_dir(
    project: &Project,
    store: &Store,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let files = submission_files(dir).map_err(|e| {
        ImportError::Invalid(vec![ImportProblem {
            at: Location::file(&dir.display().to_string()),
            subject: None,
            message: format!("无法读取目录：{e}"),
        }])
    })?;
    import_files(project, store, &files, now)
}
