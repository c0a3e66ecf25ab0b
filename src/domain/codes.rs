//! International codes the API accepts: ISO 639-1 languages and ISO 3166-1
//! alpha-2 countries.

use super::validation::Invalid;

/// A two-letter lowercase ISO 639-1 language code (`en`, `de`).
pub fn language(code: &str) -> Result<String, Invalid> {
    let lower = code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase());
    if lower && isolang::Language::from_639_1(code).is_some() {
        Ok(code.to_owned())
    } else {
        Err(Invalid::new("invalid_language", "must be a lowercase ISO 639-1 language code such as en or fr"))
    }
}

/// A two-letter uppercase ISO 3166-1 alpha-2 country code (`GB`, `NL`).
pub fn country(code: &str) -> Result<String, Invalid> {
    let upper = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
    if upper && celes::Country::from_alpha2(code).is_ok() {
        Ok(code.to_owned())
    } else {
        Err(Invalid::new("invalid_country", "must be an uppercase ISO 3166-1 alpha-2 country code such as GB or DE"))
    }
}

/// Every code [`language`] accepts, in order.
pub fn languages() -> Vec<String> {
    two_letter_codes(b'a').filter(|c| language(c).is_ok()).collect()
}

/// Every code [`country`] accepts, in order.
pub fn countries() -> Vec<String> {
    two_letter_codes(b'A').filter(|c| country(c).is_ok()).collect()
}

fn two_letter_codes(a: u8) -> impl Iterator<Item = String> {
    (a..a + 26)
        .flat_map(move |first| (a..a + 26).map(move |second| String::from_utf8_lossy(&[first, second]).into_owned()))
}

/// Where a candidate lives or a need is based.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(language("en").is_ok());
        assert!(language("EN").is_err());
        assert!(language("xx").is_err());
        assert!(country("DE").is_ok());
        assert!(country("de").is_err());
        assert!(country("QQ").is_err());
        assert_eq!(languages().len(), 184);
        assert_eq!(countries().len(), 250);
    }
}
