//! What a full-text search asks for, read from the text a caller typed: words
//! (all of them must be found), `"quoted phrases"`, `OR` between two of
//! those, and `-word` for what must not be found, as web search engines (and
//! PostgreSQL's `websearch_to_tsquery`) read it. Parsed once here and
//! written out for each backend, so both find the same candidates, and no
//! text a caller types can make a query the database refuses.

use std::fmt::Write as _;

/// Longest search text taken, in characters.
pub const MAX_LENGTH: usize = 200;
/// Most words a search takes (phrases count each of their words).
pub const MAX_WORDS: usize = 16;

/// One thing to find: a word, or the words of a phrase in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase(Vec<String>);

/// A parsed search: every group must be found (a group is found when one of
/// its phrases is), and no excluded phrase may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    groups: Vec<Vec<Phrase>>,
    excluded: Vec<Phrase>,
}

/// Why a search text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    TooLong,
    TooManyWords,
    NothingToFind,
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::TooLong => write!(f, "the search text is longer than {MAX_LENGTH} characters"),
            SearchError::TooManyWords => write!(f, "the search text has more than {MAX_WORDS} words"),
            SearchError::NothingToFind => {
                write!(f, "the search text has no word to find (only punctuation, or only excluded words)")
            }
        }
    }
}

/// Words as both backends' tokenizers see them: runs of letters and digits,
/// in lowercase.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

impl SearchQuery {
    pub fn parse(text: &str) -> Result<Self, SearchError> {
        if text.chars().count() > MAX_LENGTH {
            return Err(SearchError::TooLong);
        }
        // Items in order: (excluded, phrase), with `None` standing for `OR`.
        let mut items: Vec<Option<(bool, Phrase)>> = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let excluded = rest.starts_with('-');
            if excluded {
                rest = &rest[1..];
            }
            let (token, quoted, after) = if let Some(inner) = rest.strip_prefix('"') {
                let end = inner.find('"').unwrap_or(inner.len());
                (&inner[..end], true, inner.get(end + 1..).unwrap_or(""))
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], false, &rest[end..])
            };
            rest = after;
            if token == "OR" && !quoted && !excluded {
                items.push(None);
                continue;
            }
            let found: Vec<String> = words(token).collect();
            if found.is_empty() {
                continue;
            }
            if quoted {
                items.push(Some((excluded, Phrase(found))));
            } else {
                // `finance/controlling` is two words, as the tokenizers see it, both to find.
                items.extend(found.into_iter().map(|w| Some((excluded, Phrase(vec![w])))));
            }
        }
        let count: usize = items.iter().flatten().map(|(_, p)| p.0.len()).sum();
        if count > MAX_WORDS {
            return Err(SearchError::TooManyWords);
        }
        let mut query = SearchQuery { groups: Vec::new(), excluded: Vec::new() };
        let mut joined = false;
        for item in items {
            match item {
                None => joined = !query.groups.is_empty(),
                Some((true, phrase)) => {
                    query.excluded.push(phrase);
                    joined = false;
                }
                Some((false, phrase)) => {
                    match query.groups.last_mut() {
                        Some(group) if joined => group.push(phrase),
                        _ => query.groups.push(vec![phrase]),
                    }
                    joined = false;
                }
            }
        }
        if query.groups.is_empty() {
            return Err(SearchError::NothingToFind);
        }
        Ok(query)
    }

    /// The query in SQLite FTS5's syntax: every word in double quotes, so
    /// none is read as an operator.
    pub fn fts5(&self) -> String {
        let phrase = |p: &Phrase| format!("\"{}\"", p.0.join(" "));
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| match g.as_slice() {
                [one] => phrase(one),
                many => format!("({})", many.iter().map(phrase).collect::<Vec<_>>().join(" OR ")),
            })
            .collect();
        let mut out = groups.join(" AND ");
        if !self.excluded.is_empty() {
            out = format!("({out})");
            for p in &self.excluded {
                let _ = write!(out, " NOT {}", phrase(p));
            }
        }
        out
    }

    /// The query as `websearch_to_tsquery` reads it (PostgreSQL), written
    /// from the parsed form, so both backends read the same query.
    pub fn websearch(&self) -> String {
        let phrase = |p: &Phrase| match p.0.as_slice() {
            [one] => one.clone(),
            many => format!("\"{}\"", many.join(" ")),
        };
        let mut parts: Vec<String> =
            self.groups.iter().map(|g| g.iter().map(phrase).collect::<Vec<_>>().join(" or ")).collect();
        parts.extend(self.excluded.iter().map(|p| format!("-{}", phrase(p))));
        parts.join(" ")
    }
}

/// The fields a candidate is searched in, in the order of their weight.
pub const FIELDS: [&str; 6] = ["name", "headline", "skills", "summary", "notes", "documents"];

/// Words a passage shows around the words found.
const PASSAGE_WORDS: usize = 24;

/// Finds the words of a search in a text, as the engines do (lowercase,
/// English stems by Snowball, the algorithm of PostgreSQL's `english`
/// configuration; SQLite's Porter stems agree on nearly every word), and
/// cuts a passage around them. The same on both backends, and in Rust: a
/// database's own highlighter (`ts_headline`) parses the whole text again.
pub struct Highlighter {
    stemmer: rust_stemmers::Stemmer,
    /// The stems of the words to find (not of excluded ones).
    stems: Vec<String>,
}

/// A passage of a text with the places (character offsets, `[start, end)`)
/// of the words found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

impl SearchQuery {
    pub fn highlighter(&self) -> Highlighter {
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        let mut stems: Vec<String> =
            self.groups.iter().flatten().flat_map(|p| p.0.iter()).map(|w| stemmer.stem(w).into_owned()).collect();
        stems.sort();
        stems.dedup();
        Highlighter { stemmer, stems }
    }
}

impl Highlighter {
    fn finds(&self, word: &str) -> bool {
        // A stem starts with its word's first letter: most words need no stemming to be passed over.
        let first = word.chars().next().and_then(|c| c.to_lowercase().next());
        if !self.stems.iter().any(|s| s.chars().next() == first) {
            return false;
        }
        let lower = word.to_lowercase();
        let stem = self.stemmer.stem(&lower);
        self.stems.iter().any(|s| *s == stem || *s == lower)
    }

    /// The passage of `text` with the most words found in `PASSAGE_WORDS`
    /// words (`…` where it is cut); `None` when none is found.
    pub fn passage(&self, text: &str) -> Option<Passage> {
        // Words as (byte start, byte end), and which of them are found.
        let mut words: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        let found: Vec<bool> = words.iter().map(|&(s, e)| self.finds(&text[s..e])).collect();
        if !found.contains(&true) {
            return None;
        }
        // The window of words with the most found, shown from a few words before its first found.
        let window = PASSAGE_WORDS.min(words.len());
        let mut count = found[..window].iter().filter(|f| **f).count();
        let (mut most, mut best) = (count, 0);
        for first in 1..=words.len() - window {
            count = count + usize::from(found[first + window - 1]) - usize::from(found[first - 1]);
            if count > most {
                (most, best) = (count, first);
            }
        }
        let first_found = (best..best + window).find(|&i| found[i]).unwrap_or(best);
        let from = first_found.saturating_sub(3).min(words.len() - window);
        let to = from + window;
        let (cut_start, cut_end) = (from > 0, to < words.len());
        let byte_from = if cut_start { words[from].0 } else { 0 };
        let byte_to = if cut_end { words[to - 1].1 } else { text.len() };
        let mut passage = String::new();
        if cut_start {
            passage.push('…');
        }
        let offset = passage.chars().count();
        passage.push_str(&text[byte_from..byte_to]);
        if cut_end {
            passage.push('…');
        }
        let chars = |byte: usize| text[byte_from..byte].chars().count() + offset;
        let highlights = (from..to).filter(|&i| found[i]).map(|i| (chars(words[i].0), chars(words[i].1))).collect();
        Some(Passage { text: passage, highlights })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> SearchQuery {
        SearchQuery::parse(text).unwrap()
    }

    #[test]
    fn words_phrases_alternatives_and_exclusions() {
        let q = parsed(r#"  Interim CFO "private equity" turnaround OR restructuring -retail "#);
        assert_eq!(
            q.fts5(),
            r#"("interim" AND "cfo" AND "private equity" AND ("turnaround" OR "restructuring")) NOT "retail""#
        );
        assert_eq!(q.websearch(), r#"interim cfo "private equity" turnaround or restructuring -retail"#);
    }

    #[test]
    fn operators_of_the_engines_are_only_words() {
        // FTS5's own syntax (NEAR, *, ^, column filters) and tsquery's (& | ! :*) are punctuation here.
        let q = parsed(r#"name:ada NEAR(x y) fin* ^cx a&b|!c:* "unclosed"#);
        assert_eq!(
            q.fts5(),
            r#""name" AND "ada" AND "near" AND "x" AND "y" AND "fin" AND "cx" AND "a" AND "b" AND "c" AND "unclosed""#
        );
        assert_eq!(parsed("or OR").websearch(), "or");
        assert_eq!(parsed("OR cfo").fts5(), r#""cfo""#);
        assert_eq!(parsed("Ærø Müller").fts5(), r#""ærø" AND "müller""#);
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(SearchQuery::parse("  "), Err(SearchError::NothingToFind));
        assert_eq!(SearchQuery::parse("-retail \"--\""), Err(SearchError::NothingToFind));
        assert_eq!(SearchQuery::parse(&"a ".repeat(17)), Err(SearchError::TooManyWords));
        assert_eq!(SearchQuery::parse(&"a".repeat(201)), Err(SearchError::TooLong));
        assert!(SearchQuery::parse(&"a".repeat(200)).is_ok());
    }

    #[test]
    fn passages_mark_the_words_found_by_their_stems() {
        let q = parsed("refinanced treasury -retail");
        let h = q.highlighter();
        let p = h.passage("Led the Treasury through two refinancing rounds; retail too.").unwrap();
        assert_eq!(p.text, "Led the Treasury through two refinancing rounds; retail too.");
        let marked: Vec<String> =
            p.highlights.iter().map(|&(s, e)| p.text.chars().skip(s).take(e - s).collect()).collect();
        assert_eq!(marked, ["Treasury", "refinancing"]);
        assert_eq!(h.passage("Nothing of it here."), None);
        assert_eq!(h.passage(""), None);
        // A long text is cut around the words found, with `…`, and the offsets count the `…`.
        let long = format!("{} treasury {}", "word ".repeat(100), "more ".repeat(100));
        let p = h.passage(&long).unwrap();
        assert!(p.text.starts_with('…') && p.text.ends_with('…'), "{}", p.text);
        assert_eq!(p.text.split_whitespace().count(), 24);
        let (s, e) = p.highlights[0];
        assert_eq!(p.text.chars().skip(s).take(e - s).collect::<String>(), "treasury");
        // Characters beyond ASCII count as one each.
        let p = parsed("müller").highlighter().passage("Frau Müller, Ærø").unwrap();
        assert_eq!(p.highlights, [(5, 11)]);
    }

    proptest::proptest! {
        /// Whatever the text, a passage's highlights lie in it, in order, on the words found.
        #[test]
        fn highlights_lie_in_the_passage(text in "\\PC{0,300}", word in "[a-z]{1,6}") {
            let q = parsed(&word);
            if let Some(p) = q.highlighter().passage(&format!("{text} {word} {text}")) {
                let length = p.text.chars().count();
                proptest::prop_assert!(p.highlights.windows(2).all(|w| w[0].1 <= w[1].0));
                proptest::prop_assert!(p.highlights.iter().all(|&(s, e)| s < e && e <= length));
            }
        }
    }

    proptest::proptest! {
        /// Whatever is typed, a query either is refused or quotes every word it passes on.
        #[test]
        fn any_text_makes_a_quoted_query(text in "\\PC{0,80}") {
            if let Ok(q) = SearchQuery::parse(&text) {
                let fts = q.fts5();
                let unquoted: String = fts.split('"').step_by(2).collect();
                proptest::prop_assert!(unquoted.chars().all(|c| " ()ANDORT".contains(c)), "{fts}");
            }
        }
    }
}
