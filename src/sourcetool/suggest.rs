//! `govtrust source suggest`: a source definition for a site from its home page (and any list
//! endpoint the home page does not link). It samples the site politely through the crawl's fetch
//! stack — index pages of every address shape, a few of each from different parents, then an
//! article of several columns — and writes what it found: the platform by fingerprint
//! ([`super::fingerprint`]), a hub list that follows the links of the home page and the other
//! hubs, the column list with its item selector ([`super::items`]) and its pagination (the page
//! count from `#pageDec` or `createPageHTML`, whether page 2 is `index_1` or `index_2` and
//! whether `#pageDec` counts records or pages, both tried on the site), the article pattern
//! ([`super::shapes`]), the detail probes that answered on the sampled articles (a date only
//! where it is the date the list shows), and the unit: `--unit`, or the breadcrumb segment that
//! names a roster unit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::fingerprint::{detect, Platform};
use super::items::{guess, ItemGuess};
use super::shapes::{article_pattern, dirs, index_pattern, index_shape, kind, LinkKind};
use super::web::Web;
use crate::config::source::{Probe, Scope, Source, SourceFile};
use crate::config::{Problems, Project};
use crate::extract::dates::find_date;
use crate::extract::pager::parse_pager_call;
use crate::extract::probe::{element_text, first, Target};

/// How `source suggest` runs.
#[derive(Debug, Clone)]
pub struct SuggestOptions {
    /// The home page first, then any list endpoint it does not link.
    pub urls: Vec<Url>,
    /// The source's name (default: from the host).
    pub name: Option<String>,
    /// The roster unit the whole site belongs to (a township's or a bureau's own site).
    pub unit: Option<String>,
    /// Index pages sampled at most.
    pub max_pages: usize,
}

/// Index pages sampled per address shape.
const PER_SHAPE: usize = 6;
/// Articles sampled at most.
const ARTICLES: usize = 12;

/// The definition written and how it was found.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub name: String,
    pub toml: String,
    /// What the sampling saw, in 简体中文, one line each.
    pub log: Vec<String>,
    pub platforms: BTreeSet<Platform>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    #[error("没有给出网址")]
    NoUrls,
    #[error("首页 {0} 取不到：{1}")]
    Home(String, String),
    #[error("在抽样的 {0} 个页面里没有找到栏目列表（带文章链接和日期的重复条目）")]
    NoColumns(usize),
    #[error("生成的定义未通过检查：\n{0}")]
    Invalid(String),
}

struct Page {
    url: Url,
    text: String,
    items: Option<ItemGuess>,
    /// The platform whose preset reads its items (a Hanweb datastore, a TrueCMS answer).
    platform: Option<Platform>,
}

/// The HTML of a page's `<record>` CDATA fragments: in a `<script type="text/xml">`, an XML
/// body, or a JSON(P) string field (TrueCMS `;raw({"result":"<datastore>…"})`).
fn record_fragments(text: &str) -> String {
    let Ok(re) =
        Regex::new(r"(?s)<record(?:\s[^>]*)?>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>")
    else {
        return String::new();
    };
    let mut sources = vec![text.to_string()];
    if let Ok(j) =
        serde_json::from_str::<serde_json::Value>(crate::extract::list::strip_jsonp(text))
    {
        let mut stack = vec![&j];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::String(s) if s.contains("<record") => sources.push(s.clone()),
                serde_json::Value::Object(m) => stack.extend(m.values()),
                serde_json::Value::Array(a) => stack.extend(a.iter()),
                _ => {}
            }
        }
    }
    let mut out = String::new();
    for src in &sources {
        for c in re.captures_iter(src) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)) {
                out.push_str(m.as_str());
                out.push('\n');
            }
        }
    }
    out
}

/// The items of a page whose platform's preset reads them: the item element guessed from the
/// record fragments, then the page extracted through the preset as the crawl will.
fn platform_items(
    project: &Project,
    text: &str,
    url: &Url,
    web: &Web,
) -> Option<(Platform, ItemGuess)> {
    let found = detect(text);
    // A TrueCMS answer holds a datastore too: the JSONP shape is tried first.
    [Platform::TrueCms, Platform::Hanweb]
        .into_iter()
        .filter(|p| found.contains(p))
        .find_map(|pf| platform_items_as(pf, project, text, url, web))
}

fn platform_items_as(
    pf: Platform,
    project: &Project,
    text: &str,
    url: &Url,
    web: &Web,
) -> Option<(Platform, ItemGuess)> {
    let frags = record_fragments(text);
    if frags.is_empty() {
        return None;
    }
    let g = guess(&format!("<ul>{frags}</ul>"), url, web.normalizer())?;
    // Inside a fragment the item is its bare element (no ancestor with a class survives).
    let item = g.selector.rsplit(' ').next().unwrap_or("li").to_string();
    let def = format!(
        "[source]\nname = \"probe\"\n[scope]\nhosts = [{}]\n[[list]]\nname = \"p\"\nplatform = \"{}\"\nentries = [{}]\nitem = {}\n[[detail]]\nurl_pattern = '.'\ntitle = \"css:title\"\n",
        q(url.host_str().unwrap_or("")),
        pf.name(),
        q(url.as_str()),
        q(&item)
    );
    let f: SourceFile = toml::from_str(&def).ok()?;
    let presets = project
        .crawl
        .as_ref()
        .map(|c| c.presets.clone())
        .unwrap_or_default();
    let mut p = Problems::new(std::path::Path::new("probe.toml"));
    let src = Source::compile_with(
        std::path::Path::new("probe.toml"),
        f,
        &project.roster,
        &presets,
        &mut p,
    )?;
    if !p.is_empty() {
        return None;
    }
    let list = src.lists.first()?;
    let page = crate::extract::list::extract_list(list, url, text, web.normalizer()).ok()?;
    let links: Vec<(Url, Option<String>, Option<NaiveDate>)> = page
        .items
        .into_iter()
        .filter_map(|it| Some((it.link?, it.title, it.date)))
        .filter(|(u, _, _)| kind(u) == LinkKind::Article)
        .collect();
    if links.is_empty() {
        return None;
    }
    Some((
        pf,
        ItemGuess {
            selector: item,
            title: g.title,
            date: g.date,
            links,
        },
    ))
}

fn scope_of(urls: &[Url]) -> Scope {
    let hosts: BTreeSet<String> = urls
        .iter()
        .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
        .collect();
    Scope {
        hosts: hosts.into_iter().collect(),
        path_prefixes: vec!["/".into()],
        allow: Vec::new(),
        deny: Vec::new(),
    }
}

fn parent(u: &Url) -> String {
    let d = dirs(u);
    d[..d.len().saturating_sub(1)].join("/")
}

/// The first directory: a site's sections (乡镇信息公开 `/xzxxgk/`, 部门信息公开 `/bmxxgk/`).
fn top(u: &Url) -> String {
    dirs(u).into_iter().next().unwrap_or_default()
}

fn index_links(p: &Page, scope: &Scope, web: &Web) -> Vec<Url> {
    let doc = Html::parse_document(&p.text);
    let Ok(a) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for el in doc.select(&a) {
        let Some(u) = el
            .value()
            .attr("href")
            .and_then(|h| web.normalizer().join(&p.url, h))
        else {
            continue;
        };
        if !scope.hosts.iter().any(|h| Some(h.as_str()) == u.host_str()) || u.query().is_some() {
            continue;
        }
        if kind(&u) == LinkKind::Index {
            out.push(u);
        }
    }
    out
}

/// Suggests a definition for the site of `opts.urls`.
pub async fn suggest(
    project: &Project,
    web: &Web,
    opts: &SuggestOptions,
) -> Result<Suggestion, SuggestError> {
    let home = opts.urls.first().ok_or(SuggestError::NoUrls)?.clone();
    let scope = scope_of(&opts.urls);
    let mut log = Vec::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut shape_n: BTreeMap<String, usize> = BTreeMap::new();
    let mut parent_n: BTreeMap<String, usize> = BTreeMap::new();
    let mut top_n: BTreeMap<String, usize> = BTreeMap::new();
    let mut cands: Vec<(Url, usize)> = Vec::new();
    let mut extra_columns: Vec<(Url, Option<Platform>)> = Vec::new();
    for (i, u) in opts.urls.iter().enumerate() {
        seen.insert(u.to_string());
        let got = web.get(&scope, u).await.map_err(|m| {
            let why = match m {
                super::web::Missing::NotSaved => "没有保存的页面".to_string(),
                super::web::Missing::Failed(e) => e,
            };
            SuggestError::Home(u.to_string(), why)
        })?;
        let (items, platform) = if i == 0 {
            (None, None)
        } else {
            match guess(&got.text, &got.final_url, web.normalizer()) {
                Some(g) => (Some(g), None),
                None => match platform_items(project, &got.text, &got.final_url, web) {
                    Some((pf, g)) => (Some(g), Some(pf)),
                    None => (None, None),
                },
            }
        };
        if items.is_some() {
            extra_columns.push((u.clone(), platform));
        }
        let p = Page {
            url: got.final_url,
            text: got.text,
            items,
            platform,
        };
        for l in index_links(&p, &scope, web) {
            cands.push((l, 1));
        }
        pages.push(p);
    }
    // Index pages of each shape, from different parents first: the columns of several units,
    // not every column of one.
    while pages.len() < opts.max_pages.max(opts.urls.len()) {
        let pick = cands
            .iter()
            .enumerate()
            .filter(|(_, (u, _))| !seen.contains(u.as_str()))
            .filter(|(_, (u, _))| shape_n.get(&index_shape(u)).copied().unwrap_or(0) < PER_SHAPE)
            .min_by_key(|(i, (u, depth))| {
                (
                    shape_n.get(&index_shape(u)).copied().unwrap_or(0),
                    top_n
                        .get(&format!("{}\0{}", index_shape(u), top(u)))
                        .copied()
                        .unwrap_or(0),
                    parent_n.get(&parent(u)).copied().unwrap_or(0),
                    *depth,
                    *i,
                )
            })
            .map(|(i, _)| i);
        let Some(i) = pick else { break };
        let (u, depth) = cands[i].clone();
        seen.insert(u.to_string());
        *shape_n.entry(index_shape(&u)).or_default() += 1;
        *parent_n.entry(parent(&u)).or_default() += 1;
        *top_n
            .entry(format!("{}\0{}", index_shape(&u), top(&u)))
            .or_default() += 1;
        let Ok(got) = web.get(&scope, &u).await else {
            continue;
        };
        if !(200..300).contains(&got.status) {
            continue;
        }
        let (items, platform) = match guess(&got.text, &got.final_url, web.normalizer()) {
            Some(g) => (Some(g), None),
            None => match platform_items(project, &got.text, &got.final_url, web) {
                Some((pf, g)) => (Some(g), Some(pf)),
                None => (None, None),
            },
        };
        let p = Page {
            url: got.final_url,
            text: got.text,
            items,
            platform,
        };
        for l in index_links(&p, &scope, web) {
            if !seen.contains(l.as_str()) {
                cands.push((l, depth + 1));
            }
        }
        pages.push(p);
    }
    let mut platforms = BTreeSet::new();
    for p in &pages {
        platforms.extend(detect(&p.text));
    }
    let columns: Vec<&Page> = pages.iter().filter(|p| p.items.is_some()).collect();
    let hubs: Vec<&Page> = pages.iter().filter(|p| p.items.is_none()).collect();
    log.push(format!(
        "抽样 {} 个索引页：{} 个栏目页（有带日期的文章条目），{} 个导航页",
        pages.len(),
        columns.len(),
        hubs.len()
    ));
    for pf in &platforms {
        log.push(format!("平台特征：{}", pf.evidence()));
    }
    let paths = |v: &[&Page]| {
        let mut p: Vec<String> = v.iter().take(8).map(|x| x.url.path().to_string()).collect();
        if v.len() > 8 {
            p.push("…".into());
        }
        p.join(" ")
    };
    log.push(format!("  栏目页：{}", paths(&columns)));
    log.push(format!("  导航页：{}", paths(&hubs)));
    if columns.is_empty() {
        return Err(SuggestError::NoColumns(pages.len()));
    }
    // The item selector most column pages share; others joined to it.
    let html_columns: Vec<&Page> = columns
        .iter()
        .copied()
        .filter(|c| c.platform.is_none())
        .collect();
    let mut by_platform: BTreeMap<Platform, Vec<&Page>> = BTreeMap::new();
    for c in columns.iter().filter(|c| c.platform.is_some()) {
        if let Some(pf) = c.platform {
            by_platform.entry(pf).or_default().push(c);
        }
    }
    let mut selectors: BTreeMap<String, usize> = BTreeMap::new();
    for c in &html_columns {
        if let Some(g) = &c.items {
            *selectors.entry(g.selector.clone()).or_default() += 1;
        }
    }
    let mut sel: Vec<(String, usize)> = selectors.into_iter().collect();
    sel.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let item_selector = sel
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let first_guess = html_columns
        .iter()
        .filter_map(|c| c.items.as_ref())
        .find(|g| sel.first().is_some_and(|s| g.selector == s.0));
    let title_probes = first_guess
        .map(|g| g.title.clone())
        .unwrap_or_else(|| vec!["css:a".into()]);
    let date_probe = first_guess.and_then(|g| g.date.clone());
    if !html_columns.is_empty() {
        log.push(format!(
            "栏目条目：item = \"{item_selector}\"，标题 {}，日期 {}",
            title_probes.join("、"),
            date_probe.as_deref().unwrap_or("（列表上没有）")
        ));
    }
    for (pf, cs) in &by_platform {
        log.push(format!(
            "{} 栏目 {} 个：条目由预设 platform = \"{}\" 读取（item = \"{}\"）",
            pf.name(),
            cs.len(),
            pf.name(),
            cs[0].items.as_ref().map_or("li", |g| g.selector.as_str())
        ));
    }

    let col_dirs: Vec<Vec<String>> = html_columns
        .iter()
        .filter(|c| !extra_columns.iter().any(|(u, _)| *u == c.url))
        .map(|c| dirs(&c.url))
        .collect();
    let hub_dirs: Vec<Vec<String>> = hubs.iter().map(|h| dirs(&h.url)).collect();
    let column_pattern = index_pattern(&col_dirs, &hub_dirs);
    let other_hubs: Vec<Vec<String>> = hubs
        .iter()
        .filter(|h| h.url != pages[0].url)
        .map(|h| dirs(&h.url))
        .collect();
    let hub_pattern = index_pattern(&other_hubs, &[]);

    // Articles: their addresses from every column item; one page each of several columns.
    let mut article_paths: BTreeSet<String> = BTreeSet::new();
    for c in &columns {
        for (u, _, _) in &c
            .items
            .as_ref()
            .map(|g| g.links.clone())
            .unwrap_or_default()
        {
            article_paths.insert(u.path().to_string());
        }
    }
    let article = article_pattern(&article_paths.into_iter().collect::<Vec<_>>());
    let mut samples: Vec<ArticleSample> = Vec::new();
    // Round robin over sections and units: the first column of each, then the second…
    let mut rank: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut order: Vec<(usize, usize, &&Page)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let n = rank.entry((top(&c.url), parent(&c.url))).or_insert(0);
        order.push((*n, i, c));
        *n += 1;
    }
    let mut tops: BTreeMap<String, usize> = BTreeMap::new();
    let mut keyed: Vec<(usize, usize, usize, &&Page)> = order
        .into_iter()
        .map(|(n, i, c)| {
            let t = tops.entry(format!("{n}\0{}", top(&c.url))).or_insert(0);
            *t += 1;
            (n, *t, i, c)
        })
        .collect();
    keyed.sort_by_key(|(n, t, i, _)| (*n, *t, *i));
    let order: Vec<&&Page> = keyed.into_iter().map(|(_, _, _, c)| c).collect();
    for c in order {
        if samples.len() >= ARTICLES {
            break;
        }
        let Some(g) = &c.items else { continue };
        for (u, title, date) in g.links.iter().take(3) {
            if let Ok(got) = web.get(&scope, u).await {
                if (200..300).contains(&got.status) {
                    samples.push(ArticleSample {
                        text: got.text,
                        title: title.clone(),
                        date: *date,
                    });
                    break;
                }
            }
        }
    }
    log.push(format!(
        "抽样 {} 篇文章，文章网址 {}",
        samples.len(),
        article.as_deref().unwrap_or("（未知）")
    ));

    let pagination = pagination(web, &scope, &html_columns, &mut log).await;
    let fields = detail_probes(&samples);
    let column_field = breadcrumb_column(&samples);
    if column_field.is_some() {
        log.push("栏目名：面包屑的最后一段（证据规则按栏目名匹配）".into());
    }
    let unit_field = if opts.unit.is_some() {
        None
    } else {
        breadcrumb_unit(project, &samples)
    };
    match (&opts.unit, &unit_field) {
        (Some(u), _) => log.push(format!("单位：整个网站属于 {u}（--unit）")),
        (None, Some((_, n))) => log.push(format!(
            "单位：面包屑中的单位名（{n} 篇抽样文章能对应到名册）"
        )),
        (None, None) => {
            log.push("单位：没有找到能对应名册单位的面包屑，请用 --unit 或手写 unit_from".into())
        }
    }

    let host = home.host_str().unwrap_or("site").to_string();
    let name = opts.name.clone().unwrap_or_else(|| default_name(&host));
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Suggested by `govtrust source suggest {}` from {} sampled pages and {} articles.",
        opts.urls
            .iter()
            .map(Url::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        pages.len(),
        samples.len()
    );
    if !platforms.is_empty() {
        let _ = writeln!(
            t,
            "# Platform: {}.",
            platforms
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        t,
        "\n[source]\nname = {}\ndescription = {}\n",
        q(&name),
        q(&format!("{host}（source suggest 生成）"))
    );
    let _ = writeln!(
        t,
        "[scope]\nhosts = [{}]",
        scope
            .hosts
            .iter()
            .map(|h| q(h))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(t, "allow = ['(?i)\\.(pdf|docx?|xlsx?|wps|zip|rar)$']\n");
    let unit_line = opts
        .unit
        .as_ref()
        .map(|u| format!("unit = {}\n", q(u)))
        .unwrap_or_default();
    let _ = writeln!(
        t,
        "# Columns (checked before the hubs: a column's address may look like a hub's)."
    );
    if !html_columns.is_empty() {
        let _ = writeln!(t, "[[list]]\nname = \"栏目\"");
        if let Some(p) = &column_pattern {
            let _ = writeln!(t, "url_pattern = {}", lit(p));
        }
        let html_extra: Vec<String> = extra_columns
            .iter()
            .filter(|(_, pf)| pf.is_none())
            .map(|(u, _)| q(u.as_str()))
            .collect();
        if !html_extra.is_empty() {
            let _ = writeln!(t, "entries = [{}]", html_extra.join(", "));
        }
        let _ = writeln!(
            t,
            "item = {}\nlink = \"css:a@href\"\ntitle = [{}]",
            q(&item_selector),
            title_probes
                .iter()
                .map(|p| q(p))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(d) = &date_probe {
            let _ = writeln!(t, "date = {}", q(d));
        }
        t.push_str(&unit_line);
        if let Some(p) = &pagination {
            t.push_str(p);
        }
    }
    for (pf, cs) in &by_platform {
        let extra: Vec<String> = extra_columns
            .iter()
            .filter(|(_, p)| *p == Some(*pf))
            .map(|(u, _)| q(u.as_str()))
            .collect();
        let linked: Vec<Vec<String>> = cs
            .iter()
            .filter(|c| !extra_columns.iter().any(|(u, _)| *u == c.url))
            .map(|c| dirs(&c.url))
            .collect();
        let mut exclude = hub_dirs.clone();
        exclude.extend(col_dirs.iter().cloned());
        let _ = writeln!(
            t,
            "\n[[list]]\nname = \"栏目（{}）\"\nplatform = \"{}\"",
            pf.name(),
            pf.name()
        );
        if !linked.is_empty() {
            if let Some(p) = index_pattern(&linked, &exclude) {
                let _ = writeln!(t, "url_pattern = {}", lit(&p));
            }
        }
        if !extra.is_empty() {
            let _ = writeln!(t, "entries = [{}]", extra.join(", "));
        }
        let item = cs[0].items.as_ref().map_or("li", |g| g.selector.as_str());
        let _ = writeln!(t, "item = {}", q(item));
        t.push_str(&unit_line);
        // An endpoint given on the command line pages by its own query parameters.
        if let Some(p) = cs
            .iter()
            .find(|c| extra_columns.iter().any(|(u, _)| *u == c.url))
            .and_then(|c| query_pagination(&c.url, &c.text))
        {
            t.push_str(&p);
        }
    }
    let _ = writeln!(
        t,
        "\n# Hubs: the home page and the pages linking to columns."
    );
    let _ = writeln!(
        t,
        "[[list]]\nname = \"导航\"\nentries = [{}]",
        q(home.as_str())
    );
    if let Some(p) = &hub_pattern {
        let _ = writeln!(t, "url_pattern = {}", lit(p));
    }
    let _ = writeln!(t, "item = \"a\"\ntitle = \"css:a\"");
    t.push_str(&unit_line);
    if let Some(a) = &article {
        let _ = writeln!(t, "\n[[detail]]\nurl_pattern = {}", lit(a));
        for (k, ps) in &fields {
            let _ = writeln!(
                t,
                "{k} = [{}]",
                ps.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ")
            );
        }
        let _ = writeln!(t, "attachments = '(?i)\\.(pdf|docx?|xlsx?|wps|zip|rar)$'");
        if unit_field.is_some() {
            let _ = writeln!(t, "unit_from = [\"栏目单位\"]");
        }
        if unit_field.is_some() || column_field.is_some() {
            let _ = writeln!(t, "[detail.fields]");
        }
        if let Some((re, _)) = &unit_field {
            let _ = writeln!(t, "\"栏目单位\" = [{}]", lit(&format!("re:{re}")));
        }
        // The evidence rules know a document's column by this field's name.
        if let Some(re) = &column_field {
            let _ = writeln!(t, "\"栏目\" = [{}]", lit(&format!("re:{re}")));
        }
    }
    check(project, &name, &t)?;
    Ok(Suggestion {
        name,
        toml: t,
        log,
        platforms,
    })
}

fn default_name(host: &str) -> String {
    let parts: Vec<&str> = host
        .split('.')
        .filter(|p| !matches!(*p, "www" | "gov" | "cn" | "com" | "org" | "net"))
        .collect();
    let n = parts.join("-");
    let n: String = n
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if n.is_empty() {
        "site".into()
    } else {
        n
    }
}

/// A TOML basic string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML literal string where it can be one (regexes read as written), else basic.
fn lit(s: &str) -> String {
    if s.contains('\'') || s.contains('\n') {
        q(s)
    } else {
        format!("'{s}'")
    }
}

/// The text compiles as a source against the roster, as check-config would load it.
fn check(project: &Project, name: &str, text: &str) -> Result<(), SuggestError> {
    let path = std::path::PathBuf::from(format!("{name}.toml"));
    let f: SourceFile = toml::from_str(text).map_err(|e| SuggestError::Invalid(e.to_string()))?;
    let mut p = Problems::new(&path);
    let presets = project
        .crawl
        .as_ref()
        .map(|c| c.presets.clone())
        .unwrap_or_default();
    let _ = Source::compile_with(&path, f, &project.roster, &presets, &mut p);
    if p.is_empty() {
        Ok(())
    } else {
        Err(SuggestError::Invalid(
            p.into_vec()
                .iter()
                .map(|x| format!("  - {x}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    }
}

struct ArticleSample {
    text: String,
    title: Option<String>,
    date: Option<NaiveDate>,
}

const TITLE: &[&str] = &[
    "meta:ArticleTitle",
    "css:#article_title",
    "css:.article-box h1",
    "css:h1",
    "css:h2",
    "css:h3",
    "css:.title",
];
const DATE: &[&str] = &[
    "meta:PubDate",
    "label:发布时间",
    "label:发布日期",
    "label:时间",
    "label:日期",
];
const PUBLISHER: &[&str] = &[
    "meta:ContentSource",
    "css:#source",
    "label:发布机构",
    "label:来源",
    "label:信息来源",
];
const INDEX_NO: &[&str] = &["label:索引号"];
const DOC_NO: &[&str] = &["label:文号", "label:发文字号"];
const BODY: &[&str] = &[
    "css:#article_body",
    "css:.TRS_Editor",
    "css:#zoom",
    "css:.article_body",
    "css:.details-box",
    "css:.article-box",
    "css:.article-content",
    "css:.content",
];

/// The probes of each detail field that answered on the sampled articles: titles equal to the
/// list's where the list has titles, dates equal to the list's where it has dates.
fn detail_probes(samples: &[ArticleSample]) -> Vec<(&'static str, Vec<String>)> {
    let docs: Vec<Html> = samples
        .iter()
        .map(|s| Html::parse_document(&s.text))
        .collect();
    let texts: Vec<String> = docs
        .iter()
        .map(|d| element_text(d.root_element()))
        .collect();
    let value = |spec: &str, i: usize| -> Option<String> {
        let p = Probe::parse(spec).ok()?;
        let t = Target::new(docs[i].root_element(), &texts[i]);
        first(std::slice::from_ref(&p), &t)
    };
    let keep = |cands: &[&str], ok: &dyn Fn(&str, usize, &str) -> bool| -> Vec<String> {
        cands
            .iter()
            .filter(|c| {
                let answers: Vec<(usize, String)> = (0..samples.len())
                    .filter_map(|i| value(c, i).map(|v| (i, v)))
                    .collect();
                !answers.is_empty() && answers.iter().all(|(i, v)| ok(c, *i, v))
            })
            .map(|c| c.to_string())
            .collect()
    };
    let norm = |s: &str| s.split_whitespace().collect::<String>();
    let title_ok = |_: &str, i: usize, v: &str| {
        samples[i].title.as_deref().is_none_or(|t| {
            norm(t) == norm(v) || norm(v).starts_with(&norm(t).trim_end_matches('…').to_string())
        })
    };
    let date_ok = |_: &str, i: usize, v: &str| {
        let d = find_date(v);
        d.is_some() && samples[i].date.is_none_or(|x| Some(x) == d)
    };
    let any = |_: &str, _: usize, _: &str| true;
    let mut out = Vec::new();
    let mut title = keep(TITLE, &title_ok);
    if title.is_empty() {
        title.push("css:title".into());
    }
    out.push(("title", title));
    let date = keep(DATE, &date_ok);
    if !date.is_empty() {
        out.push(("date", date));
    }
    for (k, c) in [
        ("publisher", PUBLISHER),
        ("index_no", INDEX_NO),
        ("doc_no", DOC_NO),
        ("body", BODY),
    ] {
        let v = keep(c, &any);
        if !v.is_empty() {
            out.push((k, v));
        }
    }
    out
}

const BREADCRUMB: &str =
    r"(当前所在位置|当前位置|您的位置|所在位置)[:：]?\s*((?:[^>\s]+\s*>\s*)+[^>\s]+)";

/// A breadcrumb regex capturing its last segment, the column's name, when the sampled
/// articles have a breadcrumb (the segments have no spaces, so the match ends with it).
fn breadcrumb_column(samples: &[ArticleSample]) -> Option<String> {
    let re = Regex::new(BREADCRUMB).ok()?;
    let label = samples.iter().find_map(|s| {
        let doc = Html::parse_document(&s.text);
        let text = element_text(doc.root_element());
        re.captures(&text).map(|c| c[1].to_string())
    })?;
    Some(format!(
        r"{}[:：]?\s*(?:[^>\s]+\s*>\s*)+([^>\s]+)",
        regex::escape(&label)
    ))
}

/// A breadcrumb regex capturing the segment that names a roster unit, and on how many sampled
/// articles it resolved: `当前所在位置: 首页 > 乡镇信息公开 > 淮源镇 > 权责清单`.
fn breadcrumb_unit(project: &Project, samples: &[ArticleSample]) -> Option<(String, usize)> {
    let re = Regex::new(
        r"(当前所在位置|当前位置|您的位置|所在位置)[:：]?\s*((?:[^>\s]+\s*>\s*)+[^>\s]+)",
    )
    .ok()?;
    let mut label = None;
    let mut prefixes: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut depth = None;
    let mut hits = 0;
    for s in samples {
        let doc = Html::parse_document(&s.text);
        let text = element_text(doc.root_element());
        let Some(c) = re.captures(&text) else {
            continue;
        };
        let segs: Vec<String> = c[2].split('>').map(|x| x.trim().to_string()).collect();
        let Some(k) = (1..segs.len()).find(|&k| project.roster.resolve(&segs[k]).is_ok()) else {
            continue;
        };
        if depth.is_some_and(|d| d != k) {
            continue;
        }
        depth = Some(k);
        label = Some(c[1].to_string());
        hits += 1;
        for (i, seg) in segs[..k].iter().enumerate() {
            prefixes.entry(i).or_default().insert(seg.clone());
        }
    }
    let k = depth?;
    let mut re = format!(r"{}[:：]?\s*", regex::escape(&label?));
    for i in 0..k {
        let vals: Vec<String> = prefixes
            .get(&i)
            .map(|v| v.iter().map(|x| regex::escape(x)).collect())
            .unwrap_or_default();
        let alt = if vals.len() == 1 {
            vals[0].clone()
        } else {
            format!("(?:{})", vals.join("|"))
        };
        let _ = write!(re, r"{alt}\s*>\s*");
    }
    re.push_str(r"([^>]+?)\s*>");
    Some((re, hits))
}

/// The column list's `[list.pagination]`, read from the sampled column pages and tried on the
/// site: page 2 as `index_1` or `index_2`, and whether `#pageDec` counts records or pages.
async fn pagination(
    web: &Web,
    scope: &Scope,
    columns: &[&Page],
    log: &mut Vec<String>,
) -> Option<String> {
    let dec = Selector::parse("#pageDec").ok()?;
    struct Dec {
        url: Url,
        count: u64,
        size: Option<u64>,
    }
    let mut decs = Vec::new();
    let mut scripts = Vec::new();
    for c in columns {
        let doc = Html::parse_document(&c.text);
        if let Some(el) = doc.select(&dec).next() {
            if let Some(n) = el
                .value()
                .attr("pagecount")
                .and_then(|v| v.trim().parse().ok())
            {
                let size = el
                    .value()
                    .attr("pagesize")
                    .and_then(|v| v.trim().parse().ok());
                decs.push(Dec {
                    url: c.url.clone(),
                    count: n,
                    size,
                });
            }
        } else if let Some(call) = parse_pager_call(&c.text, "createPageHTML") {
            scripts.push((c.url.clone(), call.page_count));
        }
    }
    let exists = |u: Url| async move {
        web.get(scope, &u)
            .await
            .is_ok_and(|g| (200..300).contains(&g.status))
    };
    // Page 2's name, tried where a column has more than one page.
    let second = |urls: Vec<Url>| async move {
        let found: u32 = 'found: {
            for u in urls {
                if let Ok(p) = u.join("index_1.html") {
                    if exists(p).await {
                        break 'found 1;
                    }
                }
                if let Ok(p) = u.join("index_2.html") {
                    if exists(p).await {
                        break 'found 2;
                    }
                }
            }
            1
        };
        found
    };
    if !decs.is_empty() {
        let multi: Vec<Url> = decs
            .iter()
            .filter(|d| d.count > d.size.unwrap_or(1))
            .map(|d| d.url.clone())
            .take(3)
            .collect();
        let second = second(multi).await;
        // Records or pages: where the two readings differ, the page after the records' last.
        let mut records = decs.iter().any(|d| d.size.is_some());
        if let Some(d) = decs.iter().find(|d| {
            d.size
                .is_some_and(|s| s > 0 && d.count.div_ceil(s) < d.count)
        }) {
            let pages = d.count.div_ceil(d.size.unwrap_or(1));
            let n = pages + 1 - 2 + u64::from(second);
            if let Ok(u) = d.url.join(&format!("index_{n}.html")) {
                records = !exists(u).await;
            }
        }
        log.push(format!(
            "分页：#pageDec 的 pagecount {}，第 2 页是 index_{second}.html",
            if records {
                "是记录数（pagesize 条一页）"
            } else {
                "是页数"
            }
        ));
        let per = if records {
            ", per_page_attr = \"pagesize\""
        } else {
            ""
        };
        return Some(format!(
            "[list.pagination]\nkind = \"template\"\nfirst = \"index.html\"\npattern = \"index_{{n}}.html\"\nsecond = {second}\ncount = {{ from = \"attr\", selector = \"#pageDec\", attr = \"pagecount\"{per} }}\n"
        ));
    }
    if !scripts.is_empty() {
        let multi: Vec<Url> = scripts
            .iter()
            .filter(|(_, n)| *n > 1)
            .map(|(u, _)| u.clone())
            .take(3)
            .collect();
        let second = second(multi).await;
        log.push(format!(
            "分页：createPageHTML(…) 给出页数，第 2 页是 index_{second}.html"
        ));
        return Some(format!(
            "[list.pagination]\nkind = \"template\"\nfirst = \"index.html\"\npattern = \"index_{{n}}.html\"\nsecond = {second}\ncount = {{ from = \"pager_script\", function = \"createPageHTML\" }}\n"
        ));
    }
    // A "下一页" link with a class of its own.
    let a = Selector::parse("a[href]").ok()?;
    for c in columns.iter() {
        let doc = Html::parse_document(&c.text);
        for el in doc.select(&a) {
            let text = element_text(el);
            let href = el.value().attr("href").unwrap_or("");
            if !(text.contains("下一页") || text == "下页") || href.starts_with("javascript") {
                continue;
            }
            if let Some(class) = el.value().classes().find(|k| {
                !k.is_empty()
                    && k.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            }) {
                log.push(format!("分页：“下一页”链接 a.{class}"));
                return Some(format!(
                    "[list.pagination]\nkind = \"next_link\"\nlink = \"css:a.{class}@href\"\n"
                ));
            }
        }
    }
    if !columns.is_empty() {
        log.push("分页：栏目页上没有 #pageDec、createPageHTML 或“下一页”链接，按一页处理".into());
    }
    None
}

/// Query pagination for a JSON(P) list endpoint given on the command line: its page and size
/// parameters (`page=1&rows=5`) and the record total of its answer.
fn query_pagination(url: &Url, text: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let page = pairs.iter().find(|(k, _)| {
        matches!(
            k.as_str(),
            "page" | "pageNo" | "pageNum" | "pageIndex" | "p" | "curpage"
        )
    })?;
    let size = pairs.iter().find(|(k, v)| {
        matches!(
            k.as_str(),
            "rows" | "size" | "pageSize" | "perpage" | "limit"
        ) && v.parse::<u32>().is_ok()
    });
    let j: serde_json::Value =
        serde_json::from_str(crate::extract::list::strip_jsonp(text)).ok()?;
    let total = ["total", "totalCount", "totalRecord", "count", "totalrecord"]
        .iter()
        .find(|k| {
            j.get(**k)
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .is_some()
        })?;
    let mut t = format!(
        "[list.pagination]\nkind = \"query\"\nparam = {}\nfirst = {}\n",
        q(&page.0),
        page.1.parse::<u32>().unwrap_or(1)
    );
    match size {
        Some((k, v)) => {
            let _ = writeln!(t, "size_param = {}\nsize = {v}\ncount = {{ from = \"json\", path = {}, per_page = {v} }}", q(k), q(total));
        }
        None => {
            let _ = writeln!(t, "count = {{ from = \"json\", path = {} }}", q(total));
        }
    }
    Some(t)
}
