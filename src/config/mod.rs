//! Loading and validating everything under `crawl-config/`: the top-level settings file, the
//! roster of units and the indicator catalogs.
//!
//! Loading is two-step (Vector's `config/compiler.rs`, ripgrep's low/high args): serde reads a
//! loose form with `deny_unknown_fields`, then validation collects *every* problem, each naming
//! its file and key, and only a configuration without problems is handed on.

pub mod alerts;
pub mod catalog;
pub mod column_kind;
pub mod crawl;
pub mod health;
pub mod inspection;
pub mod preset;
pub mod roster;
pub mod rules;
pub mod schedule;
pub mod serve;
pub mod settings;
pub mod source;

use std::fmt;
use std::path::{Path, PathBuf};

pub use catalog::{Catalog, Category, FieldSpec, FieldType, Item, Rule, SourceKind};
pub use crawl::Crawl;
pub use roster::{Kind, Roster, Unit};
pub use settings::{Period, Project, Settings};
pub use source::Source;

/// One problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// Dotted key path inside the file (`item[T6.1].rule.terms[0].denominator`), or empty.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}: {}: {}", self.file.display(), self.key, self.message)
        }
    }
}

/// Errors of configuration loading. `Invalid` carries every problem found, not just the first.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} problem(s) in configuration:\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigError {
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid(p) => p,
            ConfigError::Read { .. } => &[],
        }
    }
}

/// Collects problems for one file while validating it.
#[derive(Debug)]
pub struct Problems {
    file: PathBuf,
    pub(crate) found: Vec<Problem>,
}

impl Problems {
    pub fn new(file: &Path) -> Self {
        Problems {
            file: file.to_path_buf(),
            found: Vec::new(),
        }
    }

    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.found.push(Problem {
            file: self.file.clone(),
            key: key.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.found
    }
}

/// The `*.toml` files of a directory, sorted by name (a directory of rule files).
pub fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| ConfigError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a file to a string, mapping the I/O error to one naming the path.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses TOML into `T`, turning a syntax or shape error into a problem that names the line and
/// the key serde was reading.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str::<T>(text).map_err(|e| {
        let mut key = String::new();
        let mut message = e.message().to_string();
        if let Some(span) = e.span() {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            key = format!("line {line}");
        }
        if message.is_empty() {
            message = e.to_string();
        }
        ConfigError::Invalid(vec![Problem {
            file: path.to_path_buf(),
            key,
            message,
        }])
    })
}
