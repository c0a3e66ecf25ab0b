//! The skill taxonomy as matching reads it: each skill's labels, its broader
//! skills (several: ESCO is a DAG) and its related skills. Matching credits a
//! held skill against a required one through these relations
//! ([`Taxonomy::credited`]), each relation with its credit, and says which
//! held skill earned it by which path.

use std::collections::{BTreeMap, HashMap};

use crate::domain::SkillKey;
pub use crate::domain::skill::Relation;
pub use crate::domain::skillset::Credits;

/// One skill as matching sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxonomySkill {
    pub key: SkillKey,
    /// The preferred label.
    pub label: String,
    /// Synonyms (ESCO's `altLabels`).
    pub alt_labels: Vec<String>,
    pub broader: Vec<SkillKey>,
    pub related: Vec<SkillKey>,
}

/// The taxonomy, indexed for matching. Empty (every skill only itself) by default.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    skills: HashMap<SkillKey, Node>,
    /// Normalised label (preferred or alternative) → the skills carrying it.
    by_label: HashMap<String, Vec<SkillKey>>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    label: String,
    labels: Vec<String>,
    broader: Vec<SkillKey>,
    narrower: Vec<SkillKey>,
    related: Vec<SkillKey>,
}

/// Lowercase, with runs of anything but letters and digits as one space: how labels are compared.
pub fn normalise(label: &str) -> String {
    label.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

impl Taxonomy {
    pub fn new(skills: impl IntoIterator<Item = TaxonomySkill>) -> Self {
        let mut taxonomy = Taxonomy::default();
        let mut narrower: Vec<(SkillKey, SkillKey)> = Vec::new();
        let mut related: Vec<(SkillKey, SkillKey)> = Vec::new();
        for s in skills {
            let mut labels: Vec<String> = std::iter::once(&s.label)
                .chain(&s.alt_labels)
                .map(|l| normalise(l))
                .filter(|l| !l.is_empty())
                .collect();
            labels.sort();
            labels.dedup();
            for l in &labels {
                taxonomy.by_label.entry(l.clone()).or_default().push(s.key.clone());
            }
            for b in &s.broader {
                narrower.push((b.clone(), s.key.clone()));
            }
            for r in &s.related {
                related.push((r.clone(), s.key.clone()));
            }
            taxonomy.skills.insert(
                s.key.clone(),
                Node { label: s.label, labels, broader: s.broader, narrower: Vec::new(), related: s.related },
            );
        }
        for (broader, child) in narrower {
            if let Some(node) = taxonomy.skills.get_mut(&broader) {
                node.narrower.push(child);
            }
        }
        // Related is symmetric: a skill named related by another is related to it too.
        for (to, from) in related {
            if let Some(node) = taxonomy.skills.get_mut(&to) {
                node.related.push(from);
            }
        }
        for node in taxonomy.skills.values_mut() {
            node.narrower.sort();
            node.narrower.dedup();
            node.related.sort();
            node.related.dedup();
        }
        for keys in taxonomy.by_label.values_mut() {
            keys.sort();
            keys.dedup();
        }
        taxonomy
    }

    /// How many skills it holds.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// The preferred label of a skill it holds.
    pub fn label(&self, key: &SkillKey) -> Option<&str> {
        self.skills.get(key).map(|n| n.label.as_str())
    }

    /// The label to show for a skill: its preferred label, or its key when the taxonomy lacks it.
    pub fn show<'a>(&'a self, key: &'a SkillKey) -> &'a str {
        self.label(key).unwrap_or(key.as_str())
    }

    /// Bytes held, roughly.
    pub fn memory_bytes(&self) -> usize {
        let node = |n: &Node| {
            size_of::<Node>()
                + n.label.len()
                + n.labels.iter().map(|l| l.len() + 24).sum::<usize>()
                + (n.broader.len() + n.narrower.len() + n.related.len()) * 32
        };
        self.skills.iter().map(|(k, n)| k.as_str().len() + 24 + node(n)).sum::<usize>()
            + self.by_label.iter().map(|(l, ks)| l.len() + 24 + ks.len() * 32).sum::<usize>()
    }

    /// Every skill that earns credit for `required` under `credits`, with its relation and path: the skill itself
    /// first, then by relation, then by key. A skill reached by several relations is listed once, by the best
    /// credit. Relations with no credit are left out.
    pub fn credited(&self, required: &SkillKey, credits: &Credits) -> Vec<Credit> {
        let mut found: BTreeMap<SkillKey, Credit> = BTreeMap::new();
        let mut add = |skill: &SkillKey, relation: Relation, via: Option<SkillKey>| {
            let credit = credits.of(relation);
            if credit <= 0.0 {
                return;
            }
            let better = found
                .get(skill)
                .is_none_or(|c| (credit, std::cmp::Reverse(relation)) > (c.credit, std::cmp::Reverse(c.relation)));
            if better {
                found.insert(skill.clone(), Credit { skill: skill.clone(), relation, credit, via });
            }
        };
        add(required, Relation::Exact, None);
        let Some(node) = self.skills.get(required) else {
            return found.into_values().collect();
        };
        for label in &node.labels {
            for other in self.by_label.get(label).into_iter().flatten() {
                if other != required {
                    add(other, Relation::Synonym, None);
                }
            }
        }
        // Narrower: descendants, up to three steps down; the path names the step below the requirement.
        let mut frontier: Vec<(SkillKey, Option<SkillKey>)> = vec![(required.clone(), None)];
        for _ in 0..3 {
            let mut next = Vec::new();
            for (key, via) in &frontier {
                for child in self.skills.get(key).map(|n| n.narrower.as_slice()).unwrap_or_default() {
                    if child != required {
                        let via = via.clone().or_else(|| (key != required).then(|| key.clone()));
                        add(child, Relation::Narrower, via.clone());
                        next.push((child.clone(), via.or_else(|| Some(child.clone()))));
                    }
                }
            }
            frontier = next;
        }
        for parent in &node.broader {
            add(parent, Relation::Broader, None);
            for sibling in self.skills.get(parent).map(|n| n.narrower.as_slice()).unwrap_or_default() {
                if sibling != required {
                    add(sibling, Relation::Sibling, Some(parent.clone()));
                }
            }
        }
        for related in &node.related {
            add(related, Relation::Related, None);
        }
        let mut out: Vec<Credit> = found.into_values().collect();
        out.sort_by(|a, b| a.relation.cmp(&b.relation).then_with(|| a.skill.cmp(&b.skill)));
        out
    }
}

/// One skill that earns credit for a requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Credit {
    pub skill: SkillKey,
    pub relation: Relation,
    /// The share of the skill's score it earns, 0-1.
    pub credit: f64,
    /// For narrower skills more than one step down, the skill below the requirement it descends through; for
    /// siblings, the broader skill they share.
    pub via: Option<SkillKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> SkillKey {
        SkillKey::parse(k).unwrap()
    }

    fn skill(k: &str, label: &str, alt: &[&str], broader: &[&str], related: &[&str]) -> TaxonomySkill {
        TaxonomySkill {
            key: key(k),
            label: label.into(),
            alt_labels: alt.iter().map(|s| s.to_string()).collect(),
            broader: broader.iter().map(|b| key(b)).collect(),
            related: related.iter().map(|b| key(b)).collect(),
        }
    }

    fn taxonomy() -> Taxonomy {
        Taxonomy::new([
            skill("risk-management", "Risk management", &[], &["management"], &[]),
            skill("enterprise-risk-management", "Enterprise risk management", &["ERM"], &["risk-management"], &[]),
            skill("erm-reporting", "ERM reporting", &[], &["enterprise-risk-management"], &[]),
            skill("management", "Management", &[], &[], &[]),
            skill("project-management", "Project management", &[], &["management"], &["risk-management"]),
            skill("financial-management", "Financial management", &[], &[], &[]),
            skill("manage-finances", "manage finances", &["Financial management"], &[], &[]),
        ])
    }

    #[test]
    fn credits_each_relation_once_by_its_best() {
        let t = taxonomy();
        let got: Vec<(String, Relation)> = t
            .credited(&key("risk-management"), &Credits::default())
            .into_iter()
            .map(|c| (c.skill.to_string(), c.relation))
            .collect();
        assert_eq!(
            got,
            [
                ("risk-management".into(), Relation::Exact),
                ("enterprise-risk-management".into(), Relation::Narrower),
                ("erm-reporting".into(), Relation::Narrower),
                ("management".into(), Relation::Broader),
                // A sibling and related both: the better credit (equal) goes to the nearer relation.
                ("project-management".into(), Relation::Sibling),
            ]
        );
        let erm = t.credited(&key("risk-management"), &Credits::default());
        assert_eq!(erm[2].via, Some(key("enterprise-risk-management")));
    }

    #[test]
    fn synonyms_by_label_and_exact_only() {
        let t = taxonomy();
        let got = t.credited(&key("financial-management"), &Credits::default());
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].skill.as_str(), got[1].relation), ("manage-finances", Relation::Synonym));
        assert_eq!(t.credited(&key("risk-management"), &Credits::EXACT_ONLY).len(), 1);
        // A skill the taxonomy lacks is still itself.
        assert_eq!(t.credited(&key("unknown-skill"), &Credits::default()).len(), 1);
    }
}
