//! Candidates' rights over their data: consent records, erasure into an
//! anonymous placeholder, and the retention rule.

use chrono::{DateTime, Utc};

use super::CandidateId;
use super::candidate::{Availability, Candidate, CandidateStatus, Consent, RemotePreference};

text_enum! {
    /// What a candidate consents to.
    pub enum ConsentPurpose {
        /// Processing their profile to propose them for interim assignments.
        Placement = "placement",
        /// Keeping their profile in the talent pool for future needs.
        TalentPool = "talent_pool",
        /// Sharing their profile with a client organization.
        SharingWithClients = "sharing_with_clients",
        /// News and invitations from the practice.
        Marketing = "marketing",
    }
}

/// One consent given by a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentRecord {
    pub purpose: ConsentPurpose,
    pub given_at: DateTime<Utc>,
    /// When it lapses; never when `None`.
    pub expires_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// How it was obtained (a form, an e-mail, a call …).
    pub source: Option<String>,
}

impl ConsentRecord {
    /// Whether it holds at `at`.
    pub fn holds_at(&self, at: DateTime<Utc>) -> bool {
        self.given_at <= at && self.withdrawn_at.is_none_or(|w| w > at) && self.expires_at.is_none_or(|e| e > at)
    }
}

/// What stays of an erased candidate: nothing that identifies a person, so
/// assignments and placements still count in the statistics.
pub fn placeholder(id: CandidateId) -> Candidate {
    Candidate {
        external_id: None,
        first_name: "Erased".into(),
        last_name: "Candidate".into(),
        email: format!("erased-{}@erased.invalid", id.as_uuid().simple()),
        phone: None,
        headline: None,
        summary: None,
        location: None,
        remote_preference: RemotePreference::Flexible,
        willing_to_travel: false,
        languages: Vec::new(),
        day_rate: None,
        availability: Availability { available_from: None, available_until: None, max_engagement_months: None },
        years_experience: 0,
        executive_roles: Vec::new(),
        industries: Vec::new(),
        crisis_experience: Vec::new(),
        skills: Vec::new(),
        background: Vec::new(),
        training: Vec::new(),
        status: CandidateStatus::Inactive,
        consent: Consent { given: false, retention_until: None },
        commitments: Vec::new(),
        tags: Vec::new(),
        external_ids: Default::default(),
        custom_fields: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_holds_between_given_and_withdrawn_or_expired() {
        let t0 = Utc::now();
        let hour = chrono::Duration::hours(1);
        let consent = ConsentRecord {
            purpose: ConsentPurpose::TalentPool,
            given_at: t0,
            expires_at: Some(t0 + hour * 24),
            withdrawn_at: None,
            source: None,
        };
        assert!(!consent.holds_at(t0 - hour));
        assert!(consent.holds_at(t0 + hour));
        assert!(!consent.holds_at(t0 + hour * 25));
        let withdrawn = ConsentRecord { withdrawn_at: Some(t0 + hour * 2), ..consent };
        assert!(withdrawn.holds_at(t0 + hour) && !withdrawn.holds_at(t0 + hour * 3));
    }

    #[test]
    fn the_placeholder_names_nobody() {
        let id = CandidateId::generate();
        let p = placeholder(id);
        assert!(p.email.ends_with("@erased.invalid") && p.phone.is_none() && p.external_id.is_none());
        assert_eq!(p.status, CandidateStatus::Inactive);
    }
}
