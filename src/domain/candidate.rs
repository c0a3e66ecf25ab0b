//! Interim executives: who they are, what they can do, when and where, at
//! which day rate.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::assignment::Period;
use super::codes::Location;
use super::skill::SkillLevel;
use super::{CrisisSignal, DayRate, SkillKey};

/// Limits on a profile's lists, so a single record stays reasonable.
pub const MAX_SKILLS: usize = 60;
pub const MAX_LABELS: usize = 30;

text_enum! {
    /// Where a candidate is in their relationship with the practice.
    pub enum CandidateStatus {
        /// On the bench and can be matched.
        Active = "active",
        /// Currently on an assignment.
        Placed = "placed",
        /// Not looking for assignments.
        Inactive = "inactive",
    }
}

text_enum! {
    /// How a candidate is willing to work.
    pub enum RemotePreference {
        /// On site only.
        Onsite = "onsite",
        Hybrid = "hybrid",
        /// Remote only.
        Remote = "remote",
        /// Any arrangement.
        Flexible = "flexible",
    }
}

text_enum! {
    /// How well a candidate speaks a language.
    pub enum LanguageProficiency {
        Basic = "basic",
        Professional = "professional",
        Fluent = "fluent",
        Native = "native",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateSkill {
    pub skill: SkillKey,
    pub level: SkillLevel,
    pub years: i32,
    /// The year the candidate last used the skill; `None`: in use now, or not said.
    pub last_used: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageSkill {
    /// ISO 639-1.
    pub language: String,
    pub proficiency: LanguageProficiency,
}

/// A degree or other education: the "background" of the ideal skillset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Education {
    pub degree: String,
    pub field: Option<String>,
    pub institution: Option<String>,
    pub year: Option<i32>,
}

/// A certification or programme: the "training" of the ideal skillset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Training {
    pub name: String,
    pub issuer: Option<String>,
    pub year: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability {
    pub available_from: Option<NaiveDate>,
    /// The latest date an assignment may run to.
    pub available_until: Option<NaiveDate>,
    pub max_engagement_months: Option<i32>,
}

impl Availability {
    /// Whether the candidate can start on `date`.
    pub fn available_on(&self, date: NaiveDate) -> bool {
        self.available_from.is_none_or(|from| from <= date) && self.available_until.is_none_or(|until| until >= date)
    }
}

/// Consent to hold the candidate's data, and until when it may be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consent {
    pub given: bool,
    pub retention_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The id of this candidate in the client's own system.
    pub external_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub location: Option<Location>,
    pub remote_preference: RemotePreference,
    pub willing_to_travel: bool,
    pub languages: Vec<LanguageSkill>,
    pub day_rate: Option<DayRate>,
    pub availability: Availability,
    pub years_experience: i32,
    pub executive_roles: Vec<String>,
    pub industries: Vec<String>,
    pub crisis_experience: Vec<CrisisSignal>,
    pub skills: Vec<CandidateSkill>,
    pub background: Vec<Education>,
    pub training: Vec<Training>,
    pub status: CandidateStatus,
    pub consent: Consent,
    /// The periods of the interim assignments the candidate holds (proposed, active or extended). Kept by the
    /// service from the assignments; never written through the candidate.
    pub commitments: Vec<Period>,
    /// The practice's labels, lowercase and sorted (see `domain::tag`).
    pub tags: Vec<String>,
    /// The candidate's ids in other systems, by source (see `domain::external`).
    pub external_ids: super::external::ExternalIds,
    /// The values of the practice's custom fields (see `domain::custom_field`).
    pub custom_fields: super::custom_field::CustomValues,
}

impl Candidate {
    /// Whether `self` holds what `stored` holds, whatever order its lists
    /// came in (the store gives skills back by level then key, industries and
    /// languages by name) and leaving out the assignments it holds, which no
    /// input sets.
    pub fn same_as(&self, stored: &Candidate) -> bool {
        fn ordered(c: &Candidate) -> Candidate {
            let mut c = c.clone();
            c.skills.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.skill.cmp(&b.skill)));
            c.industries.sort();
            c.languages.sort_by(|a, b| a.language.cmp(&b.language));
            c.commitments.clear();
            c
        }
        ordered(self) == ordered(stored)
    }
}

/// Which candidates a list asks for; every field set must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CandidateFilter {
    /// A full-text search (see `domain::search`), never empty.
    pub q: Option<String>,
    pub status: Option<CandidateStatus>,
    /// Holds this skill at `min_level` (default 1) or higher.
    pub skill: Option<SkillKey>,
    pub min_level: Option<i32>,
    /// Lowercase, as industries are kept.
    pub industry: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    /// Available on this date.
    pub available_by: Option<NaiveDate>,
    pub updated_since: Option<NaiveDateTime>,
    /// Carries every one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Has this id in this source system.
    #[serde(default)]
    pub external_ref: Option<(String, String)>,
    /// Has this (sourceless) external id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Holds this value (as the value rows keep it) of this custom field.
    #[serde(default)]
    pub custom_field: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_window() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let window = Availability {
            available_from: Some(d("2027-01-01")),
            available_until: Some(d("2027-06-30")),
            max_engagement_months: None,
        };
        assert!(!window.available_on(d("2026-12-31")));
        assert!(window.available_on(d("2027-01-01")));
        assert!(window.available_on(d("2027-06-30")));
        assert!(!window.available_on(d("2027-07-01")));
        assert!(Availability::default().available_on(d("2030-01-01")));
    }
}
