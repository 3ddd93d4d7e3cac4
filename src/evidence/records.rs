//! Checks of one 双公示 / 行政管理 record against the 2021 data standard: mandatory fields present
//! and valid (统一社会信用代码 check digit per GB 32100-2015, decision not after publication), and
//! timeliness (published within N working days of the decision, official calendar with 调休).

use chrono::NaiveDate;

use crate::calendar::WorkCalendar;
use crate::config::rules::RecordFields;
use crate::fact::parse_date;
use crate::uscc;

use super::model::DocInput;

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCheck {
    pub category: String,
    pub organ: String,
    pub decided_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub compliant: bool,
    pub timely: bool,
    /// Why it is not compliant, in Chinese.
    pub problems: Vec<String>,
}

fn field<'a>(doc: &'a DocInput, name: &str) -> &'a str {
    doc.fields.get(name).map(|s| s.trim()).unwrap_or("")
}

/// Checks a record whose fields are named as `names` says.
pub fn check_record(
    doc: &DocInput,
    names: &RecordFields,
    calendar: &WorkCalendar,
    limit_days: u32,
) -> RecordCheck {
    let mut problems = Vec::new();
    let mut need = |label: &str, value: &str| {
        if value.is_empty() {
            problems.push(format!("缺少{label}"));
        }
    };
    let party = field(doc, &names.party);
    let code = field(doc, &names.credit_code);
    let doc_no = field(doc, &names.doc_no);
    let organ = field(doc, &names.organ);
    let decided_text = field(doc, &names.decided_on);
    let published_text = field(doc, &names.published_on);
    need("行政相对人名称", party);
    need("统一社会信用代码", code);
    need("决定文书号", doc_no);
    need("决定机关", organ);
    need("决定日期", decided_text);
    need("公示日期", published_text);
    if !code.is_empty() {
        if let Err(e) = uscc::validate(code) {
            problems.push(format!("统一社会信用代码无效（{e}）"));
        }
    }
    let decided_on = parse_date(decided_text);
    let published_on = parse_date(published_text).or(doc.published);
    if !decided_text.is_empty() && decided_on.is_none() {
        problems.push(format!("决定日期“{decided_text}”无法识别"));
    }
    if let (Some(d), Some(p)) = (decided_on, published_on) {
        if d > p {
            problems.push("决定日期晚于公示日期".to_string());
        }
    }
    // A record dated before its decision is a data-entry error counted against compliance; for
    // timeliness only the deadline matters.
    let timely = match (decided_on, published_on) {
        (Some(d), Some(p)) => p <= calendar.add_working_days(d, limit_days),
        _ => false,
    };
    RecordCheck {
        category: field(doc, &names.category).to_string(),
        organ: organ.to_string(),
        decided_on,
        published_on,
        compliant: problems.is_empty(),
        timely,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> RecordFields {
        RecordFields {
            category: "category".into(),
            organ: "organ".into(),
            party: "party".into(),
            credit_code: "credit_code".into(),
            doc_no: "doc_no".into(),
            decided_on: "decided_on".into(),
            published_on: "published_on".into(),
        }
    }

    fn record(code: &str, decided: &str, published: &str) -> DocInput {
        let mut d = DocInput::default();
        for (k, v) in [
            ("category", "行政处罚"),
            ("organ", "桐柏县市场监督管理局"),
            ("party", "桐柏县某某商贸有限公司"),
            ("credit_code", code),
            ("doc_no", "桐市监罚〔2023〕12号"),
            ("decided_on", decided),
            ("published_on", published),
        ] {
            d.fields.insert(k.into(), v.into());
        }
        d
    }

    #[test]
    fn valid_and_timely() {
        let c = check_record(
            &record("91350100M000100Y43", "2023-03-01", "2023-03-06"),
            &names(),
            &WorkCalendar::official(),
            7,
        );
        assert!(c.compliant, "{:?}", c.problems);
        assert!(c.timely);
    }

    #[test]
    fn bad_check_digit_and_missing_field() {
        let mut r = record("91350100M000100Y44", "2023-03-01", "2023-03-06");
        r.fields.insert("doc_no".into(), String::new());
        let c = check_record(&r, &names(), &WorkCalendar::official(), 7);
        assert!(!c.compliant);
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
        assert!(c.timely, "timeliness is separate from compliance");
    }

    #[test]
    fn late_over_national_day() {
        // 2023-09-28 (Thu) + 7 working days: 09-29..10-06 off, 10-07 and 10-08 are 调休 working days.
        // Working days after 09-28: 10-07, 10-08, 10-09, 10-10, 10-11, 10-12, 10-13.
        let cal = WorkCalendar::official();
        assert!(
            check_record(
                &record("91350100M000100Y43", "2023-09-28", "2023-10-13"),
                &names(),
                &cal,
                7
            )
            .timely
        );
        assert!(
            !check_record(
                &record("91350100M000100Y43", "2023-09-28", "2023-10-16"),
                &names(),
                &cal,
                7
            )
            .timely
        );
    }

    #[test]
    fn decision_after_publication() {
        let c = check_record(
            &record("91350100M000100Y43", "2023-03-07", "2023-03-06"),
            &names(),
            &WorkCalendar::official(),
            7,
        );
        assert!(
            !c.compliant,
            "decision after publication is never compliant"
        );
        assert!(c.timely, "but it was not late");
    }
}
