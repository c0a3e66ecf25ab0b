//! Tags: the practice's own short labels on candidates and needs
//! (`board-ready`, `french speaking`, `q3 pipeline`), which lists filter by.

use super::validation::{Invalid, Validator};

/// The most tags one candidate or need carries.
pub const MAX_TAGS: usize = 20;
/// The most characters of a tag.
pub const MAX_TAG_CHARS: usize = 50;
/// The most tags one list filter names.
pub const MAX_FILTER_TAGS: usize = 5;
/// What no tag holds: the separators of CSV lists (`;`) and of the `tag`
/// filter (`,`), and what would need escaping in markup or JSON.
pub const FORBIDDEN: &[char] = &[',', ';', '"', '\\', '<', '>'];

/// A tag as kept: trimmed, 1 to 50 characters with no control character
/// and none of [`FORBIDDEN`], in lowercase.
pub fn tag(raw: &str) -> Result<String, Invalid> {
    let trimmed = raw.trim();
    let len = trimmed.chars().count();
    if len == 0 {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if len > MAX_TAG_CHARS {
        return Err(Invalid::new("too_long", format!("must have at most {MAX_TAG_CHARS} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() || FORBIDDEN.contains(&c)) {
        return Err(Invalid::new("invalid_characters", "must not hold control characters nor any of , ; \" \\ < >"));
    }
    Ok(trimmed.to_lowercase())
}

/// A record's tags: each checked (`field[i]`), at most [`MAX_TAGS`],
/// duplicates (after lowercasing) folded into one, in order of the text.
pub fn tags(v: &mut Validator, field: &str, raw: &[String]) -> Option<Vec<String>> {
    if raw.len() > MAX_TAGS {
        v.fail(field, "too_many", format!("at most {MAX_TAGS} tags"));
        return None;
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, t) in raw.iter().enumerate() {
        match v.check(format!("{field}[{i}]"), tag(t)) {
            Some(t) => out.push(t),
            None => ok = false,
        }
    }
    out.sort();
    out.dedup();
    ok.then_some(out)
}

/// The tags a list filter names: `a,b` means both; at most
/// [`MAX_FILTER_TAGS`]; blank means no filter.
pub fn filter(raw: &str) -> Result<Vec<String>, Invalid> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let named: Vec<&str> = raw.split(',').collect();
    if named.len() > MAX_FILTER_TAGS {
        return Err(Invalid::new("too_many", format!("names at most {MAX_FILTER_TAGS} tags")));
    }
    let mut out = named.into_iter().map(tag).collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lowercased_and_bounded() {
        assert_eq!(tag("  Board-Ready ").as_deref(), Ok("board-ready"));
        assert_eq!(tag("Français courant").as_deref(), Ok("français courant"));
        assert_eq!(tag(" ").unwrap_err().code, "required");
        assert_eq!(tag(&"x".repeat(51)).unwrap_err().code, "too_long");
        assert!(tag(&format!("  {}  ", "x".repeat(50))).is_ok());
        for bad in ["a,b", "a;b", "a\"b", "a\\b", "<b>", "a\nb", "a\u{85}b"] {
            assert_eq!(tag(bad).unwrap_err().code, "invalid_characters", "{bad:?}");
        }
    }

    #[test]
    fn a_records_tags_fold_duplicates_and_say_which_is_wrong() {
        let mut v = Validator::new();
        let raw: Vec<String> = ["Q3", "board-ready", "q3"].map(String::from).to_vec();
        assert_eq!(tags(&mut v, "tags", &raw), Some(vec!["board-ready".into(), "q3".into()]));
        let mut v = Validator::new();
        assert_eq!(tags(&mut v, "tags", &["ok".into(), "no;".into()]), None);
        assert_eq!(v.finish(Some(())).unwrap_err()[0].field, "tags[1]");
        let mut v = Validator::new();
        assert_eq!(tags(&mut v, "tags", &vec!["t".to_owned(); 21]), None);
    }

    #[test]
    fn filters_name_a_few_tags() {
        assert_eq!(filter("Q3,board-ready").unwrap(), ["board-ready", "q3"]);
        assert!(filter("a,,b").is_err());
        assert_eq!(filter("").unwrap(), Vec::<String>::new());
        assert!(filter("a,b,c,d,e,f").is_err());
    }
}
