//! Checks that answers are what the OpenAPI document promises.

use serde_json::Value;

use crate::TestResponse;

/// The OpenAPI document, as a JSON value.
pub struct ApiDocument(pub Value);

impl ApiDocument {
    /// The document committed at the root of the repository.
    pub fn committed() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
        let text = std::fs::read_to_string(path).expect("BUG: openapi.json is missing");
        Self(serde_json::from_str(&text).expect("BUG: openapi.json is not JSON"))
    }

    /// Asserts that `response` is an answer the document lists for `method` `path`
    /// (`path` as documented, e.g. `/todos/{todo_id}`): its status, its documented
    /// headers, and a body that validates against the documented schema.
    pub fn check(&self, method: &str, path: &str, response: &TestResponse) {
        let operation = &self.0["paths"][path][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let status = response.status.to_string();
        let documented = &operation["responses"][&status];
        assert!(
            documented.is_object(),
            "{method} {path} answered {status}, which is not documented: {}",
            response.text()
        );
        for name in documented["headers"].as_object().into_iter().flat_map(|headers| headers.keys()) {
            assert!(response.header(name).is_some(), "{method} {path} {status}: no {name} header");
        }
        let Some(content) = documented["content"].as_object() else {
            assert!(response.body.is_empty(), "{method} {path} {status}: documented without a body");
            return;
        };
        let content_type = response.header("content-type").unwrap_or_default();
        let (media_type, media) = content
            .iter()
            .find(|(media_type, _)| {
                content_type.starts_with(media_type.split(';').next().unwrap_or_default())
            })
            .unwrap_or_else(|| panic!("{method} {path} {status}: {content_type} is not documented"));
        if media_type.starts_with("application/json") {
            self.validate(&media["schema"], &response.json(), &format!("{method} {path} {status}"));
        }
    }

    fn validate(&self, schema: &Value, instance: &Value, what: &str) {
        let mut root = schema.clone();
        root["components"] = self.0["components"].clone();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|error| panic!("{what}: the documented schema does not compile: {error}"));
        let errors: Vec<String> = validator.iter_errors(instance).map(|error| error.to_string()).collect();
        assert!(errors.is_empty(), "{what}: {instance} does not match the documented schema: {errors:?}");
    }
}
