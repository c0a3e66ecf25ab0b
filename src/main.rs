//! The `interim-tracker` command: parses the command line and calls into the library.

// Printing is what the `openapi` and `demo-data` commands are for.
#![allow(clippy::print_stdout)]

use clap::Parser;
use interim_tracker::config::{Cli, Command};
use interim_tracker::{Application, api, commands, demo, prepare_database, telemetry};

/// A request allocates many small strings (rows, JSON, headers) on several
/// threads; mimalloc serves them from per-thread pages where glibc's malloc
/// spends a fifth of a list page's CPU in its own bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is normal; values already in the environment win.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = cli.config;
    telemetry::init(&config.log_level, &config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&config)?;
            let addr = format!("http://{}:{}", config.bind_addr.ip(), app.port());
            tracing::info!("serving the API on {addr}/api/v1; Swagger UI at {addr}/docs/");
            app.run().await?;
        }
        Command::Migrate => {
            prepare_database(&config)?;
            tracing::info!("the database is up to date");
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&api::openapi())?);
        }
        Command::CreateUser(args) => {
            let db = prepare_database(&config)?;
            println!("{}", actix_web::web::block(move || commands::create_user(&db, &args)).await??);
        }
        Command::ApiKey(command) => {
            let db = prepare_database(&config)?;
            println!("{}", actix_web::web::block(move || commands::api_key(&db, &command)).await??);
        }
        Command::PurgeRetention { dry_run } => {
            let db = prepare_database(&config)?;
            let policy = config.retention();
            let instance = format!("cli-{}", std::process::id());
            let erased =
                actix_web::web::block(move || interim_tracker::retention::purge(&db, &policy, &instance, dry_run))
                    .await??;
            let verb = if dry_run { "Would erase" } else { "Erased" };
            println!("{verb} {} candidate(s).", erased.len());
            for id in erased {
                println!("{id}");
            }
        }
        Command::DemoData => {
            let db = prepare_database(&config)?;
            let summary = actix_web::web::block(move || demo::load(&db)).await??;
            println!("{summary}");
        }
    }
    Ok(())
}
