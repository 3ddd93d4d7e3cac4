//! The submission commands driven through the real binary against a temporary store:
//! `template`, `import` (every validation error names its place and imports nothing), `facts`,
//! `fact set` / `fact unset`, and the bundled sample submissions.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::Command;
use chrono::{NaiveDate, Utc};
use govtrust::config::{FieldType, Kind, Project};
use govtrust::fact::{Fact, Provenance, Value};
use govtrust::store::facts::AuditAction;
use govtrust::store::{Store, StoreError};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config() -> PathBuf {
    root().join("crawl-config/simweb.toml")
}

fn project() -> Project {
    Project::load(&config()).unwrap()
}

/// Runs a command; a store still locked by this test process (sled releases its lock file
/// a moment after the last handle drops) makes the command wait and retry, not fail.
trait Run {
    fn run(&mut self) -> Output;
}

impl Run for Command {
    fn run(&mut self) -> Output {
        for _ in 0..400 {
            let out = self.output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if !err.contains("could not acquire lock") && !err.contains("本命令不能同时使用它")
            {
                return out;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("store stayed locked for 10 s");
    }
}

/// Opens the store in this process, waiting out the lock of a command that just exited.
fn open_store(path: &Path) -> Store {
    for _ in 0..400 {
        match Store::open(path) {
            Ok(s) => return s,
            Err(StoreError::Open { .. } | StoreError::Held { .. }) => {
                std::thread::sleep(Duration::from_millis(25))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("store stayed locked for 10 s");
}

fn govtrust(store: &Path) -> Command {
    let mut c = Command::cargo_bin("govtrust").unwrap();
    c.env_remove("GOVTRUST_STORE").env_remove("GOVTRUST_CONFIG");
    c.arg("--config").arg(config()).arg("--store").arg(store);
    c
}

/// The current facts of period 2023, without the import time (which differs run to run).
fn facts_in(store: &Path) -> Vec<(String, String, String, Value, Provenance)> {
    let s = open_store(store);
    let facts = s.facts().unwrap().period_facts("2023").unwrap();
    facts
        .into_iter()
        .map(|f: Fact| (f.unit, f.item, f.field, f.value, f.provenance))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const HEADER: &str = "unit,indicator,field,value,note\n";

/// A valid submission for 城关镇 that a test imports first.
fn base(dir: &Path) -> PathBuf {
    write(
        dir,
        "base.csv",
        &format!("{HEADER}城关镇,T3.1,cases,4,判决书\n城关镇,T3.1,lost,1,\n城关镇,T5,failures,1,\n城关镇,T7.2,satisfaction,96%,\n"),
    )
}

struct Setup {
    dir: tempfile::TempDir,
    store: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let b = base(dir.path());
    govtrust(&store)
        .arg("import")
        .arg(&b)
        .run()
        .assert()
        .success();
    Setup { dir, store }
}

/// Imports `body` (valid rows for 城关镇 first, so a partial import would change the store) and
/// asserts it fails, names every `needle`, and leaves the facts as they were.
fn rejected(body: &str, needles: &[&str]) -> String {
    let s = setup();
    let before = facts_in(&s.store);
    assert_eq!(before.len(), 4);
    let text = format!(
        "{HEADER}城关镇,T5,failures,0,\n城关镇,T14,activities,2023年5月 诚信教育专题讲座,\n{body}"
    );
    let bad = write(s.dir.path(), "bad.csv", &text);
    let out = govtrust(&s.store).arg("import").arg(&bad).run();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in:\n{stderr}");
    }
    assert!(stderr.contains("未导入任何数据"), "{stderr}");
    assert_eq!(
        facts_in(&s.store),
        before,
        "a rejected file changed the store"
    );
    stderr
}

#[test]
fn unknown_unit_names_row_column_and_nearest_units() {
    rejected(
        "县发改局,D1,reviews,1,\n",
        &[
            "bad.csv 第4行 A(unit)列",
            "县发改局",
            "桐柏县发展和改革委员会",
        ],
    );
}

#[test]
fn unknown_item_is_refused() {
    rejected(
        "城关镇,T99,cases,1,\n",
        &["bad.csv 第4行 B(indicator)列", "未知指标 \"T99\""],
    );
}

#[test]
fn unknown_field_lists_the_items_fields() {
    rejected(
        "城关镇,T3.1,casez,1,\n",
        &[
            "bad.csv 第4行 C(field)列",
            "\"casez\"",
            "cases（行政诉讼案件数）",
        ],
    );
}

#[test]
fn item_of_the_other_kind_is_refused() {
    rejected(
        "城关镇,D1,reviews,1,\n",
        &[
            "bad.csv 第4行 B(indicator)列",
            "D1 属于县直单位指标",
            "城关镇 是乡镇（街道）",
        ],
    );
}

#[test]
fn wrong_type_names_the_field() {
    rejected(
        "城关镇,T3.1,cases,三件,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T3.1.cases]",
            "“三件”不是有效的整数",
        ],
    );
}

#[test]
fn rate_outside_0_1_is_refused() {
    rejected(
        "城关镇,T7.2,satisfaction,105%,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T7.2.satisfaction]",
            "超出 0–1",
        ],
    );
    rejected(
        "城关镇,T8.4,coverage,1.2,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T8.4.coverage]",
            "超出 0–1",
        ],
    );
}

#[test]
fn numerator_above_denominator_is_refused() {
    let e = rejected(
        "城关镇,T3.1,lost,3,\n城关镇,T3.1,cases,2,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T3.1.lost]",
            "lost（败诉案件数）= 3 大于 cases（行政诉讼案件数）= 2",
            "bad.csv 第5行",
        ],
    );
    assert_eq!(e.matches("大于").count(), 1);
}

#[test]
fn date_outside_the_period_is_refused() {
    rejected(
        "城关镇,T2.2,published_on,2024年1月5日,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T2.2.published_on]",
            "2024-01-05 不在考核期 2023-01-01 至 2023-12-30 内",
        ],
    );
}

#[test]
fn conflicting_duplicate_rows_are_refused_but_list_rows_merge() {
    rejected(
        "城关镇,T5,failures,2,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T5.failures]",
            "与 bad.csv 第2行 D(value)列 的填报值冲突",
        ],
    );
    // The same value twice is not a conflict; list rows merge.
    let s = setup();
    let ok = write(
        s.dir.path(),
        "ok.csv",
        &format!("{HEADER}城关镇,T5,failures,2,\n城关镇,T5,failures,2,\n城关镇,T14,activities,2023年5月 诚信教育专题讲座,\n城关镇,T14,activities,2023年9月 诚信宣讲；2023年5月 诚信教育专题讲座,\n"),
    );
    govtrust(&s.store)
        .arg("import")
        .arg(&ok)
        .run()
        .assert()
        .success();
    let facts = facts_in(&s.store);
    let t14 = facts.iter().find(|f| f.1 == "T14").unwrap();
    assert_eq!(
        t14.3,
        Value::List(vec![
            "2023年5月 诚信教育专题讲座".into(),
            "2023年9月 诚信宣讲".into()
        ])
    );
    assert!(matches!(&t14.4, Provenance::Submission { row: 4, .. }));
}

#[test]
fn list_values_outside_the_allowed_set_are_refused() {
    rejected(
        "城关镇,T6.2,compliant,行政强制、行政处罚,\n",
        &[
            "bad.csv 第4行 D(value)列",
            "[城关镇 T6.2.compliant]",
            "“行政处罚”不在可选值内",
        ],
    );
}

#[test]
fn every_error_of_a_file_is_reported_and_a_bad_file_spoils_the_batch() {
    let e = rejected(
        "城关镇,T5,failures,x,\n不存在的单位,T5,failures,1,\n城关镇,T7.2,satisfaction,2,\n",
        &["第4行", "第5行", "第6行"],
    );
    assert!(e.starts_with("3 处错误"), "{e}");
    // A valid file beside a bad one is not imported either.
    let s = setup();
    let before = facts_in(&s.store);
    let good = write(
        s.dir.path(),
        "good.csv",
        &format!("{HEADER}县发改委,D3,failures,1,\n"),
    );
    let bad = write(
        s.dir.path(),
        "bad.csv",
        &format!("{HEADER}县发改委,D3,failures,-1,\n"),
    );
    let out = govtrust(&s.store).arg("import").arg(&good).arg(&bad).run();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.csv 第2行 D(value)列"));
    assert_eq!(facts_in(&s.store), before);
}

#[test]
fn missing_header_and_broken_encoding_name_the_file() {
    let s = setup();
    let before = facts_in(&s.store);
    let nohead = write(s.dir.path(), "nohead.csv", "城关镇,T5,failures,1,\n");
    let out = govtrust(&s.store).arg("import").arg(&nohead).run();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nohead.csv 第1行: 表头缺少列"));
    let junk = s.dir.path().join("junk.csv");
    std::fs::write(&junk, [b'u', 0xFF, b'\n']).unwrap();
    let out = govtrust(&s.store).arg("import").arg(&junk).run();
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.csv: 无法识别文件编码"));
    assert_eq!(facts_in(&s.store), before);
}

#[test]
fn utf8_bom_and_gb18030_import_the_same_facts() {
    let text = format!(
        "{HEADER}桐柏县城关镇人民政府,T3.1,cases,4,判决书（2023）豫1330行初12号\n城关镇政府,T3.1,lost,1,\nt-chengguan,T14,activities,\"2023年5月 诚信教育专题讲座\n2023年9月 诚信宣讲\",签到表\n城关镇,T2.2,published_on,2023年3月28日,\n城关镇,T7.1,online_rate,95%,\n"
    );
    let mut results = Vec::new();
    for (i, bytes) in [
        text.as_bytes().to_vec(),
        [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        encoding_rs::GB18030.encode(&text).0.into_owned(),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub.csv");
        std::fs::write(&file, bytes).unwrap();
        let store = dir.path().join("store");
        govtrust(&store)
            .arg("import")
            .arg(&file)
            .run()
            .assert()
            .success();
        results.push((i, facts_in(&store)));
    }
    assert_eq!(results[0].1.len(), 5);
    assert_eq!(results[0].1, results[1].1, "UTF-8 with BOM differs");
    assert_eq!(results[0].1, results[2].1, "GB18030 differs");
    let date = results[0].1.iter().find(|f| f.2 == "published_on").unwrap();
    assert_eq!(
        date.3,
        Value::Date(NaiveDate::from_ymd_opt(2023, 3, 28).unwrap())
    );
    let rate = results[0].1.iter().find(|f| f.2 == "online_rate").unwrap();
    assert_eq!(rate.3, Value::Rate(0.95));
}

/// A value a person would type into the template for a field.
fn typed_cell(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    ty: FieldType,
    allowed: Option<&Vec<String>>,
) {
    use rust_xlsxwriter::{ExcelDateTime, Format};
    match ty {
        FieldType::Int | FieldType::Amount => {
            ws.write_number(row, col, 3.0).unwrap();
        }
        FieldType::Rate => {
            ws.write_number_with_format(row, col, 0.9, &Format::new().set_num_format("0%"))
                .unwrap();
        }
        FieldType::Bool => {
            ws.write_string(row, col, "是").unwrap();
        }
        FieldType::Date => {
            let d = ExcelDateTime::from_ymd(2023, 3, 28).unwrap();
            ws.write_datetime_with_format(
                row,
                col,
                &d,
                &Format::new().set_num_format("yyyy-mm-dd"),
            )
            .unwrap();
        }
        FieldType::List => {
            let text = match allowed {
                Some(a) => format!("{}、{}", a[0], a[1]),
                None => "甲项；乙项".to_string(),
            };
            ws.write_string(row, col, text).unwrap();
        }
    }
}

#[test]
fn template_filled_programmatically_imports_back() {
    use calamine::Reader;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let blank = dir.path().join("township.xlsx");
    govtrust(&store)
        .args(["template", "--kind", "township", "--out"])
        .arg(&blank)
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains("46 个填报项"));

    let mut book = calamine::open_workbook_auto(&blank).unwrap();
    assert_eq!(book.sheet_names(), ["填报说明", "填报表", "单位名单"]);
    let names = book.worksheet_range("单位名单").unwrap();
    assert_eq!(names.rows().count(), 17, "header + 16 townships");
    let sheet = book.worksheet_range("填报表").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "单位",
            "指标编号",
            "一级指标",
            "考核内容",
            "填报项",
            "字段",
            "类型",
            "可选值/说明",
            "填报值",
            "佐证材料"
        ]
    );
    assert!(rows[1][3].contains("满分 2 分"), "{:?}", rows[1]);
    assert!(
        rows.iter().skip(1).all(|r| r[8].is_empty()),
        "value cells start empty"
    );

    // The unit fills its copy: every row gets the unit and a value of the field's type.
    let project = project();
    let catalog = project.catalog(Kind::Township).unwrap();
    let mut filled = rust_xlsxwriter::Workbook::new();
    let ws = filled.add_worksheet();
    ws.set_name("填报表").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                ws.write_string(r as u32, c as u16, text).unwrap();
            }
        }
        if r == 0 {
            continue;
        }
        let item = catalog.item(&row[1]).unwrap();
        let field = item.field(&row[5]).unwrap();
        ws.write_string(r as u32, 0, "城郊乡").unwrap();
        typed_cell(ws, r as u32, 8, field.ty, field.allowed.as_ref());
    }
    let path = dir.path().join("城郊乡填报.xlsx");
    filled.save(&path).unwrap();
    govtrust(&store)
        .arg("import")
        .arg(&path)
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "城郊乡填报.xlsx: 1 个单位，46 条数据",
        ));

    let facts = facts_in(&store);
    assert_eq!(facts.len(), 46);
    assert!(facts.iter().all(|f| f.0 == "t-chengjiao"));
    let get = |item: &str, field: &str| {
        facts
            .iter()
            .find(|f| f.1 == item && f.2 == field)
            .unwrap()
            .clone()
    };
    assert_eq!(
        get("T2.2", "published_on").3,
        Value::Date(NaiveDate::from_ymd_opt(2023, 3, 28).unwrap())
    );
    assert_eq!(get("T7.2", "satisfaction").3, Value::Rate(0.9));
    assert_eq!(get("T3.1", "lost").3, Value::Int(3));
    assert_eq!(get("T9", "due_amount").3, Value::Amount(3.0));
    assert_eq!(get("T1", "published").3, Value::Bool(true));
    assert_eq!(
        get("T6.2", "compliant").3,
        Value::list(["行政强制", "行政奖励"])
    );
    match get("T1", "published").4 {
        Provenance::Submission {
            file, sheet, row, ..
        } => {
            assert_eq!(
                (file.as_str(), sheet.as_deref(), row),
                ("城郊乡填报.xlsx", Some("填报表"), 2)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn workbook_errors_name_sheet_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let blank = dir.path().join("d.xlsx");
    govtrust(&store)
        .args([
            "template",
            "--kind",
            "department",
            "--unit",
            "县发改委",
            "--out",
        ])
        .arg(&blank)
        .run()
        .assert()
        .success();
    // Rebuild the pre-filled copy with one bad value (D1 corrected above reviews) and one wrong type.
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(&blank).unwrap();
    let sheet = book.worksheet_range("填报表").unwrap();
    let mut filled = rust_xlsxwriter::Workbook::new();
    let ws = filled.add_worksheet();
    ws.set_name("填报表").unwrap();
    for (r, row) in sheet.rows().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let text = cell.to_string();
            if !text.is_empty() {
                ws.write_string(r as u32, c as u16, &text).unwrap();
            }
        }
        let key = (row[1].to_string(), row[5].to_string());
        match (key.0.as_str(), key.1.as_str()) {
            ("D1", "reviews") => ws.write_number(r as u32, 8, 1.0).map(|_| ()).unwrap(),
            ("D1", "corrected") => ws.write_number(r as u32, 8, 2.0).map(|_| ()).unwrap(),
            ("D11", "arrears") => ws.write_string(r as u32, 8, "可能").map(|_| ()).unwrap(),
            _ => {}
        }
    }
    let path = dir.path().join("fgw.xlsx");
    filled.save(&path).unwrap();
    let out = govtrust(&store).arg("import").arg(&path).run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("fgw.xlsx 工作表“填报表” 第3行 I(填报值)列: [县发改委 D1.corrected]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[县发改委 D11.arrears] “可能”不是有效的是/否"),
        "{stderr}"
    );
    assert!(facts_in(&store).is_empty());
}

#[test]
fn reimport_supersedes_and_history_keeps_the_old_value() {
    let s = setup();
    let newer = write(
        s.dir.path(),
        "newer.csv",
        &format!("{HEADER}城关镇,T5,failures,0,通报已整改\n"),
    );
    govtrust(&s.store)
        .arg("import")
        .arg(&newer)
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains("替换此前填报 4 条"));
    let facts = facts_in(&s.store);
    assert_eq!(
        facts.len(),
        1,
        "the unit's earlier submission is replaced as a whole"
    );
    assert_eq!(facts[0].3, Value::Int(0));
    {
        let st = open_store(&s.store);
        let fs = st.facts().unwrap();
        let h = fs
            .field_history("2023", "t-chengguan", "T5", "failures")
            .unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].fact.value, Value::Int(1));
        assert!(
            matches!(&h[0].fact.provenance, Provenance::Submission { file, .. } if file == "base.csv")
        );
        let subs = fs.submissions().unwrap();
        assert_eq!(
            subs.iter()
                .map(|r| r.file.file.as_str())
                .collect::<Vec<_>>(),
            ["base.csv", "newer.csv"]
        );
        assert_eq!(subs[1].file.units, ["t-chengguan"]);
        assert_eq!(
            subs[1].file.blake3,
            blake3::hash(&std::fs::read(&newer).unwrap())
                .to_hex()
                .to_string()
        );
    }
    govtrust(&s.store)
        .args(["facts", "--unit", "城关镇", "--item", "T5"])
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "failures（被检查通报次数）= 0  单位填报 newer.csv 第2行",
        ))
        .stdout(predicates::str::contains(
            "历史：1  单位填报 base.csv 第4行",
        ));
}

#[test]
fn manual_fact_overrides_the_submission_and_is_audited() {
    let s = setup();
    govtrust(&s.store)
        .args([
            "fact",
            "set",
            "城关镇政府",
            "t5",
            "failures",
            "3",
            "--reason",
            "复核市级检查通报原文",
            "--by",
            "张三",
        ])
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains("设为 3"));
    govtrust(&s.store)
        .args(["facts", "--unit", "城关镇", "--item", "T5"])
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "failures（被检查通报次数）= 3  人工核查 张三",
        ))
        .stdout(predicates::str::contains("理由：复核市级检查通报原文"))
        .stdout(predicates::str::contains(
            "被覆盖：1  单位填报 base.csv 第4行",
        ));
    // Without --by the OS user is recorded.
    govtrust(&s.store)
        .env("USER", "analyst7")
        .args([
            "fact",
            "unset",
            "城关镇",
            "T5",
            "failures",
            "--reason",
            "通报对象有误",
        ])
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains("操作人 analyst7"));
    govtrust(&s.store)
        .args(["facts", "--unit", "城关镇", "--item", "T5"])
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "failures（被检查通报次数）= 1  单位填报",
        ))
        .stdout(predicates::str::contains("历史：3  人工核查 张三"));
    let st = open_store(&s.store);
    let log = st
        .facts()
        .unwrap()
        .audit_log("2023", Some("t-chengguan"))
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0].action,
        AuditAction::Set {
            value: Value::Int(3)
        }
    );
    assert_eq!(
        (log[1].by.as_str(), log[1].reason.as_str()),
        ("analyst7", "通报对象有误")
    );
    assert_eq!(log[1].previous, Some(Value::Int(3)));
}

#[test]
fn manual_fact_is_validated_like_an_import() {
    let s = setup();
    let before = facts_in(&s.store);
    let cases = [
        (vec!["城关镇", "T7.2", "satisfaction", "120%"], "超出 0–1"),
        (
            vec!["城关镇", "T2.2", "published_on", "2022-12-31"],
            "不在考核期",
        ),
        (vec!["城关镇", "D1", "reviews", "1"], "属于县直单位指标"),
        (vec!["城关镇", "T5", "fails", "1"], "没有字段 \"fails\""),
        (vec!["某某镇", "T5", "failures", "1"], "单位无法识别"),
    ];
    for (args, needle) in cases {
        let out = govtrust(&s.store)
            .args(["fact", "set"])
            .args(&args)
            .args(["--reason", "测试", "--by", "张三"])
            .run();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
    let out = govtrust(&s.store)
        .args([
            "fact",
            "unset",
            "城关镇",
            "T5",
            "failures",
            "--reason",
            "无",
            "--by",
            "张三",
        ])
        .run();
    assert_eq!(out.status.code(), Some(1), "nothing to unset");
    assert_eq!(facts_in(&s.store), before);
}

#[test]
fn facts_marks_unverified_and_contradicted_submissions() {
    let s = setup();
    {
        // What the evidence stage will do: state the web's finding for T5.
        let st = open_store(&s.store);
        let web = Fact {
            period: "2023".into(),
            unit: "t-chengguan".into(),
            item: "T5".into(),
            field: "failures".into(),
            value: Value::Int(2),
            provenance: Provenance::Web {
                evidence: vec!["ev-0007".into()],
            },
            recorded_at: Utc::now(),
        };
        st.facts()
            .unwrap()
            .replace_web_facts("2023", "t-chengguan", &["T5"], &[web], Utc::now())
            .unwrap();
    }
    let out = govtrust(&s.store)
        .args(["facts", "--unit", "t-chengguan"])
        .run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("failures（被检查通报次数）= 2  网络监测 证据 ev-0007  ⚠ 与网络不符（网络：2，填报：1）"), "{stdout}");
    // T7.2 is submission-only: nothing to verify. T8.4 has no fact at all.
    assert!(
        stdout.contains("satisfaction（好差评满意率）= 96%  单位填报 base.csv 第5行\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("coverage（“双随机、一公开”覆盖率）= —  缺失"),
        "{stdout}"
    );
}

#[test]
fn bundled_samples_import_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files = govtrust::submit::submission_files(&root().join("samples/submissions")).unwrap();
    assert_eq!(files.len(), 50);
    govtrust(&store)
        .arg("import")
        .args(&files)
        .run()
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "50 个文件，50 个单位，1552 条数据",
        ));
    // Every field of every item of every unit is covered.
    let project = project();
    let facts = facts_in(&store);
    for unit in &project.roster.units {
        let catalog = project.catalog(unit.kind).unwrap();
        for item in &catalog.items {
            for f in &item.fields {
                assert!(
                    facts
                        .iter()
                        .any(|x| x.0 == unit.id && x.1 == item.id && x.2 == f.name),
                    "{} {}.{} missing from the samples",
                    unit.id,
                    item.id,
                    f.name
                );
            }
        }
    }
}

/// indicators.md numbers T2.1's five city documents 1–5: a submission written that way (any of
/// `、 , ; ，；`, duplicates once), in CSV or in the template's workbook, imports and scores.
#[test]
fn t2_1_lists_by_item_number_import_and_score() {
    let dir = tempfile::tempdir().unwrap();
    let project = project();
    let t21 = |store: &Store| {
        let facts = store.facts().unwrap().period_facts("2023").unwrap();
        let board = govtrust::score::score(&project, &facts);
        board
            .unit("t-chengguan")
            .and_then(|u| u.item("T2.1"))
            .and_then(|i| i.score)
    };
    let csv = write(
        dir.path(),
        "t21.csv",
        &format!("{HEADER}城关镇,T2.1,reposted,1；2,\n城关镇,T2.1,local,\"3,3\",\n"),
    );
    let store = Store::open(&dir.path().join("csv-store")).unwrap();
    govtrust::submit::import_files(&project, &store, &[csv], Utc::now()).unwrap();
    let facts = store.facts().unwrap().period_facts("2023").unwrap();
    let reposted = facts.iter().find(|f| f.field == "reposted").unwrap();
    assert_eq!(
        reposted.value,
        Value::list([
            "南阳市重大行政决策公示和听证暂行办法",
            "南阳市重大行政决策目录管理办法"
        ])
    );
    // 0.4 per document: two reposted + one local counterpart (given twice).
    let score = t21(&store).unwrap();
    assert!((score - 1.2).abs() < 1e-9, "{score}");

    let only = write(
        dir.path(),
        "only.csv",
        &format!("{HEADER}城关镇,T2.1,reposted,1；2,\n"),
    );
    let store = Store::open(&dir.path().join("only-store")).unwrap();
    govtrust::submit::import_files(&project, &store, &[only], Utc::now()).unwrap();
    let score = t21(&store).unwrap();
    assert!((score - 0.8).abs() < 1e-9, "{score}");

    // The workbook: a number typed as a number, and numbers typed as text.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("填报表").unwrap();
    for (c, h) in [
        "单位",
        "指标编号",
        "一级指标",
        "考核内容",
        "填报项",
        "字段",
        "类型",
        "可选值/说明",
        "填报值",
        "佐证材料",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, field) in [(1u32, "reposted"), (2, "local")] {
        ws.write_string(r, 0, "城关镇").unwrap();
        ws.write_string(r, 1, "T2.1").unwrap();
        ws.write_string(r, 5, field).unwrap();
    }
    ws.write_string(1, 8, "2、5").unwrap();
    ws.write_number(2, 8, 4.0).unwrap();
    let path = dir.path().join("t21.xlsx");
    book.save(&path).unwrap();
    let store = Store::open(&dir.path().join("xlsx-store")).unwrap();
    govtrust::submit::import_files(&project, &store, &[path], Utc::now()).unwrap();
    let score = t21(&store).unwrap();
    assert!((score - 1.2).abs() < 1e-9, "{score}");
}
