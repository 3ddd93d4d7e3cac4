//! Chinese text for simweb pages: filler news, body paragraphs, enterprise and person names.
//! Filler words are chosen so that no rule of the evidence stage can match them (no 诚信, 信用,
//! 权责, 决策, 公开, 年报), which keeps the planted facts the only true positives.

use super::rng::Rng;

const TOPICS: [&str; 16] = [
    "秋粮收购",
    "森林防火",
    "安全生产",
    "人居环境整治",
    "防汛抗旱",
    "乡村振兴",
    "高标准农田建设",
    "冬春季消防",
    "文明城市创建",
    "秸秆禁烧",
    "河长制",
    "农村饮水安全",
    "移风易俗",
    "招商引资",
    "项目建设",
    "民生实事",
];
const ACTIONS: [&str; 8] = [
    "召开{t}工作推进会",
    "开展{t}专项行动",
    "部署{t}重点工作",
    "召开{t}专题会议",
    "扎实推进{t}工作",
    "督导检查{t}工作",
    "举办{t}业务培训",
    "全力做好{t}工作",
];
const SENTENCES: [&str; 8] = [
    "会议传达学习了上级有关文件精神，对下一阶段工作进行了安排部署。",
    "会议要求，各部门要提高思想认识，压实工作责任，确保各项任务落到实处。",
    "活动中，工作人员深入一线，详细了解工作开展情况，现场解决实际问题。",
    "下一步，将持续加大工作力度，完善长效机制，推动工作取得实效。",
    "与会人员围绕工作重点进行了深入交流，并就存在的问题提出了意见建议。",
    "此次活动进一步增强了干部职工的责任意识和服务意识。",
    "据统计，活动共发放宣传资料300余份，接受群众咨询50余人次。",
    "相关负责同志参加会议。",
];

/// A filler news title and body for `who` (a unit's short name or 南阳市).
pub fn filler_text(r: &mut Rng, who: &str, year: i32) -> (String, String) {
    let topic = *r.pick(&TOPICS);
    let action = r.pick(&ACTIONS).replace("{t}", topic);
    let title = if r.chance(0.3) {
        format!("{who}{year}年{action}")
    } else {
        format!("{who}{action}")
    };
    let n = 2 + r.below(3) as usize;
    (title, paragraphs(r, n))
}

/// `n` body paragraphs.
pub fn paragraphs(r: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str("<p>");
        let (a, b) = (*r.pick(&SENTENCES), *r.pick(&SENTENCES));
        s.push_str(a);
        s.push_str(b);
        s.push_str("</p>\n");
    }
    s
}

const SURNAMES: [&str; 12] = [
    "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const FIRM_WORDS: [&str; 16] = [
    "淮源",
    "桐柏山",
    "金桥",
    "鑫盛",
    "宏达",
    "恒通",
    "兴旺",
    "汇丰源",
    "盛世",
    "华泰",
    "明珠",
    "顺发",
    "佳禾",
    "瑞丰",
    "永昌",
    "安泰",
];
const FIRM_TRADES: [&str; 10] = [
    "商贸",
    "建材",
    "农业开发",
    "矿业",
    "建筑工程",
    "食品",
    "物流",
    "餐饮管理",
    "石材",
    "农资",
];
const FIRM_FORMS: [&str; 3] = ["有限公司", "有限责任公司", "股份有限公司"];

/// An enterprise name (桐柏县鑫盛建材有限公司).
pub fn firm_name(r: &mut Rng) -> String {
    format!(
        "桐柏县{}{}{}",
        r.pick(&FIRM_WORDS),
        r.pick(&FIRM_TRADES),
        r.pick(&FIRM_FORMS)
    )
}

/// A masked person name as court lists show it (张*明).
pub fn person_name(r: &mut Rng) -> String {
    const GIVEN: [&str; 8] = ["明", "华", "强", "伟", "芳", "军", "磊", "洋"];
    format!("{}*{}", r.pick(&SURNAMES), r.pick(&GIVEN))
}

/// Seventeen characters of a plausible unified social credit code body for an enterprise
/// registered in 桐柏县 (行政区划码 411330).
pub fn uscc_body(r: &mut Rng, kind: &str) -> String {
    let charset: Vec<char> = crate::uscc::CHARSET.chars().collect();
    let mut s = String::from(kind);
    s.push_str("411330");
    s.push_str("MA");
    for _ in 0..7 {
        s.push(charset[r.below(charset.len() as u64) as usize]);
    }
    s
}

/// Full-width form of ASCII letters, digits and parentheses.
pub fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// HTML escaping of text and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Percent-encoding of a path (keeps `/` and unreserved ASCII).
pub fn encode_path(p: &str) -> String {
    let mut o = String::with_capacity(p.len() * 3);
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                o.push(b as char)
            }
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// Decodes `%XX` escapes (invalid UTF-8 is replaced).
pub fn decode_path(p: &str) -> String {
    let bytes = p.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_encoding_round_trips() {
        let p = "/uploadfiles/2023/03/淮源镇权责清单.xlsx";
        let e = encode_path(p);
        assert!(e.is_ascii());
        assert_eq!(decode_path(&e), p);
        assert_eq!(decode_path("/a%2"), "/a%2");
    }

    #[test]
    fn filler_never_uses_rule_words() {
        let mut r = Rng::new(3, "t");
        for _ in 0..500 {
            let (t, b) = filler_text(&mut r, "淮源镇", 2023);
            for w in ["诚信", "信用", "权责", "决策", "公开", "年报"] {
                assert!(!t.contains(w) && !b.contains(w), "{t}");
            }
        }
    }

    #[test]
    fn full_width_maps_ascii() {
        assert_eq!(full_width("(A1)"), "（Ａ１）");
    }
}
