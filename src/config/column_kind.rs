//! The kinds of website column the national 政府网站与政务新媒体检查指标 gives update limits
//! for: 动态要闻类, 通知公告类, 政策文件类, 互动交流类 (政务咨询) and the rest. An inspection rule
//! set (`crawl-config/inspection/*.toml`) classifies a column by its name; a source's `[[list]]`
//! may fix the kind of every column it lists with `column_kind = "政策文件"`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ColumnKind {
    /// 动态、要闻类栏目 (本地要闻, 工作动态, 部门动态 …).
    #[serde(rename = "动态要闻")]
    News,
    /// 通知公告类栏目 (通知公告, 公示公告 …).
    #[serde(rename = "通知公告")]
    Notice,
    /// 政策文件类栏目 (政策文件, 规范性文件 …).
    #[serde(rename = "政策文件")]
    Policy,
    /// 互动交流类栏目 with messages to answer (县长信箱, 咨询投诉 …).
    #[serde(rename = "互动交流")]
    Interaction,
    /// Every other column (权责清单, 年报 …): only 空白栏目 and 长期未更新 apply.
    #[serde(rename = "其他")]
    Other,
}

impl ColumnKind {
    pub const ALL: [ColumnKind; 5] = [
        ColumnKind::News,
        ColumnKind::Notice,
        ColumnKind::Policy,
        ColumnKind::Interaction,
        ColumnKind::Other,
    ];

    /// The name it is written with in configuration and shown under.
    pub fn label(self) -> &'static str {
        match self {
            ColumnKind::News => "动态要闻",
            ColumnKind::Notice => "通知公告",
            ColumnKind::Policy => "政策文件",
            ColumnKind::Interaction => "互动交流",
            ColumnKind::Other => "其他",
        }
    }
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_by_their_chinese_names() {
        #[derive(Deserialize)]
        struct T {
            k: ColumnKind,
        }
        for kind in ColumnKind::ALL {
            let t: T = toml::from_str(&format!("k = \"{}\"", kind.label())).unwrap();
            assert_eq!(t.k, kind);
        }
        assert!(toml::from_str::<T>("k = \"新闻\"").is_err());
    }
}
