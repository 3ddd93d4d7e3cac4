//! The evidence matchers on real shapes quoted from `shared/data/govweb-samples/` (file 05: Henan
//! and Nanyang portal pages; file 11: date formats), beside the simweb-shaped tests of each
//! matcher: titles of decision catalogues and reposts, a city notice naming failing units in
//! prose, the statistics-only clause of the same notice, annual-report statements.

use std::path::Path;

use super::annual::request_figures;
use super::notice::{named_units, NoticeMarkers};
use super::title::{contains_document, has_phrases, title_year};
use crate::config::{Kind, Project};
use crate::fact::parse_date;

fn markers() -> NoticeMarkers {
    NoticeMarkers {
        failing: vec!["不合格".into(), "存在问题".into()],
        statistics: vec!["合格率".into(), "个，".into(), "共".into()],
    }
}

#[test]
fn xinxiang_notice_names_city_bodies_that_are_not_ours() {
    // 05: xinxiang.gov.cn, 关于2023年第一季度全市政府网站与政务新媒体检查及管理情况的通报
    let body = "全市正在运行的政府网站共49个，其中合格47个，不合格2个 … 市退役军人事务局和市民政局网站不合格。";
    let roster = Project::load(Path::new("crawl-config/simweb.toml"))
        .map(|p| p.roster)
        .unwrap_or_else(|e| panic!("{e}"));
    let n = named_units(body, &roster, Kind::Department, &markers());
    assert!(
        n.failing.is_empty(),
        "city bodies matched a county department: {:?}",
        n.failing
    );
    assert!(
        n.unresolved.contains("市退役军人事务局") && n.unresolved.contains("市民政局"),
        "{:?}",
        n.unresolved
    );
}

#[test]
fn decision_catalogue_titles_from_real_portals() {
    // 05: xinye.gov.cn and mengzhou.gov.cn
    for (title, year) in [
        (
            "关于印发《新野县人民政府2024年重大行政决策事项目录》的通知",
            2024,
        ),
        (
            "孟州市人民政府办公室关于印发2025年孟州市人民政府重大行政决策事项目录的通知",
            2025,
        ),
    ] {
        assert!(
            has_phrases(
                title,
                &["重大行政决策".into(), "目录".into()],
                &["事项目录".into()]
            ),
            "{title}"
        );
        assert_eq!(title_year(title), Some(year), "{title}");
    }
}

#[test]
fn traditional_rendering_of_a_local_counterpart() {
    // 05: a mirror's traditional-Chinese rendering of 方城县's local counterpart of document 1.
    let title = "關于印發方城縣人民政府重大行政決策事項公示和聽證暫行辦法的通知";
    assert!(has_phrases(
        title,
        &["重大行政决策".into()],
        &["公示和听证".into()]
    ));
    assert!(
        !contains_document(
            title,
            "南阳市重大行政决策公示和听证暂行办法",
            &["暂行".into()]
        ),
        "a county's own 办法 is not a repost"
    );
}

#[test]
fn annual_report_statements() {
    // 05: tongbai.gov.cn 工信局 and 淮源镇 2025 reports
    let none = request_figures("一、总体情况 … 2025 年度未收到政府信息公开申请。")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(none.requests(), 0);
    // 05: tongbai.gov.cn 2023 county report states a count in prose only: no table, no guess.
    let prose =
        request_figures("(二)依申请公开 2023年,桐柏县共收到依申请公开21件，均为公民个人申请");
    assert!(
        prose.is_err(),
        "a received count alone does not say how many were concluded"
    );
}

#[test]
fn date_formats_seen_on_portals() {
    // 11: list spans, detail lines and credit dates
    for (text, want) in [
        ("2017-10-20", "2017-10-20"),
        ("[2026-09-12]", "2026-09-12"),
        ("2024-05-30 16:51:22", "2024-05-30"),
        ("2019年08月06日", "2019-08-06"),
        ("2024年04月06日 16:40", "2024-04-06"),
        ("2020-09-11 08:38", "2020-09-11"),
    ] {
        assert_eq!(
            parse_date(text).map(|d| d.to_string()).as_deref(),
            Some(want),
            "{text}"
        );
    }
}
