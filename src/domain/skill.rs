//! The skill taxonomy: skills are named by a short slug (the key) and, when
//! they come from a taxonomy such as ESCO or O*NET, by that taxonomy's stable
//! URI too; they carry synonyms, a type, broader and related skills.

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

text_enum! {
    /// ESCO's `skillType`: `skill/competence` or `knowledge`.
    pub enum SkillType {
        SkillCompetence = "skill_competence",
        Knowledge = "knowledge",
    }
}

impl SkillType {
    /// ESCO's spelling (`skill/competence`, `knowledge`), or ours.
    pub fn from_esco(value: &str) -> Result<Self, Invalid> {
        match value.trim() {
            "skill/competence" => Ok(SkillType::SkillCompetence),
            other => other.parse(),
        }
    }
}

text_enum! {
    /// ESCO's `reuseLevel`: how widely a skill applies.
    pub enum ReuseLevel {
        Transversal = "transversal",
        CrossSector = "cross_sector",
        SectorSpecific = "sector_specific",
        OccupationSpecific = "occupation_specific",
    }
}

impl ReuseLevel {
    /// ESCO's spelling (`cross-sector`, `sector-specific`, …), or ours.
    pub fn from_esco(value: &str) -> Result<Self, Invalid> {
        value.trim().replace('-', "_").parse()
    }
}

/// Synonyms a skill carries at most.
pub const MAX_ALT_LABELS: usize = 100;
/// Broader or related skills a skill names at most (each list).
pub const MAX_RELATIONS: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    pub key: SkillKey,
    /// The preferred label.
    pub name: String,
    /// The practice's own family; imported skills (ESCO has no such thing) have none.
    pub category: Option<SkillCategory>,
    pub description: Option<String>,
    /// The taxonomy's stable identifier (ESCO's conceptUri, an O*NET element id, or the practice's own).
    pub uri: Option<String>,
    /// Synonyms, in order.
    pub alt_labels: Vec<String>,
    pub skill_type: Option<SkillType>,
    pub reuse_level: Option<ReuseLevel>,
    /// Parents (several: ESCO is a graph, not a tree).
    pub broader: Vec<SkillKey>,
    pub related: Vec<SkillKey>,
    /// Where the skill came from (`esco`, `onet`, …) and which release.
    pub taxonomy: Option<String>,
    pub taxonomy_version: Option<String>,
}

impl Skill {
    /// A skill with only a key, a name and optionally a category.
    pub fn named(key: SkillKey, name: String, category: Option<SkillCategory>) -> Skill {
        Skill {
            key,
            name,
            category,
            description: None,
            uri: None,
            alt_labels: Vec::new(),
            skill_type: None,
            reuse_level: None,
            broader: Vec::new(),
            related: Vec::new(),
            taxonomy: None,
            taxonomy_version: None,
        }
    }
}

/// The key a label suggests: `Enterprise risk management` → `enterprise-risk-management`,
/// at most 60 characters, cut at a word; `skill` when nothing is left.
pub fn key_from_label(label: &str) -> String {
    let mut key = String::new();
    for word in crate::matching::taxonomy::normalise(label).split(' ') {
        let word: String = word
            .chars()
            .filter_map(|c| {
                let c = ascii_of(c)?;
                c.is_ascii_alphanumeric().then_some(c)
            })
            .collect();
        if word.is_empty() {
            continue;
        }
        let extra = if key.is_empty() { word.len() } else { word.len() + 1 };
        if key.len() + extra > 56 {
            if key.is_empty() {
                key = word[..56].to_owned();
            }
            break;
        }
        if !key.is_empty() {
            key.push('-');
        }
        key.push_str(&word);
    }
    if key.is_empty() { "skill".to_owned() } else { key }
}

/// A letter's plain ASCII form where it has an obvious one (é → e), else none.
fn ascii_of(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        _ => return None,
    };
    Some(plain)
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

/// A skill named in an input, after its URI (if it was one) became its key:
/// a key, or — for a URI no skill has — the error every unknown skill gets.
pub fn reference(value: &str) -> Result<SkillKey, Invalid> {
    SkillKey::parse(value).map_err(|invalid| {
        if value.contains(':') || value.contains('/') {
            Invalid::new("unknown_skill", "no skill of the taxonomy has this URI (see /api/v1/skills)")
        } else {
            invalid
        }
    })
}

/// A taxonomy URI: 1 to 500 characters, no spaces or control characters (C0 and C1, as the spec states).
pub fn uri(value: &str) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 500 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::new("invalid_format", "must be 1 to 500 characters without spaces"));
    }
    Ok(v.to_owned())
}

/// Years of practice of a skill or of executive work.
pub fn years(value: i64) -> Result<i32, Invalid> {
    in_range(value, 0, 60).map(|y| y as i32)
}

/// The earliest year a skill can have been last used in.
pub const FIRST_YEAR_USED: i64 = 1950;

/// The year a skill was last used: from [`FIRST_YEAR_USED`] to 9999 (a schema cannot say "this year"; a year
/// after an assignment's start counts as in use).
pub fn last_used(value: i64) -> Result<i32, Invalid> {
    in_range(value, FIRST_YEAR_USED, 9999).map(|y| y as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_labels() {
        assert_eq!(key_from_label("Enterprise risk management"), "enterprise-risk-management");
        assert_eq!(key_from_label("  C++ / Délégation  "), "c-delegation");
        assert_eq!(key_from_label("€€"), "skill");
        let long = key_from_label(&"word ".repeat(30));
        assert!(long.len() <= 56 && SkillKey::parse(&long).is_ok(), "{long}");
        assert!(SkillKey::parse(&key_from_label(&"x".repeat(90))).is_ok());
        assert_eq!(SkillType::from_esco("skill/competence").unwrap(), SkillType::SkillCompetence);
        assert_eq!(ReuseLevel::from_esco("sector-specific").unwrap(), ReuseLevel::SectorSpecific);
    }

    #[test]
    fn levels_are_one_to_five() {
        assert!(SkillLevel::parse(0).is_err());
        assert_eq!(SkillLevel::parse(5).unwrap().get(), 5);
        assert!(SkillLevel::parse(6).is_err());
    }
}
