//! Webhooks: what a subscription asks for, the events it may ask for, and
//! when a failed delivery is tried again.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::OrganizationId;
use super::validation::Invalid;

/// What happened. Events are thin: they name the record and its version,
/// never personal data, and the receiver reads what it needs through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "candidate.created")]
    CandidateCreated,
    #[serde(rename = "candidate.updated")]
    CandidateUpdated,
    #[serde(rename = "candidate.deleted")]
    CandidateDeleted,
    /// A candidate was merged into another (`merged_into`), which now holds everything of theirs.
    #[serde(rename = "candidate.merged")]
    CandidateMerged,
    #[serde(rename = "need.created")]
    NeedCreated,
    /// Any change, including its status following an assignment.
    #[serde(rename = "need.updated")]
    NeedUpdated,
    #[serde(rename = "need.deleted")]
    NeedDeleted,
    /// A candidate was added to a need's pipeline.
    #[serde(rename = "pipeline.entry_created")]
    PipelineEntryCreated,
    /// A candidacy moved to another stage.
    #[serde(rename = "pipeline.entry_moved")]
    PipelineEntryMoved,
    /// An entry changed otherwise than by a move: it names the survivor of a merge, or another entry's history
    /// joined it.
    #[serde(rename = "pipeline.entry_updated")]
    PipelineEntryUpdated,
    /// Two merged candidates were both in a need's pipeline: this entry joined the survivor's (`merged_into`).
    #[serde(rename = "pipeline.entry_merged")]
    PipelineEntryMerged,
    #[serde(rename = "assignment.created")]
    AssignmentCreated,
    /// Terms, status or an extension changed, or its candidate (or successor) merged into another.
    #[serde(rename = "assignment.updated")]
    AssignmentUpdated,
    /// A document was attached to a candidate (practice subscriptions only) or to an assignment.
    #[serde(rename = "document.created")]
    DocumentCreated,
    #[serde(rename = "document.deleted")]
    DocumentDeleted,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::CandidateCreated,
        EventType::CandidateUpdated,
        EventType::CandidateDeleted,
        EventType::CandidateMerged,
        EventType::NeedCreated,
        EventType::NeedUpdated,
        EventType::NeedDeleted,
        EventType::PipelineEntryCreated,
        EventType::PipelineEntryMoved,
        EventType::PipelineEntryUpdated,
        EventType::PipelineEntryMerged,
        EventType::AssignmentCreated,
        EventType::AssignmentUpdated,
        EventType::DocumentCreated,
        EventType::DocumentDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CandidateCreated => "candidate.created",
            EventType::CandidateUpdated => "candidate.updated",
            EventType::CandidateDeleted => "candidate.deleted",
            EventType::CandidateMerged => "candidate.merged",
            EventType::NeedCreated => "need.created",
            EventType::NeedUpdated => "need.updated",
            EventType::NeedDeleted => "need.deleted",
            EventType::PipelineEntryCreated => "pipeline.entry_created",
            EventType::PipelineEntryMoved => "pipeline.entry_moved",
            EventType::PipelineEntryUpdated => "pipeline.entry_updated",
            EventType::PipelineEntryMerged => "pipeline.entry_merged",
            EventType::AssignmentCreated => "assignment.created",
            EventType::AssignmentUpdated => "assignment.updated",
            EventType::DocumentCreated => "document.created",
            EventType::DocumentDeleted => "document.deleted",
        }
    }

    /// Candidate events concern no organization: only the practice's own
    /// subscriptions (not bound to an organization) receive them.
    pub fn is_practice_only(self) -> bool {
        matches!(
            self,
            EventType::CandidateCreated
                | EventType::CandidateUpdated
                | EventType::CandidateDeleted
                | EventType::CandidateMerged
        )
    }
}

impl std::str::FromStr for EventType {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        EventType::ALL.iter().copied().find(|e| e.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
            Invalid::new("unknown_event", format!("must be one of: {}", names.join(", ")))
        })
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Every attempt within the retry window failed.
        Failed = "failed",
    }
}

/// A receiver of events.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// An absolute `https` (or `http`) URL, without credentials or fragment.
    pub url: String,
    pub description: Option<String>,
    pub events: BTreeSet<EventType>,
    /// Only this organization's events; every event when `None`.
    pub organization_id: Option<OrganizationId>,
    pub active: bool,
}

impl Subscription {
    /// Whether an event of `event` about `organization` goes to this subscription.
    pub fn wants(&self, event: EventType, organization: Option<OrganizationId>) -> bool {
        self.active
            && self.events.contains(&event)
            && match self.organization_id {
                None => true,
                Some(own) => !event.is_practice_only() && organization == Some(own),
            }
    }
}

pub const MAX_URL_LENGTH: usize = 2000;

/// Checks a receiver URL's form; where it points is checked when it is
/// resolved, on every delivery.
pub fn check_url(raw: &str) -> Result<String, Invalid> {
    if raw.len() > MAX_URL_LENGTH {
        return Err(Invalid::new("too_long", format!("must be at most {MAX_URL_LENGTH} characters")));
    }
    let url = url::Url::parse(raw).map_err(|e| Invalid::new("invalid_url", format!("is not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(Invalid::new("invalid_url", "must be an https:// (or http://) URL"));
    }
    if url.host().is_none() {
        return Err(Invalid::new("invalid_url", "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Invalid::new("invalid_url", "must not hold credentials; receivers check the signature instead"));
    }
    if url.fragment().is_some() {
        return Err(Invalid::new("invalid_url", "must not have a fragment"));
    }
    // Stored as parsed: percent-encoding can lengthen it, and a stored URL must pass this check again.
    let url = url.to_string();
    if url.len() > MAX_URL_LENGTH {
        return Err(Invalid::new("too_long", format!("must be at most {MAX_URL_LENGTH} characters once encoded")));
    }
    Ok(url)
}

/// How failed deliveries are retried: exponential back-off from `first`,
/// each wait at most `longest`, for `window` after the event.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first: Duration,
    pub longest: Duration,
    pub window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first: Duration::from_secs(10),
            longest: Duration::from_secs(3600),
            window: Duration::from_secs(24 * 3600),
        }
    }
}

impl RetryPolicy {
    /// When to try again after `attempts` failed attempts, or `None` once the
    /// next try would fall outside the window (the delivery has failed).
    pub fn next_attempt(&self, attempts: u32, created_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let doubling = attempts.saturating_sub(1).min(30);
        let wait = self.first.saturating_mul(1 << doubling).min(self.longest);
        let next = now + chrono::Duration::from_std(wait).ok()?;
        let deadline = created_at + chrono::Duration::from_std(self.window).ok()?;
        (next <= deadline).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn event_names_round_trip() {
        for e in EventType::ALL {
            assert_eq!(e.as_str().parse::<EventType>().unwrap(), *e);
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
        assert!("candidate.exploded".parse::<EventType>().is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(check_url("https://hooks.example.com/in?x=1").unwrap(), "https://hooks.example.com/in?x=1");
        for bad in [
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "/relative",
            "https://example.com/#f",
            "mailto:a@b.c",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        // What is stored passes again, even where encoding lengthened it.
        let quoted = format!("https://example.com/{}", "\"".repeat(MAX_URL_LENGTH - 30));
        assert_eq!(check_url(&quoted).unwrap_err().code, "too_long");
        let stored = check_url(&format!("https://example.com/{}", "\"".repeat(100))).unwrap();
        assert_eq!(check_url(&stored).unwrap(), stored);
    }

    #[test]
    fn organization_subscriptions_get_their_own_events_only() {
        let org = OrganizationId::generate();
        let sub = Subscription {
            url: "https://example.com/".into(),
            description: None,
            events: EventType::ALL.iter().copied().collect(),
            organization_id: Some(org),
            active: true,
        };
        assert!(sub.wants(EventType::NeedCreated, Some(org)));
        assert!(!sub.wants(EventType::NeedCreated, Some(OrganizationId::generate())));
        assert!(!sub.wants(EventType::CandidateCreated, None));
        let practice = Subscription { organization_id: None, ..sub.clone() };
        assert!(practice.wants(EventType::CandidateCreated, None));
        assert!(!Subscription { active: false, ..practice }.wants(EventType::CandidateCreated, None));
    }

    #[test]
    fn back_off_doubles_and_stops_after_the_window() {
        let policy = RetryPolicy::default();
        let t0 = Utc::now();
        let waits: Vec<i64> = (1..=4).map(|n| (policy.next_attempt(n, t0, t0).unwrap() - t0).num_seconds()).collect();
        assert_eq!(waits, [10, 20, 40, 80]);
        assert_eq!((policy.next_attempt(20, t0, t0).unwrap() - t0).num_seconds(), 3600);
        let late = t0 + chrono::Duration::hours(23) + chrono::Duration::minutes(30);
        assert_eq!(policy.next_attempt(20, t0, late), None, "no try after 24 hours");
    }
}
