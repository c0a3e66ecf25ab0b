//! The arithmetic of the criteria, shared by [`super::explain`] and the
//! [`super::index`], so that both compute the same totals to the last bit:
//! the index is only allowed to be faster, never different.

use crate::domain::candidate::LanguageProficiency;

use crate::domain::skillset::MatchWeights;

/// The criteria in the order they are reported.
pub const CRITERIA: [&str; 9] = [
    "skills",
    "experience",
    "industries",
    "crisis_experience",
    "background_and_training",
    "languages",
    "rate",
    "availability",
    "location",
];

/// Each criterion's unweighted score, in the order of [`CRITERIA`]; `None`
/// when the criterion does not apply to the need.
pub type Scores = [Option<f64>; CRITERIA.len()];

/// Rounds to hundredths, half away from zero.
pub fn round2(x: f64) -> f64 {
    round(x * 100.0) / 100.0
}

/// `f64::round` for the values scoring meets, without the library call it compiles to on baseline x86-64
/// (ranking rounds nineteen times a candidate). Gives +0.0 where `f64::round` gives -0.0.
fn round(y: f64) -> f64 {
    // From 2^52 on every f64 is an integer (and NaN stays NaN).
    if y.is_nan() || y.abs() >= 4_503_599_627_370_496.0 {
        return y;
    }
    let whole = y as i64 as f64;
    // Exact: the fractional part of a float below 2^52 is representable.
    let fraction = y - whole;
    if fraction >= 0.5 {
        whole + 1.0
    } else if fraction <= -0.5 {
        whole - 1.0
    } else {
        whole
    }
}

/// One required skill: at the minimum level 80, each level above +10, below a share of 50.
pub fn skill(have: Option<u8>, min_level: u8) -> f64 {
    match have {
        None => 0.0,
        Some(level) if level >= min_level => (80.0 + 10.0 * f64::from(level - min_level)).min(100.0),
        Some(level) => 50.0 * f64::from(level) / f64::from(min_level),
    }
}

/// What a held skill at `level` earns for a skill asked for at `min_level` with `credit` (1 for the skill itself),
/// seasoned by the years of practice and how recently it was used ([`practice`], [`recency`]).
pub fn credited(level: u8, min_level: u8, credit: f64, seasoned: Seasoning) -> f64 {
    credit * skill(Some(level), min_level) * seasoned.practice * seasoned.recency
}

/// How long and how recently a held skill was practised, as factors of what its level scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seasoning {
    pub practice: f64,
    pub recency: f64,
}

impl Seasoning {
    /// `years` of practice, last used in `last_used` (`None`: in use), for an assignment starting in `start_year`.
    #[inline]
    pub fn of(years: i32, last_used: Option<i32>, start_year: i32) -> Self {
        Seasoning { practice: practice(years), recency: recency(last_used.map(|y| start_year - y)) }
    }

    /// In full: the most a skill at its level can earn.
    pub const FULL: Seasoning = Seasoning { practice: 1.0, recency: 1.0 };
}

/// Years of practice of a skill: ×0.9 with none, 2 % more a year, in full from [`SEASONED_YEARS`] on.
pub fn practice(years: i32) -> f64 {
    0.9 + 0.02 * f64::from(years.clamp(0, SEASONED_YEARS))
}

/// The years of practice from which a skill scores in full.
pub const SEASONED_YEARS: i32 = 5;

/// The years between a skill's last use and the assignment's start: in full up to two, 10 % less each year
/// after, down to ×0.6 from six on; in full when not known (`None`) or used since.
pub fn recency(years_since: Option<i32>) -> f64 {
    years_since.map_or(1.0, |y| 1.0 - 0.1 * f64::from((y - 2).clamp(0, 4)))
}

/// How much preferred skills can add: this share of what the required ones leave short of 100.
pub const PREFERRED_BONUS: f64 = 0.25;

/// The skills score from the required skills' weighted mean and the preferred skills' (`None`: none asked for).
/// Preferred skills only add: up to [`PREFERRED_BONUS`] of what the required ones leave short of 100, so a
/// preferred skill not held never pulls the score below what the required ones earned. Rising in both.
pub fn skills(required: Option<f64>, preferred: Option<f64>) -> f64 {
    match (required, preferred) {
        (Some(r), Some(p)) => r + (100.0 - r) * PREFERRED_BONUS * p / 100.0,
        (Some(r), None) => r,
        (None, Some(p)) => p,
        (None, None) => 0.0,
    }
}

/// The weighted mean of a running `(Σ score × weight, Σ weight)`; `None` with no weight.
pub fn mean(acc: (f64, f64)) -> Option<f64> {
    (acc.1 > 0.0).then(|| acc.0 / acc.1)
}

/// Adds one requirement's score with its weight to a running `(Σ score × weight, Σ weight)`.
pub fn add_weighted(acc: (f64, f64), score: f64, weight: i32) -> (f64, f64) {
    (acc.0 + score * f64::from(weight), acc.1 + f64::from(weight))
}

pub fn experience(years: i32, min_years: i32) -> f64 {
    if min_years == 0 || years >= min_years { 100.0 } else { 100.0 * f64::from(years) / f64::from(min_years) }
}

/// The share of wanted items met, 0-100.
pub fn share(met: usize, wanted: usize) -> f64 {
    100.0 * met as f64 / wanted as f64
}

pub fn language(spoken: Option<LanguageProficiency>) -> f64 {
    match spoken {
        Some(LanguageProficiency::Native | LanguageProficiency::Fluent) => 100.0,
        Some(LanguageProficiency::Professional) => 80.0,
        Some(LanguageProficiency::Basic) => 30.0,
        None => 0.0,
    }
}

/// A day rate against the budget (same currency): 100 within it, 5 points off per 1 % above.
pub fn rate(amount: i64, budget: i64) -> f64 {
    let ratio = amount as f64 / budget as f64;
    if ratio <= 1.0 { 100.0 } else { (100.0 - (ratio - 1.0) * 500.0).max(0.0) }
}

/// Whether a day rate passes the budget cap.
pub fn within_cap(amount: i64, budget: i64, tolerance: f64) -> bool {
    amount as f64 <= budget as f64 * (1.0 + tolerance)
}

/// Sooner is better: 2 points off per day after the start.
pub fn availability(days_late: i64) -> f64 {
    (100.0 - 2.0 * days_late as f64).max(0.0)
}

/// Where the candidate lives against where the assignment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proximity {
    SameCity,
    SameCountry,
    Abroad { willing_to_travel: bool },
}

pub fn location(proximity: Proximity) -> f64 {
    match proximity {
        Proximity::SameCity => 100.0,
        Proximity::SameCountry => 85.0,
        Proximity::Abroad { willing_to_travel: true } => 50.0,
        Proximity::Abroad { willing_to_travel: false } => 0.0,
    }
}

/// Each criterion's score rounded to hundredths, its weight, and its exact share of the total (the weights are
/// normalised over the criteria that apply).
fn shares(scores: &Scores, weights: &MatchWeights) -> [(f64, f64, f64); CRITERIA.len()] {
    let weights = weights.in_order();
    let applied: f64 = scores.iter().zip(weights).filter(|(s, _)| s.is_some()).map(|(_, w)| w).sum();
    let mut out = [(0.0, 0.0, 0.0); CRITERIA.len()];
    if applied > 0.0 {
        for (i, (score, weight)) in scores.iter().zip(weights).enumerate() {
            if let Some(score) = score {
                let score = round2(*score);
                out[i] = (score, weight, score * weight / applied);
            }
        }
    }
    out
}

/// How far [`estimate`] can be from [`total`]: each score rounds by at most 0.005, the total once more
/// (and floating-point error is far below a hundredth).
pub const ESTIMATE_MARGIN: f64 = 0.02;

/// The total without its roundings, with one division instead of nineteen roundings: within
/// [`ESTIMATE_MARGIN`] of [`total`], so ranking computes the exact total only where it can matter.
pub fn estimate(scores: &Scores, weights: &[f64; CRITERIA.len()]) -> f64 {
    let (mut sum, mut applied) = (0.0, 0.0);
    for (score, weight) in scores.iter().zip(weights) {
        if let Some(score) = score {
            sum += score * weight;
            applied += weight;
        }
    }
    if applied > 0.0 { sum / applied } else { 0.0 }
}

/// The total, 0-100, to hundredths.
pub fn total(scores: &Scores, weights: &MatchWeights) -> f64 {
    round2(shares(scores, weights).iter().map(|s| s.2).sum())
}

/// Each criterion's `(score, weight, contribution, share)`, contributions to hundredths and adding up to
/// [`total`] (the largest absorbs what rounding each one lost or gained); the share is the weight's percentage
/// of the weights that apply, to hundredths.
pub fn contributions(scores: &Scores, weights: &MatchWeights) -> [(f64, f64, f64, f64); CRITERIA.len()] {
    let mut out = shares(scores, weights);
    let total = round2(out.iter().map(|s| s.2).sum());
    for s in &mut out {
        s.2 = round2(s.2);
    }
    let rounded: f64 = out.iter().map(|s| s.2).sum();
    if let Some(largest) = out.iter_mut().max_by(|a, b| a.2.total_cmp(&b.2)) {
        largest.2 = round2(largest.2 + (total - rounded));
    }
    let applied: f64 = scores.iter().zip(weights.in_order()).filter(|(s, _)| s.is_some()).map(|(_, w)| w).sum();
    let mut with_shares = [(0.0, 0.0, 0.0, 0.0); CRITERIA.len()];
    for (i, (score, weight, contribution)) in out.into_iter().enumerate() {
        let share = if scores[i].is_some() && applied > 0.0 { round2(100.0 * weight / applied) } else { 0.0 };
        with_shares[i] = (score, weight, contribution, share);
    }
    with_shares
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn rounds_as_the_standard_library_does(y in -1e15f64..1e15) {
            prop_assert_eq!(super::round(y), y.round() + 0.0);
        }
    }

    #[test]
    fn rounds_halves_away_from_zero() {
        for (y, r) in [(0.5, 1.0), (1.5, 2.0), (2.5, 3.0), (-0.5, -1.0), (0.49999999999999994, 0.0), (8999.5, 9000.0)] {
            assert_eq!(super::round(y), r, "{y}");
        }
        assert_eq!(super::round2(33.335), (33.335f64 * 100.0).round() / 100.0);
    }
}
