//! The domain layer: the entities (`User`, `Todo`) and the value objects whose
//! constructors are the single authority on the rules of the API (a title is 1 to
//! 200 characters and not blank, a username is 3 to 50 of a small alphabet, ...).
//!
//! It may import only pure crates: no I/O, no async, no serde, no framework. Every
//! value object has private fields, so the only way to hold one is to have passed
//! its constructor.

mod api_key;
mod attachment;
mod description;
mod email;
mod event;
mod id;
mod idempotency;
mod page;
mod password;
mod password_reset;
mod scope;
mod session;
mod title;
mod todo;
mod user;
mod username;

pub use api_key::{
    API_KEY_MAX_DAYS, API_KEY_NAME_MAX_CHARS, API_KEY_PREFIX, API_KEY_SHOWN_CHARS,
    API_KEY_USE_RECORDED_EVERY, ApiKey, ApiKeyId, ApiKeyIdError, ApiKeyName, ApiKeyNameError,
};
pub use attachment::{ATTACHMENTS_PER_TODO, Attachment, AttachmentId, FILE_NAME_MAX_BYTES, FileName};
pub use description::{DESCRIPTION_MAX_CHARS, DescriptionError, TodoDescription};
pub use email::{EMAIL_MAX_CHARS, EmailAddress, EmailError};
pub use event::{EventId, EventIdError, TodoChange, TodoEvent};
pub use id::{IdError, TodoId, UserId};
pub use idempotency::{
    IDEMPOTENCY_KEY_LIFETIME, IDEMPOTENCY_KEY_MAX_CHARS, IdempotencyKey, IdempotencyKeyError,
};
pub use page::{LIMIT_DEFAULT, LIMIT_MAX, LIMIT_MIN, Page, PageError};
pub use password::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, Password, PasswordError, PasswordHash};
pub use password_reset::PASSWORD_RESET_LIFETIME;
pub use scope::{Scope, ScopeError, Scopes};
pub use session::{
    REFRESH_REUSE_GRACE, REFRESH_TOKEN_LIFETIME, SESSION_LIFETIME, Session, SessionId, SessionIdError,
    USER_AGENT_MAX_CHARS,
};
pub use title::{TITLE_MAX_CHARS, TITLE_MIN_CHARS, TitleError, TodoTitle};
pub use todo::{NewTodo, Revision, Todo, TodoChanges, TodoFilter, TodoReplacement};
pub use user::{NewUser, User};
pub use username::{USERNAME_MAX_CHARS, USERNAME_MIN_CHARS, Username, UsernameError};

/// An instant in UTC. Every timestamp the service stores or returns is one.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
