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
