//! Conditional requests (RFC 9110, section 13): the entity tag of a todo, and the
//! `If-Match` / `If-None-Match` headers that compare against it.
//!
//! A todo's tag is its revision in quotes (`"3"`): the revision changes with every change
//! and todo ids are never reused, so the tag names one version of one todo. It is strong:
//! two versions with the same tag are the same bytes.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderName, IF_MATCH, IF_NONE_MATCH};
use actix_web::{FromRequest, HttpRequest};
use todo_application::use_cases::Precondition;
use todo_domain::Revision;

use crate::errors::ApiError;

/// The `ETag` value of a todo at `revision`.
pub fn entity_tag(revision: Revision) -> String {
    format!("\"{revision}\"")
}

/// `If-Match` as the use cases' [`Precondition`]. Strong comparison: a weak tag, a tag of
/// another format or a header that does not parse matches no revision, so the change is
/// refused with 412 rather than made unconditionally. `*` (or no header) allows any.
pub struct IfMatch(pub Precondition);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let precondition = match tags(req, &IF_MATCH) {
            None | Some(Tags::Any) => Precondition::None,
            Some(Tags::List(tags)) => Precondition::OneOf(
                tags.iter()
                    .filter(|tag| !tag.weak)
                    .filter_map(|tag| tag.opaque.parse().ok().and_then(|raw| Revision::new(raw).ok()))
                    .collect(),
            ),
        };
        ready(Ok(Self(precondition)))
    }
}

/// `If-None-Match`, compared weakly, as for a `GET`: does the client hold this version?
pub struct IfNoneMatch(Option<Tags>);

impl IfNoneMatch {
    pub fn holds(&self, revision: Revision) -> bool {
        self.holds_tag(&revision.to_string())
    }

    /// Whether the client holds the version whose tag is `"<opaque>"`.
    pub fn holds_tag(&self, opaque: &str) -> bool {
        match &self.0 {
            None => false,
            Some(Tags::Any) => true,
            Some(Tags::List(tags)) => tags.iter().any(|held| held.opaque == opaque),
        }
    }
}

impl FromRequest for IfNoneMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(tags(req, &IF_NONE_MATCH))))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Tags {
    Any,
    List(Vec<Tag>),
}

#[derive(Debug, PartialEq, Eq)]
struct Tag {
    weak: bool,
    opaque: String,
}

/// Every value of the header, or `None` without one. A value that does not parse
/// contributes no tag.
fn tags(req: &HttpRequest, name: &HeaderName) -> Option<Tags> {
    let mut values = req.headers().get_all(name).peekable();
    values.peek()?;
    let mut list = Vec::new();
    for value in values {
        let Ok(text) = value.to_str() else { continue };
        if text.trim() == "*" {
            return Some(Tags::Any);
        }
        list.extend(parse_list(text).unwrap_or_default());
    }
    Some(Tags::List(list))
}

/// `#entity-tag`: comma-separated `"opaque"` or `W/"opaque"`; `None` if malformed.
fn parse_list(mut text: &str) -> Option<Vec<Tag>> {
    let mut tags = Vec::new();
    loop {
        text = text.trim_start_matches([' ', '\t', ',']);
        if text.is_empty() {
            return Some(tags);
        }
        let weak = text.starts_with("W/");
        let rest = text.strip_prefix("W/").unwrap_or(text).strip_prefix('"')?;
        let end = rest.find('"')?;
        tags.push(Tag { weak, opaque: rest[..end].to_owned() });
        text = &rest[end + 1..];
        if !(text.is_empty() || text.starts_with([',', ' ', '\t'])) {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn tag(weak: bool, opaque: &str) -> Tag {
        Tag { weak, opaque: opaque.to_owned() }
    }

    fn revision(raw: i64) -> Revision {
        Revision::new(raw).unwrap()
    }

    fn if_match(values: &[&str]) -> Precondition {
        let mut request = TestRequest::default();
        for value in values {
            request = request.append_header((IF_MATCH, *value));
        }
        let (req, mut payload) = request.to_http_parts();
        IfMatch::from_request(&req, &mut payload).into_inner().unwrap().0
    }

    #[test]
    fn lists_of_strong_and_weak_tags_parse() {
        assert_eq!(
            parse_list(r#""1", W/"2",,"a,b""#),
            Some(vec![tag(false, "1"), tag(true, "2"), tag(false, "a,b")])
        );
        assert_eq!(parse_list(""), Some(vec![]));
    }

    #[test]
    fn malformed_lists_do_not_parse() {
        for text in ["1", r#""1"#, r#""1"x"#, r#"W/1"#] {
            assert_eq!(parse_list(text), None, "{text}");
        }
    }

    #[test]
    fn if_match_allows_the_revisions_of_its_strong_tags_only() {
        assert_eq!(if_match(&[]), Precondition::None);
        assert_eq!(if_match(&["*"]), Precondition::None);
        assert_eq!(
            if_match(&[r#""3", W/"4""#, r#""x", "5""#]),
            Precondition::OneOf(vec![revision(3), revision(5)])
        );
        assert_eq!(if_match(&["3"]), Precondition::OneOf(vec![]));
        assert_eq!(if_match(&[r#""0""#]), Precondition::OneOf(vec![]));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let (req, _) = TestRequest::default().insert_header((IF_NONE_MATCH, r#"W/"2", "7""#)).to_http_parts();
        let held = IfNoneMatch(tags(&req, &IF_NONE_MATCH));
        assert!(held.holds(revision(2)) && held.holds(revision(7)) && !held.holds(revision(3)));
        assert!(IfNoneMatch(Some(Tags::Any)).holds(revision(1)));
        assert!(!IfNoneMatch(None).holds(revision(1)));
    }

    #[test]
    fn the_tag_of_a_revision_is_it_in_quotes() {
        assert_eq!(entity_tag(revision(12)), r#""12""#);
    }
}
