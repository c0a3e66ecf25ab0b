//! The tags in use on candidates and needs, counted (for pickers and
//! autocompletion; the list filters read the same tables).

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{candidate_tags, need_tags};
use crate::domain::OrganizationId;
use crate::error::AppResult;

/// Of the tags and how many records carry each, those that start with
/// `prefix`: the most used first, then by tag; at most `limit`.
fn ranked(mut counts: Vec<(String, i64)>, prefix: &str, limit: usize) -> Vec<(String, i64)> {
    counts.retain(|(t, _)| t.starts_with(prefix));
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(limit);
    counts
}

pub fn on_candidates(conn: &mut DbConnection, prefix: &str, limit: usize) -> AppResult<Vec<(String, i64)>> {
    let counts = candidate_tags::table
        .group_by(candidate_tags::tag)
        .select((candidate_tags::tag, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(ranked(counts, prefix, limit))
}

/// The tags on the needs of `organization` (or of all).
pub fn on_needs(
    conn: &mut DbConnection,
    organization: Option<OrganizationId>,
    prefix: &str,
    limit: usize,
) -> AppResult<Vec<(String, i64)>> {
    use super::schema::needs;
    let mut query = need_tags::table
        .inner_join(needs::table)
        .group_by(need_tags::tag)
        .select((need_tags::tag, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(org) = organization {
        query = query.filter(needs::organization_id.eq(org.to_string()));
    }
    Ok(ranked(query.load(conn)?, prefix, limit))
}

#[cfg(test)]
mod tests {
    #[test]
    fn most_used_first() {
        let counts: Vec<(String, i64)> = [("b", 2), ("a", 1), ("c", 1), ("ab", 1)].map(|(t, n)| (t.into(), n)).to_vec();
        let tags = |ranked: Vec<(String, i64)>| ranked.into_iter().map(|(t, _)| t).collect::<Vec<_>>();
        assert_eq!(tags(super::ranked(counts.clone(), "", 10)), ["b", "a", "ab", "c"]);
        assert_eq!(tags(super::ranked(counts, "a", 1)), ["a"]);
    }
}
