//! Compiled probes written back as the source file spells them (`css:a@title`, `label:发布时间`),
//! so a report names the probe an analyst wrote (or a preset filled in).

use scraper::selector::ToCss;

use crate::config::source::Probe;

/// The source-file form of a probe.
pub fn probe(p: &Probe) -> String {
    match p {
        Probe::Css { selector, attr } => match attr {
            Some(a) => format!("css:{}@{a}", selector.to_css_string()),
            None => format!("css:{}", selector.to_css_string()),
        },
        Probe::Meta(n) => format!("meta:{n}"),
        Probe::Label(l) => format!("label:{}", l.label),
        Probe::Regex(r) => format!("re:{}", r.as_str()),
        Probe::Json(path) => format!("json:{}", path.join(".")),
        Probe::Template(t) => format!("tpl:{t}"),
    }
}

/// Several probes, as a list in the report.
pub fn probes(ps: &[Probe]) -> String {
    ps.iter().map(probe).collect::<Vec<_>>().join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_read_back_as_written() {
        for spec in [
            "css:a@title",
            "css:.list-box li:not(.empty)",
            "meta:PubDate",
            "label:发布时间",
            r"re:当前所在位置[:：]?\s*(\S+)",
            "json:data.list",
            "tpl:/detail/{id}.html",
        ] {
            let p = Probe::parse(spec).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(probe(&p), spec);
        }
    }
}
