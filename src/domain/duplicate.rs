//! Possible duplicates among candidates: the keys that two records of one
//! person share, however each was typed. An e-mail address is compared
//! without case, `+tag` or (for Gmail) dots; a phone number by its last nine
//! digits; a name by Jaro-Winkler similarity, without case or accents, among
//! the candidates of the same city whose last names start alike.

use unicode_normalization::UnicodeNormalization;

text_enum! {
    /// Why two candidates may be one person.
    pub enum DuplicateRule {
        /// The same e-mail address once case, a `+tag` and Gmail's dots are set aside.
        SameEmail = "same_email",
        /// The same phone number: the same last nine digits.
        SamePhone = "same_phone",
        /// Names at least 90 % alike (Jaro-Winkler, without case or accents) in the same city.
        SimilarNameSameCity = "similar_name_same_city",
    }
}

/// How alike two names must be (Jaro-Winkler) to count, with the same city.
pub const SIMILAR_NAME: f64 = 0.9;

/// Digits of a phone number compared: enough to tell numbers apart, few
/// enough that `+31 6 1234 5678` and `06-12345678` agree.
const PHONE_DIGITS: usize = 9;

/// One key a candidate is compared by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DuplicateKey {
    pub rule: DuplicateRule,
    pub value: String,
}

/// Lower case without accents: `Ålesund` and `alesund` agree.
pub fn folded(text: &str) -> String {
    text.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect::<String>().to_lowercase()
}

/// The e-mail address as compared.
pub fn email_key(email: &str) -> String {
    let email = email.trim().to_lowercase();
    let Some((local, domain)) = email.rsplit_once('@') else { return email };
    let local = local.split('+').next().unwrap_or(local);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

/// The phone number as compared, when it has enough digits to mean something.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= PHONE_DIGITS).then(|| digits[digits.len() - PHONE_DIGITS..].iter().collect())
}

/// Groups candidates whose names are then compared: the same city and the
/// same first two letters of the last name.
pub fn name_key(last_name: &str, city: Option<&str>) -> Option<String> {
    let city = folded(city?.trim());
    let last: String = folded(last_name.trim()).chars().filter(|c| c.is_alphanumeric()).take(2).collect();
    (!city.is_empty() && !last.is_empty()).then(|| format!("{city}|{last}"))
}

/// How alike two full names are, from 0 to 1.
pub fn name_similarity(a: (&str, &str), b: (&str, &str)) -> f64 {
    let full = |(first, last): (&str, &str)| folded(&format!("{} {}", first.trim(), last.trim()));
    strsim::jaro_winkler(&full(a), &full(b))
}

/// Every key a candidate is compared by.
pub fn keys(email: &str, phone: Option<&str>, last_name: &str, city: Option<&str>) -> Vec<DuplicateKey> {
    let mut keys = vec![DuplicateKey { rule: DuplicateRule::SameEmail, value: email_key(email) }];
    if let Some(value) = phone.and_then(phone_key) {
        keys.push(DuplicateKey { rule: DuplicateRule::SamePhone, value });
    }
    if let Some(value) = name_key(last_name, city) {
        keys.push(DuplicateKey { rule: DuplicateRule::SimilarNameSameCity, value });
    }
    keys
}

text_enum! {
    /// Where a field of a merged candidate comes from.
    pub enum FieldChoice {
        /// The survivor's value (the default, unless the survivor has none).
        Survivor = "survivor",
        /// The duplicate's value.
        Duplicate = "duplicate",
        /// Lists only: the survivor's items, then the duplicate's it lacks (the default for lists).
        Both = "both",
    }
}

/// The fields of a merged candidate, as JSON objects of the candidate's
/// input: each field from where `choices` says; by default the survivor's
/// value, or the duplicate's when the survivor has none, and for lists both.
/// A choice naming no field, or `both` for a field that is not a list, is an
/// error naming it.
/// Fields that hold a map by key (the ids by source system): `both` keeps
/// every key, the survivor's value where both have one.
const KEYED: &[&str] = &["external_ids"];

/// Whether `both` applies to the field: lists, and maps by key.
fn collects(field: &str, value: &serde_json::Value) -> bool {
    value.is_array() || KEYED.contains(&field)
}

pub fn merge_fields(
    survivor: &serde_json::Map<String, serde_json::Value>,
    duplicate: &serde_json::Map<String, serde_json::Value>,
    choices: &std::collections::BTreeMap<String, FieldChoice>,
) -> Result<serde_json::Map<String, serde_json::Value>, Vec<super::FieldError>> {
    use serde_json::Value;
    let mut errors = Vec::new();
    for (field, choice) in choices {
        let path = format!("fields.{field}");
        match survivor.get(field).or_else(|| duplicate.get(field)) {
            None => errors.push(super::FieldError {
                field: path,
                code: "unknown_field",
                message: "is not a field of a candidate".into(),
            }),
            Some(value) if *choice == FieldChoice::Both && !collects(field, value) => errors.push(super::FieldError {
                field: path,
                code: "not_a_list",
                message: "`both` applies to lists (and `external_ids`) only".into(),
            }),
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let empty = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.values().all(|v| v.is_null()),
        Some(_) => false,
    };
    let mut merged = survivor.clone();
    for (field, theirs) in duplicate {
        let mine = survivor.get(field);
        let choice = choices.get(field).copied().unwrap_or(if collects(field, theirs) {
            FieldChoice::Both
        } else if empty(mine) {
            FieldChoice::Duplicate
        } else {
            FieldChoice::Survivor
        });
        let value = match choice {
            FieldChoice::Survivor => continue,
            FieldChoice::Duplicate => theirs.clone(),
            FieldChoice::Both if KEYED.contains(&field.as_str()) => {
                // Key by key, the survivor's value first.
                let mut keyed = theirs.as_object().cloned().unwrap_or_default();
                keyed.extend(mine.and_then(Value::as_object).cloned().unwrap_or_default());
                Value::Object(keyed)
            }
            FieldChoice::Both => {
                let mut items = mine.and_then(Value::as_array).cloned().unwrap_or_default();
                let identity = |item: &Value| {
                    item.get("skill").or_else(|| item.get("language")).cloned().unwrap_or_else(|| item.clone())
                };
                for item in theirs.as_array().into_iter().flatten() {
                    if !items.iter().any(|held| identity(held) == identity(item)) {
                        items.push(item.clone());
                    }
                }
                Value::Array(items)
            }
        };
        merged.insert(field.clone(), value);
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_fields_come_from_where_chosen() {
        use serde_json::json;
        let survivor = json!({"first_name": "Ada", "phone": null, "headline": "CFO", "industries": ["retail"],
            "skills": [{"skill": "finance", "level": 4}]});
        let duplicate = json!({"first_name": "Ada", "phone": "+31 6 1234 5678", "headline": "Interim CFO",
            "industries": ["retail", "energy"], "skills": [{"skill": "finance", "level": 5}, {"skill": "treasury", "level": 3}]});
        let (s, d) = (survivor.as_object().unwrap(), duplicate.as_object().unwrap());
        let merged = merge_fields(s, d, &Default::default()).unwrap();
        assert_eq!(merged["phone"], "+31 6 1234 5678", "a gap is filled");
        assert_eq!(merged["headline"], "CFO");
        assert_eq!(merged["industries"], json!(["retail", "energy"]));
        assert_eq!(merged["skills"], json!([{"skill": "finance", "level": 4}, {"skill": "treasury", "level": 3}]));
        let choices = [("headline".to_owned(), FieldChoice::Duplicate), ("skills".to_owned(), FieldChoice::Survivor)];
        let merged = merge_fields(s, d, &choices.into_iter().collect()).unwrap();
        assert_eq!(merged["headline"], "Interim CFO");
        assert_eq!(merged["skills"], json!([{"skill": "finance", "level": 4}]));
        let wrong = [("headline".to_owned(), FieldChoice::Both), ("shoe_size".to_owned(), FieldChoice::Survivor)];
        let errors = merge_fields(s, d, &wrong.into_iter().collect()).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.code).collect::<Vec<_>>(), ["not_a_list", "unknown_field"]);
        // Ids by source system keep every source, the survivor's id where both have one.
        let survivor = json!({"external_ids": {"workday": "W-1", "sap": "S-1"}});
        let duplicate = json!({"external_ids": {"workday": "W-2", "personio": "P-2"}});
        let merged = merge_fields(survivor.as_object().unwrap(), duplicate.as_object().unwrap(), &Default::default());
        assert_eq!(merged.unwrap()["external_ids"], json!({"workday": "W-1", "sap": "S-1", "personio": "P-2"}));
    }

    #[test]
    fn addresses_agree_however_typed() {
        assert_eq!(email_key(" Ada.Lovelace+jobs@Example.COM"), "ada.lovelace@example.com");
        assert_eq!(email_key("a.d.a@googlemail.com"), email_key("ada+x@gmail.com"));
        assert_ne!(email_key("a.da@example.com"), email_key("ada@example.com"));
    }

    #[test]
    fn phones_agree_by_their_last_digits() {
        assert_eq!(phone_key("+31 6 1234 5678"), phone_key("06-12345678"));
        assert_eq!(phone_key("(020) 555-0100"), Some("205550100".into()));
        assert_eq!(phone_key("12345"), None);
    }

    #[test]
    fn names_are_compared_without_case_or_accents_in_one_city() {
        assert_eq!(name_key("Müller", Some("Zürich")).as_deref(), Some("zurich|mu"));
        assert_eq!(name_key("mueller", Some(" zurich ")).as_deref(), Some("zurich|mu"));
        assert_eq!(name_key("Jansen", None), None);
        assert!(name_similarity(("Jan", "Jansen"), ("Jan", "Janssen")) >= SIMILAR_NAME);
        assert!(name_similarity(("José", "García"), ("Jose", "Garcia")) > 0.99);
        assert!(name_similarity(("Ada", "Lovelace"), ("Grace", "Hopper")) < SIMILAR_NAME);
        assert!(name_similarity(("Maria", "Jansen"), ("Pieter", "Jansen")) < SIMILAR_NAME);
    }
}
