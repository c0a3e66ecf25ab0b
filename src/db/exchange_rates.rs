//! Queries for the exchange rates the practice maintains.
//!
//! Every write also moves `exchange_rates_revision` on, in the same
//! transaction, so whoever keeps the table in memory (matching) can ask
//! [`revision`] — one lookup by key — and call [`all`] again only when it
//! changed:
//!
//! ```ignore
//! if cached.revision() != db::exchange_rates::revision(conn)? {
//!     cached = Arc::new(db::exchange_rates::all(conn)?);
//! }
//! ```
//!
//! A counter rather than `count(*)` and `max(updated_at)`: those miss a
//! delete and an insert together, or a write from an instance whose clock is behind.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{Page, PageRequest, Position, seek};
use super::schema::{exchange_rates, exchange_rates_revision};
use super::{DbConnection, now};
use crate::domain::Stored;
use crate::domain::exchange::{ExchangeRate, ExchangeRates};
use crate::domain::money::Currency;
use crate::error::{AppError, AppResult};

/// A stored rate; its id is its key, `BASE/QUOTE/valid_from`.
pub type StoredExchangeRate = Stored<String, ExchangeRate>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = exchange_rates)]
struct Row {
    key: String,
    base: String,
    quote: String,
    valid_from: NaiveDate,
    rate: f64,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The key of a rate: `BASE/QUOTE/valid_from`. Codes have three letters and
/// dates ten characters, so keys sort as `(base, quote, valid_from)` do.
pub fn key_of(base: Currency, quote: Currency, valid_from: NaiveDate) -> String {
    format!("{base}/{quote}/{}", valid_from.format("%Y-%m-%d"))
}

impl Row {
    fn new(rate: &ExchangeRate, version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Self {
        Row {
            key: key_of(rate.base, rate.quote, rate.valid_from),
            base: rate.base.code(),
            quote: rate.quote.code(),
            valid_from: rate.valid_from,
            rate: rate.rate,
            version,
            created_at,
            updated_at,
        }
    }

    fn rate(&self) -> AppResult<ExchangeRate> {
        let base = Currency::parse(&self.base).map_err(corrupt)?;
        let quote = Currency::parse(&self.quote).map_err(corrupt)?;
        ExchangeRate::new(base, quote, self.rate, self.valid_from).map_err(corrupt)
    }

    fn into_domain(self) -> AppResult<StoredExchangeRate> {
        Ok(Stored {
            value: self.rate()?,
            id: self.key,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// The revision of the stored table: it changes with every write to it.
pub fn revision(conn: &mut DbConnection) -> AppResult<i64> {
    let revision =
        exchange_rates_revision::table.find(1).select(exchange_rates_revision::revision).get_result(conn).optional()?;
    revision.ok_or_else(|| AppError::Internal(anyhow::anyhow!("the exchange_rates_revision row is missing")))
}

/// Moves the revision on; every write calls it in its transaction.
fn changed(conn: &mut DbConnection) -> AppResult<()> {
    let updated = diesel::update(exchange_rates_revision::table.find(1))
        .set(exchange_rates_revision::revision.eq(exchange_rates_revision::revision + 1))
        .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(AppError::Internal(anyhow::anyhow!("the exchange_rates_revision row is missing")))
    }
}

/// Every stored rate, as the table conversions use, with the revision it
/// was read at. Run it in one read transaction (`Database::read`) so the two agree.
pub fn all(conn: &mut DbConnection) -> AppResult<ExchangeRates> {
    let at = revision(conn)?;
    let rows: Vec<Row> = exchange_rates::table.select(Row::as_select()).load(conn)?;
    let rates = rows.iter().map(Row::rate).collect::<AppResult<Vec<_>>>()?;
    Ok(ExchangeRates::new(rates, at))
}

pub fn get(conn: &mut DbConnection, key: &str) -> AppResult<StoredExchangeRate> {
    exchange_rates::table
        .find(key)
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("exchange rate"))?
        .into_domain()
}

/// Stores `rate` as the rate of its pair from its day, replacing the one
/// stored for that pair and day if any. Returns the stored rate and whether
/// it is new.
pub fn put(conn: &mut DbConnection, rate: &ExchangeRate) -> AppResult<(StoredExchangeRate, bool)> {
    let key = key_of(rate.base, rate.quote, rate.valid_from);
    let current: Option<Row> = exchange_rates::table.find(&key).select(Row::as_select()).get_result(conn).optional()?;
    let at = now();
    let (row, created) = match current {
        None => {
            let row = Row::new(rate, 1, at, at);
            diesel::insert_into(exchange_rates::table).values(&row).execute(conn)?;
            (row, true)
        }
        Some(current) => {
            let row = Row::new(rate, current.version + 1, current.created_at, at);
            let updated =
                diesel::update(exchange_rates::table.find(&key).filter(exchange_rates::version.eq(current.version)))
                    .set(&row)
                    .execute(conn)?;
            super::ensure_updated(updated)?;
            (row, false)
        }
    };
    changed(conn)?;
    Ok((row.into_domain()?, created))
}

pub fn delete(conn: &mut DbConnection, key: &str) -> AppResult<()> {
    let deleted = diesel::delete(exchange_rates::table.find(key)).execute(conn)?;
    if deleted == 0 {
        return Err(AppError::NotFound("exchange rate"));
    }
    changed(conn)
}

/// Lists sort by pair: base, quote, then `valid_from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeRateSort {
    Pair,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ExchangeRateFilter {
    /// ISO 4217 codes, as parsed.
    pub base: Option<String>,
    pub quote: Option<String>,
    /// Only the rate of each pair in force that day: the latest dated on or before it.
    pub on: Option<NaiveDate>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &ExchangeRateFilter,
    page: &PageRequest<ExchangeRateSort>,
) -> AppResult<Page<StoredExchangeRate>> {
    let filtered = || {
        let mut query = exchange_rates::table.into_boxed();
        if let Some(base) = &filter.base {
            query = query.filter(exchange_rates::base.eq(base.clone()));
        }
        if let Some(quote) = &filter.quote {
            query = query.filter(exchange_rates::quote.eq(quote.clone()));
        }
        if let Some(on) = filter.on {
            // In force on `on`: dated on or before it, and no rate of the pair dated later but still by then.
            let later = diesel::alias!(exchange_rates as later);
            query = query.filter(exchange_rates::valid_from.le(on)).filter(diesel::dsl::not(diesel::dsl::exists(
                later
                    .filter(later.field(exchange_rates::base).eq(exchange_rates::base))
                    .filter(later.field(exchange_rates::quote).eq(exchange_rates::quote))
                    .filter(later.field(exchange_rates::valid_from).gt(exchange_rates::valid_from))
                    .filter(later.field(exchange_rates::valid_from).le(on))
                    .select(later.field(exchange_rates::key)),
            )));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref().map(|p| (p.value.clone(), p.id.clone()));
    let (key, dir) = (exchange_rates::key, page.direction);
    let rows: Vec<Row> = match page.sort {
        ExchangeRateSort::Pair => seek!(query, exchange_rates::key, key, dir, after).load(conn)?,
    };
    Page::from_rows(rows, page.limit, total, |row| Position { value: row.key.clone(), id: row.key.clone() })
        .try_map(Row::into_domain)
}
