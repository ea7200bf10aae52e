//! The messages, written from the template files in `templates/` (compiled into the binary).

use minijinja::{AutoEscape, Environment, context};
use todo_application::ports::{Email, MailTemplates, TemplateError};
use todo_domain::EmailAddress;

/// Each message has a subject, a text body and optionally an HTML body; the HTML one is
/// escaped automatically, so a username can never inject markup.
const TEMPLATES: [(&str, &str); 3] = [
    ("welcome.subject.txt", include_str!("../templates/welcome.subject.txt")),
    ("welcome.txt", include_str!("../templates/welcome.txt")),
    ("welcome.html", include_str!("../templates/welcome.html")),
];

/// [`MailTemplates`] with minijinja (Jinja2 syntax).
pub struct MiniJinjaTemplates {
    environment: Environment<'static>,
    /// Where links in messages point: the service as its users reach it.
    base_url: String,
}

impl MiniJinjaTemplates {
    /// # Errors
    /// When a template does not parse: caught by this crate's tests, never at run time.
    pub fn new(base_url: &str) -> Result<Self, TemplateError> {
        let mut environment = Environment::new();
        environment.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None }
        });
        environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            environment.add_template(name, source).map_err(|error| TemplateError(Box::new(error)))?;
        }
        Ok(Self { environment, base_url: base_url.trim_end_matches('/').to_owned() })
    }

    fn render(&self, name: &str, context: &minijinja::Value) -> Result<String, TemplateError> {
        let template = self.environment.get_template(name).map_err(|error| TemplateError(Box::new(error)))?;
        template.render(context).map_err(|error| TemplateError(Box::new(error)))
    }
}

impl MailTemplates for MiniJinjaTemplates {
    fn welcome(&self, to: &EmailAddress, username: &str) -> Result<Email, TemplateError> {
        let context = context! { username => username, base_url => &self.base_url };
        Ok(Email {
            to: to.clone(),
            subject: self.render("welcome.subject.txt", &context)?.trim().to_owned(),
            text: self.render("welcome.txt", &context)?,
            html: Some(self.render("welcome.html", &context)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_welcome_email_names_the_user_and_escapes_them_in_html() {
        let templates = MiniJinjaTemplates::new("http://todo.example/").unwrap();
        let to = EmailAddress::parse("ada@example.com").unwrap();
        let email = templates.welcome(&to, "ada<b>").unwrap();
        assert_eq!(email.to, to);
        assert_eq!(email.subject, "Welcome to the TODO API, ada<b>");
        assert!(email.text.starts_with("Hello ada<b>,\n"), "{}", email.text);
        assert!(email.text.contains("http://todo.example/docs"), "{}", email.text);
        let html = email.html.unwrap();
        assert!(html.contains("Hello ada&lt;b&gt;,"), "{html}");
        assert!(!html.contains("ada<b>"), "{html}");
    }
}
