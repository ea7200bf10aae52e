use chrono::TimeDelta;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode, get_current_timestamp,
};
use moka::sync::Cache;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use todo_application::ports::{AccessClaims, AccessToken, TokenError, TokenService};
use todo_domain::{Scopes, SessionId, Timestamp, UserId};

/// What the token service needs: the HS256 signing secret and the token lifetime.
pub struct JwtSettings {
    pub secret: SecretString,
    pub ttl: TimeDelta,
}

/// The claims of our tokens. `exp` and `sid` are required: a token that never expires is
/// refused, not trusted forever, and so is one without a session, which could not be revoked.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string as RFC 7519 wants.
    sub: String,
    exp: i64,
    iat: i64,
    /// The session id.
    sid: String,
    /// The scopes, space-separated (RFC 8693, section 4.2).
    scope: String,
}

/// Tokens remembered as verified at most; a client sends the same token on every request.
const REMEMBERED_TOKENS: u64 = 10_000;

/// [`TokenService`] with HS256 JSON Web Tokens.
///
/// The algorithm is pinned: a token whose header names another algorithm,
/// including `none` and HS512 with the same secret, is refused.
///
/// A token that verified is remembered by its SHA-256 digest, with its claims and expiry:
/// the next request with it is a digest and a look-up instead of the header, signature and
/// claims checked again (ADR 0023). Its expiry is still checked every time; only
/// tokens that verified are remembered, and never past their lifetime.
pub struct JwtTokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: TimeDelta,
    verified: Cache<[u8; 32], Verified>,
}

#[derive(Clone)]
struct Verified {
    claims: AccessClaims,
    /// `exp`, in seconds since the epoch.
    expires: i64,
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
            verified: Cache::builder()
                .max_capacity(REMEMBERED_TOKENS)
                .time_to_live(settings.ttl.to_std().unwrap_or_default())
                .build(),
        }
    }

    /// The signature, header and claims checked, as if the token were new.
    fn decode(&self, token: &str) -> Result<Verified, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let id = claims.sub.parse::<i64>().map_err(|_| TokenError::Invalid)?;
        let access = AccessClaims {
            user: UserId::new(id).map_err(|_| TokenError::Invalid)?,
            session: SessionId::parse(claims.sid).map_err(|_| TokenError::Invalid)?,
            scopes: Scopes::parse(&claims.scope).map_err(|_| TokenError::Invalid)?,
        };
        Ok(Verified { claims: access, expires: claims.exp })
    }
}

impl TokenService for JwtTokenService {
    fn issue(&self, access: &AccessClaims, issued_at: Timestamp) -> Result<AccessToken, TokenError> {
        let claims = Claims {
            sub: access.user.to_string(),
            iat: issued_at.timestamp(),
            exp: (issued_at + self.ttl).timestamp(),
            sid: access.session.to_string(),
            scope: access.scopes.to_string(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| TokenError::Issue(Box::new(error)))?;
        Ok(AccessToken::new(token))
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let Some(Verified { claims, expires }) = self.verified.get(&digest) else {
            let verified = self.decode(token)?;
            self.verified.insert(digest, verified.clone());
            return Ok(verified.claims);
        };
        // As `decode` judges `exp`, without leeway.
        if expires < i64::try_from(get_current_timestamp()).unwrap_or(i64::MAX) {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }

    fn lifetime(&self) -> TimeDelta {
        self.ttl
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

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

    const SID: &str = "0123456789abcdef0123456789abcdef";

    fn valid_claims() -> serde_json::Value {
        let now = Utc::now().timestamp();
        json!({ "sub": "42", "iat": now, "exp": now + 600, "sid": SID, "scope": "todos:read todos:write" })
    }

    fn claims_with(key: &str, value: serde_json::Value) -> serde_json::Value {
        let mut claims = valid_claims();
        claims[key] = value;
        claims
    }

    fn claims_without(key: &str) -> serde_json::Value {
        let mut claims = valid_claims();
        claims.as_object_mut().unwrap().remove(key);
        claims
    }

    fn access() -> AccessClaims {
        AccessClaims {
            user: UserId::new(42).unwrap(),
            session: SessionId::parse(SID).unwrap(),
            scopes: Scopes::parse("todos:read").unwrap(),
        }
    }

    #[test]
    fn a_token_it_issued_verifies_as_its_user_session_and_scopes() {
        let service = service();
        let token = service.issue(&access(), Utc::now()).unwrap();
        assert_eq!(service.verify(token.expose()).unwrap(), access());
        assert_eq!(service.lifetime(), TimeDelta::minutes(30));
    }

    #[test]
    fn an_issued_token_carries_sub_iat_sid_scope_and_an_exp_ttl_later() {
        let issued_at = Utc::now();
        let token = service().issue(&access(), issued_at).unwrap();
        let payload = token.expose().split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], "42");
        assert_eq!(claims["sid"], SID);
        assert_eq!(claims["scope"], "todos:read");
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
            parts[1] = URL_SAFE_NO_PAD.encode(claims_with("sub", json!("1")).to_string().as_bytes());
            parts.join(".")
        };
        let alg_none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(valid_claims().to_string().as_bytes())
        );
        let service = service();
        // Remembered as verified: what differs from it in any way is checked afresh.
        assert!(service.verify(&valid_token).is_ok());
        valid_token.push('x');
        let signed = |claims: serde_json::Value| sign(Algorithm::HS256, &claims, SECRET);
        let cases = [
            ("expired", signed(claims_with("exp", json!(now - 1)))),
            ("no exp", signed(claims_without("exp"))),
            ("no sub", signed(claims_without("sub"))),
            ("no iat", signed(claims_without("iat"))),
            ("no session", signed(claims_without("sid"))),
            ("no scope", signed(claims_without("scope"))),
            ("session not an id", signed(claims_with("sid", json!("1")))),
            ("unknown scope", signed(claims_with("scope", json!("todos:read root")))),
            ("sub not an id", signed(claims_with("sub", json!("ada")))),
            ("sub zero", signed(claims_with("sub", json!("0")))),
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
        for (name, token) in cases {
            assert!(matches!(service.verify(&token), Err(TokenError::Invalid)), "{name} was accepted");
        }
    }

    #[test]
    fn a_remembered_token_is_refused_once_it_expires() {
        let service = service();
        let expires = Utc::now().timestamp() + 1;
        let token = sign(Algorithm::HS256, &claims_with("exp", json!(expires)), SECRET);
        assert!(service.verify(&token).is_ok());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Utc::now().timestamp() <= expires {
            assert!(Instant::now() < deadline, "the clock did not pass {expires}");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(matches!(service.verify(&token), Err(TokenError::Invalid)), "an expired token was accepted");
    }
}
