//! Planted notices: the quarterly 政府网站与政务新媒体检查及管理情况的通报 (city level on the city
//! portal naming townships, county level on the county portal naming departments) and the city's
//! 市场准入负面清单 违背案例 notices. Units are named in prose and in tables by full names, short
//! names and aliases; a few names belong to no roster unit and must be reported as unresolved.

use chrono::NaiveDate;

use super::model::*;
use super::plant::doc;
use super::rng::Rng;
use super::text::esc;
use crate::config::Kind;

const CITY_UNKNOWN: [&str; 4] = [
    "市退役军人事务局",
    "市民政局",
    "唐河县城郊乡人民政府",
    "桐柏县月河乡",
];
const COUNTY_UNKNOWN: [&str; 3] = ["县档案馆", "桐柏县发改局", "县供销合作社"];
const PROBLEMS: [&str; 5] = [
    "栏目长期未更新",
    "存在错别字和空白栏目",
    "互动回应不及时",
    "首页链接不可用",
    "信息发布审核不严",
];

/// A name form a notice uses for a unit.
fn name_form(r: &mut Rng, m: &Model, u: usize) -> String {
    let unit = &m.roster.units[u];
    match r.below(4) {
        0 => unit.name.clone(),
        1 => unit.short.clone(),
        2 if !unit.aliases.is_empty() => r.pick(&unit.aliases).clone(),
        _ => {
            if unit.kind == Kind::Township {
                format!("桐柏县{}", unit.short)
            } else {
                unit.name.clone()
            }
        }
    }
}

pub fn plant_notices(m: &mut Model) {
    let townships: Vec<usize> = (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == Kind::Township)
        .collect();
    let departments: Vec<usize> = (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == Kind::Department)
        .collect();
    // (quarter label, published date); the first and last lie outside the period.
    let quarters = [
        ("2022年第三季度", (2022, 10, 17)),
        ("2022年第四季度", (2023, 1, 16)),
        ("2023年第一季度", (2023, 4, 18)),
        ("2023年第二季度", (2023, 7, 17)),
        ("2023年第三季度", (2023, 10, 16)),
        ("2023年第四季度", (2024, 1, 16)),
    ];
    for (q, date) in quarters {
        let notice = |site, scope: &str, office: &'static str, date| Inspection {
            site,
            column: "zwgk/tzgg",
            city: site == Site::City,
            title: format!("关于{q}{scope}政府网站与政务新媒体检查及管理情况的通报"),
            period: q.to_string(),
            office,
            date,
        };
        let city = notice(Site::City, "全市", "市政府办公室", ymd(date));
        inspection(m, &townships, city);
        let county = notice(
            Site::County,
            "全县",
            "县政府办公室",
            ymd(date) + chrono::Duration::days(3),
        );
        inspection(m, &departments, county);
    }
    let mut r = Rng::new(m.seed, "negative-list");
    for (batch, date) in [(1, (2023, 3, 22)), (2, (2023, 7, 5)), (3, (2023, 11, 14))] {
        let named = pick_cases(m, &mut r, &townships);
        negative_list(m, batch, 2023, ymd(date), named);
    }
    // Ordinary notices beside them.
    let mut r = Rng::new(m.seed, "county-notices");
    for (t, date) in [
        ("关于做好2023年春节期间安全生产工作的通知", (2023, 1, 12)),
        ("关于开展2023年度防汛应急演练的通知", (2023, 5, 25)),
        (
            "关于调整桐柏县2023年国庆节假期值班安排的通知",
            (2023, 9, 26),
        ),
    ] {
        let d = doc(
            m,
            &mut r,
            Site::County,
            "zwgk/tzgg",
            None,
            t,
            ymd(date),
            Role::Other,
        );
        m.add_doc(d);
        let d = doc(
            m,
            &mut r,
            Site::City,
            "zwgk/tzgg",
            None,
            &t.replace("桐柏县", "南阳市"),
            ymd(date),
            Role::Other,
        );
        m.add_doc(d);
    }
}

fn pick_cases(m: &Model, r: &mut Rng, townships: &[usize]) -> Vec<Named> {
    let mut named = Vec::new();
    for _ in 0..r.range(0, 2) {
        let u = *r.pick(townships);
        if named.iter().any(|n: &Named| n.unit == Some(u)) {
            continue;
        }
        let form = name_form(r, m, u);
        named.push(Named {
            name: form,
            unit: Some(u),
            place: "prose",
            handled: Some(r.chance(0.6)),
        });
    }
    let other = *r.pick(&[
        "唐河县市场监督管理局",
        "方城县住房和城乡建设局",
        "南召县城关镇人民政府",
    ]);
    named.push(Named {
        name: other.to_string(),
        unit: None,
        place: "prose",
        handled: Some(r.chance(0.5)),
    });
    named
}

/// One website-inspection notice to plant: where, at which level, under which title.
pub struct Inspection {
    pub site: Site,
    pub column: &'static str,
    /// City level (names townships, T5) or county level (names departments, D3).
    pub city: bool,
    pub title: String,
    /// The period inspected (`2023年第一季度`), as the body says it.
    pub period: String,
    /// Who inspected, as the body says it.
    pub office: &'static str,
    pub date: NaiveDate,
}

/// Plants an inspection notice naming failing units of `pool` (and maybe a name of no unit).
pub fn inspection(m: &mut Model, pool: &[usize], n: Inspection) {
    let Inspection {
        site,
        column,
        city,
        title,
        period: quarter,
        office,
        date,
    } = n;
    let mut r = Rng::new(m.seed, &format!("inspection/{}/{quarter}", site.host()));
    let scope = if city { "全市" } else { "全县" };
    let mut failing: Vec<usize> = Vec::new();
    for _ in 0..r.range(1, 3) {
        let u = *r.pick(pool);
        if !failing.contains(&u) {
            failing.push(u);
        }
    }
    let mut named = Vec::new();
    for &u in &failing {
        let place = match r.below(3) {
            0 => "prose",
            1 => "table",
            _ => "both",
        };
        for p in ["prose", "table"] {
            if place == p || place == "both" {
                named.push(Named {
                    name: name_form(&mut r, m, u),
                    unit: Some(u),
                    place: p,
                    handled: None,
                });
            }
        }
    }
    if r.chance(0.7) {
        let list: &[&str] = if city { &CITY_UNKNOWN } else { &COUNTY_UNKNOWN };
        named.push(Named {
            name: r.pick(list).to_string(),
            unit: None,
            place: if r.chance(0.5) { "prose" } else { "table" },
            handled: None,
        });
    }
    let running = 40 + r.below(15);
    let failed_sites = named.iter().filter(|n| n.place == "prose").count();
    let prose_names: Vec<String> = named
        .iter()
        .filter(|n| n.place == "prose")
        .map(|n| n.name.clone())
        .collect();
    let mut body = format!(
        "<p>按照国务院办公厅《政府网站与政务新媒体检查指标》要求，{office}对{scope}政府网站和政务新媒体开展了{quarter}检查，现将有关情况通报如下。</p>\n<p>一、总体情况</p>\n<p>{quarter}，{scope}正在运行的政府网站共{running}个，检查{running}个，检查率100%。</p>\n",
    );
    if prose_names.is_empty() {
        body.push_str("<p>经检查，本季度抽查的政府网站均合格。</p>\n");
    } else {
        body.push_str(&format!(
            "<p>经检查，{}网站不合格，共{}个。</p>\n",
            esc(&join_names(&prose_names)),
            failed_sites
        ));
    }
    let rows: Vec<&Named> = named.iter().filter(|n| n.place == "table").collect();
    if !rows.is_empty() {
        body.push_str("<p>二、存在问题的政府网站和政务新媒体</p>\n<table class=\"notice-table\" border=\"1\">\n<tr><th>序号</th><th>单位名称</th><th>网站名称</th><th>主要问题</th></tr>\n");
        for (i, n) in rows.iter().enumerate() {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}门户网站</td><td>{}</td></tr>\n",
                i + 1,
                esc(&n.name),
                esc(&n.name),
                r.pick(&PROBLEMS)
            ));
        }
        body.push_str("</table>\n");
    }
    body.push_str("<p>请各单位对照问题认真整改，整改情况于15个工作日内报送。</p>\n");
    let mut d = doc(m, &mut r, site, column, None, &title, date, Role::Other);
    d.body = body;
    let level = if city { "city" } else { "county" };
    let n = m.notices.len();
    d.role = Role::Notice(n);
    let di = m.add_doc(d);
    m.notices.push(Notice {
        doc: di,
        level,
        topic: NoticeTopic::WebsiteInspection,
        named,
    });
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}和{}", rest.join("、"), last),
    }
}

fn negative_list(m: &mut Model, batch: u32, year: i32, date: NaiveDate, named: Vec<Named>) {
    let mut r = Rng::new(m.seed, &format!("negative-list/{year}/{batch}"));
    let title = format!("关于违背市场准入负面清单典型案例的通报（{year}年第{batch}批）");
    let mut body = String::from("<p>为深入落实市场准入负面清单制度，持续破除市场准入壁垒，现将排查发现的违背市场准入负面清单典型案例通报如下：</p>\n");
    let acts = [
        "在政府采购活动中违规设置企业注册地限制",
        "在项目招标中要求投标人在本地设立分支机构",
        "违规增设市场准入审批环节",
        "在工程建设领域违规设置资质门槛",
    ];
    for (i, n) in named.iter().enumerate() {
        body.push_str(&format!(
            "<p>案例{}：{}{}。整改情况：{}。</p>\n",
            i + 1,
            esc(&n.name),
            r.pick(&acts),
            if n.handled == Some(true) {
                "已整改"
            } else {
                "正在整改"
            }
        ));
    }
    body.push_str(
        "<p>各地各部门要引以为戒，举一反三，全面排查清理违背市场准入负面清单的规定和做法。</p>\n",
    );
    let mut d = doc(
        m,
        &mut r,
        Site::City,
        "zwgk/tzgg",
        None,
        &title,
        date,
        Role::Other,
    );
    d.source = "南阳市发展和改革委员会".into();
    d.body = body;
    d.role = Role::Notice(m.notices.len());
    if date > ymd(SITE_BASE) {
        d.appeared = date;
    }
    let di = m.add_doc(d);
    m.notices.push(Notice {
        doc: di,
        level: "city",
        topic: NoticeTopic::NegativeList,
        named,
    });
}

/// Night 2's new notice: a 违背案例 batch dated that night (outside the period).
pub fn plant_night_notice(m: &mut Model, date: NaiveDate) {
    let townships: Vec<usize> = (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == Kind::Township)
        .collect();
    let mut r = Rng::new(m.seed, "negative-list/night2");
    let mut named = pick_cases(m, &mut r, &townships);
    if let Some(&u) = townships.first() {
        if !named.iter().any(|n| n.unit == Some(u)) {
            named.insert(
                0,
                Named {
                    name: m.roster.units[u].name.clone(),
                    unit: Some(u),
                    place: "prose",
                    handled: Some(false),
                },
            );
        }
    }
    negative_list(m, 1, 2024, date, named);
}
