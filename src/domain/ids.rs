//! Typed identifiers, so a need's id can never be passed where a candidate's
//! is expected. Ids are UUIDv7: unique without coordination and ordered by
//! creation time, which keeps keyset pagination cheap.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use super::validation::{self, Invalid};

macro_rules! uuid_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Identifier of ", $what, ".")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Invalid;

            fn from_str(s: &str) -> Result<Self, Invalid> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| Invalid::new("invalid_id", concat!("is not a valid id of ", $what, " (a UUID)")))
            }
        }
    };
}

uuid_id!(OrganizationId, "an organization");
uuid_id!(CandidateId, "a candidate");
uuid_id!(SkillsetId, "an ideal skillset");
uuid_id!(NeedId, "a need");
uuid_id!(PipelineEntryId, "a pipeline entry");
uuid_id!(AssignmentId, "an interim assignment");
uuid_id!(WebhookId, "a webhook subscription");

/// A skill of the taxonomy, named by a stable slug such as
/// `customer-data-analysis`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct SkillKey(String);

impl TryFrom<String> for SkillKey {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).map_err(|e| e.message)
    }
}

impl SkillKey {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        validation::slug(value, 60).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SkillKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
