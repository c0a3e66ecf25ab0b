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

text_enum! {
    /// Where a roadmap milestone stands.
    pub enum MilestoneStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Skipped = "skipped",
    }
}

/// A step of the assignment's roadmap.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    /// Order within the roadmap, from 1.
    pub position: i32,
    pub title: String,
    /// The roadmap area's skill, for milestones from a template.
    pub skill_key: Option<super::SkillKey>,
    pub status: MilestoneStatus,
    pub due_date: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// The roadmap copied onto a new assignment: the CXO's seven steps when the
/// need is for a Chief Experience Officer, due one after the other across
/// the planned period; none otherwise.
pub fn roadmap_for(is_cxo: bool, period: Period) -> Vec<Milestone> {
    if !is_cxo {
        return Vec::new();
    }
    let steps = super::catalog::CXO_MILESTONES.len() as i64;
    let days = (period.end - period.start).num_days();
    super::catalog::CXO_MILESTONES
        .iter()
        .zip(1_i32..)
        .map(|(step, position)| Milestone {
            position,
            title: step.title.to_owned(),
            skill_key: super::SkillKey::parse(step.skill).ok(),
            status: MilestoneStatus::Planned,
            due_date: Some(period.start + chrono::Days::new((days * i64::from(position) / steps).max(0) as u64)),
            notes: None,
        })
        .collect()
}

/// Whether a need's role is a Chief Experience Officer's, from its title.
pub fn is_experience_role(title: &str) -> bool {
    title.to_lowercase().contains("experience")
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
    /// The values of the practice's custom fields (see `domain::custom_field`).
    pub custom_fields: super::custom_field::CustomValues,
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

    #[test]
    fn the_cxo_roadmap_spreads_over_the_period() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let period = Period::new(d("2027-01-01"), d("2027-07-01")).unwrap();
        let roadmap = roadmap_for(true, period);
        assert_eq!(roadmap.len(), 7);
        assert_eq!(roadmap[0].skill_key.as_ref().unwrap().as_str(), "customer-service-strategy");
        assert_eq!(roadmap[6].skill_key.as_ref().unwrap().as_str(), "product-and-service-innovation");
        assert_eq!(roadmap[6].due_date, Some(d("2027-07-01")), "the last step is due at the planned end");
        assert!(roadmap.windows(2).all(|w| w[0].due_date <= w[1].due_date && w[0].position + 1 == w[1].position));
        assert!(roadmap_for(false, period).is_empty());
        assert!(is_experience_role("Interim Chief Experience Officer") && !is_experience_role("Interim CFO"));
    }
}
