//! The ground truth of a simulated night: per unit and item the field values a perfect crawler
//! would derive (field names of `crawl-config/indicators/*.toml`, values as `fact::Value`), with
//! the URLs that prove them; every planted document, notice, 双公示 record and court case; and
//! every in-scope reachable URL. The derivation rules are documented in `docs/simweb.md`.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::model::*;
use super::plant::CITY_DOCS;
use crate::config::Kind;
use crate::fact::Value;

pub use super::inspection_truth::InspectionTruth;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub scale: u64,
    pub night: u32,
    pub period: PeriodTruth,
    pub hosts: Vec<String>,
    pub units: Vec<UnitTruth>,
    pub documents: Vec<DocumentTruth>,
    pub notices: Vec<NoticeTruth>,
    pub records: Vec<RecordTruth>,
    pub cases: Vec<CaseTruth>,
    /// Every in-scope reachable URL, sorted.
    pub urls: Vec<String>,
    /// Every unit's expected website inspection on the night (`inspection_truth.rs`).
    #[serde(default)]
    pub inspection: Vec<InspectionTruth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodTruth {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitTruth {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// The unit's 政府信息公开 home on the county portal.
    pub home: String,
    /// `utf-8` or `gbk`: the bytes of the unit's pages.
    pub encoding: String,
    /// What the `Content-Type` header says: `utf-8`, `none` or `iso-8859-1`.
    pub header_charset: String,
    /// Item id → the facts a perfect crawler derives.
    pub items: BTreeMap<String, ItemTruth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ItemTruth {
    pub fields: BTreeMap<String, Value>,
    /// The pages, attachments or records that prove the fields (empty for negative findings).
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentTruth {
    pub url: String,
    pub title: String,
    /// The displayed publication date (never the URL date).
    pub published_on: NaiveDate,
    pub url_date: NaiveDate,
    pub unit: Option<String>,
    pub column: String,
    /// What it is planted as: `T1`, `T4`, `T2.1-repost`, `T2.1-local`, `city-document`,
    /// `catalog-2023`, `annual-report-2023`, `activity-education`, `activity-publicity`, `decoy`,
    /// `D7`, `notice`, `other`.
    pub role: String,
    /// For T2.1 roles: the canonical name of the city document.
    pub city_document: Option<String>,
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedTruth {
    pub name: String,
    /// The roster id it resolves to; `None` for a name of no roster unit.
    pub unit: Option<String>,
    pub place: String,
    pub handled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeTruth {
    pub url: String,
    pub title: String,
    pub published_on: NaiveDate,
    pub level: String,
    /// `website_inspection` or `negative_list`.
    pub topic: String,
    pub in_period: bool,
    pub named: Vec<NamedTruth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordTruth {
    pub id: String,
    pub category: String,
    #[serde(rename = "type")]
    pub type_code: String,
    pub organ: String,
    pub unit: Option<String>,
    pub party: String,
    pub uscc: String,
    pub wsh: String,
    pub decided_on: NaiveDate,
    pub published_on: NaiveDate,
    pub in_period: bool,
    pub timely: bool,
    pub compliant: bool,
    pub problems: Vec<String>,
    /// The detail page and the JSON API page (`pageSize=20`) that carry the record.
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTruth {
    pub id: String,
    /// `zhixing` or `shixin`.
    pub list: String,
    pub party: String,
    pub unit: Option<String>,
    /// `self`, `subordinate`, `village` or `none`.
    pub relation: String,
    pub case_code: String,
    pub court: String,
    pub cause: String,
    pub listed_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
    pub dishonest: bool,
    pub resolved_within_month: bool,
    pub in_period: bool,
    pub url: String,
}

fn role_name(role: &Role) -> (String, Option<String>) {
    match role {
        Role::Filler => ("filler".into(), None),
        Role::Other => ("other".into(), None),
        Role::PowerList => ("T1".into(), None),
        Role::DisclosureRules => ("T4".into(), None),
        Role::Repost(k) => ("T2.1-repost".into(), Some(CITY_DOCS[*k].0.to_string())),
        Role::Local(k) => ("T2.1-local".into(), Some(CITY_DOCS[*k].0.to_string())),
        Role::CityDocument(k) => ("city-document".into(), Some(CITY_DOCS[*k].0.to_string())),
        Role::Catalog(y) => (format!("catalog-{y}"), None),
        Role::AnnualReport(r) => (format!("annual-report-{}", r.year), None),
        Role::Activity(ActivityKind::Education) => ("activity-education".into(), None),
        Role::Activity(ActivityKind::Publicity) => ("activity-publicity".into(), None),
        Role::Decoy => ("decoy".into(), None),
        Role::TieredSupervision => ("D7".into(), None),
        Role::Notice(_) => ("notice".into(), None),
    }
}

/// Encoding of a unit's pages: townships UTF-8; departments on the county portal GBK, the header
/// missing the charset or (every other department) naming ISO-8859-1.
pub fn unit_encoding(m: &Model, u: usize) -> (&'static str, &'static str) {
    let unit = &m.roster.units[u];
    // The platform sites are UTF-8 (the Hanweb site's one GBK column aside, docs/simweb.md).
    if unit.kind == Kind::Township || m.unit_site(u) != Site::County {
        return ("utf-8", "utf-8");
    }
    let pos = m
        .roster
        .of_kind(Kind::Department)
        .position(|x| x.id == unit.id)
        .unwrap_or(0);
    ("gbk", if pos % 2 == 0 { "none" } else { "iso-8859-1" })
}

/// Page (1-based) of a record in its category's list, `PAGE_SIZE` a page.
pub fn record_page(m: &Model, rec: &Record) -> usize {
    let pos = m
        .records
        .iter()
        .filter(|r| r.cat == rec.cat)
        .position(|r| r.id == rec.id)
        .unwrap_or(0);
    pos / PAGE_SIZE + 1
}

pub fn record_urls(m: &Model, rec: &Record) -> Vec<String> {
    let code = CATEGORIES[rec.cat].code;
    vec![
        Site::Credit.url(&format!("/sgs/{code}/{}.html", rec.id)),
        Site::Credit.url(&format!(
            "/api/sgs/list?type={code}&page={}&pageSize={PAGE_SIZE}",
            record_page(m, rec)
        )),
    ]
}

fn resolved_within_month(c: &Case) -> bool {
    let listed = c.listed_on();
    match (c.resolved, listed.checked_add_months(Months::new(1))) {
        (Some(r), Some(limit)) => r <= limit,
        _ => false,
    }
}

fn set(item: &mut ItemTruth, field: &str, v: Value) {
    item.fields.insert(field.to_string(), v);
}

fn int(n: usize) -> Value {
    Value::Int(n as u64)
}

pub fn build(m: &Model) -> Truth {
    let mut units = Vec::new();
    for (u, unit) in m.roster.units.iter().enumerate() {
        let docs: Vec<&Doc> = m.docs.iter().filter(|d| d.unit == Some(u)).collect();
        let (encoding, header) = unit_encoding(m, u);
        let mut items = BTreeMap::new();
        let with_role = |pred: &dyn Fn(&Role) -> bool| -> Vec<&Doc> {
            docs.iter().copied().filter(|d| pred(&d.role)).collect()
        };
        let proof = |ds: &[&Doc]| -> Vec<String> {
            let mut v: Vec<String> = ds.iter().map(|d| d.url()).collect();
            v.sort();
            v
        };
        let published_item = |ds: Vec<&Doc>| {
            let mut it = ItemTruth::default();
            set(&mut it, "published", Value::Bool(!ds.is_empty()));
            it.urls = proof(&ds);
            it
        };
        let activities = |kind: ActivityKind| {
            let ds: Vec<&Doc> = docs
                .iter()
                .copied()
                .filter(|d| d.role == Role::Activity(kind) && in_period(d.published.date()))
                .collect();
            let mut it = ItemTruth::default();
            set(
                &mut it,
                "activities",
                Value::list(ds.iter().map(|d| d.title.clone())),
            );
            it.urls = proof(&ds);
            it
        };
        let failures = |level: &str| {
            let mut it = ItemTruth::default();
            let mut n = 0;
            for notice in &m.notices {
                let d = &m.docs[notice.doc];
                if notice.level == level
                    && notice.topic == NoticeTopic::WebsiteInspection
                    && in_period(d.published.date())
                    && notice.named.iter().any(|x| x.unit == Some(u))
                {
                    n += 1;
                    it.urls.push(d.url());
                }
            }
            set(&mut it, "failures", int(n));
            it
        };
        let recs: Vec<&Record> = m
            .records
            .iter()
            .filter(|r| r.unit == Some(u) && r.in_period)
            .collect();
        let five_compliant = || {
            let mut it = ItemTruth::default();
            let mut cats = Vec::new();
            // Categories 2.. are the five 行政管理 categories (行政许可 and 行政处罚 come first).
            for (c, cat) in CATEGORIES.iter().enumerate().skip(2) {
                let of: Vec<&&Record> = recs.iter().filter(|r| r.cat == c).collect();
                if !of.is_empty() && of.iter().all(|r| r.compliant) {
                    cats.push(cat.label);
                    it.urls
                        .extend(of.iter().map(|r| record_urls(m, r)[0].clone()));
                }
            }
            set(&mut it, "compliant", Value::list(cats));
            it
        };
        let cases: Vec<&Case> = m
            .cases
            .iter()
            .filter(|c| c.unit == Some(u) && in_period(c.listed_on()))
            .collect();

        match unit.kind {
            Kind::Township => {
                items.insert(
                    "T1".into(),
                    published_item(with_role(&|r| *r == Role::PowerList)),
                );
                items.insert(
                    "T4".into(),
                    published_item(with_role(&|r| *r == Role::DisclosureRules)),
                );
                let mut t21 = ItemTruth::default();
                let reposts = with_role(&|r| matches!(r, Role::Repost(_)));
                let locals = with_role(&|r| matches!(r, Role::Local(_)));
                let names = |ds: &[&Doc]| {
                    Value::list(ds.iter().filter_map(|d| match d.role {
                        Role::Repost(k) | Role::Local(k) => Some(CITY_DOCS[k].0),
                        _ => None,
                    }))
                };
                set(&mut t21, "reposted", names(&reposts));
                set(&mut t21, "local", names(&locals));
                t21.urls = proof(&[reposts, locals].concat());
                items.insert("T2.1".into(), t21);
                let mut t22 = ItemTruth::default();
                let cats = with_role(&|r| *r == Role::Catalog(2023));
                set(&mut t22, "formulated", Value::Bool(!cats.is_empty()));
                if let Some(first) = cats.iter().map(|d| d.published.date()).min() {
                    set(&mut t22, "published_on", Value::Date(first));
                }
                t22.urls = proof(&cats);
                items.insert("T2.2".into(), t22);
                items.insert("T5".into(), failures("city"));
                let mut t61 = ItemTruth::default();
                set(&mut t61, "reported", int(recs.len()));
                set(
                    &mut t61,
                    "compliant",
                    int(recs.iter().filter(|r| r.compliant).count()),
                );
                set(
                    &mut t61,
                    "timely",
                    int(recs.iter().filter(|r| r.timely).count()),
                );
                t61.urls = recs.iter().map(|r| record_urls(m, r)[0].clone()).collect();
                items.insert("T6.1".into(), t61);
                items.insert("T6.2".into(), five_compliant());
                let mut t12 = ItemTruth::default();
                let (mut cases_n, mut handled) = (0, 0);
                for notice in m
                    .notices
                    .iter()
                    .filter(|n| n.topic == NoticeTopic::NegativeList)
                {
                    let d = &m.docs[notice.doc];
                    if !in_period(d.published.date()) {
                        continue;
                    }
                    for named in notice.named.iter().filter(|x| x.unit == Some(u)) {
                        cases_n += 1;
                        handled += usize::from(named.handled == Some(true));
                        t12.urls.push(d.url());
                    }
                }
                set(&mut t12, "cases", int(cases_n));
                set(&mut t12, "handled", int(handled));
                items.insert("T12".into(), t12);
                let mut t13 = ItemTruth::default();
                set(
                    &mut t13,
                    "dishonest_new",
                    int(cases.iter().filter(|c| c.dishonest).count()),
                );
                set(
                    &mut t13,
                    "executed_unresolved",
                    int(cases
                        .iter()
                        .filter(|c| !c.dishonest && !resolved_within_month(c))
                        .count()),
                );
                set(
                    &mut t13,
                    "executed_resolved",
                    int(cases
                        .iter()
                        .filter(|c| !c.dishonest && resolved_within_month(c))
                        .count()),
                );
                t13.urls = cases.iter().map(|c| Site::Court.url(&c.path())).collect();
                items.insert("T13".into(), t13);
                items.insert("T14".into(), activities(ActivityKind::Education));
            }
            Kind::Department => {
                items.insert("D3".into(), failures("county"));
                let reports = with_role(&|r| matches!(r, Role::AnnualReport(a) if a.year == 2023));
                if let Some(d) = reports.first() {
                    if let Role::AnnualReport(a) = d.role {
                        let mut d4 = ItemTruth::default();
                        set(
                            &mut d4,
                            "requests",
                            int((a.new_requests + a.carried_in) as usize),
                        );
                        set(&mut d4, "answered_on_time", int(a.on_time as usize));
                        set(&mut d4, "concluded", int(a.concluded as usize));
                        d4.urls = vec![d.url()];
                        items.insert("D4".into(), d4);
                    }
                }
                let mut d5 = ItemTruth::default();
                let late: Vec<&&Record> = recs.iter().filter(|r| !r.timely).collect();
                set(&mut d5, "late", int(late.len()));
                d5.urls = late.iter().map(|r| record_urls(m, r)[0].clone()).collect();
                items.insert("D5".into(), d5);
                items.insert("D6".into(), five_compliant());
                items.insert(
                    "D7".into(),
                    published_item(with_role(&|r| *r == Role::TieredSupervision)),
                );
                let mut d10 = ItemTruth::default();
                let breach: Vec<&&Case> = cases
                    .iter()
                    .filter(|c| c.cause.contains("合同纠纷"))
                    .collect();
                set(&mut d10, "cases", int(breach.len()));
                d10.urls = breach.iter().map(|c| Site::Court.url(&c.path())).collect();
                items.insert("D10".into(), d10);
                let mut d12 = ItemTruth::default();
                let dishonest: Vec<&&Case> = cases.iter().filter(|c| c.dishonest).collect();
                set(&mut d12, "listed", Value::Bool(!dishonest.is_empty()));
                d12.urls = dishonest
                    .iter()
                    .map(|c| Site::Court.url(&c.path()))
                    .collect();
                items.insert("D12".into(), d12);
                items.insert("D13".into(), activities(ActivityKind::Education));
                items.insert("D14".into(), activities(ActivityKind::Publicity));
            }
        }
        units.push(UnitTruth {
            id: unit.id.clone(),
            name: unit.name.clone(),
            kind: unit.kind,
            home: match m.unit_site(u) {
                Site::County => {
                    Site::County.url(&format!("/{}/{}/index.html", m.unit_section(u), unit.id))
                }
                site => site.url("/"),
            },
            encoding: encoding.into(),
            header_charset: header.into(),
            items,
        });
    }
    let uid = |u: Option<usize>| u.map(|u| m.roster.units[u].id.clone());
    let documents = m
        .docs
        .iter()
        .map(|d| {
            let (role, city_document) = role_name(&d.role);
            DocumentTruth {
                url: d.url(),
                title: d.title.clone(),
                published_on: d.published.date(),
                url_date: d.url_date,
                unit: uid(d.unit),
                column: d.column.clone(),
                role,
                city_document,
                attachments: d
                    .attachments
                    .iter()
                    .map(|a| d.site.url(&super::text::encode_path(&a.path)))
                    .collect(),
            }
        })
        .collect();
    let notices = m
        .notices
        .iter()
        .map(|n| {
            let d = &m.docs[n.doc];
            NoticeTruth {
                url: d.url(),
                title: d.title.clone(),
                published_on: d.published.date(),
                level: n.level.into(),
                topic: match n.topic {
                    NoticeTopic::WebsiteInspection => "website_inspection".into(),
                    NoticeTopic::NegativeList => "negative_list".into(),
                },
                in_period: in_period(d.published.date()),
                named: n
                    .named
                    .iter()
                    .map(|x| NamedTruth {
                        name: x.name.clone(),
                        unit: uid(x.unit),
                        place: x.place.into(),
                        handled: x.handled,
                    })
                    .collect(),
            }
        })
        .collect();
    let records = m
        .records
        .iter()
        .map(|r| RecordTruth {
            id: r.id.clone(),
            category: CATEGORIES[r.cat].label.into(),
            type_code: CATEGORIES[r.cat].code.into(),
            organ: r.organ.clone(),
            unit: uid(r.unit),
            party: r.party.clone(),
            uscc: r.uscc.clone(),
            wsh: r.wsh.clone(),
            decided_on: r.decided,
            published_on: r.published,
            in_period: r.in_period,
            timely: r.timely,
            compliant: r.compliant,
            problems: r.problems.clone(),
            urls: record_urls(m, r),
        })
        .collect();
    let cases = m
        .cases
        .iter()
        .map(|c| CaseTruth {
            id: c.id.clone(),
            list: c.list().into(),
            party: c.party.clone(),
            unit: uid(c.unit),
            relation: c.relation.into(),
            case_code: c.case_code.clone(),
            court: c.court.clone(),
            cause: c.cause.clone(),
            listed_on: c.listed_on(),
            resolved_on: c.resolved,
            dishonest: c.dishonest,
            resolved_within_month: resolved_within_month(c),
            in_period: in_period(c.listed_on()),
            url: Site::Court.url(&c.path()),
        })
        .collect();
    let mut urls = Vec::new();
    super::urls::for_each_url(m, &mut |u, _| urls.push(u));
    urls.sort();
    urls.dedup();
    Truth {
        seed: m.seed,
        scale: m.scale,
        night: m.night,
        period: PeriodTruth {
            start: ymd(PERIOD_START),
            end: ymd(PERIOD_END),
        },
        hosts: Site::ALL.iter().map(|s| s.host().to_string()).collect(),
        units,
        documents,
        notices,
        records,
        cases,
        urls,
        inspection: super::inspection_truth::build(m),
    }
}
