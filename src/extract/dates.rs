//! Finding a publication date inside text as portals print it: `2023-03-28`, `2023年03月28日`,
//! `[2023-03-28]`, `(2024-05-30)`, `2023-03-28 16:51:22`, `时间:2026-01-07浏览量:`,
//! `2023/3/28`, `2023.03.28`, `20230328`. The first valid calendar date wins.

use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;

fn re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\D|$)|(?:^|\D)(\d{4})(\d{2})(\d{2})(?:\D|$)")
            .unwrap_or_else(|_| unreachable!())
    })
}

/// The first date in `text`, if any.
pub fn find_date(text: &str) -> Option<NaiveDate> {
    for c in re().captures_iter(text) {
        let (y, m, d) = match (c.get(1), c.get(2), c.get(3)) {
            (Some(y), Some(m), Some(d)) => (y.as_str(), m.as_str(), d.as_str()),
            _ => match (c.get(4), c.get(5), c.get(6)) {
                (Some(y), Some(m), Some(d)) => (y.as_str(), m.as_str(), d.as_str()),
                _ => continue,
            },
        };
        if let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                if (1990..=2100).contains(&y) {
                    return Some(date);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portal_format() {
        let d = NaiveDate::from_ymd_opt(2023, 3, 28).unwrap();
        for s in [
            "2023-03-28",
            "2023年03月28日",
            "2023年3月28日",
            "[2023-03-28]",
            "(2023-03-28)",
            "2023-03-28 16:51:22",
            "发布时间:2023-03-28 16:51:22 来源:县政府办",
            "来源:桐柏县人民政府时间:2023-03-28浏览量:",
            "发文日期: 2023年03月28日",
            "2023/3/28",
            "2023.03.28",
            "20230328",
        ] {
            assert_eq!(find_date(s), Some(d), "{s}");
        }
        assert_eq!(
            find_date("2023-02-30 and 2023-03-01"),
            NaiveDate::from_ymd_opt(2023, 3, 1)
        );
        assert_eq!(find_date("浏览量: 1234567"), None);
        assert_eq!(find_date("豫ICP备05015108号"), None);
    }
}
