//! The domain: types and rules of interim-executive hiring, free of I/O and of
//! HTTP or database types. Input is parsed into these types once, at the edge,
//! and the rest of the code trusts them.

/// An enum stored as text and exchanged as a snake_case string: one list of
/// variants gives serde, the OpenAPI schema and the database mapping.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::validation::Invalid;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::validation::Invalid::new(
                        "unknown_value",
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod assignment;
pub mod candidate;
pub mod catalog;
pub mod change;
pub mod codes;
pub mod crisis;
pub mod custom_field;
pub mod document;
pub mod duplicate;
pub mod exchange;
pub mod external;
pub mod ids;
pub mod money;
pub mod need;
pub mod note;
pub mod occupation;
pub mod organization;
pub mod pipeline;
pub mod privacy;
pub mod scim;
pub mod search;
pub mod skill;
pub mod skillset;
pub mod tag;
pub mod validation;
pub mod webhook;

pub use crisis::CrisisSignal;
pub use ids::{AssignmentId, CandidateId, NeedId, OrganizationId, PipelineEntryId, SkillKey, SkillsetId, WebhookId};
pub use money::{Currency, DayRate};
pub use validation::{FieldError, Validator};

/// A domain value as kept by the service: its id, the value, and the
/// bookkeeping every resource carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<I, T> {
    pub id: I,
    pub value: T,
    /// Starts at 1 and grows by one with every change.
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
