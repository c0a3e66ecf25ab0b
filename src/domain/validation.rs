//! Field-level validation that collects every problem of a request body at
//! once, so a client fixes its payload in one round trip.

use std::fmt;

/// One thing wrong with one field, addressed by a JSON path such as
/// `skills[2].level`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    /// A stable machine-readable code (`required`, `out_of_range`, ...).
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a single value was refused; the [`Validator`] adds the field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// Collects field errors while a request body is turned into domain types.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result` under `field` and returns the value, if any.
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.errors.push(FieldError { field: field.into(), code: invalid.code, message: invalid.message });
                None
            }
        }
    }

    pub fn fail(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.into(), code, message: message.into() });
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Ends validation: `Ok(value)` only when no field failed and every value
    /// was produced.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ if self.errors.is_empty() => {
                Err(vec![FieldError { field: String::new(), code: "invalid", message: "the body is invalid".into() }])
            }
            _ => Err(self.errors),
        }
    }
}

/// Trims `value` and checks its length in characters.
pub fn text(value: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len < min {
        return Err(if min == 1 {
            Invalid::new("required", "must not be empty")
        } else {
            Invalid::new("too_short", format!("must have at least {min} characters"))
        });
    }
    if len > max {
        return Err(Invalid::new("too_long", format!("must have at most {max} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::new("invalid_characters", "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

/// Like [`text`], with `None` and blank strings both meaning "not given".
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(v, 1, max).map(Some),
    }
}

pub fn in_range<T: PartialOrd + fmt::Display + Copy>(value: T, min: T, max: T) -> Result<T, Invalid> {
    if value < min || value > max {
        Err(Invalid::new("out_of_range", format!("must be between {min} and {max}")))
    } else {
        Ok(value)
    }
}

/// Checks a list's length; items are validated by the caller.
pub fn list_len<T>(items: &[T], max: usize) -> Result<(), Invalid> {
    if items.len() > max { Err(Invalid::new("too_many", format!("must have at most {max} items"))) } else { Ok(()) }
}

/// A lowercase slug: `customer-data-analysis`, `retail`.
pub fn slug(value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= max
        && v.split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(Invalid::new(
            "invalid_format",
            format!("must be lowercase letters and digits separated by single hyphens, at most {max} characters"),
        ))
    }
}

/// A list of short free-text labels (industries, roles): trimmed, lowercased
/// where `lowercase`, without duplicates.
pub fn labels(v: &mut Validator, field: &str, items: &[String], max_items: usize, lowercase: bool) -> Vec<String> {
    if v.check(field, list_len(items, max_items)).is_none() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{field}[{i}]");
        if let Some(label) = v.check(&path, text(item, 1, 100)) {
            let label = if lowercase { label.to_lowercase() } else { label };
            if out.contains(&label) {
                v.fail(path, "duplicate", format!("`{label}` is listed twice"));
            } else {
                out.push(label);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_bounds() {
        assert_eq!(text("  Ada ", 1, 10).unwrap(), "Ada");
        assert_eq!(text("   ", 1, 10).unwrap_err().code, "required");
        assert_eq!(text("abcdef", 1, 5).unwrap_err().code, "too_long");
        assert_eq!(text("a\u{0}b", 1, 5).unwrap_err().code, "invalid_characters");
    }

    #[test]
    fn slugs() {
        assert!(slug("customer-data-analysis", 60).is_ok());
        for bad in ["", "Upper", "a--b", "-a", "a-", "a b", "é"] {
            assert!(slug(bad, 60).is_err(), "{bad}");
        }
    }

    #[test]
    fn validator_collects_every_error() {
        let mut v = Validator::new();
        v.check("a", in_range(7, 1, 5));
        v.check("b", text("", 1, 5));
        let errors = v.finish(Some(())).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }
}
