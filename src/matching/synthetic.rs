//! Deterministic synthetic candidates and needs, from a seed: what the
//! matching benchmark ranks and what the property tests compare the index
//! with the full scan on. The same seed gives the same data on every machine.

use chrono::{Datelike, Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::domain::assignment::Period;
use crate::domain::candidate::{
    Availability, Candidate, CandidateSkill, CandidateStatus, Consent, Education, LanguageProficiency, LanguageSkill,
    RemotePreference, Training,
};
use crate::domain::catalog::SKILLS;
use crate::domain::codes::Location;
use crate::domain::exchange::{ExchangeRate, ExchangeRates};
use crate::domain::need::{Charter, Need, NeedReason, NeedStatus, RemotePolicy, Urgency};
use crate::domain::skill::SkillLevel;
use crate::domain::skillset::{Credits, IdealSkillset, MatchWeights, SkillRequirement};
use crate::domain::{CrisisSignal, Currency, DayRate, OrganizationId, SkillKey};
use crate::matching::taxonomy::{Taxonomy, TaxonomySkill};

const LANGUAGES: [&str; 6] = ["en", "nl", "de", "fr", "es", "it"];
const INDUSTRIES: [&str; 10] =
    ["retail", "banking", "insurance", "telecom", "hospitality", "healthcare", "logistics", "energy", "media", "saas"];
const PLACES: [(&str, &[&str]); 5] = [
    ("NL", &["Amsterdam", "Rotterdam", "Utrecht"]),
    ("DE", &["Berlin", "Munich"]),
    ("GB", &["London", "Manchester"]),
    ("FR", &["Paris"]),
    ("BE", &["Brussels", "Antwerp"]),
];
const CURRENCIES: [&str; 4] = ["EUR", "EUR", "GBP", "USD"];
const DEGREES: [&str; 6] = ["MBA", "MSc", "BSc", "BA", "PhD", "MA"];
const FIELDS: [&str; 6] = ["Business", "Marketing", "Psychology", "Finance", "Economics", "Engineering"];
const TRAININGS: [&str; 6] =
    ["CCXP", "Lean Six Sigma", "Prince2", "Design Thinking", "Customer Journey Mapping", "Change Management"];
const WANTED_RECORDS: [&str; 6] = [
    "Degree in business or marketing",
    "MBA",
    "Psychology degree",
    "Customer experience certification (CCXP)",
    "Lean or Six Sigma training",
    "Finance background",
];

/// A seeded source of synthetic data.
pub struct Synthetic {
    rng: StdRng,
    /// The date needs start around.
    pub today: NaiveDate,
    /// How many different skills are drawn from (at most the taxonomy's).
    skills: usize,
    /// The skills drawn from instead of the shipped ones ([`Synthetic::esco_sized`]).
    vocabulary: Vec<SkillKey>,
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).unwrap_or(&items[0])
}

fn date(today: NaiveDate, offset: i64) -> NaiveDate {
    if offset >= 0 { today + Days::new(offset as u64) } else { today - Days::new(offset.unsigned_abs()) }
}

impl Synthetic {
    pub fn new(seed: u64) -> Self {
        Synthetic {
            rng: StdRng::seed_from_u64(seed),
            today: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default(),
            skills: SKILLS.len(),
            vocabulary: Vec::new(),
        }
    }

    /// A taxonomy the size of ESCO's skills pillar: `skills` skills, each but the first few under one or two
    /// broader skills (a DAG over groups of about a dozen, three levels deep), some related to another, most
    /// with a synonym; candidates and skillsets drawn after this hold and ask for its skills.
    pub fn esco_sized(&mut self, skills: usize) -> Vec<TaxonomySkill> {
        let key =
            |i: usize| SkillKey::parse(&format!("esco-skill-{i}")).unwrap_or_else(|_| unreachable!("a valid key"));
        let mut out = Vec::with_capacity(skills);
        for i in 0..skills {
            let mut broader = Vec::new();
            if i >= 12 {
                broader.push(key(i / 12));
                if self.rng.random_bool(0.3) {
                    let other = key(self.rng.random_range(0..i / 2));
                    if !broader.contains(&other) {
                        broader.push(other);
                    }
                }
            }
            let related =
                if self.rng.random_bool(0.6) { vec![key(self.rng.random_range(0..skills))] } else { Vec::new() };
            let alt_labels = if self.rng.random_bool(0.7) { vec![format!("practice {i}")] } else { Vec::new() };
            out.push(TaxonomySkill { key: key(i), label: format!("Skill {i}"), alt_labels, broader, related });
        }
        self.vocabulary = (0..skills).map(key).collect();
        self.skills = skills;
        out
    }

    /// Draws from fewer skills, so small samples share more of them (ties, must-haves met).
    pub fn with_skills(mut self, skills: usize) -> Self {
        self.skills = skills.clamp(1, SKILLS.len());
        self
    }

    fn skill(&mut self) -> SkillKey {
        let i = self.rng.random_range(0..self.skills);
        if let Some(key) = self.vocabulary.get(i) {
            return key.clone();
        }
        SkillKey::parse(SKILLS[i].key).unwrap_or_else(|_| unreachable!("shipped skill keys are valid"))
    }

    fn level(&mut self) -> SkillLevel {
        SkillLevel::parse(self.rng.random_range(1..=5)).unwrap_or_else(|_| unreachable!("1-5 is a level"))
    }

    fn rate(&mut self, low: i64, high: i64) -> DayRate {
        let currency = *pick(&mut self.rng, &CURRENCIES);
        DayRate {
            amount: self.rng.random_range(low..=high) / 50 * 50,
            currency: Currency::parse(currency).unwrap_or_else(|_| unreachable!("known currency")),
        }
    }

    fn place(&mut self) -> Location {
        let (country, cities) = *pick(&mut self.rng, &PLACES);
        let city = self.rng.random_bool(0.8).then(|| pick(&mut self.rng, cities).to_string());
        Location { city, country: country.into() }
    }

    fn signals(&mut self, p: f64) -> Vec<CrisisSignal> {
        CrisisSignal::ALL.iter().copied().filter(|_| self.rng.random_bool(p)).collect()
    }

    /// Exchange rates between the currencies drawn from, dated around [`Synthetic::today`]: GBP/EUR always (now
    /// and then a newer rate from a later day, or the pair stored the other way round), a USD pair half the
    /// time, so that some day rates cannot be converted.
    pub fn rates(&mut self) -> ExchangeRates {
        let currency = |code: &str| Currency::parse(code).unwrap_or_else(|_| unreachable!("known currency"));
        let (eur, gbp, usd) = (currency("EUR"), currency("GBP"), currency("USD"));
        let mut rates = Vec::new();
        let mut add = |rng: &mut StdRng, base, quote, low: f64, high: f64, from: NaiveDate| {
            // Rates as people enter them: four decimals.
            let rate = (rng.random_range(low..high) * 10_000.0).round() / 10_000.0;
            if let Ok(r) = ExchangeRate::new(base, quote, rate, from) {
                rates.push(r);
            }
        };
        let long_ago = date(self.today, -400);
        if self.rng.random_bool(0.8) {
            add(&mut self.rng, gbp, eur, 1.1, 1.25, long_ago);
        } else {
            add(&mut self.rng, eur, gbp, 0.8, 0.9, long_ago);
        }
        if self.rng.random_bool(0.5) {
            let later = date(self.today, self.rng.random_range(0..=60));
            add(&mut self.rng, gbp, eur, 1.1, 1.25, later);
        }
        if self.rng.random_bool(0.5) {
            add(&mut self.rng, eur, usd, 1.0, 1.2, long_ago);
        }
        ExchangeRates::new(rates, 1)
    }

    /// A taxonomy over the skills drawn from: random broader skills (a DAG: only earlier skills are broader),
    /// related skills, and now and then another skill's label as a synonym.
    #[allow(clippy::needless_range_loop)] // `i` also orders the DAG: only earlier skills are broader.
    pub fn taxonomy(&mut self) -> Taxonomy {
        let key =
            |i: usize| SkillKey::parse(SKILLS[i].key).unwrap_or_else(|_| unreachable!("shipped skill keys are valid"));
        let mut skills = Vec::with_capacity(self.skills);
        for i in 0..self.skills {
            let mut broader = Vec::new();
            let mut related = Vec::new();
            if i > 0 {
                for _ in 0..self.rng.random_range(0..=2) {
                    let parent = key(self.rng.random_range(0..i));
                    if !broader.contains(&parent) {
                        broader.push(parent);
                    }
                }
            }
            if self.rng.random_bool(0.2) {
                let other = self.rng.random_range(0..self.skills);
                if other != i {
                    related.push(key(other));
                }
            }
            let alt_labels = if self.rng.random_bool(0.1) {
                vec![SKILLS[self.rng.random_range(0..self.skills)].name.to_owned()]
            } else {
                Vec::new()
            };
            skills.push(TaxonomySkill { key: key(i), label: SKILLS[i].name.to_owned(), alt_labels, broader, related });
        }
        Taxonomy::new(skills)
    }

    pub fn candidate(&mut self) -> Candidate {
        let mut skills: Vec<CandidateSkill> = Vec::new();
        for _ in 0..self.rng.random_range(3..=12) {
            let (skill, level, years) = (self.skill(), self.level(), self.rng.random_range(0..=25));
            if !skills.iter().any(|s| s.skill == skill) {
                // Now and then a skill last used some years before the needs start.
                let last_used = self.rng.random_bool(0.2).then(|| self.today.year() - self.rng.random_range(0..=9));
                skills.push(CandidateSkill { skill, level, years, last_used });
            }
        }
        let rng = &mut self.rng;
        let mut languages: Vec<LanguageSkill> = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            let language = pick(rng, &LANGUAGES).to_string();
            let proficiency = *pick(rng, LanguageProficiency::ALL);
            if !languages.iter().any(|l| l.language == language) {
                languages.push(LanguageSkill { language, proficiency });
            }
        }
        let mut industries: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(0..=3) {
            let industry = pick(rng, &INDUSTRIES).to_string();
            if !industries.contains(&industry) {
                industries.push(industry);
            }
        }
        let background = (0..rng.random_range(0..=2))
            .map(|_| Education {
                degree: pick(rng, &DEGREES).to_string(),
                field: rng.random_bool(0.8).then(|| pick(rng, &FIELDS).to_string()),
                institution: None,
                year: None,
            })
            .collect();
        let training = (0..rng.random_range(0..=2))
            .map(|_| Training { name: pick(rng, &TRAININGS).to_string(), issuer: None, year: None })
            .collect();
        let from = rng.random_bool(0.8).then(|| date(self.today, rng.random_range(-60..=150)));
        let until = rng.random_bool(0.3).then(|| date(from.unwrap_or(self.today), rng.random_range(30..=400)));
        let max_engagement_months = rng.random_bool(0.3).then(|| rng.random_range(3..=12));
        let status = if rng.random_bool(0.85) { CandidateStatus::Active } else { *pick(rng, CandidateStatus::ALL) };
        let remote_preference = *pick(rng, RemotePreference::ALL);
        let willing_to_travel = rng.random_bool(0.5);
        let years_experience = rng.random_range(0..=35);
        let day_rate = self.rng.random_bool(0.9).then(|| self.rate(600, 2600));
        let location = self.rng.random_bool(0.9).then(|| self.place());
        let crisis_experience = self.signals(0.25);
        let commitments = if self.rng.random_bool(0.15) {
            let start = date(self.today, self.rng.random_range(-90..=120));
            vec![Period { start, end: date(start, self.rng.random_range(30..=300)) }]
        } else {
            Vec::new()
        };
        Candidate {
            external_id: None,
            first_name: "Synthetic".into(),
            last_name: "Candidate".into(),
            email: "synthetic@example.com".into(),
            phone: None,
            headline: None,
            summary: None,
            location,
            remote_preference,
            willing_to_travel,
            languages,
            day_rate,
            availability: Availability { available_from: from, available_until: until, max_engagement_months },
            years_experience,
            executive_roles: Vec::new(),
            industries,
            crisis_experience,
            skills,
            background,
            training,
            status,
            consent: Consent::default(),
            commitments,
            tags: Vec::new(),
            external_ids: Default::default(),
            custom_fields: Default::default(),
        }
    }

    pub fn skillset(&mut self) -> IdealSkillset {
        let mut required_skills: Vec<SkillRequirement> = Vec::new();
        let mut preferred_skills: Vec<SkillRequirement> = Vec::new();
        for i in 0..self.rng.random_range(0..=6) {
            let skill = self.skill();
            if required_skills.iter().chain(&preferred_skills).any(|r| r.skill == skill) {
                continue;
            }
            let requirement = SkillRequirement {
                skill,
                min_level: SkillLevel::parse(self.rng.random_range(1..=4)).unwrap_or_else(|_| unreachable!()),
                weight: self.rng.random_range(1..=10),
                must_have: i == 0 && self.rng.random_bool(0.5),
            };
            if i < 4 { required_skills.push(requirement) } else { preferred_skills.push(requirement) }
        }
        let rng = &mut self.rng;
        let industries = INDUSTRIES.iter().filter(|_| rng.random_bool(0.15)).map(|s| s.to_string()).collect();
        let background = WANTED_RECORDS[..3].iter().filter(|_| rng.random_bool(0.3)).map(|s| s.to_string()).collect();
        let training = WANTED_RECORDS[3..].iter().filter(|_| rng.random_bool(0.3)).map(|s| s.to_string()).collect();
        let languages = LANGUAGES[..3].iter().filter(|_| rng.random_bool(0.3)).map(|s| s.to_string()).collect();
        let weights = rng.random_bool(0.3).then(|| MatchWeights {
            skills: rng.random_range(0..=60) as f64,
            crisis_experience: rng.random_range(0..=30) as f64,
            rate: rng.random_range(0..=20) as f64,
            ..MatchWeights::default()
        });
        let credits = rng.random_bool(0.3).then(|| Credits {
            synonym: rng.random_range(0..=10) as f64 / 10.0,
            narrower: rng.random_range(0..=10) as f64 / 10.0,
            broader: rng.random_range(0..=10) as f64 / 10.0,
            sibling: rng.random_range(0..=10) as f64 / 10.0,
            related: rng.random_range(0..=10) as f64 / 10.0,
        });
        let (must_have_exact, match_without_required_skills) = (rng.random_bool(0.2), rng.random_bool(0.2));
        IdealSkillset {
            organization_id: None,
            name: "Synthetic profile".into(),
            role_title: None,
            description: None,
            required_skills,
            preferred_skills,
            min_years_experience: rng.random_range(0..=15),
            industries,
            background,
            training,
            languages,
            crisis_experience: self.signals(0.2),
            weights,
            credits,
            must_have_exact,
            match_without_required_skills,
        }
    }

    pub fn need(&mut self) -> Need {
        let start_by = self.rng.random_bool(0.9).then(|| date(self.today, self.rng.random_range(0..=90)));
        let duration_months = self.rng.random_bool(0.8).then(|| self.rng.random_range(3..=12));
        let day_rate_budget = self.rng.random_bool(0.8).then(|| self.rate(900, 2200));
        let location = self.rng.random_bool(0.8).then(|| self.place());
        let remote_policy = *pick(&mut self.rng, RemotePolicy::ALL);
        Need {
            external_id: None,
            organization_id: OrganizationId::generate(),
            title: "Synthetic need".into(),
            reason: NeedReason::Crisis,
            crisis_signals: self.signals(0.2),
            skillset_id: None,
            start_by,
            duration_months,
            day_rate_budget,
            location,
            remote_policy,
            urgency: Urgency::High,
            status: NeedStatus::Open,
            charter: Charter::default(),
            tags: Vec::new(),
            external_ids: Default::default(),
            custom_fields: Default::default(),
        }
    }
}
