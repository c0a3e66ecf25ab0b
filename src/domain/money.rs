//! Day rates: an amount in whole units of an ISO 4217 currency. Interim day
//! rates are quoted in whole units, so integers keep arithmetic exact.

use std::fmt;

use super::validation::{Invalid, in_range};

/// An active ISO 4217 currency code such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, Invalid> {
        let is_code = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
        is_code
            .then(|| iso_currency::Currency::from_code(code))
            .flatten()
            .map(Self)
            .ok_or_else(|| Invalid::new("invalid_currency", "must be an ISO 4217 currency code such as EUR or USD"))
    }

    /// Every code [`Currency::parse`] accepts, in order.
    pub fn codes() -> Vec<String> {
        let letters = || b'A'..=b'Z';
        letters()
            .flat_map(|a| {
                letters().flat_map(move |b| letters().map(move |c| String::from_utf8_lossy(&[a, b, c]).into_owned()))
            })
            .filter(|code| Self::parse(code).is_ok())
            .collect()
    }

    pub fn code(&self) -> String {
        self.0.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code())
    }
}

/// A day rate or a day-rate budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRate {
    pub amount: i64,
    pub currency: Currency,
}

impl DayRate {
    /// The highest day rate accepted: far above any real one, low enough that
    /// sums over long assignments cannot overflow.
    pub const MAX_AMOUNT: i64 = 1_000_000;

    pub fn amount(amount: i64) -> Result<i64, Invalid> {
        in_range(amount, 1, Self::MAX_AMOUNT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        assert_eq!(Currency::parse("EUR").unwrap().code(), "EUR");
        for bad in ["eur", "EURO", "XYZ", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts() {
        assert!(DayRate::amount(0).is_err());
        assert!(DayRate::amount(1500).is_ok());
        assert!(DayRate::amount(DayRate::MAX_AMOUNT + 1).is_err());
    }
}
