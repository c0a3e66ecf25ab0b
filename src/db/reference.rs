//! The reference data matching reads besides candidates and needs: the skill
//! taxonomy and the exchange rates. Held in memory (an ESCO-sized taxonomy is
//! 14,000 skills and some 30,000 relations: too much to read for every match)
//! and read again only when its revision in the database moved, so every
//! instance sees a change at its next match.

use std::sync::{Arc, RwLock};

use super::DbConnection;
use super::{exchange_rates, skills};
use crate::domain::exchange::ExchangeRates;
use crate::error::AppResult;
use crate::matching::taxonomy::Taxonomy;

#[derive(Debug, Default)]
pub struct ReferenceData {
    taxonomy: RwLock<Option<(skills::Revision, Arc<Taxonomy>)>>,
    rates: RwLock<Option<Arc<ExchangeRates>>>,
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

    /// The exchange rates as the database holds them now: one cheap query when they have not changed.
    pub fn rates(&self, conn: &mut DbConnection) -> AppResult<Arc<ExchangeRates>> {
        let revision = exchange_rates::revision(conn)?;
        if let Ok(held) = self.rates.read()
            && let Some(rates) = held.as_ref()
            && rates.revision() == revision
        {
            return Ok(rates.clone());
        }
        let rates = Arc::new(exchange_rates::all(conn)?);
        if let Ok(mut held) = self.rates.write() {
            *held = Some(rates.clone());
        }
        Ok(rates)
    }
}
