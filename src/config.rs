//! The command line and the configuration, read once at start from
//! arguments, the environment and `.env` (see `.env.example`).

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "interim-tracker",
    version,
    about = "Track interim executives, their skillsets, needs and assignments"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document and exit.
    Openapi,
    /// Erase the candidates the retention rule says to (no consent, no activity for the retention period).
    PurgeRetention {
        /// Only list whom it would erase.
        #[arg(long)]
        dry_run: bool,
    },
    /// Load a realistic demo data set: organizations, needs, about 200 candidates.
    DemoData,
    /// Create a user; prints a generated password when none is given.
    CreateUser(CreateUser),
    /// Manage API keys.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Args)]
pub struct CreateUser {
    #[arg(long)]
    pub email: String,
    /// admin, recruiter or org_member.
    #[arg(long, default_value = "recruiter")]
    pub role: String,
    /// The organization of an org_member.
    #[arg(long)]
    pub organization: Option<String>,
    /// Read from the environment so it stays out of shell history; generated when unset.
    #[arg(long, env = "NEW_USER_PASSWORD", hide_env_values = true)]
    pub password: Option<Sensitive>,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; prints its client id and secret once.
    Create {
        #[arg(long)]
        name: String,
        /// A scope such as candidates:read; repeat for several.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Bind the key to one organization.
        #[arg(long)]
        organization: Option<String>,
        /// Days until the key expires; never when unset.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

/// A secret read from configuration: its `Debug` never shows the value.
#[derive(Clone)]
pub struct Sensitive(String);

impl Sensitive {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Sensitive {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Sensitive(s.to_owned()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080", value_parser = parse_bind_addr, global = true)]
    pub bind_addr: SocketAddr,
    /// `postgres://…` for PostgreSQL; `sqlite://PATH` or a path for SQLite.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/interim-tracker.db", global = true)]
    pub database_url: String,
    /// Connections used for reads at once (PostgreSQL: all queries).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256), global = true)]
    pub database_pool_size: u32,
    /// Memory for candidates kept as the JSON the API answers with, in MiB
    /// (0: render each one afresh). About 1.5 KB a candidate. A quarter as
    /// much again keeps candidates decoded for the explanations of matches.
    #[arg(long, env = "RENDERED_CACHE_MB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=65_536), global = true)]
    pub rendered_cache_mb: u64,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 262_144, value_parser = clap::value_parser!(u64).range(1024..=67_108_864), global = true)]
    pub max_body_bytes: u64,
    /// Milliseconds a client has to send a request's headers after connecting;
    /// slower clients (half a header, or nothing) get 408 or are disconnected.
    #[arg(long, env = "REQUEST_HEADER_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=300_000), global = true)]
    pub request_header_timeout_ms: u64,
    /// Milliseconds a request's body may take to arrive once its headers have;
    /// slower bodies get 408 and the connection is closed.
    #[arg(long, env = "REQUEST_BODY_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=600_000), global = true)]
    pub request_body_timeout_ms: u64,
    /// Browser origins allowed to call the API (CORS), comma-separated, such as
    /// `https://app.example.com`; empty: no CORS headers at all.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin, global = true)]
    pub cors_allowed_origins: Vec<String>,
    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECS", default_value_t = 30, global = true)]
    pub shutdown_timeout_secs: u64,
    /// Log filter, in `tracing` syntax: `info`, `interim_tracker=debug,info` …
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub log_format: String,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub webhooks: WebhookConfig,
    /// Seconds a candidate without consent and without activity is kept before
    /// the retention purge erases them (default two years).
    #[arg(long, env = "RETENTION_PERIOD_SECS", default_value_t = 730 * 86_400, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub retention_period_secs: u64,
    /// Seconds between two runs of the retention purge by the server; 0: only
    /// by `interim-tracker purge-retention`.
    #[arg(long, env = "RETENTION_PURGE_INTERVAL_SECS", default_value_t = 86_400, global = true)]
    pub retention_purge_interval_secs: u64,
    /// Days the change feed (`GET /api/v1/changes`) keeps a change; a reader
    /// further behind is told to sync again (410).
    #[arg(long, env = "CHANGES_KEPT_DAYS", default_value_t = crate::db::changes::DEFAULT_KEPT_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650), global = true)]
    pub changes_kept_days: u32,
}

impl Config {
    pub fn retention(&self) -> crate::retention::Policy {
        crate::retention::Policy {
            retention: std::time::Duration::from_secs(self.retention_period_secs),
            every: (self.retention_purge_interval_secs > 0)
                .then(|| std::time::Duration::from_secs(self.retention_purge_interval_secs)),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct WebhookConfig {
    /// Networks webhooks may call although they are not public (loopback,
    /// private, link-local …), comma-separated CIDRs such as `10.1.0.0/16`.
    /// Empty: public addresses only.
    #[arg(long = "webhook-allowed-networks", env = "WEBHOOK_ALLOWED_NETWORKS", value_delimiter = ',', global = true)]
    pub allowed_networks: Vec<ipnet::IpNet>,
    /// Milliseconds a receiver has to answer a delivery.
    #[arg(long = "webhook-timeout-ms", env = "WEBHOOK_TIMEOUT_MS", default_value_t = WebhookConfig::default().timeout_ms, value_parser = clap::value_parser!(u64).range(100..=60_000), global = true)]
    pub timeout_ms: u64,
    /// Milliseconds between two looks at the outbox.
    #[arg(long = "webhook-poll-ms", env = "WEBHOOK_POLL_MS", default_value_t = WebhookConfig::default().poll_ms, value_parser = clap::value_parser!(u64).range(10..=60_000), global = true)]
    pub poll_ms: u64,
    /// Milliseconds before the first retry of a failed delivery; each next wait doubles, up to an hour.
    #[arg(long = "webhook-retry-first-ms", env = "WEBHOOK_RETRY_FIRST_MS", default_value_t = WebhookConfig::default().retry_first_ms, value_parser = clap::value_parser!(u64).range(10..=3_600_000), global = true)]
    pub retry_first_ms: u64,
    /// Seconds after an event during which failed deliveries are retried.
    #[arg(long = "webhook-retry-window-secs", env = "WEBHOOK_RETRY_WINDOW_SECS", default_value_t = WebhookConfig::default().retry_window_secs, value_parser = clap::value_parser!(u64).range(1..=604_800), global = true)]
    pub retry_window_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allowed_networks: Vec::new(),
            timeout_ms: 10_000,
            poll_ms: 1000,
            retry_first_ms: 10_000,
            retry_window_secs: 24 * 3600,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
    /// Signs the service's access tokens (HS256); at least 32 bytes. Unset: a
    /// random one per start, and tokens do not survive a restart.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Sensitive>,
    /// The secret before the last rotation: its tokens stay valid until they expire.
    #[arg(long, env = "JWT_PREVIOUS_SECRET", hide_env_values = true, global = true)]
    pub jwt_previous_secret: Option<Sensitive>,
    /// `iss` of every access token, issued or accepted.
    #[arg(long, env = "JWT_ISSUER", default_value = "interim-tracker", global = true)]
    pub jwt_issuer: String,
    /// `aud` of every access token, issued or accepted.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "interim-tracker-api", global = true)]
    pub jwt_audience: String,
    /// Lifetime of the access tokens the service issues, in seconds.
    #[arg(long, env = "TOKEN_TTL_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=86_400), global = true)]
    pub token_ttl_secs: u64,
    /// An external identity provider's public key (PEM text or a file path).
    #[arg(long, env = "JWT_PUBLIC_KEY_PEM", global = true)]
    pub jwt_public_key_pem: Option<String>,
    /// The `kid` of that key.
    #[arg(long, env = "JWT_PUBLIC_KEY_KID", global = true)]
    pub jwt_public_key_kid: Option<String>,
    /// The provider's next key during a rotation (PEM text or a file path).
    #[arg(long, env = "JWT_NEXT_PUBLIC_KEY_PEM", global = true)]
    pub jwt_next_public_key_pem: Option<String>,
    #[arg(long, env = "JWT_NEXT_PUBLIC_KEY_KID", global = true)]
    pub jwt_next_public_key_kid: Option<String>,
    /// RS256, ES256 or EdDSA.
    #[arg(long, env = "JWT_PUBLIC_KEY_ALGORITHM", default_value = "RS256", value_parser = ["RS256", "ES256", "EdDSA"], global = true)]
    pub jwt_public_key_algorithm: String,
    /// The claim of the provider's tokens that holds the role.
    #[arg(long, env = "JWT_ROLE_CLAIM", default_value = "role", global = true)]
    pub jwt_role_claim: String,
    /// The claim of the provider's tokens that holds the organization id.
    #[arg(long, env = "JWT_ORG_CLAIM", default_value = "org", global = true)]
    pub jwt_org_claim: String,
    /// Identity providers found by OpenID Connect discovery, one per client
    /// organization if need be: a JSON array of `{"issuer": "https://…",
    /// "audience"?, "role_claim"? (role), "org_claim"? (org), "default_role"?,
    /// "organization_id"?, "min_refresh_secs"? (30)}`. Each issuer's keys come
    /// from its `jwks_uri`, and follow its rotations.
    #[arg(long, env = "OIDC_ISSUERS", default_value = "[]", value_parser = parse_oidc_issuers, global = true)]
    pub oidc_issuers: OidcIssuers,
    /// The bearer credential of the identity provider that provisions users
    /// over SCIM 2.0 (`/scim/v2`); at least 32 characters. Unset: only admins
    /// (`users:manage`) reach SCIM, with their own tokens.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, global = true)]
    pub scim_token: Option<Sensitive>,
    /// The first admin, created when no user exists.
    #[arg(long, env = "BOOTSTRAP_ADMIN_EMAIL", global = true)]
    pub bootstrap_admin_email: Option<String>,
    #[arg(long, env = "BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true, global = true)]
    pub bootstrap_admin_password: Option<Sensitive>,
    /// Requests each caller may make per minute.
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 1200, global = true)]
    pub rate_limit_per_minute: u32,
    /// Token requests per minute for one account from one address; an address
    /// may make five times as many in all (many people behind one NAT).
    #[arg(long, env = "TOKEN_RATE_LIMIT_PER_MINUTE", default_value_t = 10, global = true)]
    pub token_rate_limit_per_minute: u32,
}

/// The identity providers of `OIDC_ISSUERS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OidcIssuers(pub Vec<crate::auth::oidc::IssuerConfig>);

fn parse_oidc_issuers(value: &str) -> Result<OidcIssuers, String> {
    crate::auth::oidc::parse_issuers(value).map(OidcIssuers)
}

/// HOST:PORT to listen on: an IP address, or a name this machine resolves
/// (`localhost:8080`), whose first IPv4 address is taken (else its first).
fn parse_bind_addr(value: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let value = value.trim();
    if let Ok(addr) = value.parse() {
        return Ok(addr);
    }
    let usage = "write it as HOST:PORT, such as 127.0.0.1:8080, 0.0.0.0:8080 or localhost:8080";
    if value.rsplit_once(':').is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err()) {
        return Err(format!("`{value}` is not an address to listen on: {usage}"));
    }
    let addrs: Vec<SocketAddr> =
        value.to_socket_addrs().map_err(|e| format!("`{value}` cannot be resolved ({e}): {usage}"))?.collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("`{value}` resolves to no address: {usage}"))
}

/// A browser origin: `http` or `https`, a host and an optional port, nothing
/// after; surrounding spaces are ignored and an empty item is skipped later.
fn parse_origin(value: &str) -> Result<String, String> {
    let origin = value.trim().trim_end_matches('/');
    if origin.is_empty() {
        return Ok(String::new());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("`{origin}` is not an origin: write it as https://host[:port]"))?;
    let valid = !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        && !rest.starts_with([':', '.']);
    if valid {
        Ok(origin.to_ascii_lowercase())
    } else {
        Err(format!("`{origin}` is not an origin: write it as https://host[:port], without a path"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use clap::Parser;

    use super::Cli;

    fn origins(args: &[&str]) -> Result<Vec<String>, clap::Error> {
        let cli = Cli::try_parse_from([&["interim-tracker"], args].concat())?;
        Ok(cli.config.cors_allowed_origins)
    }

    #[test]
    fn cors_origins_are_listed_and_checked() {
        assert_eq!(
            origins(&["--cors-allowed-origins", "https://App.example.com/, http://localhost:5173"]).unwrap(),
            ["https://app.example.com", "http://localhost:5173"]
        );
        assert_eq!(origins(&["--cors-allowed-origins", ""]).unwrap(), [""]);
        for bad in ["*", "app.example.com", "https://app.example.com/path", "ftp://x.example.com", "https://"] {
            assert!(origins(&["--cors-allowed-origins", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_bind_address_may_name_localhost() {
        let bind = |v: &str| Cli::try_parse_from(["interim-tracker", "--bind-addr", v]).map(|c| c.config.bind_addr);
        assert_eq!(bind("127.0.0.1:9090").unwrap().to_string(), "127.0.0.1:9090");
        assert_eq!(bind("localhost:9090").unwrap().to_string(), "127.0.0.1:9090");
        assert_eq!(bind("[::1]:9090").unwrap().to_string(), "[::1]:9090");
        for bad in ["localhost", "8080", ":8080", "localhost:http", "127.0.0.1:99999"] {
            let error = bind(bad).unwrap_err().to_string();
            assert!(error.contains("BIND_ADDR") || error.contains("--bind-addr"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_header_timeout_has_a_sane_range() {
        let timeout = |v: &str| Cli::try_parse_from(["interim-tracker", "--request-header-timeout-ms", v]);
        assert_eq!(timeout("500").unwrap().config.request_header_timeout_ms, 500);
        assert!(timeout("0").is_err());
        assert!(timeout("99999999").is_err());
    }
}
