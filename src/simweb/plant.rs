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
    (
        "南阳市重大行政决策实施情况跟踪反馈与后评估办法",
        "跟踪反馈与后评估",
    ),
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

/// The columns of a unit of `kind`: departments make no 重大行政决策 and have 信用建设.
pub fn unit_columns(kind: Kind) -> Vec<(&'static str, &'static str)> {
    let mut cols: Vec<(&str, &str)> = UNIT_COLUMNS
        .into_iter()
        .filter(|(code, _)| kind == Kind::Township || !code.starts_with("zdxzjc"))
        .collect();
    if kind == Kind::Department {
        cols.push(DEPT_EXTRA_COLUMN);
    }
    cols
}

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
        super::unit_docs::plant_unit(m, u);
    }
    super::notices::plant_notices(m);
    m.with_own_ids(super::trs::plant);
    m.patterns = super::patterns::choose(m);
    super::patterns::add_blank_column(m);
    super::patterns::plant_current(m);
    plant_nights(m);
}

fn add_columns(m: &mut Model) {
    for u in 0..m.roster.units.len() {
        let sec = m.unit_section(u);
        let unit = m.roster.units[u].clone();
        for (code, name) in unit_columns(unit.kind) {
            let mut crumbs = vec![
                ("首页".to_string(), "/".to_string()),
                (section_label(sec).to_string(), format!("/{sec}/index.html")),
                (unit.short.clone(), format!("/{sec}/{}/index.html", unit.id)),
            ];
            if code == "zdxzjc/ndml" {
                crumbs.push((
                    "重大行政决策".into(),
                    format!("/{sec}/{}/zdxzjc/index.html", unit.id),
                ));
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
            crumbs: vec![
                ("首页".into(), "/".into()),
                (group.0.into(), group.1.into()),
            ],
            docs: Vec::new(),
            filler,
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
    let published = at(
        date,
        8 + r.below(10) as u32,
        r.below(60) as u32,
        r.below(60) as u32,
    );
    let source = match unit {
        Some(u) => m.roster.units[u].name.clone(),
        None if site == Site::City => "南阳市人民政府办公室".into(),
        None if site == Site::Trs => super::trs::PUBLISHER.into(),
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
        Site::City | Site::Trs => {
            let digits = d.id % 10_000_000_000;
            format!(
                "/{}/{}/P0{}{:010}.{}",
                d.column,
                d.url_date.format("%Y%m"),
                d.url_date.format("%Y%m%d"),
                digits,
                ext_of(name)
            )
        }
        _ => format!(
            "/uploadfiles/{}/{}/{name}",
            d.url_date.format("%Y/%m"),
            d.id
        ),
    };
    d.attachments.push(Attachment {
        name: name.to_string(),
        path,
    });
}

pub fn ext_of(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or("pdf")
}

pub fn date_in(r: &mut Rng, y: i32, from_month: u32, to_month: u32) -> NaiveDate {
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

/// Night changes, cumulative: night K holds every change of nights 2..=K.
fn plant_nights(m: &mut Model) {
    if m.night < 2 {
        return;
    }
    let night2 = m.night_date(2);
    let mut r = Rng::new(m.seed, "night/2");
    // A late 2023 目录 for the first township without one.
    if let Some(u) = m.patterns.late_catalog {
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
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &column,
            Some(u),
            &title,
            date,
            Role::Filler,
        );
        d.body = body;
        m.add_doc(d);
    }
    super::patterns::plant_backdated(m);
}
