//! The index ranks exactly as the full scan does, order included, whatever the data.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::domain::skillset::MatchWeights;
use crate::matching::synthetic::Synthetic;

fn settings(today: NaiveDate) -> Settings {
    Settings { weights: MatchWeights::default(), rate_tolerance: 0.1, today }
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
        k in 1usize..40,
        page in 0usize..3,
    ) {
        let mut data = Synthetic::new(seed).with_skills(skills);
        let mut held: BTreeMap<u128, Candidate> = BTreeMap::new();
        let mut index = CandidateIndex::new();
        // Ids collide on purpose (ties broken by id; replacements).
        for n in 0..count as u128 {
            let c = data.candidate();
            index.upsert(id(n * 7 % 150), &c);
            held.insert(n * 7 % 150, c);
        }
        for (n, remove) in edits {
            if remove {
                index.remove(id(n));
                held.remove(&n);
            } else {
                let c = data.candidate();
                index.upsert(id(n), &c);
                held.insert(n, c);
            }
        }
        prop_assert_eq!(index.len(), held.len());
        let need = data.need();
        let skillset = data.skillset();
        let skillset = (seed % 5 != 0).then_some(&skillset);
        let settings = settings(data.today);
        let mut search = Search { min_score, include_excluded, after: None, k };
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
        index.upsert(id(n), &data.candidate());
    }
    let mut skillset = data.skillset();
    skillset.languages = vec!["xx".into()];
    let search = Search { min_score: 0.0, include_excluded: false, after: None, k: 10 };
    let ranking = index.rank(&data.need(), Some(&skillset), &settings(data.today), search);
    assert_eq!(ranking, Ranking { hits: Vec::new(), matched: 0 });
    let all =
        index.rank(&data.need(), Some(&skillset), &settings(data.today), Search { include_excluded: true, ..search });
    assert_eq!(all.matched, 50);
    assert!(all.hits.iter().all(|h| !h.eligible));
}

#[test]
fn removed_candidates_are_forgotten_and_their_space_reclaimed() {
    let mut data = Synthetic::new(11);
    let mut index = CandidateIndex::new();
    for round in 0..20 {
        for n in 0..500 {
            index.upsert(id(n), &data.candidate());
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
