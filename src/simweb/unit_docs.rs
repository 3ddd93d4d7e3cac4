//! Each unit's planted documents on the county portal: 权责清单 (T1), 政府信息公开制度 (T4),
//! reposts and local counterparts of the five city documents (T2.1), 年度目录 (T2.2), the
//! 分级分类监管 publication (D7), annual reports (D4) and activity posts with decoys (T14, D13,
//! D14). Which units lack which list varies with the seed, and one unit of each kind always lacks
//! each, so every seed exercises the negative findings.

use chrono::Duration;

use super::model::*;
use super::plant::{attach, date_in, doc, CITY_DOCS};
use super::rng::Rng;
use super::text::{esc, paragraphs};
use crate::config::Kind;

/// How a township writes the title of a repost of city document `k`.
fn repost_title(r: &mut Rng, k: usize) -> String {
    let name = CITY_DOCS[k].0;
    match r.below(6) {
        0 => name.to_string(),
        1 => format!("《{name}》"),
        2 => format!("关于转发《{name}》的通知"),
        3 if name.contains("暂行") => name.replace("暂行", ""),
        3 => format!("{}{name}", super::text::full_width("(转载)")),
        4 => name
            .replacen("重大行政决策", " 重大行政决策 ", 1)
            .trim()
            .to_string(),
        _ => name.replacen("重大行政决策", "重大行政决策\u{3000}", 1),
    }
}

fn local_title(r: &mut Rng, who: &str, k: usize) -> String {
    let phrase = CITY_DOCS[k].1;
    match r.below(3) {
        0 => format!("{who}重大行政决策{phrase}办法"),
        1 => format!("关于印发《{who}重大行政决策{phrase}实施办法》的通知"),
        _ => format!("{who}重大行政决策{phrase}制度（试行）"),
    }
}

pub fn plant_unit(m: &mut Model, u: usize) {
    let unit = m.roster.units[u].clone();
    let sec = m.unit_section(u);
    let key = |c: &str| format!("{sec}/{}/{c}", unit.id);
    let mut r = Rng::new(m.seed, &format!("unit/{}", unit.id));
    let township = unit.kind == Kind::Township;
    let position = m
        .roster
        .of_kind(unit.kind)
        .position(|x| x.id == unit.id)
        .unwrap_or(0);
    let kind_len = m.roster.of_kind(unit.kind).count().max(1);
    // One unit of each kind always lacks each list, so every seed exercises the negative finding.
    let seed = m.seed;
    let forced_gap = |salt: u64| position == ((seed + salt) % kind_len as u64) as usize;

    // 权责清单
    if !forced_gap(0) && r.chance(0.85) {
        let date = date_in(&mut r, 2023, 1, 9);
        let title = match r.below(3) {
            0 => format!("{}权责清单", unit.short),
            1 => format!("{}权责清单（2023年版）", unit.name),
            _ => format!("关于公布{}权责清单的公告", unit.short),
        };
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &key("qzqd"),
            Some(u),
            &title,
            date,
            Role::PowerList,
        );
        d.body = format!(
            "<p>根据县委、县政府关于推行权力清单和责任清单制度的部署，现将{}权责清单予以公布，接受社会监督。</p>\n{}",
            esc(&unit.name),
            paragraphs(&mut r, 1)
        );
        let ext = if r.chance(0.6) { "xlsx" } else { "xls" };
        attach(&mut d, &format!("{}权责清单.{ext}", unit.short));
        m.add_doc(d);
    } else {
        let title = format!("{}便民服务事项目录", unit.short);
        let date = date_in(&mut r, 2023, 2, 10);
        let d = doc(
            m,
            &mut r,
            Site::County,
            &key("qzqd"),
            Some(u),
            &title,
            date,
            Role::Other,
        );
        m.add_doc(d);
    }

    // 政府信息公开制度
    if !forced_gap(3) && r.chance(0.85) {
        let which = *r.pick(&[
            "政府信息公开工作制度",
            "政府信息公开保密审查制度",
            "政府信息公开申请办理制度",
        ]);
        let title = format!("{}{which}", unit.short);
        let date = date_in(&mut r, 2023, 1, 11);
        let mut d = doc(
            m,
            &mut r,
            Site::County,
            &key("gkzd"),
            Some(u),
            &title,
            date,
            Role::DisclosureRules,
        );
        if r.chance(0.5) {
            let ext = if r.chance(0.5) { "doc" } else { "pdf" };
            attach(&mut d, &format!("{title}.{ext}"));
        }
        m.add_doc(d);
    }

    if township {
        // T2.1 reposts and local counterparts, across 重大行政决策 and 政策文件.
        for k in 0..CITY_DOCS.len() {
            if r.chance(0.55) {
                let title = repost_title(&mut r, k);
                let col = if r.chance(0.5) { "zdxzjc" } else { "zcwj" };
                let date = date_in(&mut r, 2023, 1, 11);
                let d = doc(
                    m,
                    &mut r,
                    Site::County,
                    &key(col),
                    Some(u),
                    &title,
                    date,
                    Role::Repost(k),
                );
                m.add_doc(d);
            }
            if r.chance(0.35) {
                let who = if r.chance(0.5) {
                    unit.short.clone()
                } else {
                    unit.name.replace("人民政府", "")
                };
                let title = local_title(&mut r, &who, k);
                let col = if r.chance(0.5) { "zdxzjc" } else { "zcwj" };
                let date = date_in(&mut r, 2023, 2, 12);
                let d = doc(
                    m,
                    &mut r,
                    Site::County,
                    &key(col),
                    Some(u),
                    &title,
                    date,
                    Role::Local(k),
                );
                m.add_doc(d);
            }
        }
        // T2.2 年度目录: the 2022 one as a decoy, the 2023 one on time, late, or missing.
        if r.chance(0.6) {
            let title = format!("{}2022年度重大行政决策事项目录", unit.short);
            let date = date_in(&mut r, 2022, 2, 4);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("zdxzjc/ndml"),
                Some(u),
                &title,
                date,
                Role::Catalog(2022),
            );
            m.add_doc(d);
        }
        if !forced_gap(5) && r.chance(0.8) {
            let title = match r.below(3) {
                0 => format!("{}2023年度重大行政决策事项目录", unit.short),
                1 => format!("《{}2023年度重大行政决策事项目录》", unit.short),
                _ => format!(
                    "关于公布{}2023年度重大行政决策事项目录的通知",
                    unit.name.replace("人民政府", "")
                ),
            };
            let date = match r.below(10) {
                0 => ymd((2023, 3, 31)),
                1..=6 => date_in(&mut r, 2023, 1, 3),
                _ => date_in(&mut r, 2023, 4, 6),
            };
            let mut d = doc(
                m,
                &mut r,
                Site::County,
                &key("zdxzjc/ndml"),
                Some(u),
                &title,
                date,
                Role::Catalog(2023),
            );
            if r.chance(0.4) {
                d.url_date = date + Duration::days(r.range(1, 12));
                d.appeared = d.url_date;
            }
            attach(
                &mut d,
                &format!(
                    "{}2023年度重大行政决策事项目录.{}",
                    unit.short,
                    if r.chance(0.5) { "xlsx" } else { "pdf" }
                ),
            );
            m.add_doc(d);
        }
        // Ordinary policy files.
        for _ in 0..r.range(1, 3) {
            let topic = *r.pick(&[
                "森林防火工作方案",
                "防汛应急预案",
                "人居环境整治实施方案",
                "秋粮收购工作方案",
            ]);
            let title = format!("{}2023年{topic}", unit.short);
            let date = date_in(&mut r, 2023, 1, 12);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("zcwj"),
                Some(u),
                &title,
                date,
                Role::Other,
            );
            m.add_doc(d);
        }
    } else {
        let title = format!("{}2023年工作要点", unit.short);
        let date = date_in(&mut r, 2023, 1, 3);
        let d = doc(
            m,
            &mut r,
            Site::County,
            &key("zcwj"),
            Some(u),
            &title,
            date,
            Role::Other,
        );
        m.add_doc(d);
        // D7: 分级分类监管 result published in 信用建设.
        if !forced_gap(7) && r.chance(0.6) {
            let title = match r.below(2) {
                0 => format!("{}2023年度信用分级分类监管结果公示", unit.short),
                _ => format!("关于公布{}企业信用风险分级分类监管结果的公告", unit.name),
            };
            let date = date_in(&mut r, 2023, 3, 12);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("xyjs"),
                Some(u),
                &title,
                date,
                Role::TieredSupervision,
            );
            m.add_doc(d);
        } else {
            let title = format!("{}信用承诺制工作推进情况", unit.short);
            let date = date_in(&mut r, 2023, 3, 12);
            let d = doc(
                m,
                &mut r,
                Site::County,
                &key("xyjs"),
                Some(u),
                &title,
                date,
                Role::Other,
            );
            m.add_doc(d);
        }
    }

    plant_annual_reports(m, &mut r, u, &key("gknb"), forced_gap(11));
    plant_activities(m, &mut r, u, &key("gzdt"));
}

fn plant_annual_reports(m: &mut Model, r: &mut Rng, u: usize, column: &str, skip_2023: bool) {
    let unit = m.roster.units[u].clone();
    for year in [2022, 2023] {
        if year == 2023 && (skip_2023 || !r.chance(0.9)) {
            continue;
        }
        let new_requests = if r.chance(0.4) {
            0
        } else {
            r.range(1, 25) as u32
        };
        let carried_in = if r.chance(0.7) {
            0
        } else {
            r.range(1, 3) as u32
        };
        let total = new_requests + carried_in;
        let carried_out = if total > 0 && r.chance(0.3) {
            r.range(1, i64::from(total.min(3))) as u32
        } else {
            0
        };
        let concluded = total - carried_out;
        let on_time = if total > 0 && r.chance(0.3) {
            total - r.range(1, i64::from(total.min(2))) as u32
        } else {
            total
        };
        let report = AnnualReport {
            year,
            new_requests,
            carried_in,
            concluded,
            carried_out,
            on_time,
        };
        let title = format!("{}{year}年政府信息公开工作年度报告", unit.name);
        let date = ymd((year + 1, 1, 1)) + Duration::days(r.range(5, 30));
        let mut d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &title,
            date,
            Role::AnnualReport(report),
        );
        if r.chance(0.3) {
            // Uploaded weeks later than the displayed date, as on tongbai.gov.cn.
            d.url_date = (date + Duration::days(r.range(10, 60))).min(ymd(SITE_BASE).max(date));
            d.appeared = d.url_date;
        }
        d.body = super::report::annual_report_body(&unit.name, &report);
        m.add_doc(d);
    }
}

fn plant_activities(m: &mut Model, r: &mut Rng, u: usize, column: &str) {
    let unit = m.roster.units[u].clone();
    let who = unit.short.clone();
    let township = unit.kind == Kind::Township;
    let education = [
        "开展公务员诚信教育专题培训",
        "组织干部职工开展诚信教育专题讲座",
        "开展政务诚信教育活动",
        "举办公职人员诚信教育暨警示教育大会",
    ];
    let publicity = [
        "开展政务诚信宣传月活动",
        "开展“诚信宣传进社区”活动",
        "组织开展政务诚信宣传周活动",
    ];
    let decoys = [
        "开展防范电信网络诈骗宣传活动",
        "举办诚信经营示范户表彰会",
        "召开企业诚信经营座谈会",
        "开展法治宣传进万家活动",
    ];
    let n_edu = r.range(0, if township { 4 } else { 3 });
    let mut used = Vec::new();
    for _ in 0..n_edu {
        let t = *r.pick(&education);
        if used.contains(&t) {
            continue;
        }
        used.push(t);
        let date = date_in(r, 2023, 1, 12);
        let d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &format!("{who}{t}"),
            date,
            Role::Activity(ActivityKind::Education),
        );
        m.add_doc(d);
    }
    if !township {
        for _ in 0..r.range(0, 3) {
            let t = *r.pick(&publicity);
            if used.contains(&t) {
                continue;
            }
            used.push(t);
            let date = date_in(r, 2023, 1, 12);
            let d = doc(
                m,
                r,
                Site::County,
                column,
                Some(u),
                &format!("{who}{t}"),
                date,
                Role::Activity(ActivityKind::Publicity),
            );
            m.add_doc(d);
        }
    }
    // An activity of the year before, outside the period, and decoys.
    if r.chance(0.4) {
        let date = date_in(r, 2022, 5, 11);
        let t = *r.pick(&education);
        let d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &format!("{who}{t}"),
            date,
            Role::Activity(ActivityKind::Education),
        );
        m.add_doc(d);
    }
    for _ in 0..r.range(1, 2) {
        let t = *r.pick(&decoys);
        let date = date_in(r, 2023, 1, 12);
        let d = doc(
            m,
            r,
            Site::County,
            column,
            Some(u),
            &format!("{who}{t}"),
            date,
            Role::Decoy,
        );
        m.add_doc(d);
    }
}
