//! The simulated web's model: what is planted (documents, notices, 双公示 records, court cases)
//! and the column structure of each site. Planted items are few and held in memory; the
//! `--scale` filler articles are computed from their index on demand (`filler_doc`), so memory does
//! not grow with scale. Everything here is a pure function of (roster, seed, scale, night).

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::rng::{hash64, Rng};
use crate::calendar::WorkCalendar;
use crate::config::{Kind, Roster};

/// The simulated hosts: the four portals and registries, and the sites of the real CMS
/// platforms (a Hanweb JCMS township site, a TrueCMS bureau site, a TRS notices site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Site {
    County,
    City,
    Credit,
    Court,
    Hanweb,
    TrueCms,
    Trs,
}

impl Site {
    pub const ALL: [Site; 7] = [
        Site::County,
        Site::City,
        Site::Credit,
        Site::Court,
        Site::Hanweb,
        Site::TrueCms,
        Site::Trs,
    ];

    pub fn host(self) -> &'static str {
        match self {
            Site::County => "www.tongbai.sim",
            Site::City => "www.nanyang.sim",
            Site::Credit => "credit.nanyang.sim",
            Site::Court => "zxgk.court.sim",
            Site::Hanweb => "huaiyuan.tongbai.sim",
            Site::TrueCms => "fgw.tongbai.sim",
            Site::Trs => "dsj.nanyang.sim",
        }
    }

    pub fn from_host(host: &str) -> Option<Site> {
        let h = host
            .split(':')
            .next()
            .unwrap_or(host)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        Site::ALL.into_iter().find(|s| s.host() == h)
    }

    pub fn url(self, path: &str) -> String {
        format!("http://{}{}", self.host(), path)
    }
}

/// What a planted document stands for in the truth.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// `--scale` filler or ordinary content that no rule should pick up.
    Filler,
    /// Ordinary content planted beside the facts.
    Other,
    /// 权责清单 (T1).
    PowerList,
    /// 政府信息公开制度 (T4).
    DisclosureRules,
    /// Repost of city document `k` (T2.1).
    Repost(usize),
    /// Local counterpart of city document `k` (T2.1).
    Local(usize),
    /// One of the five city documents themselves.
    CityDocument(usize),
    /// 年度重大行政决策事项目录 of `year` (T2.2).
    Catalog(i32),
    /// 政府信息公开工作年度报告 of `year` (D4).
    AnnualReport(AnnualReport),
    /// 诚信教育 (T14, D13) or 诚信宣传 (D14) activity post.
    Activity(ActivityKind),
    /// A post that looks like an activity and must not match.
    Decoy,
    /// 分级分类监管结果 publication (D7).
    TieredSupervision,
    /// A notice; index into `Model::notices`.
    Notice(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Education,
    Publicity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnualReport {
    pub year: i32,
    pub new_requests: u32,
    pub carried_in: u32,
    pub concluded: u32,
    pub carried_out: u32,
    pub on_time: u32,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name as shown (淮源镇权责清单.xlsx).
    pub name: String,
    /// Decoded path on the site.
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub id: u64,
    pub site: Site,
    /// Column key (`xzxxgk/t-huaiyuan/qzqd`, `zwgk/tzgg`).
    pub column: String,
    pub unit: Option<usize>,
    pub title: String,
    /// Displayed publication time.
    pub published: NaiveDateTime,
    /// The date in the URL (upload date), which may differ from the displayed one.
    pub url_date: NaiveDate,
    /// When the document (or its last revision) appeared on the web: its Last-Modified.
    pub appeared: NaiveDate,
    pub source: String,
    /// HTML fragment of the body.
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// Page template 0 (A), 1 (B) or 2 (C).
    pub template: u8,
    pub role: Role,
}

impl Doc {
    /// The canonical path of the article.
    pub fn path(&self) -> String {
        article_path(self.site, &self.column, self.url_date, self.id)
    }

    pub fn url(&self) -> String {
        self.site.url(&self.path())
    }
}

/// The path of article `id` of a column on `site`, each platform's own shape.
pub fn article_path(site: Site, column: &str, url_date: NaiveDate, id: u64) -> String {
    match site {
        Site::City | Site::Trs => format!(
            "/{column}/{}/t{}_{id}.html",
            url_date.format("%Y%m"),
            url_date.format("%Y%m%d"),
        ),
        Site::Hanweb => format!(
            "/art/{}/{}/{}/art_{}_{id}.html",
            url_date.year(),
            url_date.month(),
            url_date.day(),
            super::hosting::hanweb_column_id(column)
        ),
        Site::TrueCms => format!(
            "/xxgk/{}/content_{id}.html",
            super::hosting::column_code(column)
        ),
        _ => format!("/{}/{id}.html", url_date.format("%Y/%m-%d")),
    }
}

/// Where `--scale` filler of a column comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillerSlot {
    None,
    Unit(usize),
    City,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub site: Site,
    pub key: String,
    pub name: String,
    pub unit: Option<usize>,
    /// Breadcrumb above the column name: (label, href).
    pub crumbs: Vec<(String, String)>,
    /// Planted documents, newest first.
    pub docs: Vec<usize>,
    pub filler: FillerSlot,
    pub bracket_dates: bool,
}

/// A name in a notice and what it resolves to.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub unit: Option<usize>,
    /// `prose` or `table`.
    pub place: &'static str,
    /// For 违背案例: whether the case is marked 已整改.
    pub handled: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeTopic {
    WebsiteInspection,
    NegativeList,
}

#[derive(Debug, Clone)]
pub struct Notice {
    pub doc: usize,
    /// `city` or `county`.
    pub level: &'static str,
    pub topic: NoticeTopic,
    pub named: Vec<Named>,
}

pub use super::registry::{Case, Record, CATEGORIES};

pub const PERIOD_START: (i32, u32, u32) = (2023, 1, 1);
pub const PERIOD_END: (i32, u32, u32) = (2023, 12, 30);
/// The simulated date of night 1.
pub const NIGHT_ONE: (i32, u32, u32) = (2024, 2, 1);
/// The date static pages (homes, indexes) last changed.
pub const SITE_BASE: (i32, u32, u32) = (2024, 1, 31);

pub const FILLER_BASE: u64 = 2_000_000;
/// The platform sites' planted ids start here (below `FILLER_BASE`, above the portals').
pub const OWN_ID_BASE: u64 = 1_500_000;
pub const CITY_FILLER_BASE: u64 = 9_000_000_000;
pub const PAGE_SIZE: usize = 20;

pub fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

pub fn at(date: NaiveDate, h: u32, m: u32, s: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap_or(NaiveTime::MIN))
}

pub fn in_period(d: NaiveDate) -> bool {
    d >= ymd(PERIOD_START) && d <= ymd(PERIOD_END)
}

/// The whole planted world.
pub struct Model {
    pub roster: Roster,
    pub seed: u64,
    pub scale: u64,
    pub night: u32,
    pub calendar: WorkCalendar,
    pub docs: Vec<Doc>,
    pub by_id: HashMap<u64, usize>,
    pub columns: Vec<Column>,
    pub column_index: HashMap<(Site, String), usize>,
    pub attachments: HashMap<(Site, String), (usize, usize)>,
    pub notices: Vec<Notice>,
    pub records: Vec<Record>,
    pub cases: Vec<Case>,
    /// Filler articles per unit (index = roster position).
    pub unit_filler: Vec<u64>,
    pub city_filler: u64,
    /// Which units carry which update pattern for the website inspection.
    pub patterns: super::patterns::Patterns,
    /// The units whose pages live on a platform site of their own.
    pub hosted: super::hosting::Hosted,
    next_id: u64,
    /// The platform sites' id counter between [`Model::with_own_ids`] calls: what they plant
    /// shifts no id of the portals, and none of their ids changes with the night.
    own_ids: Option<u64>,
}

impl Model {
    pub fn new(roster: Roster, seed: u64, scale: u64, night: u32) -> Model {
        let n = roster.units.len().max(1) as u64;
        let county = scale - scale / 10;
        let unit_filler = (0..n)
            .map(|u| county / n + u64::from(u < county % n))
            .collect();
        let mut m = Model {
            roster,
            seed,
            scale,
            night: night.max(1),
            calendar: WorkCalendar::official(),
            docs: Vec::new(),
            by_id: HashMap::new(),
            columns: Vec::new(),
            column_index: HashMap::new(),
            attachments: HashMap::new(),
            notices: Vec::new(),
            records: Vec::new(),
            cases: Vec::new(),
            unit_filler,
            city_filler: scale / 10,
            patterns: Default::default(),
            hosted: Default::default(),
            next_id: 700_000 + hash64(seed, "id-base") % 100_000,
            own_ids: None,
        };
        m.hosted = super::hosting::Hosted::of(&m.roster);
        super::plant::plant_all(&mut m);
        super::registry::plant_records(&mut m);
        super::registry::plant_cases(&mut m);
        m.with_own_ids(super::hosting::plant_sgs);
        super::hosting::move_units(&mut m);
        m.finish();
        m
    }

    /// Runs `f` with ids drawn from the platform sites' id space (below the filler's).
    pub fn with_own_ids(&mut self, f: impl FnOnce(&mut Model)) {
        let start = self
            .own_ids
            .unwrap_or(OWN_ID_BASE + hash64(self.seed, "own-id-base") % 10_000);
        let saved = std::mem::replace(&mut self.next_id, start);
        self.own_ids = Some(start);
        f(self);
        self.own_ids = Some(self.next_id);
        self.next_id = saved;
    }

    /// The site unit `u`'s 政府信息公开 pages are on.
    pub fn unit_site(&self, u: usize) -> Site {
        self.hosted.site_of(u)
    }

    pub fn night_date(&self, night: u32) -> NaiveDate {
        ymd(NIGHT_ONE) + Duration::days(i64::from(night.max(1)) - 1)
    }

    pub fn fresh_id(&mut self, rng: &mut Rng) -> u64 {
        self.next_id += 1 + rng.below(40);
        self.next_id
    }

    pub fn unit_section(&self, u: usize) -> &'static str {
        match self.roster.units[u].kind {
            Kind::Township => "xzxxgk",
            Kind::Department => "bmxxgk",
        }
    }

    /// Adds a column, returning its index.
    pub fn add_column(&mut self, c: Column) -> usize {
        let i = self.columns.len();
        self.column_index.insert((c.site, c.key.clone()), i);
        self.columns.push(c);
        i
    }

    pub fn column(&self, site: Site, key: &str) -> Option<&Column> {
        self.column_index
            .get(&(site, key.to_string()))
            .map(|&i| &self.columns[i])
    }

    /// Adds a planted document to its column.
    pub fn add_doc(&mut self, doc: Doc) -> usize {
        let i = self.docs.len();
        self.by_id.insert(doc.id, i);
        for (k, a) in doc.attachments.iter().enumerate() {
            self.attachments.insert((doc.site, a.path.clone()), (i, k));
        }
        if let Some(&c) = self.column_index.get(&(doc.site, doc.column.clone())) {
            self.columns[c].docs.push(i);
        }
        self.docs.push(doc);
        i
    }

    fn finish(&mut self) {
        let docs = &self.docs;
        for c in &mut self.columns {
            c.docs.sort_by(|&a, &b| {
                docs[b]
                    .published
                    .cmp(&docs[a].published)
                    .then(docs[a].id.cmp(&docs[b].id))
            });
        }
    }

    /// Number of filler articles of a slot.
    pub fn filler_count(&self, slot: FillerSlot) -> u64 {
        match slot {
            FillerSlot::None => 0,
            FillerSlot::Unit(u) => self.unit_filler.get(u).copied().unwrap_or(0),
            FillerSlot::City => self.city_filler,
        }
    }

    /// The id of filler article `j` of a slot.
    pub fn filler_id(&self, slot: FillerSlot, j: u64) -> u64 {
        match slot {
            FillerSlot::Unit(u) => FILLER_BASE + j * self.roster.units.len() as u64 + u as u64,
            _ => CITY_FILLER_BASE + j,
        }
    }

    /// Decodes a filler id back to its slot and index.
    pub fn filler_of(&self, id: u64) -> Option<(FillerSlot, u64)> {
        if id >= CITY_FILLER_BASE {
            let j = id - CITY_FILLER_BASE;
            return (j < self.city_filler).then_some((FillerSlot::City, j));
        }
        if id < FILLER_BASE {
            return None;
        }
        let n = self.roster.units.len() as u64;
        if n == 0 {
            return None;
        }
        let k = id - FILLER_BASE;
        let (u, j) = ((k % n) as usize, k / n);
        (j < self.filler_count(FillerSlot::Unit(u))).then_some((FillerSlot::Unit(u), j))
    }

    /// Displayed time and URL date of filler article `j`, without building it: list pages
    /// compare these to merge filler with planted documents.
    pub fn filler_times(&self, slot: FillerSlot, j: u64) -> (NaiveDateTime, NaiveDate, Rng) {
        let count = self.filler_count(slot).max(1);
        let id = self.filler_id(slot, j);
        let mut r = Rng::from_u64(self.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let span = 1090i64;
        let back = (j as i64 * span) / count as i64;
        let shift = match slot {
            FillerSlot::Unit(u) => self.patterns.filler_shift(u),
            _ => 0,
        };
        let date = ymd(SITE_BASE) - Duration::days(back + shift);
        // Later filler (higher j) is never newer: the time of day falls with j inside a day.
        let minute = 1079 - ((j * 7) % 600) as u32;
        let published = at(date, minute / 60, minute % 60, r.below(60) as u32);
        let url_date = if r.chance(0.1) {
            date + Duration::days(r.range(1, 3))
        } else {
            date
        };
        (published, url_date, r)
    }

    /// Filler article `j` of a slot, newest first (j = 0 is the newest).
    pub fn filler_doc(&self, slot: FillerSlot, j: u64) -> Doc {
        let id = self.filler_id(slot, j);
        let (published, url_date, mut r) = self.filler_times(slot, j);
        let date = published.date();
        let (unit, column, who) = match slot {
            FillerSlot::Unit(u) => {
                let unit = &self.roster.units[u];
                (
                    Some(u),
                    format!("{}/{}/gzdt", self.unit_section(u), unit.id),
                    unit.short.clone(),
                )
            }
            _ => (None, "xwzx/gzdt".to_string(), "南阳市".to_string()),
        };
        let (title, body) = super::text::filler_text(&mut r, &who, date.year());
        Doc {
            id,
            site: match slot {
                FillerSlot::Unit(u) => self.unit_site(u),
                _ => Site::City,
            },
            column,
            unit,
            source: match unit {
                Some(u) => self.roster.units[u].name.clone(),
                None => "南阳市人民政府办公室".into(),
            },
            title,
            published,
            url_date,
            appeared: url_date,
            body,
            attachments: Vec::new(),
            template: (r.below(3)) as u8,
            role: Role::Filler,
        }
    }

    /// The document with `id`, planted or filler.
    pub fn doc_by_id(&self, id: u64) -> Option<std::borrow::Cow<'_, Doc>> {
        if let Some(&i) = self.by_id.get(&id) {
            return Some(std::borrow::Cow::Borrowed(&self.docs[i]));
        }
        let (slot, j) = self.filler_of(id)?;
        Some(std::borrow::Cow::Owned(self.filler_doc(slot, j)))
    }

    /// Items of a column in list order for positions `[from, to)`, plus the newest URL date
    /// (when an item was uploaded) over positions `[0, to)`: the page's Last-Modified, since an
    /// insertion before a page shifts it
    /// and the total number of items.
    pub fn column_items(
        &self,
        c: &Column,
        from: usize,
        to: usize,
    ) -> (Vec<ListItem>, NaiveDate, usize) {
        let nf = self.filler_count(c.filler);
        let total = c.docs.len() + nf as usize;
        let mut out = Vec::new();
        let mut newest = ymd((2020, 1, 1));
        let (mut pi, mut fj) = (0usize, 0u64);
        let mut pos = 0usize;
        let mut next_filler: Option<(NaiveDateTime, NaiveDate)> = None;
        while pos < to.min(total) {
            if next_filler.is_none() && fj < nf {
                let (p, u, _) = self.filler_times(c.filler, fj);
                next_filler = Some((p, u));
            }
            let take_planted = match (c.docs.get(pi), &next_filler) {
                (Some(&d), Some((fp, _))) => self.docs[d].published >= *fp,
                (Some(_), None) => true,
                _ => false,
            };
            if take_planted {
                let d = &self.docs[c.docs[pi]];
                pi += 1;
                newest = newest.max(d.url_date);
                if pos >= from {
                    out.push(ListItem::of(d));
                }
            } else {
                let Some((_, url_date)) = next_filler.take() else {
                    break;
                };
                newest = newest.max(url_date);
                if pos >= from {
                    out.push(ListItem::of(&self.filler_doc(c.filler, fj)));
                }
                fj += 1;
            }
            pos += 1;
        }
        (out, newest, total)
    }
}

/// One row of a list page.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub published: NaiveDateTime,
    pub appeared: NaiveDate,
    pub title: String,
    pub path: String,
    pub id: u64,
}

impl ListItem {
    fn of(d: &Doc) -> ListItem {
        ListItem {
            published: d.published,
            appeared: d.url_date,
            title: d.title.clone(),
            path: d.path(),
            id: d.id,
        }
    }
}
