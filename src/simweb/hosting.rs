//! Which units publish on a platform site of their own instead of the county portal — the
//! township 淮源镇 on a Hanweb JCMS site, the 县发展和改革委员会 (the county's 信用 lead, with
//! its 双公示 column) on a TrueCMS site — and moving their planted columns and documents there
//! once everything is planted, so each document has one URL and every scoring fact stays the
//! seed's, not doubled. Also the column numbers those platforms put in their URLs.

use super::model::*;
use super::plant::doc;
use super::rng::Rng;
use super::text::esc;
use crate::config::Roster;

/// The roster id of the township on the Hanweb site (a roster without it has none there).
pub const HANWEB_UNIT: &str = "t-huaiyuan";
/// The roster id of the department on the TrueCMS site.
pub const TRUECMS_UNIT: &str = "d-fgw";

/// Column codes in the order their platform numbers count them.
const CODES: [&str; 10] = [
    "qzqd",
    "gkzd",
    "zdxzjc",
    "zdxzjc/ndml",
    "zcwj",
    "gknb",
    "gzdt",
    "xyjs",
    "tzgg",
    "sgs",
];
/// Hanweb numbers columns site-wide (`/col/col72001/index.html`, `art_72001_…`).
const HANWEB_COLUMN_BASE: u64 = 72_001;
const TRUECMS_COLUMN_BASE: u64 = 11_301;
/// The 双公示 column's code on the TrueCMS site.
pub const SGS_CODE: &str = "sgs";

/// The units on platform sites, by roster position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hosted {
    pub hanweb: Option<usize>,
    pub truecms: Option<usize>,
}

impl Hosted {
    pub fn of(roster: &Roster) -> Hosted {
        let find = |id: &str| roster.units.iter().position(|u| u.id == id);
        Hosted {
            hanweb: find(HANWEB_UNIT),
            truecms: find(TRUECMS_UNIT),
        }
    }

    pub fn site_of(&self, u: usize) -> Site {
        if self.hanweb == Some(u) {
            Site::Hanweb
        } else if self.truecms == Some(u) {
            Site::TrueCms
        } else {
            Site::County
        }
    }

    /// The unit whose pages a platform site carries.
    pub fn unit_on(&self, site: Site) -> Option<usize> {
        match site {
            Site::Hanweb => self.hanweb,
            Site::TrueCms => self.truecms,
            _ => None,
        }
    }
}

/// A unit column's code: its key without the section and unit (`xzxxgk/t-huaiyuan/zdxzjc/ndml`
/// → `zdxzjc/ndml`).
pub fn column_code(key: &str) -> &str {
    key.splitn(3, '/').nth(2).unwrap_or(key)
}

fn code_index(key: &str) -> u64 {
    let code = column_code(key);
    CODES.iter().position(|c| *c == code).unwrap_or(CODES.len()) as u64
}

pub fn hanweb_column_id(key: &str) -> u64 {
    HANWEB_COLUMN_BASE + code_index(key)
}

pub fn truecms_column_id(key: &str) -> u64 {
    TRUECMS_COLUMN_BASE + code_index(key)
}

/// The TrueCMS department's 双公示 column: one page per 行政许可/处罚/… decision of its own,
/// the same records the credit site carries, published as documents (the records' facts still
/// come from the credit site alone).
pub fn plant_sgs(m: &mut Model) {
    let Some(u) = m.hosted.truecms else { return };
    let unit = m.roster.units[u].clone();
    let key = format!("{}/{}/{SGS_CODE}", m.unit_section(u), unit.id);
    m.add_column(Column {
        site: Site::County,
        key: key.clone(),
        name: "双公示".into(),
        unit: Some(u),
        crumbs: Vec::new(),
        docs: Vec::new(),
        filler: FillerSlot::None,
        bracket_dates: false,
    });
    let mut r = Rng::new(m.seed, &format!("sgs-site/{}", unit.id));
    let records: Vec<Record> = m
        .records
        .iter()
        .filter(|x| x.unit == Some(u))
        .cloned()
        .collect();
    for rec in records {
        let cat = &CATEGORIES[rec.cat];
        let shown = |s: &str| {
            if s.is_empty() {
                "—".to_string()
            } else {
                esc(s)
            }
        };
        let title = format!(
            "{}信息公示（{}）",
            cat.label,
            if rec.wsh.is_empty() {
                &rec.id
            } else {
                &rec.wsh
            }
        );
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &key,
            Some(u),
            &title,
            rec.published,
            Role::Other,
        );
        d.template = 0;
        d.body = format!(
            "<table class=\"sgs-detail\">\n<tr><th>类别</th><td>{}</td></tr>\n<tr><th>行政相对人名称</th><td>{}</td></tr>\n<tr><th>统一社会信用代码</th><td>{}</td></tr>\n<tr><th>决定文书号</th><td>{}</td></tr>\n<tr><th>决定日期</th><td>{}</td></tr>\n<tr><th>公示日期</th><td>{}</td></tr>\n<tr><th>决定机关</th><td>{}</td></tr>\n<tr><th>内容</th><td>{}</td></tr>\n</table>\n",
            cat.label,
            shown(&rec.party),
            shown(&rec.uscc),
            shown(&rec.wsh),
            rec.decided.format("%Y-%m-%d"),
            rec.published.format("%Y-%m-%d"),
            esc(&rec.organ),
            esc(&rec.content)
        );
        m.add_doc(d);
    }
}

/// Moves the hosted units' columns and documents (and the attachments' keys) to their sites.
pub fn move_units(m: &mut Model) {
    let hosted = m.hosted;
    let site_of = |u: Option<usize>| u.map(|u| hosted.site_of(u)).filter(|s| *s != Site::County);
    for c in &mut m.columns {
        if let (Site::County, Some(s)) = (c.site, site_of(c.unit)) {
            c.site = s;
        }
    }
    m.column_index = m
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.site, c.key.clone()), i))
        .collect();
    let mut moved = Vec::new();
    for (i, d) in m.docs.iter_mut().enumerate() {
        let Some(s) = site_of(d.unit) else { continue };
        let own = m
            .column_index
            .get(&(s, d.column.clone()))
            .is_some_and(|&c| m.columns[c].unit == d.unit);
        if d.site == Site::County && own {
            d.site = s;
            moved.push(i);
        }
    }
    for i in moved {
        let d = &m.docs[i];
        for a in &d.attachments {
            if let Some(v) = m.attachments.remove(&(Site::County, a.path.clone())) {
                m.attachments.insert((d.site, a.path.clone()), v);
            }
        }
    }
}
