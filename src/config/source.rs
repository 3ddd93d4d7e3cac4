//! Source definitions (`sources/*.toml`): one monitored site each — its entry URLs, scope, list
//! pages, pagination, detail pages, unit attribution and politeness overrides.
//!
//! Two steps, as for the rest of the configuration: [`SourceFile`] is the loose serde form with
//! `deny_unknown_fields`; [`Source::compile`] checks it against the roster and turns selectors,
//! regexes and templates into ready objects ([`Source`]), pushing *every* problem with its file
//! and key. A new site of a known shape is a new file; a new kind of list payload is one variant
//! of [`Payload`] and one arm in `extract::list`.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use scraper::Selector;
use serde::{Deserialize, Serialize};
use url::Url;

use super::column_kind::ColumnKind;
use super::{parse_toml, read_text, ConfigError, Problems, Roster};

mod compile;
pub(crate) use compile::check_politeness;
use compile::{compile_detail, compile_list, regexes};

pub use super::preset::{Preset, Presets};

/// A value given as one string or a list of strings (`title = "css:h1"` or `title = ["…", "…"]`).
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub source: SourceMeta,
    pub scope: ScopeSpec,
    #[serde(default)]
    pub politeness: Option<PolitenessSpec>,
    #[serde(default, rename = "list")]
    pub lists: Vec<ListSpec>,
    #[serde(default, rename = "detail")]
    pub details: Vec<DetailSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMeta {
    /// Stable ASCII name used by `--source` and in keys.
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// Host names this source may request (exact, lower case).
    pub hosts: Vec<String>,
    /// Path prefixes every requested URL must start with (default `/`).
    #[serde(default)]
    pub path_prefixes: Vec<String>,
    /// Regexes over path+query; a discovered link is followed only if it matches one (lists and
    /// details declared below are allowed implicitly).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Regexes over path+query that are never requested.
    #[serde(default)]
    pub deny: Vec<String>,
}

/// Per-source politeness overrides; `[[crawl.host]]` in the settings wins over these.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolitenessSpec {
    #[serde(default)]
    pub rate_per_s: Option<f64>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub concurrency: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    /// The column's name (政策文件, 双公示-行政处罚).
    pub name: String,
    /// A platform preset (`crawl-config/presets/NAME.toml`) filling every key this list leaves
    /// out: payload, item, probes, captures, pagination (and the preset's `[[detail]]` probes).
    #[serde(default)]
    pub platform: Option<String>,
    /// First pages of this list.
    #[serde(default)]
    pub entries: Vec<String>,
    /// Regex over path+query: links found on other lists' pages that are pages of this list
    /// (a hub page links to every unit's column).
    #[serde(default)]
    pub url_pattern: Option<String>,
    /// How the body holds the items (default `html`).
    #[serde(default)]
    pub payload: Option<PayloadSpec>,
    /// CSS selector of one item (html, script_xml, xml and fragment payloads).
    #[serde(default)]
    pub item: Option<String>,
    /// Dotted JSON path of the item array (json, jsonp payloads), e.g. `data.list`.
    #[serde(default)]
    pub items: Option<String>,
    #[serde(default)]
    pub link: OneOrMany,
    #[serde(default)]
    pub title: OneOrMany,
    #[serde(default)]
    pub date: OneOrMany,
    /// Extra list-level fields (`文号 = "css:p"`, `CF_WSH = "json:cf_wsh"`).
    #[serde(default)]
    pub fields: BTreeMap<String, OneOrMany>,
    /// Items are records in themselves (a 双公示 API row), not links to detail pages.
    #[serde(default)]
    pub records: Option<bool>,
    /// Probe giving a record's stable key (default: its link, else a hash of its fields).
    #[serde(default)]
    pub record_key: Option<String>,
    /// The roster unit this column belongs to.
    #[serde(default)]
    pub unit: Option<String>,
    /// Document fields whose value names the unit, resolved through the roster, in order.
    #[serde(default)]
    pub unit_from: Vec<String>,
    #[serde(default)]
    pub pagination: Option<PaginationSpec>,
    /// Named values read from the list's entry page for the pagination's request templates
    /// (`{columnid}`) and counts: `re:REGEX` (group 1 over the page's source) or `js:a.b` (a
    /// path into a JavaScript object literal or assignment in the page's scripts, such as
    /// Hanweb's `jpage({ totalRecord:137, ajaxParam:{ columnid:1234 } })`).
    #[serde(default)]
    pub captures: BTreeMap<String, String>,
    /// The inspection kind of every column this list lists (动态要闻, 通知公告, 政策文件,
    /// 互动交流, 其他), where its name alone would classify it wrongly; default: by name.
    #[serde(default)]
    pub column_kind: Option<ColumnKind>,
}

impl ListSpec {
    /// A list with nothing but defaults (what presets are checked with).
    pub fn empty() -> ListSpec {
        ListSpec {
            name: String::new(),
            platform: None,
            entries: Vec::new(),
            url_pattern: None,
            payload: None,
            item: None,
            items: None,
            link: OneOrMany::None,
            title: OneOrMany::None,
            date: OneOrMany::None,
            fields: BTreeMap::new(),
            records: None,
            record_key: None,
            unit: None,
            unit_from: Vec::new(),
            pagination: None,
            captures: BTreeMap::new(),
            column_kind: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PayloadSpec {
    /// Items are elements of the HTML page.
    #[default]
    Html,
    /// The body is JSON: items are the array at `items`, or, with `fragment`, the items of the
    /// HTML or XML text at that dotted path, read by the `inner` payload.
    Json {
        #[serde(default)]
        fragment: Option<String>,
        #[serde(default)]
        inner: Option<InnerSpec>,
    },
    /// The body is `callback({...})` (`;raw({"result":"<datastore>…"})`); as `json`.
    Jsonp {
        #[serde(default)]
        fragment: Option<String>,
        #[serde(default)]
        inner: Option<InnerSpec>,
    },
    /// Items are CDATA fragments of `<record>` elements inside a `<script>` (Hanweb datastore).
    ScriptXml { script: String, record: String },
    /// The body is XML; items are the (CDATA) fragments of its `record` elements, parsed as
    /// HTML (Hanweb's `dataproxy.jsp` answer `<datastore><recordset><record>…`).
    Xml { record: String },
}

/// How the text of a JSON field is read (a fragment payload's `inner`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InnerSpec {
    /// HTML: items are the elements matching the list's `item`.
    Html,
    /// XML: items are the fragments of its `record` elements.
    Xml { record: String },
}

/// The HTTP method of pagination requests.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    #[default]
    Get,
    Post,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaginationSpec {
    /// Follow a "next page" link.
    NextLink {
        link: String,
        #[serde(default)]
        max_pages: Option<u32>,
    },
    /// Pages named by a template relative to the entry: `first` is page 1, then `pattern` with
    /// `{n}` = `second` for page 2, `second + 1` for page 3, …
    Template {
        first: String,
        pattern: String,
        second: u32,
        count: CountSpec,
        #[serde(default)]
        max_pages: Option<u32>,
    },
    /// A query parameter carries the page number (JSON APIs).
    Query {
        param: String,
        #[serde(default = "one")]
        first: u32,
        #[serde(default)]
        size_param: Option<String>,
        #[serde(default)]
        size: Option<u32>,
        count: CountSpec,
        #[serde(default)]
        max_pages: Option<u32>,
    },
    /// Each further page is a request built from `url` (relative to the entry), with `{name}`
    /// filled from the list's captures and the page counters: `{page}` (from `first`),
    /// `{start}`/`{end}` (the records of that page, `per_request` a page), `{per_request}`;
    /// sent as `method` with the `form` fields (templated too) as an urlencoded body for POST.
    /// The entry page (or, when only the responses carry it, the first request's response)
    /// reads the count.
    Request {
        url: String,
        #[serde(default)]
        method: Method,
        #[serde(default)]
        form: BTreeMap<String, String>,
        /// Records a request asks for (default: the count's `per_page`).
        #[serde(default)]
        per_request: Option<u32>,
        /// The `{page}` of the first request: 1 when the entry is a page of its own (an HTML
        /// shell), 2 when the entry is the first page of the same series.
        #[serde(default = "one")]
        first: u32,
        count: CountSpec,
        /// How the responses hold the items (default: the list's payload).
        #[serde(default)]
        payload: Option<PayloadSpec>,
        #[serde(default)]
        max_pages: Option<u32>,
    },
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum CountSpec {
    /// An attribute (`#pageDec[pagecount]`); with `per_page_attr` the value counts records.
    Attr {
        selector: String,
        attr: String,
        #[serde(default)]
        per_page_attr: Option<String>,
    },
    /// A pager script call such as `createPageHTML(120, 0, "index", "html")`.
    PagerScript { function: String },
    /// A JSON number at `path`; with `per_page` it counts records.
    Json {
        path: String,
        #[serde(default)]
        per_page: Option<u32>,
    },
    /// The number in an XML element of the payload (`<totalrecord>137</totalrecord>`); with
    /// `per_page` it counts records.
    Xml {
        element: String,
        #[serde(default)]
        per_page: Option<u32>,
    },
    /// A capture of the entry page (`totalRecord`); with `per_page` it counts records.
    Capture {
        name: String,
        #[serde(default)]
        per_page: Option<u32>,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DetailSpec {
    /// Regex over path+query recognising this kind of detail page.
    pub url_pattern: String,
    #[serde(default)]
    pub title: OneOrMany,
    #[serde(default)]
    pub date: OneOrMany,
    #[serde(default)]
    pub publisher: OneOrMany,
    #[serde(default)]
    pub index_no: OneOrMany,
    #[serde(default)]
    pub doc_no: OneOrMany,
    #[serde(default)]
    pub body: OneOrMany,
    /// Regex over an `<a href>` (resolved URL) marking an attachment.
    #[serde(default)]
    pub attachments: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub unit_from: Vec<String>,
}

// ---------------------------------------------------------------- compiled form

/// How one value is read from a page or record.
#[derive(Debug, Clone)]
pub enum Probe {
    /// Text (or attribute) of the first element matching a CSS selector.
    Css {
        selector: Selector,
        attr: Option<String>,
    },
    /// `<meta name="…" content="…">`.
    Meta(String),
    /// A metadata-table cell or inline `标签：值` after a label such as 发布机构.
    Label(LabelProbe),
    /// Capture group 1 (or the whole match) of a regex over the page text.
    Regex(Regex),
    /// A dotted path in a JSON record.
    Json(Vec<String>),
    /// A string with `{key}` replaced by JSON record fields.
    Template(String),
}

/// A label probe with its patterns compiled once, at load: every detail page asks for several
/// labels, and most pages have none of them.
#[derive(Clone)]
pub struct LabelProbe {
    pub label: String,
    /// The label's characters with any whitespace between them (`索 引 号`).
    pub present: Regex,
    /// The label and its colon: where an inline `标签：值` value starts.
    pub inline: Regex,
}

impl LabelProbe {
    pub fn new(label: &str) -> Result<LabelProbe, String> {
        let chars = label
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| regex::escape(&c.to_string()))
            .collect::<Vec<_>>()
            .join(r"\s*");
        let compile = |p: &str| Regex::new(p).map_err(|e| format!("bad label pattern: {e}"));
        Ok(LabelProbe {
            label: label.to_string(),
            present: compile(&chars)?,
            inline: compile(&format!(r"{chars}\s*[:：]\s*"))?,
        })
    }
}

// Only the label: the compiled patterns follow from it, and a list's fingerprint (its `Debug`
// form) should not change with the regex crate's formatting.
impl std::fmt::Debug for LabelProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.label)
    }
}

impl Probe {
    /// Parses `css:SEL[@attr]`, `meta:NAME`, `label:LABEL`, `re:REGEX`, `json:a.b`, `tpl:…{k}…`.
    pub fn parse(spec: &str) -> Result<Probe, String> {
        let (kind, rest) = spec
            .split_once(':')
            .ok_or_else(|| format!("{spec:?}: expected css:, meta:, label:, re:, json: or tpl:"))?;
        if rest.trim().is_empty() {
            return Err(format!("{spec:?}: empty after {kind}:"));
        }
        match kind {
            "css" => {
                let (sel, attr) = match rest.rsplit_once('@') {
                    Some((s, a))
                        if !a.is_empty()
                            && a.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
                    {
                        (s, Some(a.to_string()))
                    }
                    _ => (rest, None),
                };
                let selector =
                    Selector::parse(sel).map_err(|e| format!("{spec:?}: bad CSS selector: {e}"))?;
                Ok(Probe::Css { selector, attr })
            }
            "meta" => Ok(Probe::Meta(rest.to_string())),
            "label" => LabelProbe::new(rest)
                .map(Probe::Label)
                .map_err(|e| format!("{spec:?}: {e}")),
            "re" => Regex::new(rest)
                .map(Probe::Regex)
                .map_err(|e| format!("{spec:?}: bad regex: {e}")),
            "json" => Ok(Probe::Json(rest.split('.').map(str::to_string).collect())),
            "tpl" => {
                if rest.matches('{').count() != rest.matches('}').count() {
                    return Err(format!("{spec:?}: unbalanced braces"));
                }
                Ok(Probe::Template(rest.to_string()))
            }
            other => Err(format!("{spec:?}: unknown probe kind {other:?}")),
        }
    }

    fn is_json_kind(&self) -> bool {
        matches!(self, Probe::Json(_) | Probe::Template(_))
    }
}

/// A compiled, validated source.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub description: String,
    pub file: std::path::PathBuf,
    pub scope: Scope,
    pub politeness: PolitenessSpec,
    pub lists: Vec<List>,
    pub details: Vec<Detail>,
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub hosts: Vec<String>,
    pub path_prefixes: Vec<String>,
    pub allow: Vec<Regex>,
    pub deny: Vec<Regex>,
}

#[derive(Debug, Clone)]
pub enum Payload {
    Html,
    Json,
    Jsonp,
    ScriptXml {
        script: Selector,
        record: String,
    },
    Xml {
        record: String,
    },
    /// JSON (or JSONP) whose field at `path` holds HTML or XML text, read by `inner`.
    Fragment {
        jsonp: bool,
        path: Vec<String>,
        inner: Inner,
    },
}

impl Payload {
    /// Whether items are JSON records (read by `json:`/`tpl:` probes).
    pub fn is_json(&self) -> bool {
        matches!(self, Payload::Json | Payload::Jsonp)
    }
}

/// The inner payload of a [`Payload::Fragment`].
#[derive(Debug, Clone)]
pub enum Inner {
    Html,
    Xml { record: String },
}

/// A capture of a list's entry page.
#[derive(Debug, Clone)]
pub enum Capture {
    /// Group 1 (or the whole match) of a regex over the page's source.
    Regex(Regex),
    /// A path into a JavaScript object literal or assignment (`ajaxParam.columnid`).
    Js(Vec<String>),
}

impl Capture {
    /// Parses `re:REGEX` or `js:a.b.c`.
    pub fn parse(spec: &str) -> Result<Capture, String> {
        match spec.split_once(':') {
            Some(("re", r)) if !r.is_empty() => Regex::new(r)
                .map(Capture::Regex)
                .map_err(|e| format!("{spec:?}: bad regex: {e}")),
            Some(("js", path)) => {
                let parts: Vec<String> = path.split('.').map(str::to_string).collect();
                let ident = |p: &String| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                };
                if parts.iter().all(ident) {
                    Ok(Capture::Js(parts))
                } else {
                    Err(format!(
                        "{spec:?}: js: takes a dotted path of identifiers (ajaxParam.columnid)"
                    ))
                }
            }
            _ => Err(format!("{spec:?}: expected re:REGEX or js:a.b")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct List {
    pub name: String,
    pub entries: Vec<Url>,
    pub url_pattern: Option<Regex>,
    pub payload: Payload,
    pub item: Option<Selector>,
    pub items: Vec<String>,
    pub link: Vec<Probe>,
    pub title: Vec<Probe>,
    pub date: Vec<Probe>,
    pub fields: BTreeMap<String, Vec<Probe>>,
    pub records: bool,
    pub record_key: Option<Probe>,
    pub unit: Option<String>,
    pub unit_from: Vec<String>,
    pub pagination: Option<Pagination>,
    /// By name, in name order.
    pub captures: BTreeMap<String, Capture>,
    pub column_kind: Option<ColumnKind>,
    /// The platform preset it was filled from.
    pub platform: Option<String>,
}

/// A piece of a request template: text, or a `{name}` to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Var(String),
}

/// A compiled `{name}` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub Vec<Piece>);

impl Template {
    /// Splits `a{b}c`; braces must pair and names be identifiers.
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find(['{', '}']) {
            if rest.as_bytes()[i] == b'}' {
                return Err(format!("{s:?}: `}}` without `{{`"));
            }
            if i > 0 {
                pieces.push(Piece::Text(rest[..i].to_string()));
            }
            let after = &rest[i + 1..];
            let j = after
                .find('}')
                .ok_or_else(|| format!("{s:?}: `{{` without `}}`"))?;
            let name = &after[..j];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            {
                return Err(format!("{s:?}: {{{name}}} is not a name"));
            }
            pieces.push(Piece::Var(name.to_string()));
            rest = &after[j + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(pieces))
    }

    /// The names it fills.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Fills every name through `get` (each value passed through `escape`); the first name
    /// without a value is the error.
    pub fn fill(
        &self,
        get: impl Fn(&str) -> Option<String>,
        escape: impl Fn(&str) -> String,
    ) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => out.push_str(&escape(&get(v).ok_or_else(|| v.clone())?)),
            }
        }
        Ok(out)
    }
}

/// The page counters a request template may use besides captures.
pub const REQUEST_COUNTERS: &[&str] = &["page", "start", "end", "per_request"];

#[derive(Debug, Clone)]
pub enum Pagination {
    NextLink {
        link: Probe,
        max_pages: Option<u32>,
    },
    Template {
        first: String,
        pattern: String,
        second: u32,
        count: Count,
        max_pages: Option<u32>,
    },
    Query {
        param: String,
        first: u32,
        size_param: Option<String>,
        size: Option<u32>,
        count: Count,
        max_pages: Option<u32>,
    },
    Request {
        url: Template,
        method: Method,
        /// In name order: a request's body is the same bytes every night.
        form: Vec<(String, Template)>,
        per_request: Option<u32>,
        first: u32,
        count: Count,
        /// The responses' payload, when it is not the list's.
        payload: Option<Payload>,
        max_pages: Option<u32>,
    },
}

impl Pagination {
    pub fn max_pages(&self) -> Option<u32> {
        match self {
            Pagination::NextLink { max_pages, .. }
            | Pagination::Template { max_pages, .. }
            | Pagination::Query { max_pages, .. }
            | Pagination::Request { max_pages, .. } => *max_pages,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Count {
    Attr {
        selector: Selector,
        attr: String,
        per_page_attr: Option<String>,
    },
    PagerScript {
        function: String,
    },
    Json {
        path: Vec<String>,
        per_page: Option<u32>,
    },
    Xml {
        element: String,
        per_page: Option<u32>,
    },
    Capture {
        name: String,
        per_page: Option<u32>,
    },
}

impl Count {
    /// Records a page holds, when the count is one of records.
    pub fn per_page(&self) -> Option<u32> {
        match self {
            Count::Attr { .. } | Count::PagerScript { .. } => None,
            Count::Json { per_page, .. }
            | Count::Xml { per_page, .. }
            | Count::Capture { per_page, .. } => *per_page,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub url_pattern: Regex,
    pub title: Vec<Probe>,
    pub date: Vec<Probe>,
    pub publisher: Vec<Probe>,
    pub index_no: Vec<Probe>,
    pub doc_no: Vec<Probe>,
    pub body: Vec<Probe>,
    pub attachments: Option<Regex>,
    pub fields: BTreeMap<String, Vec<Probe>>,
    pub unit: Option<String>,
    pub unit_from: Vec<String>,
}

/// Document fields a `unit_from` may name besides the extra `fields`.
pub const STANDARD_FIELDS: &[&str] = &["title", "publisher", "index_no", "doc_no"];

impl Source {
    /// Loads and compiles one source file against the roster, without presets.
    pub fn load(path: &Path, roster: &Roster) -> Result<Source, ConfigError> {
        Source::load_with(path, roster, &Presets::default())
    }

    /// Loads and compiles one source file against the roster and the platform presets.
    pub fn load_with(
        path: &Path,
        roster: &Roster,
        presets: &Presets,
    ) -> Result<Source, ConfigError> {
        let text = read_text(path)?;
        let file: SourceFile = parse_toml(path, &text)?;
        let mut p = Problems::new(path);
        let source = Source::compile_with(path, file, roster, presets, &mut p);
        match source {
            Some(s) if p.is_empty() => Ok(s),
            _ => Err(ConfigError::Invalid(p.into_vec())),
        }
    }

    /// Validates and compiles the loose form without presets, pushing every problem found.
    pub fn compile(
        path: &Path,
        f: SourceFile,
        roster: &Roster,
        p: &mut Problems,
    ) -> Option<Source> {
        Source::compile_with(path, f, roster, &Presets::default(), p)
    }

    /// Validates and compiles the loose form: each list with a `platform` filled from its
    /// preset first, the presets' details after the file's own. Every problem is pushed.
    pub fn compile_with(
        path: &Path,
        mut f: SourceFile,
        roster: &Roster,
        presets: &Presets,
        p: &mut Problems,
    ) -> Option<Source> {
        let mut platforms: Vec<&Preset> = Vec::new();
        // A list of an unknown platform is not compiled: its missing keys are that one problem.
        let mut unknown = std::collections::BTreeSet::new();
        for (i, l) in f.lists.iter_mut().enumerate() {
            let Some(name) = l.platform.clone() else {
                continue;
            };
            match presets.get(&name) {
                Some(preset) => {
                    *l = preset.fill(l);
                    if !platforms.iter().any(|q| q.name == preset.name) {
                        platforms.push(preset);
                    }
                }
                None if presets.broken(&name).is_some() => {
                    unknown.insert(i);
                    let file = presets.broken(&name).map(|f| f.display().to_string());
                    p.push(
                        format!("list[{i}].platform"),
                        format!(
                            "the preset {name:?} has problems ({}, listed with its file)",
                            file.unwrap_or_default()
                        ),
                    );
                }
                None => {
                    unknown.insert(i);
                    let known = presets.names();
                    let dir = presets.dir.as_ref().map_or_else(
                        || "no presets directory".to_string(),
                        |d| d.display().to_string(),
                    );
                    p.push(
                        format!("list[{i}].platform"),
                        format!(
                            "unknown platform {name:?}; known: {} ({dir})",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
            }
        }
        for preset in platforms {
            f.details.extend(preset.details.iter().cloned());
        }
        let name = f.source.name.clone();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            p.push(
                "source.name",
                "names are non-empty ASCII letters, digits, '-' or '_'",
            );
        }
        let hosts: Vec<String> = f
            .scope
            .hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        if hosts.is_empty() {
            p.push("scope.hosts", "at least one host");
        }
        for (i, h) in hosts.iter().enumerate() {
            if h.is_empty() || h.contains('/') || h.contains(':') {
                p.push(
                    format!("scope.hosts[{i}]"),
                    format!("{h:?} is not a bare host name"),
                );
            }
        }
        let mut path_prefixes = f.scope.path_prefixes.clone();
        if path_prefixes.is_empty() {
            path_prefixes.push("/".into());
        }
        for (i, pre) in path_prefixes.iter().enumerate() {
            if !pre.starts_with('/') {
                p.push(
                    format!("scope.path_prefixes[{i}]"),
                    "a path prefix starts with '/'",
                );
            }
        }
        let allow = regexes(&f.scope.allow, "scope.allow", p);
        let deny = regexes(&f.scope.deny, "scope.deny", p);
        let scope = Scope {
            hosts,
            path_prefixes,
            allow,
            deny,
        };
        if let Some(pol) = &f.politeness {
            check_politeness(pol, "politeness", p);
        }
        if f.lists.is_empty() {
            p.push("list", "a source needs at least one [[list]]");
        }
        let mut names = std::collections::BTreeSet::new();
        let mut lists = Vec::new();
        for (i, l) in f.lists.iter().enumerate() {
            let at = format!("list[{i}]");
            if !names.insert(l.name.clone()) {
                p.push(
                    format!("list[{i}].name"),
                    format!("duplicate list name {:?}", l.name),
                );
            }
            if unknown.contains(&i) {
                continue;
            }
            // A problem of a preset-filled list may lie in the preset: said with it.
            let mut own = Problems::new(path);
            if let Some(list) = compile_list(l, &at, &scope, roster, &mut own) {
                lists.push(list);
            }
            for problem in own.into_vec() {
                let message = match l.platform.as_ref().and_then(|n| presets.get(n)) {
                    Some(pr) => format!(
                        "{} (with platform {:?}, {})",
                        problem.message,
                        pr.name,
                        pr.file.display()
                    ),
                    None => problem.message,
                };
                p.push(problem.key, message);
            }
        }
        let mut details = Vec::new();
        for (i, d) in f.details.iter().enumerate() {
            if let Some(detail) = compile_detail(d, &format!("detail[{i}]"), roster, p) {
                details.push(detail);
            }
        }
        let admits_links = !details.is_empty()
            || !scope.allow.is_empty()
            || lists.iter().any(|l| l.url_pattern.is_some());
        if lists.iter().any(|l| !l.records) && !admits_links {
            p.push(
                "detail",
                "lists link to pages but no [[detail]], list url_pattern or scope.allow admits any",
            );
        }
        Some(Source {
            name,
            description: f.source.description,
            file: path.to_path_buf(),
            scope,
            politeness: f.politeness.unwrap_or_default(),
            lists,
            details,
        })
    }

    /// Every entry URL of every list.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &Url)> {
        self.lists
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.entries.iter().map(move |u| (i, u)))
    }

    /// The list a discovered link is a page of (by `url_pattern`), if any.
    pub fn list_for(&self, url: &Url) -> Option<usize> {
        let pq = path_and_query(url);
        self.lists
            .iter()
            .position(|l| l.url_pattern.as_ref().is_some_and(|r| r.is_match(&pq)))
    }

    /// The detail declaration matching a URL, if any.
    pub fn detail_for(&self, url: &Url) -> Option<(usize, &Detail)> {
        let pq = path_and_query(url);
        self.details
            .iter()
            .enumerate()
            .find(|(_, d)| d.url_pattern.is_match(&pq))
    }
}

/// `/path?query` of a URL: what scope and detail regexes are matched against.
pub fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_parse_and_reject() {
        assert!(matches!(
            Probe::parse("css:a@href"),
            Ok(Probe::Css { attr: Some(_), .. })
        ));
        assert!(matches!(
            Probe::parse("css:#pageDec"),
            Ok(Probe::Css { attr: None, .. })
        ));
        assert!(matches!(Probe::parse("meta:PubDate"), Ok(Probe::Meta(_))));
        assert!(matches!(Probe::parse("json:data.list"), Ok(Probe::Json(v)) if v.len() == 2));
        assert!(Probe::parse("css:[[[").is_err());
        assert!(Probe::parse("re:(").is_err());
        assert!(Probe::parse("xpath://a").is_err());
        assert!(Probe::parse("h1").is_err());
        assert!(Probe::parse("tpl:/a/{id.html").is_err());
    }
}
