//! The reference data matching reads besides candidates and needs: the skill
//! taxonomy. Held in memory (an ESCO-sized taxonomy is 14,000 skills and some
//! 30,000 relations: too much to read for every match) and read again only
//! when its revision in the database moved, so every instance sees a change
//! at its next match.

use std::sync::{Arc, RwLock};

use super::DbConnection;
use super::skills;
use crate::error::AppResult;
use crate::matching::taxonomy::Taxonomy;

#[derive(Debug, Default)]
pub struct ReferenceData {
    taxonomy: RwLock<Option<(skills::Revision, Arc<Taxonomy>)>>,
}

impl ReferenceData {
    /// The taxonomy as the database holds it now: one cheap query when it has not changed.
    pub fn taxonomy(&self, conn: &mut DbConnection) -> AppResult<Arc<Taxonomy>> {
        let revision = skills::revision(conn)?;
        if let Ok(held) = self.taxonomy.read()
            && let Some((at, taxonomy)) = held.as_ref()
            && *at == revision
        {
            return Ok(taxonomy.clone());
        }
        let taxonomy = Arc::new(Taxonomy::new(skills::taxonomy(conn)?));
        if let Ok(mut held) = self.taxonomy.write() {
            *held = Some((revision, taxonomy.clone()));
        }
        Ok(taxonomy)
    }
}
