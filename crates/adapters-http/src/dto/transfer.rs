//! Export and import: the query of `GET /todos/export`, a line of `POST /todos/import`, and
//! how a page of todos is written as NDJSON or CSV.

use actix_web::web::Bytes;
use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_application::use_cases::ImportedTodo;
use todo_domain::{
    DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS, TITLE_MIN_CHARS, Todo, TodoDescription, TodoFilter, TodoTitle,
};
use utoipa::{IntoParams, ToSchema};

use super::todos::{description, description_rule, title_rule};
use super::{TodoResponse, rfc3339};
use crate::validation::decode::{bool_from_text, non_null};
use crate::validation::domain::at;
use crate::validation::{Rule, ValidationErrors};

/// The formats of an export, by their `format` names.
pub const EXPORT_FORMATS: [&str; 2] = ["ndjson", "csv"];

/// `GET /todos/export` query string.
#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `ndjson` (the default): one `TodoResponse` a line; or `csv` (RFC 4180, with a header).
    #[serde(default, deserialize_with = "non_null")]
    #[garde(custom(known_format))]
    #[param(value_type = String, pattern = "^(ndjson|csv)$", default = "ndjson")]
    pub format: Option<String>,
    /// Only completed (`true`) or only open (`false`) todos; all when left out.
    #[serde(default, deserialize_with = "bool_from_text")]
    #[garde(skip)]
    #[param(value_type = bool)]
    pub completed: Option<bool>,
}

fn known_format(value: &Option<String>, _: &()) -> garde::Result {
    match value.as_deref() {
        Some(format) if !EXPORT_FORMATS.contains(&format) => {
            Err(garde::Error::new(Rule::literal_error(&EXPORT_FORMATS).encode()))
        }
        _ => Ok(()),
    }
}

impl ExportQuery {
    pub fn into_parts(self) -> (ExportFormat, TodoFilter) {
        let format =
            if self.format.as_deref() == Some("csv") { ExportFormat::Csv } else { ExportFormat::Ndjson };
        (format, TodoFilter { completed: self.completed })
    }
}

/// One line of `POST /todos/import` (`application/x-ndjson`).
#[derive(Deserialize, Validate, ToSchema)]
pub struct TodoImport {
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = TITLE_MIN_CHARS, max = TITLE_MAX_CHARS), custom(title_rule))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, example = "Buy milk")]
    pub title: Option<String>,
    /// Absent and `null` both mean no description.
    #[serde(default)]
    #[garde(length(chars, max = DESCRIPTION_MAX_CHARS), custom(description_rule))]
    #[schema(value_type = Option<String>, max_length = 10000, example = "Two litres")]
    pub description: Option<String>,
    /// `false` when left out.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(skip)]
    #[schema(value_type = bool, default = false)]
    pub completed: Option<bool>,
}

impl TodoImport {
    /// # Errors
    /// The first field the domain refuses.
    pub fn into_domain(self) -> Result<ImportedTodo, ValidationErrors> {
        Ok(ImportedTodo {
            title: TodoTitle::parse(self.title.unwrap_or_default()).map_err(at("body", "title"))?,
            description: description(self.description)?,
            completed: self.completed.unwrap_or_default(),
        })
    }
}

/// `POST /todos/import` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    /// How many todos the import created.
    #[schema(example = 2)]
    pub created: u64,
}

/// How an export writes its todos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Ndjson,
    Csv,
}

/// The CSV columns, in order: a `TodoResponse` without its owner, who is the caller.
const CSV_HEADER: [&str; 6] = ["id", "title", "description", "completed", "created_at", "updated_at"];

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Ndjson => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Self::Ndjson => "todos.ndjson",
            Self::Csv => "todos.csv",
        }
    }

    /// What comes before the first todo: the CSV header.
    pub fn preamble(self) -> Option<Bytes> {
        (self == Self::Csv).then(|| csv_rows([CSV_HEADER.map(str::to_owned)]))
    }

    /// A page of todos, written out.
    pub fn page(self, todos: Vec<Todo>) -> Bytes {
        match self {
            Self::Ndjson => {
                let mut out = Vec::with_capacity(todos.len() * 256);
                for todo in todos {
                    // A struct of strings, numbers and booleans always serialises.
                    serde_json::to_writer(&mut out, &TodoResponse::from(todo)).unwrap_or_default();
                    out.push(b'\n');
                }
                Bytes::from(out)
            }
            Self::Csv => csv_rows(todos.into_iter().map(|todo| {
                [
                    todo.id.to_string(),
                    todo.title.into_string(),
                    todo.description.map(TodoDescription::into_string).unwrap_or_default(),
                    todo.completed.to_string(),
                    rfc3339(todo.created_at),
                    todo.updated_at.map(rfc3339).unwrap_or_default(),
                ]
            })),
        }
    }
}

/// RFC 4180 records: CRLF after each, quotes where a field needs them.
fn csv_rows(rows: impl IntoIterator<Item = [String; 6]>) -> Bytes {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .has_headers(false)
        .from_writer(Vec::new());
    for row in rows {
        // Writing into memory cannot fail.
        writer.write_record(&row).unwrap_or_default();
    }
    Bytes::from(writer.into_inner().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use todo_domain::{Revision, TodoDescription, TodoId, UserId};

    use super::*;

    fn todo(description: Option<&str>) -> Todo {
        Todo {
            id: TodoId::new(7).unwrap(),
            owner: UserId::new(2).unwrap(),
            title: TodoTitle::parse("Say \"hi\", then leave").unwrap(),
            description: description.map(|text| TodoDescription::parse(text).unwrap()),
            completed: true,
            created_at: Utc.with_ymd_and_hms(2026, 12, 1, 8, 30, 0).unwrap(),
            updated_at: None,
            revision: Revision::FIRST,
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_leaves_nulls_empty() {
        let header = ExportFormat::Csv.preamble().unwrap();
        assert_eq!(header, "id,title,description,completed,created_at,updated_at\r\n");
        let page = ExportFormat::Csv.page(vec![todo(None), todo(Some("two\nlines"))]);
        assert_eq!(
            page,
            "7,\"Say \"\"hi\"\", then leave\",,true,2026-12-01T08:30:00.000000Z,\r\n\
             7,\"Say \"\"hi\"\", then leave\",\"two\nlines\",true,2026-12-01T08:30:00.000000Z,\r\n"
        );
    }

    #[test]
    fn ndjson_is_one_todo_response_a_line() {
        let page = ExportFormat::Ndjson.page(vec![todo(None)]);
        let text = std::str::from_utf8(&page).unwrap();
        assert!(text.ends_with("}\n") && text.lines().count() == 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["user_id"], 2);
        assert_eq!(line["updated_at"], serde_json::Value::Null);
        assert!(ExportFormat::Ndjson.preamble().is_none());
    }
}
