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

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One required skill: at the minimum level 80, each level above +10, below a share of 50.
pub fn skill(have: Option<u8>, min_level: u8) -> f64 {
    match have {
        None => 0.0,
        Some(level) if level >= min_level => (80.0 + 10.0 * f64::from(level - min_level)).min(100.0),
        Some(level) => 50.0 * f64::from(level) / f64::from(min_level),
    }
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

/// Each criterion's `(score, weight, contribution)`: scores rounded to
/// hundredths, weights normalised over the criteria that apply.
pub fn contributions(scores: &Scores, weights: &MatchWeights) -> [(f64, f64, f64); CRITERIA.len()] {
    let weights = weights.in_order();
    let applied: f64 = scores.iter().zip(weights).filter(|(s, _)| s.is_some()).map(|(_, w)| w).sum();
    let mut out = [(0.0, 0.0, 0.0); CRITERIA.len()];
    for (i, (score, weight)) in scores.iter().zip(weights).enumerate() {
        if let Some(score) = score {
            let score = round2(*score);
            let contribution = if applied > 0.0 { round2(score * weight / applied) } else { 0.0 };
            out[i] = (score, weight, contribution);
        }
    }
    out
}

/// The total: the sum of the contributions, rounded to hundredths.
pub fn total(scores: &Scores, weights: &MatchWeights) -> f64 {
    round2(contributions(scores, weights).iter().map(|c| c.2).sum())
}
