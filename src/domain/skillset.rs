//! Ideal skillsets: the charter's "ideal skillsets (background, experience,
//! and training)" as a profile that needs point to and matching scores against.

use super::skill::{Relation, SkillLevel};
use super::validation::{Invalid, in_range};
use super::{CrisisSignal, OrganizationId, SkillKey};

pub const MAX_REQUIREMENTS: usize = 40;

/// How much each matching criterion counts, before normalisation over the
/// criteria that apply to a need. The defaults sum to 100; a weight left out
/// takes its default.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MatchWeights {
    #[schema(minimum = 0, maximum = 100)]
    pub skills: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub experience: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub industries: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub crisis_experience: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub background_and_training: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub languages: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub rate: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub availability: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub location: f64,
}

impl Default for MatchWeights {
    fn default() -> Self {
        MatchWeights {
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

impl MatchWeights {
    pub const MAX: f64 = 100.0;

    pub fn in_order(&self) -> [f64; 9] {
        [
            self.skills,
            self.experience,
            self.industries,
            self.crisis_experience,
            self.background_and_training,
            self.languages,
            self.rate,
            self.availability,
            self.location,
        ]
    }

    /// Each weight 0 to 100, and at least one above 0.
    pub fn check(&self) -> Result<(), Invalid> {
        let all = self.in_order();
        if all.iter().any(|w| !w.is_finite() || *w < 0.0 || *w > Self::MAX) {
            return Err(Invalid::new("out_of_range", "each weight must be between 0 and 100"));
        }
        if all.iter().all(|w| *w == 0.0) {
            return Err(Invalid::new("all_zero", "at least one weight must be above 0"));
        }
        Ok(())
    }
}

/// The credit each relation earns, 0-1. Exact is always 1.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Credits {
    #[schema(minimum = 0, maximum = 1, example = 1.0)]
    pub synonym: f64,
    #[schema(minimum = 0, maximum = 1, example = 0.9)]
    pub narrower: f64,
    #[schema(minimum = 0, maximum = 1, example = 0.6)]
    pub broader: f64,
    #[schema(minimum = 0, maximum = 1, example = 0.5)]
    pub sibling: f64,
    #[schema(minimum = 0, maximum = 1, example = 0.5)]
    pub related: f64,
}

impl Default for Credits {
    fn default() -> Self {
        Credits { synonym: 1.0, narrower: 0.9, broader: 0.6, sibling: 0.5, related: 0.5 }
    }
}

impl Credits {
    /// Only the skill itself earns credit.
    pub const EXACT_ONLY: Credits = Credits { synonym: 0.0, narrower: 0.0, broader: 0.0, sibling: 0.0, related: 0.0 };

    pub fn of(&self, relation: Relation) -> f64 {
        match relation {
            Relation::Exact => 1.0,
            Relation::Synonym => self.synonym,
            Relation::Narrower => self.narrower,
            Relation::Broader => self.broader,
            Relation::Sibling => self.sibling,
            Relation::Related => self.related,
        }
    }

    /// Each credit within 0 to 1.
    pub fn check(&self) -> Result<(), Invalid> {
        let all = [self.synonym, self.narrower, self.broader, self.sibling, self.related];
        if all.iter().any(|c| !c.is_finite() || !(0.0..=1.0).contains(c)) {
            return Err(Invalid::new("out_of_range", "each credit must be between 0 and 1"));
        }
        Ok(())
    }
}

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
    /// The matching weights; `None` uses the documented defaults.
    pub weights: Option<MatchWeights>,
    /// The credit a related skill earns for a wanted one; `None` uses the documented defaults.
    pub credits: Option<Credits>,
    /// Must-haves are met only by the skill itself, not by a synonym or a narrower skill.
    pub must_have_exact: bool,
    /// A candidate holding none of the required skills (nor a skill credited for one) can still be a match.
    pub match_without_required_skills: bool,
}

impl IdealSkillset {
    /// The credits in force: the skillset's own, or the defaults.
    pub fn credits(&self) -> Credits {
        self.credits.unwrap_or_default()
    }

    /// Whether a held skill related to a must-have by `relation` meets it (at the level asked for).
    pub fn meets_must_have(&self, relation: Relation) -> bool {
        match relation {
            Relation::Exact => true,
            Relation::Synonym | Relation::Narrower => !self.must_have_exact,
            Relation::Broader | Relation::Sibling | Relation::Related => false,
        }
    }

    /// Every skill the profile names, required first.
    pub fn requirements(&self) -> impl Iterator<Item = (&SkillRequirement, bool)> {
        self.required_skills.iter().map(|r| (r, true)).chain(self.preferred_skills.iter().map(|r| (r, false)))
    }
}
