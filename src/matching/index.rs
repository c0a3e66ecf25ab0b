//! The in-memory matching index. Every candidate is reduced to what scoring
//! reads (small ids instead of strings, days instead of dates, a bit mask for
//! crisis experience) in one fixed-size row plus a short run of packed `u32`
//! attributes, so ranking a need is one pass over flat memory feeding a
//! top-k heap. Explanations, which need the full profile, are built for the
//! top k only, from the database. The same rows answer the candidate list's
//! filters in creation and change order (`listing`).
//!
//! The index must rank exactly as [`scan`] (scoring every candidate with
//! [`super::explain`]) does, order included: both use [`super::score`] for the
//! arithmetic, and a property test holds them to it.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use self::listing::Order;
pub use self::listing::{After, ListOrder, Listed, Stamp};
use self::sieve::Sieve;
use super::score::{self, CRITERIA, Proximity, Scores, Seasoning};
use super::{Explanation, Settings, crisis_signals, explain, wanted_record, wanted_skills, window};
use crate::domain::candidate::{Candidate, CandidateSkill, CandidateStatus, LanguageProficiency, RemotePreference};
use crate::domain::exchange::Converter;
use crate::domain::need::{Need, RemotePolicy};
use crate::domain::skillset::{IdealSkillset, MatchWeights};
use crate::domain::{CandidateId, CrisisSignal, Currency, DayRate};

/// What to rank and how much of it to return.
#[derive(Debug, Clone, Copy)]
pub struct Search {
    /// Only results scoring at least this.
    pub min_score: f64,
    /// Also rank candidates a hard filter excludes.
    pub include_excluded: bool,
    /// Only results ranked after this `(total, id)`: the cursor of the previous page.
    pub after: Option<(f64, Uuid)>,
    /// How many results to return.
    pub k: usize,
    /// Count every result that qualifies ([`Ranking::matched`], a page's total). Without it, ranking passes
    /// over unread the rows whose best possible total could not enter the top k.
    pub count: bool,
}

/// A ranked result: a candidate for a need, or a need for a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: Uuid,
    pub total: f64,
    pub eligible: bool,
}

/// The best `k` hits, best first, and how many candidates qualified before the cursor was applied (when
/// [`Search::count`] asked for it).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub hits: Vec<Hit>,
    pub matched: Option<usize>,
}

/// How many rows ahead of the one scored ranking fetches.
const AHEAD: usize = 8;

/// Asks the processor to bring `value`'s cache line in ahead of its use.
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and changes nothing the program can see (and the
    // reference is valid anyway). The intrinsic is `unsafe` only for its target feature, SSE, which every x86-64 has.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Ranking order: higher total first, then the smaller id.
fn better(a: (f64, u128), b: (f64, u128)) -> Ordering {
    a.0.total_cmp(&b.0).then_with(|| b.1.cmp(&a.1))
}

/// A heap entry ordered by [`better`].
#[derive(Debug, Clone, Copy)]
struct Ranked {
    total: f64,
    id: u128,
    eligible: bool,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        better((self.total, self.id), (other.total, other.id))
    }
}

/// Collects the best `k` of what it is offered, and counts what qualified.
struct TopK {
    search: Search,
    after: Option<(f64, u128)>,
    heap: BinaryHeap<Reverse<Ranked>>,
    matched: usize,
}

impl TopK {
    fn new(search: Search) -> Self {
        let after = search.after.map(|(total, id)| (total, id.as_u128()));
        TopK { search, after, heap: BinaryHeap::with_capacity(search.k + 1), matched: 0 }
    }

    /// Offers a result known by an estimate within [`score::ESTIMATE_MARGIN`] of its total; `exact` gives the
    /// total, asked for only when the result may count against `min_score` or enter the top k.
    fn offer_estimated(&mut self, estimate: f64, exact: impl FnOnce() -> f64, id: u128, eligible: bool) {
        if !(eligible || self.search.include_excluded) || estimate + score::ESTIMATE_MARGIN < self.search.min_score {
            return;
        }
        let full = self.heap.len() >= self.search.k;
        let cannot_enter =
            full && self.heap.peek().is_some_and(|worst| estimate + score::ESTIMATE_MARGIN < worst.0.total);
        if cannot_enter && estimate - score::ESTIMATE_MARGIN >= self.search.min_score {
            self.matched += 1;
            return;
        }
        self.offer(exact(), id, eligible);
    }

    /// Whether a result whose total is at most `upper` (within the estimate's margin) could not enter the top k
    /// and is counted by `min_score` anyway (the default 0 counts every result).
    fn hopeless(&self, upper: f64) -> bool {
        self.search.min_score <= 0.0 && self.cannot_enter(upper)
    }

    /// Whether a result whose total is at most `upper` (within the estimate's margin) could not enter the top k.
    #[inline]
    fn cannot_enter(&self, upper: f64) -> bool {
        self.heap.len() >= self.search.k
            && self.heap.peek().is_some_and(|worst| upper + score::ESTIMATE_MARGIN < worst.0.total)
    }

    fn offer(&mut self, total: f64, id: u128, eligible: bool) {
        if total < self.search.min_score || !(eligible || self.search.include_excluded) {
            return;
        }
        self.matched += 1;
        if self.after.is_some_and(|after| better((total, id), after) != Ordering::Less) {
            return;
        }
        let entry = Ranked { total, id, eligible };
        if self.heap.len() < self.search.k {
            self.heap.push(Reverse(entry));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && entry > worst.0
        {
            *worst = Reverse(entry);
        }
    }

    fn merge(&mut self, other: TopK) {
        self.matched += other.matched;
        for Reverse(e) in other.heap {
            self.matched -= 1;
            self.offer(e.total, e.id, e.eligible);
        }
    }

    fn finish(self) -> Ranking {
        let mut hits: Vec<Ranked> = self.heap.into_iter().map(|r| r.0).collect();
        hits.sort_by(|a, b| b.cmp(a));
        Ranking {
            hits: hits
                .into_iter()
                .map(|r| Hit { id: Uuid::from_u128(r.id), total: r.total, eligible: r.eligible })
                .collect(),
            matched: self.search.count.then_some(self.matched),
        }
    }
}

/// Ranks `(id, total, eligible)` results: best total first, ties to the smaller id.
pub fn rank(results: impl IntoIterator<Item = (Uuid, f64, bool)>, search: Search) -> Ranking {
    let mut top = TopK::new(search);
    for (id, total, eligible) in results {
        top.offer(total, id.as_u128(), eligible);
    }
    top.finish()
}

/// The reference ranking: every candidate explained in full. What the index must equal.
pub fn scan<'a>(
    need: &Need,
    skillset: Option<&IdealSkillset>,
    candidates: impl IntoIterator<Item = (CandidateId, &'a Candidate)>,
    settings: &Settings,
    search: Search,
) -> Ranking {
    rank(
        candidates.into_iter().map(|(id, candidate)| {
            let Explanation { total, eligible, .. } = explain(need, skillset, candidate, settings);
            (id.as_uuid(), total, eligible)
        }),
        search,
    )
}

/// Strings interned to small ids; 0 stands for "none".
#[derive(Debug, Default)]
struct Vocabulary {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Vocabulary {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        self.names.push(name.to_owned());
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// The id of `name`, or [`UNKNOWN`] when no candidate has it.
    fn id(&self, name: &str) -> u32 {
        self.ids.get(name).copied().unwrap_or(UNKNOWN)
    }

    fn bytes(&self) -> usize {
        self.names.iter().map(|n| 2 * n.len() + 48).sum()
    }
}

/// A skill a row holds, kept in two words of its lists: `skill << 8 | level`, then `years << 16 | last used`
/// (the year, 0 when not said).
#[derive(Debug, Clone, Copy)]
struct Held {
    skill: u32,
    level: u8,
    years: i32,
    last_used: Option<i32>,
}

impl Held {
    const WORDS: usize = 2;

    fn words(skill: u32, s: &CandidateSkill) -> [u32; Held::WORDS] {
        // Years are 0-60 and years of use 1950-9999 (validated): each fits its 16 bits.
        let years = s.years.clamp(0, 0xffff) as u32;
        let last_used = s.last_used.map_or(0, |y| y.clamp(1, 0xffff) as u32);
        [skill << 8 | u32::from(s.level.get()), years << 16 | last_used]
    }

    #[inline]
    fn read(words: &[u32]) -> Held {
        let last_used = words[1] & 0xffff;
        Held {
            skill: words[0] >> 8,
            level: (words[0] & 0xff) as u8,
            years: (words[1] >> 16) as i32,
            last_used: (last_used != 0).then_some(last_used as i32),
        }
    }

    /// What its years and last use make of its score for an assignment starting in `start_year`.
    #[inline]
    fn seasoning(&self, start_year: i32) -> Seasoning {
        Seasoning::of(self.years, self.last_used, start_year)
    }
}

/// The skills in a row's skill words.
#[inline]
fn held(skills: &[u32]) -> impl Iterator<Item = Held> + '_ {
    skills.chunks_exact(Held::WORDS).map(Held::read)
}

/// An id no candidate holds: what a need's string maps to when no candidate has it.
const UNKNOWN: u32 = u32::MAX;
const OPEN_FROM: i32 = i32::MIN;
const OPEN_UNTIL: i32 = i32::MAX;
/// The status byte of a slot whose candidate was removed.
const VACANT: u8 = u8::MAX;

fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn position<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter().position(|v| v == value).map_or(0, |p| p as u8)
}

/// The status byte of an active candidate.
fn active() -> u8 {
    position(CandidateStatus::ALL, &CandidateStatus::Active)
}

/// The remote-preference byte of a candidate who works only remotely.
fn remote_only() -> u8 {
    position(RemotePreference::ALL, &RemotePreference::Remote)
}

/// The proficiency byte of the least a need's language asks for.
fn professional() -> u8 {
    position(LanguageProficiency::ALL, &LanguageProficiency::Professional)
}

/// One candidate's fixed-size part. Its lists live in `attrs[offset..]`:
/// skills (two words each, [`Held`]), languages (`language << 8 | proficiency`),
/// industries, education and training lines, then the assignments held (start and end day, two words each).
#[derive(Debug, Clone, Copy)]
struct Row {
    id: u128,
    available_from: i32,
    available_until: i32,
    day_rate: i64,
    offset: u32,
    city: u32,
    years: i32,
    /// 0: no day rate.
    currency: u16,
    /// 0: no location.
    country: u16,
    skills: u16,
    languages: u16,
    industries: u16,
    records: u16,
    commitments: u16,
    /// The longest assignment the candidate takes, in months; `u16::MAX`: no limit.
    max_engagement: u16,
    status: u8,
    remote: u8,
    willing_to_travel: bool,
    crisis: u8,
}

/// The index: rows, their packed lists, and where each candidate's row is.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    rows: Vec<Row>,
    attrs: Vec<u32>,
    /// Attribute words no row points to any more (reclaimed by compaction).
    garbage: usize,
    slots: HashMap<u128, u32>,
    vacant: Vec<u32>,
    skills: Vocabulary,
    languages: Vocabulary,
    industries: Vocabulary,
    records: Vocabulary,
    countries: Vocabulary,
    cities: Vocabulary,
    currencies: Vocabulary,
    sieve: Sieve,
    /// By slot: what a list shows besides the attributes.
    stamps: Vec<Stamp>,
    order: Order,
}

impl CandidateIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many candidates the index holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The stamp of the version of a candidate the index holds.
    pub fn stamp(&self, id: Uuid) -> Option<Stamp> {
        self.slots.get(&id.as_u128()).map(|&slot| self.stamps[slot as usize])
    }

    /// Adds the candidate, or replaces what the index holds of it.
    pub fn upsert(&mut self, id: CandidateId, c: &Candidate, stamp: Stamp) {
        let key = id.as_uuid().as_u128();
        let offset = self.attrs.len() as u32;
        for s in &c.skills {
            let skill = self.skills.intern(s.skill.as_str());
            self.attrs.extend(Held::words(skill, s));
        }
        for l in &c.languages {
            let proficiency = position(LanguageProficiency::ALL, &l.proficiency);
            self.attrs.push(self.languages.intern(&l.language) << 8 | u32::from(proficiency));
        }
        for industry in &c.industries {
            self.attrs.push(self.industries.intern(industry));
        }
        let record = super::record_of(c);
        for line in &record {
            self.attrs.push(self.records.intern(line));
        }
        for period in &c.commitments {
            self.attrs.extend([days(period.start) as u32, days(period.end) as u32]);
        }
        let row = Row {
            id: key,
            available_from: c.availability.available_from.map_or(OPEN_FROM, days),
            available_until: c.availability.available_until.map_or(OPEN_UNTIL, days),
            day_rate: c.day_rate.map_or(0, |r| r.amount),
            offset,
            city: c.location.as_ref().and_then(|l| l.city.as_deref()).map_or(0, |city| self.cities.intern(city)),
            years: c.years_experience,
            currency: c.day_rate.map_or(0, |r| self.currencies.intern(&r.currency.code()) as u16),
            country: c.location.as_ref().map_or(0, |l| self.countries.intern(&l.country) as u16),
            skills: c.skills.len() as u16,
            languages: c.languages.len() as u16,
            industries: c.industries.len() as u16,
            records: record.len() as u16,
            commitments: c.commitments.len() as u16,
            max_engagement: c
                .availability
                .max_engagement_months
                .map_or(u16::MAX, |m| m.clamp(0, i32::from(u16::MAX - 1)) as u16),
            status: position(CandidateStatus::ALL, &c.status),
            remote: position(RemotePreference::ALL, &c.remote_preference),
            willing_to_travel: c.willing_to_travel,
            crisis: c.crisis_experience.iter().fold(0, |mask, s| mask | 1 << position(CrisisSignal::ALL, s)),
        };
        let slot = match self.slots.get(&key) {
            Some(&slot) => {
                let old = self.rows[slot as usize];
                self.sieve.mark(slot, &old, &self.attrs[old.span()], false);
                self.order.remove(key, &self.stamps[slot as usize]);
                self.garbage += old.width();
                self.rows[slot as usize] = row;
                self.stamps[slot as usize] = stamp;
                slot
            }
            None => {
                let slot = match self.vacant.pop() {
                    Some(slot) => {
                        self.rows[slot as usize] = row;
                        self.stamps[slot as usize] = stamp;
                        slot
                    }
                    None => {
                        self.rows.push(row);
                        self.stamps.push(stamp);
                        (self.rows.len() - 1) as u32
                    }
                };
                self.slots.insert(key, slot);
                slot
            }
        };
        self.sieve.mark(slot, &row, &self.attrs[row.span()], true);
        self.order.insert(key, &stamp, slot);
        self.compact_if_wasteful();
    }

    /// Forgets the candidate (deleted, or erased).
    pub fn remove(&mut self, id: CandidateId) {
        if let Some(slot) = self.slots.remove(&id.as_uuid().as_u128()) {
            let old = self.rows[slot as usize];
            self.sieve.mark(slot, &old, &self.attrs[old.span()], false);
            self.order.remove(old.id, &self.stamps[slot as usize]);
            let row = &mut self.rows[slot as usize];
            self.garbage += row.width();
            row.status = VACANT;
            self.vacant.push(slot);
            self.compact_if_wasteful();
        }
    }

    /// Rewrites the attributes without the garbage once it outweighs what is live.
    fn compact_if_wasteful(&mut self) {
        if self.garbage < 4096 || self.garbage * 2 < self.attrs.len() {
            return;
        }
        let mut attrs = Vec::with_capacity(self.attrs.len() - self.garbage);
        for row in self.rows.iter_mut().filter(|r| r.status != VACANT) {
            let start = row.offset as usize;
            row.offset = attrs.len() as u32;
            attrs.extend_from_slice(&self.attrs[start..start + row.width()]);
        }
        self.attrs = attrs;
        self.garbage = 0;
    }

    /// Bytes the index holds: rows, attributes, the id map and the vocabularies.
    pub fn memory_bytes(&self) -> usize {
        self.rows.capacity() * size_of::<Row>()
            + self.attrs.capacity() * size_of::<u32>()
            + self.slots.capacity() * (size_of::<(u128, u32)>() + 1)
            + self.vacant.capacity() * size_of::<u32>()
            + [&self.skills, &self.languages, &self.industries, &self.records, &self.countries, &self.cities]
                .iter()
                .map(|v| v.bytes())
                .sum::<usize>()
            + self.sieve.bytes()
            + self.stamps.capacity() * size_of::<Stamp>()
            + self.order.bytes()
    }

    /// Reads every byte scoring reads and nothing more: the memory-bandwidth floor of a match.
    pub fn read_everything(&self) -> u64 {
        let mut sum = 0u64;
        for r in &self.rows {
            sum = sum.wrapping_add(
                (r.id as u64)
                    ^ r.available_from as u64
                    ^ r.available_until as u64
                    ^ r.day_rate as u64
                    ^ u64::from(r.city)
                    ^ r.years as u64
                    ^ u64::from(r.currency)
                    ^ u64::from(r.country)
                    ^ u64::from(r.status)
                    ^ u64::from(r.remote)
                    ^ u64::from(r.crisis)
                    ^ u64::from(r.willing_to_travel),
            );
            for a in &self.attrs[r.span()] {
                sum = sum.wrapping_add(u64::from(*a));
            }
        }
        sum
    }

    /// Ranks every candidate for the need: exactly what [`scan`] gives over the same candidates.
    pub fn rank(&self, need: &Need, skillset: Option<&IdealSkillset>, settings: &Settings, search: Search) -> Ranking {
        let query = Query::new(self, need, skillset, settings);
        self.offer_rows(&query, 0..self.rows.len().div_ceil(64), search).finish()
    }

    /// Offers the live rows of slots `words` (64 a word) to a fresh top k: every one when excluded candidates
    /// are ranked too, else only those the sieve lets through.
    fn offer_rows(&self, query: &Query, words: Range<usize>, search: Search) -> TopK {
        let mut levels = Levels::new(query.requirements.len());
        let mut top = TopK::new(search);
        let skills = self.sieve.skills_bound(query);
        let offer = |slot: usize, top: &mut TopK, levels: &mut Levels| {
            let row = &self.rows[slot];
            query.offer(row, &self.attrs[row.span()], || skills.at(slot), levels, top);
        };
        if search.include_excluded {
            let slots = words.start * 64..(words.end * 64).min(self.rows.len());
            slots.filter(|&slot| self.rows[slot].status != VACANT).for_each(|slot| offer(slot, &mut top, &mut levels));
        } else {
            // The rows the sieve lets through are scored a few behind it, so that the memory of the ones ahead is
            // fetched meanwhile: ranking waited on it (perf: the first read of a row was a third of a match).
            let mut ahead = [0usize; AHEAD];
            let mut sifted = 0usize;
            self.sieve.sift(query, words, |slot| {
                // Unless every qualifying row is counted, a row that could not enter the top k even with every
                // criterion but skills at its best (and skills at the best the sieve's bit sets allow) is passed
                // over unread: most rows, for a need that filters few out (perf: the p95 of ranking).
                if !search.count && top.cannot_enter(query.best_total(skills.at(slot))) {
                    return;
                }
                prefetch(&self.rows[slot]);
                if sifted >= AHEAD / 2 {
                    // Fetched half a turn ago: its lists can be fetched too.
                    let row = &self.rows[ahead[(sifted - AHEAD / 2) % AHEAD]];
                    if let Some(first) = self.attrs.get(row.offset as usize) {
                        prefetch(first);
                    }
                }
                if sifted >= AHEAD {
                    offer(ahead[sifted % AHEAD], &mut top, &mut levels);
                }
                ahead[sifted % AHEAD] = slot;
                sifted += 1;
            });
            (sifted.saturating_sub(AHEAD)..sifted).for_each(|i| offer(ahead[i % AHEAD], &mut top, &mut levels));
        }
        top
    }

    /// [`Self::rank`], split over the machine's cores when the index is large enough for it to pay.
    pub fn rank_auto(
        &self,
        need: &Need,
        skillset: Option<&IdealSkillset>,
        settings: &Settings,
        search: Search,
    ) -> Ranking {
        // Asked once: the standard library reads the cgroup's files on every call (2 % of a match's CPU).
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if !self.ranks_on_one_thread() && cores > 1 {
            self.rank_parallel(need, skillset, settings, search, cores)
        } else {
            self.rank(need, skillset, settings, search)
        }
    }

    /// Whether [`Self::rank_auto`] ranks on the calling thread alone: below 250,000 candidates (a few ms at most).
    pub fn ranks_on_one_thread(&self) -> bool {
        const PARALLEL_FROM: usize = 250_000;
        self.rows.len() < PARALLEL_FROM
    }

    /// [`Self::rank`] split over `threads` threads: for large indexes on an otherwise idle machine.
    pub fn rank_parallel(
        &self,
        need: &Need,
        skillset: Option<&IdealSkillset>,
        settings: &Settings,
        search: Search,
        threads: usize,
    ) -> Ranking {
        let query = Query::new(self, need, skillset, settings);
        let words = self.rows.len().div_ceil(64);
        let chunk = words.div_ceil(threads.max(1)).max(1);
        let parts: Vec<TopK> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..words)
                .step_by(chunk)
                .map(|start| {
                    let query = &query;
                    s.spawn(move || self.offer_rows(query, start..(start + chunk).min(words), search))
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let mut top = TopK::new(search);
        for part in parts {
            top.merge(part);
        }
        top.finish()
    }
}

impl Row {
    /// Where its lists are in the attributes.
    /// How many words of the lists its skills take.
    #[inline]
    fn skill_words(&self) -> usize {
        Held::WORDS * usize::from(self.skills)
    }

    fn span(&self) -> Range<usize> {
        self.offset as usize..self.offset as usize + self.width()
    }

    fn width(&self) -> usize {
        self.skill_words()
            + usize::from(self.languages)
            + usize::from(self.industries)
            + usize::from(self.records)
            + 2 * usize::from(self.commitments)
    }
}

/// A need compiled against the index's vocabularies.
struct Query {
    start: i32,
    /// The year the assignment starts in, which a skill's last use is counted against.
    start_year: i32,
    end: Option<i32>,
    /// By skill id: the range of [`Query::links`] a holder of the skill earns credit through.
    links_of_skill: Vec<(u32, u32)>,
    /// `(requirement, credit, meets it as a must-have)` for each skill credited for a requirement.
    links: Vec<(u16, f64, bool)>,
    /// `(min level, weight, must have, required)` of each requirement, required first.
    requirements: Vec<(u8, i32, bool, bool)>,
    /// By requirement: the ids of the skills credited for it (that some candidate holds), each with whether it
    /// meets the requirement as a must-have.
    credited: Vec<Vec<(u32, bool)>>,
    /// Whether a candidate must hold a skill credited for a required one (the `required_skills` filter).
    needs_a_required: bool,
    /// By skill id: credited for a required skill.
    credits_required: Vec<bool>,
    /// The need's length in months, when known.
    duration: Option<i32>,
    min_years: i32,
    industries: Vec<u32>,
    crisis: u8,
    crisis_wanted: usize,
    /// For each education or training line id, which wanted items it meets (a bit per item, 64 a word).
    record_meets: Vec<u64>,
    record_words: usize,
    record_wanted: usize,
    languages: Vec<u32>,
    budget: Option<Budget>,
    remote: bool,
    /// `(country, city)` of the need; city 0 when the need names none.
    place: Option<(u32, u32)>,
    weights: MatchWeights,
    weights_in_order: [f64; CRITERIA.len()],
    /// `(slope, intercept)` of [`Query::best_total`] in the skills score.
    best: (f64, f64),
    active: u8,
    remote_only: u8,
    professional: u8,
}

/// A need's budget, against day rates in each currency some candidate quotes in: converted into the budget's
/// currency with the rate in force on the need's start, as [`explain`] converts them.
struct Budget {
    amount: i64,
    /// By currency id: what converts a day rate in it into the budget's currency; `None` when no rate does.
    converters: Vec<Option<Converter>>,
    /// By currency id: the highest day rate in it within the budget's cap (`-1`: none is, no rate converts it).
    caps: Vec<i64>,
    /// The currencies whose day rates can be converted.
    convertible: Vec<u32>,
}

impl Budget {
    fn new(currencies: &Vocabulary, budget: DayRate, on: NaiveDate, settings: &Settings) -> Self {
        let converters: Vec<Option<Converter>> = std::iter::once(None)
            .chain(currencies.names.iter().map(|name| {
                let currency = Currency::parse(name).ok()?;
                settings.rates.converter(currency, budget.currency, on)
            }))
            .collect();
        let within = |a| score::within_cap(a, budget.amount, settings.rate_tolerance);
        let caps = converters
            .iter()
            .map(|c| c.and_then(|c| c.largest_passing(DayRate::MAX_AMOUNT, within)).unwrap_or(-1))
            .collect();
        let convertible = (1..converters.len() as u32).filter(|&c| converters[c as usize].is_some()).collect();
        Budget { amount: budget.amount, converters, caps, convertible }
    }

    #[inline]
    fn cap(&self, currency: u16) -> i64 {
        self.caps.get(usize::from(currency)).copied().unwrap_or(-1)
    }

    /// A day rate in the budget's currency, when it can be converted.
    #[inline]
    fn convert(&self, currency: u16, day_rate: i64) -> Option<i64> {
        self.converters.get(usize::from(currency))?.as_ref()?.apply(day_rate)
    }
}

impl Query {
    fn new(index: &CandidateIndex, need: &Need, skillset: Option<&IdealSkillset>, settings: &Settings) -> Self {
        let (start, end) = window(need, settings.today);
        let vocabulary = index.skills.names.len() + 1;
        let mut by_skill: Vec<Vec<(u16, f64, bool)>> = vec![Vec::new(); vocabulary];
        let mut credits_required = vec![false; vocabulary];
        let (mut requirements, mut credited) = (Vec::new(), Vec::new());
        for (i, w) in wanted_skills(skillset, &settings.taxonomy).iter().enumerate() {
            let r = w.requirement;
            requirements.push((r.min_level.get(), r.weight, w.must_have, w.required));
            let mut ids = Vec::new();
            for (credit, meets) in &w.credits {
                // A skill no candidate holds earns nobody anything.
                let id = index.skills.id(credit.skill.as_str());
                if let Some(links) = by_skill.get_mut(id as usize) {
                    links.push((i as u16, credit.credit, *meets));
                    ids.push((id, *meets));
                    credits_required[id as usize] |= w.required;
                }
            }
            credited.push(ids);
        }
        let (mut links_of_skill, mut links) = (Vec::with_capacity(vocabulary), Vec::new());
        for skill in by_skill {
            let start = links.len() as u32;
            links.extend(skill);
            links_of_skill.push((start, links.len() as u32));
        }
        let signals = crisis_signals(need, skillset);
        let wanted = wanted_record(skillset);
        let record_words = wanted.len().div_ceil(64);
        let mut record_meets = vec![0u64; (index.records.names.len() + 1) * record_words];
        for (line, name) in index.records.names.iter().enumerate() {
            for (i, item) in wanted.iter().enumerate() {
                if item.is_met_by(name) {
                    record_meets[(line + 1) * record_words + i / 64] |= 1 << (i % 64);
                }
            }
        }
        let mut query = Query {
            start: days(start),
            start_year: start.year(),
            end: end.map(days),
            links_of_skill,
            links,
            requirements,
            credited,
            needs_a_required: skillset
                .is_some_and(|s| !s.required_skills.is_empty() && !s.match_without_required_skills),
            credits_required,
            duration: need.duration_months,
            min_years: skillset.map_or(0, |s| s.min_years_experience),
            industries: skillset
                .map(|s| s.industries.iter().map(|i| index.industries.id(i)).collect())
                .unwrap_or_default(),
            crisis: signals.iter().fold(0, |mask, s| mask | 1 << position(CrisisSignal::ALL, s)),
            crisis_wanted: signals.len(),
            record_meets,
            record_words,
            record_wanted: wanted.len(),
            languages: skillset
                .map(|s| s.languages.iter().map(|l| index.languages.id(l)).collect())
                .unwrap_or_default(),
            budget: need.day_rate_budget.map(|b| Budget::new(&index.currencies, b, start, settings)),
            remote: need.remote_policy == RemotePolicy::Remote,
            place: need
                .location
                .as_ref()
                .map(|l| (index.countries.id(&l.country), l.city.as_deref().map_or(0, |c| index.cities.id(c)))),
            weights: settings.weights_for(skillset),
            weights_in_order: settings.weights_for(skillset).in_order(),
            best: (0.0, 0.0),
            active: active(),
            remote_only: remote_only(),
            professional: professional(),
        };
        query.best = query.line_of_best();
        query
    }

    /// The best total as a line in the skills score: the weighted mean of skills and of every other criterion
    /// that can apply to a row, at 100. Each scores at most 100, so the more of them apply, the higher it is.
    fn line_of_best(&self) -> (f64, f64) {
        let w = &self.weights_in_order;
        let can_apply = [
            true, // experience
            !self.industries.is_empty(),
            self.crisis_wanted > 0,
            self.record_wanted > 0,
            !self.languages.is_empty(),
            self.budget.is_some(),
            true, // availability
            self.remote || self.place.is_some(),
        ];
        let skills = if self.requirements.is_empty() { 0.0 } else { w[0] };
        let rest: f64 = can_apply.iter().zip(&w[1..]).filter(|(applies, _)| **applies).map(|(_, w)| w).sum();
        let applied = skills + rest;
        if applied > 0.0 { (skills / applied, 100.0 * rest / applied) } else { (0.0, 0.0) }
    }

    /// The best total a row whose skills score at most `skills` could have: every other criterion at 100.
    #[inline]
    fn best_total(&self, skills: f64) -> f64 {
        self.best.0 * skills + self.best.1
    }

    /// Scores one row and offers it to `top`. `levels` is scratch space, one entry per requirement: the level
    /// gathered for it, valid when stamped with this row's `stamp` (so it never needs clearing). `skills_at_most`
    /// bounds the row's skills score from above.
    #[inline]
    fn offer(
        &self,
        row: &Row,
        attrs: &[u32],
        skills_at_most: impl FnOnce() -> f64,
        levels: &mut Levels,
        top: &mut TopK,
    ) {
        let (skills, rest) = attrs.split_at(row.skill_words());
        let (languages, rest) = rest.split_at(usize::from(row.languages));
        let (industries, rest) = rest.split_at(usize::from(row.industries));
        let (records, commitments) = rest.split_at(usize::from(row.records));
        let speaks = |language: u32| languages.iter().find(|a| *a >> 8 == language).map(|a| (*a & 0xff) as u8);

        // Hard filters, as `explain` decides them; the cheap ones first.
        let eligible = row.status == self.active
            && row.available_until >= self.start
            && self.end.is_none_or(|end| row.available_from <= end)
            && !commitments
                .chunks_exact(2)
                .any(|p| p[1] as i32 >= self.start && self.end.is_none_or(|end| p[0] as i32 <= end))
            && self.budget.as_ref().is_none_or(|b| row.currency == 0 || row.day_rate <= b.cap(row.currency))
            && (self.remote
                || (row.remote != self.remote_only
                    && (row.willing_to_travel
                        || self
                            .place
                            .is_none_or(|(country, _)| row.country == 0 || u32::from(row.country) == country))))
            && self.languages.iter().all(|l| speaks(*l).is_some_and(|p| p >= self.professional))
            && self
                .duration
                .is_none_or(|months| row.max_engagement == u16::MAX || i32::from(row.max_engagement) >= months)
            && (!self.needs_a_required
                || held(skills).any(|h| self.credits_required.get(h.skill as usize).copied().unwrap_or(false)));
        if !eligible && !top.search.include_excluded {
            return;
        }
        // What skills earn is gathered here only when a must-have decides eligibility; otherwise after the bound
        // below.
        let gathered = self.requirements.iter().any(|r| r.2);
        if gathered {
            levels.gather(skills, self);
        }
        let eligible = eligible
            && self.requirements.iter().enumerate().all(|(slot, &(min, _, must_have, _))| {
                !must_have || levels.get(slot).is_some_and(|(_, level)| level >= min)
            });
        if !eligible && !top.search.include_excluded {
            return;
        }

        // The cheap criteria first; the costly ones (skills, industries, education and training, languages) at
        // their best bound the total: a row that could not enter the top k even so only needs counting. The
        // skills' best is what the row's levels allow (from the sieve's bit sets), the others' 100.
        let mut scores: Scores = [None; CRITERIA.len()];
        scores[1] = Some(score::experience(row.years, self.min_years));
        if self.crisis_wanted > 0 {
            scores[3] = Some(score::share((row.crisis & self.crisis).count_ones() as usize, self.crisis_wanted));
        }
        if let Some(b) = &self.budget
            && let Some(converted) = b.convert(row.currency, row.day_rate)
        {
            scores[6] = Some(score::rate(converted, b.amount));
        }
        let days_late = if row.available_from == OPEN_FROM {
            0
        } else {
            (i64::from(row.available_from) - i64::from(self.start)).max(0)
        };
        scores[7] = Some(score::availability(days_late));
        scores[8] = if self.remote {
            Some(score::location(Proximity::SameCity))
        } else {
            match self.place {
                Some((country, city)) if row.country != 0 => {
                    Some(score::location(if u32::from(row.country) != country {
                        Proximity::Abroad { willing_to_travel: row.willing_to_travel }
                    } else if city != 0 && row.city == city {
                        Proximity::SameCity
                    } else {
                        Proximity::SameCountry
                    }))
                }
                _ => None,
            }
        };
        scores[0] = (!self.requirements.is_empty()).then(skills_at_most);
        scores[2] = (!self.industries.is_empty()).then_some(100.0);
        scores[4] = (self.record_wanted > 0).then_some(100.0);
        scores[5] = (!self.languages.is_empty()).then_some(100.0);
        if top.hopeless(score::estimate(&scores, &self.weights_in_order)) {
            top.matched += 1;
            return;
        }

        if !self.industries.is_empty() {
            let hits = self.industries.iter().filter(|i| industries.contains(i)).count();
            scores[2] = Some(score::share(hits, self.industries.len()));
        }
        if self.record_wanted > 0 {
            let words = self.record_words;
            let met = (0..words)
                .map(|w| {
                    records.iter().fold(0u64, |m, r| m | self.record_meets[*r as usize * words + w]).count_ones()
                        as usize
                })
                .sum();
            scores[4] = Some(score::share(met, self.record_wanted));
        }
        if !self.languages.is_empty() {
            let sum = self
                .languages
                .iter()
                .map(|l| score::language(speaks(*l).map(|p| LanguageProficiency::ALL[usize::from(p)])))
                .sum::<f64>();
            scores[5] = Some(sum / self.languages.len() as f64);
        }
        if !self.requirements.is_empty() {
            // Even with every skill perfect this row could not enter the top k: it only needs counting.
            if top.hopeless(score::estimate(&scores, &self.weights_in_order)) {
                top.matched += 1;
                return;
            }
            if !gathered {
                levels.gather(skills, self);
            }
            let (mut required, mut preferred) = ((0.0, 0.0), (0.0, 0.0));
            for (slot, &(_, weight, _, is_required)) in self.requirements.iter().enumerate() {
                let earned = levels.get(slot).map_or(0.0, |(earned, _)| earned);
                let acc = if is_required { &mut required } else { &mut preferred };
                *acc = score::add_weighted(*acc, earned, weight);
            }
            scores[0] = Some(score::skills(score::mean(required), score::mean(preferred)));
        }
        let estimate = score::estimate(&scores, &self.weights_in_order);
        top.offer_estimated(estimate, || score::total(&scores, &self.weights), row.id, eligible);
    }
}

/// What a row's skills earn for each requirement, gathered once per row.
struct Levels {
    /// `(stamp, earned, level)` per requirement: the most a held skill earns for it, and the highest level of a
    /// held skill that meets it as a must-have (0: none); an entry is this row's only when its stamp is.
    slots: Vec<(u32, f64, u8)>,
    stamp: u32,
}

impl Levels {
    fn new(requirements: usize) -> Self {
        Levels { slots: vec![(0, 0.0, 0); requirements], stamp: 0 }
    }

    /// Gathers what a row's skill words ([`Held`]) earn through the query's links.
    #[inline]
    fn gather(&mut self, skills: &[u32], query: &Query) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slots.fill((0, 0.0, 0));
            self.stamp = 1;
        }
        for h in held(skills) {
            let Some(&(start, end)) = query.links_of_skill.get(h.skill as usize) else { continue };
            let (level, seasoned) = (h.level, h.seasoning(query.start_year));
            for &(slot, credit, meets) in &query.links[start as usize..end as usize] {
                let (slot, min) = (usize::from(slot), query.requirements[usize::from(slot)].0);
                let earned = score::credited(level, min, credit, seasoned);
                let must = if meets { level } else { 0 };
                let entry = &mut self.slots[slot];
                if entry.0 != self.stamp {
                    *entry = (self.stamp, earned, must);
                } else {
                    entry.1 = entry.1.max(earned);
                    entry.2 = entry.2.max(must);
                }
            }
        }
    }

    /// What the row earns for requirement `slot` and the level it meets it at as a must-have; `None` when it
    /// holds no skill credited for it.
    #[inline]
    fn get(&self, slot: usize) -> Option<(f64, u8)> {
        self.slots.get(slot).filter(|e| e.0 == self.stamp).map(|e| (e.1, e.2))
    }
}

mod listing;
mod sieve;
#[cfg(test)]
mod tests;
