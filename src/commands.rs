//! The administrative commands of the CLI: `create-user` and `api-key create`.

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::passwords;
use crate::config::{ApiKeyCommand, CreateUser};
use crate::db::Database;
use crate::domain::access::{ApiKey, Role, User};

/// Creates a user; returns what to tell the operator (with a generated password, if any).
pub fn create_user(db: &Database, args: &CreateUser) -> anyhow::Result<String> {
    let role: Role =
        args.role.parse().map_err(|e: crate::domain::validation::Invalid| anyhow::anyhow!("--role {}", e.message))?;
    let organization_id = args
        .organization
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: crate::domain::validation::Invalid| anyhow::anyhow!("--organization {}", e.message))?;
    anyhow::ensure!(
        role.is_tenant_bound() == organization_id.is_some(),
        "--organization is required for org_member, and only for it"
    );
    let email = crate::api::candidates::email(&args.email).map_err(|e| anyhow::anyhow!("--email {}", e.message))?;
    let (password, generated) = match &args.password {
        Some(p) => {
            passwords::check_strength(p.expose()).map_err(|e| anyhow::anyhow!("the password {}", e.message))?;
            (SecretString::from(p.expose().to_owned()), false)
        }
        None => (passwords::generate(20), true),
    };
    let user = User { email: email.clone(), display_name: None, role, organization_id, active: true };
    let hash = passwords::hash(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored =
        db.write_blocking(|conn| crate::db::users::insert(conn, &user, hash)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = format!("Created {role} {email} (id {}).", stored.id);
    if generated {
        out.push_str(&format!("\nPassword (shown once): {}", password.expose_secret()));
    }
    Ok(out)
}

/// Runs an `api-key` command; returns what to tell the operator.
pub fn api_key(db: &Database, command: &ApiKeyCommand) -> anyhow::Result<String> {
    let ApiKeyCommand::Create { name, scopes, organization, expires_in_days } = command;
    let scopes = scopes
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, crate::domain::validation::Invalid>>()
        .map_err(|e| anyhow::anyhow!("--scope {}", e.message))?;
    let organization_id = organization
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: crate::domain::validation::Invalid| anyhow::anyhow!("--organization {}", e.message))?;
    let expires_at = expires_in_days.map(|days| chrono::Utc::now() + chrono::TimeDelta::days(days.into()));
    let key = ApiKey { name: name.clone(), scopes, organization_id, expires_at };
    let role = key.role();
    anyhow::ensure!(
        key.scopes.iter().all(|p| role.grants(*p)),
        "a key acting as {role} cannot hold some of these scopes"
    );
    let secret = passwords::generate(40);
    let hash = passwords::hash(&secret).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = db
        .write_blocking(|conn| crate::db::api_keys::insert(conn, &key, hash, "cli"))
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("creating the API key")?;
    Ok(format!(
        "Created API key \"{name}\".\nclient_id:     {}\nclient_secret: {} (shown once)\n\
         Exchange them at POST /api/v1/auth/token with grant_type=client_credentials.",
        stored.id,
        secret.expose_secret()
    ))
}
