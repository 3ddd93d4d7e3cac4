//! The inspection on small hand-made crawls: each clause hit and not hit, honest coverage (a
//! column whose page failed is 未能检查), backdating and bursts across runs, and a changed copy
//! of the rule set changing the prediction without a code change.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::config::inspection::InspectionRules;
use crate::extract::DocumentKind;

pub fn rules() -> InspectionRules {
    InspectionRules::load_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/inspection"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .remove(0)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

/// An article of `unit` in column `column` (source `s`, list `栏目`).
pub fn article(unit: &str, column: &str, url: &str, published: Option<&str>) -> Document {
    Document {
        id: url.into(),
        source: "s".into(),
        list: Some("栏目".into()),
        kind: DocumentKind::Article,
        url: url.into(),
        page_url: url.into(),
        snapshot: format!("snap-{url}"),
        title: Some(format!("标题{url}")),
        published: published.map(date),
        publisher: Some("某单位".into()),
        index_no: Some("001".into()),
        doc_no: None,
        body: String::new(),
        attachments: Vec::new(),
        unit: Some(unit.into()),
        unit_basis: None,
        fields: [
            ("栏目".to_string(), column.to_string()),
            ("成文日期".to_string(), "2023-01-01".to_string()),
        ]
        .into_iter()
        .collect(),
        run: 1,
        extracted_at: Utc::now(),
    }
}

fn page(url: &str, role: Role, status: u16, first_run: u64) -> PageRecord {
    let at = Utc.with_ymd_and_hms(2024, 2, 1, 2, 0, 0).unwrap();
    PageRecord {
        url: url.into(),
        final_url: url.into(),
        source: "s".into(),
        role,
        status,
        error: None,
        etag: None,
        last_modified: None,
        content_type: None,
        hash: (status == 200).then(|| format!("h-{url}-{first_run}")),
        charset: None,
        bytes: 0,
        fetched_at: at,
        run: 1,
        first_run,
        changed_run: first_run,
        changed_at: at,
        unchanged_streak: 0,
        next_due: None,
        gone_run: None,
        attachments: None,
    }
}

/// A hand-made crawl of one township's site `t-huaiyuan` over runs on `dates`.
struct World {
    docs: Vec<Document>,
    pages: HashMap<String, PageRecord>,
    lists: Vec<ListSeen>,
    runs: Vec<RunSeen>,
    samples: BTreeMap<u64, HashMap<String, Sample>>,
}

const U: &str = "t-huaiyuan";
const HOME: &str = "http://p/u/";

impl World {
    fn new(dates: &[&str]) -> World {
        let runs: Vec<RunSeen> = dates
            .iter()
            .enumerate()
            .map(|(i, d)| RunSeen {
                id: i as u64 + 1,
                date: date(d),
            })
            .collect();
        let mut w = World {
            docs: Vec::new(),
            pages: HashMap::new(),
            lists: Vec::new(),
            runs,
            samples: BTreeMap::new(),
        };
        w.list(HOME, &[]);
        w
    }

    /// A column page listing `items` (URL, published), first read in run 1.
    fn column(&mut self, name: &str, items: &[(&str, Option<&str>)]) -> String {
        let url = format!("http://p/u/{name}/");
        for (u, d) in items {
            self.docs.push(article(U, name, u, *d));
            self.pages
                .insert(u.to_string(), page(u, Role::Detail, 200, 1));
        }
        let links: Vec<(&str, &str)> = items.iter().map(|(u, _)| (*u, "t")).collect();
        self.list(&url, &links);
        let home = self.lists.iter_mut().find(|l| l.url == HOME).unwrap();
        home.items.push((Some(url.clone()), Some(name.to_string())));
        url
    }

    fn list(&mut self, url: &str, items: &[(&str, &str)]) {
        self.pages.insert(url.into(), page(url, Role::List, 200, 1));
        self.lists.push(ListSeen {
            url: url.into(),
            source: "s".into(),
            list: "栏目".into(),
            items: items
                .iter()
                .map(|(l, t)| (Some(l.to_string()), Some(t.to_string())))
                .collect(),
        });
    }

    /// Every site page read in every run, except where `fail` says (run, url).
    fn sample_all(&mut self, fail: &[(u64, &str)]) {
        let urls: Vec<String> = self.lists.iter().map(|l| l.url.clone()).collect();
        for r in &self.runs {
            let m = self.samples.entry(r.id).or_default();
            for u in &urls {
                let s = if fail.iter().any(|(run, f)| *run == r.id && f == u) {
                    Sample::Failed("503".into())
                } else {
                    Sample::Read
                };
                m.insert(u.clone(), s);
            }
        }
    }

    fn inspect_with(&self, rules: &InspectionRules) -> UnitInspection {
        let project = crate::config::Project::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/simweb.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let run = *self.runs.last().unwrap();
        let report = assess(&Inputs {
            rules,
            roster: &project.roster,
            check_date: run.date,
            run,
            runs: &self.runs,
            docs: &self.docs,
            pages: &self.pages,
            lists: &self.lists,
            samples: &self.samples,
            overrides: &HashMap::new(),
            earlier: &[],
        });
        assert_eq!(report.units[U].home.as_deref(), Some(HOME));
        report.units[U].clone()
    }

    fn inspect(&self) -> UnitInspection {
        self.inspect_with(&rules())
    }
}

fn kinds(fs: &[Finding]) -> Vec<FindingKind> {
    fs.iter().map(|f| f.kind).collect()
}

/// A current site: news a week old, policy files two months old.
fn current(dates: &[&str]) -> World {
    let mut w = World::new(dates);
    w.column(
        "工作动态",
        &[
            ("http://p/a1.html", Some("2024-01-28")),
            ("http://p/a2.html", Some("2024-01-10")),
        ],
    );
    w.column("政策文件", &[("http://p/b1.html", Some("2023-12-01"))]);
    w
}

#[test]
fn a_current_site_passes_and_one_night_leaves_reachability_unchecked() {
    let mut w = current(&["2024-02-01"]);
    w.sample_all(&[]);
    let u = w.inspect();
    assert_eq!(u.result, Verdict::Pass, "{u:#?}");
    assert!(u.vetoes.is_empty() && u.warnings.is_empty(), "{u:#?}");
    assert!(u
        .unchecked
        .iter()
        .any(|c| c.clause.contains("站点无法访问")));
}

#[test]
fn home_not_updated_for_two_weeks_fails_and_three_weeks_in_a_changed_copy_passes() {
    let mut w = World::new(&["2024-02-01"]);
    w.column("工作动态", &[("http://p/a1.html", Some("2024-01-15"))]);
    w.column("政策文件", &[("http://p/b1.html", Some("2023-12-01"))]);
    w.sample_all(&[]);
    let u = w.inspect();
    assert_eq!(u.result, Verdict::Fail);
    assert_eq!(kinds(&u.vetoes), [FindingKind::HomeNotUpdated]);
    let v = &u.vetoes[0];
    assert!(
        v.clause.contains("首页不更新") && v.detail.contains("2024-01-15"),
        "{v:?}"
    );
    assert!(v
        .evidence
        .iter()
        .any(|p| p.url == "http://p/a1.html" && p.snapshot.is_some()));
    // The same crawl under a copy of the rule set that allows three weeks: no code changed.
    let text = std::fs::read_to_string(rules().file).unwrap().replace(
        "max_age_days = 14           # 原文：监测2周",
        "max_age_days = 21",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("three-weeks.toml"), text).unwrap();
    let changed = InspectionRules::load_dir(dir.path()).unwrap().remove(0);
    assert_eq!(changed.veto.home_not_updated.max_age_days, 21);
    let u = w.inspect_with(&changed);
    assert_eq!(u.result, Verdict::Pass, "{u:#?}");
    // The 动态要闻 column is still past its own 14 days: a warning, below the veto's count.
    assert_eq!(kinds(&u.warnings), [FindingKind::StaleColumn]);
}

#[test]
fn a_failed_column_is_unchecked_not_stale_and_undated_pages_count_as_not_updated() {
    let mut w = current(&["2024-02-01"]);
    let old = w.column("通知公告", &[("http://p/c1.html", Some("2023-01-05"))]);
    w.column("其他", &[("http://p/d1.html", None)]);
    w.sample_all(&[(1, old.as_str())]);
    let u = w.inspect();
    assert_eq!(u.result, Verdict::Pass, "{u:#?}");
    assert!(
        !u.warnings
            .iter()
            .any(|f| f.kind == FindingKind::StaleColumn),
        "{u:#?}"
    );
    assert!(u
        .unchecked
        .iter()
        .any(|c| c.clause.contains("栏目不更新") && c.reason.contains("通知公告")));
    let undated = u
        .warnings
        .iter()
        .find(|f| f.kind == FindingKind::Undated)
        .unwrap();
    assert_eq!(undated.documents, ["http://p/d1.html"]);
    // Read tonight: the 通知公告 column is a year old, a warning (one column, the veto needs 5).
    w.samples.clear();
    w.sample_all(&[]);
    let u = w.inspect();
    let stale: Vec<&Finding> = u
        .warnings
        .iter()
        .filter(|f| f.kind == FindingKind::StaleColumn)
        .collect();
    assert_eq!(stale.len(), 1, "{u:#?}");
    assert!(stale[0]
        .group
        .contains("“通知公告”栏目（通知公告类）超过 183 天未更新"));
}

#[test]
fn five_stale_or_blank_columns_are_the_veto() {
    let mut w = current(&["2024-02-01"]);
    for name in ["通知公告", "公示公告", "规范性文件", "部门文件", "公告"] {
        w.column(name, &[]);
    }
    w.sample_all(&[]);
    let u = w.inspect();
    assert_eq!(kinds(&u.vetoes), [FindingKind::ColumnsNotUpdated], "{u:#?}");
    assert!(u.vetoes[0].detail.contains("空白栏目"));
    // Three blank ones are warnings.
    let mut w = current(&["2024-02-01"]);
    for name in ["通知公告", "公示公告", "规范性文件"] {
        w.column(name, &[]);
    }
    w.sample_all(&[]);
    let u = w.inspect();
    assert!(u.vetoes.is_empty(), "{u:#?}");
    assert_eq!(
        u.warnings
            .iter()
            .filter(|f| f.kind == FindingKind::BlankColumn)
            .count(),
        3
    );
}

#[test]
fn a_week_of_failed_nights_is_unreachable() {
    let dates = ["2024-02-01", "2024-02-04", "2024-02-08"];
    let mut w = current(&dates);
    w.sample_all(&[(2, HOME), (3, HOME)]);
    let u = w.inspect();
    // The home failed tonight: the update clauses are unchecked, reachability is not.
    assert_eq!(kinds(&u.vetoes), [FindingKind::Unreachable], "{u:#?}");
    assert!(
        u.vetoes[0].detail.contains("2024-02-04、2024-02-08"),
        "{:?}",
        u.vetoes[0]
    );
    assert!(u.unchecked.iter().any(|c| c.clause.contains("首页不更新")));
    // One failed page of one night among the site's samples is under 5%.
    let mut w = current(&dates);
    for i in 0..30 {
        w.column(
            &format!("栏目{i}"),
            &[(&format!("http://p/x{i}.html"), Some("2024-01-30"))],
        );
    }
    w.sample_all(&[(2, HOME)]);
    assert!(w.inspect().vetoes.is_empty());
}

#[test]
fn backdated_documents_are_flagged_with_both_dates_and_both_snapshots() {
    let dates = ["2024-02-01", "2024-02-05"];
    let mut w = current(&dates);
    let col = w.column("政策文件类", &[("http://p/p1.html", Some("2023-11-01"))]);
    // Tonight two policy files appear dated months back; one news post dated today.
    for (u, d) in [
        ("http://p/late1.html", "2023-12-20"),
        ("http://p/late2.html", "2024-01-03"),
    ] {
        w.docs.push(article(U, "政策文件类", u, Some(d)));
        w.pages.insert(u.into(), page(u, Role::Detail, 200, 2));
        w.lists
            .iter_mut()
            .find(|l| l.url == col)
            .unwrap()
            .items
            .push((Some(u.into()), None));
    }
    w.docs.push(article(
        U,
        "工作动态",
        "http://p/new.html",
        Some("2024-02-05"),
    ));
    w.pages.insert(
        "http://p/new.html".into(),
        page("http://p/new.html", Role::Detail, 200, 2),
    );
    w.sample_all(&[]);
    let u = w.inspect();
    assert_eq!(kinds(&u.vetoes), [FindingKind::Backdated], "{u:#?}");
    let f = &u.vetoes[0];
    assert_eq!(f.documents, ["http://p/late1.html", "http://p/late2.html"]);
    assert!(
        f.detail
            .contains("自称 2023-12-20 发布，2024-02-01 读取该栏目时尚无，2024-02-05 首次出现"),
        "{}",
        f.detail
    );
    let pages: Vec<Option<u64>> = f
        .evidence
        .iter()
        .filter(|p| p.url == col)
        .map(|p| p.run)
        .collect();
    assert_eq!(pages, [Some(1), Some(2)]);
    // The same documents on the first night, or seen again within the lag: nothing.
    let mut w = current(&["2024-02-01"]);
    w.column("政策文件类", &[("http://p/late1.html", Some("2023-12-20"))]);
    w.sample_all(&[]);
    assert!(w.inspect().vetoes.is_empty());
}

#[test]
fn a_same_day_burst_before_a_quarter_end_is_a_warning() {
    let mut w = current(&["2024-02-01"]);
    let items: Vec<(String, Option<&str>)> = (0..8)
        .map(|i| (format!("http://p/q{i}.html"), Some("2023-12-27")))
        .collect();
    let refs: Vec<(&str, Option<&str>)> = items.iter().map(|(u, d)| (u.as_str(), *d)).collect();
    w.column("要闻", &refs);
    // Seven the same day in mid-quarter: no burst.
    let mid: Vec<(String, Option<&str>)> = (0..9)
        .map(|i| (format!("http://p/m{i}.html"), Some("2023-11-15")))
        .collect();
    let refs: Vec<(&str, Option<&str>)> = mid.iter().map(|(u, d)| (u.as_str(), *d)).collect();
    w.column("部门动态", &refs);
    w.sample_all(&[]);
    let u = w.inspect();
    let bursts: Vec<&Finding> = u
        .warnings
        .iter()
        .filter(|f| f.kind == FindingKind::Burst)
        .collect();
    assert_eq!(bursts.len(), 1, "{u:#?}");
    assert_eq!(bursts[0].documents.len(), 8);
    assert!(bursts[0].detail.starts_with("2023-12-27 一天发布 8 篇"));
    assert_eq!(u.result, Verdict::Pass);
}

#[test]
fn dead_links_attachments_and_missing_metadata_deduct_points() {
    let mut w = current(&["2024-02-01"]);
    w.pages.insert(
        "http://p/gone.html".into(),
        page("http://p/gone.html", Role::Detail, 404, 1),
    );
    w.lists
        .iter_mut()
        .find(|l| l.url == HOME)
        .unwrap()
        .items
        .push((Some("http://p/gone.html".into()), Some("往年信息".into())));
    let policy = w
        .docs
        .iter_mut()
        .find(|d| d.url == "http://p/b1.html")
        .unwrap();
    policy.index_no = None;
    policy.attachments.push(crate::extract::AttachmentRef {
        url: "http://p/f.pdf".into(),
        name: "附件.pdf".into(),
    });
    w.pages.insert(
        "http://p/f.pdf".into(),
        page("http://p/f.pdf", Role::Attachment, 404, 1),
    );
    w.sample_all(&[]);
    let u = w.inspect();
    assert_eq!(
        kinds(&u.deductions),
        [
            FindingKind::DeadLinks,
            FindingKind::Attachments,
            FindingKind::Metadata
        ]
    );
    assert!((u.points - 2.5).abs() < 1e-9, "{}", u.points);
    assert!(
        u.deductions[2].detail.contains("缺索引号"),
        "{:?}",
        u.deductions[2]
    );
    assert_eq!(u.result, Verdict::Pass);
}

#[test]
fn an_interaction_column_with_an_unanswered_message_fails() {
    let mut w = current(&["2024-02-01"]);
    w.column(
        "书记信箱",
        &[
            ("http://p/m1.html", Some("2023-09-01")),
            ("http://p/m2.html", Some("2023-12-01")),
        ],
    );
    for d in w.docs.iter_mut() {
        match d.url.as_str() {
            "http://p/m1.html" => {
                d.fields.insert("留言时间".into(), "2023-09-01".into());
            }
            "http://p/m2.html" => {
                d.fields.insert("留言时间".into(), "2023-12-01".into());
                d.fields.insert("答复时间".into(), "2023-12-05".into());
            }
            _ => {}
        }
    }
    w.sample_all(&[]);
    let u = w.inspect();
    assert_eq!(kinds(&u.vetoes), [FindingKind::Interaction], "{u:#?}");
    assert_eq!(u.vetoes[0].documents, ["http://p/m1.html"]);
}
