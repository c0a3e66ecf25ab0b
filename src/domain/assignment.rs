//! Interim assignments: a placement of a candidate with an organization for
//! a period, at an agreed day rate, and its life cycle.

use chrono::NaiveDate;

use super::validation::Invalid;
use super::{CandidateId, DayRate, NeedId, OrganizationId, PipelineEntryId};

text_enum! {
    /// Life cycle of an assignment; see [`AssignmentStatus::allowed_moves`].
    pub enum AssignmentStatus {
        /// Created by the placement; not started yet.
        Proposed = "proposed",
        /// Under way.
        Active = "active",
        /// Under way past its first planned end (see the extensions).
        Extended = "extended",
        /// Ended as planned.
        Completed = "completed",
        /// Ended early (or never started), with a reason.
        Terminated = "terminated",
    }
}

impl AssignmentStatus {
    /// The statuses an assignment in this status may move to.
    pub fn allowed_moves(self) -> &'static [AssignmentStatus] {
        use AssignmentStatus::*;
        match self {
            Proposed => &[Active, Terminated],
            Active => &[Extended, Completed, Terminated],
            // A further extension keeps the status.
            Extended => &[Extended, Completed, Terminated],
            Completed | Terminated => &[],
        }
    }

    pub fn can_move_to(self, next: AssignmentStatus) -> bool {
        self.allowed_moves().contains(&next)
    }

    /// Whether the assignment holds the candidate (counts for overlaps).
    pub fn holds_candidate(self) -> bool {
        matches!(self, AssignmentStatus::Proposed | AssignmentStatus::Active | AssignmentStatus::Extended)
    }
}

/// An outcome rating of a completed assignment, 1 (poor) to 5 (excellent).
pub fn outcome_rating(value: i64) -> Result<i32, Invalid> {
    super::validation::in_range(value, 1, 5).map(|v| v as i32)
}

/// A period from `start` to `end`, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, Invalid> {
        if end < start {
            return Err(Invalid::new("ends_before_start", "must not be before the start"));
        }
        Ok(Period { start, end })
    }

    pub fn overlaps(&self, other: &Period) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

/// Who takes over when the interim leaves.
#[derive(Debug, Clone, PartialEq)]
pub struct HandOver {
    /// The successor, when they are a candidate the practice knows.
    pub successor_candidate_id: Option<CandidateId>,
    /// The successor's name otherwise (or as well).
    pub successor_name: Option<String>,
    pub date: NaiveDate,
    pub notes: Option<String>,
}

/// How an ended assignment went.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    pub rating: Option<i32>,
    pub evaluation: Option<String>,
    /// Why it was terminated early.
    pub termination_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub candidate_id: CandidateId,
    pub need_id: NeedId,
    pub organization_id: OrganizationId,
    /// The pipeline entry whose placement created it.
    pub pipeline_entry_id: Option<PipelineEntryId>,
    pub start: NaiveDate,
    pub planned_end: NaiveDate,
    pub actual_end: Option<NaiveDate>,
    pub day_rate: DayRate,
    pub status: AssignmentStatus,
    pub outcome: Outcome,
    pub hand_over: Option<HandOver>,
}

impl Assignment {
    /// The days the assignment holds the candidate.
    pub fn period(&self) -> Period {
        Period { start: self.start, end: self.actual_end.unwrap_or(self.planned_end).max(self.start) }
    }
}

#[cfg(test)]
mod tests {
    use super::AssignmentStatus::*;
    use super::*;

    /// Every pair of statuses: exactly the listed moves are allowed.
    #[test]
    fn every_move() {
        let allowed = [
            (Proposed, Active),
            (Proposed, Terminated),
            (Active, Extended),
            (Active, Completed),
            (Active, Terminated),
            (Extended, Extended),
            (Extended, Completed),
            (Extended, Terminated),
        ];
        for from in AssignmentStatus::ALL {
            for to in AssignmentStatus::ALL {
                assert_eq!(from.can_move_to(*to), allowed.contains(&(*from, *to)), "{from} -> {to}");
            }
        }
        for status in AssignmentStatus::ALL {
            assert_eq!(status.holds_candidate(), !matches!(status, Completed | Terminated), "{status}");
        }
    }

    #[test]
    fn periods() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let a = Period::new(d("2027-01-01"), d("2027-06-30")).unwrap();
        assert!(a.overlaps(&Period::new(d("2027-06-30"), d("2027-12-31")).unwrap()), "the last day counts");
        assert!(!a.overlaps(&Period::new(d("2027-07-01"), d("2027-12-31")).unwrap()));
        assert!(a.overlaps(&Period::new(d("2026-01-01"), d("2028-01-01")).unwrap()), "containing");
        assert!(Period::new(d("2027-02-01"), d("2027-01-31")).is_err());
        assert!(outcome_rating(0).is_err() && outcome_rating(6).is_err() && outcome_rating(5).is_ok());
    }
}
