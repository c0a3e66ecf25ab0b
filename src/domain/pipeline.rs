//! The pipeline: a candidate considered for a need (a candidacy), the stages
//! it moves through, and why it ends when it does not end in a placement.

use super::validation::Invalid;
use super::{CandidateId, NeedId, OrganizationId, SkillsetId};

text_enum! {
    /// Where a candidacy stands; see [`Stage::allowed_moves`].
    pub enum Stage {
        /// Found and added to the need's pipeline.
        Sourced = "sourced",
        /// Being screened by the practice.
        Screening = "screening",
        /// Interviewing with the client organization.
        Interviewing = "interviewing",
        /// An offer was made.
        Offered = "offered",
        /// Placed: the interim assignment is created.
        Placed = "placed",
        /// Turned down by the practice or the client (with a reason).
        Rejected = "rejected",
        /// The candidate stepped back.
        Withdrawn = "withdrawn",
    }
}

impl Stage {
    /// The stages a candidacy in this stage may move to: the next stage, or
    /// out of the pipeline (rejected or withdrawn) from any open stage.
    pub fn allowed_moves(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Sourced => &[Screening, Rejected, Withdrawn],
            Screening => &[Interviewing, Rejected, Withdrawn],
            Interviewing => &[Offered, Rejected, Withdrawn],
            Offered => &[Placed, Rejected, Withdrawn],
            Placed | Rejected | Withdrawn => &[],
        }
    }

    pub fn can_move_to(self, next: Stage) -> bool {
        self.allowed_moves().contains(&next)
    }

    /// Whether the candidacy is still under way.
    pub fn is_open(self) -> bool {
        !self.allowed_moves().is_empty()
    }
}

/// Whether an organization member sees a candidate's contact details (their
/// e-mail and phone, and their documents, which hold them), given the stages
/// the candidate is at in the pipelines of the member's organization: once
/// the candidate is offered or placed in one of them.
pub fn shows_contact(stages: &[Stage]) -> bool {
    stages.iter().any(|s| matches!(s, Stage::Offered | Stage::Placed))
}

text_enum! {
    /// Why a candidacy was rejected.
    pub enum RejectionReason {
        /// Skills or experience do not cover the need.
        SkillsGap = "skills_gap",
        /// The day rate is above the budget.
        RateTooHigh = "rate_too_high",
        /// Not available for the start date or the duration.
        NotAvailable = "not_available",
        /// Not a fit with the organization's culture.
        CultureFit = "culture_fit",
        /// The client organization declined the candidate.
        ClientDeclined = "client_declined",
        /// Another candidate filled the position, or the need was closed.
        PositionFilled = "position_filled",
        /// Anything else; say what in the note.
        Other = "other",
    }
}

/// Why a requested move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The move is outside the stage machine; `allowed` are the moves there are.
    Illegal { from: Stage, to: Stage, allowed: &'static [Stage] },
    /// Rejecting needs a reason.
    ReasonRequired,
    /// A reason is only given when rejecting.
    ReasonNotApplicable,
}

/// Checks a move from `from` to `to`, with the rejection reason it carries.
pub fn check_move(from: Stage, to: Stage, reason: Option<RejectionReason>) -> Result<(), MoveRefusal> {
    if !from.can_move_to(to) {
        return Err(MoveRefusal::Illegal { from, to, allowed: from.allowed_moves() });
    }
    match (to, reason) {
        (Stage::Rejected, None) => Err(MoveRefusal::ReasonRequired),
        (Stage::Rejected, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(MoveRefusal::ReasonNotApplicable),
    }
}

/// The score a match gave the candidate when shortlisted, kept as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchSnapshot {
    /// 0 to 100.
    pub score: f64,
    pub skillset_id: Option<SkillsetId>,
    pub skillset_version: Option<i64>,
    /// The per-criterion breakdown, as the matching explained it.
    pub explanation: Option<serde_json::Value>,
}

impl MatchSnapshot {
    pub fn check_score(score: f64) -> Result<f64, Invalid> {
        if score.is_finite() && (0.0..=100.0).contains(&score) {
            Ok(score)
        } else {
            Err(Invalid::new("out_of_range", "must be between 0 and 100"))
        }
    }
}

/// A candidate in a need's pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineEntry {
    pub need_id: NeedId,
    pub candidate_id: CandidateId,
    /// The need's organization, kept with the entry for tenancy.
    pub organization_id: OrganizationId,
    pub stage: Stage,
    pub rejection_reason: Option<RejectionReason>,
    pub match_snapshot: Option<MatchSnapshot>,
}

#[cfg(test)]
mod tests {
    use super::Stage::*;
    use super::*;

    /// Every pair of stages: exactly the listed moves are allowed.
    #[test]
    fn every_move() {
        let allowed = [
            (Sourced, Screening),
            (Sourced, Rejected),
            (Sourced, Withdrawn),
            (Screening, Interviewing),
            (Screening, Rejected),
            (Screening, Withdrawn),
            (Interviewing, Offered),
            (Interviewing, Rejected),
            (Interviewing, Withdrawn),
            (Offered, Placed),
            (Offered, Rejected),
            (Offered, Withdrawn),
        ];
        for from in Stage::ALL {
            for to in Stage::ALL {
                let expected = allowed.contains(&(*from, *to));
                assert_eq!(from.can_move_to(*to), expected, "{from} -> {to}");
                let reason = (*to == Rejected).then_some(RejectionReason::SkillsGap);
                assert_eq!(check_move(*from, *to, reason).is_ok(), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn closed_stages_are_final() {
        for stage in Stage::ALL {
            assert_eq!(stage.is_open(), !matches!(stage, Placed | Rejected | Withdrawn), "{stage}");
        }
        assert_eq!(
            check_move(Placed, Rejected, Some(RejectionReason::Other)),
            Err(MoveRefusal::Illegal { from: Placed, to: Rejected, allowed: &[] })
        );
    }

    #[test]
    fn rejection_needs_a_reason_and_only_rejection_has_one() {
        assert_eq!(check_move(Screening, Rejected, None), Err(MoveRefusal::ReasonRequired));
        assert!(check_move(Screening, Rejected, Some(RejectionReason::RateTooHigh)).is_ok());
        assert_eq!(
            check_move(Screening, Interviewing, Some(RejectionReason::Other)),
            Err(MoveRefusal::ReasonNotApplicable)
        );
        assert_eq!(check_move(Offered, Withdrawn, Some(RejectionReason::Other)), Err(MoveRefusal::ReasonNotApplicable));
        assert!(check_move(Offered, Withdrawn, None).is_ok());
        // The refused move names the moves there are.
        assert_eq!(
            check_move(Sourced, Offered, None),
            Err(MoveRefusal::Illegal { from: Sourced, to: Offered, allowed: &[Screening, Rejected, Withdrawn] })
        );
    }

    #[test]
    fn scores() {
        assert!(MatchSnapshot::check_score(87.5).is_ok());
        for bad in [-1.0, 100.5, f64::NAN] {
            assert!(MatchSnapshot::check_score(bad).is_err(), "{bad}");
        }
    }
}
