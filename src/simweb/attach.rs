//! Attachment bytes: a real `.xlsx` (rust_xlsxwriter, fixed creation time so the bytes are
//! deterministic), an `.xls` that is an HTML table (as many government CMSs export), a minimal
//! `.pdf` and an RTF `.doc`. The content names the document, so an extractor has text to read.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};

use super::model::{Attachment, Doc};
use super::page::Reply;

const ROWS: [(&str, &str); 6] = [
    ("行政许可", "依据《中华人民共和国行政许可法》"),
    ("行政处罚", "依据《中华人民共和国行政处罚法》"),
    ("行政强制", "依据《中华人民共和国行政强制法》"),
    ("行政检查", "依据有关法律法规"),
    ("行政确认", "依据有关法律法规"),
    ("其他行政权力", "依据有关法律法规"),
];

pub fn attachment(doc: &Doc, a: &Attachment) -> Reply {
    let title = &doc.title;
    let ext = super::plant::ext_of(&a.name).to_ascii_lowercase();
    let modified = doc.appeared;
    match ext.as_str() {
        "xlsx" => match xlsx(title) {
            Ok(bytes) => Reply::bytes(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                modified,
            ),
            Err(_) => Reply::bytes(
                html_table(title).into_bytes(),
                "application/vnd.ms-excel",
                modified,
            ),
        },
        "xls" => Reply::bytes(
            html_table(title).into_bytes(),
            "application/vnd.ms-excel",
            modified,
        ),
        "doc" => Reply::bytes(rtf(title), "application/msword", modified),
        _ => Reply::bytes(pdf(title), "application/pdf", modified),
    }
}

fn xlsx(title: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2023, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_creation_datetime(&created),
    );
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, title)?;
    for (c, h) in ["序号", "事项类型", "事项名称", "设定依据", "责任事项"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *h)?;
    }
    for (i, (kind, basis)) in ROWS.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, *kind)?;
        ws.write_string(r, 2, format!("{kind}事项{}", i + 1))?;
        ws.write_string(r, 3, *basis)?;
        ws.write_string(r, 4, "受理、审查、决定、送达、监管")?;
    }
    wb.save_to_buffer()
}

fn html_table(title: &str) -> String {
    let mut s = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><table border=\"1\"><tr><td colspan=\"4\">{}</td></tr><tr><td>序号</td><td>事项类型</td><td>事项名称</td><td>设定依据</td></tr>",
        super::text::esc(title)
    );
    for (i, (kind, basis)) in ROWS.iter().enumerate() {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{kind}</td><td>{kind}事项{}</td><td>{basis}</td></tr>",
            i + 1,
            i + 1
        ));
    }
    s.push_str("</table></body></html>");
    s
}

fn rtf(title: &str) -> Vec<u8> {
    let mut s = String::from("{\\rtf1\\ansi\\ansicpg936\\deff0 ");
    for c in title.chars() {
        if c.is_ascii() {
            s.push(c);
        } else {
            s.push_str(&format!("\\u{}?", c as u32 as i16));
        }
    }
    s.push_str("\\par }");
    s.into_bytes()
}

/// A one-page PDF whose text is the title as UTF-16 hex (readable by PDF text extractors that
/// honour a Unicode string; the layout does not matter here).
fn pdf(title: &str) -> Vec<u8> {
    let hex: String = title.encode_utf16().map(|u| format!("{u:04X}")).collect();
    let content = format!("BT /F1 12 Tf 72 720 Td <FEFF{hex}> Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}
