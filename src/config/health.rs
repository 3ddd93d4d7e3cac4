//! `[health]` in the settings file: where the website inspection rule sets live
//! (`crawl-config/inspection/*.toml`, see `src/config/inspection.rs`), which one to apply, and
//! the date to judge at.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSettings {
    /// The date sites are judged at; default: the run's observation date (its `--as-of`, else
    /// the day it started, Beijing time).
    #[serde(default)]
    pub check_date: Option<NaiveDate>,
    /// Directory of inspection rule sets, relative to the settings file; default `inspection`
    /// (none loaded when that directory does not exist).
    #[serde(default)]
    pub inspection: Option<PathBuf>,
    /// The id of the rule set to apply; default: the one in force on the check date.
    #[serde(default)]
    pub rule_set: Option<String>,
}
