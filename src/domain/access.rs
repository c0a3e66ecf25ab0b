//! Who may do what: roles, the permissions they grant, and the scopes API
//! keys carry (a scope is the name of a permission).

use std::fmt;
use std::str::FromStr;

use super::validation::Invalid;

text_enum! {
    /// What a person or an API key is to the service.
    pub enum Role {
        /// Everything, including users, API keys and the audit log.
        Admin = "admin",
        /// The practice's staff: every organization's data, but not users, keys or the audit log.
        Recruiter = "recruiter",
        /// A person of one client organization: its own organization, needs and skillsets.
        OrgMember = "org_member",
    }
}

macro_rules! permissions {
    ($($variant:ident = $scope:literal => $description:literal,)+) => {
        /// A permission, named by its scope (`candidates:read`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission { $(#[doc = $description] $variant,)+ }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)+];

            /// The scope that grants this permission to an API key.
            pub fn scope(self) -> &'static str {
                match self { $(Permission::$variant => $scope,)+ }
            }

            /// What the permission allows, in words (the Authorize dialog shows it beside the scope).
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $description,)+ }
            }
        }

        /// One type per permission, so a handler can name the permission it
        /// requires in its signature (`Allowed<required::NeedsWrite>`).
        pub mod required {
            $(
                #[doc = concat!("Requires `", $scope, "`.")]
                pub struct $variant;

                impl super::Requirement for $variant {
                    const PERMISSION: super::Permission = super::Permission::$variant;
                }
            )+
        }

        impl FromStr for Permission {
            type Err = Invalid;

            fn from_str(s: &str) -> Result<Self, Invalid> {
                match s {
                    $($scope => Ok(Permission::$variant),)+
                    _ => Err(Invalid::new("unknown_scope", format!("must be one of: {}", [$($scope),+].join(", ")))),
                }
            }
        }
    };
}

/// A permission known at compile time.
pub trait Requirement {
    const PERMISSION: Permission;
}

permissions! {
    OrganizationsRead = "organizations:read" => "Read organizations",
    OrganizationsWrite = "organizations:write" => "Change an organization's record",
    OrganizationsManage = "organizations:manage" => "Create and delete organizations",
    SkillsRead = "skills:read" => "Read the skill taxonomy",
    SkillsWrite = "skills:write" => "Add, change and delete skills",
    CandidatesRead = "candidates:read" => "Read candidates and their matches",
    CandidatesWrite = "candidates:write" => "Create, change, import and delete candidates",
    SkillsetsRead = "skillsets:read" => "Read ideal skillsets",
    SkillsetsWrite = "skillsets:write" => "Create, change and delete ideal skillsets",
    NeedsRead = "needs:read" => "Read needs and their matches",
    NeedsWrite = "needs:write" => "Create, change, import and delete needs",
    PipelineRead = "pipeline:read" => "Read the pipelines (candidacies) of needs",
    PipelineWrite = "pipeline:write" => "Add candidates to needs' pipelines, move them, and add notes",
    AssignmentsRead = "assignments:read" => "Read interim assignments, their milestones, check-ins and reports",
    AssignmentsWrite = "assignments:write" => "Change interim assignments: terms, status, extensions, milestones, check-ins, hand-over",
    ReportsRead = "reports:read" => "Read the reports (organization members: their own organization's figures)",
    UsersManage = "users:manage" => "Manage the people who log in",
    ApiKeysManage = "api_keys:manage" => "Manage API keys",
    AuditRead = "audit:read" => "Read the audit log",
    WebhooksManage = "webhooks:manage" => "Subscribe to events (webhooks), rotate their secrets, read their delivery logs",
    PrivacyManage = "privacy:manage" => "Export everything held about a candidate, and erase it (data-protection requests)",
    ExchangeRatesWrite = "exchange_rates:write" => "Enter, change and delete the practice's dated exchange rates",
    SettingsManage = "settings:manage" => "Manage the practice's lists: the reasons a candidacy ends for, custom fields",
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scope())
    }
}

impl Role {
    /// Whether the role grants `permission`. An organization member's
    /// permissions apply to its own organization's objects only.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Recruiter => {
                !matches!(permission, UsersManage | ApiKeysManage | AuditRead | PrivacyManage | SettingsManage)
            }
            Role::OrgMember => matches!(
                permission,
                OrganizationsRead
                    | OrganizationsWrite
                    | SkillsRead
                    | SkillsetsRead
                    | SkillsetsWrite
                    | NeedsRead
                    | NeedsWrite
                    | PipelineRead
                    | PipelineWrite
                    | AssignmentsRead
                    | AssignmentsWrite
                    | ReportsRead
            ),
        }
    }

    /// Whether users of this role belong to one organization.
    pub fn is_tenant_bound(self) -> bool {
        self == Role::OrgMember
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.scope().parse::<Permission>().unwrap(), *p);
        }
        assert!("candidates:delete".parse::<Permission>().is_err());
    }

    #[test]
    fn roles_nest() {
        for p in Permission::ALL {
            assert!(Role::Admin.grants(*p));
            if Role::OrgMember.grants(*p) {
                assert!(Role::Recruiter.grants(*p), "{p}");
            }
        }
        assert!(!Role::Recruiter.grants(Permission::UsersManage));
        assert!(!Role::OrgMember.grants(Permission::CandidatesRead));
        assert!(!Role::OrgMember.grants(Permission::OrganizationsManage));
        assert!(Role::OrgMember.grants(Permission::PipelineRead) && Role::OrgMember.grants(Permission::PipelineWrite));
        assert!(Role::Recruiter.grants(Permission::PipelineWrite));
        assert!(Role::Recruiter.grants(Permission::ExchangeRatesWrite));
        assert!(!Role::OrgMember.grants(Permission::ExchangeRatesWrite));
    }
}

/// A person who logs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// Set exactly for organization members.
    pub organization_id: Option<super::OrganizationId>,
    pub active: bool,
}

/// An API key for an integration script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub name: String,
    pub scopes: std::collections::BTreeSet<Permission>,
    /// Binds the key to one organization, as an organization member.
    pub organization_id: Option<super::OrganizationId>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ApiKey {
    /// The role an API key acts with: the practice's staff, or a member of its organization.
    pub fn role(&self) -> Role {
        if self.organization_id.is_some() { Role::OrgMember } else { Role::Recruiter }
    }
}
