//! The messages, written from the template files in `templates/` (compiled into the binary).

use minijinja::{AutoEscape, Environment, context};
use todo_application::ports::{Email, MailTemplates, TemplateError};
use todo_domain::EmailAddress;

/// Each message has a subject, a text body and optionally an HTML body; the HTML one is
/// escaped automatically, so a username can never inject markup.
const TEMPLATES: [(&str, &str); 6] = [
    ("welcome.subject.txt", include_str!("../templates/welcome.subject.txt")),
    ("welcome.txt", include_str!("../templates/welcome.txt")),
    ("welcome.html", include_str!("../templates/welcome.html")),
    ("password_reset.subject.txt", include_str!("../templates/password_reset.subject.txt")),
    ("password_reset.txt", include_str!("../templates/password_reset.txt")),
    ("password_reset.html", include_str!("../templates/password_reset.html")),
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
        self.message("welcome", to, &context)
    }

    fn password_reset(&self, to: &EmailAddress, username: &str, token: &str) -> Result<Email, TemplateError> {
        // The token is base64url: safe in a query string as it is.
        let link = format!("{}/reset-password?token={token}", self.base_url);
        let context = context! { username => username, link => link };
        self.message("password_reset", to, &context)
    }
}

impl MiniJinjaTemplates {
    /// The message `<name>.subject.txt`, `<name>.txt` and `<name>.html` make.
    fn message(
        &self,
        name: &str,
        to: &EmailAddress,
        context: &minijinja::Value,
    ) -> Result<Email, TemplateError> {
        Ok(Email {
            to: to.clone(),
            subject: self.render(&format!("{name}.subject.txt"), context)?.trim().to_owned(),
            text: self.render(&format!("{name}.txt"), context)?,
            html: Some(self.render(&format!("{name}.html"), context)?),
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

    #[test]
    fn the_reset_email_carries_the_link_with_the_token() {
        let templates = MiniJinjaTemplates::new("http://todo.example/").unwrap();
        let to = EmailAddress::parse("ada@example.com").unwrap();
        let email = templates.password_reset(&to, "ada", "Abc-_123").unwrap();
        assert_eq!(email.subject, "Reset your TODO API password");
        let link = "http://todo.example/reset-password?token=Abc-_123";
        assert!(email.text.contains(link), "{}", email.text);
        // minijinja escapes `/` in HTML as `&#x2f;`, which browsers read back as `/`.
        let html = email.html.unwrap().replace("&#x2f;", "/");
        assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    }
}
