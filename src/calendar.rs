//! The official Chinese working-day calendar (国务院办公厅 节假日安排), used to decide whether a
//! 双公示 record was published within 7 working days of its decision.
//!
//! A working day is Monday–Friday not listed as a holiday, or any day listed with
//! `isOffDay: false` (a 调休 make-up working day on a weekend). The data are the holiday-cn files
//! shipped in `crawl-config/holidays/{year}.json` (MIT, see the LICENSE there) and embedded here,
//! so the calendar works without a configuration directory. A file is keyed by the year of the
//! notice, so a late-December date can sit in the next year's file: all files are merged by date.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

/// The embedded years, in the shape holiday-cn publishes them.
const EMBEDDED: [(&str, &str); 5] = [
    (
        "2022.json",
        include_str!("../crawl-config/holidays/2022.json"),
    ),
    (
        "2023.json",
        include_str!("../crawl-config/holidays/2023.json"),
    ),
    (
        "2024.json",
        include_str!("../crawl-config/holidays/2024.json"),
    ),
    (
        "2025.json",
        include_str!("../crawl-config/holidays/2025.json"),
    ),
    (
        "2026.json",
        include_str!("../crawl-config/holidays/2026.json"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("cannot read holiday file {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("holiday file {file}: {message}")]
    Parse { file: String, message: String },
    #[error("holiday files disagree on {date}: {first} vs {second}")]
    Conflict {
        date: NaiveDate,
        first: String,
        second: String,
    },
}

#[derive(Deserialize)]
struct YearFile {
    year: i32,
    days: Vec<DayEntry>,
}

#[derive(Deserialize)]
struct DayEntry {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// One listed exception to the Monday–Friday rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// 元旦, 春节, 国庆节…
    pub name: String,
    /// `true`: a holiday; `false`: a make-up working day (调休).
    pub off: bool,
}

/// The working-day calendar over the years its data cover.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    exceptions: BTreeMap<NaiveDate, Exception>,
    /// Years whose notice is loaded; outside them only the Monday–Friday rule applies.
    years: Vec<i32>,
}

impl WorkCalendar {
    /// The calendar of the embedded data (2022–2026).
    pub fn official() -> WorkCalendar {
        let files: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        // The embedded files are shipped and tested; a failure here is a build defect, and the
        // empty calendar it falls back to is still a valid Monday–Friday calendar.
        WorkCalendar::from_files(&files).unwrap_or_else(|_| WorkCalendar {
            exceptions: BTreeMap::new(),
            years: Vec::new(),
        })
    }

    /// Loads every `*.json` file of a holiday-cn directory.
    pub fn load_dir(dir: &Path) -> Result<WorkCalendar, CalendarError> {
        let entries = std::fs::read_dir(dir).map_err(|source| CalendarError::Read {
            file: dir.display().to_string(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| CalendarError::Read {
                file: dir.display().to_string(),
                source,
            })?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| CalendarError::Read {
                file: path.display().to_string(),
                source,
            })?;
            files.push((path.display().to_string(), text));
        }
        files.sort();
        WorkCalendar::from_files(&files)
    }

    /// Builds a calendar from (file name, JSON text) pairs.
    pub fn from_files(files: &[(String, String)]) -> Result<WorkCalendar, CalendarError> {
        let mut exceptions: BTreeMap<NaiveDate, Exception> = BTreeMap::new();
        let mut years = Vec::new();
        for (file, text) in files {
            let parsed: YearFile =
                serde_json::from_str(text).map_err(|e| CalendarError::Parse {
                    file: file.clone(),
                    message: format!("line {}: {e}", e.line()),
                })?;
            years.push(parsed.year);
            for (i, d) in parsed.days.into_iter().enumerate() {
                let date = NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").map_err(|e| {
                    CalendarError::Parse {
                        file: file.clone(),
                        message: format!("days[{i}].date {:?}: {e}", d.date),
                    }
                })?;
                let ex = Exception {
                    name: d.name,
                    off: d.is_off_day,
                };
                if let Some(prev) = exceptions.get(&date) {
                    if prev.off != ex.off {
                        return Err(CalendarError::Conflict {
                            date,
                            first: format!("{} off={}", prev.name, prev.off),
                            second: format!("{} off={}", ex.name, ex.off),
                        });
                    }
                    continue;
                }
                exceptions.insert(date, ex);
            }
        }
        years.sort_unstable();
        years.dedup();
        Ok(WorkCalendar { exceptions, years })
    }

    /// The years whose official notice is loaded.
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    /// The listed exception on a date, if any.
    pub fn exception(&self, date: NaiveDate) -> Option<&Exception> {
        self.exceptions.get(&date)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(ex) => !ex.off,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `date` (`n = 0` → `date` itself). Day one is the first
    /// working day after `date`, whatever `date` is.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(a, b]`: how many working days after `a` the date `b` falls (0 when
    /// `b <= a`). A record decided on `a` and published on `b` is within `n` working days when
    /// this is at most `n`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        let mut count = 0;
        let mut d = a;
        while d < b {
            d += Duration::days(1);
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }

    /// Whether `published` is within `limit` working days of `decided` (same day counts).
    pub fn within_working_days(
        &self,
        decided: NaiveDate,
        published: NaiveDate,
        limit: u32,
    ) -> bool {
        published <= self.add_working_days(decided, limit)
    }
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar::official()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn make_up_saturday_is_a_working_day() {
        let c = WorkCalendar::official();
        assert!(
            c.is_working_day(d("2023-01-28")),
            "2023-01-28 Saturday 调休"
        );
        assert!(c.is_working_day(d("2023-01-29")), "2023-01-29 Sunday 调休");
        assert!(!c.is_working_day(d("2023-01-27")), "春节 Friday off");
        assert!(!c.is_working_day(d("2023-02-04")), "plain Saturday");
        assert!(c.is_working_day(d("2023-02-03")), "plain Friday");
    }

    #[test]
    fn labour_day_2023_is_off_and_make_up_days_work() {
        let c = WorkCalendar::official();
        for day in [
            "2023-04-29",
            "2023-04-30",
            "2023-05-01",
            "2023-05-02",
            "2023-05-03",
        ] {
            assert!(!c.is_working_day(d(day)), "{day}");
        }
        assert!(c.is_working_day(d("2023-04-23")), "Sunday 调休");
        assert!(c.is_working_day(d("2023-05-06")), "Saturday 调休");
    }

    #[test]
    fn seven_working_days_across_national_day_2023() {
        let c = WorkCalendar::official();
        // 2023-09-28 Thu. 09-29..10-06 off; 10-07 Sat and 10-08 Sun are make-up days.
        // Working days after: 10-07, 10-08, 10-09, 10-10, 10-11, 10-12, 10-13.
        assert_eq!(c.add_working_days(d("2023-09-28"), 7), d("2023-10-13"));
        assert_eq!(c.working_days_between(d("2023-09-28"), d("2023-10-13")), 7);
        assert!(c.within_working_days(d("2023-09-28"), d("2023-10-13"), 7));
        assert!(!c.within_working_days(d("2023-09-28"), d("2023-10-16"), 7));
    }

    #[test]
    fn late_december_dates_from_next_years_file() {
        let c = WorkCalendar::official();
        // 2022-12-31 (Saturday) is listed in 2023.json as 元旦.
        let ex = c.exception(d("2022-12-31")).unwrap();
        assert!(ex.off);
        assert_eq!(ex.name, "元旦");
        assert!(c.years().contains(&2023));
    }

    #[test]
    fn zero_and_reverse_ranges() {
        let c = WorkCalendar::official();
        assert_eq!(c.add_working_days(d("2023-03-01"), 0), d("2023-03-01"));
        assert_eq!(c.working_days_between(d("2023-03-10"), d("2023-03-01")), 0);
        // Friday + 1 working day = Monday.
        assert_eq!(c.add_working_days(d("2023-03-03"), 1), d("2023-03-06"));
    }

    #[test]
    fn bad_file_names_file_and_position() {
        let files = vec![(
            "x.json".to_string(),
            "{\"year\":2023,\"days\":[{\"name\":\"a\",\"date\":\"2023-13-01\",\"isOffDay\":true}]}"
                .to_string(),
        )];
        let err = WorkCalendar::from_files(&files).unwrap_err().to_string();
        assert!(
            err.contains("x.json") && err.contains("days[0].date"),
            "{err}"
        );
    }

    #[test]
    fn directory_load_matches_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/holidays");
        let c = WorkCalendar::load_dir(&dir).unwrap();
        assert_eq!(c.years(), WorkCalendar::official().years());
        assert!(c.is_working_day(d("2023-01-28")));
    }
}
