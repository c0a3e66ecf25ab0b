//! The change feed's vocabulary: which kind of record changed, and how. Every
//! announced event (the same ones webhooks carry) is one change.

use super::access::Permission;
use super::webhook::EventType;

text_enum! {
    /// The kind of record a change is about.
    pub enum ChangedResource {
        Candidate = "candidate",
        Need = "need",
        /// A candidacy in a need's pipeline.
        PipelineEntry = "pipeline_entry",
        Assignment = "assignment",
        /// A document of a candidate or of an assignment.
        Document = "document",
    }
}

text_enum! {
    /// What happened to the record.
    pub enum ChangeAction {
        Created = "created",
        /// Any change, a pipeline move or an erasure of personal data included.
        Updated = "updated",
        Deleted = "deleted",
        /// Merged into another record, named by `data.merged_into`: a candidate's id now leads there; a pipeline
        /// entry's history is the other entry's.
        Merged = "merged",
    }
}

impl ChangedResource {
    /// The permission that lets a caller see changes of this kind. A
    /// document's follows what it is attached to: see [`read_permission`].
    fn permission(self) -> Permission {
        match self {
            ChangedResource::Candidate | ChangedResource::Document => Permission::CandidatesRead,
            ChangedResource::Need => Permission::NeedsRead,
            ChangedResource::PipelineEntry => Permission::PipelineRead,
            ChangedResource::Assignment => Permission::AssignmentsRead,
        }
    }
}

/// The permission a caller needs to see a change: a candidate's document
/// needs `candidates:read`, an assignment's `assignments:read`.
pub fn read_permission(resource: ChangedResource, of_assignment: bool) -> Permission {
    match resource {
        ChangedResource::Document if of_assignment => Permission::AssignmentsRead,
        other => other.permission(),
    }
}

impl EventType {
    /// The record the event is about, and what happened to it.
    pub fn change(self) -> (ChangedResource, ChangeAction) {
        use ChangeAction::*;
        use ChangedResource::*;
        match self {
            EventType::CandidateCreated => (Candidate, Created),
            EventType::CandidateUpdated => (Candidate, Updated),
            EventType::CandidateDeleted => (Candidate, Deleted),
            EventType::CandidateMerged => (Candidate, Merged),
            EventType::NeedCreated => (Need, Created),
            EventType::NeedUpdated => (Need, Updated),
            EventType::NeedDeleted => (Need, Deleted),
            EventType::PipelineEntryCreated => (PipelineEntry, Created),
            EventType::PipelineEntryMoved | EventType::PipelineEntryUpdated => (PipelineEntry, Updated),
            EventType::PipelineEntryMerged => (PipelineEntry, Merged),
            EventType::AssignmentCreated => (Assignment, Created),
            EventType::AssignmentUpdated => (Assignment, Updated),
            EventType::DocumentCreated => (Document, Created),
            EventType::DocumentDeleted => (Document, Deleted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_names_its_record() {
        for event in EventType::ALL {
            let (resource, action) = event.change();
            let (prefix, _) = event.as_str().split_once('.').unwrap();
            assert!(resource.as_str().starts_with(prefix), "{event}");
            assert!(ChangeAction::ALL.contains(&action));
        }
        assert_eq!(read_permission(ChangedResource::Document, true), Permission::AssignmentsRead);
        assert_eq!(read_permission(ChangedResource::Document, false), Permission::CandidatesRead);
    }
}
