//! Planting the portals' facts: every unit's 政府信息公开 column tree on the county portal with its
//! 权责清单, 政府信息公开制度, reposts and local counterparts of the five city documents, 年度目录,
//! annual reports and activity posts; the city portal's five documents and notices (website
//! inspections, 市场准入负面清单 违背案例); the county's inspection notices; and the night changes.

use chrono::{Datelike, Duration, NaiveDate};

use super::model::*;
use super::rng::Rng;
use super::text::{esc, paragraphs};
use crate::config::Kind;

/// The five city documents of T2.1 and each one's key phrases for local counterparts.
pub const CITY_DOCS: [(&str, &str); 5] = [
    ("南阳市重大行政决策公示和听证暂行办法", "公示和听证"),
    ("南阳市重大行政决策目录管理办法", "目录管理"),
    ("南阳市重大行政决策实施情况跟踪反馈与后评估办法", "跟踪反馈与后评估"),
    ("南阳市重大行政决策咨询论证专家库管理办法", "咨询论证专家库"),
    ("南阳市重大行政决策风险评估办法", "风险评估"),
];

pub const UNIT_COLUMNS: [(&str, &str); 7] = [
    ("qzqd", "权责清单"),
    ("gkzd", "政府信息公开制度"),
    ("zdxzjc", "重大行政决策"),
    ("zdxzjc/ndml", "年度目录"),
    ("zcwj", "政策文件"),
    ("gknb", "政府信息公开年报"),
    ("gzdt", "工作动态"),
];
pub const DEPT_EXTRA_COLUMN: (&str, &str) = ("xyjs", "信用建设");

pub fn section_label(sec: &str) -> &'static str {
    if sec == "xzxxgk" {
        "乡镇信息公开"
    } else {
        "部门信息公开"
    }
}

pub fn plant_all(m: &mut Model) {
    add_columns(m);
    plant_city_documents(m);
    let n = m.roster.units.len();
    for u in 0..n {
        plant_unit(m, u);
    }
    super::notices::plant_notices(m);
    plant_nights(m);
}

fn add_columns(m: &mut Model) {
    for u in 0..m.roster.units.len() {
        let sec = m.unit_section(u);
        let unit = m.roster.units[u].clone();
        let mut cols: Vec<(&str, &str)> = UNIT_COLUMNS.to_vec();
        if unit.kind == Kind::Department {
            cols.push(DEPT_EXTRA_COLUMN);
        }
        for (code, name) in cols {
            let mut crumbs = vec![
                ("首页".to_string(), "/".to_string()),
                (section_label(sec).to_string(), format!("/{sec}/index.html")),
                (unit.short.clone(), format!("/{sec}/{}/index.html", unit.id)),
            ];
            if code == "zdxzjc/ndml" {
                crumbs.push(("重大行政决策".into(), format!("/{sec}/{}/zdxzjc/index.html", unit.id)));
            }
            m.add_column(Column {
                site: Site::County,
                key: format!("{sec}/{}/{code}", unit.id),
                name: name.to_string(),
                unit: Some(u),
                crumbs,
                docs: Vec::new(),
                filler: if code == "gzdt" {
                    FillerSlot::Unit(u)
                } else {
                    FillerSlot::None
                },
                bracket_dates: code == "gzdt",
            });
        }
    }
    let county_home = vec![
        ("首页".to_string(), "/".to_string()),
        ("政务公开".to_string(), "/zwgk/tzgg/index.html".to_string()),
    ];
    m.add_column(Column {
        site: Site::County,
        key: "zwgk/tzgg".into(),
        name: "通知公告".into(),
        unit: None,
        crumbs: county_home,
        docs: Vec::new(),
        filler: FillerSlot::None,
        bracket_dates: false,
    });
    for (key, name, filler) in [
        ("zwgk/zdxzjc", "重大行政决策", FillerSlot::None),
        ("zwgk/tzgg", "通知公告", FillerSlot::None),
        ("xwzx/gzdt", "工作动态", FillerSlot::City),
    ] {
        let group = if key.starts_with("zwgk") {
            ("政务公开", "/zwgk/tzgg/index.html")
        } else {
            ("新闻中心", "/xwzx/gzdt/index.html")
        };
        m.add_column(Column {
            site: Site::City,
            key: key.into(),
            name: name.into(),
            unit: None,
            crumbs: vec![("首页".into(), "/".into()), (group.0.into(), group.1.into())],
            docs: Vec::new(),
            filler: filler,
            bracket_dates: false,
        });
    }
}

/// A document with the usual defaults: displayed date `date` at a working hour, URL date equal to
/// it unless `url_shift` days are given.
#[allow(clippy::too_many_arguments)]
pub fn doc(
    m: &mut Model,
    r: &mut Rng,
    site: Site,
    column: &str,
    unit: Option<usize>,
    title: &str,
    date: NaiveDate,
    role: Role,
) -> Doc {
    let id = m.fresh_id(r);
    let published = at(date, 8 + r.below(10) as u32, r.below(60) as u32, r.below(60) as u32);
    let source = match unit {
        Some(u) => m.roster.units[u].name.clone(),
        None if site == Site::City => "南阳市人民政府办公室".into(),
        None => "桐柏县人民政府办公室".into(),
    };
    Doc {
        id,
        site,
        column: column.to_string(),
        unit,
        title: title.to_string(),
        published,
        url_date: date,
        appeared: date,
        source,
        body: paragraphs(r, 2),
        attachments: Vec::new(),
        template: r.below(3) as u8,
        role,
    }
}

/// Attaches a file to a document (path derived from the document's URL date and id).
pub fn attach(d: &mut Doc, name: &str) {
    let path = match d.site {
        Site::City => {
            let digits = d.id % 1_000_000_0000;
            format!(
                "/{}/{}/P0{}{:010}.{}",
                d.column,
                d.url_date.format("%Y%m"),
                d.url_date.format("%Y%m%d"),
                digits,
                ext_of(name)
            )
        }
        _ => format!("/uploadfiles/{}/{}/{name}", d.url_date.format("%Y/%m"), d.id),
    };
    d.attachments.push(Attachment {
        name: name.to_string(),
        path,
    });
}

pub fn ext_of(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or("pdf")
}

fn date_in(r: &mut Rng, y: i32, from_month: u32, to_month: u32) -> NaiveDate {
    let start = ymd((y, from_month, 1));
    let end = if to_month >= 12 {
        ymd((y, 12, 28))
    } else {
        ymd((y, to_month + 1, 1)) - Duration::days(1)
    };
    start + Duration::days(r.range(0, (end - start).num_days()))
}

fn plant_city_documents(m: &mut Model) {
    let mut r = Rng::new(m.seed, "city-documents");
    let dates = [
        (2021, 11, 18),
        (2021, 12, 9),
        (2022, 3, 15),
        (2022, 5, 20),
        (2022, 8, 26),
    ];
    for (k, (name, _)) in CITY_DOCS.iter().enumerate() {
        let date = ymd(dates[k]);
        let title = format!("南阳市人民政府关于印发{name}的通知");
        let mut d = doc(
            m,
            &mut r,
            Site::City,
            "zwgk/zdxzjc",
            None,
            &title,
            date,
            Role::CityDocument(k),
        );
        d.source = "南阳市人民政府".into();
        d.body = format!(
            "<p>宛政〔{}〕{}号</p>\n<p>各县（市、区）人民政府，城乡一体化示范区、高新区、官庄工区、鸭河工区管委会，市人民政府各部门：</p>\n<p>现将《{}》印发给你们，请认真贯彻执行。</p>\n{}<p>附件：{}</p>",
            date.year(),
            10 + k * 7,
            name,
            paragraphs(&mut r, 2),
            esc(name)
        );
        attach(&mut d, &format!("{name}.pdf"));
        m.add_doc(d);
    }
}

/// How a township writes the title of a repost of city document `k`.
fn repost_title(r: &mut Rng, k: usize) -> String {
    let name = CITY_DOCS[k].0;
    match r.below(6) {
        0 => name.to_string(),
        1 => format!("《{name}》"),
        2 => format!("关于转发《{name}》的通知"),
        3 if name.contains("暂行") => name.replace("暂行", ""),
        3 => format!("{}{name}", super::text::full_width("(转载)")),
        4 => name.replacen("重大行政决策", " 重大行政决策 ", 1).trim().to_string(),
        _ => name.replacen("重大行政决策", "重大行政决策\u{3000}", 1),
    }
}

fn local_title(r: &mut Rng, who: &str, k: usize) -> String {
    let phrase = CITY_DOCS[k].1;
    match r.below(3) {
        0 => format!("{who}重大行政决策{phrase}办法"),
        1 => format!("关于印发《{who}重大行政决策{phrase}实施办法》的通知"),
        _ => format!("{who}重大行政决策{phrase}制度（试行）"),
    }
}

fn plant_unit(m: &mut Model, u: usize) {
    let unit = m.roster.units[u].clone();
    let sec = m.unit_section(u);
    let key = |c: &str| format!("{sec}/{}/{c}", unit.id);
    let mut r = Rng::new(m.seed, &format!("unit/{}", unit.id));
    let township = unit.kind == Kind::Township;
    let position = m.roster.of_kind(unit.kind).position(|x| x.id == unit.id).unwrap_or(0);
    let kind_len = m.roster.of_kind(unit.kind).count().max(1);
    // One unit of each kind always lacks each list, so every seed exercises the negative finding.
    let seed = m.seed;
    let forced_gap = |salt: u64| position == ((seed + salt) % kind_len as u64) as usize;

    // 权责清单
    if !forced_gap(0) && r.chance(0.85) {
        let date = date_in(&mut r, 2023, 1, 9);
        let title = match r.below(3) {
            0 => format!("{}权责清单", unit.short),
            1 => format!("{}权责清单（2023年版）", unit.name),
            _ => format!("关于公布{}权责清单的公告", unit.short),
        };
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &key("qzqd"),
            Some(u),
            &title,
            date,
            Role::PowerList,
        );
        d.body = format!(
            "<p>根据县委、县政府关于推行权力清单和责任清单制度的部署，现将{}权责清单予以公布，接受社会监督。</p>\n{}",
            esc(&unit.name),
            paragraphs(&mut r, 1)
        );
        let ext = if r.chance(0.6) { "xlsx" } else { "xls" };
        attach(&mut d, &format!("{}权责清单.{ext}", unit.short));
        m.add_doc(d);
    } else {
        let title = format!("{}便民服务事项目录", unit.short);
        let date = date_in(&mut r, 2023, 2, 10);
        let d = doc(
            m,
            &mut r,
            Site::County,
            &key("qzqd"),
            Some(u),
            &title,
            date,
            Role::Other,
        );
        m.add_doc(d);
    }

    // 政府信息公开制度
    if !forced_gap(3) && r.chance(0.85) {
        let which = *r.pick(&[
            "政府信息公开工作制度",
            "政府信息公开保密审查制度",
            "政府信息公开申请办理制度",
        ]);
        let title = format!("{}{which}", unit.short);
        let date = date_in(&mut r, 2023, 1, 11);
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &key("gkzd"),
            Some(u),
            &title,
            date,
            Role::DisclosureRules,
        );
        if r.chance(0.5) {
            let ext = if r.chance(0.5) { "doc" } else { "pdf" };
            attach(&mut d, &format!("{title}.{ext}"));
        }
        m.add_doc(d);
    }

    if township {
        // T2.1 reposts and local counterparts, across 重大行政决策 and 政策文件.
        for k in 0..CITY_DOCS.len() {
            if r.chance(0.55) {
                let title = repost_title(&mut r, k);
                let col = if r.chance(0.5) { "zdxzjc" } else { "zcwj" };
                let date = date_in(&mut r, 2023, 1, 11);
                let d = doc(
                    m,
                    &mut r,
                    Site::County,
                    &key(col),
                    Some(u),
                    &title,
                    date,
                    Role::Repost(k),
                );
                m.add_doc(d);
            }
            if r.chance(0.35) {
                let who = if r.chance(0.5) {
                    unit.short.clone()
                } else {
                    unit.name.replace("人民政府", "")
                };
                let title = local_title(&mut r, &who, k);
                let col = if r.chance(0.5) { "zdxzjc" } else { "zcwj" };
                let date = date_in(&mut r, 2023, 2, 12);
                let d = doc(
                    m,
                    &mut r,
                    Site::County,
                    &key(col),
                    Some(u),
                    &title,
                    date,
                    Role::Local(k),
                );
                m.add_doc(d);
            }
        }
        // T2.2 年度目录: the 2022 one as a decoy, the 2023 one on time, late, or missing.
        if r.chance(0.6) {
            let title = format!("{}2022年度重大行政决策事项目录", unit.short);
            let date = date_in(&mut r, 2022, 2, 4);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("zdxzjc/ndml"),
                Some(u),
                &title,
                date,
                Role::Catalog(2022),
            );
            m.add_doc(d);
        }
        if !forced_gap(5) && r.chance(0.8) {
            let title = match r.below(3) {
                0 => format!("{}2023年度重大行政决策事项目录", unit.short),
                1 => format!("《{}2023年度重大行政决策事项目录》", unit.short),
                _ => format!(
                    "关于公布{}2023年度重大行政决策事项目录的通知",
                    unit.name.replace("人民政府", "")
                ),
            };
            let date = match r.below(10) {
                0 => ymd((2023, 3, 31)),
                1..=6 => date_in(&mut r, 2023, 1, 3),
                _ => date_in(&mut r, 2023, 4, 6),
            };
            let mut d = doc(
                m,
                &mut r,
                Site::County,
                &key("zdxzjc/ndml"),
                Some(u),
                &title,
                date,
                Role::Catalog(2023),
            );
            if r.chance(0.4) {
                d.url_date = date + Duration::days(r.range(1, 12));
                d.appeared = d.url_date;
            }
            attach(
                &mut d,
                &format!(
                    "{}2023年度重大行政决策事项目录.{}",
                    unit.short,
                    if r.chance(0.5) { "xlsx" } else { "pdf" }
                ),
            );
            m.add_doc(d);
        }
        // Ordinary policy files.
        for _ in 0..r.range(1, 3) {
            let topic = *r.pick(&[
                "森林防火工作方案",
                "防汛应急预案",
                "人居环境整治实施方案",
                "秋粮收购工作方案",
            ]);
            let title = format!("{}2023年{topic}", unit.short);
            let date = date_in(&mut r, 2023, 1, 12);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("zcwj"),
                Some(u),
                &title,
                date,
                Role::Other,
            );
            m.add_doc(d);
        }
    } else {
        let title = format!("{}2023年工作要点", unit.short);
        let date = date_in(&mut r, 2023, 1, 3);
        let d = doc(
            m,
            &mut r,
            Site::County,
            &key("zcwj"),
            Some(u),
            &title,
            date,
            Role::Other,
        );
        m.add_doc(d);
        // D7: 分级分类监管 result published in 信用建设.
        if !forced_gap(7) && r.chance(0.6) {
            let title = match r.below(2) {
                0 => format!("{}2023年度信用分级分类监管结果公示", unit.short),
                _ => format!("关于公布{}企业信用风险分级分类监管结果的公告", unit.name),
            };
            let date = date_in(&mut r, 2023, 3, 12);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("xyjs"),
                Some(u),
                &title,
                date,
                Role::TieredSupervision,
            );
            m.add_doc(d);
        } else {
            let title = format!("{}信用承诺制工作推进情况", unit.short);
            let date = date_in(&mut r, 2023, 3, 12);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("xyjs"),
                Some(u),
                &title,
                date,
                Role::Other,
            );
            m.add_doc(d);
        }
    }

    plant_annual_reports(m, &mut r, u, &key("gknb"), forced_gap(11));
    plant_activities(m, &mut r, u, &key("gzdt"));
}

fn plant_annual_reports(m: &mut Model, r: &mut Rng, u: usize, column: &str, skip_2023: bool) {
    let unit = m.roster.units[u].clone();
    for year in [2022, 2023] {
        if year == 2023 && (skip_2023 || !r.chance(0.9)) {
            continue;
        }
        let new_requests = if r.chance(0.4) { 0 } else { r.range(1, 25) as u32 };
        let carried_in = if r.chance(0.7) { 0 } else { r.range(1, 3) as u32 };
        let total = new_requests + carried_in;
        let carried_out = if total > 0 && r.chance(0.3) {
            r.range(1, i64::from(total.min(3))) as u32
        } else {
            0
        };
        let concluded = total - carried_out;
        let on_time = if total > 0 && r.chance(0.3) {
            total - r.range(1, i64::from(total.min(2))) as u32
        } else {
            total
        };
        let report = AnnualReport {
            year,
            new_requests,
            carried_in,
            concluded,
            carried_out,
            on_time,
        };
        let title = format!("{}{year}年政府信息公开工作年度报告", unit.name);
        let date = ymd((year + 1, 1, 1)) + Duration::days(r.range(5, 30));
        let mut d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &title,
            date,
            Role::AnnualReport(report),
        );
        if r.chance(0.3) {
            // Uploaded weeks later than the displayed date, as on tongbai.gov.cn.
            d.url_date = date + Duration::days(r.range(10, 60));
            d.appeared = d.url_date;
        }
        d.body = super::report::annual_report_body(&unit.name, &report);
        m.add_doc(d);
    }
}

fn plant_activities(m: &mut Model, r: &mut Rng, u: usize, column: &str) {
    let unit = m.roster.units[u].clone();
    let who = unit.short.clone();
    let township = unit.kind == Kind::Township;
    let education = [
        "开展公务员诚信教育专题培训",
        "组织干部职工开展诚信教育专题讲座",
        "开展政务诚信教育活动",
        "举办公职人员诚信教育暨警示教育大会",
    ];
    let publicity = [
        "开展政务诚信宣传月活动",
        "开展“诚信宣传进社区”活动",
        "组织开展政务诚信宣传周活动",
    ];
    let decoys = [
        "开展防范电信网络诈骗宣传活动",
        "举办诚信经营示范户表彰会",
        "召开企业诚信经营座谈会",
        "开展法治宣传进万家活动",
    ];
    let n_edu = r.range(0, if township { 4 } else { 3 });
    let mut used = Vec::new();
    for _ in 0..n_edu {
        let t = *r.pick(&education);
        if used.contains(&t) {
            continue;
        }
        used.push(t);
        let date = date_in(r, 2023, 1, 12);
        let d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &format!("{who}{t}"),
            date,
            Role::Activity(ActivityKind::Education),
        );
        m.add_doc(d);
    }
    if !township {
        for _ in 0..r.range(0, 3) {
            let t = *r.pick(&publicity);
            if used.contains(&t) {
                continue;
            }
            used.push(t);
            let date = date_in(r, 2023, 1, 12);
            let d = doc(
                m,
                r,
                Site::County,
                column,
                Some(u),
                &format!("{who}{t}"),
                date,
                Role::Activity(ActivityKind::Publicity),
            );
            m.add_doc(d);
        }
    }
    // An activity of the year before, outside the period, and decoys.
    if r.chance(0.4) {
        let date = date_in(r, 2022, 5, 11);
        let t = *r.pick(&education);
        let d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &format!("{who}{t}"),
            date,
            Role::Activity(ActivityKind::Education),
        );
        m.add_doc(d);
    }
    for _ in 0..r.range(1, 2) {
        let t = *r.pick(&decoys);
        let date = date_in(r, 2023, 1, 12);
        let d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &format!("{who}{t}"),
            date,
            Role::Decoy,
        );
        m.add_doc(d);
    }
}

/// Night changes, cumulative: night K holds every change of nights 2..=K.
fn plant_nights(m: &mut Model) {
    if m.night < 2 {
        return;
    }
    let night2 = m.night_date(2);
    let mut r = Rng::new(m.seed, "night/2");
    // A late 2023 目录 for the first township without one.
    let townships: Vec<usize> = (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == Kind::Township)
        .collect();
    let lacking = townships.iter().copied().find(|&u| {
        !m.docs
            .iter()
            .any(|d| d.unit == Some(u) && d.role == Role::Catalog(2023))
    });
    if let Some(u) = lacking {
        let unit = m.roster.units[u].clone();
        let column = format!("{}/{}/zdxzjc/ndml", m.unit_section(u), unit.id);
        let title = format!("{}2023年度重大行政决策事项目录", unit.short);
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &column,
            Some(u),
            &title,
            ymd((2023, 6, 16)),
            Role::Catalog(2023),
        );
        d.url_date = night2;
        d.appeared = night2;
        m.add_doc(d);
    }
    // A revised 权责清单: same URL, new body and Last-Modified.
    if let Some(i) = m.docs.iter().position(|d| d.role == Role::PowerList) {
        let d = &mut m.docs[i];
        d.body
            .push_str("<p>（2024年2月修订：根据机构职能调整，更新了部分事项的实施依据。）</p>\n");
        d.appeared = night2;
    }
    super::notices::plant_night_notice(m, night2);
    // Nights 3..=K: one new 工作动态 post per night.
    let n = m.roster.units.len();
    for k in 3..=m.night {
        if n == 0 {
            break;
        }
        let u = (k as usize) % n;
        let date = m.night_date(k);
        let mut r = Rng::new(m.seed, &format!("night/{k}"));
        let unit = m.roster.units[u].clone();
        let column = format!("{}/{}/gzdt", m.unit_section(u), unit.id);
        let (title, body) = super::text::filler_text(&mut r, &unit.short, date.year());
        let mut d = doc(m, &mut r, Site::County, &column, Some(u), &title, date, Role::Filler);
        d.body = body;
        m.add_doc(d);
    }
}
