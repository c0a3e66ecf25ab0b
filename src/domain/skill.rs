//! The skill taxonomy: skills are named by a slug and grouped by category.

use super::SkillKey;
use super::validation::{Invalid, in_range};

text_enum! {
    /// Broad family of a skill.
    pub enum SkillCategory {
        CustomerExperience = "customer_experience",
        Leadership = "leadership",
        People = "people",
        Commercial = "commercial",
        Operations = "operations",
        Finance = "finance",
        Technology = "technology",
        Governance = "governance",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    pub key: SkillKey,
    pub name: String,
    pub category: SkillCategory,
    pub description: Option<String>,
}

/// How a held skill relates to the skill a need asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The skill itself.
    Exact,
    /// Another skill carrying one of its labels (preferred or alternative).
    Synonym,
    /// More specific: the required skill is among its broader skills (up to three steps).
    Narrower,
    /// More general: among the required skill's broader skills.
    Broader,
    /// Shares a broader skill with it.
    Sibling,
    /// Named related to it (either way).
    Related,
}

impl Relation {
    pub const ALL: [Relation; 6] = [
        Relation::Exact,
        Relation::Synonym,
        Relation::Narrower,
        Relation::Broader,
        Relation::Sibling,
        Relation::Related,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Exact => "exact",
            Relation::Synonym => "synonym",
            Relation::Narrower => "narrower",
            Relation::Broader => "broader",
            Relation::Sibling => "sibling",
            Relation::Related => "related",
        }
    }
}

/// Proficiency from 1 (aware) to 5 (expert, has led others in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkillLevel(u8);

impl SkillLevel {
    pub fn parse(level: i64) -> Result<Self, Invalid> {
        in_range(level, 1, 5).map(|l| Self(l as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// Years of practice of a skill or of executive work.
pub fn years(value: i64) -> Result<i32, Invalid> {
    in_range(value, 0, 60).map(|y| y as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_one_to_five() {
        assert!(SkillLevel::parse(0).is_err());
        assert_eq!(SkillLevel::parse(5).unwrap().get(), 5);
        assert!(SkillLevel::parse(6).is_err());
    }
}
