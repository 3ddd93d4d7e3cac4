//! Platform presets (`crawl-config/presets/NAME.toml`): what every column of one CMS platform
//! has in common — its payload, item selector, probes, captures, pagination and detail probes —
//! as data a user can copy and edit. A `[[list]]` with `platform = "NAME"` takes each key it
//! leaves out from the preset's `[list]`; the preset's `[[detail]]` declarations follow the
//! source's own (which, tried first, win).
//!
//! A preset is validated when loaded, by compiling it as a list of a source of its own, so a
//! bad selector is reported in the preset's file and key, not in every source that uses it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::column_kind::ColumnKind;
use super::source::{
    DetailSpec, ListSpec, OneOrMany, PaginationSpec, PayloadSpec, ScopeSpec, SourceFile, SourceMeta,
};
use super::{parse_toml, read_text, toml_files, ConfigError, Problem, Problems, Roster, Source};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PresetFile {
    pub preset: PresetMeta,
    pub list: ListDefaults,
    #[serde(default, rename = "detail")]
    pub details: Vec<DetailSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PresetMeta {
    /// The name lists give as `platform`; the file's stem.
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// The keys of a `[[list]]` a preset may fill: everything but what names one column (its name,
/// entries, url_pattern, unit, column_kind).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListDefaults {
    #[serde(default)]
    pub payload: Option<PayloadSpec>,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub items: Option<String>,
    #[serde(default)]
    pub link: OneOrMany,
    #[serde(default)]
    pub title: OneOrMany,
    #[serde(default)]
    pub date: OneOrMany,
    #[serde(default)]
    pub fields: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    pub records: Option<bool>,
    #[serde(default)]
    pub record_key: Option<String>,
    #[serde(default)]
    pub unit_from: Vec<String>,
    #[serde(default)]
    pub pagination: Option<PaginationSpec>,
    #[serde(default)]
    pub captures: BTreeMap<String, String>,
    #[serde(default)]
    pub column_kind: Option<ColumnKind>,
}

/// One loaded preset.
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub file: PathBuf,
    pub list: ListDefaults,
    pub details: Vec<DetailSpec>,
}

fn or_many(own: &OneOrMany, preset: &OneOrMany) -> OneOrMany {
    match own {
        OneOrMany::None => preset.clone(),
        _ => own.clone(),
    }
}

impl Preset {
    /// `list` with every key it leaves out taken from this preset; a table key (`fields`,
    /// `captures`) merges name by name, the list's own names winning.
    pub fn fill(&self, list: &ListSpec) -> ListSpec {
        let d = &self.list;
        let mut fields = d.fields.clone();
        fields.extend(list.fields.clone());
        let mut captures = d.captures.clone();
        captures.extend(list.captures.clone());
        ListSpec {
            name: list.name.clone(),
            platform: list.platform.clone(),
            entries: list.entries.clone(),
            url_pattern: list.url_pattern.clone(),
            payload: list.payload.clone().or_else(|| d.payload.clone()),
            item: list.item.clone().or_else(|| d.item.clone()),
            items: list.items.clone().or_else(|| d.items.clone()),
            link: or_many(&list.link, &d.link),
            title: or_many(&list.title, &d.title),
            date: or_many(&list.date, &d.date),
            fields,
            records: list.records.or(d.records),
            record_key: list.record_key.clone().or_else(|| d.record_key.clone()),
            unit: list.unit.clone(),
            unit_from: if list.unit_from.is_empty() {
                d.unit_from.clone()
            } else {
                list.unit_from.clone()
            },
            pagination: list.pagination.clone().or_else(|| d.pagination.clone()),
            captures,
            column_kind: list.column_kind.or(d.column_kind),
        }
    }
}

/// The presets of a directory, by name.
#[derive(Debug, Clone, Default)]
pub struct Presets {
    pub dir: Option<PathBuf>,
    by_name: BTreeMap<String, Preset>,
    /// Presets whose file has problems (by file stem): a list naming one is told so, not that
    /// its platform is unknown.
    broken: BTreeMap<String, PathBuf>,
}

impl Presets {
    /// Loads every `*.toml` of `dir`, validating each; every problem names its file and key.
    pub fn load(dir: &Path, roster: &Roster) -> Result<Presets, Vec<Problem>> {
        let (presets, problems) = Presets::load_lenient(dir, roster);
        if problems.is_empty() {
            Ok(presets)
        } else {
            Err(problems)
        }
    }

    /// [`Presets::load`] keeping the presets that load, with the problems of the others (which
    /// [`Presets::broken`] then names).
    pub fn load_lenient(dir: &Path, roster: &Roster) -> (Presets, Vec<Problem>) {
        let mut presets = Presets {
            dir: Some(dir.to_path_buf()),
            ..Presets::default()
        };
        let files = match toml_files(dir) {
            Ok(f) => f,
            Err(ConfigError::Read { path, source }) => {
                let p = Problem {
                    file: path,
                    key: String::new(),
                    message: format!("cannot read the presets directory: {source}"),
                };
                return (presets, vec![p]);
            }
            Err(ConfigError::Invalid(ps)) => return (presets, ps),
        };
        let mut problems = Vec::new();
        for f in files {
            let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            match Preset::load(&f, roster) {
                Ok(p) => {
                    presets.by_name.insert(p.name.clone(), p);
                }
                Err(ConfigError::Invalid(ps)) => {
                    presets.broken.insert(stem.to_string(), f.clone());
                    problems.extend(ps);
                }
                Err(ConfigError::Read { path, source }) => {
                    presets.broken.insert(stem.to_string(), f.clone());
                    problems.push(Problem {
                        file: path,
                        key: String::new(),
                        message: format!("cannot read: {source}"),
                    });
                }
            }
        }
        (presets, problems)
    }

    /// The file of preset `name` if it failed to load.
    pub fn broken(&self, name: &str) -> Option<&Path> {
        self.broken.get(name).map(PathBuf::as_path)
    }

    pub fn get(&self, name: &str) -> Option<&Preset> {
        self.by_name.get(name)
    }

    /// The known names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.by_name.values()
    }

    /// Adds a preset (tests, tools that build presets in memory).
    pub fn insert(&mut self, p: Preset) {
        self.by_name.insert(p.name.clone(), p);
    }
}

impl Preset {
    /// Reads and validates one preset file.
    pub fn load(path: &Path, roster: &Roster) -> Result<Preset, ConfigError> {
        let text = read_text(path)?;
        let f: PresetFile = parse_toml(path, &text)?;
        let mut p = Problems::new(path);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if f.preset.name != stem {
            p.push(
                "preset.name",
                format!(
                    "{:?} differs from the file's name {stem:?}: lists find a preset by its file",
                    f.preset.name
                ),
            );
        }
        let preset = Preset {
            name: f.preset.name.clone(),
            description: f.preset.description.clone(),
            file: path.to_path_buf(),
            list: f.list,
            details: f.details,
        };
        preset.check(roster, &mut p);
        if p.is_empty() {
            Ok(preset)
        } else {
            Err(ConfigError::Invalid(p.into_vec()))
        }
    }

    /// Compiles the preset as the one list (and the details) of a source of its own: its
    /// problems are pushed under the preset's keys (`list.item`, `detail[0].title`).
    pub fn check(&self, roster: &Roster, p: &mut Problems) {
        let probe = ListSpec {
            name: self.name.clone(),
            platform: None,
            entries: vec!["http://preset.invalid/".into()],
            ..ListSpec::empty()
        };
        let file = SourceFile {
            source: SourceMeta {
                name: "preset".into(),
                description: String::new(),
            },
            scope: ScopeSpec {
                hosts: vec!["preset.invalid".into()],
                path_prefixes: Vec::new(),
                // Any link of the preset's lists is admitted: the check is of the preset alone.
                allow: vec![".".into()],
                deny: Vec::new(),
            },
            politeness: None,
            lists: vec![self.fill(&probe)],
            details: self.details.clone(),
        };
        let mut own = Problems::new(&self.file);
        let _ = Source::compile(&self.file, file, roster, &mut own);
        for mut problem in own.into_vec() {
            problem.key = match problem.key.strip_prefix("list[0]") {
                Some(rest) => format!("list{rest}"),
                None => problem.key,
            };
            p.push(problem.key, problem.message);
        }
    }
}
