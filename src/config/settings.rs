//! The top-level settings file (`crawl-config/simweb.toml`, `crawl-config/tongbai.toml`): the
//! evaluation period and which roster and catalogs apply. Later stages add their own sections.
//! [`Project`] is the loaded, validated whole that every command works from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::alerts::AlertSettings;
use super::crawl::{Crawl, CrawlSettings};
use super::health::HealthSettings;
use super::inspection::InspectionRules;
use super::rules::RuleSet;
use super::schedule::ScheduleSettings;
use super::serve::ServeSettings;
use super::{parse_toml, read_text, Catalog, ConfigError, Kind, Problem, Problems, Roster};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub evaluation: Evaluation,
    /// Crawl settings and the sources they name; absent in a scoring-only deployment.
    #[serde(default)]
    pub crawl: Option<CrawlSettings>,
    /// The website inspection: its rule sets, which to apply, the check date.
    #[serde(default)]
    pub health: HealthSettings,
    /// Webhooks for alerts (`src/config/alerts.rs`); none when absent.
    #[serde(default)]
    pub alerts: Option<AlertSettings>,
    /// When `govtrust schedule` runs (`src/config/schedule.rs`); nightly at 02:00 when absent.
    #[serde(default)]
    pub schedule: Option<ScheduleSettings>,
    /// Host names `govtrust serve` answers under (`src/config/serve.rs`); loopback when absent.
    #[serde(default)]
    pub serve: ServeSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// Period id used in keys (`2023`).
    pub period: String,
    /// First day monitored (inclusive).
    pub start: NaiveDate,
    /// Last day monitored (inclusive; the seed says 2023-12-30).
    pub end: NaiveDate,
    /// Roster file, relative to this settings file.
    pub roster: PathBuf,
    /// Catalog files, relative to this settings file; one per kind.
    pub catalogs: Vec<PathBuf>,
    /// Directory of evidence rules (`*.toml`), relative to this settings file.
    #[serde(default)]
    pub rules: Option<PathBuf>,
}

/// The monitoring period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub id: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    /// The evaluation year (deadlines such as 03-31 fall in it).
    pub fn year(&self) -> i32 {
        use chrono::Datelike;
        self.start.year()
    }
}

/// Everything loaded and validated from one settings file.
#[derive(Debug, Clone)]
pub struct Project {
    pub settings_path: PathBuf,
    pub settings: Settings,
    pub period: Period,
    pub roster: Roster,
    pub catalogs: BTreeMap<Kind, Catalog>,
    /// The validated `[crawl]` section with its compiled sources.
    pub crawl: Option<Crawl>,
    /// The evidence rules (empty when `evaluation.rules` is not set).
    pub rules: RuleSet,
    /// The website inspection rule sets (`[health] inspection`), all versions.
    pub inspection: Vec<InspectionRules>,
}

impl Project {
    /// Loads the settings file and everything it names, reporting every problem at once.
    pub fn load(path: &Path) -> Result<Project, ConfigError> {
        let text = read_text(path)?;
        let settings: Settings = parse_toml(path, &text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut all: Vec<Problem> = Vec::new();
        let mut p = Problems::new(path);
        let ev = &settings.evaluation;
        if ev.end < ev.start {
            p.push(
                "evaluation.end",
                format!("{} is before evaluation.start {}", ev.end, ev.start),
            );
        }
        if ev.period.trim().is_empty() || ev.period.contains('\0') {
            p.push("evaluation.period", "empty period id");
        }
        all.extend(p.into_vec());
        if let Some(a) = &settings.alerts {
            all.extend(a.validate(path));
        }
        if let Some(s) = &settings.schedule {
            all.extend(s.validate(path));
        }
        all.extend(settings.serve.validate(path));

        let roster = match Roster::load(&base.join(&ev.roster)) {
            Ok(r) => Some(r),
            Err(e) => {
                all.extend(problems_of(e));
                None
            }
        };
        let mut catalogs = BTreeMap::new();
        for (i, c) in ev.catalogs.iter().enumerate() {
            let cpath = base.join(c);
            match Catalog::load(&cpath) {
                Ok(cat) => {
                    if catalogs.contains_key(&cat.meta.kind) {
                        all.push(Problem {
                            file: path.to_path_buf(),
                            key: format!("evaluation.catalogs[{i}]"),
                            message: format!("a second catalog for kind {}", cat.meta.kind),
                        });
                    }
                    catalogs.insert(cat.meta.kind, cat);
                }
                Err(e) => all.extend(problems_of(e)),
            }
        }
        if let Some(r) = &roster {
            for kind in [Kind::Township, Kind::Department] {
                if r.of_kind(kind).next().is_some()
                    && !catalogs.contains_key(&kind)
                    && all.is_empty()
                {
                    all.push(Problem {
                        file: path.to_path_buf(),
                        key: "evaluation.catalogs".into(),
                        message: format!(
                            "the roster has {} units but no catalog scores them",
                            kind.label()
                        ),
                    });
                }
            }
        }
        let mut rules = RuleSet::default();
        if let Some(dir) = &ev.rules {
            if all.is_empty() {
                match RuleSet::load(&base.join(dir), &catalogs) {
                    Ok(r) => rules = r,
                    Err(e) => all.extend(problems_of(e)),
                }
            }
        }
        let mut inspection = Vec::new();
        let dir = settings.health.inspection.as_ref();
        let inspection_dir = base.join(dir.map_or(Path::new("inspection"), |d| d.as_path()));
        if dir.is_some() || inspection_dir.is_dir() {
            match InspectionRules::load_dir(&inspection_dir) {
                Ok(sets) => inspection = sets,
                Err(e) => all.extend(problems_of(e)),
            }
        }
        if let Some(id) = &settings.health.rule_set {
            if !inspection.iter().any(|s| &s.rule_set.id == id) && all.is_empty() {
                all.push(Problem {
                    file: path.to_path_buf(),
                    key: "health.rule_set".into(),
                    message: format!("no inspection rule set has the id {id}"),
                });
            }
        }
        let mut crawl = None;
        if let (Some(cs), Some(r)) = (&settings.crawl, &roster) {
            match Crawl::load(cs, path, base, r) {
                Ok(c) => crawl = Some(c),
                Err(ps) => all.extend(ps),
            }
        }
        match (all.is_empty(), roster) {
            (true, Some(roster)) => Ok(Project {
                crawl,
                rules,
                inspection,
                settings_path: path.to_path_buf(),
                period: Period {
                    id: ev.period.clone(),
                    start: ev.start,
                    end: ev.end,
                },
                settings,
                roster,
                catalogs,
            }),
            _ => Err(ConfigError::Invalid(all)),
        }
    }

    pub fn catalog(&self, kind: Kind) -> Option<&Catalog> {
        self.catalogs.get(&kind)
    }

    /// The directory of the settings file; relative paths in it are resolved from here.
    pub fn base_dir(&self) -> &Path {
        self.settings_path.parent().unwrap_or(Path::new("."))
    }
}

fn problems_of(e: ConfigError) -> Vec<Problem> {
    match e {
        ConfigError::Invalid(p) => p,
        ConfigError::Read { path, source } => vec![Problem {
            file: path,
            key: String::new(),
            message: format!("cannot read: {source}"),
        }],
    }
}
