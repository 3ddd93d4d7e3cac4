//! 统一社会信用代码 (GB 32100-2015): the 18-character unified social credit code and its check
//! digit. A 双公示 record is compliant only when its 行政相对人's code passes this check.
//!
//! Layout: 1 登记管理部门码, 1 机构类别码, 6 登记管理机关行政区划码, 9 主体标识码 (组织机构代码),
//! 1 校验码. Characters come from `0-9 A-H J-N P-R T-U W-Y` (no I, O, S, V, Z), valued 0–30 in
//! that order; check = 31 − (Σ value × weight mod 31), with 31 written as `0`.

use std::fmt;

/// The 31 characters of the code, in value order.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17.
pub const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is not a valid 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码应为18位，实际{0}位")]
    Length(usize),
    #[error("统一社会信用代码第{position}位含非法字符“{found}”")]
    Charset { position: usize, found: char },
    #[error("统一社会信用代码校验位错误：应为{expected}，实际为{found}")]
    CheckDigit { expected: char, found: char },
}

/// A validated code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Validates `text` (surrounding whitespace ignored; letters must be upper case, as issued).
    pub fn parse(text: &str) -> Result<Uscc, UsccError> {
        validate(text)?;
        Ok(Uscc(text.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn value_of(c: char) -> Option<u32> {
    CHARSET.chars().position(|x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters of a code.
pub fn check_char(first17: &str) -> Result<char, UsccError> {
    let chars: Vec<char> = first17.chars().collect();
    if chars.len() != 17 {
        return Err(UsccError::Length(chars.len() + 1));
    }
    let mut sum = 0u32;
    for (i, (c, w)) in chars.iter().zip(WEIGHTS).enumerate() {
        let v = value_of(*c).ok_or(UsccError::Charset {
            position: i + 1,
            found: *c,
        })?;
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    // `check` is below 31 by construction, so the charset always has it.
    Ok(CHARSET.chars().nth(check as usize).unwrap_or('0'))
}

/// Checks length, charset and check digit.
pub fn validate(text: &str) -> Result<(), UsccError> {
    let t = text.trim();
    let chars: Vec<char> = t.chars().collect();
    if chars.len() != 18 {
        return Err(UsccError::Length(chars.len()));
    }
    let first17: String = chars[..17].iter().collect();
    let expected = check_char(&first17)?;
    let found = chars[17];
    if value_of(found).is_none() {
        return Err(UsccError::Charset {
            position: 18,
            found,
        });
    }
    if found != expected {
        return Err(UsccError::CheckDigit { expected, found });
    }
    Ok(())
}

pub fn is_valid(text: &str) -> bool {
    validate(text).is_ok()
}

/// Completes 17 characters with their check character (used by simweb to plant valid codes).
pub fn complete(first17: &str) -> Result<String, UsccError> {
    let c = check_char(first17)?;
    Ok(format!("{first17}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_codes() {
        for code in [
            "91350100M000100Y43",
            "91230500MA1B3N1N2M",
            "91320322MABLP2X24R",
            "91320105780688132K",
        ] {
            assert_eq!(validate(code), Ok(()), "{code}");
            assert!(Uscc::parse(code).is_ok());
        }
    }

    #[test]
    fn corrupted_check_digit_is_reported_with_expected_value() {
        assert_eq!(
            validate("91350100M000100Y44"),
            Err(UsccError::CheckDigit {
                expected: '3',
                found: '4'
            })
        );
        let msg = validate("91350100M000100Y44").unwrap_err().to_string();
        assert!(msg.contains("校验位"), "{msg}");
    }

    #[test]
    fn corrupted_body_changes_the_check() {
        // One changed character in the body must break the check (weights are all nonzero mod 31).
        let good = "91350100M000100Y43";
        let mut chars: Vec<char> = good.chars().collect();
        chars[5] = '7';
        let bad: String = chars.into_iter().collect();
        assert!(matches!(validate(&bad), Err(UsccError::CheckDigit { .. })));
    }

    #[test]
    fn length_and_charset_errors() {
        assert_eq!(validate("9135010"), Err(UsccError::Length(7)));
        assert_eq!(
            validate("91350100I000100Y43"),
            Err(UsccError::Charset {
                position: 9,
                found: 'I'
            })
        );
        assert!(matches!(
            validate("91350100M000100Y4O"),
            Err(UsccError::Charset { position: 18, .. })
        ));
        assert!(!is_valid(""));
    }

    #[test]
    fn complete_yields_valid_codes_and_zero_for_31() {
        let code = complete("91350100M000100Y4").unwrap();
        assert_eq!(code, "91350100M000100Y43");
        for body in [
            "12411330000000000",
            "91411330MA0000000",
            "52411330MJ1234567",
        ] {
            let c = complete(body).unwrap();
            assert!(is_valid(&c), "{c}");
        }
    }
}
