//! 政府信息公开工作年度报告 (D4): the 依申请公开 figures of the standard table of
//! 国办公开办函〔2021〕30号 — 本年新收, 上年结转, 三、本年度办理结果 … 总计, 四、结转下年度继续办理 —
//! read from the report's body text. Each row's last number is its 总计 column.

use regex::Regex;

/// What the annual report says about requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFigures {
    /// 本年新收.
    pub received: u64,
    /// 上年结转.
    pub carried_in: u64,
    /// 办理结果 总计.
    pub concluded: u64,
    /// 结转下年度继续办理.
    pub carried_out: u64,
}

impl RequestFigures {
    /// `requests` of D4: 本年新收 + 上年结转.
    pub fn requests(&self) -> u64 {
        self.received + self.carried_in
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnualReportError {
    #[error("no 依申请公开 table and no statement that no request was received")]
    NoTable,
    #[error("row {0:?} of the 依申请公开 table has no number")]
    RowWithoutNumber(&'static str),
    #[error("inconsistent table: 新收 {received} + 结转 {carried_in} ≠ 办结 {concluded} + 结转下年度 {carried_out}")]
    Inconsistent {
        received: u64,
        carried_in: u64,
        concluded: u64,
        carried_out: u64,
    },
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("static pattern {p}: {e}"))
}

/// The last integer of the first table row (a line with `|` cells) carrying the row label. Prose
/// lines are skipped: "上年结转3件，按期答复8件，…结转下年度继续办理2件" ends with another figure.
fn row_total(
    text: &str,
    label: &Regex,
    name: &'static str,
) -> Result<Option<u64>, AnnualReportError> {
    for line in text.lines().filter(|l| l.contains('|')) {
        if let Some(m) = label.find(line) {
            let rest = &line[m.end()..];
            let numbers: Vec<u64> = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .filter_map(|s| s.parse().ok())
                .collect();
            return match numbers.last() {
                Some(n) => Ok(Some(*n)),
                None => Err(AnnualReportError::RowWithoutNumber(name)),
            };
        }
    }
    Ok(None)
}

/// The figures as the report's prose states them, for reports without the table.
fn prose_figure(text: &str, pattern: &str) -> Option<u64> {
    re(pattern).captures(text)?.get(1)?.as_str().parse().ok()
}

/// Reads the request figures from a report's text: the standard table, else its prose.
pub fn request_figures(text: &str) -> Result<RequestFigures, AnnualReportError> {
    let received = row_total(text, &re(r"本年新收[^|\d]*(?:数量)?"), "本年新收")?;
    let carried_in = row_total(text, &re(r"上年结转[^|\d]*(?:数量)?"), "上年结转")?;
    let concluded = row_total(
        text,
        &re(r"[（(]七[)）]\s*总计|办理结果\s*总计|^\s*总计"),
        "总计",
    )?;
    let carried_out = row_total(text, &re(r"结转下年度继续办理"), "结转下年度继续办理")?;
    let received = received.or_else(|| {
        prose_figure(
            text,
            r"共收到(?:依申请公开|政府信息公开申请)[^0-9，。]{0,4}(\d+)\s*件",
        )
    });
    let carried_in =
        carried_in.or_else(|| prose_figure(text, r"上年结转[^0-9，。]{0,4}(\d+)\s*件"));
    let concluded = concluded.or_else(|| prose_figure(text, r"办结[^0-9，。]{0,4}(\d+)\s*件"));
    let carried_out = carried_out
        .or_else(|| prose_figure(text, r"结转下年度(?:继续办理)?[^0-9，。]{0,4}(\d+)\s*件"));
    match (received, concluded) {
        (Some(received), Some(concluded)) => {
            let f = RequestFigures {
                received,
                carried_in: carried_in.unwrap_or(0),
                concluded,
                carried_out: carried_out.unwrap_or(0),
            };
            if f.received + f.carried_in != f.concluded + f.carried_out {
                return Err(AnnualReportError::Inconsistent {
                    received: f.received,
                    carried_in: f.carried_in,
                    concluded: f.concluded,
                    carried_out: f.carried_out,
                });
            }
            Ok(f)
        }
        _ if states_no_request(text) => Ok(RequestFigures {
            received: 0,
            carried_in: 0,
            concluded: 0,
            carried_out: 0,
        }),
        _ => Err(AnnualReportError::NoTable),
    }
}

/// "2025 年未收到政府信息公开申请", "本年度未收到依申请公开申请".
fn states_no_request(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    re(r"未收到(?:政府信息公开|依申请公开)?(?:的)?申请").is_match(&t)
        || t.contains("未收到政府信息公开申请")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "三、收到和处理政府信息公开申请情况\n\
        本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和 | 申请人情况\n\
        一、本年新收政府信息公开申请数量 | 5 | 2 | 0 | 0 | 0 | 0 | 7\n\
        二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1\n\
        三、本年度办理结果 | （一）予以公开 | 3 | 1 | 0 | 0 | 0 | 0 | 4\n\
        （七）总计 | 5 | 1 | 0 | 0 | 0 | 0 | 6\n\
        四、结转下年度继续办理 | 1 | 1 | 0 | 0 | 0 | 0 | 2\n";

    #[test]
    fn reads_standard_table() {
        let f = request_figures(TABLE).unwrap();
        assert_eq!(
            f,
            RequestFigures {
                received: 7,
                carried_in: 1,
                concluded: 6,
                carried_out: 2
            }
        );
        assert_eq!(f.requests(), 8);
    }

    #[test]
    fn prose_figures_do_not_spoil_table_rows() {
        let text = format!("（二）依申请公开。2023年，共收到依申请公开7件，上年结转1件，按期答复8件，办结6件，结转下年度继续办理2件。\n{TABLE}");
        assert_eq!(request_figures(&text).unwrap().carried_in, 1);
        let prose = "2023年，共收到依申请公开7件，上年结转1件，按期答复8件，办结6件，结转下年度继续办理2件。";
        assert_eq!(
            request_figures(prose).unwrap(),
            RequestFigures {
                received: 7,
                carried_in: 1,
                concluded: 6,
                carried_out: 2
            }
        );
    }

    #[test]
    fn no_request_statement() {
        let f = request_figures("一、总体情况 … 2025 年未收到政府信息公开申请。").unwrap();
        assert_eq!(f.requests(), 0);
        assert_eq!(f.concluded, 0);
    }

    #[test]
    fn inconsistent_and_missing() {
        let bad = TABLE.replace(
            "（七）总计 | 5 | 1 | 0 | 0 | 0 | 0 | 6",
            "（七）总计 | 5 | 1 | 0 | 0 | 0 | 0 | 9",
        );
        assert!(matches!(
            request_figures(&bad),
            Err(AnnualReportError::Inconsistent { .. })
        ));
        assert_eq!(
            request_figures("一、总体情况"),
            Err(AnnualReportError::NoTable)
        );
    }
}
