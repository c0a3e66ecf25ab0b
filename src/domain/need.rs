//! Needs: an organization's mandate for an interim executive, with its charter.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::codes::Location;
use super::validation::Invalid;
use super::{CrisisSignal, DayRate, OrganizationId, SkillsetId};

text_enum! {
    /// Why the organization needs an interim executive.
    pub enum NeedReason {
        /// An executive left and must be replaced for a while.
        Replacement = "replacement",
        /// A newly created position, filled until a long-term hire is found.
        NewPosition = "new_position",
        /// The organization is in a crisis (see the crisis signals).
        Crisis = "crisis",
    }
}

text_enum! {
    /// Life cycle of a need; see [`NeedStatus::can_move_to`].
    pub enum NeedStatus {
        Draft = "draft",
        Open = "open",
        OnHold = "on_hold",
        Filled = "filled",
        Cancelled = "cancelled",
    }
}

impl NeedStatus {
    /// The statuses a need in this status may move to.
    pub fn allowed_moves(self) -> &'static [NeedStatus] {
        use NeedStatus::*;
        match self {
            Draft => &[Open, Cancelled],
            Open => &[OnHold, Filled, Cancelled],
            OnHold => &[Open, Cancelled],
            // An assignment that ends early reopens the mandate.
            Filled => &[Open],
            Cancelled => &[],
        }
    }

    pub fn can_move_to(self, next: NeedStatus) -> bool {
        self == next || self.allowed_moves().contains(&next)
    }

    /// Statuses a need may be created in.
    pub fn is_initial(self) -> bool {
        matches!(self, NeedStatus::Draft | NeedStatus::Open)
    }
}

text_enum! {
    /// How soon the interim must start.
    pub enum Urgency {
        Low = "low",
        Normal = "normal",
        High = "high",
        /// Needed now: typically a crisis.
        Critical = "critical",
    }
}

text_enum! {
    /// Where the interim is expected to work.
    pub enum RemotePolicy {
        Onsite = "onsite",
        Hybrid = "hybrid",
        Remote = "remote",
    }
}

/// How the mandate's success is measured: a metric, where it stands and
/// where it must get to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuccessCriterion {
    pub metric: String,
    pub unit: Option<String>,
    pub baseline: f64,
    pub target: f64,
    /// How and how often it is measured.
    pub measured_by: Option<String>,
}

impl SuccessCriterion {
    pub fn check(&self) -> Result<(), Invalid> {
        if !self.baseline.is_finite() || !self.target.is_finite() {
            return Err(Invalid::new("not_finite", "baseline and target must be finite numbers"));
        }
        if self.baseline == self.target {
            return Err(Invalid::new("no_change", "target must differ from baseline"));
        }
        Ok(())
    }

    /// How far `value` has come from the baseline towards the target, in per
    /// cent: 0 at the baseline, 100 at the target, beyond either past them.
    /// Works as well when the target is below the baseline (fewer complaints).
    pub fn progress(&self, value: f64) -> f64 {
        (value - self.baseline) / (self.target - self.baseline) * 100.0
    }
}

/// The team charter of the mandate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Charter {
    pub responsibilities: Vec<String>,
    /// What the interim does.
    pub in_scope: Vec<String>,
    /// What the interim does not do.
    pub out_of_scope: Vec<String>,
    pub success_criteria: Vec<SuccessCriterion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The id of this need in the client's own system; unique within the organization.
    pub external_id: Option<String>,
    pub organization_id: OrganizationId,
    pub title: String,
    pub reason: NeedReason,
    pub crisis_signals: Vec<CrisisSignal>,
    pub skillset_id: Option<SkillsetId>,
    pub start_by: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub day_rate_budget: Option<DayRate>,
    pub location: Option<Location>,
    pub remote_policy: RemotePolicy,
    pub urgency: Urgency,
    pub status: NeedStatus,
    pub charter: Charter,
    /// The practice's labels, lowercase and sorted (see `domain::tag`).
    pub tags: Vec<String>,
    /// The need's ids in other systems, by source (see `domain::external`).
    pub external_ids: super::external::ExternalIds,
    /// The values of the practice's custom fields (see `domain::custom_field`).
    pub custom_fields: super::custom_field::CustomValues,
}

#[cfg(test)]
mod tests {
    use super::NeedStatus::*;
    use super::*;

    #[test]
    fn status_moves() {
        let table = [
            (Draft, Open, true),
            (Draft, Filled, false),
            (Open, OnHold, true),
            (Open, Draft, false),
            (OnHold, Open, true),
            (OnHold, Filled, false),
            (Filled, Open, true),
            (Filled, Cancelled, false),
            (Cancelled, Open, false),
            (Cancelled, Cancelled, true),
        ];
        for (from, to, allowed) in table {
            assert_eq!(from.can_move_to(to), allowed, "{from} -> {to}");
        }
    }

    #[test]
    fn progress_towards_the_target() {
        let rising =
            SuccessCriterion { metric: "NPS".into(), unit: None, baseline: -12.0, target: 20.0, measured_by: None };
        let table = [(-12.0, 0.0), (20.0, 100.0), (4.0, 50.0), (-20.0, -25.0), (28.0, 125.0)];
        for (value, expected) in table {
            assert!((rising.progress(value) - expected).abs() < 1e-9, "{value}: {}", rising.progress(value));
        }
        // Lower is better: complaints a week from 120 to 40.
        let falling = SuccessCriterion { baseline: 120.0, target: 40.0, ..rising };
        let table = [(120.0, 0.0), (40.0, 100.0), (80.0, 50.0), (140.0, -25.0), (20.0, 125.0)];
        for (value, expected) in table {
            assert!((falling.progress(value) - expected).abs() < 1e-9, "{value}: {}", falling.progress(value));
        }
    }

    #[test]
    fn criteria_must_move() {
        let c = SuccessCriterion { metric: "NPS".into(), unit: None, baseline: 10.0, target: 10.0, measured_by: None };
        assert!(c.check().is_err());
        assert!(SuccessCriterion { target: 30.0, ..c }.check().is_ok());
    }
}
