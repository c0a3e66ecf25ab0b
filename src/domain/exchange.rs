//! Exchange rates the practice maintains, dated, and the conversion of an
//! amount from one currency to another on a given day. Pure: the table is
//! read from the database once ([`crate::db::exchange_rates::all`]) and shared
//! (`Arc<ExchangeRates>`) with whoever converts.
//!
//! - A rate says `1 base = rate quote`, from its `valid_from` day on, until a
//!   later rate of the same pair takes over.
//! - Amounts are whole units of a currency, as [`DayRate`](super::DayRate)
//!   keeps them, and so is every converted amount: `amount × rate`, rounded
//!   half away from zero (`2.5 → 3`, `-2.5 → -3`).
//! - A pair stored one way serves the other way too: EUR → GBP with only
//!   GBP/EUR stored divides by the GBP/EUR rate. When both directions are
//!   stored, the one with the later `valid_from` (on or before the day) wins;
//!   on the same day the direct one does.
//! - The same currency converts to itself at 1, whatever the table holds.
//! - There is no triangulation: GBP → USD needs a GBP/USD (or USD/GBP) rate;
//!   GBP/EUR and EUR/USD together do not make one. Rates are few and kept by
//!   people, and a rate that was never entered should not silently appear.
//!
//! The rate is an `f64`: the JSON number clients send, stored as an 8-byte
//! IEEE double on both backends (PostgreSQL `DOUBLE PRECISION`, SQLite
//! `REAL`), so it reads back bit for bit, and shown as the same number. A
//! conversion, though, reads it as the decimal it stands for (its shortest
//! decimal form, which is the number a client sent when it had at most 15
//! significant digits) and computes in integers: `1450 × 1.15` is exactly
//! `1667.5` and rounds to `1668`, where doubles would make it
//! `1667.4999…` and round down. Rates lie within
//! [`ExchangeRate::MIN`]..=[`ExchangeRate::MAX`] and amounts within
//! ±[`ExchangeRates::MAX_AMOUNT`], so every product fits an `i128`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::money::Currency;
use super::validation::Invalid;

/// `1 base = rate quote` from `valid_from` on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExchangeRate {
    pub base: Currency,
    pub quote: Currency,
    pub rate: f64,
    pub valid_from: NaiveDate,
}

impl ExchangeRate {
    /// The smallest rate accepted; with [`MAX`](Self::MAX) its reciprocal, so
    /// a rate and its inverse are both in range.
    pub const MIN: f64 = 0.000_001;
    /// The largest rate accepted: above any real pair of ISO 4217 currencies
    /// (1 KWD is about 140,000 IRR).
    pub const MAX: f64 = 1_000_000.0;

    /// A rate of a pair of different currencies, finite and within
    /// [`MIN`](Self::MIN)..=[`MAX`](Self::MAX).
    pub fn new(base: Currency, quote: Currency, rate: f64, valid_from: NaiveDate) -> Result<Self, Invalid> {
        if base == quote {
            return Err(Invalid::new("same_currency", "the base and quote currencies must differ"));
        }
        Ok(ExchangeRate { base, quote, rate: Self::rate(rate)?, valid_from })
    }

    /// Checks a rate alone: finite, within [`MIN`](Self::MIN)..=[`MAX`](Self::MAX).
    pub fn rate(rate: f64) -> Result<f64, Invalid> {
        if rate.is_finite() && (Self::MIN..=Self::MAX).contains(&rate) {
            Ok(rate)
        } else {
            Err(Invalid::new("out_of_range", format!("must be a number between {} and {}", Self::MIN, Self::MAX)))
        }
    }
}

/// A day a rate may start on or a conversion be made on: a four-digit year
/// (0001 to 9999), as an ISO 8601 date has, and both backends store.
pub fn day(date: NaiveDate) -> Result<NaiveDate, Invalid> {
    use chrono::Datelike;
    if (1..=9999).contains(&date.year()) {
        Ok(date)
    } else {
        Err(Invalid::new("out_of_range", "must be a date of the years 0001 to 9999"))
    }
}

/// An amount converted, and the stored rate it was converted with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conversion {
    /// The converted amount, in whole units of `to`.
    pub amount: i64,
    pub from: Currency,
    pub to: Currency,
    /// The rate applied: `1 from = rate to` (1 for the same currency; the
    /// reciprocal of `quoted` when the stored pair is the reverse one).
    pub rate: f64,
    /// The stored rate used: `1 base = quoted quote` from `valid_from` on.
    /// For the same currency: `base = quote = from`, `quoted = 1`, and
    /// `valid_from` is the day asked about (no stored rate was used).
    pub base: Currency,
    pub quote: Currency,
    pub quoted: f64,
    pub valid_from: NaiveDate,
}

impl Conversion {
    /// Whether the stored pair was used the other way round (`to`/`from`).
    pub fn is_inverse(&self) -> bool {
        self.from != self.base
    }

    /// Whether no rate was needed (the same currency).
    pub fn is_identity(&self) -> bool {
        self.from == self.to
    }
}

/// Every rate the practice maintains, by pair and day. Cheap to clone and
/// meant to be shared behind an `Arc`; [`revision`](Self::revision) tells
/// whether the stored table has changed since this one was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeRates {
    by_pair: HashMap<(Currency, Currency), BTreeMap<NaiveDate, f64>>,
    revision: i64,
}

impl ExchangeRates {
    /// The largest amount (in absolute value) converted: with rates up to
    /// [`ExchangeRate::MAX`], results stay below 2^53.
    pub const MAX_AMOUNT: i64 = 1_000_000_000;

    /// The table of `rates`, read at `revision` of the stored table (0 when
    /// not read from the database). Of two rates of one pair and day, the last wins.
    pub fn new(rates: impl IntoIterator<Item = ExchangeRate>, revision: i64) -> Self {
        let mut by_pair: HashMap<_, BTreeMap<_, _>> = HashMap::new();
        for r in rates {
            by_pair.entry((r.base, r.quote)).or_default().insert(r.valid_from, r.rate);
        }
        ExchangeRates { by_pair, revision }
    }

    /// The revision of the stored table this was read at: it changes with
    /// every write to the stored rates ([`crate::db::exchange_rates::revision`]).
    pub fn revision(&self) -> i64 {
        self.revision
    }

    pub fn is_empty(&self) -> bool {
        self.by_pair.is_empty()
    }

    /// The rate of `base`/`quote` stored as such in force `on` that day: the latest dated on or before it.
    pub fn in_force(&self, base: Currency, quote: Currency, on: NaiveDate) -> Option<ExchangeRate> {
        let (valid_from, rate) = self.by_pair.get(&(base, quote))?.range(..=on).next_back()?;
        Some(ExchangeRate { base, quote, rate: *rate, valid_from: *valid_from })
    }

    /// `amount` of `from` in `to` on the day `on`, with the latest rate in
    /// force that day of the pair either way round (see the module's
    /// documentation), rounded half away from zero. `None` when no rate
    /// covers the pair on that day, or `amount` exceeds [`MAX_AMOUNT`](Self::MAX_AMOUNT).
    pub fn convert(&self, amount: i64, from: Currency, to: Currency, on: NaiveDate) -> Option<Conversion> {
        self.converter(from, to, on)?.conversion(amount)
    }

    /// What converts `from` into `to` on the day `on`, resolved once for many amounts (a match converts every
    /// candidate's day rate with the rate in force on the need's start). `None` when no rate covers the pair.
    pub fn converter(&self, from: Currency, to: Currency, on: NaiveDate) -> Option<Converter> {
        if from == to {
            let (base, quote, quoted, valid_from) = (from, to, 1.0, on);
            let conversion = Conversion { amount: 0, from, to, rate: 1.0, base, quote, quoted, valid_from };
            return Some(Converter { conversion, mantissa: 1, scale: 1, inverse: false });
        }
        let direct = self.in_force(from, to, on);
        let reverse = self.in_force(to, from, on);
        let (used, inverse) = match (direct, reverse) {
            (Some(d), Some(r)) if r.valid_from > d.valid_from => (r, true),
            (Some(d), _) => (d, false),
            (None, Some(r)) => (r, true),
            (None, None) => return None,
        };
        let (mantissa, scale) = decimal(used.rate)?;
        let conversion = Conversion {
            amount: 0,
            from,
            to,
            rate: if inverse { 1.0 / used.rate } else { used.rate },
            base: used.base,
            quote: used.quote,
            quoted: used.rate,
            valid_from: used.valid_from,
        };
        Some(Converter { conversion, mantissa, scale, inverse })
    }
}

/// One pair's conversion on one day, its rate read as a decimal once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Converter {
    /// The rate applied and the stored rate it comes from (`amount` unused).
    conversion: Conversion,
    mantissa: i128,
    scale: i128,
    /// Divide by the stored rate rather than multiply: the stored pair is `to`/`from`.
    inverse: bool,
}

impl Converter {
    /// The rate and the stored rate used, with `amount` converted.
    pub fn conversion(&self, amount: i64) -> Option<Conversion> {
        Some(Conversion { amount: self.apply(amount)?, ..self.conversion })
    }

    /// Whether no rate is needed (the same currency).
    pub fn is_identity(&self) -> bool {
        self.conversion.is_identity()
    }

    /// `amount` converted, rounded half away from zero; `None` beyond [`ExchangeRates::MAX_AMOUNT`].
    /// Never decreases as `amount` grows.
    #[inline]
    pub fn apply(&self, amount: i64) -> Option<i64> {
        if amount.unsigned_abs() > ExchangeRates::MAX_AMOUNT.unsigned_abs() {
            return None;
        }
        if self.is_identity() {
            return Some(amount);
        }
        // Dividing by the stored rate, rather than multiplying by its reciprocal, rounds once.
        let converted = if self.inverse {
            divide_rounding(i128::from(amount).checked_mul(self.scale)?, self.mantissa)?
        } else {
            divide_rounding(i128::from(amount).checked_mul(self.mantissa)?, self.scale)?
        };
        i64::try_from(converted).ok()
    }

    /// The largest amount of at most `limit` whose conversion `passes`, for a test that converted amounts pass
    /// up to some point (a budget's cap): found in `log2(limit)` conversions, so a match need not convert every
    /// candidate's rate to decide whether it passes. `None` when not even 0 passes.
    pub fn largest_passing(&self, limit: i64, passes: impl Fn(i64) -> bool) -> Option<i64> {
        let ok = |amount: i64| self.apply(amount).is_some_and(&passes);
        if !ok(0) {
            return None;
        }
        let (mut good, mut bad) = (0i64, limit.saturating_add(1));
        if ok(limit) {
            return Some(limit);
        }
        while bad - good > 1 {
            let mid = good + (bad - good) / 2;
            if ok(mid) { good = mid } else { bad = mid }
        }
        Some(good)
    }
}

/// `rate` as the decimal `mantissa / scale` (`scale` a power of ten) of its
/// shortest decimal form: `1.15` is `115 / 100`. `None` for a rate that is
/// not positive and finite (no stored rate is).
fn decimal(rate: f64) -> Option<(i128, i128)> {
    if !(rate.is_finite() && rate > 0.0) {
        return None;
    }
    // `Display` of an `f64` is its shortest round-trip form, never in exponent notation.
    let text = rate.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = format!("{whole}{fraction}");
    let mantissa: i128 = digits.parse().ok()?;
    let scale = 10i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    (mantissa > 0).then_some((mantissa, scale))
}

/// `n / d` rounded half away from zero, for `d > 0`.
fn divide_rounding(n: i128, d: i128) -> Option<i128> {
    let (quotient, remainder) = (n.checked_div(d)?, n.checked_rem(d)?);
    let away = remainder.checked_abs()?.checked_mul(2)? >= d;
    Some(if away { quotient + n.signum() } else { quotient })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn gbp_eur(rate: f64, from: &str) -> ExchangeRate {
        ExchangeRate::new(currency("GBP"), currency("EUR"), rate, day(from)).unwrap()
    }

    #[test]
    fn rates_are_checked() {
        let (gbp, eur) = (currency("GBP"), currency("EUR"));
        assert!(ExchangeRate::new(gbp, gbp, 1.0, day("2026-01-01")).is_err());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-7, 1e7] {
            assert!(ExchangeRate::new(gbp, eur, bad, day("2026-01-01")).is_err(), "{bad}");
        }
        assert!(ExchangeRate::new(gbp, eur, ExchangeRate::MIN, day("2026-01-01")).is_ok());
        assert!(ExchangeRate::new(gbp, eur, ExchangeRate::MAX, day("2026-01-01")).is_ok());
    }

    #[test]
    fn converts_with_the_rate_in_force() {
        let rates = ExchangeRates::new([gbp_eur(1.15, "2026-01-01"), gbp_eur(1.2, "2026-06-01")], 1);
        let (gbp, eur, usd) = (currency("GBP"), currency("EUR"), currency("USD"));
        assert_eq!(rates.convert(1000, gbp, eur, day("2025-12-31")), None, "before any rate");
        let winter = rates.convert(1000, gbp, eur, day("2026-05-31")).unwrap();
        assert_eq!((winter.amount, winter.rate, winter.valid_from), (1150, 1.15, day("2026-01-01")));
        let summer = rates.convert(1000, gbp, eur, day("2026-06-01")).unwrap();
        assert_eq!(summer.amount, 1200);
        assert!(!summer.is_inverse());
        let back = rates.convert(1200, eur, gbp, day("2026-07-01")).unwrap();
        assert_eq!((back.amount, back.base, back.quote, back.quoted), (1000, gbp, eur, 1.2));
        assert!(back.is_inverse());
        assert_eq!(rates.convert(1000, gbp, usd, day("2026-07-01")), None, "no triangulation");
        let same = rates.convert(1000, usd, usd, day("2020-01-01")).unwrap();
        assert!(same.is_identity() && same.amount == 1000 && same.rate == 1.0);
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let rates = ExchangeRates::new([gbp_eur(1.5, "2026-01-01")], 0);
        let (gbp, eur) = (currency("GBP"), currency("EUR"));
        assert_eq!(rates.convert(1, gbp, eur, day("2026-01-01")).unwrap().amount, 2);
        assert_eq!(rates.convert(-1, gbp, eur, day("2026-01-01")).unwrap().amount, -2);
        assert_eq!(rates.convert(3, gbp, eur, day("2026-01-01")).unwrap().amount, 5);
        assert_eq!(rates.convert(ExchangeRates::MAX_AMOUNT + 1, gbp, eur, day("2026-01-01")), None);
        // Exactly a half in decimals, though not in binary doubles (1450 × 1.15 = 1667.4999… there).
        let rates = ExchangeRates::new([gbp_eur(1.15, "2026-01-01")], 0);
        assert_eq!(rates.convert(1450, gbp, eur, day("2026-01-01")).unwrap().amount, 1668);
        assert_eq!(rates.convert(-1450, gbp, eur, day("2026-01-01")).unwrap().amount, -1668);
        assert_eq!(rates.convert(1668, eur, gbp, day("2026-01-01")).unwrap().amount, 1450);
        // 23 / 1.15 = 20 exactly.
        assert_eq!(rates.convert(23, eur, gbp, day("2026-01-01")).unwrap().amount, 20);
    }

    #[test]
    fn rates_read_as_their_decimals() {
        assert_eq!(decimal(1.15), Some((115, 100)));
        assert_eq!(decimal(2.0), Some((2, 1)));
        assert_eq!(decimal(ExchangeRate::MIN), Some((1, 1_000_000)));
        assert_eq!(decimal(ExchangeRate::MAX), Some((1_000_000, 1)));
        assert_eq!(decimal(0.1 + 0.2), Some((30_000_000_000_000_004, 100_000_000_000_000_000)));
        assert_eq!(decimal(0.0), None);
        assert_eq!(divide_rounding(5, 2), Some(3));
        assert_eq!(divide_rounding(-5, 2), Some(-3));
        assert_eq!(divide_rounding(7, 3), Some(2));
        assert_eq!(divide_rounding(-7, 3), Some(-2));
    }

    #[test]
    fn the_later_direction_wins_and_the_direct_one_on_a_tie() {
        let (gbp, eur) = (currency("GBP"), currency("EUR"));
        let eur_gbp = |rate, from| ExchangeRate::new(eur, gbp, rate, day(from)).unwrap();
        let rates = ExchangeRates::new([gbp_eur(1.25, "2026-01-01"), eur_gbp(0.5, "2026-02-01")], 0);
        assert_eq!(rates.convert(100, gbp, eur, day("2026-01-15")).unwrap().amount, 125);
        assert_eq!(rates.convert(100, gbp, eur, day("2026-02-01")).unwrap().amount, 200);
        let tie = ExchangeRates::new([gbp_eur(1.25, "2026-01-01"), eur_gbp(0.5, "2026-01-01")], 0);
        assert_eq!(tie.convert(100, gbp, eur, day("2026-01-01")).unwrap().amount, 125);
        assert_eq!(tie.convert(100, eur, gbp, day("2026-01-01")).unwrap().amount, 50);
    }

    fn currencies() -> impl Strategy<Value = Currency> {
        proptest::sample::select(vec!["EUR", "GBP", "USD", "CHF", "JPY", "KWD"]).prop_map(currency)
    }

    fn rates() -> impl Strategy<Value = f64> {
        // Log-uniform over the whole accepted range.
        (-6.0f64..=6.0).prop_map(|e| 10f64.powf(e).clamp(ExchangeRate::MIN, ExchangeRate::MAX))
    }

    fn days() -> impl Strategy<Value = NaiveDate> {
        (0i64..3650).prop_map(|d| day("2020-01-01") + chrono::Duration::days(d))
    }

    proptest! {
        #[test]
        fn the_same_currency_is_the_identity(
            amount in -ExchangeRates::MAX_AMOUNT..=ExchangeRates::MAX_AMOUNT,
            c in currencies(), on in days(), rate in rates(),
        ) {
            let rates = ExchangeRates::new([gbp_eur(rate, "2020-01-01")], 0);
            let same = rates.convert(amount, c, c, on).unwrap();
            prop_assert_eq!((same.amount, same.rate, same.valid_from), (amount, 1.0, on));
        }

        #[test]
        fn the_inverse_undoes_a_conversion_within_rounding(
            amount in 0..=1_000_000i64, rate in rates(), on in days(),
            (from, to) in (currencies(), currencies()).prop_filter("two currencies", |(a, b)| a != b),
        ) {
            // Within the amounts converted, whichever way round.
            let amount = amount.min((ExchangeRates::MAX_AMOUNT as f64 / rate) as i64);
            let rates = ExchangeRates::new([ExchangeRate::new(from, to, rate, day("2020-01-01")).unwrap()], 0);
            let there = rates.convert(amount, from, to, on).unwrap();
            let back = rates.convert(there.amount, to, from, on).unwrap();
            prop_assert!(back.is_inverse() && back.quoted == rate);
            // Each leg is off by at most half a unit; the first leg's half comes back divided by the rate.
            let bound = 0.5 + 0.5 / rate + 1e-6;
            prop_assert!(((back.amount - amount) as f64).abs() <= bound, "{} → {} → {}", amount, there.amount, back.amount);
            // Either way round, within half a unit of the exact result (doubles here, so a hair more).
            prop_assert!(((there.amount as f64) - amount as f64 * rate).abs() <= 0.5 + 1e-9 * amount as f64 * rate);
            let exact_back = there.amount as f64 / rate;
            prop_assert!(((back.amount as f64) - exact_back).abs() <= 0.5 + 1e-9 * exact_back);
        }

        #[test]
        fn the_largest_passing_amount_is_where_conversions_stop_passing(
            rate in rates(), inverse in any::<bool>(), cap in 0..=2_000_000i64, limit in 0..=1_000_000i64,
        ) {
            let (gbp, eur) = (currency("GBP"), currency("EUR"));
            let stored = if inverse { ExchangeRate::new(eur, gbp, rate, day("2020-01-01")) } else { ExchangeRate::new(gbp, eur, rate, day("2020-01-01")) };
            let table = ExchangeRates::new([stored.unwrap()], 0);
            let converter = table.converter(gbp, eur, day("2021-01-01")).unwrap();
            let largest = converter.largest_passing(limit, |a| a <= cap);
            let passes = |a: i64| converter.apply(a).is_some_and(|c| c <= cap);
            match largest {
                None => prop_assert!(!passes(0)),
                Some(l) => {
                    prop_assert!(passes(l) && l <= limit);
                    prop_assert!(l == limit || !passes(l + 1));
                }
            }
            // Conversions never decrease as the amount grows.
            let (a, b) = (limit / 3, limit / 3 + 1);
            prop_assert!(converter.apply(a) <= converter.apply(b));
        }

        #[test]
        fn the_latest_rate_on_or_before_the_day_wins(
            dated in proptest::collection::btree_map(days(), rates(), 1..8),
            on in days(), amount in 1..=1_000_000i64,
        ) {
            let (gbp, eur) = (currency("GBP"), currency("EUR"));
            let table = ExchangeRates::new(
                dated.iter().map(|(d, r)| ExchangeRate::new(gbp, eur, *r, *d).unwrap()), 0);
            let expected = dated.iter().rfind(|(d, _)| **d <= on);
            let got = table.convert(amount, gbp, eur, on);
            match expected {
                None => prop_assert_eq!(got, None),
                Some((valid_from, rate)) => {
                    let got = got.unwrap();
                    prop_assert_eq!((got.valid_from, got.quoted), (*valid_from, *rate));
                    let exact = amount as f64 * rate;
                    prop_assert!(((got.amount as f64) - exact).abs() <= 0.5 + 1e-9 * exact);
                }
            }
        }
    }
}
