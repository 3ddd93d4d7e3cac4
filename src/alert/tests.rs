//! Event extraction from a digest and the three message bodies.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::digest::{EvidenceEntry, WebFactMove};
use crate::evidence::model::Status;

fn entry(id: &str, item: &str, finding: Finding) -> EvidenceEntry {
    EvidenceEntry {
        id: id.into(),
        unit: "t-a".into(),
        unit_name: "甲镇".into(),
        item: item.into(),
        rule: format!("{item}.r"),
        finding,
        status: Status::Confirmed,
        title: "关于某事的通报".into(),
        url: format!("http://www.tongbai.sim/{id}.html"),
        summary: String::new(),
    }
}

fn web_move(unit: &str, name: &str, item: &str, new: Option<Value>) -> WebFactMove {
    WebFactMove {
        unit: unit.into(),
        unit_name: name.into(),
        item: item.into(),
        content: "清单".into(),
        field: "published".into(),
        label: "已公示".into(),
        // 丙镇's fact was false and became true: no event.
        old: Some(Value::Bool(unit != "t-c")),
        new,
    }
}

fn digest() -> Digest {
    let case = Finding::Case {
        party: "甲镇人民政府".into(),
        relation: "本单位".into(),
        dishonest: false,
        listed_on: NaiveDate::from_ymd_opt(2023, 1, 31).unwrap(),
        resolved_on: None,
        resolved_within_month: false,
        contract: false,
    };
    Digest {
        run: 7,
        previous_run: Some(6),
        period: "2023".into(),
        created_at: Utc.with_ymd_and_hms(2024, 2, 2, 0, 0, 0).unwrap(),
        new_evidence: vec![
            entry("c", "T13", case),
            entry(
                "n",
                "T5",
                Finding::Named {
                    clause: "甲镇未按期整改".into(),
                    handled: false,
                },
            ),
            entry(
                "x",
                "T14",
                Finding::Activity {
                    title: "活动".into(),
                },
            ),
        ],
        changed_evidence: vec![],
        gone_evidence: vec![entry("g", "T1", Finding::Published)],
        score_moves: vec![],
        total_moves: vec![],
        web_fact_moves: vec![
            web_move("t-a", "甲镇", "T1", Some(Value::Bool(false))),
            web_move("t-b", "乙镇", "T4", None),
            web_move("t-c", "丙镇", "T4", Some(Value::Bool(true))),
        ],
        inspection_moves: vec![crate::digest::InspectionMove {
            unit: "t-b".into(),
            unit_name: "乙镇".into(),
            rule_set: "gwb-2019-19".into(),
            before: Some(crate::inspect::Verdict::Pass),
            after: crate::inspect::Verdict::Fail,
            new_vetoes: vec![crate::digest::inspection::VetoEntry {
                kind: crate::inspect::FindingKind::HomeNotUpdated,
                clause: "单项否决·首页不更新".into(),
                sentence: "14 天内首页（各栏目）无信息更新".into(),
                url: "http://www.tongbai.sim/xzxxgk/t-b/index.html".into(),
            }],
            cleared: vec![],
        }],
    }
}

#[test]
fn events_come_from_new_cases_notices_and_vanished_lists() {
    let ev = events(&digest());
    let kinds: Vec<(EventKind, &str, &str)> = ev
        .iter()
        .map(|e| (e.kind, e.unit.as_str(), e.item.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EventKind::NewCourtListing, "t-a", "T13"),
            (EventKind::NewInspectionNotice, "t-a", "T5"),
            // The gone T1 evidence and the T1 fact turned false are one event.
            (EventKind::ListVanished, "t-a", "T1"),
            (EventKind::ListVanished, "t-b", "T4"),
            (EventKind::InspectionVeto, "t-b", "单项否决·首页不更新"),
        ]
    );
    assert!(ev[4]
        .summary
        .contains("乙镇网站按《政府网站与政务新媒体检查指标》预测不合格"));
    // 2023-01-31 + one month is the last day of February.
    assert!(
        ev[0].summary.contains("被执行人")
            && ev[0]
                .summary
                .contains("自列入之日 2023-01-31 起算，至 2023-02-28 止"),
        "{}",
        ev[0].summary
    );
    assert!(ev[1].summary.contains("甲镇未按期整改"));
    assert!(ev.iter().all(|e| e.run == 7));
}

#[test]
fn bodies_follow_each_format() {
    let e = &events(&digest())[0];
    let j = body(WebhookFormat::Json, e);
    assert_eq!(j["event"], "new_court_listing");
    assert_eq!(j["unit"], "t-a");
    assert_eq!(j["item"], "T13");
    assert_eq!(j["run"], 7);
    assert!(j["summary"].as_str().unwrap_or("").contains("被执行人"));
    assert_eq!(j["url"], "http://www.tongbai.sim/c.html");
    let w = body(WebhookFormat::Wecom, e);
    assert_eq!(w["msgtype"], "markdown");
    assert!(w["markdown"]["content"]
        .as_str()
        .unwrap_or("")
        .contains("政务诚信监测提醒"));
    let d = body(WebhookFormat::Dingtalk, e);
    assert_eq!(d["msgtype"], "markdown");
    assert!(d["markdown"]["title"]
        .as_str()
        .unwrap_or("")
        .contains("新增被执行人"));
    assert!(d["markdown"]["text"]
        .as_str()
        .unwrap_or("")
        .contains("[查看原文](http://www.tongbai.sim/c.html)"));
}

#[test]
fn messages_respect_subscriptions_and_the_cap() {
    let settings = AlertSettings {
        webhook: vec![
            Webhook {
                url: "http://127.0.0.1:9/a".into(),
                format: WebhookFormat::Json,
                events: vec![EventKind::ListVanished],
            },
            Webhook {
                url: "http://127.0.0.1:9/b".into(),
                format: WebhookFormat::Wecom,
                events: vec![EventKind::NewCourtListing, EventKind::ListVanished],
            },
        ],
        max_per_run: 2,
        ..AlertSettings::default()
    };
    let m = messages(&settings, &events(&digest()));
    let a: Vec<_> = m.iter().filter(|x| x.0.url.ends_with("/a")).collect();
    let b: Vec<_> = m.iter().filter(|x| x.0.url.ends_with("/b")).collect();
    assert_eq!(a.len(), 2);
    // Three events for b, capped at two plus one overflow note.
    assert_eq!(b.len(), 3);
    assert!(b[2].1.is_none());
    assert!(b[2].2["markdown"]["content"]
        .as_str()
        .unwrap_or("")
        .contains("另有 1 条"));
}

#[test]
fn webhook_secrets_are_redacted() {
    let wecom =
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
    let r = redact(wecom);
    assert!(
        r.starts_with("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"),
        "{r}"
    );
    assert!(!r.contains("693a91f6"), "{r}");
    // Two robots of one service stay apart.
    assert_ne!(r, redact(&wecom.replace("693a", "7777")));
    let ding = redact("https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000&sign=xyz%2B%3D");
    assert!(!ding.contains("abc123") && !ding.contains("xyz"), "{ding}");
    assert!(ding.contains("timestamp=1700000000"), "{ding}");
    let user = redact("https://ops:hunter2@hooks.example/a?x=1&Token=t0k");
    assert!(
        !user.contains("hunter2") && !user.contains("t0k") && user.contains("x=1"),
        "{user}"
    );
    assert_eq!(
        redact("http://127.0.0.1:9000/govtrust"),
        "http://127.0.0.1:9000/govtrust"
    );
    assert_eq!(redact("not a url?key=s3cret"), "not a url?***");
}
