//! `interim-tracker demo-data`: a realistic data set to explore the API with.
//! Organizations in the situations the seed texts describe, their needs, an
//! organization-owned skillset, and about 200 candidates. Deterministic, so
//! two runs on empty databases load the same data.

use chrono::{Days, NaiveDate};

use crate::db::{self, Database, DbConnection};
use crate::domain::candidate::{
    Availability, Candidate, CandidateSkill, CandidateStatus, Consent, Education, LanguageProficiency, LanguageSkill,
    RemotePreference, Training,
};
use crate::domain::codes::Location;
use crate::domain::need::{Charter, Need, NeedReason, NeedStatus, RemotePolicy, SuccessCriterion, Urgency};
use crate::domain::organization::{Organization, OrganizationSize};
use crate::domain::skill::SkillLevel;
use crate::domain::skillset::{IdealSkillset, SkillRequirement};
use crate::domain::{CrisisSignal, Currency, DayRate, NeedId, OrganizationId, SkillKey, SkillsetId, catalog};
use crate::error::{AppError, AppResult};

const CANDIDATES: usize = 200;

/// Loads the demo set unless it is there already; returns a summary that
/// names a need and the calls that show its matches.
pub fn load(db: &Database) -> anyhow::Result<String> {
    let summary = db.write_blocking(|conn| {
        if db::organizations::exists_named(conn, "Northwind Retail")? {
            let mut summary = "The demo data is loaded already.".to_owned();
            if let Some(need) = first_need(conn)? {
                summary.push_str(&next_steps(need));
            }
            return Ok(summary);
        }
        let (needs, first) = load_organizations_and_needs(conn)?;
        let candidates = load_candidates(conn)?;
        Ok(format!(
            "Loaded the demo data: 5 organizations, {needs} needs, {candidates} candidates.{}",
            next_steps(first)
        ))
    });
    summary.map_err(|e| anyhow::anyhow!("loading the demo data: {e}"))
}

/// The title of the demo's first need, Northwind Retail's, in crisis.
const FIRST_NEED_TITLE: &str = "Interim Chief Experience Officer";

/// The demo's first need when it is still there: the first need ever opened with its title and reason.
fn first_need(conn: &mut DbConnection) -> AppResult<Option<NeedId>> {
    let needs = db::needs::ever_opened(conn, None)?;
    Ok(needs
        .into_iter()
        .find(|n| n.value.0.title == FIRST_NEED_TITLE && n.value.0.reason == NeedReason::Crisis)
        .map(|n| n.id))
}

/// What to run next: the need's matches, then one candidate's explanation.
fn next_steps(need: NeedId) -> String {
    let auth = r#"-H "Authorization: Bearer $TOKEN""#;
    format!(
        "\n\nA need to match: {FIRST_NEED_TITLE} at Northwind Retail (crisis), id {need}.\n\
         Next, with TOKEN set as in the README's quick start (and API if the server is not on BIND_ADDR's default):\n\n  \
         API=${{API:-http://127.0.0.1:8080}} NEED={need}\n  \
         curl -s {auth} \"$API/api/v1/needs/$NEED/matches?limit=5\"\n  \
         CANDIDATE=$(curl -s {auth} \"$API/api/v1/needs/$NEED/matches?limit=1\" |\n    \
         python3 -c 'import json,sys; print(json.load(sys.stdin)[\"items\"][0][\"candidate_id\"])')\n  \
         curl -s {auth} \"$API/api/v1/needs/$NEED/matches/$CANDIDATE\""
    )
}

fn key(k: &str) -> AppResult<SkillKey> {
    SkillKey::parse(k).map_err(|e| AppError::Internal(anyhow::anyhow!("demo skill {k}: {}", e.message)))
}

fn level(l: u8) -> AppResult<SkillLevel> {
    SkillLevel::parse(l.into()).map_err(|e| AppError::Internal(anyhow::anyhow!("demo level: {}", e.message)))
}

fn eur(amount: i64) -> AppResult<DayRate> {
    let currency = Currency::parse("EUR").map_err(|e| AppError::Internal(anyhow::anyhow!(e.message)))?;
    Ok(DayRate { amount, currency })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn criterion(metric: &str, unit: &str, baseline: f64, target: f64) -> SuccessCriterion {
    SuccessCriterion { metric: metric.into(), unit: Some(unit.into()), baseline, target, measured_by: None }
}

fn organization(
    conn: &mut DbConnection,
    name: &str,
    industry: &str,
    size: OrganizationSize,
    country: &str,
) -> AppResult<OrganizationId> {
    let org = Organization {
        name: name.into(),
        industry: Some(industry.into()),
        size: Some(size),
        region: Some("EMEA".into()),
        country: Some(country.into()),
    };
    Ok(db::organizations::insert(conn, &org)?.id)
}

struct NeedSpec<'a> {
    title: &'a str,
    reason: NeedReason,
    signals: &'a [CrisisSignal],
    skillset: Option<SkillsetId>,
    urgency: Urgency,
    budget: i64,
    city: &'a str,
    country: &'a str,
    criteria: Vec<SuccessCriterion>,
    responsibilities: &'a [&'a str],
}

fn need(conn: &mut DbConnection, org: OrganizationId, spec: NeedSpec<'_>) -> AppResult<NeedId> {
    let start_by = demo_today().checked_add_days(Days::new(30)).unwrap_or(demo_today());
    let need = Need {
        external_id: None,
        organization_id: org,
        title: spec.title.into(),
        reason: spec.reason,
        crisis_signals: spec.signals.to_vec(),
        skillset_id: spec.skillset,
        start_by: Some(start_by),
        duration_months: Some(6),
        day_rate_budget: Some(eur(spec.budget)?),
        location: Some(Location { city: Some(spec.city.into()), country: spec.country.into() }),
        remote_policy: RemotePolicy::Hybrid,
        urgency: spec.urgency,
        status: NeedStatus::Open,
        charter: Charter {
            responsibilities: strings(spec.responsibilities),
            in_scope: strings(&["Leading the function day to day", "Helping hire the long-term executive"]),
            out_of_scope: strings(&["Changes to the board's mandate"]),
            success_criteria: spec.criteria,
        },
        tags: Vec::new(),
        external_ids: Default::default(),
        custom_fields: Default::default(),
    };
    Ok(db::needs::insert(conn, &need)?.id)
}

/// Loads the organizations and their needs; answers how many needs, and the first one.
fn load_organizations_and_needs(conn: &mut DbConnection) -> AppResult<(usize, NeedId)> {
    use CrisisSignal::*;
    let cxo = db::skillsets::find_builtin(conn, catalog::CXO_SKILLSET.name)?
        .map(|id| id.parse::<SkillsetId>())
        .transpose()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.message)))?;

    let northwind = organization(conn, "Northwind Retail", "retail", OrganizationSize::Large, "NL")?;
    let first = need(
        conn,
        northwind,
        NeedSpec {
            title: FIRST_NEED_TITLE,
            reason: NeedReason::Crisis,
            signals: &[NegativeCustomerFeedback, OnlineReputationCrisis],
            skillset: cxo,
            urgency: Urgency::Critical,
            budget: 1600,
            city: "Amsterdam",
            country: "NL",
            criteria: vec![
                criterion("Net Promoter Score", "points", -12.0, 20.0),
                criterion("Average review rating", "stars", 2.1, 4.0),
            ],
            responsibilities: &["Own the customer service strategy", "Lead customer care and online reputation"],
        },
    )?;

    let helix = organization(conn, "Helix Software", "software", OrganizationSize::Medium, "DE")?;
    need(
        conn,
        helix,
        NeedSpec {
            title: "Interim Chief Experience Officer",
            reason: NeedReason::NewPosition,
            signals: &[],
            skillset: cxo,
            urgency: Urgency::Normal,
            budget: 1500,
            city: "Berlin",
            country: "DE",
            criteria: vec![criterion("Customer retention", "%", 82.0, 90.0)],
            responsibilities: &["Set up the customer experience team and its charter"],
        },
    )?;

    let meridian = organization(conn, "Meridian Bank", "banking", OrganizationSize::Enterprise, "GB")?;
    let cfo = IdealSkillset {
        organization_id: Some(meridian),
        name: "Interim CFO (regulated banking)".into(),
        role_title: Some("Interim Chief Financial Officer".into()),
        description: Some("Keeps reporting and the regulator on track while the permanent CFO is found.".into()),
        required_skills: vec![
            SkillRequirement { skill: key("financial-management")?, min_level: level(5)?, weight: 10, must_have: true },
            SkillRequirement { skill: key("board-governance")?, min_level: level(4)?, weight: 7, must_have: false },
        ],
        preferred_skills: vec![SkillRequirement {
            skill: key("restructuring")?,
            min_level: level(3)?,
            weight: 4,
            must_have: false,
        }],
        min_years_experience: 12,
        industries: strings(&["banking"]),
        background: strings(&["Chartered accountant"]),
        training: Vec::new(),
        languages: strings(&["en"]),
        crisis_experience: Vec::new(),
        weights: None,
        credits: None,
        must_have_exact: false,
        match_without_required_skills: false,
    };
    let cfo = db::skillsets::insert(conn, &cfo, false)?.id;
    need(
        conn,
        meridian,
        NeedSpec {
            title: "Interim Chief Financial Officer",
            reason: NeedReason::Replacement,
            signals: &[],
            skillset: Some(cfo),
            urgency: Urgency::High,
            budget: 2200,
            city: "London",
            country: "GB",
            criteria: vec![criterion("Days to close the books", "days", 15.0, 8.0)],
            responsibilities: &["Run finance until the permanent CFO starts"],
        },
    )?;

    let alpine = organization(conn, "Alpine Hotels", "hospitality", OrganizationSize::Large, "CH")?;
    need(
        conn,
        alpine,
        NeedSpec {
            title: "Interim Chief People Officer",
            reason: NeedReason::Crisis,
            signals: &[HighEmployeeTurnover, TroubleRecruitingTalent, LowMoraleAndEngagement],
            skillset: None,
            urgency: Urgency::High,
            budget: 1300,
            city: "Zurich",
            country: "CH",
            criteria: vec![
                criterion("Annual staff turnover", "%", 48.0, 25.0),
                criterion("Engagement score", "points", 51.0, 70.0),
            ],
            responsibilities: &["Stabilise the workforce", "Rebuild recruiting"],
        },
    )?;

    let cobalt = organization(conn, "Cobalt Telecom", "telecom", OrganizationSize::Enterprise, "FR")?;
    need(
        conn,
        cobalt,
        NeedSpec {
            title: "Interim Chief Operating Officer",
            reason: NeedReason::Crisis,
            signals: &[SignificantSalesDrop, KpisNotMet, ManagementIssues],
            skillset: None,
            urgency: Urgency::Critical,
            budget: 2000,
            city: "Paris",
            country: "FR",
            criteria: vec![
                criterion("Quarterly revenue", "M EUR", 410.0, 460.0),
                criterion("KPIs on target", "%", 35.0, 80.0),
            ],
            responsibilities: &["Turn operations around", "Restore the management team"],
        },
    )?;
    Ok((5, first))
}

/// The demo's reference date, so the data set does not depend on the clock.
fn demo_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default()
}

/// SplitMix64: a tiny deterministic generator, enough for varied demo data.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Maria", "Tom", "Sofia", "Lukas", "Emma", "Noah", "Julia", "Finn", "Anna", "Liam", "Clara", "Jonas", "Ines",
    "Pierre", "Aisha", "Daniel", "Mei", "Oliver", "Chiara", "Mateo",
];
const LAST: &[&str] = &[
    "Jansen",
    "Berg",
    "Müller",
    "Dubois",
    "Rossi",
    "Smith",
    "Novak",
    "Larsen",
    "García",
    "Okafor",
    "Kowalski",
    "Bakker",
    "Fischer",
    "Moreau",
    "Silva",
    "Nowak",
    "Evans",
    "Lindqvist",
    "Costa",
    "Peeters",
];
const ROLES: &[&str] = &[
    "Chief Experience Officer",
    "Chief Customer Officer",
    "Chief Operating Officer",
    "Chief Financial Officer",
    "Chief People Officer",
    "Chief Commercial Officer",
];
const INDUSTRIES: &[&str] =
    &["retail", "software", "banking", "hospitality", "telecom", "insurance", "e-commerce", "healthcare"];
const PLACES: &[(&str, &str, &str)] = &[
    ("Amsterdam", "NL", "nl"),
    ("Rotterdam", "NL", "nl"),
    ("Berlin", "DE", "de"),
    ("Munich", "DE", "de"),
    ("London", "GB", "en"),
    ("Paris", "FR", "fr"),
    ("Zurich", "CH", "de"),
    ("Milan", "IT", "it"),
    ("Madrid", "ES", "es"),
];

fn load_candidates(conn: &mut DbConnection) -> AppResult<usize> {
    let mut dice = Dice(2027);
    let skills: Vec<SkillKey> = catalog::SKILLS.iter().map(|s| key(s.key)).collect::<AppResult<_>>()?;
    for i in 0..CANDIDATES {
        let first = *dice.pick(FIRST);
        let last = *dice.pick(LAST);
        let role = *dice.pick(ROLES);
        let (city, country, native) = *dice.pick(PLACES);
        let years = 8 + dice.below(22) as i32;
        let mut own_skills: Vec<CandidateSkill> = Vec::new();
        // CXO-minded candidates lean on the roadmap areas.
        let pool: Vec<&SkillKey> = if role.contains("Experience") || role.contains("Customer") {
            skills.iter().take(12).collect()
        } else {
            skills.iter().collect()
        };
        for _ in 0..(4 + dice.below(6)) {
            let skill = (*dice.pick(&pool)).clone();
            if own_skills.iter().all(|s| s.skill != skill) {
                let years_in_skill = (2 + dice.below(years as usize - 1)) as i32;
                own_skills.push(CandidateSkill {
                    skill,
                    level: level(2 + dice.below(4) as u8)?,
                    years: years_in_skill,
                    last_used: None,
                });
            }
        }
        let mut languages = vec![LanguageSkill { language: native.into(), proficiency: LanguageProficiency::Native }];
        if native != "en" {
            languages.push(LanguageSkill { language: "en".into(), proficiency: LanguageProficiency::Fluent });
        }
        let mut industries = vec![dice.pick(INDUSTRIES).to_string()];
        let second = dice.pick(INDUSTRIES).to_string();
        if !industries.contains(&second) {
            industries.push(second);
        }
        let mut crisis: Vec<CrisisSignal> = (0..dice.below(4)).map(|_| *dice.pick(CrisisSignal::ALL)).collect();
        crisis.sort();
        crisis.dedup();
        let from = demo_today().checked_add_days(Days::new(dice.below(120) as u64)).unwrap_or(demo_today());
        let status = match dice.below(10) {
            0 => CandidateStatus::Inactive,
            1 => CandidateStatus::Placed,
            _ => CandidateStatus::Active,
        };
        let candidate = Candidate {
            external_id: Some(format!("demo-{i:04}")),
            first_name: first.into(),
            last_name: last.into(),
            email: format!("{}.{}.{i}@demo.example", ascii(first), ascii(last)),
            phone: None,
            headline: Some(format!("Interim {role} with {years} years of executive experience")),
            summary: None,
            location: Some(Location { city: Some(city.into()), country: country.into() }),
            remote_preference: *dice.pick(RemotePreference::ALL),
            willing_to_travel: dice.below(3) > 0,
            languages,
            day_rate: Some(eur(900 + 50 * dice.below(28) as i64)?),
            availability: Availability {
                available_from: Some(from),
                available_until: from.checked_add_days(Days::new(180 + dice.below(365) as u64)),
                max_engagement_months: Some(6 + dice.below(13) as i32),
            },
            years_experience: years,
            executive_roles: vec![role.into()],
            industries,
            crisis_experience: crisis,
            skills: own_skills,
            background: vec![Education {
                degree: dice.pick(&["MBA", "MSc Business Administration", "MA Psychology", "MSc Finance"]).to_string(),
                field: None,
                institution: None,
                year: Some(1985 + dice.below(25) as i32),
            }],
            training: if dice.below(2) == 0 {
                vec![Training {
                    name: "Certified Customer Experience Professional (CCXP)".into(),
                    issuer: Some("CXPA".into()),
                    year: None,
                }]
            } else {
                Vec::new()
            },
            status,
            consent: Consent { given: true, retention_until: NaiveDate::from_ymd_opt(2030, 12, 31) },
            commitments: Vec::new(),
            tags: Vec::new(),
            external_ids: Default::default(),
            custom_fields: Default::default(),
        };
        db::candidates::insert(conn, &candidate)?;
    }
    Ok(CANDIDATES)
}

/// The ASCII letters of a name, lowercased, for demo e-mail addresses.
fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'ü' => 'u',
            'í' => 'i',
            c => c,
        })
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_lowercase()
}
