//! Configuration mistakes stop the start with one line that names the
//! problem and its fix, and a non-zero exit, before anything is written; a
//! good start names the database it runs on; `/` leads to the documentation.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::postgres_url;

const BIN: &str = env!("CARGO_BIN_EXE_interim-tracker");

/// The command run in `dir`, with no configuration of the caller's environment.
fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).env_remove("DATABASE_URL").env_remove("BIND_ADDR").env("LOG_LEVEL", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Runs `migrate` (or `args`), asserting it fails fast with one line saying all of `says`; nothing is written.
fn fails(env: &[(&str, &str)], args: &[&str], says: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let started = Instant::now();
    let output = command(dir.path(), env).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{env:?} {args:?} started: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(4), "{env:?} took {:?}", started.elapsed());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    for said in says {
        assert!(stderr.contains(said), "{env:?}: {stderr:?} does not say {said:?}");
    }
    let after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "nothing is written");
    output
}

#[test]
fn database_urls_of_other_databases_and_typos_are_refused() {
    for (url, says) in [
        ("mysql://root@localhost/test", "`mysql:`"),
        ("http://localhost:8080/db", "`http:`"),
        ("postgress://postgres@127.0.0.1/test", "did you mean postgres://"),
        ("sqlite::memory:", "in-memory"),
    ] {
        fails(&[("DATABASE_URL", url)], &["migrate"], &["DATABASE_URL", says]);
    }
}

#[test]
fn a_malformed_env_file_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "LOG_LEVEL=warn\nTHIS LINE IS NOT AN ASSIGNMENT\nDATABASE_URL=x.db\n")
        .unwrap();
    let output = command(dir.path(), &[]).arg("migrate").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(".env") && stderr.contains("THIS LINE IS NOT") && stderr.contains("NAME=value"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no database was created");
}

#[test]
fn a_missing_postgresql_database_is_named_at_once() {
    let Some(url) = postgres_url() else { return };
    let (server, _) = url.rsplit_once('/').unwrap();
    let missing = format!("{server}/interim_tracker_no_such_database");
    fails(
        &[("DATABASE_URL", &missing)],
        &["migrate"],
        &["interim_tracker_no_such_database", "does not exist", "createdb"],
    );
}

#[test]
fn an_address_in_use_names_bind_addr() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    fails(&[("BIND_ADDR", &address), ("DATABASE_URL", "data/x.db")], &["serve"], &["BIND_ADDR", &address, "in use"]);
    fails(&[("BIND_ADDR", "localhost")], &["serve"], &["BIND_ADDR", "HOST:PORT"]);
}

/// `localhost:PORT` serves; the log names the database; `/` redirects to Swagger UI.
#[test]
fn localhost_serves_and_the_root_leads_to_the_docs() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = command(dir.path(), &[("BIND_ADDR", &format!("localhost:{port}")), ("LOG_LEVEL", "info")])
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let serving = lines.by_ref().map_while(Result::ok).find(|l| l.contains("serving the API"));
    let answer = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", &format!("http://127.0.0.1:{port}/")])
        .output();
    child.kill().unwrap();
    child.wait().unwrap();
    let serving = serving.expect("the server says where it serves");
    assert!(serving.contains("SQLite file data/interim-tracker.db"), "{serving}");
    assert!(serving.contains(&format!("127.0.0.1:{port}")), "{serving}");
    let answer = String::from_utf8(answer.unwrap().stdout).unwrap();
    assert_eq!(answer, format!("302 http://127.0.0.1:{port}/docs/"));
}
