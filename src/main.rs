//! The `interim-tracker` command: parses the command line and calls into the library.

// Printing is what the `openapi` and `demo-data` commands are for.
#![allow(clippy::print_stdout)]

use clap::Parser as _;
use interim_tracker::config::{Cli, Command};
use interim_tracker::{Application, api, commands, demo, prepare_database, telemetry};

/// A request allocates many small strings (rows, JSON, headers) on several
/// threads; mimalloc serves them from per-thread pages where glibc's malloc
/// spends a fifth of a list page's CPU in its own bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every failure is one line on standard error, naming the problem and its
/// fix, and a non-zero exit.
#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("interim-tracker: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    // A missing .env is normal, and values already in the environment win; a
    // line that cannot be read would silently drop every line after it.
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(error) if error.not_found() => {}
        Err(dotenvy::Error::LineParse(line, at)) => anyhow::bail!(
            ".env has a line that cannot be read (at character {at}): `{line}`; write each line as NAME=value, \
             quoting a value that holds spaces or # (NAME=\"a value\"), or comment it out with #"
        ),
        Err(error) => anyhow::bail!("reading .env: {error}"),
    }
    // Help and version print as clap prints them; a bad value is one line, like every other failure.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            let text = error.to_string();
            let first = text.lines().next().unwrap_or_default();
            anyhow::bail!("{}", first.trim_start_matches("error: "))
        }
    };
    let config = cli.config;
    telemetry::init(&config.log_level, &config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&config)?;
            let addr = format!("http://{}", std::net::SocketAddr::new(config.bind_addr.ip(), app.port()));
            tracing::info!("serving the API on {addr}/api/v1 from the {}; Swagger UI at {addr}/docs/", app.database());
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
            println!("Database: {}", db.url());
            let summary = actix_web::web::block(move || demo::load(&db)).await??;
            println!("{summary}");
        }
    }
    Ok(())
}
