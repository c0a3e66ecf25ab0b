//! Password and API-key secret hashing (argon2id) and secret generation.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};

use crate::error::AppError;

/// Hashes a password or secret with argon2id and a random salt.
pub fn hash(secret: &SecretString) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a secret: {e}")))
}

/// Whether `secret` matches `hash`. With no hash (unknown user) a dummy hash
/// is checked, so the answer takes the same time either way.
pub fn verify(secret: &SecretString, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| self::hash(&SecretString::from("no such user")).unwrap_or_default());
    let stored = hash.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let matches = Argon2::default().verify_password(secret.expose_secret().as_bytes(), &parsed).is_ok();
    matches && hash.is_some()
}

/// A random secret of `len` alphanumeric characters (about 5.95 bits each).
pub fn generate(len: usize) -> SecretString {
    SecretString::from(Alphanumeric.sample_string(&mut rand::rng(), len))
}

/// Rules for passwords people choose.
pub fn check_strength(password: &str) -> Result<(), crate::domain::validation::Invalid> {
    let len = password.chars().count();
    if !(12..=256).contains(&len) {
        return Err(crate::domain::validation::Invalid::new("weak_password", "must have 12 to 256 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let secret = generate(24);
        let hashed = hash(&secret).unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify(&secret, Some(&hashed)));
        assert!(!verify(&SecretString::from("wrong"), Some(&hashed)));
        assert!(!verify(&secret, None));
    }
}
