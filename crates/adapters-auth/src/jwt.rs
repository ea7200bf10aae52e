use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use todo_application::ports::{AccessToken, TokenError, TokenService};
use todo_domain::{Timestamp, UserId};

/// What the token service needs: the HS256 signing secret and the token lifetime.
pub struct JwtSettings {
    pub secret: SecretString,
    pub ttl: TimeDelta,
}

/// The claims of our tokens. `exp` and `iat` are required: a token that never
/// expires is refused, not trusted forever.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string as RFC 7519 wants.
    sub: String,
    exp: i64,
    iat: i64,
}

/// [`TokenService`] with HS256 JSON Web Tokens.
///
/// The algorithm is pinned: a token whose header names another algorithm,
/// including `none` and HS512 with the same secret, is refused.
pub struct JwtTokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: TimeDelta,
}

impl JwtTokenService {
    pub fn new(settings: JwtSettings) -> Self {
        let secret = settings.secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl: settings.ttl,
        }
    }
}

impl TokenService for JwtTokenService {
    fn issue(&self, user: UserId, issued_at: Timestamp) -> Result<AccessToken, TokenError> {
        let claims = Claims {
            sub: user.to_string(),
            iat: issued_at.timestamp(),
            exp: (issued_at + self.ttl).timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| TokenError::Issue(Box::new(error)))?;
        Ok(AccessToken::new(token))
    }

    fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let id = claims.sub.parse::<i64>().map_err(|_| TokenError::Invalid)?;
        UserId::new(id).map_err(|_| TokenError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    const SECRET: &str = "a test secret that is at least thirty-two bytes long";

    fn service() -> JwtTokenService {
        JwtTokenService::new(JwtSettings { secret: SECRET.into(), ttl: TimeDelta::minutes(30) })
    }

    fn sign(algorithm: Algorithm, claims: &serde_json::Value, secret: &str) -> String {
        encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    }

    fn valid_claims() -> serde_json::Value {
        let now = Utc::now().timestamp();
        json!({ "sub": "42", "iat": now, "exp": now + 600 })
    }

    #[test]
    fn a_token_it_issued_verifies_as_its_user() {
        let service = service();
        let token = service.issue(UserId::new(42).unwrap(), Utc::now()).unwrap();
        assert_eq!(service.verify(token.expose()).unwrap(), UserId::new(42).unwrap());
    }

    #[test]
    fn an_issued_token_carries_sub_iat_and_an_exp_ttl_later() {
        let issued_at = Utc::now();
        let token = service().issue(UserId::new(7).unwrap(), issued_at).unwrap();
        let payload = token.expose().split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], "7");
        assert_eq!(claims["iat"], issued_at.timestamp());
        assert_eq!(claims["exp"], issued_at.timestamp() + 30 * 60);
    }

    #[test]
    fn a_correctly_signed_token_with_valid_claims_is_accepted() {
        assert!(service().verify(&sign(Algorithm::HS256, &valid_claims(), SECRET)).is_ok());
    }

    #[test]
    fn forged_or_unacceptable_tokens_are_refused() {
        let now = Utc::now().timestamp();
        let mut valid_token = sign(Algorithm::HS256, &valid_claims(), SECRET);
        let tampered = {
            let mut parts: Vec<String> = valid_token.split('.').map(str::to_owned).collect();
            parts[1] = URL_SAFE_NO_PAD
                .encode(json!({ "sub": "1", "iat": now, "exp": now + 600 }).to_string().as_bytes());
            parts.join(".")
        };
        let alg_none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(valid_claims().to_string().as_bytes())
        );
        valid_token.push('x');
        let cases = [
            (
                "expired",
                sign(Algorithm::HS256, &json!({ "sub": "42", "iat": now - 600, "exp": now - 1 }), SECRET),
            ),
            ("no exp", sign(Algorithm::HS256, &json!({ "sub": "42", "iat": now }), SECRET)),
            ("no sub", sign(Algorithm::HS256, &json!({ "iat": now, "exp": now + 600 }), SECRET)),
            ("no iat", sign(Algorithm::HS256, &json!({ "sub": "42", "exp": now + 600 }), SECRET)),
            (
                "sub not an id",
                sign(Algorithm::HS256, &json!({ "sub": "ada", "iat": now, "exp": now + 600 }), SECRET),
            ),
            (
                "sub zero",
                sign(Algorithm::HS256, &json!({ "sub": "0", "iat": now, "exp": now + 600 }), SECRET),
            ),
            (
                "other key",
                sign(Algorithm::HS256, &valid_claims(), "another secret of thirty-two bytes or more"),
            ),
            ("HS512", sign(Algorithm::HS512, &valid_claims(), SECRET)),
            ("alg none", alg_none),
            ("tampered payload", tampered),
            ("bad signature", valid_token),
            ("not a jwt", "not-a-jwt".to_owned()),
            ("empty", String::new()),
        ];
        let service = service();
        for (name, token) in cases {
            assert!(matches!(service.verify(&token), Err(TokenError::Invalid)), "{name} was accepted");
        }
    }
}
