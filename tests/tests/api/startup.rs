//! What the service refuses to start with.

use todo_bootstrap::settings::Environment;
use todo_bootstrap::{Application, Settings};

fn production(secret: &str) -> Settings {
    let mut settings = Settings::defaults().unwrap();
    settings.environment = Environment::Production;
    settings.server.port = 0;
    settings.database.url = "sqlite::memory:".into();
    settings.auth.secret = secret.into();
    settings
}

#[actix_web::test]
async fn production_refuses_to_start_with_a_default_or_short_secret() {
    let default_secret = Settings::defaults().unwrap().auth.secret;
    let default_secret = secrecy::ExposeSecret::expose_secret(&default_secret).to_owned();
    for (secret, expected) in
        [(default_secret.as_str(), "must be set"), ("too short", "at least 32 are required")]
    {
        let error = Application::build(production(secret)).await.err().expect("it started");
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(Application::build(production(&"s".repeat(32))).await.is_ok());
}
