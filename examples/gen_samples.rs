//! Generates the bundled sample submissions in `samples/submissions/`: one file per unit of the
//! Tongbai roster, every field of every item of the unit's catalog, with plausible and varied
//! values (strong and weak units, a few lost lawsuits, some late publications, D1/D2/D5 rates
//! that produce a real cohort ranking). Deterministic: a fixed seed per unit id, so re-running
//! rewrites identical files.
//!
//! Most units send the long CSV form (UTF-8; one with a BOM, one in GB18030 as Excel on Chinese
//! Windows saves it); one township (城郊乡) sends the XLSX template, filled.
//!
//! Run: `cargo run --example gen_samples [-- OUT_DIR]` (default `samples/submissions`).

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use govtrust::config::{Kind, Project, Unit};
use govtrust::fact::{trim_float, Value};
use govtrust::submit::{write_template, TemplateFill};

/// The unit that sends the filled workbook instead of CSV.
const XLSX_UNIT: &str = "t-chengjiao";
/// The unit whose CSV is saved in GB18030.
const GB18030_UNIT: &str = "t-huaiyuan";
/// The unit whose CSV starts with a UTF-8 BOM.
const BOM_UNIT: &str = "d-fgw";
/// Departments without supervisory powers (D7 exempt).
const NO_SUPERVISION: &[&str] = &["d-zfb", "d-jgsw", "d-xfj", "d-tjj", "d-tyjr"];

/// splitmix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn for_unit(id: &str) -> Rng {
        // FNV-1a of the id, mixed with the sample set's seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h ^ 0x2023_0101_5eed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in lo..=hi.
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// A value between lo and hi, pulled toward hi by strength `s` in [0, 1].
    fn toward(&mut self, lo: f64, hi: f64, s: f64) -> f64 {
        let u = self.unit();
        lo + (hi - lo) * (0.55 * s + 0.45 * u)
    }
    /// `n` distinct items of `pool`, in pool order.
    fn pick<'a>(&mut self, pool: &[&'a str], n: usize) -> Vec<&'a str> {
        let mut idx: Vec<usize> = (0..pool.len()).collect();
        for i in (1..idx.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx.into_iter().take(n.min(pool.len())).collect();
        chosen.sort();
        chosen.into_iter().map(|i| pool[i]).collect()
    }
}

const CITY_DOCS: &[&str] = &[
    "南阳市重大行政决策公示和听证暂行办法",
    "南阳市重大行政决策目录管理办法",
    "南阳市重大行政决策实施情况跟踪反馈与后评估办法",
    "南阳市重大行政决策咨询论证专家库管理办法",
    "南阳市重大行政决策风险评估办法",
];
const CATEGORIES: &[&str] = &[
    "行政强制",
    "行政奖励",
    "行政确认",
    "行政裁决",
    "行政监督检查",
];
const REPORT_DOMAINS: &[&str] = &["政府采购", "招标投标", "行政审批", "市场准入", "资质审核"];
const SCENARIOS: &[&str] = &[
    "企业申报财政专项资金",
    "评先评优资格审查",
    "政府采购投标资格审查",
    "招投标资格预审",
    "企业上市融资",
    "申请资质认定",
    "申请行政许可",
    "申报高新技术企业",
];
const INDUSTRIES: &[&str] = &[
    "食品生产",
    "食品销售",
    "餐饮服务",
    "药品零售",
    "医疗器械经营",
    "特种设备使用",
    "建筑施工",
    "道路货物运输",
    "道路旅客运输",
    "危险化学品经营",
    "烟花爆竹零售",
    "成品油零售",
    "农药经营",
    "兽药经营",
    "种子经营",
    "粮食收购",
    "矿产开采",
    "建材生产",
    "物业服务",
    "家政服务",
    "校外培训",
    "民办幼儿园",
    "劳务派遣",
    "人力资源服务",
    "房地产开发",
    "工程监理",
    "水利工程建设",
    "消防技术服务",
    "环境监测",
    "排污许可",
    "再生资源回收",
    "网吧经营",
    "娱乐场所",
    "旅行社",
    "养老服务",
];
const EMBED_DOMAINS: &[&str] = &[
    "行政审批",
    "公共资源交易",
    "财政资金安排",
    "评先评优",
    "国有土地出让",
    "政府采购",
    "公职人员招录",
];
const TOWN_ACTIVITIES: &[&str] = &[
    "诚信教育专题讲座",
    "政务诚信警示教育会",
    "《民法典》与诚信建设专题学习",
    "诚信政府建设专题培训",
    "干部职工诚信承诺签名活动",
    "诚信典型案例研讨",
    "“诚信建设万里行”主题宣传",
    "村（社区）干部诚信履职培训",
];
const DEPT_TRAININGS: &[&str] = &[
    "公务员诚信守法专题培训",
    "职业道德与廉洁从政教育",
    "《公务员法》学习讲座",
    "行政执法人员法治培训",
    "诚信履职警示教育",
    "机关干部道德讲堂",
];
const DEPT_CAMPAIGNS: &[&str] = &[
    "“诚信兴商宣传月”活动",
    "政务诚信主题宣传日",
    "信用知识进机关宣传",
    "“3·15”诚信宣传",
    "诚信建设主题征文",
    "诚信文化展板巡展",
];

fn date(m: u32, d: u32) -> Value {
    // Months and days below are within 2023 by construction.
    Value::Date(NaiveDate::from_ymd_opt(2023, m, d).unwrap_or_default())
}

/// Dated activities such as “2023年5月 诚信教育专题讲座”.
fn activities(rng: &mut Rng, pool: &[&str], n: usize) -> Value {
    let mut months: Vec<u64> = (0..n).map(|_| rng.int(1, 12)).collect();
    months.sort();
    let names = rng.pick(pool, n);
    Value::list(
        names
            .iter()
            .zip(months)
            .map(|(a, m)| format!("2023年{m}月 {a}")),
    )
}

fn int(v: u64) -> Value {
    Value::Int(v)
}

/// Rounds a rate to the precision a unit would report (one decimal of a percentage).
fn rate(x: f64) -> Value {
    Value::Rate((x.clamp(0.0, 1.0) * 1000.0).round() / 1000.0)
}

fn part(rng: &mut Rng, of: u64, lo: f64, hi: f64, s: f64) -> u64 {
    ((of as f64) * rng.toward(lo, hi, s))
        .round()
        .clamp(0.0, of as f64) as u64
}

type Fields = Vec<(&'static str, Value)>;

fn township(id: &str, rng: &mut Rng, s: f64) -> BTreeMap<&'static str, Fields> {
    let mut m: BTreeMap<&'static str, Fields> = BTreeMap::new();
    m.insert(
        "T1",
        vec![("published", Value::Bool(rng.chance(0.35 + 0.65 * s)))],
    );
    let n = (1.0 + 4.0 * rng.toward(0.0, 1.0, s)).round() as usize;
    let reposted = rng.pick(CITY_DOCS, n);
    let local: Vec<&str> = reposted
        .iter()
        .copied()
        .filter(|_| rng.chance(0.3 + 0.6 * s))
        .collect();
    m.insert(
        "T2.1",
        vec![
            ("reposted", Value::list(reposted)),
            ("local", Value::list(local)),
        ],
    );
    let (mo, day) = if rng.chance(0.25 + 0.6 * s) {
        (rng.int(1, 3) as u32, rng.int(5, 28) as u32)
    } else {
        (rng.int(4, 6) as u32, rng.int(2, 28) as u32)
    };
    m.insert(
        "T2.2",
        vec![
            ("formulated", Value::Bool(true)),
            ("published_on", date(mo, day)),
        ],
    );
    let cases = if rng.chance(0.4) { 0 } else { rng.int(1, 6) };
    let lost = if cases == 0 {
        0
    } else {
        part(rng, cases, 0.6, 0.0, s)
    };
    m.insert("T3.1", vec![("cases", int(cases)), ("lost", int(lost))]);
    let reviews = if rng.chance(0.35) { 0 } else { rng.int(1, 5) };
    let corrected = if reviews == 0 {
        0
    } else {
        part(rng, reviews, 0.5, 0.0, s)
    };
    m.insert(
        "T3.2",
        vec![("reviews", int(reviews)), ("corrected", int(corrected))],
    );
    m.insert(
        "T4",
        vec![("published", Value::Bool(rng.chance(0.45 + 0.55 * s)))],
    );
    m.insert(
        "T5",
        vec![(
            "failures",
            int(((1.0 - s) * 4.0 * rng.unit()).round() as u64),
        )],
    );
    let due = rng.int(40, 320);
    let reported = part(rng, due, 0.8, 1.0, s);
    let compliant = part(rng, reported, 0.75, 1.0, s);
    let timely = part(rng, reported, 0.6, 1.0, s);
    m.insert(
        "T6.1",
        vec![
            ("due", int(due)),
            ("reported", int(reported)),
            ("compliant", int(compliant)),
            ("timely", int(timely)),
        ],
    );
    let n = (1.0 + 4.0 * rng.toward(0.0, 1.0, s)).round() as usize;
    m.insert(
        "T6.2",
        vec![("compliant", Value::list(rng.pick(CATEGORIES, n)))],
    );
    let enterprises = rng.int(80, 900);
    let mut f63 = vec![("enterprises", int(enterprises))];
    for name in [
        "records_tax",
        "records_water",
        "records_power",
        "records_gas",
        "records_property",
        "records_rnd",
    ] {
        let ratio = rng.toward(0.1, 1.1, s);
        f63.push((name, int((enterprises as f64 * ratio).round() as u64)));
    }
    m.insert("T6.3", f63);
    let mut f71 = Vec::new();
    for name in [
        "online_rate",
        "immediate_rate",
        "one_visit_rate",
        "nearby_rate",
    ] {
        f71.push((name, rate(rng.toward(0.55, 1.0, s))));
    }
    m.insert("T7.1", f71);
    m.insert(
        "T7.2",
        vec![("satisfaction", rate(rng.toward(0.9, 1.0, s)))],
    );
    let n = (1.0 + 4.0 * rng.toward(0.0, 1.0, s)).round() as usize;
    m.insert(
        "T8.1",
        vec![("domains", Value::list(rng.pick(REPORT_DOMAINS, n)))],
    );
    let n = rng.toward(1.0, 8.0, s).round() as usize;
    m.insert(
        "T8.2",
        vec![("scenarios", Value::list(rng.pick(SCENARIOS, n)))],
    );
    let n = rng.toward(4.0, 35.0, s).round() as usize;
    m.insert(
        "T8.3",
        vec![("domains", Value::list(rng.pick(INDUSTRIES, n)))],
    );
    m.insert("T8.4", vec![("coverage", rate(rng.toward(0.7, 1.0, s)))]);
    let n = rng.toward(1.0, 7.0, s).round() as usize;
    m.insert(
        "T8.5",
        vec![("domains", Value::list(rng.pick(EMBED_DOMAINS, n)))],
    );
    m.insert(
        "T8.6",
        vec![(
            "incidents",
            int(((1.0 - s) * 4.0 * rng.unit()).round() as u64),
        )],
    );
    let due_amount = if rng.chance(0.2) {
        0.0
    } else {
        (rng.int(50, 800) * 10_000) as f64
    };
    let repaid = (due_amount * rng.toward(0.6, 1.0, s) / 100.0).round() * 100.0;
    m.insert(
        "T9",
        vec![
            ("repaid_amount", Value::Amount(repaid.min(due_amount))),
            ("due_amount", Value::Amount(due_amount)),
        ],
    );
    let due_projects = rng.int(0, 12);
    m.insert(
        "T10",
        vec![
            ("fulfilled", int(part(rng, due_projects, 0.5, 1.0, s))),
            ("due", int(due_projects)),
        ],
    );
    let payable = (rng.int(100, 2000) * 10_000) as f64;
    let paid = (payable * rng.toward(0.7, 1.0, s) / 100.0).round() * 100.0;
    m.insert(
        "T11",
        vec![
            ("paid_amount", Value::Amount(paid.min(payable))),
            ("payable_amount", Value::Amount(payable)),
        ],
    );
    let cases = if rng.chance(0.7) { 0 } else { rng.int(1, 2) };
    let handled = if cases == 0 {
        0
    } else {
        part(rng, cases, 0.3, 1.0, s)
    };
    m.insert(
        "T12",
        vec![("cases", int(cases)), ("handled", int(handled))],
    );
    let dishonest = u64::from(s < 0.45 && rng.chance(0.5));
    let unresolved = u64::from(rng.chance(0.1 + 0.4 * (1.0 - s)));
    let resolved = if rng.chance(0.4) { rng.int(1, 3) } else { 0 };
    m.insert(
        "T13",
        vec![
            ("dishonest_new", int(dishonest)),
            ("executed_unresolved", int(unresolved)),
            ("executed_resolved", int(resolved)),
        ],
    );
    let n = rng.toward(0.0, 8.0, s).round() as usize;
    m.insert(
        "T14",
        vec![("activities", activities(rng, TOWN_ACTIVITIES, n))],
    );
    let _ = id;
    m
}

fn department(id: &str, rng: &mut Rng, s: f64) -> BTreeMap<&'static str, Fields> {
    let mut m: BTreeMap<&'static str, Fields> = BTreeMap::new();
    let reviews = if rng.chance(0.4) { 0 } else { rng.int(1, 6) };
    let corrected = if reviews == 0 || rng.chance(0.4 + 0.4 * s) {
        0
    } else {
        rng.int(1, reviews)
    };
    m.insert(
        "D1",
        vec![("reviews", int(reviews)), ("corrected", int(corrected))],
    );
    let cases = if rng.chance(0.45) { 0 } else { rng.int(1, 5) };
    let lost = if cases == 0 || rng.chance(0.2 + 0.5 * s) {
        0
    } else {
        rng.int(1, cases.min(3))
    };
    m.insert("D2", vec![("cases", int(cases)), ("lost", int(lost))]);
    m.insert(
        "D3",
        vec![(
            "failures",
            int(((1.0 - s) * 3.0 * rng.unit()).round() as u64),
        )],
    );
    let requests = if rng.chance(0.2) { 0 } else { rng.int(1, 40) };
    m.insert(
        "D4",
        vec![
            ("requests", int(requests)),
            ("answered_on_time", int(part(rng, requests, 0.75, 1.0, s))),
            ("concluded", int(part(rng, requests, 0.8, 1.0, s))),
        ],
    );
    let due = rng.int(30, 600);
    let (late, missing) = if rng.chance(0.15 + 0.3 * s) {
        (0, 0)
    } else {
        (part(rng, due, 0.12, 0.0, s), part(rng, due, 0.06, 0.0, s))
    };
    m.insert(
        "D5",
        vec![
            ("due", int(due)),
            ("late", int(late)),
            ("missing", int(missing)),
        ],
    );
    let n = (4.0 * rng.toward(0.0, 1.0, s)).round() as usize;
    let compliant = rng.pick(CATEGORIES, n);
    let rest: Vec<&str> = CATEGORIES
        .iter()
        .copied()
        .filter(|c| !compliant.contains(c))
        .collect();
    let explained: Vec<&str> = rest
        .into_iter()
        .filter(|_| rng.chance(0.3 + 0.6 * s))
        .collect();
    m.insert(
        "D6",
        vec![
            ("compliant", Value::list(compliant)),
            ("explained", Value::list(explained)),
        ],
    );
    let exempt = NO_SUPERVISION.contains(&id);
    let uses = !exempt && rng.chance(0.4 + 0.6 * s);
    let published = uses && rng.chance(0.3 + 0.6 * s);
    m.insert(
        "D7",
        vec![
            ("uses", Value::Bool(uses)),
            ("published", Value::Bool(published)),
            ("exempt", Value::Bool(exempt)),
        ],
    );
    let assigned = rng.int(15, 650);
    m.insert(
        "D8",
        vec![
            ("assigned", int(assigned)),
            ("concluded", int(part(rng, assigned, 0.82, 1.0, s))),
        ],
    );
    m.insert(
        "D9",
        vec![(
            "problems",
            int(((1.0 - s) * 3.0 * rng.unit()).round() as u64),
        )],
    );
    m.insert(
        "D10",
        vec![("cases", int(u64::from(s < 0.5 && rng.chance(0.4))))],
    );
    m.insert(
        "D11",
        vec![("arrears", Value::Bool(s < 0.55 && rng.chance(0.45)))],
    );
    m.insert(
        "D12",
        vec![("listed", Value::Bool(s < 0.4 && rng.chance(0.4)))],
    );
    let n = rng.toward(0.0, 6.0, s).round() as usize;
    m.insert(
        "D13",
        vec![("activities", activities(rng, DEPT_TRAININGS, n))],
    );
    let n = rng.toward(0.0, 6.0, s).round() as usize;
    m.insert(
        "D14",
        vec![("activities", activities(rng, DEPT_CAMPAIGNS, n))],
    );
    m
}

/// The 佐证材料 a unit cites for an item.
fn note(unit: &Unit, item: &str) -> String {
    let n = &unit.short;
    match item {
        "T3.1" | "D2" => format!("{n}2023年度行政诉讼案件台账及判决书"),
        "T3.2" | "D1" => format!("{n}2023年度行政复议决定书汇编"),
        "T6.1" | "T6.2" | "D5" | "D6" => "信用中国（河南桐柏）“双公示”报送统计截图".into(),
        "T6.3" => "县信用信息共享平台归集统计表".into(),
        "T7.1" | "T7.2" => "河南政务服务网事项统计及“好差评”系统导出表".into(),
        "T9" | "T11" | "D11" => format!("{n}账款清偿台账（财政所盖章）"),
        "T10" => "招商引资项目政策兑现台账".into(),
        "T13" | "D12" => "中国执行信息公开网查询截图".into(),
        "T14" | "D13" | "D14" => "活动方案、签到表及照片".into(),
        "D4" => format!("{n}2023年政府信息公开工作年度报告"),
        "D8" => "12345热线平台工单统计".into(),
        _ => String::new(),
    }
}

/// A unit's own way of writing things, so the samples exercise what the importer accepts.
struct Style {
    /// The name written in the unit column.
    name: String,
    percent: bool,
    chinese_dates: bool,
    /// Lists as one row per item rather than one cell.
    list_rows: bool,
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn render(v: &Value, st: &Style) -> Vec<String> {
    match v {
        Value::Rate(x) if !st.percent => vec![trim_float(*x)],
        Value::Date(d) if st.chinese_dates => {
            use chrono::Datelike;
            vec![format!("{}年{}月{}日", d.year(), d.month(), d.day())]
        }
        Value::List(items) if items.is_empty() => vec!["无".into()],
        Value::List(items) if st.list_rows => items.clone(),
        Value::List(items) => vec![items.join("；")],
        other => vec![other.to_string()],
    }
}

/// The CSV text, items in catalog order.
fn csv_for(
    unit: &Unit,
    order: &[&str],
    values: &BTreeMap<&'static str, Fields>,
    st: &Style,
) -> String {
    let mut out = String::from("unit,indicator,field,value,note\n");
    for item in order {
        let Some(fields) = values.get(item) else {
            continue;
        };
        let n = note(unit, item);
        for (i, (field, v)) in fields.iter().enumerate() {
            let note = if i == 0 { n.as_str() } else { "" };
            for text in render(v, st) {
                let _ = writeln!(
                    out,
                    "{},{item},{field},{},{}",
                    csv_escape(&st.name),
                    csv_escape(&text),
                    csv_escape(note)
                );
            }
        }
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("samples/submissions"));
    let project = Project::load(&root.join("crawl-config/simweb.toml"))?;
    std::fs::create_dir_all(&out)?;
    let mut written = 0;
    for (n, unit) in project.roster.units.iter().enumerate() {
        let mut rng = Rng::for_unit(&unit.id);
        // Strength: a spread from weak to strong, shuffled by the unit's own draw.
        let s = (0.15 + 0.85 * rng.unit()).clamp(0.0, 1.0);
        let values = match unit.kind {
            Kind::Township => township(&unit.id, &mut rng, s),
            Kind::Department => department(&unit.id, &mut rng, s),
        };
        let catalog = project
            .catalog(unit.kind)
            .ok_or("no catalog for a roster kind")?;
        for item in &catalog.items {
            for f in &item.fields {
                let covered = values
                    .get(item.id.as_str())
                    .is_some_and(|fs| fs.iter().any(|(name, _)| *name == f.name));
                if !covered {
                    return Err(format!(
                        "generator does not cover {}.{} for {}",
                        item.id, f.name, unit.id
                    )
                    .into());
                }
            }
        }
        let style = Style {
            name: match n % 4 {
                0 => unit.name.clone(),
                1 | 2 => unit.short.clone(),
                _ => unit.id.clone(),
            },
            percent: n % 3 != 0,
            chinese_dates: n % 2 == 0,
            list_rows: n % 5 == 1,
        };
        if unit.id == XLSX_UNIT {
            let mut fill = TemplateFill {
                unit: Some(unit.short.clone()),
                ..Default::default()
            };
            for (item, fields) in &values {
                for (i, (field, v)) in fields.iter().enumerate() {
                    fill.values
                        .insert((item.to_string(), field.to_string()), v.clone());
                    let n = note(unit, item);
                    if i == 0 && !n.is_empty() {
                        fill.notes.insert((item.to_string(), field.to_string()), n);
                    }
                }
            }
            write_template(
                &project,
                unit.kind,
                &fill,
                &out.join(format!("{}.xlsx", unit.id)),
            )?;
        } else {
            let order: Vec<&str> = catalog.items.iter().map(|i| i.id.as_str()).collect();
            let text = csv_for(unit, &order, &values, &style);
            let bytes: Vec<u8> = if unit.id == GB18030_UNIT {
                encoding_rs::GB18030.encode(&text).0.into_owned()
            } else if unit.id == BOM_UNIT {
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()
            } else {
                text.into_bytes()
            };
            std::fs::write(out.join(format!("{}.csv", unit.id)), bytes)?;
        }
        written += 1;
    }
    println!("wrote {written} sample submissions to {}", out.display());
    Ok(())
}
