//! The evaluation report end to end on the shipped configuration: a scoreboard from hand-made
//! facts and evidence, rendered to HTML, XLSX and Markdown and checked for content, escaping,
//! nothing loaded from elsewhere, and byte-identical reruns.

mod common;
#[path = "common/report_fixture.rs"]
mod fixture;

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use govtrust::config::Project;
use govtrust::evidence::classify::Unresolved;
use govtrust::evidence::model::{Evidence, Status};
use govtrust::fact::{Fact, Value};
use govtrust::report::{self, NoticeCount, ReportInput, SourceCoverage};
use govtrust::score::{score, Scoreboard};

use common::{project, sub, web};
use fixture::evidence;

const SCRIPT: &str = "<script>alert(1)</script>";

/// 城关镇: T1 at full score while three other townships have 0 (a 亮点), T5 notified six times
/// by the web while it submitted 0 (a 短板 and a discrepancy), T4 submitted only (未核实).
/// 县发改委 gets a few department items. Everything else is missing.
fn facts() -> Vec<Fact> {
    let mut f = vec![
        web("t-chengguan", "T1", "published", Value::Bool(true)),
        web("t-huaiyuan", "T1", "published", Value::Bool(false)),
        web("t-pingshi", "T1", "published", Value::Bool(false)),
        web("t-bujiang", "T1", "published", Value::Bool(false)),
        sub("t-chengguan", "T5", "failures", Value::Int(0)),
        web("t-chengguan", "T5", "failures", Value::Int(6)),
        web("t-huaiyuan", "T5", "failures", Value::Int(1)),
        sub("t-chengguan", "T4", "published", Value::Bool(true)),
        sub("t-huaiyuan", "T3.1", "cases", Value::Int(4)),
        sub("t-huaiyuan", "T3.1", "lost", Value::Int(1)),
        web("d-fgw", "D3", "failures", Value::Int(1)),
        web("d-czj", "D3", "failures", Value::Int(0)),
    ];
    f.push(sub("t-pingshi", "T3.1", "cases", Value::Int(0)));
    f
}

fn evidence_list() -> Vec<Evidence> {
    vec![
        evidence(
            "t-chengguan",
            "T5",
            "n-0412",
            &format!("关于全市政府网站检查情况的通报{SCRIPT}"),
            (4, 12),
            Status::Confirmed,
        ),
        evidence(
            "t-chengguan",
            "T5",
            "n-0913",
            "关于第三季度政府网站检查情况的通报",
            (9, 13),
            Status::Candidate,
        ),
        evidence(
            "t-chengguan",
            "T1",
            "list-cg",
            "城关镇权力责任清单",
            (3, 1),
            Status::Confirmed,
        ),
        evidence(
            "d-fgw",
            "D3",
            "n-0412",
            "县政府网站检查通报",
            (4, 12),
            Status::Confirmed,
        ),
        evidence(
            "d-fgw",
            "D3",
            "n-rej",
            "被驳回的通报",
            (5, 2),
            Status::Rejected,
        ),
    ]
}

struct Fixture {
    project: Project,
    board: Scoreboard,
    evidence: Vec<Evidence>,
    unresolved: Vec<Unresolved>,
}

fn fixture() -> Fixture {
    let project = project();
    let board = score(&project, &facts());
    Fixture {
        project,
        board,
        evidence: evidence_list(),
        unresolved: vec![Unresolved {
            rule: "D3.county-inspection".into(),
            name: format!("县档案馆{SCRIPT}"),
            url: "javascript:alert(2)".into(),
        }],
    }
}

fn input(fx: &Fixture) -> ReportInput<'_> {
    ReportInput {
        project: &fx.project,
        board: &fx.board,
        evidence: &fx.evidence,
        unresolved: &fx.unresolved,
        sources: vec![SourceCoverage {
            name: "sim-tongbai".into(),
            description: format!("桐柏县人民政府门户网站{SCRIPT}"),
            pages: 1234,
            documents: 987,
            last_fetched: Some(Utc.with_ymd_and_hms(2023, 12, 30, 18, 0, 0).unwrap()),
        }],
        cutoff: Utc.with_ymd_and_hms(2023, 12, 30, 16, 0, 0).unwrap(),
        run_id: Some(7),
        notices: report::notice_counts(&fx.evidence, &fx.project.period),
        generated_at: Utc.with_ymd_and_hms(2024, 1, 15, 2, 0, 0).unwrap(),
        health: None,
    }
}

/// The text of the `<table class="ranking" data-kind=...>` of one kind.
fn ranking_table<'a>(html: &'a str, kind: &str) -> &'a str {
    let start = html
        .find(&format!("<table class=\"ranking\" data-kind=\"{kind}\">"))
        .unwrap_or_else(|| panic!("no {kind} ranking table"));
    let end = html[start..].find("</table>").map(|e| start + e).unwrap();
    &html[start..end]
}

#[test]
fn html_has_every_unit_both_rankings_and_the_charts() {
    let fx = fixture();
    let html = report::html(&input(&fx));
    std::fs::write("/tmp/report-sample.html", &html).ok();
    for u in &fx.project.roster.units {
        assert!(html.contains(&u.name), "{} missing", u.name);
        assert!(html.contains(&format!("id=\"u-{}\"", u.id)));
    }
    for (kind, units) in [("township", "t-"), ("department", "d-")] {
        let table = ranking_table(&html, kind);
        let expected: Vec<&str> = fx
            .board
            .units
            .iter()
            .filter(|u| u.id.starts_with(units))
            .map(|u| u.short.as_str())
            .collect();
        let mut at = 0;
        for short in &expected {
            let pos = table[at..]
                .find(&format!(">{short}</a>"))
                .unwrap_or_else(|| panic!("{short} not in rank order in the {kind} table"));
            at += pos;
        }
    }
    let chengguan = fx.board.unit("t-chengguan").unwrap();
    // 淮源镇 6.25 (T5 2.5 + T3.1 3.75), 平氏镇 5 (T3.1, no cases), 城关镇 4 (T1 2 + T4 2 + T5 0).
    assert_eq!(chengguan.rank, 3);
    assert_eq!(chengguan.total, 4.0);
    assert_eq!(html.matches("<svg").count(), 8, "4 charts per kind");
    assert!(
        html.contains("总分分布") && html.contains("热力图") && html.contains("平均得分率最低")
    );
    assert!(html.contains("数据填报 + 大数据监测"));
    assert!(html.contains("乡镇（街道） 16 个、县直单位 34 个"));
    assert!(
        html.contains("2023-12-31 00:00（北京时间）"),
        "cut-off in Beijing time"
    );
    assert!(html.contains("<td>sim-tongbai</td>") && html.contains("<td class=\"num\">1234</td>"));
}

#[test]
fn html_states_highlights_shortfalls_missing_items_and_discrepancies() {
    let fx = fixture();
    let html = report::html(&input(&fx));
    assert!(
        html.contains(
            "城关镇在‘编制并发布公示政府权力责任清单’上得满分2分，高于乡镇平均0.5分，是其亮点。"
        ),
        "亮点 sentence"
    );
    assert!(
        html.contains("城关镇在‘政府网站与政务新媒体情况’上得0分（满分3分），失3分，低于乡镇平均1.25分，是其短板。"),
        "短板 sentence"
    );
    assert!(html.contains("一级指标中，城关镇‘政务公开’高出乡镇平均1.72分。"));
    let section = &html[html.find("id=\"u-t-chengguan\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<h4>缺项</h4>"));
    assert!(
        section.contains("行政诉讼案件数（cases）"),
        "missing fields named"
    );
    assert!(section.contains("<h4>填报与网络监测差异</h4>"));
    assert!(section.contains("<td>T5</td><td>被检查通报次数</td><td>0</td><td>6</td>"));
    assert!(section.contains("未核实"), "T4 was only submitted");
    assert!(section.contains("未采用的单位填报值：0（单位填报 t-chengguan.xlsx [填报] 第2行）"));
    assert!(section.contains("href=\"snapshots/"), "snapshot link");
    assert!(
        section.contains("href=\"http://127.0.0.1:8701/n-0412.html\""),
        "live link"
    );
    assert!(section.contains("待确认"), "candidate evidence marked");
    assert!(
        !html.contains("被驳回的通报"),
        "rejected evidence is not shown"
    );
}

#[test]
fn html_escapes_crawled_text_and_loads_nothing() {
    let fx = fixture();
    let html = report::html(&input(&fx));
    assert!(!html.contains(SCRIPT), "raw script tag");
    assert!(!html.to_lowercase().contains("<script"));
    assert!(html.contains("关于全市政府网站检查情况的通报&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        html.contains("县档案馆&lt;script&gt;"),
        "unresolved name escaped in the appendix"
    );
    assert!(!html.contains("href=\"javascript:"), "no script links");
    let lower = html.to_lowercase();
    for attr in [
        "src=\"http",
        "src='http",
        "src=http",
        "<link",
        "@import",
        "url(http",
    ] {
        assert!(
            !lower.contains(attr),
            "{attr} found: something remote would load"
        );
    }
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn html_and_markdown_are_deterministic() {
    let fx = fixture();
    let a = input(&fx);
    assert_eq!(report::html(&a), report::html(&input(&fx)));
    assert_eq!(report::markdown(&a), report::markdown(&input(&fx)));
}

#[test]
fn workbook_bytes_are_deterministic() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    report::xlsx(&input(&fx), &a).unwrap();
    report::xlsx(&input(&fx), &b).unwrap();
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn markdown_has_both_tables_and_verdicts() {
    let fx = fixture();
    let md = report::markdown(&input(&fx));
    assert!(md.contains("## 乡镇（街道）排名"));
    assert!(md.contains("## 县直单位排名"));
    assert!(
        md.contains("| 3 | 城关镇 | 4 | 7 | 2 | 2 | 0 | 0 | 0 | 21 |"),
        "{md}"
    );
    assert!(md.contains("| 排名 | 单位 | 总分 | 已评分项满分 | 依法行政（18） |"));
    assert!(md.contains("是其亮点。"));
    assert!(md.contains("是其短板。"));
    assert!(!md.contains("<script"));
}

fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    range.get((row, col)).cloned().unwrap_or(Data::Empty)
}

#[test]
fn workbook_has_the_sheets_and_the_scores() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let files = report::write_all(&input(&fx), dir.path()).unwrap();
    assert!(files.html.exists() && files.markdown.exists());
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["report.html", "report.xlsx", "summary.md"],
        "no temporary files left"
    );
    let mut wb: Xlsx<_> = open_workbook(&files.xlsx).unwrap();
    let names = wb.sheet_names();
    for want in [
        "总表",
        "依法行政",
        "政务公开",
        "勤政高效",
        "履约践诺",
        "政府诚信管理",
        "守信践诺",
        "宣传教育",
        "证据",
        "通报统计",
    ] {
        assert!(names.iter().any(|n| n == want), "sheet {want} in {names:?}");
    }
    assert!(names.iter().all(|n| n.chars().count() <= 31));
    let total = wb.worksheet_range("总表").unwrap();
    assert_eq!(cell(&total, 0, 3), Data::String("总分".into()));
    // Townships come first by rank: 淮源镇, 平氏镇, then 城关镇 (T1 2 + T4 2 + T5 0 = 4).
    assert_eq!(cell(&total, 1, 2), Data::String("淮源镇".into()));
    assert_eq!(cell(&total, 1, 3), Data::Float(6.25));
    assert_eq!(cell(&total, 3, 2), Data::String("城关镇".into()));
    assert_eq!(cell(&total, 3, 1), Data::Float(3.0));
    assert_eq!(cell(&total, 3, 3), Data::Float(4.0));
    assert_eq!(cell(&total, 3, 5), Data::Float(21.0), "missing items");
    let header: Vec<String> = (0..total.width())
        .map(|c| cell(&total, 0, c).to_string())
        .collect();
    let col = |id: &str| {
        header
            .iter()
            .position(|h| h.starts_with(&format!("{id}（")))
            .unwrap()
    };
    assert_eq!(cell(&total, 3, col("T1")), Data::Float(2.0));
    assert_eq!(cell(&total, 3, col("T5")), Data::Float(0.0));
    assert_eq!(cell(&total, 3, col("T3.1")), Data::String("缺项".into()));
    assert_eq!(
        cell(&total, 3, col("D3")),
        Data::Empty,
        "department item blank for a township"
    );
    assert_eq!(total.height(), 1 + fx.board.units.len());
    let fgw_row = (1..total.height())
        .find(|r| cell(&total, *r, 2) == Data::String("县发改委".into()))
        .unwrap();
    assert_eq!(cell(&total, fgw_row, col("D3")), Data::Float(4.0));

    let ev = wb.worksheet_range("证据").unwrap();
    assert_eq!(ev.height(), 1 + fx.evidence.len());
    let titles: Vec<String> = (1..ev.height())
        .map(|r| cell(&ev, r, 5).to_string())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains(SCRIPT)),
        "the workbook keeps text as text"
    );

    let notices = wb.worksheet_range("通报统计").unwrap();
    assert_eq!(cell(&notices, 0, 5), Data::String("2023-04".into()));
    let cg_row = (1..notices.height())
        .find(|r| cell(&notices, *r, 1) == Data::String("城关镇".into()))
        .unwrap();
    assert_eq!(cell(&notices, cg_row, 5), Data::Float(1.0));
    assert_eq!(cell(&notices, cg_row, 10), Data::Float(1.0), "September");
    assert_eq!(cell(&notices, cg_row, 14), Data::Float(2.0), "total");
}

#[test]
fn unit_verdicts_match_the_report() {
    let fx = fixture();
    let v = report::unit_verdicts(&fx.board, "t-chengguan").unwrap();
    assert_eq!(
        v.highlights,
        ["城关镇在‘编制并发布公示政府权力责任清单’上得满分2分，高于乡镇平均0.5分，是其亮点。"]
    );
    assert_eq!(
        v.shortfalls.len(),
        2,
        "one loss and the missing-items note: {v:?}"
    );
    assert_eq!(
        v.comparison.as_deref(),
        Some("一级指标中，城关镇‘政务公开’高出乡镇平均1.72分。")
    );
    assert!(report::unit_verdicts(&fx.board, "t-nowhere").is_none());
}

#[test]
fn full_roster_renders_with_generated_facts() {
    let project = project();
    let facts = fixture::generated_facts(&project, 1);
    let board = score(&project, &facts);
    let evidence = fixture::generated_evidence(&project, 1);
    let input = ReportInput::new(
        &project,
        &board,
        &evidence,
        &[],
        Utc.with_ymd_and_hms(2023, 12, 30, 16, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 1, 15, 2, 0, 0).unwrap(),
    );
    assert!(input.notices.iter().all(|n: &NoticeCount| n.count >= 1));
    let html = report::html(&input);
    assert_eq!(html.matches("<section class=\"unit\"").count(), 50);
    assert!(html.matches("是其亮点。").count() + html.matches("暂无突出亮点").count() >= 50);
    let dir = tempfile::tempdir().unwrap();
    report::write_all(&input, dir.path()).unwrap();
}

#[test]
fn write_all_names_the_path_it_cannot_write() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let err = report::write_all(&input(&fx), &blocker.join("out")).unwrap_err();
    assert!(err.to_string().contains("file/out"), "{err}");
}

#[test]
fn inspection_appendix_names_the_failing_units_with_evidence_and_groups_the_rest() {
    use govtrust::health::HealthReport;
    use govtrust::inspect::{
        Finding, FindingKind, InspectionReport, Proof, UnitInspection, Verdict,
    };
    let fx = fixture();
    let unit = |result, vetoes: Vec<Finding>, warnings: Vec<Finding>| UnitInspection {
        result,
        vetoes,
        deductions: Vec::new(),
        points: 0.0,
        warnings,
        unchecked: Vec::new(),
        home: None,
        columns: Vec::new(),
    };
    let finding = |kind, clause: &str, group: &str, detail: &str, url: String| Finding {
        kind,
        clause: clause.into(),
        group: group.into(),
        detail: detail.into(),
        points: None,
        evidence: vec![Proof {
            label: "全站最新文章".into(),
            url,
            snapshot: Some("abc123".into()),
            date: None,
            run: Some(1),
        }],
        documents: Vec::new(),
        columns: Vec::new(),
    };
    let stale = |detail: &str| {
        finding(
            FindingKind::StaleColumn,
            "单项否决·栏目不更新（未达否决数量）",
            "“工作动态”栏目（动态要闻类）超过 14 天未更新",
            detail,
            "http://www.tongbai.sim/a.html".into(),
        )
    };
    let mut units = std::collections::BTreeMap::new();
    units.insert(
        "t-huaiyuan".to_string(),
        unit(
            Verdict::Fail,
            vec![finding(
                FindingKind::HomeNotUpdated,
                "单项否决·首页不更新",
                "14 天内首页（各栏目）无信息更新",
                "全站最新文章发布于 2024-01-02",
                format!("http://www.tongbai.sim/x{SCRIPT}.html"),
            )],
            vec![stale("已 20 天")],
        ),
    );
    units.insert(
        "t-chengguan".to_string(),
        unit(Verdict::Pass, vec![], vec![stale("已 30 天")]),
    );
    units.insert("t-pingshi".to_string(), unit(Verdict::Pass, vec![], vec![]));
    let health = HealthReport {
        check_date: chrono::NaiveDate::from_ymd_opt(2024, 2, 1),
        inspection: Some(InspectionReport {
            rule_set: "gwb-2019-19".into(),
            rule_title: "政府网站与政务新媒体检查指标".into(),
            run: 1,
            check_date: chrono::NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            observed_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            pass_score: 60.0,
            units,
        }),
        ..Default::default()
    };
    let mut inp = input(&fx);
    inp.health = Some(&health);
    let html = report::html(&inp);
    let appendix = &html[html
        .find("附录三 网站检查预测")
        .expect("no inspection appendix")..];
    let failing = &appendix[..appendix.find("</table>").unwrap()];
    assert!(
        failing.contains("预测不合格（1 个单位）") && failing.contains("淮源镇"),
        "{failing}"
    );
    assert!(
        !failing.contains("城关镇"),
        "a passing unit among the failing ones"
    );
    assert!(failing.contains("单项否决·首页不更新"));
    assert!(
        failing.contains("href=\"snapshots/abc123.html\""),
        "{failing}"
    );
    assert!(appendix.contains("其余 2 个单位未发现单项否决问题"));
    // The shared warning is one line naming both units, each with its own detail.
    assert_eq!(
        appendix.matches("超过 14 天未更新").count(),
        1,
        "{appendix}"
    );
    assert!(
        appendix.contains("2 个单位：城关镇（已 30 天）、淮源镇（已 20 天）"),
        "{appendix}"
    );
    // And each unit's section carries its prediction.
    assert!(html.contains(
        "网站检查预测</b> <span class=\"tag bad\">不合格</span> 否决项：单项否决·首页不更新"
    ));
    assert!(
        !html.contains(SCRIPT),
        "a crawled URL reached the HTML unescaped"
    );
}
