//! What the service ships with: the skill taxonomy an interim CXO needs and
//! the "Interim Chief Experience Officer" ideal skillset, built from the
//! seven steps of the Chief Customer Officer Council's roadmap.

use super::CrisisSignal;
use super::skill::SkillCategory;

pub struct BuiltinSkill {
    pub key: &'static str,
    pub name: &'static str,
    pub category: SkillCategory,
    pub description: &'static str,
}

const fn skill(
    key: &'static str,
    name: &'static str,
    category: SkillCategory,
    description: &'static str,
) -> BuiltinSkill {
    BuiltinSkill { key, name, category, description }
}

use SkillCategory::*;

/// The seven roadmap areas of a Chief Experience Officer, in roadmap order.
pub const CXO_ROADMAP: [&str; 7] = [
    "customer-service-strategy",
    "culture-management",
    "customer-data-analysis",
    "customer-relationship-development",
    "customer-base-leverage",
    "new-customer-acquisition",
    "product-and-service-innovation",
];

/// A step of a role's roadmap, copied onto an assignment as a milestone.
pub struct BuiltinMilestone {
    /// The roadmap area's skill.
    pub skill: &'static str,
    pub title: &'static str,
}

/// The roadmap an interim CXO works through: the seed's seven steps, in
/// order, copied onto a CXO's assignment when it is created.
pub const CXO_MILESTONES: [BuiltinMilestone; 7] = [
    BuiltinMilestone { skill: CXO_ROADMAP[0], title: "Set the customer service strategy" },
    BuiltinMilestone { skill: CXO_ROADMAP[1], title: "Make the culture customer-centric" },
    BuiltinMilestone { skill: CXO_ROADMAP[2], title: "Analyse customer data from every touch point" },
    BuiltinMilestone { skill: CXO_ROADMAP[3], title: "Develop customer relationships" },
    BuiltinMilestone { skill: CXO_ROADMAP[4], title: "Leverage the customer base" },
    BuiltinMilestone { skill: CXO_ROADMAP[5], title: "Acquire new customers" },
    BuiltinMilestone { skill: CXO_ROADMAP[6], title: "Innovate products and services" },
];

/// Synonyms of shipped skills, so suggestions find them by the words HR systems use.
pub const SYNONYMS: &[(&str, &[&str])] = &[
    ("customer-service-strategy", &["CX strategy", "customer experience strategy", "service strategy"]),
    ("customer-data-analysis", &["customer analytics", "voice of the customer analytics"]),
    ("customer-relationship-development", &["customer relationship management", "account development"]),
    ("new-customer-acquisition", &["customer acquisition", "lead generation"]),
    ("customer-journey-mapping", &["journey mapping", "CX journey mapping"]),
    ("voice-of-the-customer", &["VoC", "customer feedback programmes"]),
    ("online-reputation-management", &["ORM", "reputation management"]),
    ("cx-team-building", &["customer experience team building"]),
    ("kpi-management", &["KPI", "performance management"]),
    ("crm-systems", &["CRM", "CRM software", "customer relationship management software"]),
    ("board-governance", &["corporate governance", "board management"]),
];

pub const SKILLS: &[BuiltinSkill] = &[
    skill(
        "customer-service-strategy",
        "Customer service strategy",
        CustomerExperience,
        "Creating or improving an internal and external customer service strategy aligned with the business strategy.",
    ),
    skill(
        "culture-management",
        "Culture management",
        People,
        "Making the culture customer-centric at every level and in every department.",
    ),
    skill(
        "customer-data-analysis",
        "Customer data analysis",
        CustomerExperience,
        "Collecting and analysing customer data from every touch point of the journey.",
    ),
    skill(
        "customer-relationship-development",
        "Customer relationship development",
        CustomerExperience,
        "Nurturing customer relationships to know customers and keep them.",
    ),
    skill(
        "customer-base-leverage",
        "Customer base leverage",
        Commercial,
        "Turning solid customer relationships into referral and customer marketing programmes.",
    ),
    skill(
        "new-customer-acquisition",
        "New customer acquisition",
        Commercial,
        "Acquiring new customers who resemble the best existing ones.",
    ),
    skill(
        "product-and-service-innovation",
        "Product and service innovation",
        CustomerExperience,
        "Continuously improving products and services to meet customers' changing needs.",
    ),
    skill(
        "customer-journey-mapping",
        "Customer journey mapping",
        CustomerExperience,
        "Mapping the whole life cycle of interactions, and the emotions they cause.",
    ),
    skill(
        "voice-of-the-customer",
        "Voice of the customer programmes",
        CustomerExperience,
        "Feedback, NPS and CSAT programmes, closing the loop with customers.",
    ),
    skill(
        "online-reputation-management",
        "Online reputation management",
        CustomerExperience,
        "Handling reviews and social media to recover and protect a brand's reputation.",
    ),
    skill(
        "cx-team-building",
        "Building customer experience teams",
        Leadership,
        "Hiring and developing a diverse CX team and writing its charter.",
    ),
    skill(
        "executive-leadership",
        "Executive leadership",
        Leadership,
        "Leading at C-level and communicating one vision across divisions and levels.",
    ),
    skill(
        "change-management",
        "Change management",
        Leadership,
        "Leading organizations through change in structure, process and behaviour.",
    ),
    skill(
        "crisis-management",
        "Crisis management",
        Leadership,
        "Stabilising an organization in crisis and turning it around quickly.",
    ),
    skill(
        "stakeholder-management",
        "Stakeholder management",
        Leadership,
        "Engaging boards, owners and every part of the organization.",
    ),
    skill(
        "talent-acquisition",
        "Talent acquisition",
        People,
        "Recruiting quality talent, including the permanent successor.",
    ),
    skill("employee-engagement", "Employee engagement", People, "Raising morale and engagement, reducing turnover."),
    skill("sales-leadership", "Sales leadership", Commercial, "Recovering and growing sales."),
    skill(
        "kpi-management",
        "KPI and performance management",
        Operations,
        "Setting, measuring and meeting key performance indicators.",
    ),
    skill("operations-management", "Operations management", Operations, "Running day-to-day operations smoothly."),
    skill(
        "process-improvement",
        "Process improvement",
        Operations,
        "Building or improving the systems and processes behind the service.",
    ),
    skill(
        "financial-management",
        "Financial management",
        Finance,
        "Budgets, forecasting, P&L responsibility and reporting.",
    ),
    skill("restructuring", "Restructuring", Finance, "Cost restructuring and turnaround finance."),
    skill(
        "crm-systems",
        "CRM systems",
        Technology,
        "Selecting and running customer relationship management platforms.",
    ),
    skill(
        "digital-transformation",
        "Digital transformation",
        Technology,
        "Moving channels, processes and products to digital.",
    ),
    skill(
        "board-governance",
        "Board governance",
        Governance,
        "Working with boards and owners; reporting and compliance.",
    ),
];

/// A skill asked for by a shipped skillset: key, minimum level, weight, must-have.
pub type Requirement = (&'static str, u8, i32, bool);

pub struct BuiltinSkillset {
    pub name: &'static str,
    pub role_title: &'static str,
    pub description: &'static str,
    pub required_skills: &'static [Requirement],
    pub preferred_skills: &'static [Requirement],
    pub min_years_experience: i32,
    pub industries: &'static [&'static str],
    pub background: &'static [&'static str],
    pub training: &'static [&'static str],
    pub languages: &'static [&'static str],
    pub crisis_experience: &'static [CrisisSignal],
}

pub const CXO_SKILLSET: BuiltinSkillset = BuiltinSkillset {
    name: "Interim Chief Experience Officer",
    role_title: "Interim Chief Experience Officer",
    description: "An executive who steps in at once to own the customer experience across the organization: \
        sets the customer service strategy, makes the culture customer-centric, and leads the roadmap from \
        customer data to product and service innovation, then helps hire the long-term CXO.",
    required_skills: &[
        ("customer-service-strategy", 4, 10, true),
        ("culture-management", 3, 8, false),
        ("customer-data-analysis", 3, 8, false),
        ("customer-relationship-development", 3, 7, false),
        ("customer-base-leverage", 3, 5, false),
        ("new-customer-acquisition", 3, 5, false),
        ("product-and-service-innovation", 3, 6, false),
        ("executive-leadership", 4, 8, true),
    ],
    preferred_skills: &[
        ("change-management", 3, 5, false),
        ("crisis-management", 3, 5, false),
        ("cx-team-building", 3, 4, false),
        ("voice-of-the-customer", 3, 4, false),
        ("customer-journey-mapping", 3, 3, false),
        ("talent-acquisition", 2, 2, false),
    ],
    min_years_experience: 10,
    industries: &[],
    background: &["Degree in business, marketing or psychology"],
    training: &["Customer experience certification (for example CCXP)", "Executive leadership programme"],
    languages: &["en"],
    crisis_experience: &[
        CrisisSignal::NegativeCustomerFeedback,
        CrisisSignal::OnlineReputationCrisis,
        CrisisSignal::LowMoraleAndEngagement,
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_is_consistent() {
        let keys: Vec<_> = SKILLS.iter().map(|s| s.key).collect();
        for area in CXO_ROADMAP {
            assert!(keys.contains(&area), "{area} missing from the taxonomy");
        }
        let skillset = &CXO_SKILLSET;
        for (key, level, weight, _) in skillset.required_skills.iter().chain(skillset.preferred_skills) {
            assert!(keys.contains(key), "{key} is not a shipped skill");
            assert!((1..=5).contains(level) && (1..=10).contains(weight));
        }
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "duplicate skill keys");
    }
}
