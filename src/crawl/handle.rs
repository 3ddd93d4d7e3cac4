//! Handling one frontier entry: the re-check schedule, the fetch, and what a response becomes —
//! a list page's items, later pages and records; a detail page's document and attachments; an
//! attachment's snapshot; for an unchanged page nothing new but its place in the run — all
//! committed in one [`Commit`] with the entry's removal from the frontier.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use url::Url;

use super::decode::decode;
use super::fetch::{host_key, FetchError, Fetched, Validators};
use super::run::{CrawlError, Ctx};
use super::scope::{check_follow, check_request};
use super::url::Normalizer;
use crate::config::source::{List, Pagination, Payload, Source};
use crate::extract::detail::extract_detail_upto;
use crate::extract::list::{extract_list_page, payload_at, PageAt};
use crate::extract::nesting::{cut_at, Limit};
use crate::extract::pager::{later_pages, plan_requests};
use crate::extract::{Document, DocumentKind};
use crate::store::faults::{FaultKind, FaultUpdate, PageFault};
use crate::store::frontier::{Commit, FrontierEntry, ItemContext};
use crate::store::list_extracts::ListExtract;
use crate::store::pages::{PageRecord, PageSchedule, Role};
use crate::store::runs::{Change, RunEvent};
use crate::store::snapshots::content_hash;

/// Handles one frontier entry end to end and commits it. What a response becomes is worked
/// out under `catch_unwind` ([`respond`]): a page whose handling panics is recorded as failed
/// with the panic's message, and the run goes on. No step of it recurses over the page's tree,
/// and the page is parsed only up to `crawl.max_nesting` and `crawl.max_elements`
/// ([`parse_limit`]), so a page cannot exhaust the thread's stack either. It runs on the async
/// worker, as extraction always did: handing each page to `spawn_blocking` (or
/// `block_in_place`) cost 26–30 µs of CPU a page in a micro-benchmark on the 2-core machine,
/// a tenth of the crawler's whole CPU per page, for no isolation `catch_unwind` lacks.
pub(super) async fn process(ctx: &Ctx, e: FrontierEntry) -> Result<(), CrawlError> {
    let store = &ctx.store;
    let Some(source) = ctx.crawl.source(&e.source) else {
        // The source was removed from the configuration: drop its pending work.
        return drop_entry(ctx, e.seq).await;
    };
    let Ok(url) = Url::parse(&e.url) else {
        return drop_entry(ctx, e.seq).await;
    };
    let now = Utc::now();
    let prev = if e.id == 0 {
        store.page(&e.url)?
    } else {
        store.page_by_id(e.id)?
    };
    if prev.as_ref().is_some_and(|p| p.run == ctx.run) {
        // Done earlier in this run: a page record is written after everything else its URL
        // produced, and the run was interrupted before the entry left the frontier (or the URL
        // was queued twice by an interrupted commit).
        return drop_entry(ctx, e.seq).await;
    }
    let fault = store.page_fault(&e.url, e.id)?;
    let mut event = new_event(&e, host_key(&url), now);
    if fault
        .as_ref()
        .is_some_and(|f| f.quarantined(now, ctx.crawl.quarantine_for))
    {
        // Failed run after run: not requested while its quarantine lasts, still part of the
        // run (not gone), its attachments too.
        event.status = "quarantined".into();
        return without_request(ctx, source, &e, prev.as_ref(), event).await;
    }
    if e.role != Role::List {
        if let Some(p) = &prev {
            if waits(ctx, Due::of(p), now) {
                event.status = "not_due".into();
                event.change = Change::NotDue;
                return without_request(ctx, source, &e, Some(p), event).await;
            }
        }
    }
    let validators = match &prev {
        Some(p) if p.hash.is_some() => Validators {
            etag: p.etag.clone(),
            last_modified: p.last_modified.clone(),
        },
        _ => Validators::default(),
    };
    let (result, stats) = ctx.fetcher.fetch(&source.scope, &url, &validators).await;
    event.requests = stats.requests;
    event.retries = stats.retries;
    event.at = Utc::now();
    ctx.counters.done.fetch_add(1, Ordering::Relaxed);
    let status = result.as_ref().map_or(0, |f| f.status);
    let fetched = Fetch {
        e: &e,
        url: &url,
        prev: &prev,
        fault: &fault,
        result,
        event: event.clone(),
    };
    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| respond(ctx, fetched)));
    let why = match handled {
        Ok(commit) => return finish(ctx, commit?).await,
        Err(panic) => panic_message(panic.as_ref()),
    };
    tracing::warn!(url = %e.url, reason = %why, "page handling failed; recorded as failed");
    ctx.counters.errors.fetch_add(1, Ordering::Relaxed);
    let commit = failed(
        ctx,
        &e,
        &prev,
        fault.as_ref(),
        event,
        status,
        format!("页面处理失败：{why}"),
    );
    finish(ctx, commit).await
}

/// Records entry `e` in the run without a request (not due, or quarantined): its event, a
/// detail's attachments (as its record `prev` keeps them) and a list's items (from the
/// snapshot last read) as part of the run too.
async fn without_request(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    prev: Option<&PageRecord>,
    mut event: RunEvent,
) -> Result<(), CrawlError> {
    let mut commit = Commit {
        done: Some(e.seq),
        numbered: numbered(e),
        ..Commit::default()
    };
    match e.role {
        Role::Detail => {
            let atts = prev.and_then(|p| p.attachments.as_deref());
            account_attachments(ctx, source, e, atts, &mut commit)?;
        }
        Role::List => event.capped_at = stored_list(ctx, source, e, prev, &mut commit)?,
        _ => {}
    }
    commit.event = Some(event);
    finish(ctx, commit).await
}

/// Records entry `e` as failed after a panic outside [`respond`] (in the fetch or the store
/// reads around it), so the run goes on and the URL is not fetched again in this run.
pub(super) async fn after_panic(
    ctx: &Ctx,
    e: FrontierEntry,
    why: String,
) -> Result<(), CrawlError> {
    let prev = if e.id == 0 {
        ctx.store.page(&e.url)?
    } else {
        ctx.store.page_by_id(e.id)?
    };
    let fault = ctx.store.page_fault(&e.url, e.id)?;
    let host = Url::parse(&e.url).map(|u| host_key(&u)).unwrap_or_default();
    let event = new_event(&e, host, Utc::now());
    ctx.counters.errors.fetch_add(1, Ordering::Relaxed);
    let reason = format!("页面处理失败：{why}");
    let commit = failed(ctx, &e, &prev, fault.as_ref(), event, 0, reason);
    finish(ctx, commit).await
}

/// The event of entry `e` before anything is known of its fetch (failed until it says more).
fn new_event(e: &FrontierEntry, host: String, at: DateTime<Utc>) -> RunEvent {
    RunEvent {
        url: e.url.clone(),
        host,
        source: e.source.clone(),
        role: e.role,
        status: String::new(),
        change: Change::Failed,
        bytes: 0,
        requests: 0,
        retries: 0,
        documents: 0,
        at,
        capped_at: None,
    }
}

/// The message a panic carried.
pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "（无说明）".into())
}

/// A fetched URL, handed to [`respond`].
struct Fetch<'a> {
    e: &'a FrontierEntry,
    url: &'a Url,
    prev: &'a Option<PageRecord>,
    fault: &'a Option<PageFault>,
    result: Result<Fetched, FetchError>,
    event: RunEvent,
}

/// The commit of a page whose handling failed: no snapshot, no documents, no links; the
/// reason on its record and in `page_faults`; its validators forgotten, so the next run fetches
/// it afresh rather than taking a 304 for a page it never read.
fn failed(
    ctx: &Ctx,
    e: &FrontierEntry,
    prev: &Option<PageRecord>,
    fault: Option<&PageFault>,
    mut event: RunEvent,
    status: u16,
    reason: String,
) -> Commit {
    let mut page = base_page(e, prev, event.at, ctx.run);
    page.status = status;
    page.error = Some(reason.clone());
    page.etag = None;
    page.last_modified = None;
    page.next_due = None;
    event.status = "fault".into();
    event.change = Change::Failed;
    Commit {
        done: Some(e.seq),
        numbered: numbered(e),
        fault: Some(FaultUpdate::Put(next_fault(
            ctx,
            e,
            fault,
            FaultKind::Failed,
            reason,
        ))),
        page: Some(page),
        event: Some(event),
        ..Commit::default()
    }
}

/// The page's fault after this run's: a failure counts one more run in a row (once per run,
/// however often an interrupted run fetched it) and after `crawl.quarantine_after` runs puts
/// the page in quarantine; a truncation counts none.
fn next_fault(
    ctx: &Ctx,
    e: &FrontierEntry,
    prev: Option<&PageFault>,
    kind: FaultKind,
    reason: String,
) -> PageFault {
    let at = Utc::now();
    let (nights, quarantined_at) = match (kind, prev) {
        (FaultKind::Truncated, _) => (0, None),
        (FaultKind::Failed, Some(p)) if p.kind == FaultKind::Failed => {
            let again = p.run == ctx.run;
            let nights = if again { p.nights } else { p.nights + 1 };
            let since = p.quarantined_at.filter(|_| again);
            (nights, since)
        }
        (FaultKind::Failed, _) => (1, None),
    };
    let quarantined_at = (kind == FaultKind::Failed
        && nights >= ctx.crawl.settings.quarantine_after)
        .then(|| quarantined_at.unwrap_or(at));
    PageFault {
        url: e.url.clone(),
        source: e.source.clone(),
        kind,
        reason,
        run: ctx.run,
        at,
        nights,
        quarantined_at,
    }
}

/// What a response becomes: the page record, snapshot, documents, links and event of `f`, as
/// one commit. Synchronous and CPU-bound (decoding, parsing, extraction): run under
/// `catch_unwind` by [`process`].
fn respond(ctx: &Ctx, f: Fetch) -> Result<Commit, CrawlError> {
    fault_hook(&f.e.url);
    let store = &ctx.store;
    let Fetch {
        e,
        url,
        prev,
        fault,
        result,
        mut event,
    } = f;
    let Some(source) = ctx.crawl.source(&e.source) else {
        return Ok(Commit {
            done: Some(e.seq),
            ..Commit::default()
        });
    };
    // Parts of the page left unread, and why: a page read in part is stored as truncated.
    let mut notes: Vec<String> = Vec::new();
    // Whether the page was read whole tonight, or answered as stored (a fault before is over).
    let mut read = false;
    let mut too_large = None;
    let answered = result
        .as_ref()
        .is_ok_and(|f| matches!(f.status, 200..=299 | 304));
    let gone = result.as_ref().is_ok_and(|f| matches!(f.status, 404 | 410));
    let mut commit = Commit {
        done: Some(e.seq),
        numbered: numbered(e),
        ..Commit::default()
    };
    let mut page = base_page(e, prev, event.at, ctx.run);
    match result {
        Err(err) => {
            ctx.counters.errors.fetch_add(1, Ordering::Relaxed);
            event.status = err.status_word().to_string();
            page.error = Some(err.to_string());
            if let FetchError::BodyTooLarge(max) = err {
                too_large = Some(format!("正文超过 {max} 字节（解压后计），未读取"));
            }
            tracing::debug!(url = %e.url, error = %err, "fetch failed");
            commit.page = Some(page);
        }
        Ok(mut f) => {
            event.status = f.status.to_string();
            page.status = f.status;
            if matches!(f.status, 200..=299 | 304) {
                page.gone_run = None;
            }
            page.final_url = f.final_url.to_string();
            page.error = None;
            event.bytes = f.body.len() as u64;
            ctx.counters.bytes.fetch_add(event.bytes, Ordering::Relaxed);
            match f.status {
                304 => {
                    event.change = Change::Unchanged;
                    unchanged(ctx, &mut page);
                    if e.role == Role::Detail {
                        account_attachments(
                            ctx,
                            source,
                            e,
                            page.attachments.as_deref(),
                            &mut commit,
                        )?;
                    }
                    if e.role == Role::List {
                        if let Some(h) = &prev.as_ref().and_then(|p| p.hash.clone()) {
                            let stored = || -> Result<Option<String>, CrawlError> {
                                Ok(store.snapshot(h)?.map(|raw| {
                                    decode(
                                        &raw,
                                        page.content_type.as_deref(),
                                        url.host_str().unwrap_or(""),
                                    )
                                    .text
                                }))
                            };
                            event.capped_at = list_page(
                                ctx,
                                source,
                                e,
                                &f.final_url,
                                ListText::Stored(&stored),
                                h,
                                false,
                                &mut commit,
                                &mut notes,
                            )?;
                        }
                    }
                }
                200..=299 => {
                    let hash = content_hash(&f.body);
                    let same = prev.as_ref().and_then(|p| p.hash.as_deref()) == Some(hash.as_str());
                    let d = decode(
                        &f.body,
                        f.content_type.as_deref(),
                        url.host_str().unwrap_or(""),
                    );
                    page.etag = f.etag.clone();
                    page.last_modified = f.last_modified.clone();
                    page.content_type = f.content_type.clone();
                    page.charset = Some(d.charset.to_string());
                    page.bytes = f.body.len() as u64;
                    if same {
                        event.change = Change::Unchanged;
                        unchanged(ctx, &mut page);
                    } else {
                        read = true;
                        event.change = if prev.as_ref().is_some_and(|p| p.hash.is_some()) {
                            Change::Changed
                        } else {
                            Change::New
                        };
                        commit.superseded = prev.as_ref().and_then(|p| p.hash.clone());
                        page.hash = Some(hash.clone());
                        page.changed_run = ctx.run;
                        page.changed_at = event.at;
                        page.unchanged_streak = 0;
                        page.next_due = due(ctx, 0, event.at);
                        // The body is not read again below: moved, not copied (a large page
                        // was held twice over).
                        commit.snapshot = Some((hash.clone(), std::mem::take(&mut f.body)));
                    }
                    match e.role {
                        Role::List => {
                            event.capped_at = list_page(
                                ctx,
                                source,
                                e,
                                &f.final_url,
                                ListText::Fresh(&d.text),
                                &hash,
                                !same,
                                &mut commit,
                                &mut notes,
                            )?
                        }
                        Role::Detail if !same => {
                            if let Some(atts) = detail_page(
                                ctx,
                                source,
                                e,
                                &f.final_url,
                                &d.text,
                                &hash,
                                &mut commit,
                                &mut notes,
                            )? {
                                page.attachments = Some(atts);
                            }
                        }
                        Role::Detail => account_attachments(
                            ctx,
                            source,
                            e,
                            page.attachments.as_deref(),
                            &mut commit,
                        )?,
                        _ => {}
                    }
                }
                404 | 410
                    if prev
                        .as_ref()
                        .is_some_and(|p| p.hash.is_some() && p.gone_run.is_none()) =>
                {
                    event.change = Change::Gone;
                    page.gone_run = Some(ctx.run);
                }
                _ => {}
            }
            commit.page = Some(page);
        }
    }
    if e.role == Role::List && !answered && !gone {
        // A list page that failed tonight (an error, a 5xx after its retries, a 403) still
        // lists what it listed when last read: its items are followed from the stored
        // snapshot, so a transient failure of one list page does not make every document
        // under it gone at the end of the run.
        event.capped_at = stored_list(ctx, source, e, prev.as_ref(), &mut commit)?;
    }
    event.documents = commit.documents.len() as u32;
    commit.event = Some(event);
    commit.fault = if let Some(reason) = too_large {
        Some(FaultUpdate::Put(next_fault(
            ctx,
            e,
            fault.as_ref(),
            FaultKind::Failed,
            reason,
        )))
    } else if !notes.is_empty() {
        let reason = notes.join("；");
        Some(FaultUpdate::Put(next_fault(
            ctx,
            e,
            fault.as_ref(),
            FaultKind::Truncated,
            reason,
        )))
    } else if fault
        .as_ref()
        .is_some_and(|f| read || (f.kind == FaultKind::Failed && answered))
    {
        // Read whole, or (after a failure) answered with what is stored: the fault is over.
        Some(FaultUpdate::Clear)
    } else {
        None
    };
    Ok(commit)
}

/// Follows list page `e` from its last stored snapshot, as if it had answered 304: its items
/// and further pages stay part of the run. Nothing when it was never read. What the stored
/// extraction notes (a truncation) was noted when it was read; it is not a fault of tonight.
fn stored_list(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    prev: Option<&PageRecord>,
    commit: &mut Commit,
) -> Result<Option<u32>, CrawlError> {
    let Some(p) = prev else { return Ok(None) };
    let Some(hash) = p.hash.as_deref() else {
        return Ok(None);
    };
    let Ok(final_url) = Url::parse(&p.final_url) else {
        return Ok(None);
    };
    let host = final_url.host_str().unwrap_or("").to_string();
    let stored = || -> Result<Option<String>, CrawlError> {
        Ok(ctx
            .store
            .snapshot(hash)?
            .map(|raw| decode(&raw, p.content_type.as_deref(), &host).text))
    };
    let mut notes = Vec::new();
    list_page(
        ctx,
        source,
        e,
        &final_url,
        ListText::Stored(&stored),
        hash,
        false,
        commit,
        &mut notes,
    )
}

/// Test hook: with `GOVTRUST_PANIC_URL=TEXT` in the environment, handling a response for a URL
/// containing TEXT panics, as a bug in extraction would. The fault tests plant it.
fn fault_hook(url: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| {
        std::env::var("GOVTRUST_PANIC_URL")
            .ok()
            .filter(|s| !s.is_empty())
    });
    if let Some(at) = at {
        if url.contains(at.as_str()) {
            panic!("GOVTRUST_PANIC_URL: planted panic for {url}");
        }
    }
}

/// The part of a page's text its parse may read: up to the first element nested deeper than
/// `crawl.max_nesting` or past the first `crawl.max_elements` ([`cut_at`]); what is cut is
/// noted.
fn parse_limit<'t>(ctx: &Ctx, text: &'t str, notes: &mut Vec<String>) -> &'t str {
    let s = &ctx.crawl.settings;
    match cut_at(text, s.max_nesting, s.max_elements) {
        Some((at, Limit::Depth)) => {
            let max = s.max_nesting;
            notes.push(format!("元素嵌套超过 {max} 层，自第 {at} 字节起未读取"));
            &text[..at]
        }
        Some((at, Limit::Elements)) => {
            let max = s.max_elements;
            notes.push(format!("元素超过 {max} 个，自第 {at} 字节起未读取"));
            &text[..at]
        }
        None => text,
    }
}

/// An unchanged or not re-fetched detail is not re-extracted, but its attachments are still
/// part of this run: from the page record's list, or (records written before it was kept) from
/// the stored document.
fn account_attachments(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    attachments: Option<&[String]>,
    commit: &mut Commit,
) -> Result<(), CrawlError> {
    let urls: std::borrow::Cow<[String]> = match attachments {
        Some(urls) => urls.into(),
        None => match ctx
            .store
            .document(&Document::id_for(&source.name, &e.url))?
        {
            Some(doc) => doc
                .attachments
                .into_iter()
                .map(|a| a.url)
                .collect::<Vec<_>>()
                .into(),
            None => return Ok(()),
        },
    };
    for a in urls.iter() {
        attachment(ctx, source, e, a, commit)?;
    }
    Ok(())
}

/// Discovers an attachment link of detail `e` if it parses and is in scope; returns it then.
fn attachment(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    link: &str,
    commit: &mut Commit,
) -> Result<Option<Url>, CrawlError> {
    let Some(u) = ctx.fetcher.normalizer().parse(link) else {
        return Ok(None);
    };
    if check_request(&source.scope, &u).is_err() {
        return Ok(None);
    }
    let found = Found { url: &u, id: 0 };
    discover(ctx, source, e, found, Role::Attachment, None, commit)?;
    Ok(Some(u))
}

/// The re-check schedule of `url` when its re-check is not due ([`waits`]). The URL's number,
/// known or read on the way, goes with the commit, which spares the writer reading it again.
fn not_due(
    ctx: &Ctx,
    found: Found,
    now: DateTime<Utc>,
    commit: &mut Commit,
) -> Result<Option<PageSchedule>, CrawlError> {
    let url = found.url.as_str();
    if found.id != 0 {
        commit.numbers.push((url.to_string(), found.id));
    }
    if ctx.crawl.detail_min.is_zero() {
        return Ok(None);
    }
    let schedule = if found.id != 0 {
        ctx.store.schedule_by_id(found.id, Some(url))?
    } else {
        let (entry, schedule) = ctx.store.url_schedule(url)?;
        commit.read_urls.push((url.to_string(), entry));
        schedule
    };
    Ok(schedule.filter(|p| waits(ctx, Due::of_schedule(p), now)))
}

/// A URL found on a page, with its number when the page's kept list extraction carries it
/// (0: not known).
struct Found<'u> {
    url: &'u Url,
    id: u64,
}

/// What decides whether a page waits, from a whole record or from its schedule.
struct Due {
    content: bool,
    next_due: Option<DateTime<Utc>>,
    streak: u32,
    fetched_at: DateTime<Utc>,
}

impl Due {
    fn of(p: &PageRecord) -> Due {
        Due {
            content: p.hash.is_some(),
            next_due: p.next_due,
            streak: p.unchanged_streak,
            fetched_at: p.fetched_at,
        }
    }

    fn of_schedule(p: &PageSchedule) -> Due {
        Due {
            content: p.has_content,
            next_due: p.next_due,
            streak: p.unchanged_streak,
            fetched_at: p.fetched_at,
        }
    }
}

/// Fetched with content before, and its re-check has come neither by the schedule stored with
/// it nor by tonight's policy: `crawl --detail-min` (or an edited `recheck`) shortens the wait of
/// pages scheduled under a longer one, and `0s` makes every detail due.
fn waits(ctx: &Ctx, d: Due, now: DateTime<Utc>) -> bool {
    d.content
        && d.next_due.is_some_and(|t| t > now)
        && due(ctx, d.streak, d.fetched_at).is_some_and(|t| t > now)
}

/// Queues a discovered detail or attachment — or, when its re-check is not due, records it as
/// part of this run without a request or a frontier entry (a detail's attachments in turn). On
/// a quiet night most details are not due: handling them here keeps the night short.
fn discover(
    ctx: &Ctx,
    source: &Source,
    parent: &FrontierEntry,
    found: Found,
    role: Role,
    context: Option<ItemContext>,
    commit: &mut Commit,
) -> Result<(), CrawlError> {
    let now = Utc::now();
    let url = found.url;
    let Some(p) = not_due(ctx, found, now, commit)? else {
        commit.enqueue.push(entry(parent, url, role, 0, context));
        return Ok(());
    };
    if role == Role::Detail {
        if p.attachments.is_none() {
            // Its attachments are known only from its document: the frontier path reads it.
            commit.enqueue.push(entry(parent, url, role, 0, context));
            return Ok(());
        }
        let child = entry(parent, url, role, 0, None);
        account_attachments(ctx, source, &child, p.attachments.as_deref(), commit)?;
    }
    commit.skipped.push(RunEvent {
        url: url.to_string(),
        host: host_key(url),
        source: parent.source.clone(),
        role,
        status: "not_due".into(),
        change: Change::NotDue,
        bytes: 0,
        requests: 0,
        retries: 0,
        documents: 0,
        at: now,
        capped_at: None,
    });
    Ok(())
}

/// The entry's URL with the number it carries, if it carries one.
fn numbered(e: &FrontierEntry) -> Option<(String, u64)> {
    (e.id != 0).then(|| (e.url.clone(), e.id))
}

/// Removes an entry that has nothing (more) to record.
async fn drop_entry(ctx: &Ctx, seq: u64) -> Result<(), CrawlError> {
    finish(
        ctx,
        Commit {
            done: Some(seq),
            ..Commit::default()
        },
    )
    .await
}

/// Commits a completed entry and keeps the queue count in step.
async fn finish(ctx: &Ctx, commit: Commit) -> Result<(), CrawlError> {
    let queued = ctx.writer.commit(commit).await?;
    ctx.counters
        .queue
        .fetch_add(queued as u64, Ordering::Relaxed);
    let _ = ctx
        .counters
        .queue
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |q| {
            Some(q.saturating_sub(1))
        });
    Ok(())
}

/// A page record carrying over what is known from the previous fetch.
fn base_page(
    e: &FrontierEntry,
    prev: &Option<PageRecord>,
    at: DateTime<Utc>,
    run: u64,
) -> PageRecord {
    match prev {
        Some(p) => PageRecord {
            fetched_at: at,
            run,
            role: e.role,
            ..p.clone()
        },
        None => PageRecord {
            url: e.url.clone(),
            final_url: e.url.clone(),
            source: e.source.clone(),
            role: e.role,
            status: 0,
            error: None,
            etag: None,
            last_modified: None,
            content_type: None,
            hash: None,
            charset: None,
            bytes: 0,
            fetched_at: at,
            run,
            first_run: run,
            changed_run: run,
            changed_at: at,
            unchanged_streak: 0,
            next_due: None,
            gone_run: None,
            attachments: None,
        },
    }
}

fn unchanged(ctx: &Ctx, page: &mut PageRecord) {
    page.unchanged_streak = page.unchanged_streak.saturating_add(1);
    page.next_due = due(ctx, page.unchanged_streak, page.fetched_at);
}

/// When a detail is next due: `detail_min · 2^streak`, capped at `detail_max`.
fn due(ctx: &Ctx, streak: u32, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let min = ctx.crawl.detail_min;
    if min.is_zero() {
        return None;
    }
    let d = min
        .saturating_mul(1u32.checked_shl(streak.min(20)).unwrap_or(u32::MAX))
        .min(ctx.crawl.detail_max);
    chrono::Duration::from_std(d).ok().map(|d| from + d)
}

fn entry(
    e: &FrontierEntry,
    url: &Url,
    role: Role,
    page_no: u32,
    context: Option<ItemContext>,
) -> FrontierEntry {
    FrontierEntry {
        seq: 0,
        id: 0,
        url: url.to_string(),
        source: e.source.clone(),
        role,
        list: e.list,
        page_no,
        context,
    }
}

/// Where a list page's text comes from.
enum ListText<'a> {
    /// The body just fetched.
    Fresh(&'a str),
    /// The stored snapshot (a 304), read only when its extraction is not kept.
    Stored(&'a dyn Fn() -> Result<Option<String>, CrawlError>),
}

/// What a list's extraction depends on besides the page: its compiled definition, the URL
/// normaliser and the extractor's code. A kept extraction with another fingerprint is stale.
pub(super) fn list_fingerprint(list: &List, nz: &Normalizer) -> String {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("{list:?}\0{nz:?}").as_bytes());
    h.finalize().to_hex().to_string()
}

/// A list page's items (documents, details to visit) and its further pages. Returns the page
/// limit its pagination stopped at, if the site has more pages than that.
#[allow(clippy::too_many_arguments)]
fn list_page(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    final_url: &Url,
    text: ListText,
    hash: &str,
    changed: bool,
    commit: &mut Commit,
    notes: &mut Vec<String>,
) -> Result<Option<u32>, CrawlError> {
    let Some(li) = e.list else { return Ok(None) };
    let Some(list) = source.lists.get(li) else {
        return Ok(None);
    };
    let nz = ctx.fetcher.normalizer();
    let fingerprint = match ctx
        .list_fingerprints
        .get(&source.name)
        .and_then(|f| f.get(li))
    {
        Some(f) => f.clone(),
        None => list_fingerprint(list, nz),
    };
    let requests = matches!(list.pagination, Some(Pagination::Request { .. }));
    let at = if requests && e.page_no >= 2 {
        PageAt::Request
    } else {
        PageAt::List
    };
    // A kept extraction does not keep the captures an entry's requests are filled from.
    let needs_captures = requests && at == PageAt::List && !list.captures.is_empty();
    let kept = if changed || needs_captures {
        None
    } else {
        ctx.store.list_extract(&e.url)?.filter(|x| {
            x.hash == hash && x.fingerprint == fingerprint && x.final_url == final_url.as_str()
        })
    };
    let (page, ids) = match (kept, text) {
        (Some(x), _) => {
            if x.ids.is_empty() && !x.page.items.is_empty() {
                // Kept from before extractions carried their items' numbers: stored again
                // with them, so later nights need not look the items' URLs up.
                commit.list_extract = Some((e.url.clone(), x.clone()));
            }
            (x.page, x.ids)
        }
        (None, text) => {
            let stored;
            let text = match text {
                ListText::Fresh(t) => t,
                ListText::Stored(load) => match load()? {
                    Some(t) => {
                        stored = t;
                        stored.as_str()
                    }
                    None => return Ok(None),
                },
            };
            let text = match payload_at(list, at) {
                Payload::Json | Payload::Jsonp | Payload::Fragment { .. } => text,
                _ => parse_limit(ctx, text, notes),
            };
            let cap = ctx.crawl.settings.max_links_per_page as usize;
            let page = match extract_list_page(list, final_url, text, nz, cap.saturating_add(1), at)
            {
                Ok(mut p) => {
                    if p.items.len() > cap {
                        p.items.truncate(cap);
                        notes.push(format!("列表条目超过 {cap} 个，只取前 {cap} 个"));
                    }
                    p
                }
                Err(err) => {
                    tracing::warn!(url = %e.url, error = %err, "list page does not parse");
                    return Ok(None);
                }
            };
            if page.items.is_empty() {
                let why = crate::extract::diagnose::diagnose_list(list, text, at);
                tracing::warn!(url = %e.url, list = %list.name, "{why}");
            }
            commit.list_extract = Some((
                e.url.clone(),
                ListExtract {
                    hash: hash.to_string(),
                    fingerprint,
                    final_url: final_url.to_string(),
                    page: page.clone(),
                    ids: Vec::new(),
                },
            ));
            (page, Vec::new())
        }
    };
    for (i, item) in page.items.into_iter().enumerate() {
        if list.records {
            if !changed {
                continue;
            }
            let mut d = Document {
                id: Document::id_for(&source.name, &format!("{}\0{}", list.name, item.key)),
                source: source.name.clone(),
                list: Some(list.name.clone()),
                kind: DocumentKind::Record,
                url: item
                    .link
                    .as_ref()
                    .map_or_else(|| e.url.clone(), |u| u.to_string()),
                page_url: e.url.clone(),
                snapshot: hash.to_string(),
                title: item.title,
                published: item.date,
                publisher: None,
                index_no: None,
                doc_no: None,
                body: String::new(),
                attachments: Vec::new(),
                unit: None,
                unit_basis: None,
                fields: item.fields,
                run: ctx.run,
                extracted_at: Utc::now(),
            };
            d.attribute(list.unit.as_deref(), &list.unit_from, &ctx.project.roster);
            commit.documents.push(d);
        } else if let Some(link) = item.link {
            if let Some(target) = source.list_for(&link) {
                if check_request(&source.scope, &link).is_ok() {
                    let mut en = entry(e, &link, Role::List, 1, None);
                    en.list = Some(target);
                    commit.enqueue.push(en);
                }
                continue;
            }
            let declared = source.detail_for(&link).is_some();
            let ok = check_request(&source.scope, &link).is_ok()
                && (declared || check_follow(&source.scope, &link).is_ok());
            if ok {
                let c = ItemContext {
                    title: item.title,
                    date: item.date,
                    fields: item.fields,
                };
                let found = Found {
                    url: &link,
                    id: ids.get(i).copied().unwrap_or(0),
                };
                discover(ctx, source, e, found, Role::Detail, Some(c), commit)?;
            }
        }
    }
    let Some(p) = &list.pagination else {
        return Ok(None);
    };
    let cap = p
        .max_pages()
        .unwrap_or(u32::MAX)
        .min(ctx.crawl.settings.max_pages_per_list);
    // Where the limit, not the site, ends the list: its older items are not reached tonight.
    let mut capped = None;
    // A next link out of scope ends the list whatever the limit.
    if let Some(next) = page
        .next
        .filter(|n| check_request(&source.scope, n).is_ok())
    {
        if e.page_no >= cap {
            capped = Some(cap);
        } else {
            commit
                .enqueue
                .push(entry(e, &next, Role::List, e.page_no + 1, None));
        }
    }
    if let Pagination::Request { .. } = p {
        let found = (page.page_count, &page.captures);
        return request_pagination(ctx, source, e, list, found, cap, commit);
    }
    if e.page_no == 1 {
        if page.page_count.is_some_and(|n| n > cap) {
            capped = Some(cap);
        }
        if let (Some(count), Ok(entry_url)) = (page.page_count, Url::parse(&e.url)) {
            for (i, u) in later_pages(p, &entry_url, count, cap)
                .into_iter()
                .enumerate()
            {
                if let Some(u) = nz.normalize(u) {
                    if check_request(&source.scope, &u).is_ok() {
                        commit
                            .enqueue
                            .push(entry(e, &u, Role::List, i as u32 + 2, None));
                    }
                }
            }
        }
    }
    Ok(capped)
}

/// Queues the further requests of a list with request pagination ([`plan_requests`]), each
/// carrying the entry's captures; returns the page limit it stopped at, if the list has more
/// pages than that. A request queued twice (by the entry and by the first response) is one
/// frontier entry.
fn request_pagination(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    list: &List,
    (page_count, entry_captures): (Option<u32>, &std::collections::BTreeMap<String, String>),
    cap: u32,
    commit: &mut Commit,
) -> Result<Option<u32>, CrawlError> {
    let Some(p) = &list.pagination else {
        return Ok(None);
    };
    // The entry's captures; a request carries them on to the requests it queues, which are
    // resolved against it (the same endpoint, but for `{page}`).
    let captures = match (e.page_no, &e.context) {
        (1, _) => entry_captures.clone(),
        (2, Some(c)) => c.fields.clone(),
        _ => return Ok(None),
    };
    let Ok(base) = Url::parse(&e.url) else {
        return Ok(None);
    };
    let plan = plan_requests(p, &base, e.page_no, page_count, &captures, cap);
    if let Some(why) = &plan.error {
        tracing::warn!(url = %e.url, list = %list.name, "pagination requests not built: {why}");
    }
    let nz = ctx.fetcher.normalizer();
    for (list_no, r) in plan.requests {
        let Some(u) = nz.normalize(r.url.clone()) else {
            continue;
        };
        if check_request(&source.scope, &u).is_err() {
            continue;
        }
        let id = super::request::identity(&crate::extract::pager::PageRequest {
            url: u,
            ..r.clone()
        });
        let context = ItemContext {
            title: None,
            date: None,
            fields: captures.clone(),
        };
        commit
            .enqueue
            .push(entry(e, &id, Role::List, list_no, Some(context)));
    }
    Ok(plan.capped)
}

#[allow(clippy::too_many_arguments)]
fn detail_page(
    ctx: &Ctx,
    source: &Source,
    e: &FrontierEntry,
    final_url: &Url,
    text: &str,
    hash: &str,
    commit: &mut Commit,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<String>>, CrawlError> {
    let Some((_, detail)) = source
        .detail_for(final_url)
        .or_else(|| Url::parse(&e.url).ok().and_then(|u| source.detail_for(&u)))
    else {
        return Ok(None);
    };
    let text = parse_limit(ctx, text, notes);
    let cap = ctx.crawl.settings.max_links_per_page as usize;
    let (f, more) = extract_detail_upto(detail, final_url, text, ctx.fetcher.normalizer(), cap);
    if more {
        notes.push(format!("链接超过 {cap} 个，只在前 {cap} 个中查找附件"));
    }
    let ctxi = e.context.clone().unwrap_or_default();
    let list = e.list.and_then(|i| source.lists.get(i));
    let mut fields = ctxi.fields;
    fields.extend(f.fields);
    let mut attachments = Vec::new();
    for a in &f.attachments {
        if let Some(u) = attachment(ctx, source, e, &a.url, commit)? {
            attachments.push(u.to_string());
        }
    }
    let mut d = Document {
        id: Document::id_for(&source.name, &e.url),
        source: source.name.clone(),
        list: list.map(|l| l.name.clone()),
        kind: DocumentKind::Article,
        url: e.url.clone(),
        page_url: e.url.clone(),
        snapshot: hash.to_string(),
        title: f.title.or(ctxi.title),
        published: f.published.or(ctxi.date),
        publisher: f.publisher,
        index_no: f.index_no,
        doc_no: f.doc_no,
        body: f.body,
        attachments: f.attachments,
        unit: None,
        unit_basis: None,
        fields,
        run: ctx.run,
        extracted_at: Utc::now(),
    };
    let fixed = list
        .and_then(|l| l.unit.as_deref())
        .or(detail.unit.as_deref());
    let mut from = detail.unit_from.clone();
    if let Some(l) = list {
        from.extend(l.unit_from.iter().cloned());
    }
    d.attribute(fixed, &from, &ctx.project.roster);
    commit.documents.push(d);
    Ok(Some(attachments))
}
