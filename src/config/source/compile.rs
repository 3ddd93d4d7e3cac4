//! Compiling a loose [`SourceFile`](super::SourceFile) part by part: selectors, regexes,
//! probes, templates and roster unit ids checked, every problem pushed with its key.

use std::collections::BTreeMap;

use regex::Regex;
use scraper::Selector;
use url::Url;

use super::{
    Capture, Count, CountSpec, Detail, DetailSpec, Inner, InnerSpec, List, ListSpec, Method,
    OneOrMany, Pagination, PaginationSpec, Payload, PayloadSpec, PolitenessSpec, Probe, Scope,
    Template, REQUEST_COUNTERS, STANDARD_FIELDS,
};
use crate::config::{Problems, Roster};

pub(crate) fn check_politeness(pol: &PolitenessSpec, at: &str, p: &mut Problems) {
    if let Some(r) = pol.rate_per_s {
        if !(r.is_finite() && r > 0.0) {
            p.push(
                format!("{at}.rate_per_s"),
                "a rate is a positive number of requests per second",
            );
        }
    }
    if pol.rate_per_s.is_some() && pol.delay_ms.is_some() {
        p.push(at.to_string(), "give rate_per_s or delay_ms, not both");
    }
    if pol.delay_ms == Some(0) {
        p.push(format!("{at}.delay_ms"), "a delay is at least 1 ms");
    }
    if pol.concurrency == Some(0) {
        p.push(format!("{at}.concurrency"), "concurrency is at least 1");
    }
}

pub(super) fn regexes(v: &[String], at: &str, p: &mut Problems) -> Vec<Regex> {
    v.iter()
        .enumerate()
        .filter_map(|(i, r)| match Regex::new(r) {
            Ok(re) => Some(re),
            Err(e) => {
                p.push(format!("{at}[{i}]"), format!("bad regex: {e}"));
                None
            }
        })
        .collect()
}

fn probes(v: &OneOrMany, at: &str, json: bool, p: &mut Problems) -> Vec<Probe> {
    v.items()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match Probe::parse(s) {
            Ok(pr) if pr.is_json_kind() != json => {
                let want = if json {
                    "json: or tpl:"
                } else {
                    "css:, meta:, label: or re:"
                };
                p.push(
                    format!("{at}[{i}]"),
                    format!("{s:?}: this payload takes {want} probes"),
                );
                None
            }
            Ok(pr) => Some(pr),
            Err(e) => {
                p.push(format!("{at}[{i}]"), e);
                None
            }
        })
        .collect()
}

fn selector(s: &str, at: &str, p: &mut Problems) -> Option<Selector> {
    match Selector::parse(s) {
        Ok(sel) => Some(sel),
        Err(e) => {
            p.push(at.to_string(), format!("bad CSS selector {s:?}: {e}"));
            None
        }
    }
}

fn check_unit(unit: &Option<String>, at: &str, roster: &Roster, p: &mut Problems) {
    if let Some(u) = unit {
        if roster.get(u).is_none() {
            p.push(
                at.to_string(),
                format!("{u:?} is not a unit id of the roster"),
            );
        }
    }
}

fn check_unit_from(
    from: &[String],
    fields: &BTreeMap<String, OneOrMany>,
    at: &str,
    p: &mut Problems,
) {
    for (i, f) in from.iter().enumerate() {
        if !STANDARD_FIELDS.contains(&f.as_str()) && !fields.contains_key(f) {
            p.push(
                format!("{at}[{i}]"),
                format!(
                    "{f:?} is neither a document field ({}) nor a declared field",
                    STANDARD_FIELDS.join(", ")
                ),
            );
        }
    }
}

pub(super) fn compile_list(
    l: &ListSpec,
    at: &str,
    scope: &Scope,
    roster: &Roster,
    p: &mut Problems,
) -> Option<List> {
    let mut entries = Vec::new();
    if l.entries.is_empty() && l.url_pattern.is_none() {
        p.push(
            format!("{at}.entries"),
            "a list needs entry URLs or a url_pattern by which links reach it",
        );
    }
    let url_pattern = l.url_pattern.as_ref().and_then(|r| match Regex::new(r) {
        Ok(re) => Some(re),
        Err(e) => {
            p.push(format!("{at}.url_pattern"), format!("bad regex: {e}"));
            None
        }
    });
    for (i, e) in l.entries.iter().enumerate() {
        match Url::parse(e) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                let host = u.host_str().unwrap_or("").to_ascii_lowercase();
                if !scope.hosts.contains(&host) {
                    p.push(
                        format!("{at}.entries[{i}]"),
                        format!("host {host:?} is not in scope.hosts"),
                    );
                }
                entries.push(u);
            }
            Ok(u) => p.push(
                format!("{at}.entries[{i}]"),
                format!("scheme {:?} is not http(s)", u.scheme()),
            ),
            Err(err) => p.push(format!("{at}.entries[{i}]"), format!("{e:?}: {err}")),
        }
    }
    let payload_spec = l.payload.clone().unwrap_or_default();
    let payload = compile_payload(&payload_spec, &format!("{at}.payload"), p)?;
    let json = payload.is_json();
    // An XML record is an item in itself when no selector picks items inside it.
    let whole_records = matches!(
        payload,
        Payload::Xml { .. }
            | Payload::ScriptXml { .. }
            | Payload::Fragment {
                inner: Inner::Xml { .. },
                ..
            }
    );
    let item = match (&l.item, json) {
        (Some(s), false) => selector(s, &format!("{at}.item"), p),
        (None, false) if whole_records => None,
        (None, false) => {
            p.push(
                format!("{at}.item"),
                "html and script_xml lists need an item selector",
            );
            None
        }
        (Some(_), true) => {
            p.push(
                format!("{at}.item"),
                "json lists use `items` (a JSON path), not `item`",
            );
            None
        }
        (None, true) => None,
    };
    let items: Vec<String> = match (&l.items, json) {
        (Some(path), true) => path
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        (None, true) => {
            p.push(
                format!("{at}.items"),
                "json lists need `items`, the dotted path of the item array",
            );
            Vec::new()
        }
        (Some(_), false) => {
            p.push(
                format!("{at}.items"),
                "`items` is for json payloads; use `item`",
            );
            Vec::new()
        }
        (None, false) => Vec::new(),
    };
    let records = l.records.unwrap_or(false);
    let mut link = probes(&l.link, &format!("{at}.link"), json, p);
    if link.is_empty() && !json && matches!(l.link, OneOrMany::None) {
        if let Ok(pr) = Probe::parse("css:a@href") {
            link.push(pr);
        }
    }
    if link.is_empty() && !records {
        p.push(
            format!("{at}.link"),
            "lists of links need a link probe (or set records = true)",
        );
    }
    let title = probes(&l.title, &format!("{at}.title"), json, p);
    let date = probes(&l.date, &format!("{at}.date"), json, p);
    let fields = l
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), probes(v, &format!("{at}.fields.{k}"), json, p)))
        .collect();
    let record_key = l.record_key.as_ref().and_then(|s| match Probe::parse(s) {
        Ok(pr) => Some(pr),
        Err(e) => {
            p.push(format!("{at}.record_key"), e);
            None
        }
    });
    check_unit(&l.unit, &format!("{at}.unit"), roster, p);
    check_unit_from(&l.unit_from, &l.fields, &format!("{at}.unit_from"), p);
    let captures: BTreeMap<String, Capture> = l
        .captures
        .iter()
        .filter_map(|(k, v)| {
            let key = format!("{at}.captures.{k}");
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                p.push(key.clone(), "a capture's name is letters, digits or '_'");
            }
            if REQUEST_COUNTERS.contains(&k.as_str()) {
                p.push(key.clone(), format!("{k:?} is a page counter's name"));
            }
            match Capture::parse(v) {
                Ok(c) => Some((k.clone(), c)),
                Err(e) => {
                    p.push(key, e);
                    None
                }
            }
        })
        .collect();
    let pagination = l
        .pagination
        .as_ref()
        .and_then(|pg| compile_pagination(pg, &format!("{at}.pagination"), json, &l.captures, p));
    if let Some(Pagination::Request {
        payload: Some(inner),
        ..
    }) = &pagination
    {
        if inner.is_json() != json {
            p.push(
                format!("{at}.pagination.payload"),
                "the responses' payload must take the same probes as the list's (both JSON records, or both HTML)",
            );
        }
    }
    Some(List {
        name: l.name.clone(),
        entries,
        url_pattern,
        payload,
        item,
        items,
        link,
        title,
        date,
        fields,
        records,
        record_key,
        unit: l.unit.clone(),
        unit_from: l.unit_from.clone(),
        pagination,
        captures,
        column_kind: l.column_kind,
        platform: l.platform.clone(),
    })
}

fn xml_name(name: &str, at: &str, p: &mut Problems) {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        p.push(at.to_string(), "an XML element name");
    }
}

fn compile_payload(spec: &PayloadSpec, at: &str, p: &mut Problems) -> Option<Payload> {
    Some(match spec {
        PayloadSpec::Html => Payload::Html,
        PayloadSpec::Json { fragment, inner } | PayloadSpec::Jsonp { fragment, inner } => {
            let jsonp = matches!(spec, PayloadSpec::Jsonp { .. });
            match (fragment, inner) {
                (None, None) if jsonp => Payload::Jsonp,
                (None, None) => Payload::Json,
                (Some(path), inner) => {
                    let path: Vec<String> = path
                        .split('.')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    if path.is_empty() {
                        p.push(
                            format!("{at}.fragment"),
                            "the dotted JSON path of the fragment",
                        );
                    }
                    let inner = match inner {
                        None | Some(InnerSpec::Html) => Inner::Html,
                        Some(InnerSpec::Xml { record }) => {
                            xml_name(record, &format!("{at}.inner.record"), p);
                            Inner::Xml {
                                record: record.clone(),
                            }
                        }
                    };
                    Payload::Fragment { jsonp, path, inner }
                }
                (None, Some(_)) => {
                    p.push(
                        format!("{at}.inner"),
                        "an inner payload reads a `fragment`: name its JSON path",
                    );
                    return None;
                }
            }
        }
        PayloadSpec::ScriptXml { script, record } => {
            xml_name(record, &format!("{at}.record"), p);
            Payload::ScriptXml {
                script: selector(script, &format!("{at}.script"), p)?,
                record: record.clone(),
            }
        }
        PayloadSpec::Xml { record } => {
            xml_name(record, &format!("{at}.record"), p);
            Payload::Xml {
                record: record.clone(),
            }
        }
    })
}

fn compile_count(c: &CountSpec, at: &str, p: &mut Problems) -> Option<Count> {
    match c {
        CountSpec::Attr {
            selector: s,
            attr,
            per_page_attr,
        } => Some(Count::Attr {
            selector: selector(s, &format!("{at}.selector"), p)?,
            attr: attr.clone(),
            per_page_attr: per_page_attr.clone(),
        }),
        CountSpec::PagerScript { function } => {
            if function.is_empty()
                || !function
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            {
                p.push(format!("{at}.function"), "a JavaScript function name");
                return None;
            }
            Some(Count::PagerScript {
                function: function.clone(),
            })
        }
        CountSpec::Json { path, per_page } => {
            if *per_page == Some(0) {
                p.push(format!("{at}.per_page"), "per_page is at least 1");
            }
            Some(Count::Json {
                path: path.split('.').map(str::to_string).collect(),
                per_page: *per_page,
            })
        }
        CountSpec::Xml { element, per_page } => {
            xml_name(element, &format!("{at}.element"), p);
            if *per_page == Some(0) {
                p.push(format!("{at}.per_page"), "per_page is at least 1");
            }
            Some(Count::Xml {
                element: element.clone(),
                per_page: *per_page,
            })
        }
        CountSpec::Capture { name, per_page } => {
            if *per_page == Some(0) {
                p.push(format!("{at}.per_page"), "per_page is at least 1");
            }
            Some(Count::Capture {
                name: name.clone(),
                per_page: *per_page,
            })
        }
    }
}

/// A count that reads a capture must name one of the list's.
fn check_count_capture(
    c: &CountSpec,
    at: &str,
    captures: &BTreeMap<String, String>,
    p: &mut Problems,
) {
    if let CountSpec::Capture { name, .. } = c {
        if !captures.contains_key(name) {
            p.push(
                format!("{at}.name"),
                format!(
                    "{name:?} is not one of the list's captures ({})",
                    names(captures)
                ),
            );
        }
    }
}

fn names(captures: &BTreeMap<String, String>) -> String {
    if captures.is_empty() {
        "it has none".into()
    } else {
        captures.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn compile_pagination(
    pg: &PaginationSpec,
    at: &str,
    json: bool,
    captures: &BTreeMap<String, String>,
    p: &mut Problems,
) -> Option<Pagination> {
    match pg {
        PaginationSpec::Request {
            url,
            method,
            form,
            per_request,
            first,
            count,
            payload,
            max_pages,
        } => {
            let known =
                |name: &str| REQUEST_COUNTERS.contains(&name) || captures.contains_key(name);
            let template = |text: &str, key: String, p: &mut Problems| -> Option<Template> {
                match Template::parse(text) {
                    Ok(t) => {
                        for v in t.vars() {
                            if !known(v) {
                                p.push(
                                    key.clone(),
                                    format!(
                                        "{{{v}}} is neither a page counter ({}) nor a capture ({})",
                                        REQUEST_COUNTERS.join(", "),
                                        names(captures)
                                    ),
                                );
                            }
                        }
                        Some(t)
                    }
                    Err(e) => {
                        p.push(key, e);
                        None
                    }
                }
            };
            let url_t = template(url, format!("{at}.url"), p);
            if let Some(t) = &url_t {
                let sample = t.fill(|_| Some("1".into()), str::to_string);
                let ok = sample
                    .as_ref()
                    .is_ok_and(|u| Url::parse("http://h/a/").and_then(|b| b.join(u)).is_ok());
                if !ok {
                    p.push(
                        format!("{at}.url"),
                        "does not form a URL relative to the entry",
                    );
                }
            }
            if !form.is_empty() && *method == Method::Get {
                p.push(
                    format!("{at}.form"),
                    "a form body is sent with method = \"post\"",
                );
            }
            let form: Vec<(String, Template)> = form
                .iter()
                .filter_map(|(k, v)| {
                    template(v, format!("{at}.form.{k}"), p).map(|t| (k.clone(), t))
                })
                .collect();
            if *per_request == Some(0) {
                p.push(format!("{at}.per_request"), "per_request is at least 1");
            }
            if *first == 0 {
                p.push(format!("{at}.first"), "pages are numbered from 1");
            }
            check_count_capture(count, &format!("{at}.count"), captures, p);
            let count = compile_count(count, &format!("{at}.count"), p)?;
            let per_request = per_request.or(count.per_page());
            let ranges = url_t
                .iter()
                .flat_map(|t| t.vars().map(str::to_string).collect::<Vec<_>>())
                .chain(
                    form.iter()
                        .flat_map(|(_, t)| t.vars().map(str::to_string).collect::<Vec<_>>()),
                )
                .any(|v| matches!(v.as_str(), "start" | "end" | "per_request"));
            if ranges && per_request.is_none() {
                p.push(
                    format!("{at}.per_request"),
                    "{start}, {end} and {per_request} need per_request (or a count's per_page)",
                );
            }
            let payload = match payload {
                Some(pl) => Some(compile_payload(pl, &format!("{at}.payload"), p)?),
                None => None,
            };
            Some(Pagination::Request {
                url: url_t?,
                method: *method,
                form,
                per_request,
                first: *first,
                count,
                payload,
                max_pages: *max_pages,
            })
        }
        PaginationSpec::NextLink { link, max_pages } => match Probe::parse(link) {
            Ok(pr) => Some(Pagination::NextLink {
                link: pr,
                max_pages: *max_pages,
            }),
            Err(e) => {
                p.push(format!("{at}.link"), e);
                None
            }
        },
        PaginationSpec::Template {
            first,
            pattern,
            second,
            count,
            max_pages,
        } => {
            if pattern.matches("{n}").count() != 1
                || pattern.replace("{n}", "").contains(['{', '}'])
            {
                p.push(
                    format!("{at}.pattern"),
                    format!("{pattern:?} must contain `{{n}}` exactly once and no other braces"),
                );
            }
            if first.contains(['{', '}']) {
                p.push(
                    format!("{at}.first"),
                    "the first page is a fixed name (index.html)",
                );
            }
            if Url::parse("http://h/a/")
                .and_then(|b| b.join(&pattern.replace("{n}", "2")))
                .is_err()
            {
                p.push(
                    format!("{at}.pattern"),
                    "does not form a URL relative to the entry",
                );
            }
            if *second > 2 {
                p.push(
                    format!("{at}.second"),
                    "page 2 is numbered 1 (index_1) or 2 (index_2)",
                );
            }
            if json && !matches!(count, CountSpec::Json { .. } | CountSpec::Capture { .. }) {
                p.push(
                    format!("{at}.count"),
                    "json lists read page counts from JSON",
                );
            }
            check_count_capture(count, &format!("{at}.count"), captures, p);
            let count = compile_count(count, &format!("{at}.count"), p)?;
            Some(Pagination::Template {
                first: first.clone(),
                pattern: pattern.clone(),
                second: *second,
                count,
                max_pages: *max_pages,
            })
        }
        PaginationSpec::Query {
            param,
            first,
            size_param,
            size,
            count,
            max_pages,
        } => {
            if param.is_empty() {
                p.push(format!("{at}.param"), "the page parameter's name");
            }
            if size_param.is_some() != size.is_some() {
                p.push(format!("{at}.size"), "size_param and size go together");
            }
            check_count_capture(count, &format!("{at}.count"), captures, p);
            let count = compile_count(count, &format!("{at}.count"), p)?;
            Some(Pagination::Query {
                param: param.clone(),
                first: *first,
                size_param: size_param.clone(),
                size: *size,
                count,
                max_pages: *max_pages,
            })
        }
    }
}

pub(super) fn compile_detail(
    d: &DetailSpec,
    at: &str,
    roster: &Roster,
    p: &mut Problems,
) -> Option<Detail> {
    let url_pattern = match Regex::new(&d.url_pattern) {
        Ok(r) => Some(r),
        Err(e) => {
            p.push(format!("{at}.url_pattern"), format!("bad regex: {e}"));
            None
        }
    };
    let attachments = d.attachments.as_ref().and_then(|a| match Regex::new(a) {
        Ok(r) => Some(r),
        Err(e) => {
            p.push(format!("{at}.attachments"), format!("bad regex: {e}"));
            None
        }
    });
    let title = probes(&d.title, &format!("{at}.title"), false, p);
    if title.is_empty() {
        p.push(
            format!("{at}.title"),
            "a detail page needs at least one title probe",
        );
    }
    let detail = Detail {
        url_pattern: url_pattern?,
        title,
        date: probes(&d.date, &format!("{at}.date"), false, p),
        publisher: probes(&d.publisher, &format!("{at}.publisher"), false, p),
        index_no: probes(&d.index_no, &format!("{at}.index_no"), false, p),
        doc_no: probes(&d.doc_no, &format!("{at}.doc_no"), false, p),
        body: probes(&d.body, &format!("{at}.body"), false, p),
        attachments,
        fields: d
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), probes(v, &format!("{at}.fields.{k}"), false, p)))
            .collect(),
        unit: d.unit.clone(),
        unit_from: d.unit_from.clone(),
    };
    check_unit(&d.unit, &format!("{at}.unit"), roster, p);
    check_unit_from(&d.unit_from, &d.fields, &format!("{at}.unit_from"), p);
    Some(detail)
}
