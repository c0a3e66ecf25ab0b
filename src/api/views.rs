//! Request and response shapes shared by several resources, and their
//! parsing into domain types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::codes::{self, Location};
use crate::domain::validation::{self, Validator};
use crate::domain::{Currency, DayRate};

/// A day rate in whole units of an ISO 4217 currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": 1500, "currency": "EUR"}))]
pub struct Money {
    /// Whole units of the currency, 1 to 1,000,000.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub amount: i64,
    /// ISO 4217 code.
    #[schema(example = "EUR", format = "currency")]
    pub currency: String,
}

impl Money {
    pub fn parse(&self, v: &mut Validator, field: &str) -> Option<DayRate> {
        let amount = v.check(format!("{field}.amount"), DayRate::amount(self.amount));
        let currency = v.check(format!("{field}.currency"), Currency::parse(&self.currency));
        Some(DayRate { amount: amount?, currency: currency? })
    }
}

impl From<DayRate> for Money {
    fn from(rate: DayRate) -> Self {
        Money { amount: rate.amount, currency: rate.currency.code() }
    }
}

/// A place: a country and, optionally, a city.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"city": "Rotterdam", "country": "NL"}))]
pub struct Place {
    #[serde(default)]
    #[schema(format = "text", max_length = 100)]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    #[schema(example = "NL", format = "country")]
    pub country: String,
}

impl Place {
    pub fn parse(&self, v: &mut Validator, field: &str) -> Option<Location> {
        let city = v.check(format!("{field}.city"), validation::optional_text(self.city.as_deref(), 100));
        let country = v.check(format!("{field}.country"), codes::country(&self.country));
        Some(Location { city: city?, country: country? })
    }
}

impl From<Location> for Place {
    fn from(l: Location) -> Self {
        Place { city: l.city, country: l.country }
    }
}
