//! Serving stored bytes safely: the one `Range` a download honours (RFC 9110, section 14),
//! and a `Content-Disposition` that names the file whatever characters its name holds
//! (RFC 6266, with RFC 8187's `filename*`).

use std::ops::Range;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a `Range` header asks of a representation of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Ranged {
    /// No range, or one the service does not serve (several ranges, another unit, bad syntax):
    /// the whole content, 200.
    Whole,
    /// These bytes, 206.
    Part(Range<u64>),
    /// A range outside the content, 416.
    Unsatisfiable,
}

/// Reads `bytes=a-b`, `bytes=a-` and `bytes=-n`.
pub fn ranged(header: Option<&str>, size: u64) -> Ranged {
    let Some(spec) = header.and_then(|value| value.trim().strip_prefix("bytes=")) else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Ranged::Whole };
    let number = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => Ranged::Whole,
            Some(0) => Ranged::Unsatisfiable,
            Some(_) if size == 0 => Ranged::Unsatisfiable,
            Some(length) => Ranged::Part(size.saturating_sub(length)..size),
        },
        (start, end) => {
            let Some(start) = number(start) else { return Ranged::Whole };
            let end = if end.is_empty() { Some(u64::MAX) } else { number(end) };
            match end {
                None => Ranged::Whole,
                Some(end) if end < start => Ranged::Whole,
                Some(_) if start >= size => Ranged::Unsatisfiable,
                Some(end) => Ranged::Part(start..end.saturating_add(1).min(size)),
            }
        }
    }
}

/// Every byte but letters, digits and RFC 8187's `attr-char` punctuation is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<the name, encoded>`.
pub fn attachment_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", utf8_percent_encode(name, ATTR_CHAR))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_byte_ranges_are_served_and_others_are_not() {
        assert_eq!(ranged(None, 10), Ranged::Whole);
        assert_eq!(ranged(Some("bytes=0-4"), 10), Ranged::Part(0..5));
        assert_eq!(ranged(Some("bytes=5-"), 10), Ranged::Part(5..10));
        assert_eq!(ranged(Some("bytes=-3"), 10), Ranged::Part(7..10));
        assert_eq!(ranged(Some("bytes=-30"), 10), Ranged::Part(0..10));
        assert_eq!(ranged(Some("bytes=8-100"), 10), Ranged::Part(8..10));
        assert_eq!(ranged(Some("bytes=10-"), 10), Ranged::Unsatisfiable);
        assert_eq!(ranged(Some("bytes=-0"), 10), Ranged::Unsatisfiable);
        assert_eq!(ranged(Some("bytes=0-0"), 0), Ranged::Unsatisfiable);
        for ignored in ["bytes=0-1,3-4", "items=0-1", "bytes=5-2", "bytes=a-b", "bytes=", "bytes=-", "0-1"] {
            assert_eq!(ranged(Some(ignored), 10), Ranged::Whole, "{ignored}");
        }
    }

    #[test]
    fn any_name_becomes_a_safe_disposition() {
        assert_eq!(
            attachment_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            attachment_disposition("naïve \"plan\";.txt"),
            "attachment; filename=\"na_ve _plan_;.txt\"; filename*=UTF-8''na%C3%AFve%20%22plan%22%3B.txt"
        );
    }
}
