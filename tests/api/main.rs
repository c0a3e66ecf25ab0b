//! Integration tests over HTTP against the real application, each on a fresh
//! database, on SQLite and (with `TEST_DATABASE_URL`) on PostgreSQL. One test
//! binary keeps link time down.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod access_matrix;
mod assignments;
mod auth;
mod bad_input;
mod candidates;
mod changes;
mod commands;
mod cors;
mod custom_fields;
mod documents;
mod duplicates;
mod error_bodies;
mod exchange_rates;
mod export;
mod external_ids;
mod idempotency;
mod import;
mod limits;
mod matching;
mod migrations;
mod needs;
mod notes;
mod oidc;
mod openapi;
mod operations;
mod organizations;
mod page_cap;
mod pipeline;
mod pipeline_reasons;
mod preconditions;
mod privacy;
mod progress;
mod reports;
mod revocation;
mod scale_out;
mod scim;
mod search;
mod skills;
mod skillsets;
mod slow_clients;
mod startup;
mod tags;
mod taxonomy;
mod tenancy;
mod tokens;
mod webhooks;
