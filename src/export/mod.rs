//! Exports for tools outside govtrust: the archived snapshots as a WARC/1.1 file that standard
//! web-archive tools read ([`warc`]), and evidence and scores as JSON lines, CSV or an Excel
//! workbook ([`tables`]). Every export is written to a temporary file beside the target and
//! renamed into place, so a failure never leaves a half-written file.

pub mod tables;
pub mod warc;

use std::path::{Path, PathBuf};

use crate::store::facts::FactsError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write workbook {}: {source}", path.display())]
    Workbook {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("cannot write CSV {}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("run #{0} is not in the store")]
    NoSuchRun(u64),
    #[error("unknown format {0:?}: expected jsonl, csv or xlsx")]
    Format(String),
}

/// The table formats of `govtrust export evidence|scores`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

impl std::str::FromStr for Format {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Format, ExportError> {
        match s {
            "jsonl" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(ExportError::Format(other.to_string())),
        }
    }
}

/// `FILE.part` beside `path`: written first, then renamed over `path`.
pub(crate) fn temporary(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    path.with_file_name(name)
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Renames the finished temporary file into place.
pub(crate) fn finish(tmp: &Path, path: &Path) -> Result<(), ExportError> {
    std::fs::rename(tmp, path).map_err(io_err(path))
}
