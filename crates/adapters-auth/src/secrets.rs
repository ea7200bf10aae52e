//! Random identifiers and secrets from the operating system, and SHA-256 to store secrets by.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use todo_application::ports::{IssuedSecret, Secrets, TokenHash};
use todo_domain::{ApiKeyId, SessionId};

/// [`Secrets`] from the OS's random generator. A secret is 256 random bits, base64url;
/// stored only as its SHA-256: with that much entropy a fast hash is safe, and lookups stay
/// one indexed read (a password hash like Argon2 would make each refresh cost 20 ms).
pub struct RandomSecrets;

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS generator failing is a broken machine; nothing safe can be issued on one.
    getrandom::fill(&mut bytes).expect("BUG: the operating system's random generator failed");
    bytes
}

/// 128 random bits as 32 lower-case hexadecimal digits.
fn random_hex() -> String {
    random::<16>().iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Secrets for RandomSecrets {
    fn session_id(&self) -> SessionId {
        SessionId::parse(random_hex()).expect("BUG: 32 hex digits are a session id")
    }

    fn api_key_id(&self) -> ApiKeyId {
        ApiKeyId::parse(random_hex()).expect("BUG: 32 hex digits are an API key id")
    }

    fn issue(&self) -> IssuedSecret {
        let secret = URL_SAFE_NO_PAD.encode(random::<32>());
        let hash = self.hash(&secret);
        IssuedSecret { secret, hash }
    }

    fn hash(&self, secret: &str) -> TokenHash {
        let digest = Sha256::digest(secret.as_bytes());
        TokenHash(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn secrets_are_long_random_and_stored_by_their_hash_only() {
        let issued: Vec<_> = (0..100).map(|_| RandomSecrets.issue()).collect();
        let distinct: HashSet<_> = issued.iter().map(|issued| issued.secret.clone()).collect();
        assert_eq!(distinct.len(), 100);
        let one = &issued[0];
        assert_eq!(one.secret.len(), 43, "256 bits in base64url");
        assert_eq!(one.hash, RandomSecrets.hash(&one.secret));
        assert_eq!(one.hash.0.len(), 64);
        assert!(!one.hash.0.contains(&one.secret));
        assert_ne!(RandomSecrets.hash("a"), RandomSecrets.hash("b"));
    }

    #[test]
    fn session_ids_are_random_and_valid() {
        let ids: HashSet<_> = (0..100).map(|_| RandomSecrets.session_id()).collect();
        assert_eq!(ids.len(), 100);
        let keys: HashSet<_> = (0..100).map(|_| RandomSecrets.api_key_id()).collect();
        assert_eq!(keys.len(), 100);
    }
}
