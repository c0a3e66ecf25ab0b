//! Ideal skillsets: the charter's "ideal skillsets (background, experience,
//! and training)" as a profile that needs point to and matching scores against.

use super::skill::SkillLevel;
use super::validation::{Invalid, in_range};
use super::{CrisisSignal, OrganizationId, SkillKey};

pub const MAX_REQUIREMENTS: usize = 40;

text_enum! {
    /// Who a skillset belongs to.
    pub enum SkillsetScope {
        /// A global template shared by every organization.
        Global = "global",
        /// A profile owned by one organization.
        Organization = "organization",
    }
}

/// A skill the profile asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillRequirement {
    pub skill: SkillKey,
    pub min_level: SkillLevel,
    /// Relative importance among the profile's skills, 1 to 10.
    pub weight: i32,
    /// A candidate without this skill at `min_level` is not a match at all.
    pub must_have: bool,
}

impl SkillRequirement {
    pub const DEFAULT_WEIGHT: i32 = 5;

    pub fn weight(value: i64) -> Result<i32, Invalid> {
        in_range(value, 1, 10).map(|w| w as i32)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IdealSkillset {
    /// `None` for a global template shared by every organization.
    pub organization_id: Option<OrganizationId>,
    pub name: String,
    pub role_title: Option<String>,
    pub description: Option<String>,
    pub required_skills: Vec<SkillRequirement>,
    pub preferred_skills: Vec<SkillRequirement>,
    pub min_years_experience: i32,
    pub industries: Vec<String>,
    pub background: Vec<String>,
    pub training: Vec<String>,
    /// ISO 639-1 codes the interim must speak.
    pub languages: Vec<String>,
    pub crisis_experience: Vec<CrisisSignal>,
}

impl IdealSkillset {
    /// Every skill the profile names, required first.
    pub fn requirements(&self) -> impl Iterator<Item = (&SkillRequirement, bool)> {
        self.required_skills.iter().map(|r| (r, true)).chain(self.preferred_skills.iter().map(|r| (r, false)))
    }
}
