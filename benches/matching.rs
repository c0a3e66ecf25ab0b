//! Matching benchmark: a program that prints figures, not a timed test.
//!
//! For each size N it generates N synthetic candidates (seeded, the same on every machine), builds the
//! in-memory index, and reports: build time, memory per candidate, the floor (one pass reading everything
//! the index holds, doing nothing else), and p50/p95 of a top-20 match over a set of synthetic needs, one
//! thread and two. For the smaller sizes it also stores the candidates in SQLite and times the naive path
//! (load every candidate from the database and explain each), and prints how many times faster the index is.
//!
//! `cargo bench --bench matching` runs N = 10k, 100k and 1M (naive at 10k and 100k).
//! `MATCH_BENCH_SIZES=2000 MATCH_BENCH_NAIVE_MAX=2000` runs a quick pass (what CI does).

#![allow(clippy::print_stdout)] // A benchmark prints its figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use interim_tracker::db::{Database, DatabaseUrl, candidates, seed};
use interim_tracker::domain::CandidateId;
use interim_tracker::domain::candidate::Candidate;
use interim_tracker::domain::need::Need;
use interim_tracker::domain::skillset::{IdealSkillset, MatchWeights};
use interim_tracker::matching::Settings;
use interim_tracker::matching::index::{CandidateIndex, Search, Stamp, scan};
use interim_tracker::matching::synthetic::Synthetic;
use interim_tracker::matching::taxonomy::Taxonomy;

const SEED: u64 = 20261123;
const QUERIES: usize = 40;
const TOP: usize = 20;

fn numbers(var: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(var) {
        Ok(list) => list.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
        Err(_) => default.to_vec(),
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let rank = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// ESCO's skills pillar holds about 14,000 skills.
const ESCO_SKILLS: usize = 14_000;

fn candidates_of(n: usize, esco: bool) -> Vec<Candidate> {
    let mut data = Synthetic::new(SEED);
    if esco {
        data.esco_sized(ESCO_SKILLS);
    }
    (0..n)
        .map(|i| {
            let mut c = data.candidate();
            c.email = format!("candidate{i}@example.com");
            c
        })
        .collect()
}

/// The needs, and the settings: with the ESCO-sized taxonomy (needs then ask for its skills), or none.
fn queries(esco: bool) -> (Vec<(Need, IdealSkillset)>, Settings) {
    let mut data = Synthetic::new(SEED ^ 0xfeed);
    let taxonomy = if esco {
        // The same taxonomy the candidates were drawn with: the generator's first draws make it.
        let skills = Synthetic::new(SEED).esco_sized(ESCO_SKILLS);
        data.esco_sized(ESCO_SKILLS);
        let relations: usize = skills.iter().map(|s| s.broader.len() + s.related.len()).sum();
        let started = Instant::now();
        let taxonomy = Taxonomy::new(skills);
        println!(
            "taxonomy: {} skills, {relations} relations, loaded in {:.1} ms, {:.1} MB",
            taxonomy.len(),
            ms(started.elapsed()),
            taxonomy.memory_bytes() as f64 / 1e6
        );
        taxonomy
    } else {
        Taxonomy::default()
    };
    let queries = (0..QUERIES).map(|_| (data.need(), data.skillset())).collect();
    (
        queries,
        Settings {
            weights: MatchWeights::default(),
            rate_tolerance: 0.1,
            today: data.today,
            taxonomy: std::sync::Arc::new(taxonomy),
            rates: std::sync::Arc::new(data.rates()),
        },
    )
}

fn search() -> Search {
    Search { min_score: 0.0, include_excluded: false, after: None, k: TOP, count: false }
}

/// p50 and p95 of `run` over every query, after one warm-up round.
fn latency(queries: &[(Need, IdealSkillset)], rounds: usize, mut run: impl FnMut(&Need, &IdealSkillset)) -> (f64, f64) {
    for (need, skillset) in queries.iter().take(3) {
        run(need, skillset);
    }
    let mut samples = Vec::new();
    for _ in 0..rounds {
        for (need, skillset) in queries {
            let started = Instant::now();
            run(need, skillset);
            samples.push(started.elapsed());
        }
    }
    (ms(percentile(&mut samples, 0.50)), ms(percentile(&mut samples, 0.95)))
}

fn naive_store(candidates: &[Candidate]) -> anyhow::Result<(tempfile::TempDir, Database, Duration)> {
    let dir = tempfile::tempdir()?;
    let db = Database::connect(&DatabaseUrl::Sqlite(dir.path().join("bench.db")), 4)?;
    db.migrate()?;
    seed::ship_catalog(&db).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    for chunk in candidates.chunks(5_000) {
        db.write_blocking(|conn| {
            for c in chunk {
                candidates::insert(conn, c)?;
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok((dir, db, started.elapsed()))
}

fn main() -> anyhow::Result<()> {
    let sizes = numbers("MATCH_BENCH_SIZES", &[10_000, 100_000, 1_000_000]);
    let naive_max = numbers("MATCH_BENCH_NAIVE_MAX", &[100_000]).first().copied().unwrap_or(0);
    let esco = std::env::var("MATCH_BENCH_TAXONOMY").map_or(true, |v| v != "0");
    println!("matching benchmark: top-{TOP} of {QUERIES} synthetic needs (seed {SEED}), {} cores", cores());
    for n in sizes {
        let (queries, settings) = queries(false);
        let candidates = candidates_of(n, false);
        let started = Instant::now();
        let mut index = CandidateIndex::new();
        for (i, c) in candidates.iter().enumerate() {
            index.upsert(CandidateId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)), c, Stamp::default());
        }
        let build = started.elapsed();
        let bytes = index.memory_bytes() as f64 / n.max(1) as f64;

        let mut floor = Vec::new();
        for _ in 0..30 {
            let started = Instant::now();
            black_box(index.read_everything());
            floor.push(started.elapsed());
        }
        let floor = ms(percentile(&mut floor, 0.50));
        let rounds = if n >= 1_000_000 { 2 } else { 5 };
        let (p50, p95) = latency(&queries, rounds, |need, skillset| {
            black_box(index.rank(need, Some(skillset), &settings, search()));
        });
        let (p50_t, p95_t) = latency(&queries, rounds, |need, skillset| {
            black_box(index.rank(need, Some(skillset), &settings, Search { count: true, ..search() }));
        });
        let (p50_2, p95_2) = latency(&queries, rounds, |need, skillset| {
            black_box(index.rank_parallel(need, Some(skillset), &settings, search(), 2));
        });
        println!("N = {n}");
        println!("  index build            {:>9.1} ms   ({:.2} µs a candidate)", ms(build), ms(build) * 1e3 / n as f64);
        println!("  memory                 {bytes:>9.0} bytes a candidate (rows, attributes, id map, vocabularies)");
        println!("  floor (read all once)  {floor:>9.2} ms");
        println!("  top-{TOP}, 1 thread       p50 {p50:>8.2} ms   p95 {p95:>8.2} ms   p95/floor {:>5.1}×", p95 / floor);
        println!(
            "  top-{TOP} with total      p50 {p50_t:>8.2} ms   p95 {p95_t:>8.2} ms   p95/floor {:>5.1}× (every eligible row read)",
            p95_t / floor
        );
        println!(
            "  top-{TOP}, 2 threads      p50 {p50_2:>8.2} ms   p95 {p95_2:>8.2} ms   p95/floor {:>5.1}×",
            p95_2 / floor
        );
        if n <= naive_max {
            let (_dir, db, load) = naive_store(&candidates)?;
            println!("  (stored {n} candidates in SQLite in {:.1} s)", load.as_secs_f64());
            let few = &queries[..5.min(queries.len())];
            let (naive50, naive95) = latency(few, 1, |need, skillset| {
                let all = db
                    .with_reader(|conn| {
                        let mut all = Vec::new();
                        candidates::each_batch(conn, |batch| all.extend(batch))?;
                        Ok(all)
                    })
                    .unwrap_or_default();
                black_box(scan(need, Some(skillset), all.iter().map(|c| (c.id, &c.value.0)), &settings, search()));
            });
            println!(
                "  naive (load + explain)  p50 {naive50:>8.2} ms   p95 {naive95:>8.2} ms   index is {:.0}× faster at p50",
                naive50 / p50
            );
        }
        if esco {
            with_relations(n, p95, p95_2)?;
        }
    }
    Ok(())
}

/// The same sizes with an ESCO-sized taxonomy: candidates hold its skills, needs ask for them, and a held skill
/// earns credit through synonyms, broader, narrower, sibling and related skills. Ratios to the run above (the
/// shipped skills, no relations), measured in the same run.
fn with_relations(n: usize, p95_plain: f64, p95_2_plain: f64) -> anyhow::Result<()> {
    let (queries, settings) = queries(true);
    let candidates = candidates_of(n, true);
    let mut index = CandidateIndex::new();
    let started = Instant::now();
    for (i, c) in candidates.iter().enumerate() {
        index.upsert(CandidateId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)), c, Stamp::default());
    }
    let build = started.elapsed();
    let bytes = index.memory_bytes() as f64 / n.max(1) as f64;
    let rounds = if n >= 1_000_000 { 2 } else { 5 };
    let (p50, p95) = latency(&queries, rounds, |need, skillset| {
        black_box(index.rank(need, Some(skillset), &settings, search()));
    });
    let (p50_2, p95_2) = latency(&queries, rounds, |need, skillset| {
        black_box(index.rank_parallel(need, Some(skillset), &settings, search(), 2));
    });
    println!("N = {n}, ESCO-sized taxonomy with relations");
    println!("  index build            {:>9.1} ms", ms(build));
    println!("  memory                 {bytes:>9.0} bytes a candidate");
    println!(
        "  top-{TOP}, 1 thread       p50 {p50:>8.2} ms   p95 {p95:>8.2} ms   {:>5.2}× the p95 without relations",
        p95 / p95_plain
    );
    println!(
        "  top-{TOP}, 2 threads      p50 {p50_2:>8.2} ms   p95 {p95_2:>8.2} ms   {:>5.2}× the p95 without relations",
        p95_2 / p95_2_plain
    );
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
