//! Catalog validation: broken catalogs written to a temp dir must be rejected with every problem
//! at once, each naming its file and key; unknown keys are rejected everywhere, including inside
//! an internally tagged `rule = {kind = ...}` table; the shipped configuration loads clean.

use std::fs;
use std::path::{Path, PathBuf};

use govtrust::config::{Catalog, ConfigError, Problem, Project};

const HEAD: &str = r#"
[meta]
kind = "township"
title = "测试指标"
total = 100

[[category]]
name = "甲"
max = 60

[[category]]
name = "乙"
max = 40
"#;

const GOOD_ITEMS: &str = r#"
[[item]]
id = "A1"
category = "甲"
indicator = "网站"
content = "政府网站情况"
max = 60
source = "web"
field = [{ name = "failures", type = "int", label = "被通报次数" }]
rule = { kind = "deduction", field = "failures", per = 1, floor = 0 }

[[item]]
id = "B1"
category = "乙"
indicator = "服务"
content = "覆盖率"
max = 40
source = "sub"
field = [{ name = "coverage", type = "rate", label = "覆盖率" }]
rule = { kind = "bands", values = ["coverage"], bands = [{ min = 0.9, score = 40 }, { min = 0.5, score = 20 }] }
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write temp catalog");
    path
}

fn problems(path: &Path) -> Vec<Problem> {
    match Catalog::load(path) {
        Ok(_) => panic!("{} should not load", path.display()),
        Err(ConfigError::Invalid(p)) => p,
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// The problem whose key is `key` and whose message contains `words`.
fn find<'a>(ps: &'a [Problem], key: &str, words: &str) -> &'a Problem {
    ps.iter()
        .find(|p| p.key == key && p.message.contains(words))
        .unwrap_or_else(|| panic!("no problem at {key:?} mentioning {words:?} in:\n{ps:#?}"))
}

#[test]
fn a_good_catalog_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "good.toml", &format!("{HEAD}{GOOD_ITEMS}"));
    let catalog = Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(catalog.items.len(), 2);
}

#[test]
fn every_problem_is_reported_at_once_with_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let items = r#"
[[item]]
id = "A1"
category = "甲"
indicator = "网站"
content = "政府网站情况"
max = 30
source = "web"
field = [{ name = "failures", type = "int", label = "被通报次数" }]
rule = { kind = "deduction", field = "nope", per = 1, floor = 0 }

[[item]]
id = "A1"
category = "甲"
indicator = "清单"
content = "公示清单"
max = 40
source = "web"
field = [{ name = "failures", type = "int", label = "被通报次数" }]
rule = { kind = "flag", field = "failures", award_when = true }

[[item]]
id = "B1"
category = "乙"
indicator = "服务"
content = "覆盖率"
max = 40
source = "sub"
field = [{ name = "coverage", type = "rate", label = "覆盖率" }]
rule = { kind = "bands", values = ["coverage"], bands = [{ min = 0.5, score = 20 }, { min = 0.9, score = 40 }] }
"#;
    let path = write(dir.path(), "broken.toml", &format!("{HEAD}{items}"));
    let ps = problems(&path);
    assert!(
        ps.iter().all(|p| p.file == path),
        "every problem names the file"
    );
    find(&ps, "item[A1].id", "duplicate item id");
    find(
        &ps,
        "category[甲]",
        "item maxima sum to 70, but the category's max is 60",
    );
    find(&ps, "item", "item maxima sum to 110, but meta.total is 100");
    find(
        &ps,
        "item[A1].rule.field",
        "\"nope\", which the item does not declare",
    );
    find(
        &ps,
        "item[A1].rule.field",
        "field \"failures\" is int, the rule needs bool",
    );
    find(&ps, "item[B1].rule.bands[1].min", "descending");
    // The display form carries file and key for the person reading check-config.
    let shown = ConfigError::Invalid(ps.clone()).to_string();
    assert!(
        shown.contains(&format!("{}: item[A1].id: duplicate", path.display())),
        "{shown}"
    );
    assert!(ps.len() >= 6, "{ps:#?}");
}

#[test]
fn category_maxima_must_sum_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("{HEAD}{GOOD_ITEMS}").replace("name = \"乙\"\nmax = 40", "name = \"乙\"\nmax = 30");
    let path = write(dir.path(), "cats.toml", &text);
    let ps = problems(&path);
    find(
        &ps,
        "category",
        "category maxima sum to 90, but meta.total is 100",
    );
    find(
        &ps,
        "category[乙]",
        "item maxima sum to 40, but the category's max is 30",
    );
}

/// Asserts that loading `text` fails on an unknown key, naming the file, a line and the key.
fn assert_unknown_key(text: &str, key: &str, line: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "unknown.toml", text);
    let ps = problems(&path);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].file, path);
    assert_eq!(ps[0].key, format!("line {line}"), "{ps:#?}");
    assert!(
        ps[0].message.contains(&format!("unknown field `{key}`")),
        "{}",
        ps[0].message
    );
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

#[test]
fn unknown_item_key_is_rejected() {
    let text = format!("{HEAD}{GOOD_ITEMS}")
        .replace("max = 60\nsource", "max = 60\ncolour = \"red\"\nsource");
    assert_unknown_key(&text, "colour", line_of(&text, "colour"));
}

#[test]
fn unknown_key_inside_a_tagged_rule_table_is_rejected() {
    let text = format!("{HEAD}{GOOD_ITEMS}")
        .replace("per = 1, floor = 0 }", "per = 1, floor = 0, cap = 3 }");
    assert_unknown_key(&text, "cap", line_of(&text, "cap = 3"));
}

#[test]
fn unknown_key_inside_a_rule_written_as_a_table_is_rejected() {
    let items = GOOD_ITEMS.replace(
        "rule = { kind = \"deduction\", field = \"failures\", per = 1, floor = 0 }",
        "[item.rule]\nkind = \"deduction\"\nfield = \"failures\"\nper = 1\nfloor = 0\nflor = 1\n",
    );
    let text = format!("{HEAD}{items}");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "unknown.toml", &text);
    let ps = problems(&path);
    assert_eq!(ps[0].file, path);
    assert!(ps[0].key.starts_with("line "), "{ps:#?}");
    assert!(
        ps[0].message.contains("unknown field `flor`"),
        "{}",
        ps[0].message
    );
}

#[test]
fn unknown_key_inside_a_field_and_a_band_is_rejected() {
    let text = format!("{HEAD}{GOOD_ITEMS}").replace(
        "label = \"被通报次数\" }",
        "label = \"被通报次数\", unit = \"次\" }",
    );
    assert_unknown_key(&text, "unit", line_of(&text, "unit = "));
    let text = format!("{HEAD}{GOOD_ITEMS}").replace(
        "{ min = 0.5, score = 20 }",
        "{ min = 0.5, score = 20, max = 1 }",
    );
    assert_unknown_key(&text, "max", line_of(&text, "score = 20, max"));
}

#[test]
fn unknown_rule_kind_is_rejected() {
    let text = format!("{HEAD}{GOOD_ITEMS}").replace("kind = \"deduction\"", "kind = \"formula\"");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "kind.toml", &text);
    let ps = problems(&path);
    assert!(ps[0].message.contains("formula"), "{}", ps[0].message);
    assert_eq!(ps[0].key, format!("line {}", line_of(&text, "formula")));
}

#[test]
fn problems_of_several_files_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config");
    fs::create_dir_all(dir.path().join("units")).unwrap();
    fs::copy(
        shipped.join("units/tongbai.toml"),
        dir.path().join("units/tongbai.toml"),
    )
    .unwrap();
    let town = fs::read_to_string(shipped.join("indicators/township.toml")).unwrap();
    let dept = fs::read_to_string(shipped.join("indicators/department.toml")).unwrap();
    let town = town.replacen("id = \"T5\"", "id = \"T4\"", 1);
    let dept = dept.replacen("per = 2, floor = 0", "per = 2, floor = 9", 1);
    let t = write(dir.path(), "township.toml", &town);
    let d = write(dir.path(), "department.toml", &dept);
    let settings = write(
        dir.path(),
        "settings.toml",
        "[evaluation]\nperiod = \"2023\"\nstart = \"2023-01-01\"\nend = \"2023-12-30\"\nroster = \"units/tongbai.toml\"\ncatalogs = [\"township.toml\", \"department.toml\"]\n",
    );
    let err = Project::load(&settings).expect_err("broken catalogs");
    let ps = err.problems();
    assert!(
        ps.iter().any(|p| p.file == t && p.key == "item[T4].id"),
        "{ps:#?}"
    );
    assert!(
        ps.iter()
            .any(|p| p.file == d && p.key == "item[D3].rule.floor"),
        "{ps:#?}"
    );
}

#[test]
fn shipped_configuration_loads_clean() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/simweb.toml");
    let project = Project::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(project.catalogs.len(), 2);
    for catalog in project.catalogs.values() {
        let sum: f64 = catalog.items.iter().map(|i| i.max).sum();
        assert!((sum - 100.0).abs() < 1e-9);
    }
}

#[test]
fn a_missing_settings_file_is_named_once_with_its_cause() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("nowhere.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govtrust"))
        .arg("--store")
        .arg(dir.path().join("store"))
        .arg("--config")
        .arg(&missing)
        .arg("check-config")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}
