//! The pieces of the hand-written binary forms: little-endian integers, LEB128 counts, strings
//! with a u16 or LEB128 length, exact times, page roles. Since schema 7 the records written for
//! nearly every URL every night go through the store's postcard codec ([`super::typed`]); these
//! remain for reading the page schedules, run events, page records and list extracts of older
//! stores, and for the forms still written by hand (event chunks, snapshot metadata).

use chrono::{DateTime, Utc};

use super::pages::Role;

/// A string with its u16 length. URLs and source names are far below 64 KiB; a longer one is
/// cut at a character boundary rather than written with a wrong length.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(u16::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    /// A big-endian u64 (a URL number, as keys hold it).
    pub(crate) fn u64_be(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.bytes(8)?.try_into().ok()?))
    }
    pub(crate) fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
    pub(crate) fn str(&mut self) -> Option<String> {
        let n = u16::from_le_bytes(self.bytes(2)?.try_into().ok()?);
        String::from_utf8(self.bytes(n as usize)?.to_vec()).ok()
    }
}

/// An unsigned LEB128 integer: a zero count takes one byte.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

impl Reader<'_> {
    pub(crate) fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.bytes(1)?[0];
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }
}

/// A string with its LEB128 length, for fields with no natural bound (an error message).
pub(crate) fn put_text(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A time exactly: seconds (i64) and nanoseconds (u32), little-endian.
pub(crate) fn put_time(out: &mut Vec<u8>, t: DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_le_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
}

impl Reader<'_> {
    pub(crate) fn text(&mut self) -> Option<String> {
        let n = usize::try_from(self.varint()?).ok()?;
        String::from_utf8(self.bytes(n)?.to_vec()).ok()
    }

    pub(crate) fn time(&mut self) -> Option<DateTime<Utc>> {
        let secs = self.i64()?;
        let nanos = u32::from_le_bytes(self.bytes(4)?.try_into().ok()?);
        DateTime::from_timestamp(secs, nanos)
    }
}

/// A page's role as every binary form stores it (two bits).
pub(crate) fn role_code(r: Role) -> u8 {
    match r {
        Role::List => 0,
        Role::Detail => 1,
        Role::Attachment => 2,
    }
}

/// The role a [`role_code`] stands for.
pub(crate) fn role_of(code: u8) -> Option<Role> {
    match code {
        0 => Some(Role::List),
        1 => Some(Role::Detail),
        2 => Some(Role::Attachment),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_strings_round_trip() {
        let mut out = Vec::new();
        for n in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            put_varint(&mut out, n);
        }
        put_str(&mut out, "桐柏县");
        let mut r = Reader(&out);
        for n in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(r.varint(), Some(n));
        }
        assert_eq!(r.str().as_deref(), Some("桐柏县"));
        assert!(r.0.is_empty());
        // Cut short: nothing, not a wrong number.
        assert_eq!(Reader(&[0x80, 0x80]).varint(), None);
        assert_eq!(Reader(&[5, 0, b'a']).str(), None);
    }
}
