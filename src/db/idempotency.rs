//! Reservations and stored responses of `Idempotency-Key`.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, now};
use crate::error::AppResult;

/// How long a key is remembered.
pub const RETENTION: TimeDelta = TimeDelta::hours(24);

/// A response kept for replay.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct Stored {
    pub request_hash: String,
    pub status: Option<i32>,
    pub response_body: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub content_type: Option<String>,
}

/// What a request with a key finds.
#[derive(Debug)]
pub enum Reservation {
    /// First use: the request proceeds, and its response is kept.
    New,
    /// The key is known: the stored row.
    Known(Stored),
}

/// Reserves `(caller, key)` for a request whose content hashes to `hash`,
/// or returns what the key holds already.
pub fn reserve(conn: &mut DbConnection, caller: &str, key: &str, hash: &str) -> AppResult<Reservation> {
    let cutoff: NaiveDateTime = now() - RETENTION;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff))).execute(conn)?;
    let known: Option<Stored> =
        idempotency_keys::table.find((caller, key)).select(Stored::as_select()).get_result(conn).optional()?;
    if let Some(known) = known {
        return Ok(Reservation::Known(known));
    }
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::caller.eq(caller),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Reservation::New)
}

/// Keeps the response of a reserved key.
pub fn complete(conn: &mut DbConnection, caller: &str, key: &str, response: &Stored) -> AppResult<()> {
    diesel::update(idempotency_keys::table.find((caller, key)))
        .set((
            idempotency_keys::status.eq(response.status),
            idempotency_keys::response_body.eq(&response.response_body),
            idempotency_keys::location.eq(&response.location),
            idempotency_keys::etag.eq(&response.etag),
            idempotency_keys::content_type.eq(&response.content_type),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a reservation whose request failed in a way worth retrying.
pub fn release(conn: &mut DbConnection, caller: &str, key: &str) -> AppResult<()> {
    diesel::delete(idempotency_keys::table.find((caller, key))).execute(conn)?;
    Ok(())
}
