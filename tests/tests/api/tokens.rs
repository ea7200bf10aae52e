//! Forged and unacceptable bearer tokens: every one is a 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use todo_tests::{TEST_SECRET, on_each_backend, spawn_app};

fn sign(algorithm: Algorithm, claims: &Value, secret: &str) -> String {
    encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

on_each_backend! {
    async fn forged_expired_and_malformed_tokens_cannot_be_validated(backend) {
        let app = spawn_app(backend).await;
        let genuine = app.user_token("ada").await;
        let user_id = app.get("/users/me", Some(&genuine)).await.json()["id"].to_string();
        let genuine_claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(genuine.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let sid = genuine_claims["sid"].clone();
        let now = Utc::now().timestamp();
        let claims = json!({ "sub": user_id, "iat": now, "exp": now + 600, "sid": sid, "scope": "todos:read" });

        let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(json!({ "sub": "999", "iat": now, "exp": now + 600 }).to_string());
        let tampered = parts.join(".");
        let alg_none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let cases = [
            (
                "expired",
                sign(
                    Algorithm::HS256,
                    &json!({ "sub": user_id, "iat": now - 3600, "exp": now - 60, "sid": sid, "scope": "" }),
                    TEST_SECRET,
                ),
            ),
            ("no exp", sign(Algorithm::HS256, &json!({ "sub": user_id, "iat": now, "sid": sid }), TEST_SECRET)),
            (
                "no session: a token that could never be revoked",
                sign(Algorithm::HS256, &json!({ "sub": user_id, "iat": now, "exp": now + 600, "scope": "" }), TEST_SECRET),
            ),
            (
                "another session id",
                sign(
                    Algorithm::HS256,
                    &json!({ "sub": user_id, "iat": now, "exp": now + 600, "sid": "0".repeat(32), "scope": "" }),
                    TEST_SECRET,
                ),
            ),
            ("alg none", alg_none),
            ("other key", sign(Algorithm::HS256, &claims, "another secret that is long enough to sign")),
            ("HS512 with our key", sign(Algorithm::HS512, &claims, TEST_SECRET)),
            ("tampered payload", tampered),
            ("garbage", "not.a.token".to_owned()),
        ];
        for (name, token) in cases {
            let response = app.get("/users/me", Some(&token)).await;
            assert_eq!(response.status, 401, "{name}");
            assert_eq!(response.json(), json!({ "detail": "Could not validate credentials" }), "{name}");
            assert_eq!(response.header("www-authenticate"), Some("Bearer"), "{name}");
        }
        let control = sign(Algorithm::HS256, &claims, TEST_SECRET);
        assert_eq!(
            app.get("/users/me", Some(&control)).await.status,
            200,
            "a correctly signed token is accepted"
        );
    }

    async fn a_token_lives_as_long_as_configured(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap();
        let claims: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 30 * 60);
        assert!(claims["sub"].as_str().unwrap().parse::<i64>().unwrap() > 0);
    }
}
