//! `govtrust query` end to end: documents and evidence written through the store API
//! (`put_documents`, `replace_evidence`), then the binary asked by unit, date range, keyword and
//! evidence filters in each output format.

use std::path::Path;

use assert_cmd::Command;
use chrono::NaiveDate;
use govtrust::evidence::classify::Coverage;
use govtrust::evidence::model::{DocRef, Evidence, Finding, Status};
use govtrust::extract::{Document, DocumentKind};
use govtrust::store::Store;

fn doc(n: u32, unit: &str, date: (i32, u32, u32), title: &str, body: &str) -> Document {
    let url = format!("http://www.tongbai.sim/2023/{n}.html");
    Document {
        id: Document::id_for("sim-tongbai", &url),
        source: "sim-tongbai".into(),
        list: Some("工作动态".into()),
        kind: DocumentKind::Article,
        url: url.clone(),
        page_url: url,
        snapshot: format!("{n:064}"),
        title: Some(title.into()),
        published: NaiveDate::from_ymd_opt(date.0, date.1, date.2),
        publisher: None,
        index_no: None,
        doc_no: None,
        body: body.into(),
        attachments: vec![],
        unit: Some(unit.into()),
        unit_basis: None,
        fields: Default::default(),
        run: 1,
        extracted_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
    }
}

fn fill(dir: &Path) -> Vec<Document> {
    let store = Store::open(dir).unwrap_or_else(|e| panic!("{e}"));
    let docs = vec![
        doc(
            1,
            "t-huaiyuan",
            (2023, 3, 1),
            "淮源镇工作动态",
            "全镇开展诚信教育活动，发放资料。",
        ),
        doc(2, "t-huaiyuan", (2023, 9, 30), "淮源镇诚信教育月", "内容"),
        doc(3, "d-sjj", (2023, 4, 1), "县审计局诚信教育讲座", "内容"),
        doc(4, "t-huaiyuan", (2024, 1, 2), "淮源镇政务公开", "年度报告"),
    ];
    store.put_documents(&docs).unwrap_or_else(|e| panic!("{e}"));
    let d = &docs[1];
    let ev = Evidence {
        id: "ev1".into(),
        period: "2023".into(),
        unit: "t-huaiyuan".into(),
        item: "T14".into(),
        rule: "T14.activity".into(),
        finding: Finding::Activity {
            title: "淮源镇诚信教育月".into(),
        },
        document: DocRef {
            id: d.id.clone(),
            source: d.source.clone(),
            title: "淮源镇诚信教育月".into(),
            url: d.url.clone(),
            published_on: d.published,
        },
        snapshot: d.snapshot.clone(),
        fetched_at: None,
        status: Status::Candidate,
        decision: None,
        summary: "发布诚信活动".into(),
    };
    store
        .replace_evidence("2023", &[ev], &Coverage::default(), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    store.flush().unwrap_or_else(|e| panic!("{e}"));
    docs
}

fn query(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["--config", "crawl-config/simweb.toml", "--store"])
        .arg(dir)
        .arg("query")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ids(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    v["rows"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["title"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn query_by_unit_dates_keyword_and_evidence() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    fill(dir.path());
    let j = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        ids(&query(dir.path(), &a))
    };
    assert_eq!(
        j(&[
            "--unit",
            "淮源镇",
            "--from",
            "2023-03-01",
            "--to",
            "2023-09-30"
        ]),
        vec!["淮源镇诚信教育月", "淮源镇工作动态"],
        "inclusive date range, newest first"
    );
    assert_eq!(
        j(&["--text", "诚信教育"]),
        vec!["淮源镇诚信教育月", "县审计局诚信教育讲座", "淮源镇工作动态"]
    );
    assert_eq!(
        j(&["--text", "诚信教育", "--kind", "department"]),
        vec!["县审计局诚信教育讲座"]
    );
    assert_eq!(
        j(&["--item", "T14", "--status", "candidate"]),
        vec!["淮源镇诚信教育月"]
    );
    assert!(j(&["--status", "confirmed"]).is_empty());

    let table = query(dir.path(), &["--unit", "t-huaiyuan"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("日期") && lines[0].contains("标题"));
    assert!(table.contains("T14 待确认") && table.contains("共 3 条"));
    let csv = query(dir.path(), &["--text", "政务公开", "--format", "csv"]);
    assert!(csv.starts_with("\u{feff}文档ID,日期"));
    assert_eq!(csv.lines().count(), 2);

    let bad = Command::cargo_bin("govtrust")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["--config", "crawl-config/simweb.toml", "--store"])
        .arg(dir.path())
        .args(["query", "--from", "2023-02-30"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("from"));
}
