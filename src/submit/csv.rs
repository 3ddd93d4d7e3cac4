//! The long CSV form of a submission, one fact a row: `unit,indicator,field,value,note` (header
//! required; the Chinese headers of the workbook are accepted too). Bytes are UTF-8 with or
//! without BOM, or GB18030 (what Excel on a Chinese Windows saves as “CSV”): a file that is not
//! valid UTF-8 is decoded as GB18030, and one that is neither is refused.

use super::rows::{CellValue, Columns, ImportProblem, Location, RawRow};

/// The text of a CSV file and the encoding it was read in.
pub fn decode(bytes: &[u8]) -> Option<(String, &'static str)> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        return (!had_errors).then(|| (text.into_owned(), enc.name()));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some((s.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| (text.into_owned(), "GB18030"))
}

/// Reads the rows of one CSV file; every problem of the file's shape is returned at once.
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Vec<RawRow>, Vec<ImportProblem>> {
    let problem = |at: Location, message: String| ImportProblem {
        at,
        subject: None,
        message,
    };
    let Some((text, _encoding)) = decode(bytes) else {
        return Err(vec![problem(
            Location::file(file),
            "无法识别文件编码：既不是 UTF-8 也不是 GB18030".into(),
        )]);
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(str::to_string).collect(),
        Some(Err(e)) => {
            return Err(vec![problem(
                Location::file(file),
                format!("无法读取表头：{e}"),
            )])
        }
        None => {
            return Err(vec![problem(
                Location::file(file),
                "文件为空，缺少表头 unit,indicator,field,value,note".into(),
            )])
        }
    };
    let cols = match Columns::find(&header) {
        Ok(c) => c,
        Err(missing) => {
            let mut at = Location::file(file);
            at.row = Some(1);
            return Err(vec![problem(
                at,
                format!(
                    "表头缺少列 {}（表头应为 unit,indicator,field,value,note），读到：{}",
                    missing.join("、"),
                    header.join(",")
                ),
            )]);
        }
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, rec) in records.enumerate() {
        let row = i as u32 + 2;
        let at = Location {
            file: file.to_string(),
            sheet: None,
            row: Some(row),
            column: None,
        };
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(at, format!("无法读取该行：{e}")));
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() > cols.names.len() {
            problems.push(problem(
                at,
                format!(
                    "该行有 {} 列，表头只有 {} 列（值中含英文逗号时请用双引号括起）",
                    rec.len(),
                    cols.names.len()
                ),
            ));
            continue;
        }
        let cell = |idx: usize| cols.cell(idx, CellValue::from_text(rec.get(idx).unwrap_or("")));
        rows.push(RawRow {
            file: file.to_string(),
            sheet: None,
            row,
            unit: cell(cols.unit),
            item: cell(cols.item),
            field: cell(cols.field),
            value: cell(cols.value),
            note: cols
                .note
                .and_then(|n| rec.get(n))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "unit,indicator,field,value,note\n城关镇,T3.1,cases,4,判决书\n城关镇,T14,activities,\"a；b\nc\",\n\n城关镇,T5,failures,1\n";

    #[test]
    fn reads_utf8_bom_and_gb18030_alike() {
        let plain = read_csv("a.csv", TEXT.as_bytes()).unwrap();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(TEXT.as_bytes());
        let (gb, _, _) = encoding_rs::GB18030.encode(TEXT);
        assert!(std::str::from_utf8(&gb).is_err());
        assert_eq!(read_csv("a.csv", &bom).unwrap(), plain);
        assert_eq!(read_csv("a.csv", &gb).unwrap(), plain);
        assert_eq!(plain.len(), 3);
        assert_eq!(plain[0].row, 2);
        assert_eq!(plain[0].note.as_deref(), Some("判决书"));
        assert_eq!(plain[1].value.value, CellValue::Text("a；b\nc".into()));
        // Row numbers count records as a spreadsheet shows them; the blank line is skipped.
        assert_eq!(plain[2].row, 4);
        assert_eq!(plain[2].value.column, "D(value)");
        assert_eq!(decode(&gb).unwrap().1, "GB18030");
    }

    #[test]
    fn shape_errors_name_the_place() {
        let e = read_csv("b.csv", "unit,field,value\n".as_bytes()).unwrap_err();
        assert!(e[0].to_string().contains("b.csv 第1行"), "{}", e[0]);
        assert!(e[0].message.contains("indicator"));
        let e = read_csv(
            "c.csv",
            "unit,indicator,field,value,note\nx,T14,activities,a,b,c,d\n".as_bytes(),
        )
        .unwrap_err();
        assert!(e[0].to_string().starts_with("c.csv 第2行"), "{}", e[0]);
        assert!(read_csv("d.csv", b"").is_err());
        // 0xFF is neither UTF-8 nor GB18030.
        let e = read_csv("e.csv", &[b'u', 0xFF, b'\n']).unwrap_err();
        assert!(
            e[0].to_string().starts_with("e.csv: 无法识别文件编码"),
            "{}",
            e[0]
        );
    }
}
