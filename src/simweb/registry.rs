//! Planted registry data: 双公示 and 行政管理 records on the credit site (valid and invalid
//! 统一社会信用代码, missing fields, late publication by the working-day calendar, the five
//! 行政管理 categories) and court-disclosure cases (被执行人 and 失信被执行人) against townships,
//! their 事业单位 and 村委会 / 居委会, departments and their subordinate bodies, and bystanders.

use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};

use super::model::*;
use super::rng::Rng;
use super::text::{firm_name, person_name, uscc_body};
use crate::config::Kind;

/// A 双公示 / 行政管理 category.
pub struct Category {
    pub code: &'static str,
    pub label: &'static str,
    pub prefix: &'static str,
    pub organ_key: &'static str,
    pub organ_code_key: &'static str,
    pub table: &'static str,
}

pub const CATEGORIES: [Category; 7] = [
    Category {
        code: "xzxk",
        label: "行政许可",
        prefix: "xk",
        organ_key: "xk_xkjg",
        organ_code_key: "xk_xkjgdm",
        table: "credit_xyzx_fr_xzxk_new",
    },
    Category {
        code: "xzcf",
        label: "行政处罚",
        prefix: "cf",
        organ_key: "cf_cfjg",
        organ_code_key: "cf_cfjgdm",
        table: "credit_xyzx_fr_xzcf_new",
    },
    Category {
        code: "xzqz",
        label: "行政强制",
        prefix: "qz",
        organ_key: "qz_jg",
        organ_code_key: "qz_jgdm",
        table: "credit_xyzx_fr_xzqz",
    },
    Category {
        code: "xzjl",
        label: "行政奖励",
        prefix: "jl",
        organ_key: "jl_jg",
        organ_code_key: "jl_jgdm",
        table: "credit_xyzx_fr_xzjl",
    },
    Category {
        code: "xzqr",
        label: "行政确认",
        prefix: "qr",
        organ_key: "qr_jg",
        organ_code_key: "qr_jgdm",
        table: "credit_xyzx_fr_xzqr",
    },
    Category {
        code: "xzcj",
        label: "行政裁决",
        prefix: "cj",
        organ_key: "cj_jg",
        organ_code_key: "cj_jgdm",
        table: "credit_xyzx_fr_xzcj",
    },
    Category {
        code: "xzjc",
        label: "行政监督检查",
        prefix: "jc",
        organ_key: "jc_jg",
        organ_code_key: "jc_jgdm",
        table: "credit_xyzx_fr_xzjc",
    },
];

/// One 双公示 / 行政管理 record.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub cat: usize,
    pub organ: String,
    pub organ_code: String,
    pub unit: Option<usize>,
    pub party: String,
    pub uscc: String,
    pub wsh: String,
    pub decided: NaiveDate,
    pub published: NaiveDate,
    pub content: String,
    pub problems: Vec<String>,
    pub in_period: bool,
    pub timely: bool,
    pub compliant: bool,
}

/// One court-disclosure case.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub dishonest: bool,
    pub party: String,
    pub party_code: String,
    pub unit: Option<usize>,
    /// `self`, `subordinate`, `village`, or `none`.
    pub relation: &'static str,
    pub case_code: String,
    pub court: String,
    pub cause: String,
    pub basis: String,
    pub amount_yuan: u64,
    pub filed: NaiveDate,
    /// 失信: 发布时间.
    pub published: Option<NaiveDate>,
    pub resolved: Option<NaiveDate>,
}

impl Case {
    pub fn listed_on(&self) -> NaiveDate {
        if self.dishonest {
            self.published.unwrap_or(self.filed)
        } else {
            self.filed
        }
    }

    pub fn list(&self) -> &'static str {
        if self.dishonest {
            "shixin"
        } else {
            "zhixing"
        }
    }

    pub fn path(&self) -> String {
        format!("/{}/detail/{}.html", self.list(), self.id)
    }
}

/// The mandatory-field problems of a record, in Chinese.
pub const P_USCC: &str = "统一社会信用代码校验位错误";
pub const P_NO_WSH: &str = "缺少决定文书号";
pub const P_NO_PARTY: &str = "缺少行政相对人名称";
pub const P_NO_USCC: &str = "缺少统一社会信用代码";
pub const P_ORDER: &str = "决定日期晚于公示日期";

fn working_day_in(
    r: &mut Rng,
    cal: &crate::calendar::WorkCalendar,
    from: NaiveDate,
    days: i64,
) -> NaiveDate {
    let mut d = from + Duration::days(r.range(0, days));
    while !cal.is_working_day(d) {
        d += Duration::days(1);
    }
    d
}

fn organ_code(seed: u64, organ: &str) -> String {
    let mut r = Rng::new(seed, &format!("organ/{organ}"));
    let body = uscc_body(&mut r, "11");
    crate::uscc::complete(&body).unwrap_or(body)
}

pub fn plant_records(m: &mut Model) {
    let n = m.roster.units.len();
    let mut seq = 0u32;
    for u in 0..n {
        let unit = m.roster.units[u].clone();
        let mut r = Rng::new(m.seed, &format!("records/{}", unit.id));
        let township = unit.kind == Kind::Township;
        for (c, cat) in CATEGORIES.iter().enumerate() {
            let count = match (c, township) {
                (0 | 1, true) => r.range(0, 3),
                (0 | 1, false) => r.range(1, 5),
                (_, true) => {
                    if r.chance(0.5) {
                        r.range(1, 2)
                    } else {
                        0
                    }
                }
                (_, false) => {
                    if r.chance(0.4) {
                        r.range(1, 2)
                    } else {
                        0
                    }
                }
            };
            for _ in 0..count {
                seq += 1;
                let organ = if r.chance(0.75) {
                    unit.name.clone()
                } else if !unit.aliases.is_empty() {
                    r.pick(&unit.aliases).clone()
                } else {
                    unit.short.clone()
                };
                let rec = record(m, &mut r, seq, c, &organ, Some(u), cat.prefix);
                m.records.push(rec);
            }
        }
    }
    // Records of bodies outside the roster.
    let mut r = Rng::new(m.seed, "records/others");
    for organ in [
        "南阳市市场监督管理局",
        "南阳市生态环境局",
        "唐河县市场监督管理局",
    ] {
        for _ in 0..r.range(2, 4) {
            seq += 1;
            let c = r.below(2) as usize;
            let rec = record(m, &mut r, seq, c, organ, None, CATEGORIES[c].prefix);
            m.records.push(rec);
        }
    }
    m.records
        .sort_by(|a, b| b.published.cmp(&a.published).then(a.id.cmp(&b.id)));
}

fn record(
    m: &Model,
    r: &mut Rng,
    seq: u32,
    c: usize,
    organ: &str,
    unit: Option<usize>,
    prefix: &str,
) -> Record {
    let cal = &m.calendar;
    let decided = if r.chance(0.08) {
        working_day_in(r, cal, ymd((2022, 12, 1)), 25)
    } else {
        working_day_in(r, cal, ymd((2023, 1, 3)), 350)
    };
    let lag = if r.chance(0.78) {
        r.range(0, 7)
    } else {
        r.range(8, 20)
    } as u32;
    let mut published = cal.add_working_days(decided, lag);
    let mut problems = Vec::new();
    let party = firm_name(r);
    let body = uscc_body(r, "91");
    let mut uscc = crate::uscc::complete(&body).unwrap_or_else(|_| body.clone());
    if r.chance(0.1) {
        let good = uscc.pop().unwrap_or('0');
        let charset: Vec<char> = crate::uscc::CHARSET.chars().collect();
        let pos = charset.iter().position(|&x| x == good).unwrap_or(0);
        uscc.push(charset[(pos + 1 + r.below(29) as usize) % charset.len()]);
        problems.push(P_USCC.to_string());
    }
    let year = decided.year();
    // 文号 as organs write them: 桐 + two characters of the organ + the kind (桐市场罚〔2023〕12号).
    let stem: String = organ
        .trim_start_matches("南阳市")
        .trim_start_matches("桐柏县")
        .trim_start_matches('县')
        .chars()
        .take(2)
        .collect();
    let kind = ["许", "罚", "强", "奖", "确", "裁", "检"][c % 7];
    let mut wsh = format!("桐{stem}{kind}〔{year}〕{}号", 1 + seq % 300);
    let mut party_out = party;
    match r.below(25) {
        0 => {
            wsh.clear();
            problems.push(P_NO_WSH.into());
        }
        1 => {
            party_out.clear();
            problems.push(P_NO_PARTY.into());
        }
        2 => {
            uscc.clear();
            problems.retain(|p| p != P_USCC);
            problems.push(P_NO_USCC.into());
        }
        3 => {
            // Published before it was decided: a data-entry error, never compliant.
            published = decided - Duration::days(r.range(1, 5));
            problems.push(P_ORDER.into());
        }
        _ => {}
    }
    let content = match c {
        0 => "准予行政许可".to_string(),
        1 => format!("罚款{}元", 500 * r.range(1, 40)),
        2 => "查封扣押涉案物品".into(),
        3 => "给予表彰奖励".into(),
        4 => "予以确认登记".into(),
        5 => "依法作出裁决".into(),
        _ => "监督检查未发现问题".into(),
    };
    let timely = published <= cal.add_working_days(decided, 7);
    Record {
        id: format!("{prefix}-{seq:06}"),
        cat: c,
        organ: organ.to_string(),
        organ_code: organ_code(m.seed, organ),
        unit,
        party: party_out,
        uscc,
        wsh,
        decided,
        published,
        content,
        compliant: problems.is_empty(),
        problems,
        in_period: in_period(decided),
        timely,
    }
}

pub fn plant_cases(m: &mut Model) {
    let n = m.roster.units.len();
    let mut seq = 0u32;
    for u in 0..n {
        let unit = m.roster.units[u].clone();
        let mut r = Rng::new(m.seed, &format!("cases/{}", unit.id));
        let township = unit.kind == Kind::Township;
        let count = if r.chance(if township { 0.5 } else { 0.35 }) {
            r.range(1, 2)
        } else {
            0
        };
        for _ in 0..count {
            seq += 1;
            let (party, relation) = match r.below(3) {
                0 => (unit.name.clone(), "self"),
                1 if !unit.subordinates.is_empty() => {
                    (r.pick(&unit.subordinates).clone(), "subordinate")
                }
                _ if township && !unit.villages.is_empty() => {
                    (r.pick(&unit.villages).clone(), "village")
                }
                _ if !unit.subordinates.is_empty() => {
                    (r.pick(&unit.subordinates).clone(), "subordinate")
                }
                _ => (unit.name.clone(), "self"),
            };
            let c = case(&mut r, seq, party, Some(u), relation, !township);
            m.cases.push(c);
        }
    }
    let mut r = Rng::new(m.seed, "cases/others");
    for i in 0..(6 + r.below(4)) {
        seq += 1;
        let party = match i % 3 {
            0 => firm_name(&mut r),
            1 => person_name(&mut r),
            _ => "桐柏县桃园村村民委员会".to_string(),
        };
        let c = case(&mut r, seq, party, None, "none", false);
        m.cases.push(c);
    }
    m.cases
        .sort_by(|a, b| b.listed_on().cmp(&a.listed_on()).then(a.id.cmp(&b.id)));
}

fn case(
    r: &mut Rng,
    seq: u32,
    party: String,
    unit: Option<usize>,
    relation: &'static str,
    contract_heavy: bool,
) -> Case {
    let dishonest = r.chance(0.25);
    let filed = if r.chance(0.12) {
        ymd((2022, 6, 1)) + Duration::days(r.range(0, 180))
    } else {
        ymd((2023, 1, 4)) + Duration::days(r.range(0, 340))
    };
    let filed = if matches!(filed.weekday(), Weekday::Sat | Weekday::Sun) {
        filed + Duration::days(2)
    } else {
        filed
    };
    // Nothing is listed or resolved after the simulated "today".
    let published =
        dishonest.then(|| (filed + Duration::days(r.range(20, 60))).min(ymd(SITE_BASE)));
    let listed = published.unwrap_or(filed);
    let month_later = listed.checked_add_months(Months::new(1)).unwrap_or(listed);
    let resolved = match r.below(4) {
        0 | 1 => Some(listed + Duration::days(r.range(3, (month_later - listed).num_days()))),
        2 => Some(month_later + Duration::days(r.range(1, 90))),
        _ => None,
    }
    .filter(|d| *d <= ymd(SITE_BASE));
    let contract = r.chance(if contract_heavy { 0.6 } else { 0.4 });
    let cause = if contract {
        r.pick(&[
            "买卖合同纠纷",
            "建设工程施工合同纠纷",
            "租赁合同纠纷",
            "服务合同纠纷",
        ])
        .to_string()
    } else {
        r.pick(&["追索劳动报酬纠纷", "劳务合同之外的侵权纠纷", "不当得利纠纷"])
            .to_string()
    };
    let year = filed.year();
    let court = if r.chance(0.85) {
        "桐柏县人民法院"
    } else {
        "南阳市中级人民法院"
    };
    let court_code = if court.starts_with("桐柏") {
        "豫1330"
    } else {
        "豫13"
    };
    let party_code = if party.contains('*') {
        format!("4113301980****{:04}", r.below(10_000))
    } else {
        let body = uscc_body(r, if unit.is_some() { "12" } else { "91" });
        crate::uscc::complete(&body).unwrap_or(body)
    };
    Case {
        id: format!("{}-{seq:05}", if dishonest { "sx" } else { "zx" }),
        dishonest,
        party,
        party_code,
        unit,
        relation,
        case_code: format!("（{year}）{court_code}执{}号", 100 + r.below(2900)),
        court: court.into(),
        basis: format!("（{}）{court_code}民初{}号", year - 1, 100 + r.below(3000)),
        cause,
        amount_yuan: 1000 * (5 + r.below(500)),
        filed,
        published,
        resolved,
    }
}
