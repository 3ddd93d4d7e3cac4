//! The report's charts as hand-written SVG: totals by unit (bars), the distribution of totals
//! (histogram), the category heat-map (units × 一级指标) and the weakest items. Inline SVG needs
//! no library, no font files and no script, and prints sharply. Every label is escaped.

use std::fmt::Write;

use super::escape::html as esc;
use super::show;

const FONT: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif";
const ROW: f64 = 20.0;
const LABEL_W: f64 = 160.0;

/// Colour for a share of the maximum: red (0) → amber (0.5) → green (1).
pub(crate) fn ratio_colour(r: f64) -> String {
    let r = if r.is_finite() {
        r.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (lo, hi, t) = if r < 0.5 {
        ((215.0, 48.0, 39.0), (254.0, 224.0, 139.0), r / 0.5)
    } else {
        ((254.0, 224.0, 139.0), (26.0, 152.0, 80.0), (r - 0.5) / 0.5)
    };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(lo.0, hi.0),
        mix(lo.1, hi.1),
        mix(lo.2, hi.2)
    )
}

/// Cuts a label to `n` characters, marking the cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn open(out: &mut String, w: f64, h: f64, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{t}\" font-family=\"{FONT}\" \
         font-size=\"12\"><title>{t}</title>",
        t = esc(title)
    );
}

/// Horizontal bars of `value` out of `scale`, one per label, in the given order.
pub(crate) fn bars(title: &str, rows: &[(String, f64)], scale: f64) -> String {
    let plot_w = 520.0;
    let top = 28.0;
    let w = LABEL_W + plot_w + 60.0;
    let h = top + ROW * rows.len() as f64 + 24.0;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let mut out = String::new();
    open(&mut out, w, h, title);
    let _ = write!(
        out,
        "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        esc(title)
    );
    let bottom = top + ROW * rows.len() as f64;
    for step in 0..=5 {
        let v = scale * step as f64 / 5.0;
        let x = LABEL_W + plot_w * step as f64 / 5.0;
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#ddd\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">{}</text>",
            bottom + 16.0,
            show(v)
        );
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + ROW * i as f64;
        let bw = (plot_w * (value / scale).clamp(0.0, 1.0)).max(0.0);
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL_W - 6.0,
            y + 14.0,
            esc(&clip(label, 12)),
            y + 3.0,
            ROW - 6.0,
            ratio_colour(value / scale),
            LABEL_W + bw + 4.0,
            y + 14.0,
            show(*value)
        );
    }
    out.push_str("</svg>");
    out
}

/// Counts of totals in bins of 10 points from 0 to 100 (100 falls in the last bin).
pub(crate) fn bins(totals: &[f64]) -> [usize; 10] {
    let mut b = [0usize; 10];
    for t in totals {
        let i = if t.is_finite() {
            ((t / 10.0).floor().max(0.0) as usize).min(9)
        } else {
            0
        };
        b[i] += 1;
    }
    b
}

/// A histogram of totals in bins of 10 points.
pub(crate) fn histogram(title: &str, totals: &[f64]) -> String {
    let counts = bins(totals);
    let peak = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (left, top, plot_w, plot_h) = (36.0, 32.0, 500.0, 180.0);
    let bw = plot_w / 10.0;
    let mut out = String::new();
    open(&mut out, left + plot_w + 20.0, top + plot_h + 40.0, title);
    let _ = write!(
        out,
        "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>\
         <line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>",
        esc(title),
        top + plot_h,
        left + plot_w,
        top + plot_h
    );
    for (i, n) in counts.iter().enumerate() {
        let x = left + bw * i as f64;
        let bh = plot_h * *n as f64 / peak;
        let y = top + plot_h - bh;
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4878a8\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\" font-size=\"11\">{}–{}</text>",
            x + 2.0,
            bw - 4.0,
            x + bw / 2.0,
            y - 4.0,
            x + bw / 2.0,
            top + plot_h + 16.0,
            i * 10,
            i * 10 + 10
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">总分区间（单位数）</text></svg>",
        left + plot_w / 2.0,
        top + plot_h + 34.0
    );
    out
}

/// A heat-map: one row per unit, one column per category, each cell a share of the maximum
/// (`None`: nothing scored, shown grey).
pub(crate) fn heatmap(
    title: &str,
    columns: &[String],
    rows: &[(String, Vec<Option<f64>>)],
) -> String {
    let (cell_w, top) = (96.0, 48.0);
    let w = LABEL_W + cell_w * columns.len() as f64 + 10.0;
    let h = top + ROW * rows.len() as f64 + 10.0;
    let mut out = String::new();
    open(&mut out, w, h, title);
    let _ = write!(
        out,
        "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        esc(title)
    );
    for (j, c) in columns.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            LABEL_W + cell_w * (j as f64 + 0.5),
            top - 8.0,
            esc(&clip(c, 7))
        );
    }
    for (i, (label, cells)) in rows.iter().enumerate() {
        let y = top + ROW * i as f64;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 6.0,
            y + 14.0,
            esc(&clip(label, 12))
        );
        for (j, cell) in cells.iter().enumerate() {
            let x = LABEL_W + cell_w * j as f64;
            let (fill, text) = match cell {
                Some(r) => (ratio_colour(*r), format!("{}%", show(r * 100.0))),
                None => ("#d9d9d9".to_string(), "缺".to_string()),
            };
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#fff\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{text}</text>",
                x,
                cell_w,
                ROW,
                x + cell_w / 2.0,
                y + 14.0
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_red_to_green() {
        assert_eq!(ratio_colour(0.0), "#d73027");
        assert_eq!(ratio_colour(0.5), "#fee08b");
        assert_eq!(ratio_colour(1.0), "#1a9850");
        assert_eq!(ratio_colour(f64::NAN), "#d73027");
        assert_eq!(ratio_colour(7.0), "#1a9850");
    }

    #[test]
    fn bins_put_100_in_the_last_bin() {
        let b = bins(&[0.0, 9.99, 10.0, 55.5, 100.0, -1.0]);
        assert_eq!(b, [3, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    }

    #[test]
    fn labels_are_escaped_and_clipped() {
        let svg = bars("总分", &[("<b>甲</b>".into(), 50.0)], 100.0);
        assert!(svg.contains("&lt;b&gt;甲&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        assert_eq!(clip("一二三四五", 3), "一二…");
        let heat = heatmap("热力图", &["依法行政".into()], &[("甲".into(), vec![None])]);
        assert!(heat.contains(">缺<"));
    }
}
