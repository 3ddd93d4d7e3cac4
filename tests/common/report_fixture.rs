//! Generated inputs for the report tests and benchmark: plausible facts for every unit and item
//! of the shipped roster (some items left out, some submissions contradicted by the web) and
//! evidence with notices spread over the year. Deterministic for a given seed.
#![allow(dead_code)] // the test and the benchmark use different parts

use chrono::{NaiveDate, TimeZone, Utc};
use govtrust::config::{FieldType, Project};
use govtrust::evidence::model::{DocRef, Evidence, Finding, Status};
use govtrust::fact::{Fact, Provenance, Value};

/// A small deterministic hash (FNV-1a) of the parts and the seed.
fn hash(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325 ^ seed;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 10, 9, 0, 0).unwrap()
}

/// Facts for every unit × item × field: about 1 item in 12 left out, 1 field in 15 also seen by
/// the web with another value.
pub fn generated_facts(project: &Project, seed: u64) -> Vec<Fact> {
    let mut facts = Vec::new();
    for unit in &project.roster.units {
        let Some(catalog) = project.catalog(unit.kind) else {
            continue;
        };
        for item in &catalog.items {
            if hash(seed, &[&unit.id, &item.id, "skip"]) % 12 == 0 {
                continue;
            }
            let mut ints: Vec<(&str, u64)> = Vec::new();
            for (row, f) in item.fields.iter().enumerate() {
                let h = hash(seed, &[&unit.id, &item.id, &f.name]);
                let value = match f.ty {
                    FieldType::Int => {
                        let cap = f
                            .at_most
                            .as_deref()
                            .and_then(|o| ints.iter().find(|(n, _)| *n == o).map(|(_, v)| *v));
                        let v = match cap {
                            Some(c) => h % (c + 1),
                            None => h % 12,
                        };
                        ints.push((f.name.as_str(), v));
                        Value::Int(v)
                    }
                    FieldType::Amount => Value::Amount((h % 100_000) as f64),
                    FieldType::Rate => Value::Rate(0.5 + (h % 51) as f64 / 100.0),
                    FieldType::Bool => Value::Bool(h % 4 != 0),
                    FieldType::Date => {
                        let day = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
                            + chrono::Days::new(h % 360);
                        Value::Date(day)
                    }
                    FieldType::List => match &f.allowed {
                        Some(allowed) => Value::list(
                            allowed
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| (h >> i) & 1 == 1)
                                .map(|(_, a)| a.as_str()),
                        ),
                        None => Value::list(["事项一", "事项二"]),
                    },
                };
                let sub = Fact {
                    period: project.period.id.clone(),
                    unit: unit.id.clone(),
                    item: item.id.clone(),
                    field: f.name.clone(),
                    value: value.clone(),
                    provenance: Provenance::Submission {
                        file: format!("{}.xlsx", unit.short),
                        sheet: Some(item.category.clone()),
                        row: row as u32 + 2,
                        note: None,
                    },
                    recorded_at: at(),
                };
                if h % 15 == 7 {
                    if let Value::Int(n) = value {
                        let mut web = sub.clone();
                        web.value = Value::Int(n + 1);
                        web.provenance = Provenance::Web {
                            evidence: vec![format!("ev-{}-{}", unit.id, item.id)],
                        };
                        facts.push(web);
                    }
                }
                facts.push(sub);
            }
        }
    }
    facts
}

/// One evidence record.
pub fn evidence(
    unit: &str,
    item: &str,
    doc: &str,
    title: &str,
    day: (u32, u32),
    status: Status,
) -> Evidence {
    let notice = item == "T5" || item == "D3";
    Evidence {
        id: Evidence::id_for(item, unit, doc, "k"),
        period: "2023".into(),
        unit: unit.into(),
        item: item.into(),
        rule: format!("{item}.rule"),
        finding: if notice {
            Finding::Named {
                clause: format!("{title}存在问题"),
                handled: false,
            }
        } else {
            Finding::Published
        },
        document: DocRef {
            id: doc.into(),
            source: "sim-tongbai".into(),
            title: title.into(),
            url: format!("http://127.0.0.1:8701/{doc}.html"),
            published_on: NaiveDate::from_ymd_opt(2023, day.0, day.1),
        },
        snapshot: blake3::hash(doc.as_bytes()).to_hex().to_string(),
        fetched_at: Some(at()),
        status,
        decision: None,
        summary: if notice {
            "在政府网站检查通报中被列为存在问题".into()
        } else {
            "已在门户网站公示".into()
        },
    }
}

/// Evidence for every unit: a published list and, for some units, notices in a few months.
pub fn generated_evidence(project: &Project, seed: u64) -> Vec<Evidence> {
    let mut out = Vec::new();
    for unit in &project.roster.units {
        let (list_item, notice_item) = match unit.id.starts_with("t-") {
            true => ("T1", "T5"),
            false => ("D7", "D3"),
        };
        out.push(evidence(
            &unit.id,
            list_item,
            &format!("list-{}", unit.id),
            &format!("{}权责清单", unit.short),
            (3, 1),
            Status::Confirmed,
        ));
        let n = hash(seed, &[&unit.id, "notices"]) % 4;
        for k in 0..n {
            let month = (hash(seed, &[&unit.id, &k.to_string()]) % 12) as u32 + 1;
            out.push(evidence(
                &unit.id,
                notice_item,
                &format!("notice-{month}"),
                &format!("关于{month}月份政府网站检查情况的通报"),
                (month, 15),
                if k == 0 {
                    Status::Confirmed
                } else {
                    Status::Candidate
                },
            ));
        }
    }
    out
}
