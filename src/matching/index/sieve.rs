//! Bit sets over the index's row slots for the hard filters that one
//! attribute decides (status, where a candidate works, the currency of the
//! day rate, a language, a must-have skill at a level). A match ANDs the sets
//! its need asks for, a word of 64 rows at a time, and scores only the rows
//! left: a superset of the eligible ones, which scoring then decides exactly.
//! Most needs ask for a language, a must-have skill or a place, so most rows
//! are never touched.

use std::borrow::Cow;
use std::ops::Range;

use super::{Query, Row, active, held, professional, remote_only};
use crate::matching::score;

/// The highest skill level ([`crate::domain::skill::SkillLevel`]).
const LEVELS: usize = 5;

/// One bit per row slot; words past the end read as zero.
#[derive(Debug, Default, Clone)]
pub(super) struct Bits(Vec<u64>);

/// What a filter on a value nobody holds leaves: nothing.
static NONE: Bits = Bits(Vec::new());

impl Bits {
    fn set(&mut self, slot: u32, on: bool) {
        let (word, bit) = (slot as usize / 64, 1u64 << (slot % 64));
        if on {
            if self.0.len() <= word {
                self.0.resize(word + 1, 0);
            }
            self.0[word] |= bit;
        } else if let Some(w) = self.0.get_mut(word) {
            *w &= !bit;
        }
    }

    #[inline]
    fn word(&self, w: usize) -> u64 {
        self.0.get(w).copied().unwrap_or(0)
    }

    fn bytes(&self) -> usize {
        self.0.capacity() * size_of::<u64>()
    }

    /// Adds the rows of `other`.
    fn add(&mut self, other: &Bits) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (w, b) in self.0.iter_mut().zip(&other.0) {
            *w |= b;
        }
    }

    /// The union of bit sets.
    fn or<'a>(sets: impl IntoIterator<Item = &'a Bits>) -> Cow<'a, Bits> {
        let mut union = Bits::default();
        sets.into_iter().for_each(|bits| union.add(bits));
        Cow::Owned(union)
    }

    /// The union of `sets`: borrowed when it is one dense set.
    fn union<'a>(sets: impl IntoIterator<Item = &'a Members>) -> Cow<'a, Bits> {
        let sets: Vec<&Members> = sets.into_iter().collect();
        if let [Members::Dense(only)] = sets.as_slice() {
            return Cow::Borrowed(only);
        }
        let mut union = Bits::default();
        for set in sets {
            match set {
                Members::Dense(bits) => union.add(bits),
                Members::Sparse(slots) => slots.iter().for_each(|&slot| union.set(slot, true)),
            }
        }
        Cow::Owned(union)
    }
}

/// The rows holding a skill at a level: their slots while they are few (most of an ESCO-sized taxonomy's
/// skills are held by few candidates, and a bit set per skill and level would cost a word per 64 rows each),
/// a bit set once they are many.
#[derive(Debug, Clone)]
enum Members {
    Sparse(Vec<u32>),
    Dense(Bits),
}

impl Default for Members {
    fn default() -> Self {
        Members::Sparse(Vec::new())
    }
}

/// A set this small stays a list of slots, whatever its density; small in tests, so that the property tests
/// take both forms.
const SPARSE_AT_LEAST: usize = if cfg!(test) { 3 } else { 64 };

/// Nobody.
static NOBODY: Members = Members::Sparse(Vec::new());

impl Members {
    fn set(&mut self, slot: u32, on: bool) {
        match self {
            Members::Dense(bits) => bits.set(slot, on),
            Members::Sparse(slots) => {
                match (slots.binary_search(&slot), on) {
                    (Err(at), true) => slots.insert(at, slot),
                    (Ok(at), false) => {
                        slots.remove(at);
                    }
                    _ => {}
                }
                // Denser than one slot in 32: a bit set is smaller (and faster to unite and read).
                let highest = slots.last().copied().unwrap_or(0) as usize;
                if slots.len() > SPARSE_AT_LEAST && slots.len() * 32 > highest {
                    let mut bits = Bits::default();
                    slots.iter().for_each(|&s| bits.set(s, true));
                    *self = Members::Dense(bits);
                }
            }
        }
    }

    /// What uniting it costs: a word per word of a dense set, one per slot of a sparse one.
    fn cost(&self) -> usize {
        match self {
            Members::Dense(bits) => bits.0.len(),
            Members::Sparse(slots) => slots.len(),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Members::Dense(bits) => bits.bytes(),
            Members::Sparse(slots) => slots.capacity() * size_of::<u32>(),
        }
    }
}

/// The bit set of `id` in a family indexed by vocabulary id, grown on demand.
fn member(family: &mut Vec<Bits>, id: u32) -> &mut Bits {
    let i = id as usize;
    if family.len() <= i {
        family.resize(i + 1, Bits::default());
    }
    &mut family[i]
}

#[derive(Debug, Default)]
pub(super) struct Sieve {
    active: Bits,
    /// Not remote-only: may take an on-site or hybrid need.
    on_site: Bits,
    /// May take an on-site or hybrid need anywhere: willing to travel, or no location given.
    anywhere: Bits,
    /// By country id: may take an on-site or hybrid need there.
    in_country: Vec<Bits>,
    /// No day rate: fits any budget.
    no_rate: Bits,
    /// By currency id: a day rate in it.
    rate_in: Vec<Bits>,
    /// By language id: speaks it at professional level or better.
    speaks: Vec<Bits>,
    /// By skill id, then level - 1: holds the skill at that level or better.
    holds: Vec<[Members; LEVELS]>,
}

/// The set of `id` in a family indexed by vocabulary id; empty when nobody holds it.
fn of(family: &[Bits], id: u32) -> &Bits {
    family.get(id as usize).unwrap_or(&NONE)
}

/// An upper bound of each row's skills score for a query, read off the level sets: a requirement the row
/// meets scores at most 100, a skill held below the level asked for at most what one level below scores
/// ([`score::skill`]), a skill not held 0. Ranking skips a row whose total could not enter the top k even with
/// this, before gathering its skills.
pub(super) struct SkillsBound<'a> {
    /// `(rows holding a credited skill at the level asked for or better, rows holding one at all)` of each
    /// requirement, required first.
    sets: Vec<(Cow<'a, Bits>, Cow<'a, Bits>)>,
    /// What each requirement adds to the bound, by `2 × at the level + holds`: nothing, the most a holder below
    /// the level scores, or 100, each times its weight. Looked up, not branched on: whether a row meets a
    /// requirement is a coin toss the processor mispredicted (perf).
    adds: Vec<[f64; 4]>,
    /// How many of the requirements are required (they come first), and the weights of each kind.
    required: usize,
    weights: (f64, f64),
}

impl SkillsBound<'_> {
    #[inline]
    pub(super) fn at(&self, slot: usize) -> f64 {
        let (w, shift) = (slot / 64, slot % 64);
        let mut sums = (0.0, 0.0);
        for (i, ((meets, holds), adds)) in self.sets.iter().zip(&self.adds).enumerate() {
            let case = ((meets.word(w) >> shift) & 1) << 1 | ((holds.word(w) >> shift) & 1);
            if i < self.required {
                sums.0 += adds[case as usize];
            } else {
                sums.1 += adds[case as usize];
            }
        }
        let mean = |sum: f64, weights: f64| (weights > 0.0).then(|| sum / weights);
        if self.sets.is_empty() {
            100.0
        } else {
            score::skills(mean(sums.0, self.weights.0), mean(sums.1, self.weights.1))
        }
    }
}

/// How much a condition may cost to unite per query, in bit-set words of the index: the sets it ORs cost a
/// word each of a dense one and a slot each of a sparse one (most of an ESCO-sized taxonomy's skills are held
/// by few). A requirement whose credited skills cost more (a broad skill with many narrower ones held by
/// many) is left to scoring: the sieve may let more rows through, never fewer. Tiny in tests, so that the
/// property tests take both paths.
const UNION_BUDGET: usize = if cfg!(test) { 3 } else { 16 };

/// One condition of a sieve: a row passes when it is in either set.
type Clause<'a> = (Cow<'a, Bits>, &'a Bits);

impl Sieve {
    /// Sets (`on`) or clears the row's bits. Clearing a row's bits before it
    /// changes or leaves keeps every set exact; a set bit only makes a row a
    /// candidate for scoring, so counting a repeated skill's every mention is harmless.
    pub(super) fn mark(&mut self, slot: u32, row: &Row, attrs: &[u32], on: bool) {
        if row.status == active() {
            self.active.set(slot, on);
        }
        if row.remote != remote_only() {
            self.on_site.set(slot, on);
            if row.willing_to_travel || row.country == 0 {
                self.anywhere.set(slot, on);
            }
            if row.country != 0 {
                member(&mut self.in_country, u32::from(row.country)).set(slot, on);
            }
        }
        if row.currency == 0 {
            self.no_rate.set(slot, on);
        } else {
            member(&mut self.rate_in, u32::from(row.currency)).set(slot, on);
        }
        let (skills, rest) = attrs.split_at(row.skill_words());
        for h in held(skills) {
            let skill = h.skill as usize;
            if self.holds.len() <= skill {
                self.holds.resize_with(skill + 1, Default::default);
            }
            let level = usize::from(h.level).min(LEVELS);
            for bits in &mut self.holds[skill][..level] {
                bits.set(slot, on);
            }
        }
        let professional = professional();
        for a in &rest[..usize::from(row.languages)] {
            if (a & 0xff) as u8 >= professional {
                member(&mut self.speaks, a >> 8).set(slot, on);
            }
        }
    }

    /// The conditions a row must meet to be eligible for the query, as far as single attributes decide them.
    fn clauses(&self, query: &Query) -> Vec<Clause<'_>> {
        let mut clauses = vec![(Cow::Borrowed(&self.active), &NONE)];
        if !query.remote {
            clauses.push(match query.place {
                None => (Cow::Borrowed(&self.on_site), &NONE),
                Some((country, _)) => (Cow::Borrowed(&self.anywhere), of(&self.in_country, country)),
            });
        }
        if let Some(budget) = &query.budget {
            clauses.push(match budget.convertible.as_slice() {
                [] => (Cow::Borrowed(&self.no_rate), &NONE),
                [one] => (Cow::Borrowed(&self.no_rate), of(&self.rate_in, *one)),
                several => {
                    let rates = several.iter().map(|&c| of(&self.rate_in, c));
                    (Bits::or(std::iter::once(&self.no_rate).chain(rates)), &NONE)
                }
            });
        }
        for &language in &query.languages {
            clauses.push((Cow::Borrowed(of(&self.speaks, language)), &NONE));
        }
        for (&(min, _, must_have, _), credited) in query.requirements.iter().zip(&query.credited) {
            if must_have && self.affordable(credited.iter().map(|&(skill, _)| self.at(skill, min))) {
                let meeting = credited.iter().filter(|(_, meets)| *meets).map(|&(skill, _)| self.at(skill, min));
                clauses.push((Bits::union(meeting), &NONE));
            }
        }
        let credited_required = query.requirements.iter().zip(&query.credited).filter(|(r, _)| r.3);
        if query.needs_a_required
            && self.affordable(credited_required.flat_map(|(_, c)| c.iter().map(|&(skill, _)| self.at(skill, 1))))
        {
            let held = query
                .requirements
                .iter()
                .zip(&query.credited)
                .filter(|(r, _)| r.3)
                .flat_map(|(_, credited)| credited.iter().map(|&(skill, _)| self.at(skill, 1)));
            clauses.push((Bits::union(held), &NONE));
        }
        clauses
    }

    /// Whether uniting `sets` costs at most [`UNION_BUDGET`] times a dense set of every row (in tests: that
    /// many words or slots).
    fn affordable<'a>(&self, sets: impl IntoIterator<Item = &'a Members>) -> bool {
        let budget = if cfg!(test) { UNION_BUDGET } else { UNION_BUDGET * self.active.0.len().max(64) };
        let mut cost = 0;
        sets.into_iter().all(|set| {
            cost += set.cost();
            cost <= budget
        })
    }

    /// The rows holding `skill` at `level` or better.
    fn at(&self, skill: u32, level: u8) -> &Members {
        self.holds.get(skill as usize).map_or(&NOBODY, |l| &l[usize::from(level).clamp(1, LEVELS) - 1])
    }

    /// A credited skill earns at most what the skill itself would at the same level (credits are at most 1).
    pub(super) fn skills_bound(&self, query: &Query) -> SkillsBound<'_> {
        let mut bound = SkillsBound { sets: Vec::new(), adds: Vec::new(), required: 0, weights: (0.0, 0.0) };
        for (&(min, weight, _, required), credited) in query.requirements.iter().zip(&query.credited) {
            let at = |level: u8| Bits::union(credited.iter().map(|&(skill, _)| self.at(skill, level)));
            let (weight, below) = (f64::from(weight), score::skill(Some(min.saturating_sub(1)), min));
            if self.affordable(credited.iter().map(|&(skill, _)| self.at(skill, 1))) {
                bound.sets.push((at(min), at(1)));
                bound.adds.push([0.0, below * weight, 100.0 * weight, 100.0 * weight]);
            } else {
                // Too many to unite: every row is bounded as if it met the requirement.
                bound.sets.push((Cow::Borrowed(&NONE), Cow::Borrowed(&NONE)));
                bound.adds.push([100.0 * weight; 4]);
            }
            if required {
                bound.required += 1;
                bound.weights.0 += weight;
            } else {
                bound.weights.1 += weight;
            }
        }
        bound
    }

    /// Calls `each` with the slot of every row in words `words` (64 slots a word) that meets the query's clauses.
    #[inline]
    pub(super) fn sift(&self, query: &Query, words: Range<usize>, mut each: impl FnMut(usize)) {
        let clauses = self.clauses(query);
        for w in words {
            let mut mask = !0u64;
            for (a, b) in &clauses {
                mask &= a.word(w) | b.word(w);
                if mask == 0 {
                    break;
                }
            }
            while mask != 0 {
                each(w * 64 + mask.trailing_zeros() as usize);
                mask &= mask - 1;
            }
        }
    }

    pub(super) fn bytes(&self) -> usize {
        let families = [&self.in_country, &self.rate_in, &self.speaks];
        [&self.active, &self.on_site, &self.anywhere, &self.no_rate].iter().map(|b| b.bytes()).sum::<usize>()
            + families.iter().flat_map(|f| f.iter()).map(Bits::bytes).sum::<usize>()
            + self.holds.iter().flatten().map(Members::bytes).sum::<usize>()
            + self.holds.capacity() * size_of::<[Members; LEVELS]>()
    }
}
