//! Update patterns on the county portal, for the website inspection to find: every unit keeps
//! its columns current (a news post of the last week, a policy file of the last two months,
//! nothing left empty by chance) except the units chosen here from the seed —
//!
//! * a few **stale** units: news not updated for three weeks (a warning; a policy file of the
//!   last days keeps their site updated until night 11);
//! * one **quiet** unit: nothing new anywhere for over two weeks (首页不更新, a veto);
//! * one unit with a **blank** 通知公告 column (a warning);
//! * one **backdated** batch: on night 4 a department puts up policy files dated weeks and months
//!   back (伪造发稿日期, a veto, seen from the crawl history);
//! * one **burst**: a township dated ten news posts the same day just before the 2023 Q4 end;
//! * one unit whose section is **down** (503) on nights 2 to 8, a week (站点无法访问);
//! * one unit whose policy files lack their 索引号/发布机构/成文日期 table, and one with an
//!   attachment that does not open (deductions).
//!
//! Every choice avoids the units that get a news post on nights 3–9 (`K mod units`) and the
//! township whose late 年度目录 appears on night 2, so each unit's outcome has one cause. What
//! a perfect inspector concludes from all this is derived in `inspection_truth.rs`.

use chrono::{Datelike, Duration};

use super::model::*;
use super::plant::doc;
use super::rng::Rng;
use crate::config::Kind;

/// The nights a down unit's section answers 503 (inclusive).
pub const DOWN_NIGHTS: (u32, u32) = (2, 8);
/// The night the backdated batch appears.
pub const BACKDATE_NIGHT: u32 = 4;
/// The ids of the backdated batch (below every other planted id).
pub const BACKDATED_IDS: u64 = 600_000;
/// How far back the stale and quiet units' news is shifted, in days.
pub const STALE_SHIFT: i64 = 21;
pub const QUIET_SHIFT: i64 = 40;
/// The burst's day and size.
pub const BURST_DAY: (i32, u32, u32) = (2023, 12, 27);
pub const BURST_ITEMS: usize = 10;

/// Which unit (roster index) carries which pattern.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patterns {
    pub stale: Vec<usize>,
    pub quiet: Option<usize>,
    pub blank: Option<usize>,
    pub backdated: Option<usize>,
    pub burst: Option<usize>,
    pub down: Option<usize>,
    pub no_metadata: Option<usize>,
    pub broken_attachment: Option<usize>,
    /// The township whose 2023 年度目录 appears on night 2 with a June date (planted by
    /// `plant.rs`, kept here because it is backdated too).
    pub late_catalog: Option<usize>,
}

impl Patterns {
    /// Whether unit `u`'s section answers 503 on `night`.
    pub fn is_down(&self, u: usize, night: u32) -> bool {
        self.down == Some(u) && (DOWN_NIGHTS.0..=DOWN_NIGHTS.1).contains(&night)
    }

    /// How many days back a unit's news filler starts.
    pub fn filler_shift(&self, u: usize) -> i64 {
        if self.quiet == Some(u) {
            QUIET_SHIFT
        } else if self.stale.contains(&u) {
            STALE_SHIFT
        } else {
            0
        }
    }
}

/// Units of `kind` in a seeded order, without the `avoid`ed ones.
fn shuffled(m: &Model, kind: Kind, label: &str, avoid: &[usize]) -> Vec<usize> {
    let mut r = Rng::new(m.seed, label);
    let mut v: Vec<usize> = (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == kind && !avoid.contains(&u))
        .collect();
    for i in (1..v.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

/// The first township without a 2023 年度目录: the one whose catalog appears late on night 2.
fn late_catalog_township(m: &Model) -> Option<usize> {
    (0..m.roster.units.len())
        .filter(|&u| m.roster.units[u].kind == Kind::Township)
        .find(|&u| {
            !m.docs
                .iter()
                .any(|d| d.unit == Some(u) && d.role == Role::Catalog(2023))
        })
}

/// Chooses the units; called after every unit's documents are planted.
pub fn choose(m: &Model) -> Patterns {
    let late_catalog = late_catalog_township(m);
    let mut avoid: Vec<usize> = (3..=9).map(|k| k % m.roster.units.len().max(1)).collect();
    avoid.extend(late_catalog);
    let mut d = shuffled(m, Kind::Department, "inspection/departments", &avoid).into_iter();
    let mut t = shuffled(m, Kind::Township, "inspection/townships", &avoid).into_iter();
    Patterns {
        down: d.next(),
        backdated: d.next(),
        blank: d.next(),
        no_metadata: d.next(),
        quiet: t.next(),
        burst: t.next(),
        broken_attachment: t.next(),
        stale: d
            .next()
            .into_iter()
            .chain(t.next())
            .chain(d.next())
            .collect(),
        late_catalog,
    }
}

/// The blank column of the blank unit: listed on its home, with nothing in it.
pub fn add_blank_column(m: &mut Model) {
    let Some(u) = m.patterns.blank else { return };
    let sec = m.unit_section(u);
    let unit = m.roster.units[u].clone();
    m.add_column(Column {
        site: Site::County,
        key: format!("{sec}/{}/tzgg", unit.id),
        name: "通知公告".into(),
        unit: Some(u),
        crumbs: vec![
            ("首页".to_string(), "/".to_string()),
            (
                super::plant::section_label(sec).to_string(),
                format!("/{sec}/index.html"),
            ),
            (unit.short.clone(), format!("/{sec}/{}/index.html", unit.id)),
        ],
        docs: Vec::new(),
        filler: FillerSlot::None,
        bracket_dates: false,
    });
}

const POLICY_TOPICS: [&str; 6] = [
    "关于做好2024年元旦春节期间安全生产工作的通知",
    "关于印发2024年森林防火工作方案的通知",
    "关于做好冬春季农田水利建设工作的通知",
    "关于开展安全生产隐患排查整治的通知",
    "关于做好低温雨雪冰冻天气防范应对工作的通知",
    "关于印发2024年重点工作任务分解方案的通知",
];

/// A document of unit `u` in its column `code` (`zcwj`, `gzdt`).
fn unit_doc(
    m: &mut Model,
    r: &mut Rng,
    u: usize,
    code: &str,
    title: &str,
    date: chrono::NaiveDate,
) -> Doc {
    let column = format!("{}/{}/{code}", m.unit_section(u), m.roster.units[u].id);
    doc(
        m,
        r,
        Site::County,
        &column,
        Some(u),
        title,
        date,
        Role::Other,
    )
}

fn policy_file(m: &mut Model, r: &mut Rng, u: usize, date: chrono::NaiveDate) -> Doc {
    let topic = *r.pick(&POLICY_TOPICS);
    let title = format!("{}{topic}", m.roster.units[u].short);
    unit_doc(m, r, u, "zcwj", &title, date)
}

fn news_post(m: &mut Model, r: &mut Rng, u: usize, date: chrono::NaiveDate) -> Doc {
    let short = m.roster.units[u].short.clone();
    let (title, body) = super::text::filler_text(r, &short, date.year());
    let mut d = unit_doc(m, r, u, "gzdt", &title, date);
    d.body = body;
    d
}

/// Neutral titles for a column a unit happened to leave empty.
fn filling_title(code: &str, short: &str) -> String {
    match code {
        "gkzd" => format!("{short}政府信息公开指南"),
        "zdxzjc" => format!("{short}关于召开民主议事会的通知"),
        "zdxzjc/ndml" => format!("{short}年度重点工作安排"),
        "qzqd" => format!("{short}便民服务事项"),
        "gknb" => format!("{short}政务公开工作要点"),
        _ => format!("{short}工作信息"),
    }
}

/// Night 1: the current content of every unit, the burst, the broken attachment, and a
/// neutral document in any column left empty by chance (the blank column excepted).
pub fn plant_current(m: &mut Model) {
    let night1 = ymd(NIGHT_ONE);
    let p = m.patterns.clone();
    for u in 0..m.roster.units.len() {
        let mut r = Rng::new(
            m.seed,
            &format!("inspection/current/{}", m.roster.units[u].id),
        );
        if p.quiet != Some(u) && !p.stale.contains(&u) {
            let date = night1 - Duration::days(r.range(1, 6));
            let d = news_post(m, &mut r, u, date);
            m.add_doc(d);
        }
        // Stale units keep a policy file of the last days (within two weeks until night 11),
        // so only their news is stale.
        let back = if p.quiet == Some(u) {
            90
        } else if p.stale.contains(&u) {
            r.range(1, 3)
        } else {
            r.range(2, 60)
        };
        let mut d = policy_file(m, &mut r, u, night1 - Duration::days(back));
        if p.broken_attachment == Some(u) {
            let name = format!("{}.pdf", d.title);
            super::plant::attach(&mut d, &name);
        }
        let i = m.add_doc(d);
        if p.broken_attachment == Some(u) {
            // Listed in the article, never served: an attachment that does not open.
            let d = &m.docs[i];
            if let Some(a) = d.attachments.first() {
                let key = (d.site, a.path.clone());
                m.attachments.remove(&key);
            }
        }
    }
    if let Some(u) = p.burst {
        let mut r = Rng::new(m.seed, "inspection/burst");
        for _ in 0..BURST_ITEMS {
            let d = news_post(m, &mut r, u, ymd(BURST_DAY));
            m.add_doc(d);
        }
    }
    let mut r = Rng::new(m.seed, "inspection/filling");
    let blank = p.blank;
    let empty: Vec<(usize, String, String)> = m
        .columns
        .iter()
        .filter(|c| c.site == Site::County && c.docs.is_empty() && c.filler == FillerSlot::None)
        .filter_map(|c| Some((c.unit?, c.key.clone())))
        .filter(|(u, key)| !(Some(*u) == blank && key.ends_with("/tzgg")))
        .map(|(u, key)| {
            let prefix = format!("{}/{}/", m.unit_section(u), m.roster.units[u].id);
            let code = key.strip_prefix(&prefix).unwrap_or("").to_string();
            (u, key, code)
        })
        .collect();
    for (u, key, code) in empty {
        let short = m.roster.units[u].short.clone();
        let title = filling_title(&code, &short);
        let date = super::plant::date_in(&mut r, 2023, 2, 10);
        let d = doc(
            m,
            &mut r,
            Site::County,
            &key,
            Some(u),
            &title,
            date,
            Role::Other,
        );
        m.add_doc(d);
    }
}

/// Night `BACKDATE_NIGHT` on: the backdated batch, dated 20–100 days before the night it
/// appears (upload date that night).
pub fn plant_backdated(m: &mut Model) {
    let Some(u) = m.patterns.backdated else {
        return;
    };
    if m.night < BACKDATE_NIGHT {
        return;
    }
    let night = m.night_date(BACKDATE_NIGHT);
    let mut r = Rng::new(m.seed, "inspection/backdated");
    for k in 0..5 {
        let claimed = night - Duration::days(r.range(20, 100));
        let mut d = policy_file(m, &mut r, u, claimed);
        // Ids of their own: every later night plants the same batch under the same URLs,
        // whatever came before it.
        d.id = BACKDATED_IDS + k;
        d.url_date = night;
        d.appeared = night;
        m.add_doc(d);
    }
}

/// The 政策文件 metadata table of an article (索引号, 发布机构, 成文日期), or nothing: only
/// articles of a 政策文件 column carry one, except the no-metadata unit's.
pub fn metadata_table(m: &Model, d: &Doc) -> String {
    let Some(u) = d.unit else {
        return String::new();
    };
    if !d.column.ends_with("/zcwj") || m.patterns.no_metadata == Some(u) {
        return String::new();
    }
    let written = d.published.date() - Duration::days((d.id % 5) as i64 + 1);
    format!(
        "<table class=\"xxgk-info\"><tr><td>索引号：</td><td>11411330{:04}/{}-{:05}</td><td>发布机构：</td><td>{}</td></tr>\n<tr><td>成文日期：</td><td>{}</td><td>主题分类：</td><td>政务公开</td></tr></table>\n",
        u,
        d.published.format("%Y"),
        d.id % 100_000,
        super::text::esc(&d.source),
        written.format("%Y年%m月%d日")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simweb::SimWeb;

    fn web(night: u32) -> SimWeb {
        let roster = SimWeb::load_roster(std::path::Path::new(crate::simweb::DEFAULT_ROSTER))
            .unwrap_or_else(|e| panic!("{e}"));
        SimWeb::new(roster, 1, 200, night)
    }

    #[test]
    fn each_pattern_gives_its_unit_and_only_it_the_planted_outcome() {
        for night in [1, 5, 8] {
            let w = web(night);
            let t = w.truth();
            let m = w.model();
            let p = &m.patterns;
            let id = |u: Option<usize>| m.roster.units[u.unwrap()].id.clone();
            let failing: Vec<&str> = t
                .inspection
                .iter()
                .filter(|i| i.result == "不合格")
                .map(|i| i.unit.as_str())
                .collect();
            let mut expected = vec![id(p.quiet)];
            if night >= 2 {
                expected.push(id(p.late_catalog));
                expected.push(id(p.down));
            }
            if night >= BACKDATE_NIGHT {
                expected.push(id(p.backdated));
            }
            expected.sort();
            let mut failing: Vec<String> = failing.into_iter().map(String::from).collect();
            failing.sort();
            assert_eq!(failing, expected, "night {night}");
            let with = |f: &dyn Fn(&crate::simweb::truth::InspectionTruth) -> bool| {
                let mut v: Vec<String> = t
                    .inspection
                    .iter()
                    .filter(|i| f(i))
                    .map(|i| i.unit.clone())
                    .collect();
                v.sort();
                v
            };
            let mut stale: Vec<String> = p
                .stale
                .iter()
                .chain(&p.quiet)
                .map(|&u| id(Some(u)))
                .collect();
            stale.sort();
            assert_eq!(
                with(&|i| !i.stale_columns.is_empty()),
                stale,
                "night {night}"
            );
            assert_eq!(with(&|i| !i.blank_columns.is_empty()), [id(p.blank)]);
            assert_eq!(with(&|i| !i.burst.is_empty()), [id(p.burst)]);
            let burst = t.inspection.iter().find(|i| !i.burst.is_empty()).unwrap();
            assert_eq!(
                burst.burst.len(),
                BURST_ITEMS,
                "seed 1 has no filler that day"
            );
            assert_eq!(
                with(&|i| i.deductions.contains(&"metadata".to_string())),
                [id(p.no_metadata)]
            );
            assert_eq!(
                with(&|i| i.deductions.contains(&"attachments".to_string())),
                [id(p.broken_attachment)]
            );
            let backdated: usize = t.inspection.iter().map(|i| i.backdated.len()).sum();
            let planted = match night {
                1 => 0,
                n if n < BACKDATE_NIGHT => 1,
                _ => 6,
            };
            assert_eq!(backdated, planted, "night {night}");
        }
    }
}
