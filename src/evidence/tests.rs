//! End-to-end tests of the evidence stage on hand-made documents: rules → evidence → web facts.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};

use super::classify::classify;
use super::facts::{web_facts, Mode};
use super::model::{DocInput, Status};
use crate::calendar::WorkCalendar;
use crate::config::rules::RuleSet;
use crate::config::Project;
use crate::fact::{Fact, Value};

fn setup() -> (Project, RuleSet) {
    let p = Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
    let r = RuleSet::load(Path::new("crawl-config/rules"), &p.catalogs)
        .unwrap_or_else(|e| panic!("{e}"));
    (p, r)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{e}"))
}

fn article(
    id: &str,
    source: &str,
    unit: &str,
    column: &str,
    title: &str,
    date: &str,
    body: &str,
) -> DocInput {
    DocInput {
        id: id.into(),
        source: source.into(),
        column: Some(column.into()),
        is_record: false,
        url: format!("http://www.tongbai.sim/{id}.html"),
        title: title.into(),
        published: Some(day(date)),
        unit: (!unit.is_empty()).then(|| unit.to_string()),
        body: body.into(),
        fields: BTreeMap::new(),
        snapshot: format!("snap-{id}"),
        fetched_at: None,
    }
}

fn record(id: &str, column: &str, fields: &[(&str, &str)]) -> DocInput {
    DocInput {
        id: id.into(),
        source: "sim-credit".into(),
        column: Some(column.into()),
        is_record: true,
        url: format!("http://credit.nanyang.sim/{id}"),
        title: String::new(),
        published: None,
        unit: None,
        body: String::new(),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        snapshot: format!("snap-{id}"),
        fetched_at: None,
    }
}

fn value<'a>(facts: &'a [Fact], unit: &str, item: &str, field: &str) -> Option<&'a Value> {
    facts
        .iter()
        .find(|f| f.unit == unit && f.item == item && f.field == field)
        .map(|f| &f.value)
}

#[test]
fn lists_notices_records_cases_and_activities() {
    let (p, rules) = setup();
    let notice_body = "全市政府网站检查情况如下。\n桐柏县城郊乡人民政府、淮源镇政府网站不合格。\n南阳市某某乡政府网站不合格。";
    let docs = vec![
        article(
            "a1",
            "sim-tongbai",
            "t-huaiyuan",
            "权责清单",
            "淮源镇权责清单",
            "2023-03-28",
            "",
        ),
        article(
            "a2",
            "sim-tongbai",
            "t-chengjiao",
            "工作动态",
            "城郊乡开展春耕工作",
            "2023-04-01",
            "",
        ),
        article(
            "a3",
            "sim-tongbai",
            "t-huaiyuan",
            "政策文件",
            "关于转发《南阳市重大行政决策公示和听证暂行办法》的通知",
            "2023-02-01",
            "",
        ),
        article(
            "a4",
            "sim-tongbai",
            "t-huaiyuan",
            "重大行政决策",
            "淮源镇重大行政决策风险评估办法",
            "2023-02-03",
            "",
        ),
        article(
            "a5",
            "sim-tongbai",
            "t-huaiyuan",
            "年度目录",
            "淮源镇2023年度重大行政决策事项目录",
            "2023-04-10",
            "",
        ),
        article(
            "a6",
            "sim-tongbai",
            "t-huaiyuan",
            "年度目录",
            "淮源镇2022年度重大行政决策事项目录",
            "2022-03-10",
            "",
        ),
        article(
            "n1",
            "sim-nanyang",
            "",
            "通知公告",
            "关于2023年第一季度全市政府网站与政务新媒体检查及管理情况的通报",
            "2023-04-20",
            notice_body,
        ),
        article(
            "n2",
            "sim-nanyang",
            "",
            "通知公告",
            "关于2023年第二季度全市政府网站与政务新媒体检查及管理情况的通报",
            "2023-07-20",
            "淮源镇政府网站存在问题。淮源镇政府网站不合格。",
        ),
        article(
            "n3",
            "sim-nanyang",
            "",
            "通知公告",
            "关于2022年第四季度全市政府网站与政务新媒体检查及管理情况的通报",
            "2022-12-20",
            "淮源镇政府网站不合格。",
        ),
        article(
            "e1",
            "sim-tongbai",
            "t-huaiyuan",
            "工作动态",
            "淮源镇开展公务员诚信教育专题讲座",
            "2023-05-10",
            "",
        ),
        article(
            "e2",
            "sim-tongbai",
            "t-huaiyuan",
            "工作动态",
            "淮源镇开展企业诚信经营宣传",
            "2023-05-11",
            "",
        ),
        record(
            "r1",
            "行政强制",
            &[
                ("类别", "行政强制"),
                ("决定机关", "淮源镇人民政府"),
                ("行政相对人名称", "某公司"),
                ("统一社会信用代码", "91350100M000100Y43"),
                ("决定文书号", "淮强〔2023〕1号"),
                ("决定日期", "2023-03-01"),
                ("公示日期", "2023-03-20"),
            ],
        ),
        record(
            "c1",
            "被执行人",
            &[
                ("被执行人", "桐柏县淮源镇固庙村村民委员会"),
                ("立案时间", "2023年03月01日"),
                ("结案日期", "2023年05月01日"),
            ],
        ),
    ];
    let c = classify(
        &p,
        &rules,
        &docs,
        &WorkCalendar::official(),
        &BTreeMap::new(),
    );
    let now = Utc
        .with_ymd_and_hms(2024, 2, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("date"));
    let facts = web_facts(&p, &rules, &c.evidence, &c.coverage, now, Mode::Score);

    assert_eq!(
        value(&facts, "t-huaiyuan", "T1", "published"),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        value(&facts, "t-chengjiao", "T1", "published"),
        Some(&Value::Bool(false)),
        "covered unit without a list"
    );
    assert_eq!(
        value(&facts, "t-pingshi", "T1", "published"),
        None,
        "uncovered unit: no fact"
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T2.1", "reposted"),
        Some(&Value::list(["南阳市重大行政决策公示和听证暂行办法"]))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T2.1", "local"),
        Some(&Value::list(["南阳市重大行政决策风险评估办法"]))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T2.2", "formulated"),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T2.2", "published_on"),
        Some(&Value::Date(day("2023-04-10")))
    );
    assert_eq!(
        value(&facts, "t-chengjiao", "T2.2", "formulated"),
        Some(&Value::Bool(false))
    );
    // Named in two in-period notices (twice in n2, counted once); n3 is outside the period.
    assert_eq!(
        value(&facts, "t-huaiyuan", "T5", "failures"),
        Some(&Value::Int(2))
    );
    assert_eq!(
        value(&facts, "t-chengjiao", "T5", "failures"),
        Some(&Value::Int(1))
    );
    assert_eq!(
        value(&facts, "t-pingshi", "T5", "failures"),
        Some(&Value::Int(0))
    );
    assert!(
        c.unresolved.iter().any(|u| u.name.contains("某某乡")),
        "{:?}",
        c.unresolved
    );
    // 2023-03-01 + 7 working days = 2023-03-10; published 03-20 is late.
    assert_eq!(
        value(&facts, "t-huaiyuan", "T6.1", "reported"),
        Some(&Value::Int(1))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T6.1", "compliant"),
        Some(&Value::Int(1))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T6.1", "timely"),
        Some(&Value::Int(0))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T6.2", "compliant"),
        Some(&Value::list(["行政强制"]))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T13", "executed_unresolved"),
        Some(&Value::Int(1))
    );
    assert_eq!(
        value(&facts, "t-huaiyuan", "T13", "dishonest_new"),
        Some(&Value::Int(0))
    );
    // Activities are candidates: nothing counts until confirmed; the decoy is not even a candidate.
    let acts: Vec<_> = c.evidence.iter().filter(|e| e.item == "T14").collect();
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].status, Status::Candidate);
    // Until then the web states nothing: no negative finding for activities.
    assert_eq!(value(&facts, "t-huaiyuan", "T14", "activities"), None);

    // Confirming it, then re-classifying, keeps the decision and counts the activity.
    let mut previous = BTreeMap::new();
    let mut confirmed = acts[0].clone();
    confirmed.status = Status::Confirmed;
    confirmed.decision = Some(super::model::Decision {
        by: "analyst".into(),
        at: now,
        why: "有方案和签到表".into(),
    });
    previous.insert(confirmed.id.clone(), confirmed);
    let c2 = classify(&p, &rules, &docs, &WorkCalendar::official(), &previous);
    let facts2 = web_facts(&p, &rules, &c2.evidence, &c2.coverage, now, Mode::Score);
    assert_eq!(
        value(&facts2, "t-huaiyuan", "T14", "activities"),
        Some(&Value::list(["淮源镇开展公务员诚信教育专题讲座"]))
    );
}
