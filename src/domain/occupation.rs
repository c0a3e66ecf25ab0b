//! Occupations of a taxonomy (ESCO): what a role is called and which skills
//! it needs, essentially or optionally. A skillset can be made from one.

use super::SkillKey;

text_enum! {
    /// How much an occupation needs a skill (ESCO's `relationType`).
    pub enum SkillNeed {
        Essential = "essential",
        Optional = "optional",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Occupation {
    /// Slug made from the preferred label at import.
    pub key: SkillKey,
    pub uri: String,
    pub name: String,
    pub alt_labels: Vec<String>,
    /// ISCO-08 unit group (`2421`).
    pub isco_group: Option<String>,
    /// ESCO's code (`2421.1`).
    pub code: Option<String>,
    pub description: Option<String>,
    pub taxonomy: Option<String>,
    pub taxonomy_version: Option<String>,
}

/// A skill an occupation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationSkill {
    pub skill: SkillKey,
    pub name: String,
    pub uri: Option<String>,
    pub need: SkillNeed,
}
