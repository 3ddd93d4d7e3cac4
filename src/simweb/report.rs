//! The body of a 政府信息公开工作年度报告 in the standard shape of 国办公开办函〔2021〕30号: the
//! 主动公开 table and the table of 收到和处理政府信息公开申请情况 (本年新收, 上年结转, 本年度办理结果
//! with its 总计, 结转下年度继续办理), the source of D4's requests and concluded counts.

use super::model::AnnualReport;
use super::text::esc;

pub fn annual_report_body(unit_name: &str, r: &AnnualReport) -> String {
    let total = r.new_requests + r.carried_in;
    let mut s = String::new();
    s.push_str(&format!(
        "<p>本报告根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告的有关要求编制，由{}编制。</p>\n",
        esc(unit_name)
    ));
    s.push_str("<p>一、总体情况</p>\n");
    if total == 0 {
        s.push_str(&format!("<p>{}年未收到政府信息公开申请。</p>\n", r.year));
    } else {
        s.push_str(&format!(
            "<p>（二）依申请公开。{}年，共收到依申请公开{}件，上年结转{}件，按期答复{}件，办结{}件，结转下年度继续办理{}件。</p>\n",
            r.year, r.new_requests, r.carried_in, r.on_time, r.concluded, r.carried_out
        ));
    }
    s.push_str("<p>二、主动公开政府信息情况</p>\n<table class=\"report-table\" border=\"1\">\n<tr><td colspan=\"4\">第二十条第（一）项</td></tr>\n<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\n<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>\n<tr><td>行政规范性文件</td><td>0</td><td>0</td><td>0</td></tr>\n</table>\n");
    s.push_str("<p>三、收到和处理政府信息公开申请情况</p>\n<table class=\"report-table apply-table\" border=\"1\">\n");
    s.push_str("<tr><td colspan=\"2\" rowspan=\"2\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan=\"2\">申请人情况</td><td rowspan=\"2\">总计</td></tr>\n<tr><td>自然人</td><td>法人或其他组织</td></tr>\n");
    // Split each count between natural persons and organisations, deterministically.
    let split = |n: u32| (n - n / 3, n / 3);
    let row = |label: &str, n: u32| {
        let (a, b) = split(n);
        format!("<tr><td colspan=\"2\">{label}</td><td>{a}</td><td>{b}</td><td>{n}</td></tr>\n")
    };
    s.push_str(&row("一、本年新收政府信息公开申请数量", r.new_requests));
    s.push_str(&row("二、上年结转政府信息公开申请数量", r.carried_in));
    let granted = r.concluded - r.concluded / 4;
    let partial = r.concluded / 4 - r.concluded / 8;
    let other = r.concluded / 8;
    s.push_str(&row("三、本年度办理结果（一）予以公开", granted));
    s.push_str(&row("三、本年度办理结果（二）部分公开", partial));
    s.push_str(&row("三、本年度办理结果（三）不予公开", 0));
    s.push_str(&row("三、本年度办理结果（四）无法提供", other));
    s.push_str(&row("三、本年度办理结果（五）不予处理", 0));
    s.push_str(&row("三、本年度办理结果（六）其他处理", 0));
    s.push_str(&row("三、本年度办理结果（七）总计", r.concluded));
    s.push_str(&row("四、结转下年度继续办理", r.carried_out));
    s.push_str("</table>\n");
    s.push_str("<p>四、政府信息公开行政复议、行政诉讼情况</p>\n<p>本年度未发生政府信息公开行政复议、行政诉讼。</p>\n");
    s.push_str("<p>五、存在的主要问题及改进情况</p>\n<p>下一步，将进一步规范依申请公开办理流程，提高答复质量。</p>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_balance() {
        let r = AnnualReport {
            year: 2023,
            new_requests: 9,
            carried_in: 2,
            concluded: 10,
            carried_out: 1,
            on_time: 11,
        };
        let body = annual_report_body("桐柏县财政局", &r);
        assert!(
            body.contains("本年新收政府信息公开申请数量</td><td>6</td><td>3</td><td>9</td>"),
            "{body}"
        );
        assert!(body.contains("（七）总计</td><td>7</td><td>3</td><td>10</td>"));
        assert!(body.contains("结转下年度继续办理</td><td>1</td><td>0</td><td>1</td>"));
        assert!(body.contains("按期答复11件"));
    }
}
