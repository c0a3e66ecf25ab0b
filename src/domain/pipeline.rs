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

/// The most reasons the practice's list holds.
pub const MAX_REASONS: usize = 200;
/// The most characters of the free text beside a reason.
pub const MAX_REASON_DETAIL_CHARS: usize = 1000;

/// A reason from the practice's managed list of why candidacies end without
/// a placement (`skills_gap`, `accepted_other_offer`…): lowercase letters,
/// digits and `_`, starting with a letter, at most 48 characters.
pub fn reason_code(code: &str) -> Result<String, Invalid> {
    let well_formed = code.len() <= 48
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if well_formed {
        Ok(code.to_owned())
    } else {
        Err(Invalid::new("invalid_code", "1 to 48 lowercase letters, digits and `_`, starting with a letter"))
    }
}

/// A reason of the practice's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineReason {
    pub code: String,
    pub label: String,
    pub description: Option<String>,
    /// Whether a rejection may name it.
    pub for_rejection: bool,
    /// Whether a withdrawal may name it.
    pub for_withdrawal: bool,
    /// A retired reason stays in the history but no new move names it.
    pub active: bool,
    /// Where the list shows it (ascending, then by code).
    pub position: i32,
}

impl PipelineReason {
    /// Whether a move to `stage` may name this reason.
    pub fn applies_to(&self, stage: Stage) -> bool {
        match stage {
            Stage::Rejected => self.for_rejection,
            Stage::Withdrawn => self.for_withdrawal,
            _ => false,
        }
    }

    /// A reason no move could name is no reason.
    pub fn check(&self) -> Result<(), Invalid> {
        if self.for_rejection || self.for_withdrawal {
            Ok(())
        } else {
            Err(Invalid::new("applies_to_nothing", "a reason is for rejections, withdrawals or both"))
        }
    }
}

/// Whether a move to `stage` names why: every end without a placement does.
pub fn needs_reason(stage: Stage) -> bool {
    matches!(stage, Stage::Rejected | Stage::Withdrawn)
}

/// Why a requested move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The move is outside the stage machine; `allowed` are the moves there are.
    Illegal { from: Stage, to: Stage, allowed: &'static [Stage] },
    /// Rejecting and withdrawing name a reason.
    ReasonRequired { to: Stage },
    /// A reason is only given when rejecting or withdrawing.
    ReasonNotApplicable,
    /// The reason is not one for this kind of move.
    ReasonNotFor { code: String, to: Stage },
    /// The reason is retired.
    ReasonRetired { code: String },
}

/// Checks a move from `from` to `to`, with the reason of the practice's list it names.
pub fn check_move(from: Stage, to: Stage, reason: Option<&PipelineReason>) -> Result<(), MoveRefusal> {
    if !from.can_move_to(to) {
        return Err(MoveRefusal::Illegal { from, to, allowed: from.allowed_moves() });
    }
    match reason {
        None if needs_reason(to) => Err(MoveRefusal::ReasonRequired { to }),
        None => Ok(()),
        Some(_) if !needs_reason(to) => Err(MoveRefusal::ReasonNotApplicable),
        Some(r) if !r.applies_to(to) => Err(MoveRefusal::ReasonNotFor { code: r.code.clone(), to }),
        Some(r) if !r.active => Err(MoveRefusal::ReasonRetired { code: r.code.clone() }),
        Some(_) => Ok(()),
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
    /// The code of the reason a rejection or withdrawal named.
    pub reason: Option<String>,
    /// Free text beside the reason.
    pub reason_detail: Option<String>,
    pub match_snapshot: Option<MatchSnapshot>,
}

#[cfg(test)]
mod tests {
    use super::Stage::*;
    use super::*;

    fn reason(code: &str, for_rejection: bool, for_withdrawal: bool) -> PipelineReason {
        PipelineReason {
            code: code.into(),
            label: code.into(),
            description: None,
            for_rejection,
            for_withdrawal,
            active: true,
            position: 0,
        }
    }

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
        let other = reason("other", true, true);
        for from in Stage::ALL {
            for to in Stage::ALL {
                let expected = allowed.contains(&(*from, *to));
                assert_eq!(from.can_move_to(*to), expected, "{from} -> {to}");
                let why = needs_reason(*to).then_some(&other);
                assert_eq!(check_move(*from, *to, why).is_ok(), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn closed_stages_are_final() {
        for stage in Stage::ALL {
            assert_eq!(stage.is_open(), !matches!(stage, Placed | Rejected | Withdrawn), "{stage}");
        }
        assert_eq!(
            check_move(Placed, Rejected, Some(&reason("other", true, true))),
            Err(MoveRefusal::Illegal { from: Placed, to: Rejected, allowed: &[] })
        );
    }

    #[test]
    fn ends_without_placement_name_a_reason_that_fits() {
        let gap = reason("skills_gap", true, false);
        let offer = reason("accepted_other_offer", false, true);
        assert_eq!(check_move(Screening, Rejected, None), Err(MoveRefusal::ReasonRequired { to: Rejected }));
        assert_eq!(check_move(Offered, Withdrawn, None), Err(MoveRefusal::ReasonRequired { to: Withdrawn }));
        assert!(check_move(Screening, Rejected, Some(&gap)).is_ok());
        assert!(check_move(Offered, Withdrawn, Some(&offer)).is_ok());
        assert_eq!(check_move(Screening, Interviewing, Some(&gap)), Err(MoveRefusal::ReasonNotApplicable));
        assert_eq!(
            check_move(Offered, Withdrawn, Some(&gap)),
            Err(MoveRefusal::ReasonNotFor { code: "skills_gap".into(), to: Withdrawn })
        );
        assert_eq!(
            check_move(Sourced, Rejected, Some(&offer)),
            Err(MoveRefusal::ReasonNotFor { code: "accepted_other_offer".into(), to: Rejected })
        );
        let retired = PipelineReason { active: false, ..gap.clone() };
        assert_eq!(
            check_move(Sourced, Rejected, Some(&retired)),
            Err(MoveRefusal::ReasonRetired { code: "skills_gap".into() })
        );
        // The refused move names the moves there are.
        assert_eq!(
            check_move(Sourced, Offered, None),
            Err(MoveRefusal::Illegal { from: Sourced, to: Offered, allowed: &[Screening, Rejected, Withdrawn] })
        );
    }

    #[test]
    fn reason_codes_and_reasons() {
        for good in ["other", "rate_too_high", "r2"] {
            assert_eq!(reason_code(good).as_deref(), Ok(good));
        }
        for bad in ["", "Other", "2fast", "too-high", "a b", &"x".repeat(49)] {
            assert!(reason_code(bad).is_err(), "{bad}");
        }
        assert!(reason("x", false, false).check().is_err());
        assert!(reason("x", false, true).check().is_ok());
    }

    #[test]
    fn scores() {
        assert!(MatchSnapshot::check_score(87.5).is_ok());
        for bad in [-1.0, 100.5, f64::NAN] {
            assert!(MatchSnapshot::check_score(bad).is_err(), "{bad}");
        }
    }
}
