//! `[health]` in the settings file: the thresholds of the website-health early warnings (the
//! national 政府网站与政务新媒体检查指标's "not updated" rules), as data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A group of columns that must be updated within `max_age_days` of the check date.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FreshnessRule {
    /// Column names (the breadcrumb's last segment) this rule covers.
    pub columns: Vec<String>,
    pub max_age_days: i64,
    /// What the warning calls it (动态要闻类栏目).
    pub label: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSettings {
    /// The date columns are judged at; default: the day the crawl ran.
    #[serde(default)]
    pub check_date: Option<NaiveDate>,
    #[serde(default = "default_rules")]
    pub freshness: Vec<FreshnessRule>,
}

impl Default for HealthSettings {
    fn default() -> Self {
        HealthSettings {
            check_date: None,
            freshness: default_rules(),
        }
    }
}

/// 动态/要闻 within 2 weeks; 通知公告/政策文件 within 6 months (国办发〔2019〕检查指标).
fn default_rules() -> Vec<FreshnessRule> {
    vec![
        FreshnessRule {
            columns: vec!["工作动态".into(), "要闻".into(), "动态".into()],
            max_age_days: 14,
            label: "动态要闻类栏目".into(),
        },
        FreshnessRule {
            columns: vec!["通知公告".into(), "政策文件".into()],
            max_age_days: 183,
            label: "通知公告、政策文件类栏目".into(),
        },
    ]
}
