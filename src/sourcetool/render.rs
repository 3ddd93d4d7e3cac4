//! The analyst's view of a [`TestReport`](super::test::TestReport), in 简体中文: per page its
//! items, pages, requests, probes and notes; per detail its fields and the probe behind each.

use std::fmt::Write;

use super::test::{DetailReport, ListReport, PageInfo, PageReport, TestReport};

/// The report as text, showing at most `items` items per list page.
pub fn text(r: &TestReport, items: usize) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "来源 {}（{}）：测试 {} 个页面，发出 {} 个请求",
        r.source,
        r.file,
        r.pages.len(),
        r.requests
    );
    for p in &r.pages {
        match p {
            PageReport::List(l) => list(&mut o, l, items),
            PageReport::Detail(d) => detail(&mut o, d),
            PageReport::Unmatched { url } => {
                let _ = writeln!(o, "\n== {url}\n  注意：没有 list（entries / url_pattern）或 detail（url_pattern）对应这个网址");
            }
            PageReport::Missing { url, key, why } => {
                let _ = writeln!(
                    o,
                    "\n== {} {url}\n  注意：{why}",
                    key.as_deref().unwrap_or("")
                );
            }
        }
    }
    for s in &r.skipped {
        let _ = writeln!(o, "\n（跳过，换同一列表的下一个条目：{s}）");
    }
    if !r.untested.is_empty() {
        let _ = writeln!(o, "\n未测试（没有页面属于它们）：{}", r.untested.join("；"));
    }
    let _ = writeln!(
        o,
        "\n{}",
        if r.problems == 0 {
            "没有发现问题".to_string()
        } else {
            format!("发现 {} 个问题（见上面的“注意”）", r.problems)
        }
    );
    o
}

fn page_line(o: &mut String, head: &str, p: &PageInfo) {
    let from = match &p.saved {
        Some(f) => format!("保存的页面 {f}"),
        None => format!("HTTP {}", p.status),
    };
    let redirected = if p.final_url != p.url {
        format!(" → {}", p.final_url)
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "\n== {head}  {}{redirected}\n  （{from}，{}，{} 字节）",
        p.url, p.charset, p.bytes
    );
}

fn list(o: &mut String, l: &ListReport, shown: usize) {
    let head = if l.request_response {
        format!("{} {}（分页请求的回答）", l.key, l.name)
    } else {
        format!("{} {}", l.key, l.name)
    };
    page_line(o, &head, &l.page);
    if !l.captures.is_empty() {
        let c: Vec<String> = l.captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(o, "  捕获（list.captures）：{}", c.join("  "));
    }
    let more = if l.items.len() > shown {
        format!("（列出前 {shown} 个）")
    } else {
        String::new()
    };
    let _ = writeln!(o, "  条目 {} 个{more}", l.items.len());
    for (i, it) in l.items.iter().take(shown).enumerate() {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        let _ = writeln!(
            o,
            "   {:>3}. {} | {} | 单位 {} | → {}",
            i + 1,
            dash(&it.title),
            dash(&it.date),
            dash(&it.unit),
            it.goes_to
        );
        if let Some(link) = &it.link {
            let _ = writeln!(o, "        {link}");
        }
        for (k, v) in &it.fields {
            if it.answered_by.contains_key(&format!("fields.{k}")) {
                let _ = writeln!(o, "        {k} = {v}");
            }
        }
    }
    match (l.page_count, &l.next) {
        (Some(n), _) => {
            let _ = writeln!(o, "  页数：{n}（从页面读到）");
        }
        (None, Some(n)) => {
            let _ = writeln!(o, "  下一页：{n}");
        }
        _ => {}
    }
    if !l.requests.is_empty() {
        let _ = writeln!(
            o,
            "  作为列表第一页，将再请求 {} 个页面：",
            l.requests.len()
        );
        let n = l.requests.len();
        for (i, r) in l.requests.iter().enumerate() {
            if n > 6 && (3..n - 2).contains(&i) {
                if i == 3 {
                    let _ = writeln!(o, "    …");
                }
                continue;
            }
            let form = if r.form.is_empty() {
                String::new()
            } else {
                format!(
                    "  表单 {}",
                    r.form
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("&")
                )
            };
            let _ = writeln!(o, "    第 {} 页 {} {}{form}", r.page, r.method, r.url);
        }
    }
    if !l.probes.is_empty() {
        let _ = writeln!(o, "  探针（取到值的条目数）：");
        for p in &l.probes {
            let _ = writeln!(
                o,
                "    {:<24} {:<36} {}/{}",
                p.key, p.probe, p.answered, p.of
            );
        }
    }
    for n in &l.notes {
        let _ = writeln!(o, "  注意：{n}");
    }
}

fn detail(o: &mut String, d: &DetailReport) {
    let from = d
        .from_list
        .as_ref()
        .map(|l| format!("（来自列表 {l}）"))
        .unwrap_or_default();
    page_line(o, &format!("{}{from}", d.key), &d.page);
    for f in &d.fields {
        let name = f.key.rsplit_once('.').map_or(f.key.as_str(), |(_, n)| n);
        let name = f.key.find(".fields.").map_or(name, |i| &f.key[i + 1..]);
        match (&f.value, &f.probe) {
            (Some(v), Some(p)) => {
                let v = if name == "body" {
                    format!("{} 字", d.body_chars)
                } else {
                    v.clone()
                };
                let _ = writeln!(o, "  {name:<14} = {v}   ← {p}");
            }
            (Some(v), None) => {
                let _ = writeln!(o, "  {name:<14} = {v}");
            }
            (None, _) => {
                let hint = f
                    .hint
                    .as_ref()
                    .map(|h| format!("；{h}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "  {name:<14} （未取到；试过 {}{hint}）",
                    f.tried.join("、")
                );
            }
        }
    }
    let _ = writeln!(
        o,
        "  单位：{}{}",
        d.unit.as_deref().unwrap_or("—"),
        d.unit_basis
            .as_ref()
            .map(|b| format!("（{b}）"))
            .unwrap_or_default()
    );
    if !d.attachments.is_empty() {
        let _ = writeln!(o, "  附件 {} 个：", d.attachments.len());
        for a in &d.attachments {
            let _ = writeln!(o, "    {} {}", a.name, a.url);
        }
    }
    for n in &d.notes {
        let _ = writeln!(o, "  注意：{n}");
    }
}
