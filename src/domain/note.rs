//! Notes on a candidate, a need or an assignment, and who sees them.

text_enum! {
    /// What a note is about.
    pub enum NoteSubject {
        Candidate = "candidate",
        Need = "need",
        Assignment = "assignment",
    }
}

text_enum! {
    /// Who sees a note besides the practice's staff.
    pub enum Visibility {
        /// The practice's staff only.
        Practice = "practice",
        /// Also the members of the organization it is shared with (a need's or an assignment's own).
        Organization = "organization",
    }
}

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

text_enum! {
    /// What happened, in a timeline.
    pub enum TimelineKind {
        /// A note on the candidate, the need or one of its assignments (`text`, `visibility`).
        Note = "note",
        /// A pipeline entry was added or moved (`from_stage`, `to_stage`, `reason`, `text`: the move's note).
        StageMoved = "stage_moved",
        /// A note on a pipeline entry (`text`).
        PipelineNote = "pipeline_note",
        /// A document was uploaded (`text`: its file name; `document_kind`).
        DocumentAdded = "document_added",
        /// An assignment was proposed (`assignment_id`).
        AssignmentCreated = "assignment_created",
        /// An assignment was extended (`text`: the reason; `new_end`).
        AssignmentExtended = "assignment_extended",
        /// A check-in against a success criterion (`metric`, `value`, `text`: its note).
        CheckIn = "check_in",
    }
}

/// Whether a caller confined to `tenant` (`None`: the practice's staff) sees a note kept with `visibility` for
/// `shared_with`: staff see every note, a member only those shared with its organization.
pub fn shown_to(
    visibility: Visibility,
    shared_with: Option<crate::domain::OrganizationId>,
    tenant: Option<crate::domain::OrganizationId>,
) -> bool {
    match tenant {
        None => true,
        Some(org) => visibility == Visibility::Organization && shared_with == Some(org),
    }
}

/// Whether `caller` (of `role`) may correct or remove a note `author` wrote: its author, or an admin. Nobody
/// else rewrites what a colleague wrote.
pub fn may_change(author: &str, caller: &str, role: crate::domain::access::Role) -> bool {
    author == caller || role == crate::domain::access::Role::Admin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Role;

    #[test]
    fn who_sees_and_who_changes_a_note() {
        let (ours, theirs) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
        let (ours, theirs) = (ours.parse().ok(), theirs.parse().ok());
        assert!(shown_to(Visibility::Practice, None, None));
        assert!(!shown_to(Visibility::Practice, None, ours));
        assert!(shown_to(Visibility::Organization, ours, ours));
        assert!(!shown_to(Visibility::Organization, ours, theirs));
        assert!(may_change("user:a", "user:a", Role::OrgMember));
        assert!(may_change("user:a", "user:b", Role::Admin));
        assert!(!may_change("user:a", "user:b", Role::Recruiter));
        assert!(!may_change("user:a", "api_key:a", Role::Recruiter));
    }
}
