use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_domain::{
    DESCRIPTION_MAX_CHARS, LIMIT_DEFAULT, LIMIT_MAX, LIMIT_MIN, Page, TITLE_MAX_CHARS, TITLE_MIN_CHARS, Todo,
    TodoChanges, TodoDescription, TodoFilter, TodoReplacement, TodoTitle,
};
use utoipa::{IntoParams, ToSchema};

use super::rfc3339;
use crate::validation::ValidationErrors;
use crate::validation::decode::{bool_from_text, int_from_text, non_null, nullable};
use crate::validation::domain::at;
use crate::validation::garde_rules::parses_as;

/// `POST /todos/` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct TodoCreate {
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = TITLE_MIN_CHARS, max = TITLE_MAX_CHARS), custom(title_rule))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, example = "Buy milk",
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    pub title: Option<String>,
    /// Absent and `null` both mean no description.
    #[serde(default)]
    #[garde(length(chars, max = DESCRIPTION_MAX_CHARS), custom(description_rule))]
    #[schema(value_type = Option<String>, max_length = 10000, pattern = r"^[^\u0000]*$", example = "Two litres")]
    pub description: Option<String>,
}

/// `PATCH /todos/{todo_id}` body: only the fields present change; `title` and
/// `completed` may be left out but not set to `null`.
#[derive(Deserialize, Validate, ToSchema)]
pub struct TodoUpdate {
    #[serde(default, deserialize_with = "non_null")]
    #[garde(length(chars, min = TITLE_MIN_CHARS, max = TITLE_MAX_CHARS), custom(title_rule))]
    #[schema(value_type = String, min_length = 1, max_length = 200, example = "Buy oat milk",
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    pub title: Option<String>,
    /// `null` clears the description.
    #[serde(default, deserialize_with = "nullable")]
    #[garde(length(chars, max = DESCRIPTION_MAX_CHARS), custom(nullable_description_rule))]
    #[schema(value_type = Option<String>, max_length = 10000, pattern = r"^[^\u0000]*$", example = "Two litres")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(skip)]
    #[schema(value_type = bool, example = true)]
    pub completed: Option<bool>,
}

/// `PUT /todos/{todo_id}` body: every field is replaced.
#[derive(Deserialize, Validate, ToSchema)]
pub struct TodoReplace {
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = TITLE_MIN_CHARS, max = TITLE_MAX_CHARS), custom(title_rule))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, example = "Buy milk",
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$")]
    pub title: Option<String>,
    /// Absent and `null` both clear the description.
    #[serde(default)]
    #[garde(length(chars, max = DESCRIPTION_MAX_CHARS), custom(description_rule))]
    #[schema(value_type = Option<String>, max_length = 10000, pattern = r"^[^\u0000]*$", example = "Two litres")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required)]
    #[schema(value_type = bool, required = true, example = false)]
    pub completed: Option<bool>,
}

/// `GET /todos/` query string.
#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TodoListQuery {
    /// How many of the caller's todos to skip, in id order.
    #[serde(default, deserialize_with = "int_from_text")]
    #[garde(range(min = 0))]
    #[param(value_type = i64, minimum = 0, default = 0)]
    pub skip: Option<i64>,
    /// The most todos to return.
    #[serde(default, deserialize_with = "int_from_text")]
    #[garde(range(min = LIMIT_MIN, max = LIMIT_MAX))]
    #[param(value_type = i64, minimum = 1, maximum = 100, default = 100)]
    pub limit: Option<i64>,
    /// Only completed (`true`) or only open (`false`) todos; all when left out.
    #[serde(default, deserialize_with = "bool_from_text")]
    #[garde(skip)]
    #[param(value_type = bool)]
    pub completed: Option<bool>,
}

pub(super) fn title_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, TodoTitle::parse)
}

pub(super) fn description_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, TodoDescription::parse)
}

fn nullable_description_rule(value: &Option<Option<String>>, context: &()) -> garde::Result {
    value.as_ref().map_or(Ok(()), |description| description_rule(description, context))
}

pub(super) fn description(raw: Option<String>) -> Result<Option<TodoDescription>, ValidationErrors> {
    raw.map(TodoDescription::parse).transpose().map_err(at("body", "description"))
}

impl TodoCreate {
    /// # Errors
    /// The first field the domain refuses.
    pub fn into_domain(self) -> Result<(TodoTitle, Option<TodoDescription>), ValidationErrors> {
        let title = TodoTitle::parse(self.title.unwrap_or_default()).map_err(at("body", "title"))?;
        Ok((title, description(self.description)?))
    }
}

impl TodoUpdate {
    /// # Errors
    /// The first field the domain refuses.
    pub fn into_domain(self) -> Result<TodoChanges, ValidationErrors> {
        Ok(TodoChanges {
            title: self.title.map(TodoTitle::parse).transpose().map_err(at("body", "title"))?,
            description: self.description.map(description).transpose()?,
            completed: self.completed,
        })
    }
}

impl TodoReplace {
    /// # Errors
    /// The first field the domain refuses.
    pub fn into_domain(self) -> Result<TodoReplacement, ValidationErrors> {
        Ok(TodoReplacement {
            title: TodoTitle::parse(self.title.unwrap_or_default()).map_err(at("body", "title"))?,
            description: description(self.description)?,
            completed: self.completed.unwrap_or_default(),
        })
    }
}

impl TodoListQuery {
    /// # Errors
    /// When the domain refuses the page.
    pub fn into_domain(self) -> Result<(TodoFilter, Page), ValidationErrors> {
        let (skip, limit) = (self.skip.unwrap_or(0), self.limit.unwrap_or(LIMIT_DEFAULT));
        let field = if skip < 0 { "skip" } else { "limit" };
        let page = Page::new(skip, limit).map_err(at("query", field))?;
        Ok((TodoFilter { completed: self.completed }, page))
    }
}

/// A todo as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TodoResponse {
    #[schema(minimum = 1, example = 1)]
    pub id: i64,
    #[schema(example = "Buy milk")]
    pub title: String,
    #[schema(example = "Two litres")]
    pub description: Option<String>,
    #[schema(example = false)]
    pub completed: bool,
    /// RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-11-21T10:15:30.123456Z")]
    pub created_at: String,
    /// RFC 3339, UTC; `null` until the first change.
    #[schema(format = DateTime, example = json!(null))]
    pub updated_at: Option<String>,
    /// The owner: always the caller.
    #[schema(minimum = 1, example = 1)]
    pub user_id: i64,
}

impl From<Todo> for TodoResponse {
    fn from(todo: Todo) -> Self {
        Self {
            id: todo.id.get(),
            title: todo.title.into_string(),
            description: todo.description.map(TodoDescription::into_string),
            completed: todo.completed,
            created_at: rfc3339(todo.created_at),
            updated_at: todo.updated_at.map(rfc3339),
            user_id: todo.owner.get(),
        }
    }
}
