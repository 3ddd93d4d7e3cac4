//! Title normalisation and matching: the five city documents of T2.1, their local counterparts,
//! the annual 重大行政决策事项目录 of T2.2 and list titles (权责清单, 政府信息公开制度).
//!
//! Portals repost the same document under many spellings — with or without book-title marks,
//! full-width characters, spaces, 暂行 dropped, 关于印发《…》的通知 wrappers — so matching is on a
//! normal form, never on the raw string.

use crate::config::roster::normalize_text;

/// The normal form of a title: half-width, no whitespace or quotes, no book-title marks or
/// brackets, traditional forms of a few common characters folded.
pub fn normalize_title(title: &str) -> String {
    normalize_text(title)
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '《' | '》' | '〈' | '〉' | '<' | '>' | '“' | '”' | '"' | '·' | '・'
            )
        })
        .map(fold_traditional)
        .collect()
}

/// Folds the traditional characters seen on mirror sites (關於印發…決策) into simplified ones,
/// only for characters that occur in the titles we match.
fn fold_traditional(c: char) -> char {
    match c {
        '關' => '关',
        '於' => '于',
        '發' => '发',
        '決' => '决',
        '項' => '项',
        '錄' => '录',
        '辦' => '办',
        '聽' => '听',
        '證' => '证',
        '論' => '论',
        '專' => '专',
        '評' => '评',
        '險' => '险',
        '風' => '风',
        '饋' => '馈',
        '後' => '后',
        '實' => '实',
        '況' => '况',
        '與' => '与',
        '縣' => '县',
        '鎮' => '镇',
        '鄉' => '乡',
        '陽' => '阳',
        '暫' => '暂',
        '規' => '规',
        '單' => '单',
        '權' => '权',
        '責' => '责',
        '開' => '开',
        '資' => '资',
        '訊' => '讯',
        '務' => '务',
        '誠' => '诚',
        '導' => '导',
        '請' => '请',
        '報' => '报',
        '華' => '华',
        '庫' => '库',
        '蹤' => '踪',
        '讓' => '让',
        '門' => '门',
        '線' => '线',
        '員' => '员',
        '會' => '会',
        '經' => '经',
        '濟' => '济',
        '稱' => '称',
        '價' => '价',
        _ => c,
    }
}

/// `title` (normalised) contains `name` (normalised), where the words listed in `optional`
/// may be missing from the title (暂行 in 《南阳市重大行政决策公示和听证暂行办法》).
pub fn contains_document(title: &str, name: &str, optional: &[String]) -> bool {
    let t = normalize_title(title);
    let mut n = normalize_title(name);
    if t.contains(&n) {
        return true;
    }
    for word in optional {
        n = n.replace(word.as_str(), "");
    }
    let mut t2 = t.clone();
    for word in optional {
        t2 = t2.replace(word.as_str(), "");
    }
    t2.contains(&n)
}

/// Whether the normalised title contains every phrase of `all` and at least one of `any`
/// (an empty `any` always holds).
pub fn has_phrases(title: &str, all: &[String], any: &[String]) -> bool {
    let t = normalize_title(title);
    all.iter().all(|p| t.contains(&normalize_title(p)))
        && (any.is_empty() || any.iter().any(|p| t.contains(&normalize_title(p))))
}

/// The year in a title such as 《淮源镇2023年度重大行政决策事项目录》 or 2023年…目录.
pub fn title_year(title: &str) -> Option<i32> {
    let t = normalize_title(title);
    let chars: Vec<char> = t.chars().collect();
    for i in 0..chars.len().saturating_sub(4) {
        if chars[i..i + 4].iter().all(|c| c.is_ascii_digit()) && chars.get(i + 4) == Some(&'年') {
            let before_digit = i > 0 && chars[i - 1].is_ascii_digit();
            if !before_digit {
                return chars[i..i + 4].iter().collect::<String>().parse().ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn city_document_variants_match() {
        let name = "南阳市重大行政决策公示和听证暂行办法";
        let opt = s(&["暂行"]);
        for title in [
            "《南阳市重大行政决策公示和听证暂行办法》",
            "南阳市重大行政决策公示和听证办法",
            "关于转发《南阳市重大行政决策公示和听证暂行办法》的通知",
            "南阳市 重大行政决策 公示和听证暂行办法",
            "關于印發南陽市重大行政決策公示和聽證暫行辦法的通知",
        ] {
            assert!(contains_document(title, name, &opt), "{title}");
        }
        assert!(!contains_document(
            "南阳市重大行政决策风险评估办法",
            name,
            &opt
        ));
    }

    #[test]
    fn local_counterpart_phrases() {
        let all = s(&["重大行政决策"]);
        let any = s(&["公示和听证", "公示听证"]);
        assert!(has_phrases("淮源镇重大行政决策公示和听证办法", &all, &any));
        assert!(!has_phrases("淮源镇重大行政决策风险评估办法", &all, &any));
    }

    #[test]
    fn years_in_titles() {
        assert_eq!(
            title_year("《淮源镇2023年度重大行政决策事项目录》"),
            Some(2023)
        );
        assert_eq!(
            title_year("关于印发2025年孟州市人民政府重大行政决策事项目录的通知"),
            Some(2025)
        );
        assert_eq!(title_year("重大行政决策事项目录"), None);
    }

    #[test]
    fn normal_form_drops_marks_and_width() {
        assert_eq!(normalize_title("《ＡＢ 办法》"), "AB办法");
    }
}
