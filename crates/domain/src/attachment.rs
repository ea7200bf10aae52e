//! Attachments: files a user keeps with one of their todos. The bytes live in a blob store;
//! the service keeps what it needs to list them and to serve them safely.

use crate::{Timestamp, TodoId, UserId};

/// The most attachments one todo may have.
pub const ATTACHMENTS_PER_TODO: u64 = 20;

/// The longest file name kept, in bytes of UTF-8.
pub const FILE_NAME_MAX_BYTES: usize = 255;

/// The identity of an attachment, assigned by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachmentId(i64);

impl AttachmentId {
    /// # Errors
    /// [`crate::IdError::NotPositive`] for zero and negative numbers.
    pub fn new(raw: i64) -> Result<Self, crate::IdError> {
        if raw > 0 { Ok(Self(raw)) } else { Err(crate::IdError::NotPositive(raw)) }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A file name as the service keeps it: the last part of whatever path the client sent,
/// without control characters, at most 255 bytes; `file` when nothing is left. Safe to show
/// and to put in a `Content-Disposition`, never used as a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub fn sanitize(raw: &str) -> Self {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let clean: String = last.chars().filter(|c| !c.is_control() && !is_format(*c)).collect();
        let mut name = clean.trim().to_owned();
        if name.len() > FILE_NAME_MAX_BYTES {
            let mut end = FILE_NAME_MAX_BYTES;
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            name.truncate(end);
        }
        if name.is_empty() || name == "." || name == ".." {
            name = "file".to_owned();
        }
        Self(name)
    }

    /// A name read back from storage, trusted as it was sanitized when stored.
    pub fn stored(name: String) -> Self {
        Self(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Invisible characters that change how text around them shows: zero-width ones, the
/// directional marks, embeddings, overrides and isolates (a name could pass `exe.txt` for
/// `txt.exe`), and the byte-order mark.
fn is_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// One attachment, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub todo_id: TodoId,
    pub owner: UserId,
    pub filename: FileName,
    /// The media type the client declared (`application/octet-stream` when it declared none).
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex: its strong entity tag too.
    pub sha256: String,
    /// Where the bytes are in the blob store.
    pub blob_key: String,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path_and_control_characters() {
        assert_eq!(FileName::sanitize("report.pdf").as_str(), "report.pdf");
        assert_eq!(FileName::sanitize("../../etc/passwd").as_str(), "passwd");
        assert_eq!(FileName::sanitize("C:\\Users\\ada\\notes.txt").as_str(), "notes.txt");
        assert_eq!(FileName::sanitize("a\u{0}b\r\n.txt").as_str(), "ab.txt");
        assert_eq!(FileName::sanitize("report\u{202e}fdp.exe").as_str(), "reportfdp.exe");
        assert_eq!(FileName::sanitize("\u{feff}zero\u{200b}width").as_str(), "zerowidth");
        assert_eq!(FileName::sanitize("dir/").as_str(), "file");
        assert_eq!(FileName::sanitize("..").as_str(), "file");
        assert_eq!(FileName::sanitize("  ").as_str(), "file");
    }

    #[test]
    fn long_names_are_cut_at_255_bytes_on_a_character_boundary() {
        let name = FileName::sanitize(&"é".repeat(200));
        assert_eq!(name.as_str().len(), 254);
        assert_eq!(name.as_str().chars().count(), 127);
    }
}
