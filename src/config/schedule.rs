//! The optional `[schedule]` section of the settings file: when `govtrust schedule` runs the
//! pipeline. The expression is the `cron` crate's: six or seven fields, **seconds first** —
//! `sec min hour day-of-month month day-of-week [year]`, with `*`, lists `1,15`, ranges `1-5`,
//! steps `*/10` and names `Mon`, `Jan`. Times are read in `timezone`: `Asia/Shanghai` (the
//! default; China has kept UTC+08:00 without daylight saving since 1991, so it is a fixed offset),
//! `UTC`, or an offset such as `+08:00`.
//!
//! ```toml
//! [schedule]
//! cron = "0 0 2 * * *"        # every day at 02:00:00
//! timezone = "Asia/Shanghai"
//! report_dir = "../out"       # write the report here after each run (relative to this file)
//! ```

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::FixedOffset;
use serde::{Deserialize, Serialize};

use super::{Problem, Problems};

pub const DEFAULT_CRON: &str = "0 0 2 * * *";
pub const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";

fn default_cron() -> String {
    DEFAULT_CRON.to_string()
}
fn default_timezone() -> String {
    DEFAULT_TIMEZONE.to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    #[serde(default = "default_cron")]
    pub cron: String,
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Where each run writes report.html, report.xlsx and summary.md (relative to the settings
    /// file); no report when absent.
    #[serde(default)]
    pub report_dir: Option<PathBuf>,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            cron: default_cron(),
            timezone: default_timezone(),
            report_dir: None,
        }
    }
}

/// A timezone name or offset as a fixed offset.
pub fn parse_timezone(s: &str) -> Result<FixedOffset, String> {
    let s = s.trim();
    let east =
        |secs| FixedOffset::east_opt(secs).ok_or_else(|| format!("{s:?}: offset out of range"));
    match s {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "PRC" | "CST" => east(8 * 3600),
        "UTC" | "Z" | "Etc/UTC" => east(0),
        _ => {
            let (sign, rest) = match s.as_bytes().first() {
                Some(b'+') => (1, &s[1..]),
                Some(b'-') => (-1, &s[1..]),
                _ => {
                    return Err(format!(
                        "{s:?}: expected Asia/Shanghai, UTC or an offset such as +08:00"
                    ))
                }
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
            match (h.parse::<i32>(), m.parse::<i32>()) {
                (Ok(h), Ok(m)) if h <= 14 && m < 60 => east(sign * (h * 3600 + m * 60)),
                _ => Err(format!("{s:?}: expected an offset such as +08:00")),
            }
        }
    }
}

impl ScheduleSettings {
    pub fn schedule(&self) -> Result<cron::Schedule, String> {
        cron::Schedule::from_str(&self.cron).map_err(|e| {
            format!(
                "{:?}: {e} (six or seven fields, seconds first: \"0 0 2 * * *\")",
                self.cron
            )
        })
    }

    pub fn offset(&self) -> Result<FixedOffset, String> {
        parse_timezone(&self.timezone)
    }

    pub fn validate(&self, file: &Path) -> Vec<Problem> {
        let mut p = Problems::new(file);
        if let Err(e) = self.schedule() {
            p.push("schedule.cron", e);
        }
        if let Err(e) = self.offset() {
            p.push("schedule.timezone", e);
        }
        p.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones_and_cron_are_checked() {
        assert_eq!(
            parse_timezone("Asia/Shanghai").map(|o| o.local_minus_utc()),
            Ok(8 * 3600)
        );
        assert_eq!(
            parse_timezone("-05:30").map(|o| o.local_minus_utc()),
            Ok(-(5 * 3600 + 1800))
        );
        assert!(parse_timezone("Mars/Olympus").is_err());
        let s = ScheduleSettings::default();
        assert!(s.validate(Path::new("x.toml")).is_empty());
        let bad = ScheduleSettings {
            cron: "0 2 * * *".into(),
            ..ScheduleSettings::default()
        };
        let problems = bad.validate(Path::new("x.toml"));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "schedule.cron");
    }
}
