//! Output of `govtrust score`: the JSON schema, the CSV for spreadsheets, the aligned table and
//! the selection by kind and unit, on the shipped configuration.

use std::path::Path;

use chrono::{TimeZone, Utc};
use govtrust::config::{Kind, Project};
use govtrust::fact::{Fact, Provenance, Value};
use govtrust::score::render::{self, Format, RenderError, ScoreQuery};
use govtrust::score::score;
use unicode_width::UnicodeWidthStr;

fn project() -> Project {
    Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn sub(unit: &str, item: &str, field: &str, value: Value) -> Fact {
    Fact {
        period: "2023".into(),
        unit: unit.into(),
        item: item.into(),
        field: field.into(),
        value,
        provenance: Provenance::Submission {
            file: "s.csv".into(),
            sheet: None,
            row: 3,
            note: None,
        },
        recorded_at: Utc.with_ymd_and_hms(2024, 1, 10, 9, 0, 0).unwrap(),
    }
}

/// A D1 cohort (0.1, 0.2, 0.5 → 6.67, 3.33, 0) and a scored township item.
fn facts() -> Vec<Fact> {
    let mut v = Vec::new();
    for (unit, corrected, reviews) in [("d-fgw", 1, 10), ("d-czj", 1, 5), ("d-scjg", 1, 2)] {
        v.push(sub(unit, "D1", "corrected", Value::Int(corrected)));
        v.push(sub(unit, "D1", "reviews", Value::Int(reviews)));
    }
    v.push(sub("t-chengguan", "T5", "failures", Value::Int(1)));
    v
}

fn keys(v: &serde_json::Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort();
    k
}

#[test]
fn json_follows_the_documented_schema() {
    let p = project();
    let text = render::json(&score(&p, &facts())).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys(&v), vec!["units"]);
    let units = v["units"].as_array().unwrap();
    assert_eq!(units.len(), p.roster.units.len());
    for u in units {
        for k in [
            "id",
            "name",
            "kind",
            "total",
            "max_scored",
            "rank",
            "categories",
            "items",
        ] {
            assert!(u.get(k).is_some(), "unit lacks {k}");
        }
        for c in u["categories"].as_array().unwrap() {
            for k in ["name", "score", "max", "max_scored"] {
                assert!(c.get(k).is_some(), "category lacks {k}");
            }
        }
        for i in u["items"].as_array().unwrap() {
            for k in ["id", "score", "max", "status", "basis", "facts"] {
                assert!(i.get(k).is_some(), "item lacks {k}");
            }
        }
    }
    let fgw = units.iter().find(|u| u["id"] == "d-fgw").unwrap();
    assert_eq!(fgw["kind"], "department");
    let d1 = fgw["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "D1")
        .unwrap();
    assert_eq!(d1["status"], "scored");
    assert_eq!(
        d1["score"].as_f64(),
        Some(20.0 / 3.0),
        "numbers are not rounded"
    );
    assert_eq!(d1["facts"][0]["origin"], "submission");
    assert_eq!(d1["facts"][0]["provenance"]["source"], "submission");
    let d2 = fgw["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "D2")
        .unwrap();
    assert_eq!(d2["status"], "missing");
    assert!(d2["score"].is_null());
    assert_eq!(d2["missing_fields"], serde_json::json!(["cases", "lost"]));
}

#[test]
fn csv_has_a_bom_one_row_per_unit_and_empty_missing_cells() {
    let p = project();
    let board = score(&p, &facts()).of_kind(Kind::Department);
    let text = render::csv(&board).unwrap();
    let body = text.strip_prefix('\u{FEFF}').expect("UTF-8 BOM for Excel");
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..6],
        &["编号", "单位", "类型", "排名", "总分", "已评分项满分"]
    );
    assert!(header.contains(&"守信践诺".to_string()) && header.contains(&"D14".to_string()));
    assert!(
        !header.contains(&"T1".to_string()),
        "a department-only CSV has no township columns"
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), board.units.len());
    let d1 = header.iter().position(|h| h == "D1").unwrap();
    let d2 = header.iter().position(|h| h == "D2").unwrap();
    let fgw = rows.iter().find(|row| &row[0] == "d-fgw").unwrap();
    assert_eq!(&fgw[1], "桐柏县发展和改革委员会");
    assert_eq!(&fgw[d1], "6.67");
    assert_eq!(&fgw[d2], "");
}

#[test]
fn table_columns_line_up_by_display_width() {
    let p = project();
    let text = render::table(&score(&p, &facts()));
    let township: Vec<&str> = text.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(township[0].starts_with("排名  单位"), "{}", township[0]);
    assert!(
        township[0].contains("已评分项满分")
            && township[0].contains("依法行政(18)")
            && township[0].ends_with("缺项数")
    );
    assert_eq!(township.len(), 2 + 16);
    let w = township[0].width();
    assert!(township.iter().all(|l| l.width() == w), "{text}");
    // 总分 column: right-aligned, 2 decimals; the scored township (2.5 of 3) ranks first.
    assert!(
        township[2].trim_start().starts_with("1  城关镇") && township[2].contains("2.50"),
        "{}",
        township[2]
    );
    assert!(!text.contains("-0.00"), "{text}");
    assert!(
        text.contains("县直单位（监测期 2023，34 个单位）"),
        "{text}"
    );
}

#[test]
fn score_command_selects_by_alias_and_kind() {
    let p = project();
    let q = ScoreQuery {
        kind: None,
        unit: Some("县发展改革委".into()),
        format: Format::Table,
    };
    let out = render::score_command(&p, &facts(), &q).unwrap();
    assert!(
        out.contains("桐柏县发展和改革委员会（县发改委，县直单位）"),
        "{out}"
    );
    assert!(out.contains("D1 行政复议纠错率  6.67 / 10"), "{out}");
    assert!(out.contains("缺失事实（"), "{out}");
    assert!(!out.contains("城关镇"), "only the asked unit");

    let q = ScoreQuery {
        kind: Some(Kind::Township),
        unit: None,
        format: Format::Json,
    };
    let v: serde_json::Value =
        serde_json::from_str(&render::score_command(&p, &facts(), &q).unwrap()).unwrap();
    assert_eq!(v["units"].as_array().unwrap().len(), 16);

    let q = ScoreQuery {
        kind: Some(Kind::Township),
        unit: Some("县发改委".into()),
        format: Format::Table,
    };
    assert!(matches!(
        render::score_command(&p, &facts(), &q),
        Err(RenderError::KindMismatch { .. })
    ));
    let q = ScoreQuery {
        kind: None,
        unit: Some("县发该委".into()),
        format: Format::Table,
    };
    let err = render::score_command(&p, &facts(), &q)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nearest") && err.contains("桐柏县发展和改革委员会"),
        "{err}"
    );
    assert!("xml".parse::<Format>().is_err());
    assert_eq!("csv".parse::<Format>().unwrap(), Format::Csv);
}

#[test]
fn selection_keeps_the_whole_run_ranks() {
    let p = project();
    let board = score(&p, &facts());
    let one = board.of_unit("d-czj");
    assert_eq!(one.units.len(), 1);
    assert_eq!(one.units[0].item("D1").unwrap().score, Some(10.0 / 3.0));
    assert_eq!(one.units[0].rank, board.unit("d-czj").unwrap().rank);

    // Facts of units outside the roster stay listed under a kind filter, not under a unit filter.
    let mut with_stray = facts();
    with_stray.push(sub("d-nowhere", "D3", "failures", Value::Int(1)));
    with_stray.push(sub("d-czj", "D3", "failures", Value::Bool(true)));
    let board = score(&p, &with_stray);
    assert_eq!(board.of_kind(Kind::Township).ignored.len(), 1);
    assert_eq!(board.of_kind(Kind::Department).ignored.len(), 2);
    assert_eq!(board.of_unit("d-czj").ignored.len(), 1);
    assert!(render::table(&board.of_kind(Kind::Township)).contains("未采用的事实 1 条"));
}
