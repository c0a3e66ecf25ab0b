//! `/api/v1/exchange-rates`: the dated exchange rates the practice maintains,
//! and conversions with them. The practice's staff write them
//! (`exchange_rates:write`); any authenticated caller reads them.
//! How a conversion picks its rate and rounds: [`crate::domain::exchange`].

use actix_web::{HttpResponse, delete, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, invalid_param};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::exchange_rates::{self as store, ExchangeRateFilter, ExchangeRateSort, StoredExchangeRate};
use crate::domain::access::required;
use crate::domain::exchange::{self, Conversion, ExchangeRate, ExchangeRates};
use crate::domain::money::Currency;
use crate::domain::validation::{Validator, in_range};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_exchange_rates)
        .service(convert)
        .service(put_exchange_rate)
        .service(get_exchange_rate)
        .service(delete_exchange_rate);
}

/// The rate of a pair from a day on: `1 base = rate quote`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rate": 1.1685}))]
pub struct ExchangeRateInput {
    /// How many units of the quote currency one unit of the base currency buys; 0.000001 to 1,000,000.
    #[schema(minimum = 0.000001, maximum = 1_000_000.0, example = 1.1685)]
    pub rate: f64,
}

/// A stored exchange rate: `1 base = rate quote` from `valid_from` on, until
/// the next rate of the pair.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"base": "GBP", "quote": "EUR", "valid_from": "2026-11-01", "rate": 1.1685, "version": 1,
    "created_at": "2026-11-01T08:30:00Z", "updated_at": "2026-11-01T08:30:00Z"}))]
pub struct ExchangeRateView {
    #[schema(example = "GBP", format = "currency")]
    pub base: String,
    #[schema(example = "EUR", format = "currency")]
    pub quote: String,
    /// The first day the rate applies.
    pub valid_from: NaiveDate,
    pub rate: f64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredExchangeRate> for ExchangeRateView {
    fn from(s: StoredExchangeRate) -> Self {
        let r = s.value;
        ExchangeRateView {
            base: r.base.code(),
            quote: r.quote.code(),
            valid_from: r.valid_from,
            rate: r.rate,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The stored rate a conversion used.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateUsed {
    #[schema(example = "GBP", format = "currency")]
    pub base: String,
    #[schema(example = "EUR", format = "currency")]
    pub quote: String,
    pub valid_from: NaiveDate,
    /// As stored: `1 base = rate quote`.
    pub rate: f64,
}

/// An amount converted on a day, and the rate it was converted with.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"amount": 1450, "from": "GBP", "to": "EUR", "on": "2026-12-02", "converted": 1694,
    "rate": 1.1685, "inverse": false,
    "exchange_rate": {"base": "GBP", "quote": "EUR", "valid_from": "2026-11-01", "rate": 1.1685}}))]
pub struct ConversionView {
    /// The amount converted, in whole units of `from`.
    pub amount: i64,
    #[schema(format = "currency")]
    pub from: String,
    #[schema(format = "currency")]
    pub to: String,
    /// The day whose rate was used.
    pub on: NaiveDate,
    /// The amount in whole units of `to`: `amount × rate`, rounded half away from zero.
    pub converted: i64,
    /// The rate applied: `1 from = rate to` (1 for the same currency).
    pub rate: f64,
    /// Whether the stored rate is of the reverse pair (`to`/`from`), so its reciprocal was applied.
    pub inverse: bool,
    /// The stored rate used; `null` when `from` and `to` are the same currency.
    pub exchange_rate: Option<RateUsed>,
}

impl ConversionView {
    fn new(c: Conversion, amount: i64, on: NaiveDate) -> Self {
        ConversionView {
            amount,
            from: c.from.code(),
            to: c.to.code(),
            on,
            converted: c.amount,
            rate: c.rate,
            inverse: c.is_inverse(),
            exchange_rate: (!c.is_identity()).then(|| RateUsed {
                base: c.base.code(),
                quote: c.quote.code(),
                valid_from: c.valid_from,
                rate: c.quoted,
            }),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExchangeRateListQuery {
    /// Only rates of this base currency.
    #[param(format = "currency")]
    base: Option<String>,
    /// Only rates of this quote currency.
    #[param(format = "currency")]
    quote: Option<String>,
    /// Only the rate of each pair in force that day: the latest dated on or before it.
    on: Option<NaiveDate>,
    /// `pair` (the default: base, quote, then `valid_from`); prefix `-` for descending.
    #[param(pattern = "^(-?pair)?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching rate.
    include_total: Option<bool>,
}

/// The path of one rate.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExchangeRatePath {
    /// The currency one unit of which the rate prices.
    #[param(format = "currency", example = "GBP")]
    base: String,
    /// The currency the rate is expressed in.
    #[param(format = "currency", example = "EUR")]
    quote: String,
    /// The first day the rate applies.
    #[param(value_type = NaiveDate, example = "2026-11-01")]
    valid_from: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConvertQuery {
    /// Whole units of `from`, 0 to 1,000,000,000.
    #[param(minimum = 0, maximum = 1_000_000_000)]
    amount: i64,
    #[param(format = "currency", example = "GBP")]
    from: String,
    #[param(format = "currency", example = "EUR")]
    to: String,
    /// The day whose rate applies; today (UTC) when left out.
    on: Option<NaiveDate>,
}

/// The rate a path names: for a read or a delete, a path that cannot name
/// a rate names none (404).
fn key_of(path: &ExchangeRatePath) -> AppResult<String> {
    let rate =
        parse_path(&path.base, &path.quote, &path.valid_from).map_err(|_| AppError::NotFound("exchange rate"))?;
    Ok(store::key_of(rate.0, rate.1, rate.2))
}

fn parse_path(base: &str, quote: &str, valid_from: &str) -> Result<(Currency, Currency, NaiveDate), Validator> {
    let mut v = Validator::new();
    let base = v.check("base", Currency::parse(base));
    let quote = v.check("quote", Currency::parse(quote));
    let valid_from = v.check(
        "valid_from",
        valid_from
            .parse::<NaiveDate>()
            .map_err(|_| crate::domain::validation::Invalid::new("invalid_format", "must be a date such as 2026-11-01"))
            .and_then(exchange::day),
    );
    match (base, quote, valid_from) {
        (Some(b), Some(q), Some(d)) if v.is_ok() => Ok((b, q, d)),
        _ => Err(v),
    }
}

fn parse_currency(raw: Option<&str>, name: &'static str) -> AppResult<Option<Currency>> {
    raw.map(Currency::parse).transpose().map_err(invalid_param(name))
}

/// List exchange rates
///
/// Every rate, or with `on` the rate of each pair in force that day.
#[utoipa::path(security(("oauth2" = [])), tag = "exchange-rates", params(ExchangeRateListQuery),
    responses((status = 200, description = "One page of exchange rates; `next_cursor` leads to the next.", body = PageOf<ExchangeRateView>)))]
#[get("/exchange-rates")]
async fn list_exchange_rates(
    state: web::Data<AppState>,
    _: Principal,
    query: web::Query<ExchangeRateListQuery>,
) -> AppResult<web::Json<PageOf<ExchangeRateView>>> {
    let q = query.into_inner();
    let filter = ExchangeRateFilter {
        base: parse_currency(q.base.as_deref(), "base")?.map(|c| c.code()),
        quote: parse_currency(q.quote.as_deref(), "quote")?.map(|c| c.code()),
        on: q.on.map(exchange::day).transpose().map_err(invalid_param("on"))?,
    };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (filter, request) = pagination::resolve(paging, filter, ExchangeRateSort::Pair)?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, ExchangeRateView::from).await?))
}

/// Convert an amount
///
/// Converts with the latest rate of the pair dated on or before `on`, stored either way round (the reverse
/// pair's reciprocal); when both directions are stored, the later dated wins, the direct one on the same day.
/// No rate is made up from two others. The result is rounded half away from zero. The same currency converts
/// at 1. 404 when no rate covers the pair on that day.
#[utoipa::path(security(("oauth2" = [])), tag = "exchange-rates", params(ConvertQuery),
    responses((status = 200, description = "The converted amount and the rate used.", body = ConversionView),
        (status = 404, response = super::NotFound)))]
#[get("/exchange-rates/convert")]
async fn convert(
    state: web::Data<AppState>,
    _: Principal,
    query: web::Query<ConvertQuery>,
) -> AppResult<web::Json<ConversionView>> {
    let q = query.into_inner();
    let amount = in_range(q.amount, 0, ExchangeRates::MAX_AMOUNT).map_err(invalid_param("amount"))?;
    let from = Currency::parse(&q.from).map_err(invalid_param("from"))?;
    let to = Currency::parse(&q.to).map_err(invalid_param("to"))?;
    let on = exchange::day(q.on.unwrap_or_else(|| Utc::now().date_naive())).map_err(invalid_param("on"))?;
    let rates = state.db.read(store::all).await?;
    let conversion =
        rates.convert(amount, from, to, on).ok_or(AppError::NoExchangeRate { from: from.code(), to: to.code(), on })?;
    Ok(web::Json(ConversionView::new(conversion, amount, on)))
}

/// Enter an exchange rate
///
/// Stores the rate of `base`/`quote` from `valid_from` on, replacing the one stored for that pair and day
/// if there is one: 201 when new, 200 when replaced. Either way the practice's conversions use it at once.
#[utoipa::path(security(("oauth2" = ["exchange_rates:write"])), tag = "exchange-rates", params(ExchangeRatePath),
    request_body = ExchangeRateInput,
    responses(
        (status = 200, description = "Replaced the rate of that pair and day; `ETag` is its new version.", body = ExchangeRateView, headers(("ETag" = String))),
        (status = 201, description = "Stored a new rate; `Location` names it.", body = ExchangeRateView,
            headers(("ETag" = String), ("Location" = String, description = "URL of the rate"))),
        (status = 409, response = super::Conflict)))]
#[put("/exchange-rates/{base}/{quote}/{valid_from}")]
async fn put_exchange_rate(
    state: web::Data<AppState>,
    _: Allowed<required::ExchangeRatesWrite>,
    path: web::Path<ExchangeRatePath>,
    body: JsonBody<ExchangeRateInput>,
) -> AppResult<HttpResponse> {
    let (mut v, parsed) = match parse_path(&path.base, &path.quote, &path.valid_from) {
        Ok(parsed) => (Validator::new(), Some(parsed)),
        Err(v) => (v, None),
    };
    let rate = v.check("rate", ExchangeRate::rate(body.0.rate));
    let rate = match (parsed, rate) {
        (Some((base, quote, valid_from)), Some(rate)) => {
            v.check("quote", ExchangeRate::new(base, quote, rate, valid_from))
        }
        _ => None,
    };
    let rate = v.finish(rate).map_err(AppError::Validation)?;
    let (stored, is_new) = state.db.write(move |conn| store::put(conn, &rate)).await?;
    let location = format!("/api/v1/exchange-rates/{}", stored.id);
    let version = stored.version;
    let view = ExchangeRateView::from(stored);
    Ok(if is_new { created(location, version, view) } else { tagged(version, view) })
}

/// Get an exchange rate
#[utoipa::path(security(("oauth2" = [])), tag = "exchange-rates", params(ExchangeRatePath),
    responses((status = 200, description = "The rate; `ETag` is its version.", body = ExchangeRateView, headers(("ETag" = String)))))]
#[get("/exchange-rates/{base}/{quote}/{valid_from}")]
async fn get_exchange_rate(
    state: web::Data<AppState>,
    _: Principal,
    path: web::Path<ExchangeRatePath>,
) -> AppResult<HttpResponse> {
    let key = key_of(&path)?;
    let stored = state.db.lookup(move |conn| store::get(conn, &key)).await?;
    Ok(tagged(stored.version, ExchangeRateView::from(stored)))
}

/// Delete an exchange rate
///
/// From then on, conversions on the days it covered use the pair's previous rate, if any.
#[utoipa::path(security(("oauth2" = ["exchange_rates:write"])), tag = "exchange-rates", params(ExchangeRatePath),
    responses((status = 204, description = "Deleted.")))]
#[delete("/exchange-rates/{base}/{quote}/{valid_from}")]
async fn delete_exchange_rate(
    state: web::Data<AppState>,
    _: Allowed<required::ExchangeRatesWrite>,
    path: web::Path<ExchangeRatePath>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let key = key_of(&path)?;
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, &key)?.version)?;
            store::delete(conn, &key)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
