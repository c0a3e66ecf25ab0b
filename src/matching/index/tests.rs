//! The index ranks exactly as the full scan does, order included, whatever the data.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use chrono::NaiveDateTime;

use crate::domain::candidate::CandidateFilter;
use crate::domain::skillset::MatchWeights;
use crate::matching::synthetic::Synthetic;

fn settings(today: NaiveDate) -> Settings {
    Settings {
        weights: MatchWeights::default(),
        rate_tolerance: 0.1,
        today,
        taxonomy: Default::default(),
        rates: Default::default(),
    }
}

fn id(n: u128) -> CandidateId {
    CandidateId::from_uuid(Uuid::from_u128(n))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Candidates added, replaced and removed in any order; any need; any page of any size.
    #[test]
    fn index_ranks_exactly_as_the_full_scan(
        seed in any::<u64>(),
        skills in 2usize..12,
        count in 0usize..120,
        edits in proptest::collection::vec((0u128..150, any::<bool>()), 0..60),
        min_score in prop_oneof![Just(0.0), 0.0f64..90.0],
        include_excluded in any::<bool>(),
        counted in any::<bool>(),
        k in 1usize..40,
        page in 0usize..3,
    ) {
        let mut data = Synthetic::new(seed).with_skills(skills);
        let mut held: BTreeMap<u128, Candidate> = BTreeMap::new();
        let mut index = CandidateIndex::new();
        // Ids collide on purpose (ties broken by id; replacements).
        for n in 0..count as u128 {
            let c = data.candidate();
            index.upsert(id(n * 7 % 150), &c, Stamp::default());
            held.insert(n * 7 % 150, c);
        }
        for (n, remove) in edits {
            if remove {
                index.remove(id(n));
                held.remove(&n);
            } else {
                let c = data.candidate();
                index.upsert(id(n), &c, Stamp::default());
                held.insert(n, c);
            }
        }
        prop_assert_eq!(index.len(), held.len());
        let need = data.need();
        let skillset = data.skillset();
        let skillset = (seed % 5 != 0).then_some(&skillset);
        // Half the needs with relations between skills, half without.
        let settings = if seed % 2 == 0 {
            Settings { taxonomy: std::sync::Arc::new(data.taxonomy()), ..settings(data.today) }
        } else {
            settings(data.today)
        };
        // Most needs with exchange rates (day rates in another currency are converted), some without.
        let settings = if seed % 3 != 0 { Settings { rates: std::sync::Arc::new(data.rates()), ..settings } } else { settings };
        let mut search = Search { min_score, include_excluded, after: None, k, count: counted };
        // Walk a few pages: the cursor must give the same next page on both paths.
        for _ in 0..=page {
            let expected = scan(&need, skillset, held.iter().map(|(n, c)| (id(*n), c)), &settings, search);
            let got = index.rank(&need, skillset, &settings, search);
            prop_assert_eq!(&got, &expected);
            prop_assert_eq!(&index.rank_parallel(&need, skillset, &settings, search, 3), &expected);
            match expected.hits.last() {
                Some(last) => search.after = Some((last.total, last.id)),
                None => break,
            }
        }
    }
}

#[test]
fn a_need_nobody_fits_ranks_nobody() {
    let mut data = Synthetic::new(7);
    let mut index = CandidateIndex::new();
    for n in 0..50 {
        index.upsert(id(n), &data.candidate(), Stamp::default());
    }
    let mut skillset = data.skillset();
    skillset.languages = vec!["xx".into()];
    let search = Search { min_score: 0.0, include_excluded: false, after: None, k: 10, count: true };
    let ranking = index.rank(&data.need(), Some(&skillset), &settings(data.today), search);
    assert_eq!(ranking, Ranking { hits: Vec::new(), matched: Some(0) });
    let all =
        index.rank(&data.need(), Some(&skillset), &settings(data.today), Search { include_excluded: true, ..search });
    assert_eq!(all.matched, Some(50));
    assert!(all.hits.iter().all(|h| !h.eligible));
}

#[test]
fn removed_candidates_are_forgotten_and_their_space_reclaimed() {
    let mut data = Synthetic::new(11);
    let mut index = CandidateIndex::new();
    for round in 0..20 {
        for n in 0..500 {
            index.upsert(id(n), &data.candidate(), Stamp::default());
        }
        if round % 2 == 0 {
            for n in 0..250 {
                index.remove(id(n));
            }
        }
    }
    assert_eq!(index.len(), 500);
    // Twenty rewrites of every row would hold 20× the attributes without compaction.
    assert!(index.attrs.len() < 3 * 500 * 30, "{} attribute words", index.attrs.len());
}

/// What a list filter means, written plainly over the whole candidate.
fn lists(filter: &CandidateFilter, c: &Candidate) -> bool {
    filter.status.is_none_or(|s| c.status == s)
        && filter.skill.as_ref().is_none_or(|skill| {
            c.skills.iter().any(|s| &s.skill == skill && i32::from(s.level.get()) >= filter.min_level.unwrap_or(1))
        })
        && filter.industry.as_ref().is_none_or(|i| c.industries.contains(i))
        && filter.language.as_ref().is_none_or(|l| c.languages.iter().any(|s| &s.language == l))
        && filter.country.as_ref().is_none_or(|country| c.location.as_ref().is_some_and(|l| &l.country == country))
        && filter.available_by.is_none_or(|d| c.availability.available_on(d))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Candidates added, replaced and removed; any filter the index holds; pages of any size, in both orders and directions.
    #[test]
    fn index_lists_as_the_plain_filter_does(
        seed in any::<u64>(),
        count in 0usize..120,
        edits in proptest::collection::vec((0u128..150, any::<bool>()), 0..60),
        status in proptest::option::of(0usize..3),
        skill in proptest::option::of((0usize..4, proptest::option::of(1i32..=5))),
        industry in proptest::option::of(prop_oneof![Just("retail"), Just("banking"), Just("unheard-of")]),
        language in proptest::option::of(prop_oneof![Just("en"), Just("fr"), Just("xx")]),
        country in proptest::option::of(prop_oneof![Just("NL"), Just("DE"), Just("US")]),
        available in proptest::option::of(-90i64..200),
        by_change in any::<bool>(),
        descending in any::<bool>(),
        limit in 1usize..30,
    ) {
        let mut data = Synthetic::new(seed).with_skills(4);
        let mut held: BTreeMap<u128, (Candidate, Stamp)> = BTreeMap::new();
        let mut index = CandidateIndex::new();
        // Times collide on purpose: the id breaks ties, as in the database.
        let stamp = |n: u128, version: i64| {
            let at = |second: u128| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, second as u32).unwrap();
            Stamp { created_at: at(n % 40), updated_at: at((n * 13 + version as u128 * 7) % 50), version }
        };
        let (order, time): (_, fn(&Stamp) -> NaiveDateTime) = if by_change {
            (ListOrder::UpdatedAt, |s| s.updated_at)
        } else {
            (ListOrder::CreatedAt, |s| s.created_at)
        };
        for n in 0..count as u128 {
            let (key, c) = (n * 7 % 150, data.candidate());
            index.upsert(id(key), &c, stamp(key, 1));
            held.insert(key, (c, stamp(key, 1)));
        }
        for (n, keep) in edits {
            if keep {
                let (c, version) = (data.candidate(), held.get(&n).map_or(1, |(_, s)| s.version + 1));
                index.upsert(id(n), &c, stamp(n, version));
                held.insert(n, (c, stamp(n, version)));
            } else {
                index.remove(id(n));
                held.remove(&n);
            }
        }
        let skills = crate::domain::catalog::SKILLS;
        let filter = CandidateFilter {
            status: status.map(|s| CandidateStatus::ALL[s]),
            skill: skill.map(|(s, _)| crate::domain::SkillKey::parse(skills[s].key).unwrap()),
            min_level: skill.and_then(|(_, level)| level),
            industry: industry.map(String::from),
            language: language.map(String::from),
            country: country.map(String::from),
            available_by: available.map(|d| data.today + chrono::Duration::days(d)),
            ..CandidateFilter::default()
        };
        let mut expected: Vec<Listed> = held
            .iter()
            .filter(|(_, (c, _))| lists(&filter, c))
            .map(|(&n, &(_, stamp))| Listed { id: n, stamp })
            .collect();
        expected.sort_by_key(|l| (time(&l.stamp), l.id));
        if descending {
            expected.reverse();
        }
        let mut after = None;
        let mut got = Vec::new();
        loop {
            let (page, total) = index.list(&filter, order, after, descending, limit, got.is_empty()).unwrap();
            if let Some(total) = total {
                prop_assert_eq!(total, expected.len());
            }
            got.extend_from_slice(&page);
            match page.last() {
                Some(last) if page.len() == limit => after = Some((time(&last.stamp), last.id)),
                _ => break,
            }
        }
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn text_search_and_updated_since_are_left_to_the_database() {
    let index = CandidateIndex::new();
    let q = CandidateFilter { q: Some("ada".into()), ..CandidateFilter::default() };
    assert_eq!(index.list(&q, ListOrder::CreatedAt, None, false, 10, false), None);
    let since = CandidateFilter { updated_since: Some(NaiveDateTime::default()), ..CandidateFilter::default() };
    assert_eq!(index.list(&since, ListOrder::UpdatedAt, None, false, 10, false), None);
}
