//! Full-text search benchmark: a program that prints figures, not a timed test.
//!
//! For each backend it stores N synthetic candidates (seeded, the same on every machine), each with a
//! headline, a summary, skills and a CV of a few hundred words (a text document, stored and searched as an
//! upload is), starts the service on that database as `main` does, and times search pages over HTTP from one
//! client: a rare word, words found in 1 %, 10 % and half of the CVs, two words, a phrase, a word with a filter,
//! a word in another order, and the next page of a frequent word. Each figure is printed with its ratio to a
//! plain list page (no `q`) measured in the same run, as the machine is shared.
//!
//! `cargo bench --bench search` runs N = 100,000 on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set
//! (a fresh schema there, dropped after). `SEARCH_BENCH_SIZE=2000` runs a quick pass (what CI does);
//! `SEARCH_BENCH_BACKENDS=sqlite` or `postgres` runs one; `SEARCH_BENCH_KEEP=1` keeps the PostgreSQL schema.

#![allow(clippy::print_stdout)] // A benchmark prints its figures.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use interim_tracker::Application;
use interim_tracker::config::{AuthConfig, Config, WebhookConfig};
use interim_tracker::db::documents::{self, NewDocument, Owner};
use interim_tracker::db::{Database, candidates};
use interim_tracker::domain::document::{DocumentKind, Extraction, Filename, MediaType};
use interim_tracker::matching::synthetic::Synthetic;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 20261203;
/// Words of the synthetic language the CVs are written in (Zipf-distributed, as words of real text are).
const VOCABULARY: usize = 40_000;
const ZIPF: f64 = 1.05;
const CV_WORDS: std::ops::RangeInclusive<usize> = 250..=650;
const ROUNDS: usize = 60;
const ADMIN: (&str, &str) = ("bench@example.com", "the benchmark's admin password");

/// The `rank`-th word of the synthetic language: syllables, so that stemming sees word-like text.
fn word(rank: usize) -> String {
    const SYLLABLES: [&str; 32] = [
        "ka", "lo", "mi", "ren", "sto", "vel", "an", "dor", "is", "tu", "pra", "ne", "gal", "os", "fi", "mur", "te",
        "bra", "hol", "ui", "zen", "ca", "ri", "po", "sel", "wa", "den", "ju", "tor", "li", "ex", "qua",
    ];
    let mut n = rank + 32;
    let mut out = String::new();
    while n > 0 {
        out.push_str(SYLLABLES[n % 32]);
        n /= 32;
    }
    out
}

/// Draws word ranks by Zipf's law.
struct Words {
    cumulative: Vec<f64>,
}

impl Words {
    fn new() -> Self {
        let mut total = 0.0;
        let cumulative = (1..=VOCABULARY)
            .map(|r| {
                total += 1.0 / (r as f64).powf(ZIPF);
                total
            })
            .collect::<Vec<_>>();
        let last = total;
        Words { cumulative: cumulative.into_iter().map(|c| c / last).collect() }
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let x: f64 = rng.random();
        self.cumulative.partition_point(|&c| c < x)
    }

    /// The share of CVs expected to hold the word of `rank` at least once.
    fn share(&self, rank: usize) -> f64 {
        let p = self.cumulative[rank] - if rank == 0 { 0.0 } else { self.cumulative[rank - 1] };
        let words = (*CV_WORDS.start() + *CV_WORDS.end()) as f64 / 2.0;
        1.0 - (1.0 - p).powf(words)
    }

    /// The word whose share is nearest `share`.
    fn with_share(&self, share: f64) -> (String, f64) {
        let rank = (0..VOCABULARY)
            .min_by(|&a, &b| (self.share(a) - share).abs().total_cmp(&(self.share(b) - share).abs()))
            .unwrap_or(0);
        (word(rank), self.share(rank))
    }
}

fn cv(words: &Words, rng: &mut StdRng) -> String {
    let n = rng.random_range(CV_WORDS);
    let mut text = String::with_capacity(n * 8);
    for i in 0..n {
        text.push_str(&word(words.draw(rng)));
        text.push(if i % 14 == 13 { '\n' } else { ' ' });
    }
    text
}

fn store(db: &Database, size: usize) -> anyhow::Result<Duration> {
    let words = Words::new();
    let mut data = Synthetic::new(SEED);
    let mut rng = StdRng::seed_from_u64(SEED);
    let started = Instant::now();
    let batch = 500;
    for start in (0..size).step_by(batch) {
        let people: Vec<_> = (start..(start + batch).min(size))
            .map(|i| {
                let mut c = data.candidate();
                c.first_name = word(words.draw(&mut rng));
                c.last_name = format!("{}{i}", word(words.draw(&mut rng)));
                c.email = format!("candidate{i}@bench.example.com");
                c.headline = Some((0..6).map(|_| word(words.draw(&mut rng))).collect::<Vec<_>>().join(" "));
                c.summary = Some((0..40).map(|_| word(words.draw(&mut rng))).collect::<Vec<_>>().join(" "));
                (c, cv(&words, &mut rng))
            })
            .collect();
        db.write_blocking(|conn| {
            for (c, text) in people {
                let stored = candidates::insert(conn, &c)?;
                let content = text.clone().into_bytes();
                let sha256 = sha2_hex(&content);
                let document = NewDocument {
                    owner: Owner::Candidate(stored.id),
                    kind: DocumentKind::Cv,
                    filename: Filename::parse("cv.txt").map_err(|e| anyhow::anyhow!("{}", e.message))?,
                    media: MediaType::Text,
                    sha256,
                    text: Extraction::Extracted(text),
                    uploaded_by: "bench".into(),
                    content,
                };
                documents::insert(conn, document, None)?;
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(started.elapsed())
}

fn sha2_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn config(database_url: &str) -> anyhow::Result<Config> {
    Ok(Config {
        bind_addr: "127.0.0.1:0".parse()?,
        database_url: database_url.to_owned(),
        database_pool_size: 4,
        rendered_cache_mb: 64,
        workers: Some(2),
        max_body_bytes: 64 * 1024,
        request_header_timeout_ms: 5000,
        request_body_timeout_ms: 10_000,
        cors_allowed_origins: Vec::new(),
        shutdown_timeout_secs: 1,
        log_level: "warn".into(),
        log_format: "text".into(),
        auth: AuthConfig {
            jwt_secret: Some("a benchmark's secret, long enough for HS256".parse()?),
            jwt_previous_secret: None,
            jwt_issuer: "interim-tracker".into(),
            jwt_audience: "interim-tracker-api".into(),
            token_ttl_secs: 3600,
            jwt_public_key_pem: None,
            jwt_public_key_kid: None,
            jwt_next_public_key_pem: None,
            jwt_next_public_key_kid: None,
            jwt_public_key_algorithm: "RS256".into(),
            jwt_role_claim: "role".into(),
            jwt_org_claim: "org".into(),
            oidc_issuers: Default::default(),
            scim_token: None,
            bootstrap_admin_email: Some(ADMIN.0.into()),
            bootstrap_admin_password: Some(ADMIN.1.parse()?),
            rate_limit_per_minute: 1_000_000,
            token_rate_limit_per_minute: 1_000,
        },
        webhooks: WebhookConfig::default(),
        retention_period_secs: 730 * 86_400,
        retention_purge_interval_secs: 86_400,
        changes_kept_days: 35,
    })
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let rank = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1].as_secs_f64() * 1e3
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn page(&self, query: &str) -> anyhow::Result<serde_json::Value> {
        let response =
            self.http.get(format!("{}/api/v1/candidates?{query}", self.base)).bearer_auth(&self.token).send().await?;
        anyhow::ensure!(response.status() == 200, "{query}: {}", response.status());
        Ok(response.json().await?)
    }

    /// p50 and p95 of `query`, in ms, and how many the first page found (with `include_total`).
    async fn time(&self, query: &str) -> anyhow::Result<(f64, f64, i64)> {
        let total = self.page(&format!("{query}&include_total=true")).await?["total"].as_i64().unwrap_or(-1);
        let mut samples = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let started = Instant::now();
            self.page(query).await?;
            samples.push(started.elapsed());
        }
        Ok((percentile(&mut samples, 0.50), percentile(&mut samples, 0.95), total))
    }
}

async fn measure(backend: &str, url: &str, size: usize) -> anyhow::Result<()> {
    let config = config(url)?;
    let db = interim_tracker::prepare_database(&config)?;
    let stored = store(&db, size)?;
    println!(
        "{backend}: {size} candidates with CVs stored in {:.1} s ({:.0} a second, search text written with each)",
        stored.as_secs_f64(),
        size as f64 / stored.as_secs_f64()
    );
    if url.starts_with("postgres") {
        // As autovacuum would soon after a bulk load: statistics for the planner, the GIN pending list merged.
        let started = Instant::now();
        PgConnection::establish(url)?.batch_execute("VACUUM ANALYZE")?;
        println!("{backend}: VACUUM ANALYZE in {:.1} s", started.elapsed().as_secs_f64());
    }
    drop(db);
    let app = Application::build(&config)?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/token"))
        .form(&[("grant_type", "password"), ("username", ADMIN.0), ("password", ADMIN.1)])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"].as_str().ok_or_else(|| anyhow::anyhow!("no token: {token}"))?.to_owned();
    let client = Client { http, base, token };

    let words = Words::new();
    let (rare, rare_share) = words.with_share(0.001);
    let (one, one_share) = words.with_share(0.01);
    let (ten, ten_share) = words.with_share(0.10);
    let (half, half_share) = words.with_share(0.5);
    let (ten_b, _) = words.with_share(0.12);
    // The first two words of a CV line that is there: "{a} {b}" as a phrase.
    let phrase = {
        let mut rng = StdRng::seed_from_u64(SEED ^ 7);
        let text = cv(&words, &mut rng);
        text.split_whitespace().take(2).collect::<Vec<_>>().join("%20")
    };
    let next = {
        let first = client.page(&format!("q={ten}&limit=20")).await?;
        first["next_cursor"].as_str().unwrap_or_default().to_owned()
    };
    let cases: Vec<(String, String)> = vec![
        ("list page, no q (the baseline)".into(), "limit=20".into()),
        (format!("rare word (in {:.2} % of CVs)", rare_share * 100.0), format!("q={rare}&limit=20")),
        (format!("word in {:.1} % of CVs", one_share * 100.0), format!("q={one}&limit=20")),
        (format!("word in {:.0} % of CVs", ten_share * 100.0), format!("q={ten}&limit=20")),
        (format!("word in {:.0} % of CVs", half_share * 100.0), format!("q={half}&limit=20")),
        ("two words of ~10 % each".into(), format!("q={ten}%20{ten_b}&limit=20")),
        ("a phrase".into(), format!("q=%22{phrase}%22&limit=20")),
        ("word in 10 %, country=NL".into(), format!("q={ten}&country=NL&limit=20")),
        ("word in 10 %, sort=-created_at".into(), format!("q={ten}&sort=-created_at&limit=20")),
        ("word in 10 %, second page".into(), format!("cursor={next}&limit=20")),
    ];
    println!("{backend}: one client, {ROUNDS} requests a case, pages of 20 with snippets");
    println!("| case | found | p50 ms | p95 ms | p95 / list page |");
    println!("|---|---:|---:|---:|---:|");
    let mut baseline = None;
    for (name, query) in cases {
        let (p50, p95, total) = client.time(&query).await?;
        let base = *baseline.get_or_insert(p95);
        println!("| {name} | {total} | {p50:.2} | {p95:.2} | {:.1} |", p95 / base);
    }
    // An erasure takes the erased text's words out of the index's pages (on SQLite by merging the index).
    let listed = client.page("limit=3").await?;
    for candidate in listed["items"].as_array().into_iter().flatten() {
        let id = candidate["id"].as_str().unwrap_or_default();
        let started = Instant::now();
        let response = client
            .http
            .post(format!("{}/api/v1/candidates/{id}/erase", client.base))
            .bearer_auth(&client.token)
            .json(&serde_json::json!({}))
            .send()
            .await?;
        anyhow::ensure!(response.status() == 200, "erasure: {}", response.status());
        println!("{backend}: an erasure in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let size = std::env::var("SEARCH_BENCH_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let backends = std::env::var("SEARCH_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    interim_tracker::telemetry::init("warn", "text");
    if backends.contains("sqlite") {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("search.db").display());
        measure("SQLite", &url, size).await?;
    }
    if backends.contains("postgres") {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            None => println!("PostgreSQL: TEST_DATABASE_URL is not set, not measured"),
            Some(admin) => {
                let schema = format!("bench_search_{}", std::process::id());
                PgConnection::establish(&admin)?.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
                let separator = if admin.contains('?') { '&' } else { '?' };
                let url = format!("{admin}{separator}options=-csearch_path%3D{schema}");
                let measured = measure("PostgreSQL", &url, size).await;
                if std::env::var_os("SEARCH_BENCH_KEEP").is_some() {
                    println!("PostgreSQL: the schema {schema} is kept (SEARCH_BENCH_KEEP)");
                } else {
                    PgConnection::establish(&admin)?.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
                }
                measured?;
            }
        }
    }
    Ok(())
}
