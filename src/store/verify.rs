//! `govtrust store verify`: reads every entry of every tree back the way the code that wrote it
//! reads it — compact binary records, JSON records, value-log references (their CRC) and
//! snapshot bytes (decompressed, and checked against the content hash they are stored under) —
//! and checks what rests on what: every evidence record's document and snapshot, every
//! document's snapshot, every page record's current snapshot, every evidence index entry's
//! record. It counts the entries of each tree and lists each problem with its tree and key.
//!
//! Read-only; meant for a store the command has to itself (a write under way could show as a
//! missing link for a moment).

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use super::faults::{PageFault, FAULTS};
use super::list_extracts::LIST_EXTRACTS;
use super::pages::{RECORDS, SCHEDULES};
use super::queue::UNINDEXED;
use super::runs::EVENTS;
use super::snapshot_meta::SNAPSHOT_META;
use super::typed::Records;
use super::urls::{UrlEntry, URLS};
use super::{Result, Store};

/// Most problems a report lists (all are counted).
pub const MAX_LISTED: usize = 200;

/// One tree's entries and problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeCheck {
    pub name: String,
    pub entries: u64,
    pub problems: u64,
    /// Whether this govtrust knows what the tree holds (an unknown tree is only counted).
    pub known: bool,
}

/// A value that does not decode, or a link to something that is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub tree: String,
    pub key: String,
    pub what: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub trees: Vec<TreeCheck>,
    /// The first [`MAX_LISTED`] problems.
    pub problems: Vec<Problem>,
    pub problem_count: u64,
    /// Values read back from the value log (and checked against their CRC).
    pub values_read: u64,
    pub value_log_bytes: u64,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problem_count == 0
    }

    /// The report for the operator (简体中文).
    pub fn render(&self, dir: &std::path::Path) -> String {
        let mut s = format!("存储校验：{}\n", dir.display());
        s.push_str(&format!("  {:<22} {:>10} {:>6}\n", "树", "条目数", "问题"));
        for t in &self.trees {
            let note = if t.known {
                ""
            } else {
                "（未知的树，只计数）"
            };
            s.push_str(&format!(
                "  {:<22} {:>10} {:>6}{note}\n",
                t.name, t.entries, t.problems
            ));
        }
        let entries: u64 = self.trees.iter().map(|t| t.entries).sum();
        s.push_str(&format!(
            "  共 {entries} 条；值日志 {} 字节，读回并校验 {} 个值\n",
            self.value_log_bytes, self.values_read
        ));
        if self.ok() {
            s.push_str("结果：通过，未发现问题\n");
        } else {
            s.push_str(&format!("结果：发现 {} 个问题\n", self.problem_count));
            for p in &self.problems {
                s.push_str(&format!("  [{}] {}：{}\n", p.tree, p.key, p.what));
            }
            if self.problem_count > self.problems.len() as u64 {
                s.push_str(&format!(
                    "  ……另有 {} 个未列出\n",
                    self.problem_count - self.problems.len() as u64
                ));
            }
        }
        s
    }
}

/// How a key reads in a problem line: text keys with their NUL separators as `/`, 8-byte
/// numbers as `#n`, anything else in hex.
fn show_key(k: &[u8]) -> String {
    if let Ok(n) = <[u8; 8]>::try_from(k) {
        if std::str::from_utf8(k).is_err() || k.iter().any(|b| *b < 0x20) {
            return format!("#{}", u64::from_be_bytes(n));
        }
    }
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\0') => s.replace('\0', "/"),
        _ => k.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// The last NUL-separated part of a key (the record id of an index entry).
fn last_part(k: &[u8]) -> &[u8] {
    k.rsplit(|b| *b == 0).next().unwrap_or(k)
}

/// An error's text without the tree and key the problem line already names.
fn why(e: super::StoreError) -> String {
    match e {
        super::StoreError::Value { source, .. } => source.to_string(),
        e => e.to_string(),
    }
}

fn json<T: DeserializeOwned>(v: &[u8]) -> std::result::Result<T, String> {
    serde_json::from_slice(v).map_err(|e| format!("无法解码：{e}"))
}

/// What verification knows while it reads: the keys things link to.
struct Links {
    snapshots: HashSet<Vec<u8>>,
    documents: HashSet<Vec<u8>>,
    evidence: HashSet<Vec<u8>>,
}

impl Store {
    /// Checks every tree ([module docs](self)); the trees of the stages above the store by
    /// `records`.
    pub fn verify(&self, records: &Records) -> Result<VerifyReport> {
        let keys = |name: &str| -> Result<HashSet<Vec<u8>>> {
            self.tree(name)?
                .iter()
                .keys()
                .map(|k| Ok(k?.to_vec()))
                .collect()
        };
        let links = Links {
            snapshots: keys("snapshots")?,
            documents: keys("documents")?,
            evidence: keys("evidence")?,
        };
        let mut report = VerifyReport {
            value_log_bytes: self.values.end(),
            ..VerifyReport::default()
        };
        let mut names: Vec<String> = self
            .db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n != "__sled__default")
            .collect();
        names.sort();
        for name in names {
            let tree = self.tree(&name)?;
            let known = KNOWN.contains(&name.as_str()) || records.knows(&name);
            let mut check = TreeCheck {
                name: name.clone(),
                entries: 0,
                problems: 0,
                known,
            };
            for kv in tree.iter() {
                let (k, v) = kv?;
                check.entries += 1;
                if !known {
                    continue;
                }
                for what in self.check(&name, &k, &v, &links, records, &mut report.values_read) {
                    check.problems += 1;
                    report.problem_count += 1;
                    if report.problems.len() < MAX_LISTED {
                        report.problems.push(Problem {
                            tree: name.clone(),
                            key: show_key(&k),
                            what,
                        });
                    }
                }
            }
            report.trees.push(check);
        }
        Ok(report)
    }

    /// The problems of one entry of tree `name`.
    fn check(
        &self,
        name: &str,
        k: &[u8],
        v: &[u8],
        links: &Links,
        records: &Records,
        read: &mut u64,
    ) -> Vec<String> {
        use crate::model::evidence::Evidence;
        if let Some(r) = records.check(name, k, v) {
            return r.err().into_iter().collect();
        }
        let mut out = Vec::new();
        let id = <[u8; 8]>::try_from(k).map_or(0, u64::from_be_bytes);
        let missing = |what: &str, key: &str| format!("{what} {key} 不存在");
        let r: std::result::Result<(), String> = match name {
            "meta" => match k {
                b"schema_version" => std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse::<u32>().ok())
                    .map(|_| ())
                    .ok_or_else(|| "架构版本不是数字".to_string()),
                _ => Ok(()),
            },
            "frontier" => super::frontier::decode_entry(k, v)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            URLS => UrlEntry::decode(k, v)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            RECORDS => match super::page_codec::decode_record(id, v) {
                Ok(p) => {
                    if let Some(h) = p.hash.as_deref() {
                        if !links.snapshots.contains(h.as_bytes()) {
                            out.push(format!("{}：{}", p.url, missing("当前快照", h)));
                        }
                    }
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
            SCHEDULES => super::pages::decode_schedule(id, None, v)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            "snapshots" => {
                *read += u64::from(super::values::ValueRef::decode(v).is_some());
                match self.resolve_value("snapshots", k, v) {
                    Ok(z) => match super::snapshots::decompress(&z) {
                        Ok(raw) => {
                            if super::snapshots::content_hash(&raw).as_bytes() == k {
                                Ok(())
                            } else {
                                Err("快照内容与其哈希不符".into())
                            }
                        }
                        Err(e) => Err(format!("快照无法解压：{e}")),
                    },
                    Err(e) => Err(why(e)),
                }
            }
            SNAPSHOT_META => super::snapshot_meta::SnapshotMeta::decode(v)
                .map(|_| ())
                .ok_or_else(|| "无法解码".to_string()),
            LIST_EXTRACTS => super::list_extracts::decode_value(&String::from_utf8_lossy(k), v)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            "documents" => {
                *read += u64::from(super::values::ValueRef::decode(v).is_some());
                match self.decode_document(k, v) {
                    Ok(d) => {
                        if !links.snapshots.contains(d.snapshot.as_bytes()) {
                            out.push(missing("文档所依据的快照", &d.snapshot));
                        }
                        Ok(())
                    }
                    Err(e) => Err(why(e)),
                }
            }
            "runs" => json::<super::runs::RunRecord>(v).map(|_| ()),
            EVENTS => {
                let skip = k.iter().position(|b| *b == 0).map_or(k.len(), |i| i + 1);
                match super::runs::event_entries(k, v, skip) {
                    Ok(list) => list
                        .into_iter()
                        .try_for_each(|(_, e)| super::runs::decode_event(k, e).map(|_| ()))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
            FAULTS => json::<PageFault>(v).map(|_| ()),
            "evidence" => match json::<Evidence>(v) {
                Ok(e) => {
                    if !links.documents.contains(e.document.id.as_bytes()) {
                        out.push(missing("证据所依据的文档", &e.document.id));
                    }
                    if !links.snapshots.contains(e.snapshot.as_bytes()) {
                        out.push(missing("证据所依据的快照", &e.snapshot));
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            "evidence_by_unit" | "evidence_by_item" | "evidence_by_doc" => {
                if links.evidence.contains(last_part(k)) {
                    Ok(())
                } else {
                    Err(missing(
                        "索引指向的证据",
                        &String::from_utf8_lossy(last_part(k)),
                    ))
                }
            }
            "evidence_meta" => {
                if k.starts_with(b"coverage\0") {
                    json::<crate::model::evidence::Coverage>(v).map(|_| ())
                } else if k.starts_with(b"unresolved\0") {
                    json::<Vec<crate::model::evidence::Unresolved>>(v).map(|_| ())
                } else {
                    Ok(())
                }
            }
            "facts" => json::<crate::model::fact::Fact>(v).map(|_| ()),
            "fact_history" => json::<super::facts::HistoryEntry>(v).map(|_| ()),
            "submissions" => json::<super::facts::SubmissionRecord>(v).map(|_| ()),
            "audit" => json::<super::facts::AuditRecord>(v).map(|_| ()),
            super::compact::SUPERSEDED => <[u8; 8]>::try_from(v)
                .map(|_| ())
                .map_err(|_| "不是 8 字节的运行号".to_string()),
            // Keys only (the index queue).
            _ => Ok(()),
        };
        if let Err(e) = r {
            out.insert(0, e);
        }
        out
    }
}

/// The trees the store's own modules write and know how to read (the stages' typed trees are
/// known through the [`Records`] passed in).
const KNOWN: &[&str] = &[
    "meta",
    "frontier",
    URLS,
    RECORDS,
    SCHEDULES,
    "snapshots",
    SNAPSHOT_META,
    LIST_EXTRACTS,
    "documents",
    "runs",
    EVENTS,
    FAULTS,
    "evidence",
    "evidence_by_unit",
    "evidence_by_item",
    "evidence_by_doc",
    "evidence_meta",
    "facts",
    "fact_history",
    "submissions",
    "audit",
    UNINDEXED,
    super::compact::SUPERSEDED,
];
