//! Explainable matching: a candidate against a need and its ideal skillset.
//! Hard filters decide whether the candidate is a match at all, each with its
//! reason; weighted criteria, each scored 0-100 with the evidence found, add
//! up to the total. Pure functions of their inputs, so the same inputs always
//! give the same explanation, and an audit can reproduce it.

use std::borrow::Cow;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::domain::CrisisSignal;
use crate::domain::SkillKey;
use crate::domain::candidate::{Candidate, CandidateStatus, LanguageProficiency, RemotePreference};
use crate::domain::need::{Need, RemotePolicy};
use crate::domain::skillset::{IdealSkillset, MatchWeights};

pub mod index;
pub mod score;
pub mod synthetic;
pub mod taxonomy;

use score::{CRITERIA, Proximity, Scores};

/// What scoring needs besides the need, skillset and candidate.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The weights when the skillset sets none.
    pub weights: MatchWeights,
    /// How far above the budget a day rate may be and still pass (0.10: 10 %).
    pub rate_tolerance: f64,
    /// The date "now" is, for needs without a start date.
    pub today: NaiveDate,
}

impl Settings {
    /// The weights applied for a need: its skillset's own, or the defaults.
    pub fn weights_for(&self, skillset: Option<&IdealSkillset>) -> MatchWeights {
        skillset.and_then(|s| s.weights).unwrap_or(self.weights)
    }
}

/// One hard filter's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Filter {
    /// `status`, `must_have_skills`, `availability`, `assignments` (no overlapping assignment held), `rate`,
    /// `location`, `languages`.
    pub name: &'static str,
    pub passed: bool,
    #[schema(value_type = String)]
    pub reason: Cow<'static, str>,
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
    #[schema(value_type = String)]
    pub fact: Cow<'static, str>,
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

fn fact(positive: bool, fact: impl Into<Cow<'static, str>>) -> Evidence {
    Evidence { positive, fact: fact.into() }
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

fn level_of(candidate: &Candidate, skill: &SkillKey) -> Option<u8> {
    candidate.skills.iter().find(|k| &k.skill == skill).map(|k| k.level.get())
}

/// Scores `candidate` for `need` with the ideal `skillset` (if the need has one).
pub fn explain(
    need: &Need,
    skillset: Option<&IdealSkillset>,
    candidate: &Candidate,
    settings: &Settings,
) -> Explanation {
    Explainer::new(need, skillset, settings).explain(candidate)
}

/// What explaining candidates for one need takes from the need and its skillset, worked out once: a page of
/// matches explains up to 200 candidates for the same need.
pub struct Explainer<'a> {
    need: &'a Need,
    skillset: Option<&'a IdealSkillset>,
    settings: &'a Settings,
    start: NaiveDate,
    end: Option<NaiveDate>,
    signals: Vec<CrisisSignal>,
    wanted: Vec<WantedItem<'a>>,
}

impl<'a> Explainer<'a> {
    pub fn new(need: &'a Need, skillset: Option<&'a IdealSkillset>, settings: &'a Settings) -> Self {
        let (start, end) = window(need, settings.today);
        Explainer {
            need,
            skillset,
            settings,
            start,
            end,
            signals: crisis_signals(need, skillset),
            wanted: wanted_record(skillset),
        }
    }

    /// Scores `candidate`: what [`explain`] gives.
    pub fn explain(&self, candidate: &Candidate) -> Explanation {
        let Explainer { need, skillset, settings, start, end, .. } = *self;
        let mut filters = Vec::with_capacity(7);

        // Hard filters.
        filters.push(Filter {
            name: "status",
            passed: candidate.status == CandidateStatus::Active,
            reason: format!("the candidate is {}", candidate.status).into(),
        });
        let missing: Vec<String> = skillset
            .map(|s| {
                s.required_skills
                    .iter()
                    .filter(|r| r.must_have)
                    .filter(|r| level_of(candidate, &r.skill).is_none_or(|level| level < r.min_level.get()))
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
                format!("lacks {}", missing.join(", ")).into()
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
                _ if overlaps => format!("available during the assignment starting {start}").into(),
                (_, Some(until)) if until < start => {
                    format!("available only until {until}, before the start on {start}").into()
                }
                (Some(from), _) => format!("available only from {from}, after the assignment ends").into(),
                _ => "not available during the assignment".into(),
            },
        });
        let clash = candidate.commitments.iter().find(|p| p.end >= start && end.is_none_or(|end| p.start <= end));
        filters.push(Filter {
            name: "assignments",
            passed: clash.is_none(),
            reason: match clash {
                Some(p) => format!("holds an assignment from {} to {}, which overlaps this one", p.start, p.end).into(),
                None => "holds no overlapping assignment".into(),
            },
        });
        let (rate_ok, rate_reason): (bool, Cow<'static, str>) = match (need.day_rate_budget, candidate.day_rate) {
            (Some(budget), Some(rate)) if budget.currency != rate.currency => {
                (false, format!("quotes in {}, the budget is in {}", rate.currency, budget.currency).into())
            }
            (Some(budget), Some(rate)) => {
                let cap = budget.amount as f64 * (1.0 + settings.rate_tolerance);
                (
                    score::within_cap(rate.amount, budget.amount, settings.rate_tolerance),
                    format!(
                        "day rate {} {} against a budget of {} (cap {cap:.0})",
                        rate.amount, rate.currency, budget.amount
                    )
                    .into(),
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
        let (location_ok, location_reason): (bool, Cow<'static, str>) =
            match (need.remote_policy, candidate.remote_preference) {
                (RemotePolicy::Remote, _) => (true, "the assignment is remote".into()),
                (_, RemotePreference::Remote) => {
                    (false, format!("works remotely only; the assignment is {}", need.remote_policy).into())
                }
                (_, _) if same_country => (true, "based in the assignment's country".into()),
                (_, _) if candidate.willing_to_travel => (true, "willing to travel to the assignment".into()),
                _ => (false, "based in another country and not willing to travel".into()),
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
                format!("does not speak {} professionally", unspoken.join(", ")).into()
            },
        });

        let (criteria, total) = self.criteria(candidate);
        Explanation { total, eligible: filters.iter().all(|f| f.passed), filters, criteria }
    }

    fn criteria(&self, c: &Candidate) -> (Vec<Criterion>, f64) {
        let Explainer { need, skillset, settings, start, .. } = *self;
        let mut scores: Scores = [None; CRITERIA.len()];
        let mut evidence: [Vec<Evidence>; CRITERIA.len()] = Default::default();

        // Skills: each requirement by its weight.
        scores[0] = skillset.filter(|s| s.requirements().next().is_some()).map(|s| {
            let mut acc = (0.0, 0.0);
            for (r, required) in s.requirements() {
                let held = c.skills.iter().find(|k| k.skill == r.skill);
                let (have, years, min) = (held.map(|k| k.level.get()), held.map_or(0, |k| k.years), r.min_level.get());
                evidence[0].push(match have {
                    None => {
                        fact(false, format!("no {} ({})", r.skill, if required { "required" } else { "preferred" }))
                    }
                    Some(level) if level >= min => {
                        fact(true, format!("{} at level {level} ({years} years); wanted {min}", r.skill))
                    }
                    Some(level) => fact(false, format!("{} at level {level}, below the wanted {min}", r.skill)),
                });
                acc = score::add_weighted(acc, score::skill(have, min), r.weight);
            }
            acc.0 / acc.1
        });

        let min_years = skillset.map_or(0, |s| s.min_years_experience);
        scores[1] = Some(score::experience(c.years_experience, min_years));
        evidence[1].push(fact(
            c.years_experience >= min_years,
            format!("{} years of executive experience; wanted {min_years}", c.years_experience),
        ));

        let wanted_industries = skillset.map(|s| s.industries.as_slice()).unwrap_or_default();
        if !wanted_industries.is_empty() {
            let hits = wanted_industries.iter().filter(|i| c.industries.contains(i)).count();
            scores[2] = Some(score::share(hits, wanted_industries.len()));
        }
        evidence[2] =
            wanted_industries.iter().map(|i| fact(c.industries.contains(i), format!("industry {i}"))).collect();

        let signals = &self.signals;
        if !signals.is_empty() {
            let hits = signals.iter().filter(|s| c.crisis_experience.contains(s)).count();
            scores[3] = Some(score::share(hits, signals.len()));
        }
        evidence[3] = signals
            .iter()
            .map(|s| {
                let has = c.crisis_experience.contains(s);
                fact(has, format!("{} {s}", if has { "has turned around" } else { "no record of" }))
            })
            .collect();

        // Background and training: a wanted item is met when the candidate's record shares a significant word with it.
        let wanted = &self.wanted;
        let record = record_of(c);
        if !wanted.is_empty() {
            let mut met = 0;
            for item in wanted {
                let hit = record.iter().any(|r| item.is_met_by(r));
                met += usize::from(hit);
                evidence[4].push(fact(hit, format!("wanted: {}", item.text)));
            }
            scores[4] = Some(score::share(met, wanted.len()));
        }

        let languages: &[String] = skillset.map(|s| s.languages.as_slice()).unwrap_or_default();
        if !languages.is_empty() {
            let sum = languages.iter().map(|l| score::language(speaks(c, l))).sum::<f64>();
            scores[5] = Some(sum / languages.len() as f64);
        }
        evidence[5] = languages
            .iter()
            .map(|l| {
                fact(
                    speaks(c, l).is_some(),
                    format!("language {l}: {}", speaks(c, l).map_or("not spoken".into(), |p| p.to_string())),
                )
            })
            .collect();

        if let (Some(b), Some(r)) = (need.day_rate_budget, c.day_rate)
            && b.currency == r.currency
        {
            scores[6] = Some(score::rate(r.amount, b.amount));
            evidence[6].push(fact(
                r.amount <= b.amount,
                format!("{} {} against a budget of {}", r.amount, r.currency, b.amount),
            ));
        }

        let days_late = c.availability.available_from.map_or(0, |from| (from - start).num_days().max(0));
        scores[7] = Some(score::availability(days_late));
        evidence[7].push(fact(
            days_late == 0,
            if days_late == 0 {
                format!("available by {start}")
            } else {
                format!("available {days_late} days after {start}")
            },
        ));

        let proximity = match (&need.location, &c.location, need.remote_policy) {
            (_, _, RemotePolicy::Remote) => {
                evidence[8].push(fact(true, "remote assignment"));
                Some(Proximity::SameCity)
            }
            (Some(n), Some(l), _) if n.country == l.country && n.city.is_some() && n.city == l.city => {
                evidence[8].push(fact(true, format!("lives in {}", l.city.clone().unwrap_or_default())));
                Some(Proximity::SameCity)
            }
            (Some(n), Some(l), _) if n.country == l.country => {
                evidence[8].push(fact(true, format!("lives in {}", l.country)));
                Some(Proximity::SameCountry)
            }
            (Some(_), Some(l), _) => {
                let travel = c.willing_to_travel;
                evidence[8].push(fact(
                    travel,
                    format!("lives in {}{}", l.country, if travel { ", willing to travel" } else { "" }),
                ));
                Some(Proximity::Abroad { willing_to_travel: travel })
            }
            _ => None,
        };
        scores[8] = proximity.map(score::location);

        let weights = settings.weights_for(skillset);
        let criteria = score::contributions(&scores, &weights)
            .into_iter()
            .zip(CRITERIA)
            .zip(evidence)
            .map(|(((score, weight, contribution), name), evidence)| Criterion {
                name,
                score,
                weight,
                contribution,
                evidence,
            })
            .collect();
        (criteria, score::total(&scores, &weights))
    }
}

/// The crisis signals a candidate is scored against: the need's and the skillset's, each once.
fn crisis_signals(need: &Need, skillset: Option<&IdealSkillset>) -> Vec<CrisisSignal> {
    let mut signals = need.crisis_signals.clone();
    signals.extend(skillset.map(|s| s.crisis_experience.clone()).unwrap_or_default());
    signals.sort();
    signals.dedup();
    signals
}

/// A background or training item the skillset wants, with the words that count as meeting it.
struct WantedItem<'a> {
    text: &'a str,
    words: Vec<String>,
}

impl WantedItem<'_> {
    /// Met when one line of the candidate's record (lowercase) contains a significant word of the item.
    fn is_met_by(&self, record_line: &str) -> bool {
        self.words.iter().any(|w| record_line.contains(w.as_str()))
    }
}

fn wanted_record(skillset: Option<&IdealSkillset>) -> Vec<WantedItem<'_>> {
    skillset
        .map(|s| s.background.iter().chain(&s.training).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|item| WantedItem {
            text: item,
            words: item
                .to_lowercase()
                .split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| w.len() >= 4 || *w == "mba")
                .map(str::to_owned)
                .collect(),
        })
        .collect()
}

/// The candidate's education and training, one lowercase line each.
fn record_of(c: &Candidate) -> Vec<String> {
    c.background
        .iter()
        .map(|e| format!("{} {}", e.degree, e.field.as_deref().unwrap_or_default()))
        .chain(c.training.iter().map(|t| t.name.clone()))
        .map(|s| s.to_lowercase())
        .collect()
}

#[cfg(test)]
mod tests;
