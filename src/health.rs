//! Website health beyond the notices: from the crawl itself, the signals of the national
//! 政府网站与政务新媒体检查指标 per unit and column — columns not updated within their limit at the
//! check date, columns the crawl found empty, pages without a publication date — and dead
//! internal links (4xx/5xx) per host. Stored per run and shown beside T5/D3 as early warnings;
//! they never change a score by themselves.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::health::HealthSettings;
use crate::config::Project;
use crate::extract::{Document, DocumentKind};
use crate::store::faults::PageFault;
use crate::store::pages::PageRecord;

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// The newest document of a column is older than its limit.
    Stale {
        column: String,
        latest: NaiveDate,
        age_days: i64,
        max_age_days: i64,
        rule: String,
    },
    /// A column named by a freshness rule holds no document of the unit.
    Empty { column: String },
    /// Articles of the unit whose publication date could not be read.
    Undated { count: usize, example: String },
}

impl Signal {
    /// The warning as a sentence.
    pub fn describe(&self) -> String {
        match self {
            Signal::Stale {
                column,
                latest,
                age_days,
                max_age_days,
                rule,
            } => {
                format!("“{column}”栏目最近更新于 {latest}，已 {age_days} 天未更新（{rule}要求 {max_age_days} 天内）")
            }
            Signal::Empty { column } => {
                format!("未发现“{column}”栏目的任何文章（栏目为空或未更新）")
            }
            Signal::Undated { count, example } => {
                format!("{count} 篇文章无法识别发布日期（如 {example}）")
            }
        }
    }
}

/// The health of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub check_date: Option<NaiveDate>,
    /// Unit id → its warnings.
    pub units: BTreeMap<String, Vec<Signal>>,
    /// Host → URLs that answered 4xx/5xx.
    pub dead_links: BTreeMap<String, Vec<(String, u16)>>,
    /// Pages the crawl quarantined after failing run after run, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quarantined: Vec<PageFault>,
}

impl HealthReport {
    /// Text for people, unit by unit.
    pub fn render(&self, project: &Project) -> String {
        let mut s = format!(
            "网站健康预警（检查日 {}；仅作预警，不计入得分）\n",
            self.check_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into())
        );
        for (unit, signals) in &self.units {
            let name = project
                .roster
                .get(unit)
                .map(|u| u.short.as_str())
                .unwrap_or(unit);
            for sig in signals {
                s.push_str(&format!("  {name}：{}\n", sig.describe()));
            }
        }
        for (host, links) in &self.dead_links {
            s.push_str(&format!("  {host}：{} 个失效链接\n", links.len()));
            for (url, status) in links.iter().take(10) {
                s.push_str(&format!("    {status} {url}\n"));
            }
        }
        if !self.quarantined.is_empty() {
            s.push_str(&format!(
                "  {} 个页面连续处理失败，已隔离（暂停抓取，到期后再试）：\n",
                self.quarantined.len()
            ));
            for f in &self.quarantined {
                let since = f
                    .quarantined_at
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                s.push_str(&format!(
                    "    {}（连续 {} 次失败，{since} 起隔离）：{}\n",
                    f.url, f.nights, f.reason
                ));
            }
        }
        s
    }
}

/// Computes the signals from the stored documents and pages.
pub fn assess(
    project: &Project,
    settings: &HealthSettings,
    docs: &[Document],
    pages: &[PageRecord],
    check_date: NaiveDate,
) -> HealthReport {
    let mut latest: BTreeMap<(&str, &str), NaiveDate> = BTreeMap::new();
    let mut seen_units: BTreeSet<&str> = BTreeSet::new();
    let mut undated: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind == DocumentKind::Article) {
        let Some(unit) = d.unit.as_deref() else {
            continue;
        };
        if project.roster.get(unit).is_none() {
            continue;
        }
        seen_units.insert(unit);
        let column = d
            .fields
            .get("栏目")
            .map(String::as_str)
            .or(d.list.as_deref())
            .unwrap_or("");
        match d.published {
            Some(p) => {
                let e = latest.entry((unit, column)).or_insert(p);
                *e = (*e).max(p);
            }
            None => {
                let e = undated.entry(unit).or_insert((0, d.url.as_str()));
                e.0 += 1;
            }
        }
    }
    let mut units: BTreeMap<String, Vec<Signal>> = BTreeMap::new();
    for unit in &seen_units {
        let mut signals = Vec::new();
        for rule in &settings.freshness {
            if !has_column(&latest, unit, &rule.columns) {
                signals.push(Signal::Empty {
                    column: rule.columns.join("/"),
                });
                continue;
            }
            for column in &rule.columns {
                if let Some(&newest) = latest.get(&(*unit, column.as_str())) {
                    let age = (check_date - newest).num_days();
                    if age > rule.max_age_days {
                        signals.push(Signal::Stale {
                            column: column.clone(),
                            latest: newest,
                            age_days: age,
                            max_age_days: rule.max_age_days,
                            rule: rule.label.clone(),
                        });
                    }
                }
            }
        }
        if let Some((count, example)) = undated.get(unit) {
            signals.push(Signal::Undated {
                count: *count,
                example: example.to_string(),
            });
        }
        if !signals.is_empty() {
            signals.sort();
            units.insert(unit.to_string(), signals);
        }
    }
    let mut dead_links: BTreeMap<String, Vec<(String, u16)>> = BTreeMap::new();
    for p in pages.iter().filter(|p| p.status >= 400) {
        let host = url::Url::parse(&p.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        dead_links
            .entry(host)
            .or_default()
            .push((p.url.clone(), p.status));
    }
    HealthReport {
        check_date: Some(check_date),
        units,
        dead_links,
        quarantined: Vec::new(),
    }
}

fn has_column(latest: &BTreeMap<(&str, &str), NaiveDate>, unit: &str, columns: &[String]) -> bool {
    columns
        .iter()
        .any(|c| latest.contains_key(&(unit, c.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn doc(unit: &str, column: &str, date: Option<&str>, url: &str) -> Document {
        Document {
            id: url.into(),
            source: "s".into(),
            list: None,
            kind: DocumentKind::Article,
            url: url.into(),
            page_url: url.into(),
            snapshot: "h".into(),
            title: Some("t".into()),
            published: date.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            publisher: None,
            index_no: None,
            doc_no: None,
            body: String::new(),
            attachments: Vec::new(),
            unit: Some(unit.into()),
            unit_basis: None,
            fields: [("栏目".to_string(), column.to_string())]
                .into_iter()
                .collect(),
            run: 1,
            extracted_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn stale_empty_and_undated() {
        let project =
            Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
        let docs = vec![
            doc("t-huaiyuan", "工作动态", Some("2024-01-10"), "a"),
            doc("t-huaiyuan", "通知公告", Some("2023-03-01"), "b"),
            doc("t-huaiyuan", "权责清单", None, "c"),
            doc("t-chengjiao", "工作动态", Some("2024-01-30"), "d"),
        ];
        let check = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap_or_default();
        let r = assess(&project, &HealthSettings::default(), &docs, &[], check);
        let h = &r.units["t-huaiyuan"];
        assert!(
            h.iter().any(
                |s| matches!(s, Signal::Stale { column, age_days: 22, .. } if column == "工作动态")
            ),
            "{h:?}"
        );
        assert!(
            h.iter()
                .any(|s| matches!(s, Signal::Stale { column, .. } if column == "通知公告")),
            "{h:?}"
        );
        assert!(
            h.iter()
                .any(|s| matches!(s, Signal::Undated { count: 1, .. })),
            "{h:?}"
        );
        let c = &r.units["t-chengjiao"];
        assert_eq!(
            c.len(),
            1,
            "fresh news, but no notice or policy column: {c:?}"
        );
        assert!(matches!(&c[0], Signal::Empty { .. }));
    }
}
