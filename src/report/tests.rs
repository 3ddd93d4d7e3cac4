//! Unit tests of the report's helpers: notice counting, months of the period, safe links.

use chrono::NaiveDate;

use super::*;
use crate::evidence::model::{DocRef, Finding};

fn period() -> Period {
    Period {
        id: "2023".into(),
        start: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
        end: NaiveDate::from_ymd_opt(2023, 12, 30).unwrap(),
    }
}

fn notice(unit: &str, item: &str, doc: &str, day: Option<(u32, u32)>, status: Status) -> Evidence {
    Evidence {
        id: format!("{unit}-{doc}"),
        period: "2023".into(),
        unit: unit.into(),
        item: item.into(),
        rule: format!("{item}.rule"),
        finding: Finding::Named {
            clause: "存在问题".into(),
            handled: false,
        },
        document: DocRef {
            id: doc.into(),
            source: "sim-tongbai".into(),
            title: "通报".into(),
            url: "http://127.0.0.1/a.html".into(),
            published_on: day.and_then(|(m, d)| NaiveDate::from_ymd_opt(2023, m, d)),
        },
        snapshot: "abc".into(),
        fetched_at: None,
        status,
        decision: None,
        summary: "被通报".into(),
    }
}

#[test]
fn notices_count_distinct_documents_per_unit_and_month() {
    let ev = vec![
        notice("d-a", "D3", "n1", Some((4, 3)), Status::Confirmed),
        notice("d-a", "D3", "n1", Some((4, 3)), Status::Candidate),
        notice("d-a", "D3", "n2", Some((4, 20)), Status::Candidate),
        notice("d-a", "D3", "n3", Some((5, 1)), Status::Rejected),
        notice("d-a", "D3", "n4", None, Status::Confirmed),
        notice("t-b", "T5", "n5", Some((12, 31)), Status::Confirmed),
        notice("t-b", "T12", "n6", Some((6, 1)), Status::Confirmed),
        notice("t-b", "T5", "n7", Some((1, 9)), Status::Confirmed),
    ];
    let got = notice_counts(&ev, &period());
    let want = vec![
        NoticeCount {
            unit: "d-a".into(),
            month: "2023-04".into(),
            count: 2,
        },
        NoticeCount {
            unit: "t-b".into(),
            month: "2023-01".into(),
            count: 1,
        },
    ];
    assert_eq!(got, want);
}

#[test]
fn the_period_has_twelve_months() {
    let m = period_months(&period());
    assert_eq!(m.len(), 12);
    assert_eq!(m[0], "2023-01");
    assert_eq!(m[11], "2023-12");
}

#[test]
fn links_are_only_snapshots_and_web_pages() {
    assert_eq!(
        snapshot_link("ab12").as_deref(),
        Some("snapshots/ab12.html")
    );
    assert_eq!(snapshot_link("../etc/passwd"), None);
    assert_eq!(snapshot_link(""), None);
    assert_eq!(live_link("https://a.gov.cn/x"), Some("https://a.gov.cn/x"));
    assert_eq!(live_link("javascript:alert(1)"), None);
    assert_eq!(live_link("data:text/html,x"), None);
}

#[test]
fn beijing_time_is_eight_hours_ahead() {
    use chrono::TimeZone;
    let t = Utc.with_ymd_and_hms(2023, 12, 30, 16, 30, 0).unwrap();
    assert_eq!(beijing(t), "2023-12-31 00:30（北京时间）");
}
