//! Client organizations: the unit of tenancy.

text_enum! {
    /// Headcount band of an organization.
    pub enum OrganizationSize {
        /// Fewer than 10 people.
        Micro = "micro",
        /// 10 to 49 people.
        Small = "small",
        /// 50 to 249 people.
        Medium = "medium",
        /// 250 to 4,999 people.
        Large = "large",
        /// 5,000 people or more.
        Enterprise = "enterprise",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub name: String,
    /// Lowercase industry label such as `retail`.
    pub industry: Option<String>,
    pub size: Option<OrganizationSize>,
    /// Free-text region such as `EMEA` or `Benelux`.
    pub region: Option<String>,
    pub country: Option<String>,
}
