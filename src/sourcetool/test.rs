//! `govtrust source test`: what each list and detail of a source definition yields on real
//! pages. A list page shows its items (title, date, unit, link and where the link leads), the
//! page count it read, the further requests the crawl would make, and per probe on how many
//! items it answered; a detail page shows every field with the probe that answered it. Where a
//! selector matched nothing the note names the key and what the page holds instead
//! ([`super::diagnose`]).
//!
//! The extraction is the crawl's own (`extract::list`, `extract::detail`): which probe
//! answered is found by extracting again with each probe alone, so the answer holds for every
//! payload kind the extractor knows without a second implementation of it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;
use url::Url;

use super::describe;
use super::diagnose;
use super::web::{Got, Missing, Web};
use crate::config::source::{Detail, List, Probe, Source};
use crate::config::source::{Method, Pagination, Piece};
use crate::config::Project;
use crate::crawl::request::identity;
use crate::crawl::scope::{check_follow, check_request};
use crate::extract::detail::extract_detail;
use crate::extract::list::{extract_list_page, ListItem, ListPage, PageAt};
use crate::extract::pager::{later_pages, plan_requests, PageRequest};
use crate::extract::{AttachmentRef, Document, DocumentKind};
use crate::store::frontier::ItemContext;

/// How `source test` runs.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// Pages to test; empty: walk the definition from its entries.
    pub urls: Vec<Url>,
    /// The most pages a walk fetches (the site's politeness is kept whatever this is).
    pub max_pages: usize,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            urls: Vec::new(),
            max_pages: 40,
        }
    }
}

/// What `source test` found, page by page.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub source: String,
    pub file: String,
    pub pages: Vec<PageReport>,
    /// Lists and detail shapes of the definition that no tested page was of.
    pub untested: Vec<String>,
    /// Detail pages the walk passed over for another item of the same list (a dead link).
    pub skipped: Vec<String>,
    /// Requests sent (0 offline).
    pub requests: u32,
    /// Lists without items, details without a title or date, pages not there.
    pub problems: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum PageReport {
    List(ListReport),
    Detail(DetailReport),
    /// A page no list or detail of the definition is for.
    Unmatched {
        url: String,
    },
    /// A page that could not be had.
    Missing {
        url: String,
        key: Option<String>,
        why: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct PageInfo {
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub charset: String,
    pub bytes: usize,
    /// The saved file the page was read from (offline).
    pub saved: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListReport {
    /// `list[3]`
    pub key: String,
    pub name: String,
    pub page: PageInfo,
    pub items: Vec<ItemReport>,
    /// Pages the list declares (template, query and request pagination).
    pub page_count: Option<u32>,
    /// The next page's URL (next-link pagination).
    pub next: Option<String>,
    /// Values captured from the page (`[list.captures]`) that requests are filled from.
    pub captures: BTreeMap<String, String>,
    /// Whether the page was read as a response to one of the list's requests.
    pub request_response: bool,
    /// The further pages the crawl would request from this page as the list's first.
    pub requests: Vec<RequestReport>,
    /// Per probe, on how many items it answered.
    pub probes: Vec<ProbeUse>,
    pub notes: Vec<String>,
    pub problems: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemReport {
    pub title: Option<String>,
    pub date: Option<String>,
    pub link: Option<String>,
    /// Where the link leads: `detail[0]`, `list[2] 栏目`, 范围外 …
    pub goes_to: String,
    pub unit: Option<String>,
    pub fields: BTreeMap<String, String>,
    /// Per field (`title`, `date`, `link`, `fields.文号`), the probe that answered.
    pub answered_by: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbeUse {
    /// `list[3].title`
    pub key: String,
    pub probe: String,
    pub answered: usize,
    pub of: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestReport {
    pub page: u32,
    /// The crawl's identity of the request (a POST's body after `#post:`).
    pub identity: Url,
    pub method: String,
    pub url: String,
    pub form: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetailReport {
    /// `detail[0]`
    pub key: String,
    pub page: PageInfo,
    /// The list whose item linked here (its unit and title apply).
    pub from_list: Option<String>,
    pub fields: Vec<FieldReport>,
    pub attachments: Vec<AttachmentRef>,
    pub unit: Option<String>,
    pub unit_basis: Option<String>,
    pub body_chars: usize,
    pub notes: Vec<String>,
    pub problems: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldReport {
    /// `detail[0].title`
    pub key: String,
    pub value: Option<String>,
    /// The probe that answered (`列表条目` when the list item's value stood in).
    pub probe: Option<String>,
    /// Every probe declared for the field, in order.
    pub tried: Vec<String>,
    /// When no probe answered: what the page has instead (meta names, labels, matches).
    pub hint: Option<String>,
}

/// One page to test, with what the walk knows of it.
/// Detail pages a walk tries per list and detail shape before it reports a failure.
const DETAIL_TRIES: usize = 4;
/// Pages a walk tests per list (a hub's first pages reach the columns of a unit).
const LIST_PAGES: usize = 3;
/// Details a walk tests per list and detail shape (a county column's and a unit column's).
const DETAILS_PER_LIST: usize = 2;

struct Task {
    url: Url,
    /// A response to the list's request pagination, not a page of the list's own payload.
    request: bool,
    /// The list it is a page of, or the list whose item linked it (a detail).
    list: Option<usize>,
    context: Option<ItemContext>,
}

enum Role {
    List(usize),
    Detail(usize),
    None,
}

fn role(source: &Source, url: &Url, web: &Web) -> Role {
    let nz = web.normalizer();
    let norm = |u: &Url| nz.normalize(u.clone()).unwrap_or_else(|| u.clone());
    let u = norm(url);
    if let Some((i, _)) = source.entries().find(|(_, e)| norm(e) == u) {
        return Role::List(i);
    }
    if let Some(i) = source.list_for(url) {
        return Role::List(i);
    }
    match source.detail_for(url) {
        Some((i, _)) => Role::Detail(i),
        None => Role::None,
    }
}

/// The list whose request pagination asks the endpoint of `url` (a `--url` of a saved
/// dataproxy answer): the request template's path before its query.
fn request_of(source: &Source, url: &Url) -> Option<usize> {
    source.lists.iter().position(|l| match &l.pagination {
        Some(Pagination::Request { url: t, .. }) => match t.0.first() {
            Some(Piece::Text(text)) => {
                let path = text.split('?').next().unwrap_or("");
                !path.is_empty() && (url.path() == path || url.path().ends_with(path))
            }
            _ => false,
        },
        _ => false,
    })
}

/// Tests `source` on the given pages, or walks it from its entries.
pub async fn test(project: &Project, source: &Source, web: &Web, opts: &TestOptions) -> TestReport {
    let settings = project.crawl.as_ref().map(|c| &c.settings);
    let max_pages_per_list = settings.map_or(500, |s| s.max_pages_per_list);
    let mut report = TestReport {
        source: source.name.clone(),
        file: source.file.display().to_string(),
        pages: Vec::new(),
        untested: Vec::new(),
        skipped: Vec::new(),
        requests: 0,
        problems: 0,
    };
    let walking = opts.urls.is_empty();
    let mut queue: VecDeque<Task> = VecDeque::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    if walking {
        for (i, l) in source.lists.iter().enumerate() {
            if let Some(e) = l.entries.first() {
                if seen.insert(e.to_string()) {
                    queue.push_back(Task {
                        url: e.clone(),
                        request: false,
                        list: Some(i),
                        context: None,
                    });
                }
            }
        }
    } else {
        for u in &opts.urls {
            if seen.insert(u.to_string()) {
                queue.push_back(Task {
                    url: u.clone(),
                    request: false,
                    list: None,
                    context: None,
                });
            }
        }
    }
    // Per list, its pages tested or queued.
    let mut lists_done: BTreeMap<usize, usize> = BTreeMap::new();
    // Per (list, detail shape): candidates queued, and whether one was answered. A list's
    // first item may be a dead link; the walk tries up to three.
    let mut details_queued: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut details_done: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut details_any: BTreeSet<usize> = BTreeSet::new();
    let mut fetched = 0usize;
    while let Some(task) = queue.pop_front() {
        if walking && fetched >= opts.max_pages {
            break;
        }
        let mut task = task;
        let r = match (task.request, task.list) {
            (true, Some(li)) => Role::List(li),
            _ => match role(source, &task.url, web) {
                Role::None => match request_of(source, &task.url) {
                    Some(li) => {
                        task.request = true;
                        task.list = Some(li);
                        Role::List(li)
                    }
                    None => Role::None,
                },
                r => r,
            },
        };
        let key = match r {
            Role::List(i) => Some(format!("list[{i}]")),
            Role::Detail(i) => Some(format!("detail[{i}]")),
            Role::None => None,
        };
        if let (Role::Detail(di), Some(li), true) = (&r, task.list, walking) {
            if details_done.get(&(li, *di)).copied().unwrap_or(0) >= DETAILS_PER_LIST {
                continue;
            }
        }
        if matches!(r, Role::None) {
            report.pages.push(PageReport::Unmatched {
                url: task.url.to_string(),
            });
            report.problems += 1;
            continue;
        }
        fetched += 1;
        let got = match web.get(&source.scope, &task.url).await {
            Ok(g) => g,
            Err(m) => {
                let why = match m {
                    Missing::NotSaved => "没有保存的页面（离线）".to_string(),
                    Missing::Failed(e) => format!("抓取失败：{e}"),
                };
                report.pages.push(PageReport::Missing {
                    url: task.url.to_string(),
                    key,
                    why,
                });
                report.problems += 1;
                continue;
            }
        };
        match r {
            Role::List(li) => {
                if !walking || task.request {
                    *lists_done.entry(li).or_insert(0) += 1;
                } else {
                    lists_done.entry(li).or_insert(1);
                }
                let list = &source.lists[li];
                let at = if task.request {
                    PageAt::Request
                } else {
                    PageAt::List
                };
                let entry_captures = task
                    .context
                    .as_ref()
                    .map(|c| c.fields.clone())
                    .unwrap_or_default();
                let (lr, page) = list_report(
                    project,
                    source,
                    li,
                    &task.url,
                    &got,
                    web,
                    max_pages_per_list,
                    at,
                    &entry_captures,
                );
                let captures = lr.captures.clone();
                // The walk reads the first request too: its answer is where the items are.
                let first_request = lr.requests.first().map(|r| r.identity.clone());
                report.problems += lr.problems;
                report.pages.push(PageReport::List(lr));
                if !walking {
                    continue;
                }
                if let Some(u) = first_request.filter(|_| !task.request) {
                    if seen.insert(u.to_string()) {
                        queue.push_front(Task {
                            url: u,
                            request: true,
                            list: Some(li),
                            // The entry's captures fill the requests its first answer plans.
                            context: Some(ItemContext {
                                title: None,
                                date: None,
                                fields: captures,
                            }),
                        });
                    }
                }
                // The walk goes on to the first pages of each list and each detail shape
                // (per list: a list's unit applies to its details) its items lead to; a
                // detail from each list page, so the details come from several.
                let mut from_page: BTreeMap<usize, usize> = BTreeMap::new();
                for item in page.items {
                    let Some(link) = item.link.clone() else {
                        continue;
                    };
                    if list.records || check_request(&source.scope, &link).is_err() {
                        continue;
                    }
                    let next = match role(source, &link, web) {
                        Role::List(t) if lists_done.get(&t).copied().unwrap_or(0) < LIST_PAGES => {
                            *lists_done.entry(t).or_insert(0) += 1;
                            Some(Task {
                                url: link,
                                request: false,
                                list: Some(t),
                                context: None,
                            })
                        }
                        Role::Detail(d)
                            if {
                                let here = from_page.entry(d).or_insert(0);
                                let n = details_queued.entry((li, d)).or_insert(0);
                                let take = *here < 1 && *n < DETAIL_TRIES + DETAILS_PER_LIST;
                                if take {
                                    *here += 1;
                                    *n += 1;
                                }
                                take
                            } =>
                        {
                            Some(Task {
                                url: link,
                                request: false,
                                list: Some(li),
                                context: Some(ItemContext {
                                    title: item.title.clone(),
                                    date: item.date,
                                    fields: item.fields.clone(),
                                }),
                            })
                        }
                        _ => None,
                    };
                    if let Some(t) = next {
                        if seen.insert(t.url.to_string()) {
                            queue.push_back(t);
                        }
                    }
                }
            }
            Role::Detail(di) => {
                if let Some(li) = task.list.filter(|_| walking) {
                    let another = queue.iter().any(|t| {
                        t.list == Some(li)
                            && matches!(role(source, &t.url, web), Role::Detail(d) if d == di)
                    });
                    if !(200..300).contains(&got.status) && another {
                        report
                            .skipped
                            .push(format!("HTTP {} {}", got.status, task.url));
                        continue;
                    }
                    *details_done.entry((li, di)).or_insert(0) += 1;
                }
                details_any.insert(di);
                let dr = detail_report(project, source, di, &task, &got, web);
                report.problems += dr.problems;
                report.pages.push(PageReport::Detail(dr));
            }
            Role::None => {}
        }
    }
    for (i, l) in source.lists.iter().enumerate() {
        if !lists_done.contains_key(&i) {
            report.untested.push(format!("list[{i}] {}", l.name));
        }
    }
    for i in 0..source.details.len() {
        if !details_any.contains(&i) {
            report.untested.push(format!("detail[{i}]"));
        }
    }
    report.requests = web.requests();
    report
}

fn page_info(url: &Url, got: &Got) -> PageInfo {
    PageInfo {
        url: url.to_string(),
        final_url: got.final_url.to_string(),
        status: got.status,
        charset: got.charset.to_string(),
        bytes: got.bytes,
        saved: got.saved.as_ref().map(|p| p.display().to_string()),
    }
}

/// The values of one item field, by name (`link`, `title`, `date`, `fields.X`).
fn item_value(item: &ListItem, field: &str) -> Option<String> {
    match field {
        "link" => item.link.as_ref().map(Url::to_string),
        "title" => item.title.clone(),
        "date" => item.date.map(|d| d.to_string()),
        f => f
            .strip_prefix("fields.")
            .and_then(|k| item.fields.get(k).cloned()),
    }
}

/// A copy of `list` whose `field` has only `probe`.
fn with_probe(list: &List, field: &str, probe: &Probe) -> List {
    let mut l = list.clone();
    let one = vec![probe.clone()];
    match field {
        "link" => l.link = one,
        "title" => l.title = one,
        "date" => l.date = one,
        f => {
            if let Some(k) = f.strip_prefix("fields.") {
                l.fields.insert(k.to_string(), one);
            }
        }
    }
    l
}

fn list_fields(list: &List) -> Vec<(String, Vec<Probe>)> {
    let mut v = vec![
        ("link".to_string(), list.link.clone()),
        ("title".to_string(), list.title.clone()),
        ("date".to_string(), list.date.clone()),
    ];
    for (k, ps) in &list.fields {
        v.push((format!("fields.{k}"), ps.clone()));
    }
    v.retain(|(_, ps)| !ps.is_empty());
    v
}

fn goes_to(source: &Source, link: &Url) -> String {
    if check_request(&source.scope, link).is_err() {
        return "范围外（不抓取）".to_string();
    }
    if let Some(t) = source.list_for(link) {
        return format!("list[{t}] {}", source.lists[t].name);
    }
    if let Some((d, _)) = source.detail_for(link) {
        return format!("detail[{d}]");
    }
    if check_follow(&source.scope, link).is_ok() {
        return "scope.allow（附件等，抓取但不解析）".to_string();
    }
    "不跟随（无匹配的 list/detail/allow）".to_string()
}

#[allow(clippy::too_many_arguments)]
fn list_report(
    project: &Project,
    source: &Source,
    li: usize,
    url: &Url,
    got: &Got,
    web: &Web,
    max_pages_per_list: u32,
    at: PageAt,
    entry_captures: &BTreeMap<String, String>,
) -> (ListReport, ListPage) {
    let list = &source.lists[li];
    let key = format!("list[{li}]");
    let nz = web.normalizer();
    let mut notes = Vec::new();
    let mut problems = 0;
    if !(200..300).contains(&got.status) {
        notes.push(format!("HTTP 状态 {}", got.status));
        problems += 1;
    }
    let page = match extract_list_page(list, &got.final_url, &got.text, nz, usize::MAX, at) {
        Ok(p) => p,
        Err(e) => {
            notes.push(format!(
                "{key}：载荷无法解析（{e}）；正文是 {}",
                diagnose::page_contents(&got.text)
            ));
            problems += 1;
            ListPage::default()
        }
    };
    if page.items.is_empty() && notes.is_empty() {
        notes.push(format!(
            "{key}：{}",
            diagnose::empty_list(list, &got.text, at)
        ));
        problems += 1;
    }
    // Which probe answered each field of each item: the list extracted again with that probe
    // alone; the first probe whose value is the one the full list gave.
    let mut answered_by: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); page.items.len()];
    let mut uses = Vec::new();
    for (field, ps) in list_fields(list) {
        let mut counts = vec![0usize; ps.len()];
        let alone: Vec<Vec<ListItem>> = if ps.len() == 1 {
            vec![page.items.clone()]
        } else {
            ps.iter()
                .map(|p| {
                    extract_list_page(
                        &with_probe(list, &field, p),
                        &got.final_url,
                        &got.text,
                        nz,
                        usize::MAX,
                        at,
                    )
                    .map(|x| x.items)
                    .unwrap_or_default()
                })
                .collect()
        };
        let mut any = false;
        for (j, item) in page.items.iter().enumerate() {
            let Some(v) = item_value(item, &field) else {
                continue;
            };
            any = true;
            if let Some(i) = (0..ps.len())
                .find(|&i| alone[i].get(j).and_then(|x| item_value(x, &field)) == Some(v.clone()))
            {
                counts[i] += 1;
                answered_by[j].insert(field.clone(), describe::probe(&ps[i]));
            }
        }
        for (i, p) in ps.iter().enumerate() {
            uses.push(ProbeUse {
                key: format!("{key}.{field}"),
                probe: describe::probe(p),
                answered: counts[i],
                of: page.items.len(),
            });
        }
        if !any && !page.items.is_empty() {
            notes.push(diagnose::unanswered(
                &format!("{key}.{field}"),
                &ps,
                page.items.len(),
            ));
            // A hub's items need no date; a list of links does need its links.
            if field != "fields" && !field.starts_with("fields.") {
                problems += 1;
            }
        }
    }
    let items: Vec<ItemReport> = page
        .items
        .iter()
        .zip(answered_by)
        .map(|(it, by)| {
            let unit = if list.records {
                record_unit(project, source, list, url, it)
            } else {
                list.unit.clone()
            };
            ItemReport {
                title: it.title.clone(),
                date: it.date.map(|d| d.to_string()),
                link: it.link.as_ref().map(Url::to_string),
                goes_to: match &it.link {
                    Some(l) if !list.records => goes_to(source, l),
                    Some(_) => "记录（本身即文档）".to_string(),
                    None if list.records => "记录（本身即文档）".to_string(),
                    None => "无链接".to_string(),
                },
                unit,
                fields: it.fields.clone(),
                answered_by: by,
            }
        })
        .collect();
    let mut requests = Vec::new();
    if let Some(p) = &list.pagination {
        let cap = p.max_pages().unwrap_or(u32::MAX).min(max_pages_per_list);
        if matches!(p, Pagination::Request { .. }) {
            // As the crawl queues them (one library function for both): the entry every
            // request its count names, or the first alone, whose answer plans the rest.
            let (page_no, captures) = match at {
                PageAt::List => (1, page.captures.clone()),
                PageAt::Request => (2, entry_captures.clone()),
            };
            if at == PageAt::List && page.page_count.is_none() {
                notes.push(format!(
                    "{key}.pagination：入口页上没有读到页数，先请求第一个，由它的回答计数"
                ));
            }
            let plan = plan_requests(p, url, page_no, page.page_count, &captures, cap);
            if let Some(c) = plan.capped {
                notes.push(format!(
                    "{key}.pagination：请求页超过页数上限 {c}，更早的条目不会抓取"
                ));
            }
            if let Some(e) = plan.error {
                notes.push(format!("{key}.pagination：请求无法生成（{e}）"));
                problems += 1;
            }
            for (no, r) in plan.requests {
                let Some(u) = nz.normalize(r.url.clone()) else {
                    continue;
                };
                let r = PageRequest { url: u, ..r };
                requests.push(RequestReport {
                    page: no,
                    identity: identity(&r),
                    method: match r.method {
                        Method::Get => "GET".into(),
                        Method::Post => "POST".into(),
                    },
                    url: r.url.to_string(),
                    form: r.form.iter().cloned().collect(),
                });
            }
        } else if let Some(count) = page.page_count {
            for (i, u) in later_pages(p, url, count, cap).into_iter().enumerate() {
                if let Some(u) = nz.normalize(u) {
                    requests.push(RequestReport {
                        page: i as u32 + 2,
                        identity: u.clone(),
                        method: "GET".into(),
                        url: u.to_string(),
                        form: BTreeMap::new(),
                    });
                }
            }
            if count > cap {
                notes.push(format!(
                    "{key}.pagination：共 {count} 页，超过页数上限 {cap}，更早的条目不会抓取"
                ));
            }
        } else if page.next.is_none() && !page.items.is_empty() {
            notes.push(format!(
                "{key}.pagination：页面上没有读到页数或下一页（只有一页，或分页设置不对）"
            ));
        }
    }
    let report = ListReport {
        key,
        name: list.name.clone(),
        page: page_info(url, got),
        items,
        page_count: page.page_count,
        next: page.next.as_ref().map(Url::to_string),
        captures: page.captures.clone(),
        request_response: at == PageAt::Request,
        requests,
        probes: uses,
        notes,
        problems,
    };
    (report, page)
}

fn record_unit(
    project: &Project,
    source: &Source,
    list: &List,
    url: &Url,
    item: &ListItem,
) -> Option<String> {
    let mut d = blank_document(source, url, DocumentKind::Record);
    d.title = item.title.clone();
    d.fields = item.fields.clone();
    d.list = Some(list.name.clone());
    d.attribute(list.unit.as_deref(), &list.unit_from, &project.roster);
    d.unit.or(d.unit_basis)
}

fn blank_document(source: &Source, url: &Url, kind: DocumentKind) -> Document {
    Document {
        id: String::new(),
        source: source.name.clone(),
        list: None,
        kind,
        url: url.to_string(),
        page_url: url.to_string(),
        snapshot: String::new(),
        title: None,
        published: None,
        publisher: None,
        index_no: None,
        doc_no: None,
        body: String::new(),
        attachments: Vec::new(),
        unit: None,
        unit_basis: None,
        fields: BTreeMap::new(),
        run: 0,
        extracted_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
    }
}

/// A detail's fields by name, with their probes.
fn detail_fields(d: &Detail) -> Vec<(String, Vec<Probe>)> {
    let mut v = vec![
        ("title".to_string(), d.title.clone()),
        ("date".to_string(), d.date.clone()),
        ("publisher".to_string(), d.publisher.clone()),
        ("index_no".to_string(), d.index_no.clone()),
        ("doc_no".to_string(), d.doc_no.clone()),
        ("body".to_string(), d.body.clone()),
    ];
    for (k, ps) in &d.fields {
        v.push((format!("fields.{k}"), ps.clone()));
    }
    v.retain(|(_, ps)| !ps.is_empty());
    v
}

fn with_detail_probe(d: &Detail, field: &str, p: &Probe) -> Detail {
    let mut x = d.clone();
    let one = vec![p.clone()];
    match field {
        "title" => x.title = one,
        "date" => x.date = one,
        "publisher" => x.publisher = one,
        "index_no" => x.index_no = one,
        "doc_no" => x.doc_no = one,
        "body" => x.body = one,
        f => {
            if let Some(k) = f.strip_prefix("fields.") {
                x.fields.insert(k.to_string(), one);
            }
        }
    }
    x
}

fn detail_value(f: &crate::extract::detail::DetailFields, field: &str) -> Option<String> {
    match field {
        "title" => f.title.clone(),
        "date" => f.published.map(|d| d.to_string()),
        "publisher" => f.publisher.clone(),
        "index_no" => f.index_no.clone(),
        "doc_no" => f.doc_no.clone(),
        "body" => (!f.body.is_empty()).then(|| f.body.clone()),
        other => other
            .strip_prefix("fields.")
            .and_then(|k| f.fields.get(k).cloned()),
    }
}

fn detail_report(
    project: &Project,
    source: &Source,
    di: usize,
    task: &Task,
    got: &Got,
    web: &Web,
) -> DetailReport {
    let detail = &source.details[di];
    let key = format!("detail[{di}]");
    let nz = web.normalizer();
    let f = extract_detail(detail, &got.final_url, &got.text, nz);
    let ctx = task.context.clone().unwrap_or_default();
    let list = task.list.and_then(|i| source.lists.get(i));
    let mut notes = Vec::new();
    let mut problems = 0;
    if !(200..300).contains(&got.status) {
        // A dead link is the site's fault (the inspection counts it), not the definition's.
        notes.push(format!(
            "HTTP 状态 {}：链接失效，页面没有可取的字段",
            got.status
        ));
    }
    let mut fields = Vec::new();
    for (field, ps) in detail_fields(detail) {
        let value = detail_value(&f, &field);
        let probe = value.as_ref().and_then(|v| {
            ps.iter()
                .find(|p| {
                    let alone = with_detail_probe(detail, &field, p);
                    detail_value(
                        &extract_detail(&alone, &got.final_url, &got.text, nz),
                        &field,
                    )
                    .as_ref()
                        == Some(v)
                })
                .map(describe::probe)
        });
        let mut value = value;
        let mut probe = probe;
        // The crawl takes the list item's title and date where the page has none.
        if value.is_none() && field == "title" && ctx.title.is_some() {
            value = ctx.title.clone();
            probe = Some("列表条目".into());
        }
        if value.is_none() && field == "date" && ctx.date.is_some() {
            value = ctx.date.map(|d| d.to_string());
            probe = Some("列表条目".into());
        }
        let mut hint = None;
        if value.is_none() && (200..300).contains(&got.status) {
            let h = diagnose::detail_hint(&got.text, &ps);
            // A notice has no 文号: only a page without title or date is a problem.
            if field == "title" || field == "date" {
                notes.push(format!(
                    "{key}.{field}：{} 都没有取到值{h}",
                    describe::probes(&ps)
                ));
                problems += 1;
            }
            hint = (!h.is_empty()).then(|| h.trim_start_matches('；').to_string());
        }
        fields.push(FieldReport {
            key: format!("{key}.{field}"),
            value: value.map(|v| shorten(&v, 200)),
            probe,
            tried: ps.iter().map(describe::probe).collect(),
            hint,
        });
    }
    let mut d = blank_document(source, &task.url, DocumentKind::Article);
    d.list = list.map(|l| l.name.clone());
    d.title = f.title.clone().or(ctx.title.clone());
    d.publisher = f.publisher.clone();
    d.index_no = f.index_no.clone();
    d.doc_no = f.doc_no.clone();
    let mut all = ctx.fields.clone();
    all.extend(f.fields.clone());
    d.fields = all;
    let fixed = list
        .and_then(|l| l.unit.as_deref())
        .or(detail.unit.as_deref());
    let mut from = detail.unit_from.clone();
    if let Some(l) = list {
        from.extend(l.unit_from.iter().cloned());
    }
    d.attribute(fixed, &from, &project.roster);
    if d.unit.is_none() && (fixed.is_some() || !from.is_empty()) {
        notes.push(format!(
            "{key}：未能对应单位（{}）",
            d.unit_basis
                .clone()
                .unwrap_or_else(|| format!("unit_from {} 都没有值", from.join("、")))
        ));
    }
    DetailReport {
        key,
        page: page_info(&task.url, got),
        from_list: list.map(|l| l.name.clone()),
        fields,
        attachments: f.attachments.clone(),
        unit: d.unit,
        unit_basis: d.unit_basis,
        body_chars: f.body.chars().count(),
        notes,
        problems,
    }
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}
