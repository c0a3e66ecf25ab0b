//! The ids a candidate or a need has in the client organizations' own
//! systems, one per source system (`workday`, `bamboohr`, `personio` …), so
//! several HR systems can each upsert the same record by their own id.

use std::collections::BTreeMap;

use super::validation::{self, Invalid, Validator};

/// The most source systems one record names.
pub const MAX_SOURCES: usize = 10;
/// The most characters of an id in a source system.
pub const MAX_ID_CHARS: usize = 100;

/// The ids a record has in other systems, by source.
pub type ExternalIds = BTreeMap<String, String>;

/// A source system's name: 1 to 40 lowercase letters, digits and `_ . -`,
/// starting with a letter or digit.
pub fn source(name: &str) -> Result<String, Invalid> {
    let well_formed = (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    if well_formed {
        Ok(name.to_owned())
    } else {
        Err(Invalid::new(
            "invalid_source",
            "1 to 40 lowercase letters, digits and `_ . -`, starting with a letter or digit",
        ))
    }
}

/// A record's ids by source: each source well formed (`field`), each id 1 to
/// 100 characters (`field.<source>`, trimmed), at most [`MAX_SOURCES`].
pub fn ids(v: &mut Validator, field: &str, raw: &BTreeMap<String, String>) -> Option<ExternalIds> {
    if raw.len() > MAX_SOURCES {
        v.fail(field, "too_many", format!("at most {MAX_SOURCES} source systems"));
        return None;
    }
    let mut out = ExternalIds::new();
    let mut ok = true;
    for (name, id) in raw {
        let name = v.check(field, source(name));
        let id = v.check(format!("{field}.{}", name.as_deref().unwrap_or("?")), validation::text(id, 1, MAX_ID_CHARS));
        match (name, id) {
            (Some(name), Some(id)) => {
                out.insert(name, id);
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// A `source:id` reference (the `external_ref` filter of lists).
pub fn reference(raw: &str) -> Result<(String, String), Invalid> {
    let Some((name, id)) = raw.split_once(':') else {
        return Err(Invalid::new("invalid_reference", "is `source:id`, such as `workday:W-1042`"));
    };
    Ok((source(name)?, validation::text(id, 1, MAX_ID_CHARS)?))
}

/// The one record a row's ids in source systems name, if any; ids that name
/// several records are refused, with `message` saying what to do.
pub fn one_named<I: Ord>(mut named: std::collections::BTreeSet<I>, message: &str) -> Result<Option<I>, Invalid> {
    match named.len() {
        0 | 1 => Ok(named.pop_first()),
        _ => Err(Invalid::new("names_several", message.to_owned())),
    }
}

/// The ids of `current` with those of `incoming` over them: what an import
/// from one source system keeps of the others'.
pub fn combined(current: &ExternalIds, incoming: &ExternalIds) -> ExternalIds {
    let mut out = current.clone();
    out.extend(incoming.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_ids() {
        assert!(source("workday").is_ok() && source("sap.sf-2").is_ok());
        for bad in ["", "Workday", "-x", "a b", "a:b", &"x".repeat(41)] {
            assert!(source(bad).is_err(), "{bad:?}");
        }
        let mut v = Validator::new();
        let raw = BTreeMap::from([("workday".to_owned(), " W-1 ".to_owned())]);
        assert_eq!(ids(&mut v, "external_ids", &raw), Some(BTreeMap::from([("workday".into(), "W-1".into())])));
        let mut v = Validator::new();
        let bad = BTreeMap::from([("Bad".to_owned(), "1".to_owned()), ("ok".to_owned(), " ".to_owned())]);
        assert_eq!(ids(&mut v, "external_ids", &bad), None);
        let fields: Vec<String> = v.finish(Some(())).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["external_ids", "external_ids.ok"]);
    }

    #[test]
    fn references_and_combining() {
        assert_eq!(reference("workday:W:1").unwrap(), ("workday".into(), "W:1".into()));
        assert!(reference("workday").is_err() && reference("workday:").is_err() && reference(":1").is_err());
        let mine = BTreeMap::from([("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())]);
        let theirs = BTreeMap::from([("b".to_owned(), "3".to_owned())]);
        assert_eq!(combined(&mine, &theirs), BTreeMap::from([("a".into(), "1".into()), ("b".into(), "3".into())]));
    }
}
