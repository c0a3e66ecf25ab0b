//! Explainable matching: a candidate against a need and its ideal skillset.
//! Hard filters decide whether the candidate is a match at all, each with its
//! reason; weighted criteria, each scored 0-100 with the evidence found, add
//! up to the total. Pure functions of their inputs, so the same inputs always
//! give the same explanation, and an audit can reproduce it.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::domain::CrisisSignal;
use crate::domain::DayRate;
use crate::domain::SkillKey;
use crate::domain::candidate::{Candidate, CandidateSkill, CandidateStatus, LanguageProficiency, RemotePreference};
use crate::domain::exchange::{Conversion, Converter, ExchangeRates};
use crate::domain::need::{Need, RemotePolicy};
use crate::domain::skill::Relation;
use crate::domain::skillset::{IdealSkillset, MatchWeights, SkillRequirement};

pub mod index;
pub mod score;
pub mod synthetic;
pub mod taxonomy;

use score::{CRITERIA, Proximity, Scores, Seasoning};
use taxonomy::{Credit, Taxonomy};

/// What scoring needs besides the need, skillset and candidate.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The weights when the skillset sets none.
    pub weights: MatchWeights,
    /// How far above the budget a day rate may be and still pass (0.10: 10 %).
    pub rate_tolerance: f64,
    /// The date "now" is, for needs without a start date.
    pub today: NaiveDate,
    /// How skills relate: what earns credit for a skill asked for besides the skill itself.
    pub taxonomy: Arc<Taxonomy>,
    /// The exchange rates the practice maintains: a day rate in another currency than the budget's is converted
    /// with the rate in force on the need's start.
    pub rates: Arc<ExchangeRates>,
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
    /// For a filter that failed: what would make the candidate pass it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub remedy: Option<Cow<'static, str>>,
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
    /// The weight as a percentage of the weights of the criteria that apply (they add up to 100), to hundredths.
    pub share: f64,
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
    /// For a skill asked for: which held skill earned what for it, and by which relation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill: Option<SkillEvidence>,
}

/// How a skill the skillset asks for was met: by the skill itself or by a held skill related to it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SkillEvidence {
    /// The skill asked for (its key) and its label.
    pub wanted: String,
    pub wanted_label: String,
    /// Required (else preferred).
    pub required: bool,
    pub min_level: u8,
    /// The held skill that earned the credit, its label, level and years; absent when nothing held earns any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<i32>,
    /// The year the held skill was last used, when the candidate says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<i32>,
    /// What the years of practice make of the held skill's score: ×0.9 with none, 2 % more a year, ×1 from five.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years_factor: Option<f64>,
    /// What the time since its last use makes of it: ×1 within two years of the assignment's start, 10 % less
    /// each year after, down to ×0.6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recency_factor: Option<f64>,
    /// How the held skill relates to the one asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// The skill the relation runs through: the broader skill a sibling shares, or the step between a
    /// requirement and a narrower skill further down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The share of the held skill's score credited (1 for the skill itself).
    pub credit: f64,
    /// What the requirement scores, 0-100: the held skill's score at its level × the credit × `years_factor` ×
    /// `recency_factor`.
    pub score: f64,
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
    Evidence { positive, fact: fact.into(), skill: None }
}

fn passed(name: &'static str, reason: impl Into<Cow<'static, str>>) -> Filter {
    Filter { name, passed: true, reason: reason.into(), remedy: None }
}

fn failed(name: &'static str, reason: impl Into<Cow<'static, str>>, remedy: impl Into<Cow<'static, str>>) -> Filter {
    Filter { name, passed: false, reason: reason.into(), remedy: Some(remedy.into()) }
}

/// The need's window: its start, and its end when the duration is known.
/// A day rate as the budget's currency reads it: `1200 EUR`, or `1200 GBP (1392 EUR at the GBP/EUR rate of 1.16
/// from 2026-11-01)`.
fn shown_in_budget(rate: DayRate, converted: &Conversion) -> String {
    if converted.is_identity() {
        return format!("{} {}", rate.amount, rate.currency);
    }
    format!(
        "{} {} ({} {} at the {}/{} rate of {} from {})",
        rate.amount,
        rate.currency,
        converted.amount,
        converted.to,
        converted.base,
        converted.quote,
        converted.quoted,
        converted.valid_from
    )
}

fn window(need: &Need, today: NaiveDate) -> (NaiveDate, Option<NaiveDate>) {
    let start = need.start_by.unwrap_or(today);
    let end = need.duration_months.and_then(|m| start.checked_add_months(Months::new(m.max(0) as u32)));
    (start, end)
}

fn speaks(candidate: &Candidate, language: &str) -> Option<LanguageProficiency> {
    candidate.languages.iter().find(|l| l.language == language).map(|l| l.proficiency)
}

/// A skill the skillset asks for, with every skill that earns credit for it (the skill itself first).
pub(crate) struct WantedSkill<'a> {
    pub requirement: &'a SkillRequirement,
    pub required: bool,
    /// Required and must-have.
    pub must_have: bool,
    /// Each with whether it meets the must-have (when it is one) at the level asked for.
    pub credits: Vec<(Credit, bool)>,
}

pub(crate) fn wanted_skills<'a>(skillset: Option<&'a IdealSkillset>, taxonomy: &Taxonomy) -> Vec<WantedSkill<'a>> {
    let Some(s) = skillset else { return Vec::new() };
    let credits = s.credits();
    s.requirements()
        .map(|(r, required)| WantedSkill {
            requirement: r,
            required,
            must_have: required && r.must_have,
            credits: taxonomy
                .credited(&r.skill, &credits)
                .into_iter()
                .map(|c| {
                    let meets = s.meets_must_have(c.relation);
                    (c, meets)
                })
                .collect(),
        })
        .collect()
}

impl WantedSkill<'_> {
    /// The held skill that earns the most for it, with what it earns for an assignment starting in `start_year`;
    /// the first of equals (the skill itself before a relation).
    fn best<'c>(&self, candidate: &'c Candidate, start_year: i32) -> Option<(&Credit, &'c CandidateSkill, f64)> {
        let min = self.requirement.min_level.get();
        let mut best: Option<(&Credit, &CandidateSkill, f64)> = None;
        for (credit, _) in &self.credits {
            for h in candidate.skills.iter().filter(|k| k.skill == credit.skill) {
                let seasoned = Seasoning::of(h.years, h.last_used, start_year);
                let earned = score::credited(h.level.get(), min, credit.credit, seasoned);
                if best.is_none_or(|b| earned > b.2) {
                    best = Some((credit, h, earned));
                }
            }
        }
        best
    }

    /// Whether the candidate holds a skill that meets it as a must-have: the skill itself (or, unless the
    /// skillset demands the skill itself, a synonym or a narrower skill) at the level asked for.
    fn met_as_must_have(&self, candidate: &Candidate) -> bool {
        let min = self.requirement.min_level.get();
        self.credits
            .iter()
            .any(|(c, meets)| *meets && candidate.skills.iter().any(|h| h.skill == c.skill && h.level.get() >= min))
    }
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
    skills: Vec<WantedSkill<'a>>,
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
            skills: wanted_skills(skillset, &settings.taxonomy),
            wanted: wanted_record(skillset),
        }
    }

    /// A day rate in the currency of the need's budget, converted with the rate in force on the start day; `None`
    /// when no stored rate converts it (or the need has no budget).
    fn in_budget_currency(&self, rate: DayRate) -> Option<(Conversion, Converter)> {
        let budget = self.need.day_rate_budget?;
        let converter = self.settings.rates.converter(rate.currency, budget.currency, self.start)?;
        Some((converter.conversion(rate.amount)?, converter))
    }

    fn label(&self, key: &'a SkillKey) -> &'a str {
        self.settings.taxonomy.show(key)
    }

    /// Scores `candidate`: what [`explain`] gives.
    pub fn explain(&self, candidate: &Candidate) -> Explanation {
        let Explainer { need, skillset, settings, start, end, .. } = *self;
        let mut filters = Vec::with_capacity(9);

        // Hard filters.
        filters.push(if candidate.status == CandidateStatus::Active {
            passed("status", "the candidate is active")
        } else {
            failed("status", format!("the candidate is {}", candidate.status), "be active")
        });
        let missing: Vec<&WantedSkill> =
            self.skills.iter().filter(|w| w.must_have && !w.met_as_must_have(candidate)).collect();
        filters.push(if missing.is_empty() {
            passed("must_have_skills", "has every must-have skill")
        } else {
            let each = |w: &&WantedSkill| {
                format!("{} at level {}", self.label(&w.requirement.skill), w.requirement.min_level.get())
            };
            let list = missing.iter().map(each).collect::<Vec<_>>().join(", ");
            let accepted = if skillset.is_some_and(|s| s.must_have_exact) {
                ""
            } else {
                " (or a synonym or a narrower skill at that level)"
            };
            failed("must_have_skills", format!("lacks {list}"), format!("hold {list}{accepted}"))
        });
        let required = self.skills.iter().filter(|w| w.required);
        let none_required = skillset.is_some_and(|s| !s.required_skills.is_empty() && !s.match_without_required_skills)
            && required.clone().all(|w| w.best(candidate, start.year()).is_none());
        filters.push(if none_required {
            let list = required.map(|w| self.label(&w.requirement.skill)).collect::<Vec<_>>().join(", ");
            failed(
                "required_skills",
                "holds none of the required skills, nor a skill credited for one",
                format!("hold one of {list}, or a skill related to one"),
            )
        } else {
            passed("required_skills", "holds at least one required skill, or a skill credited for one")
        });
        let a = &candidate.availability;
        let overlaps = a.available_until.is_none_or(|until| until >= start)
            && match (a.available_from, end) {
                (Some(from), Some(end)) => from <= end,
                _ => true,
            };
        filters.push(match (a.available_from, a.available_until) {
            _ if overlaps => passed("availability", format!("available during the assignment starting {start}")),
            (_, Some(until)) if until < start => failed(
                "availability",
                format!("available only until {until}, before the start on {start}"),
                format!("be available on {start}"),
            ),
            (Some(from), _) => failed(
                "availability",
                format!("available only from {from}, after the assignment ends"),
                format!("be available by {}", end.unwrap_or(start)),
            ),
            _ => failed("availability", "not available during the assignment", format!("be available on {start}")),
        });
        filters.push(match (need.duration_months, a.max_engagement_months) {
            (Some(months), Some(max)) if max < months => failed(
                "engagement_length",
                format!("takes assignments of at most {max} months; this one runs {months}"),
                format!("accept an assignment of {months} months"),
            ),
            (Some(months), Some(max)) => {
                passed("engagement_length", format!("takes assignments of up to {max} months; this one runs {months}"))
            }
            (None, _) => passed("engagement_length", "the assignment's length is open"),
            (Some(_), None) => passed("engagement_length", "no limit on the length of an assignment"),
        });
        let clash = candidate.commitments.iter().find(|p| p.end >= start && end.is_none_or(|end| p.start <= end));
        filters.push(match clash {
            Some(p) => failed(
                "assignments",
                format!("holds an assignment from {} to {}, which overlaps this one", p.start, p.end),
                format!("be free of the assignment ending {}", p.end),
            ),
            None => passed("assignments", "holds no overlapping assignment"),
        });
        filters.push(match (need.day_rate_budget, candidate.day_rate) {
            (Some(budget), Some(rate)) => match self.in_budget_currency(rate) {
                None => failed(
                    "rate",
                    format!(
                        "quotes in {}, the budget is in {}, and no {}/{} exchange rate is held for {start}",
                        rate.currency, budget.currency, rate.currency, budget.currency
                    ),
                    format!(
                        "quote in {}, or have the practice enter a {}/{} exchange rate valid on {start}",
                        budget.currency, rate.currency, budget.currency
                    ),
                ),
                Some((converted, converter)) => {
                    let cap = budget.amount as f64 * (1.0 + settings.rate_tolerance);
                    let reason = format!(
                        "day rate {} against a budget of {} (cap {cap:.0})",
                        shown_in_budget(rate, &converted),
                        budget.amount
                    );
                    if score::within_cap(converted.amount, budget.amount, settings.rate_tolerance) {
                        passed("rate", reason)
                    } else {
                        let most = converter.largest_passing(DayRate::MAX_AMOUNT, |a| {
                            score::within_cap(a, budget.amount, settings.rate_tolerance)
                        });
                        failed("rate", reason, format!("quote at most {} {} a day", most.unwrap_or(0), rate.currency))
                    }
                }
            },
            (Some(_), None) => passed("rate", "no day rate on file"),
            (None, _) => passed("rate", "the need has no budget"),
        });
        let same_country = match (&need.location, &candidate.location) {
            (Some(n), Some(c)) => n.country == c.country,
            _ => true,
        };
        filters.push(match (need.remote_policy, candidate.remote_preference) {
            (RemotePolicy::Remote, _) => passed("location", "the assignment is remote"),
            (_, RemotePreference::Remote) => failed(
                "location",
                format!("works remotely only; the assignment is {}", need.remote_policy),
                format!("work {}", need.remote_policy),
            ),
            (_, _) if same_country => passed("location", "based in the assignment's country"),
            (_, _) if candidate.willing_to_travel => passed("location", "willing to travel to the assignment"),
            _ => failed(
                "location",
                "based in another country and not willing to travel",
                "be willing to travel to the assignment",
            ),
        });
        let unspoken: Vec<&str> = skillset
            .map(|s| {
                s.languages
                    .iter()
                    .filter(|l| speaks(candidate, l).is_none_or(|p| p < LanguageProficiency::Professional))
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default();
        filters.push(if unspoken.is_empty() {
            passed("languages", "speaks every required language professionally")
        } else {
            let list = unspoken.join(", ");
            failed(
                "languages",
                format!("does not speak {list} professionally"),
                format!("speak {list} at professional level or better"),
            )
        });

        let (criteria, total) = self.criteria(candidate);
        Explanation { total, eligible: filters.iter().all(|f| f.passed), filters, criteria }
    }

    /// The skills criterion: each skill asked for by what the best held skill earns for it, and the facts.
    fn skills(&self, c: &Candidate) -> (Option<f64>, Vec<Evidence>) {
        if self.skills.is_empty() {
            return (None, Vec::new());
        }
        let (mut required, mut preferred) = ((0.0, 0.0), (0.0, 0.0));
        let mut evidence = Vec::with_capacity(self.skills.len());
        for w in &self.skills {
            let r = w.requirement;
            let (min, wanted) = (r.min_level.get(), self.label(&r.skill));
            let kind = if w.required { "required" } else { "preferred" };
            let best = w.best(c, self.start.year());
            let earned = best.map_or(0.0, |b| b.2);
            let seasoned = best.map(|b| Seasoning::of(b.1.years, b.1.last_used, self.start.year()));
            let facts = match best {
                None => fact(false, format!("no {wanted} ({kind}, level {min}), nor a skill credited for it")),
                Some((credit, h, earned)) => {
                    let level = h.level.get();
                    let held = self.label(&h.skill);
                    let standing = if level >= min { "" } else { ", below the level" };
                    let practised = practised(h, Seasoning::of(h.years, h.last_used, self.start.year()));
                    let what = match credit.relation {
                        Relation::Exact => format!("{held} at level {level} ({practised})"),
                        relation => format!(
                            "credited {held} ({}) at level {level} ({practised}) × {}",
                            relation_phrase(relation, wanted, credit.via.as_ref().map(|v| self.label(v))),
                            credit.credit
                        ),
                    };
                    fact(
                        level >= min,
                        format!("{what} for {wanted} ({kind}, level {min}{standing}): {}", score::round2(earned)),
                    )
                }
            };
            evidence.push(Evidence {
                skill: Some(SkillEvidence {
                    wanted: r.skill.to_string(),
                    wanted_label: wanted.to_owned(),
                    required: w.required,
                    min_level: min,
                    held: best.map(|b| b.1.skill.to_string()),
                    held_label: best.map(|b| self.label(&b.1.skill).to_owned()),
                    level: best.map(|b| b.1.level.get()),
                    years: best.map(|b| b.1.years),
                    last_used: best.and_then(|b| b.1.last_used),
                    years_factor: seasoned.map(|s| score::round2(s.practice)),
                    recency_factor: seasoned.map(|s| score::round2(s.recency)),
                    relation: best.map(|b| b.0.relation),
                    via: best.and_then(|b| b.0.via.as_ref().map(ToString::to_string)),
                    credit: best.map_or(0.0, |b| b.0.credit),
                    score: score::round2(earned),
                }),
                ..facts
            });
            let acc = if w.required { &mut required } else { &mut preferred };
            *acc = score::add_weighted(*acc, earned, r.weight);
        }
        (Some(score::skills(score::mean(required), score::mean(preferred))), evidence)
    }

    fn criteria(&self, c: &Candidate) -> (Vec<Criterion>, f64) {
        let Explainer { need, skillset, settings, start, .. } = *self;
        let mut scores: Scores = [None; CRITERIA.len()];
        let mut evidence: [Vec<Evidence>; CRITERIA.len()] = Default::default();

        (scores[0], evidence[0]) = self.skills(c);

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

        // Background and training: a wanted item is met by a line of the record holding one of its phrases.
        let wanted = &self.wanted;
        let record = record_of(c);
        if !wanted.is_empty() {
            let mut met = 0;
            for item in wanted {
                let hit = record.iter().position(|r| item.is_met_by(r));
                met += usize::from(hit.is_some());
                evidence[4].push(match hit {
                    Some(line) => fact(true, format!("wanted: {}; met by {}", item.text, record_line(c, line))),
                    None => fact(
                        false,
                        format!("wanted: {}; no degree, field or training in the record names it", item.text),
                    ),
                });
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
                // Positive only at the level the languages filter asks for.
                fact(
                    speaks(c, l).is_some_and(|p| p >= LanguageProficiency::Professional),
                    format!("language {l}: {}", speaks(c, l).map_or("not spoken".into(), |p| p.to_string())),
                )
            })
            .collect();

        if let (Some(b), Some(r)) = (need.day_rate_budget, c.day_rate)
            && let Some((converted, _)) = self.in_budget_currency(r)
        {
            scores[6] = Some(score::rate(converted.amount, b.amount));
            evidence[6].push(fact(
                converted.amount <= b.amount,
                format!("{} against a budget of {}", shown_in_budget(r, &converted), b.amount),
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
            .map(|(((score, weight, contribution, share), name), evidence)| Criterion {
                name,
                score,
                weight,
                share,
                contribution,
                evidence,
            })
            .collect();
        (criteria, score::total(&scores, &weights))
    }
}

/// How a held skill relates to the one asked for, in words.
/// A held skill's years and last use as a recruiter reads them, with the factors they cost: `12 years`,
/// `2 years × 0.94; last used 2019 × 0.8`.
fn practised(h: &CandidateSkill, seasoned: Seasoning) -> String {
    let factor = |f: f64| if f < 1.0 { format!(" × {}", score::round2(f)) } else { String::new() };
    let mut text = format!("{} years{}", h.years, factor(seasoned.practice));
    if let Some(year) = h.last_used {
        text += &format!("; last used {year}{}", factor(seasoned.recency));
    }
    text
}

fn relation_phrase(relation: Relation, wanted: &str, via: Option<&str>) -> String {
    match (relation, via) {
        (Relation::Exact, _) => "the skill itself".into(),
        (Relation::Synonym, _) => format!("a synonym of {wanted}"),
        (Relation::Narrower, Some(via)) => format!("narrower than {wanted}, through {via}"),
        (Relation::Narrower, None) => format!("narrower than {wanted}"),
        (Relation::Broader, _) => format!("broader than {wanted}"),
        (Relation::Sibling, Some(via)) => format!("shares {via} with {wanted}"),
        (Relation::Sibling, None) => format!("a sibling of {wanted}"),
        (Relation::Related, _) => format!("related to {wanted}"),
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

/// A background or training item the skillset wants, as the phrases that meet it: "Degree in business or
/// finance" is met by a line naming business, or finance; "Customer experience certification (CCXP)" by one
/// naming customer experience, or CCXP. Words that say only what kind of record it is (degree, bachelor,
/// certification, training …) do not count on their own: "Bachelor degree, Theology" does not meet
/// "Degree in business".
struct WantedItem<'a> {
    text: &'a str,
    /// Each alternative's words; a line meets the item when it holds every word of one alternative.
    phrases: Vec<Vec<String>>,
}

/// Words that name the kind of record rather than its subject, and words that join.
const GENERIC_WORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "the",
    "in",
    "of",
    "on",
    "for",
    "with",
    "at",
    "to",
    "degree",
    "degrees",
    "bachelor",
    "bachelors",
    "master",
    "masters",
    "msc",
    "bsc",
    "ba",
    "ma",
    "bs",
    "ms",
    "phd",
    "doctorate",
    "diploma",
    "certificate",
    "certification",
    "certified",
    "training",
    "course",
    "programme",
    "program",
    "background",
    "qualification",
    "qualified",
    "education",
    "studies",
    "study",
];

/// Lowercase words, a trailing plural `s` dropped, so that "Economics" and "economic" compare equal.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| if w.len() > 3 { w.strip_suffix('s').unwrap_or(w) } else { w }.to_owned())
        .collect()
}

impl WantedItem<'_> {
    fn new(text: &str) -> WantedItem<'_> {
        let lower = text.to_lowercase();
        let mut parts: Vec<String> = Vec::new();
        // A parenthesised part ("(CCXP)") is an alternative of its own.
        let mut outside = String::new();
        let mut inside = String::new();
        let mut depth = 0;
        for ch in lower.chars() {
            match ch {
                '(' => depth += 1,
                ')' if depth > 0 => {
                    depth -= 1;
                    parts.push(std::mem::take(&mut inside));
                }
                _ if depth > 0 => inside.push(ch),
                _ => outside.push(ch),
            }
        }
        parts.push(inside);
        for part in outside.split([',', '/', ';', '|']) {
            parts.extend(part.split(" or ").map(str::to_owned));
        }
        let mut phrases: Vec<Vec<String>> = Vec::new();
        for part in parts {
            let all = words(&part);
            let subject: Vec<String> = all.iter().filter(|w| !GENERIC_WORDS.contains(&w.as_str())).cloned().collect();
            // An item that is only a kind of record ("PhD") is met by that kind.
            let phrase = if subject.is_empty() { all } else { subject };
            if !phrase.is_empty() && !phrases.contains(&phrase) {
                phrases.push(phrase);
            }
        }
        WantedItem { text, phrases }
    }

    /// Met when the line (degree and field, or a training) holds every word of one of the item's phrases.
    fn is_met_by(&self, record_line: &str) -> bool {
        let line = words(record_line);
        self.phrases.iter().any(|phrase| phrase.iter().all(|w| line.contains(w)))
    }
}

fn wanted_record(skillset: Option<&IdealSkillset>) -> Vec<WantedItem<'_>> {
    skillset
        .map(|s| s.background.iter().chain(&s.training).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|item| WantedItem::new(item))
        .collect()
}

/// Line `i` of [`record_of`] as the candidate wrote it.
fn record_line(c: &Candidate, i: usize) -> String {
    match c.background.get(i) {
        Some(e) => match &e.field {
            Some(field) => format!("{}, {field}", e.degree),
            None => e.degree.clone(),
        },
        None => c.training.get(i - c.background.len()).map(|t| t.name.clone()).unwrap_or_default(),
    }
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
