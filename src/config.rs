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
    /// Load a realistic demo data set: organizations, needs, about 200 candidates.
    DemoData,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080", global = true)]
    pub bind_addr: SocketAddr,
    /// `postgres://…` for PostgreSQL; `sqlite://PATH` or a path for SQLite.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/interim-tracker.db", global = true)]
    pub database_url: String,
    /// Connections used for reads at once (PostgreSQL: all queries).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256), global = true)]
    pub database_pool_size: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 262_144, value_parser = clap::value_parser!(u64).range(1024..=67_108_864), global = true)]
    pub max_body_bytes: u64,
    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECS", default_value_t = 30, global = true)]
    pub shutdown_timeout_secs: u64,
    /// Log filter, in `tracing` syntax: `info`, `interim_tracker=debug,info` …
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub log_format: String,
}
