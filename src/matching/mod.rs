//! Explainable matching: a candidate against a need and its ideal skillset.
//! Hard filters decide whether the candidate is a match at all, each with its
//! reason; weighted criteria, each scored 0-100 with the evidence found, add
//! up to the total. Pure functions of their inputs, so the same inputs always
//! give the same explanation, and an audit can reproduce it.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::domain::candidate::{Candidate, CandidateStatus, LanguageProficiency, RemotePreference};
use crate::domain::need::{Need, RemotePolicy};
use crate::domain::skillset::IdealSkillset;

/// How much each criterion counts, before normalisation over the criteria
/// that apply to a need. The defaults sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Weights {
    pub skills: f64,
    pub experience: f64,
    pub industries: f64,
    pub crisis_experience: f64,
    pub background_and_training: f64,
    pub languages: f64,
    pub rate: f64,
    pub availability: f64,
    pub location: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            skills: 40.0,
            experience: 10.0,
            industries: 8.0,
            crisis_experience: 10.0,
            background_and_training: 5.0,
            languages: 5.0,
            rate: 10.0,
            availability: 7.0,
            location: 5.0,
        }
    }
}

/// What scoring needs besides the need, skillset and candidate.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub weights: Weights,
    /// How far above the budget a day rate may be and still pass (0.10: 10 %).
    pub rate_tolerance: f64,
    /// The date "now" is, for needs without a start date.
    pub today: NaiveDate,
}

/// One hard filter's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Filter {
    /// `status`, `must_have_skills`, `availability`, `rate`, `location`, `languages`.
    pub name: &'static str,
    pub passed: bool,
    pub reason: String,
}

/// One weighted criterion: its unweighted score, its weight, what it adds to
/// the total, and the facts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Criterion {
    pub name: &'static str,
    /// 0-100, before weighting.
    pub score: f64,
    /// The weight applied (0 when the criterion does not apply to this need).
    pub weight: f64,
    /// `score × weight ÷ Σ weights`, rounded to hundredths; the contributions add up to the total.
    pub contribution: f64,
    pub evidence: Vec<Evidence>,
}

/// A fact found for or against the candidate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub positive: bool,
    pub fact: String,
}

/// The full explanation of a candidate against a need.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    /// 0-100: the sum of the criteria's contributions.
    pub total: f64,
    /// False when any hard filter failed; the total is then still shown.
    pub eligible: bool,
    pub filters: Vec<Filter>,
    pub criteria: Vec<Criterion>,
}

fn fact(positive: bool, fact: impl Into<String>) -> Evidence {
    Evidence { positive, fact: fact.into() }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The need's window: its start, and its end when the duration is known.
fn window(need: &Need, today: NaiveDate) -> (NaiveDate, Option<NaiveDate>) {
    let start = need.start_by.unwrap_or(today);
    let end = need.duration_months.and_then(|m| start.checked_add_months(Months::new(m.max(0) as u32)));
    (start, end)
}

fn speaks(candidate: &Candidate, language: &str) -> Option<LanguageProficiency> {
    candidate.languages.iter().find(|l| l.language == language).map(|l| l.proficiency)
}

/// Scores `candidate` for `need` with the ideal `skillset` (if the need has one).
pub fn explain(
    need: &Need,
    skillset: Option<&IdealSkillset>,
    candidate: &Candidate,
    settings: &Settings,
) -> Explanation {
    let mut filters = Vec::new();
    let (start, end) = window(need, settings.today);

    // Hard filters.
    filters.push(Filter {
        name: "status",
        passed: candidate.status == CandidateStatus::Active,
        reason: format!("the candidate is {}", candidate.status),
    });
    let missing: Vec<String> = skillset
        .map(|s| {
            s.required_skills
                .iter()
                .filter(|r| r.must_have)
                .filter(|r| !candidate.skills.iter().any(|c| c.skill == r.skill && c.level >= r.min_level))
                .map(|r| format!("{} at level {}", r.skill, r.min_level.get()))
                .collect()
        })
        .unwrap_or_default();
    filters.push(Filter {
        name: "must_have_skills",
        passed: missing.is_empty(),
        reason: if missing.is_empty() {
            "has every must-have skill".into()
        } else {
            format!("lacks {}", missing.join(", "))
        },
    });
    let a = &candidate.availability;
    let overlaps = a.available_until.is_none_or(|until| until >= start)
        && match (a.available_from, end) {
            (Some(from), Some(end)) => from <= end,
            _ => true,
        };
    filters.push(Filter {
        name: "availability",
        passed: overlaps,
        reason: match (a.available_from, a.available_until) {
            _ if overlaps => format!("available during the assignment starting {start}"),
            (_, Some(until)) if until < start => format!("available only until {until}, before the start on {start}"),
            (Some(from), _) => format!("available only from {from}, after the assignment ends"),
            _ => "not available during the assignment".into(),
        },
    });
    let (rate_ok, rate_reason) = match (need.day_rate_budget, candidate.day_rate) {
        (Some(budget), Some(rate)) if budget.currency != rate.currency => {
            (false, format!("quotes in {}, the budget is in {}", rate.currency, budget.currency))
        }
        (Some(budget), Some(rate)) => {
            let cap = budget.amount as f64 * (1.0 + settings.rate_tolerance);
            (
                rate.amount as f64 <= cap,
                format!(
                    "day rate {} {} against a budget of {} (cap {cap:.0})",
                    rate.amount, rate.currency, budget.amount
                ),
            )
        }
        (Some(_), None) => (true, "no day rate on file".into()),
        (None, _) => (true, "the need has no budget".into()),
    };
    filters.push(Filter { name: "rate", passed: rate_ok, reason: rate_reason });
    let same_country = match (&need.location, &candidate.location) {
        (Some(n), Some(c)) => n.country == c.country,
        _ => true,
    };
    let (location_ok, location_reason) = match (need.remote_policy, candidate.remote_preference) {
        (RemotePolicy::Remote, _) => (true, "the assignment is remote".to_owned()),
        (_, RemotePreference::Remote) => {
            (false, format!("works remotely only; the assignment is {}", need.remote_policy))
        }
        (_, _) if same_country => (true, "based in the assignment's country".to_owned()),
        (_, _) if candidate.willing_to_travel => (true, "willing to travel to the assignment".to_owned()),
        _ => (false, "based in another country and not willing to travel".to_owned()),
    };
    filters.push(Filter { name: "location", passed: location_ok, reason: location_reason });
    let unspoken: Vec<&str> = skillset
        .map(|s| {
            s.languages
                .iter()
                .filter(|l| speaks(candidate, l).is_none_or(|p| p < LanguageProficiency::Professional))
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default();
    filters.push(Filter {
        name: "languages",
        passed: unspoken.is_empty(),
        reason: if unspoken.is_empty() {
            "speaks every required language professionally".into()
        } else {
            format!("does not speak {} professionally", unspoken.join(", "))
        },
    });

    let criteria = criteria(need, skillset, candidate, settings, start);
    let total = round2(criteria.iter().map(|c| c.contribution).sum());
    Explanation { total, eligible: filters.iter().all(|f| f.passed), filters, criteria }
}

fn criteria(
    need: &Need,
    skillset: Option<&IdealSkillset>,
    c: &Candidate,
    settings: &Settings,
    start: NaiveDate,
) -> Vec<Criterion> {
    let w = settings.weights;
    let mut out: Vec<(&'static str, Option<f64>, f64, Vec<Evidence>)> = Vec::new();

    // Skills: each requirement by its weight; at the minimum level 80, each level above +10, below a share of 50.
    let mut evidence = Vec::new();
    let skills = skillset.filter(|s| s.requirements().next().is_some()).map(|s| {
        let (mut sum, mut weights) = (0.0, 0.0);
        for (r, required) in s.requirements() {
            let have = c.skills.iter().find(|k| k.skill == r.skill);
            let score = match have {
                None => {
                    evidence.push(fact(
                        false,
                        format!("no {} ({})", r.skill, if required { "required" } else { "preferred" }),
                    ));
                    0.0
                }
                Some(k) if k.level >= r.min_level => {
                    evidence.push(fact(
                        true,
                        format!(
                            "{} at level {} ({} years); wanted {}",
                            r.skill,
                            k.level.get(),
                            k.years,
                            r.min_level.get()
                        ),
                    ));
                    (80.0 + 10.0 * f64::from(k.level.get() - r.min_level.get())).min(100.0)
                }
                Some(k) => {
                    evidence.push(fact(
                        false,
                        format!("{} at level {}, below the wanted {}", r.skill, k.level.get(), r.min_level.get()),
                    ));
                    50.0 * f64::from(k.level.get()) / f64::from(r.min_level.get())
                }
            };
            sum += score * f64::from(r.weight);
            weights += f64::from(r.weight);
        }
        sum / weights
    });
    out.push(("skills", skills, w.skills, evidence));

    let min_years = skillset.map_or(0, |s| s.min_years_experience);
    let experience = if min_years == 0 || c.years_experience >= min_years {
        100.0
    } else {
        100.0 * f64::from(c.years_experience) / f64::from(min_years)
    };
    out.push((
        "experience",
        Some(experience),
        w.experience,
        vec![fact(
            c.years_experience >= min_years,
            format!("{} years of executive experience; wanted {min_years}", c.years_experience),
        )],
    ));

    let wanted_industries = skillset.map(|s| s.industries.as_slice()).unwrap_or_default();
    let industries = (!wanted_industries.is_empty()).then(|| {
        let hits = wanted_industries.iter().filter(|i| c.industries.contains(i)).count();
        100.0 * hits as f64 / wanted_industries.len() as f64
    });
    let evidence = wanted_industries.iter().map(|i| fact(c.industries.contains(i), format!("industry {i}"))).collect();
    out.push(("industries", industries, w.industries, evidence));

    let mut signals = need.crisis_signals.clone();
    signals.extend(skillset.map(|s| s.crisis_experience.clone()).unwrap_or_default());
    signals.sort();
    signals.dedup();
    let crisis = (!signals.is_empty()).then(|| {
        100.0 * signals.iter().filter(|s| c.crisis_experience.contains(s)).count() as f64 / signals.len() as f64
    });
    let evidence = signals
        .iter()
        .map(|s| {
            let has = c.crisis_experience.contains(s);
            fact(has, format!("{} {s}", if has { "has turned around" } else { "no record of" }))
        })
        .collect();
    out.push(("crisis_experience", crisis, w.crisis_experience, evidence));

    // Background and training: a wanted item is met when the candidate's record shares a significant word with it.
    let wanted: Vec<&String> = skillset.map(|s| s.background.iter().chain(&s.training).collect()).unwrap_or_default();
    let record: Vec<String> = c
        .background
        .iter()
        .map(|e| format!("{} {}", e.degree, e.field.clone().unwrap_or_default()))
        .chain(c.training.iter().map(|t| t.name.clone()))
        .map(|s| s.to_lowercase())
        .collect();
    let mut evidence = Vec::new();
    let background = (!wanted.is_empty()).then(|| {
        let met = wanted
            .iter()
            .filter(|item| {
                let words: Vec<String> = item
                    .to_lowercase()
                    .split(|ch: char| !ch.is_alphanumeric())
                    .filter(|w| w.len() >= 4 || *w == "mba")
                    .map(str::to_owned)
                    .collect();
                let hit = record.iter().any(|r| words.iter().any(|w| r.contains(w.as_str())));
                evidence.push(fact(hit, format!("wanted: {item}")));
                hit
            })
            .count();
        100.0 * met as f64 / wanted.len() as f64
    });
    out.push(("background_and_training", background, w.background_and_training, evidence));

    let languages: Vec<&String> = skillset.map(|s| s.languages.iter().collect()).unwrap_or_default();
    let language_score = (!languages.is_empty()).then(|| {
        languages
            .iter()
            .map(|l| match speaks(c, l) {
                Some(LanguageProficiency::Native | LanguageProficiency::Fluent) => 100.0,
                Some(LanguageProficiency::Professional) => 80.0,
                Some(LanguageProficiency::Basic) => 30.0,
                None => 0.0,
            })
            .sum::<f64>()
            / languages.len() as f64
    });
    let evidence = languages
        .iter()
        .map(|l| {
            fact(
                speaks(c, l).is_some(),
                format!("language {l}: {}", speaks(c, l).map_or("not spoken".into(), |p| p.to_string())),
            )
        })
        .collect();
    out.push(("languages", language_score, w.languages, evidence));

    let rate = match (need.day_rate_budget, c.day_rate) {
        (Some(b), Some(r)) if b.currency == r.currency => {
            let ratio = r.amount as f64 / b.amount as f64;
            let score = if ratio <= 1.0 { 100.0 } else { (100.0 - (ratio - 1.0) * 500.0).max(0.0) };
            Some((score, fact(ratio <= 1.0, format!("{} {} against a budget of {}", r.amount, r.currency, b.amount))))
        }
        _ => None,
    };
    out.push(("rate", rate.as_ref().map(|r| r.0), w.rate, rate.into_iter().map(|r| r.1).collect()));

    let days_late = c.availability.available_from.map_or(0, |from| (from - start).num_days().max(0));
    out.push((
        "availability",
        Some((100.0 - 2.0 * days_late as f64).max(0.0)),
        w.availability,
        vec![fact(
            days_late == 0,
            if days_late == 0 {
                format!("available by {start}")
            } else {
                format!("available {days_late} days after {start}")
            },
        )],
    ));

    let location = match (&need.location, &c.location, need.remote_policy) {
        (_, _, RemotePolicy::Remote) => Some((100.0, fact(true, "remote assignment"))),
        (Some(n), Some(l), _) if n.country == l.country && n.city.is_some() && n.city == l.city => {
            Some((100.0, fact(true, format!("lives in {}", l.city.clone().unwrap_or_default()))))
        }
        (Some(n), Some(l), _) if n.country == l.country => Some((85.0, fact(true, format!("lives in {}", l.country)))),
        (Some(_), Some(l), _) => Some((
            if c.willing_to_travel { 50.0 } else { 0.0 },
            fact(
                c.willing_to_travel,
                format!("lives in {}{}", l.country, if c.willing_to_travel { ", willing to travel" } else { "" }),
            ),
        )),
        _ => None,
    };
    out.push(("location", location.as_ref().map(|l| l.0), w.location, location.into_iter().map(|l| l.1).collect()));

    let applied: f64 = out.iter().filter(|(_, s, _, _)| s.is_some()).map(|(_, _, w, _)| w).sum();
    out.into_iter()
        .map(|(name, score, weight, evidence)| {
            let (score, weight) = match score {
                Some(s) => (round2(s), weight),
                None => (0.0, 0.0),
            };
            let contribution = if applied > 0.0 { round2(score * weight / applied) } else { 0.0 };
            Criterion { name, score, weight, contribution, evidence }
        })
        .collect()
}

#[cfg(test)]
mod tests;
