//! Custom fields: typed fields the practice defines on candidates, needs and
//! assignments (for every organization, or for one), whose values are
//! checked like built-in fields.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::OrganizationId;
use super::validation::{self, Invalid, Validator};

text_enum! {
    /// What a custom field is a field of.
    pub enum FieldResource {
        Candidate = "candidate",
        Need = "need",
        Assignment = "assignment",
    }
}

text_enum! {
    /// What a custom field holds.
    pub enum FieldType {
        /// Up to 1,000 characters.
        Text = "text",
        /// A JSON number (or its text, as a CSV cell holds it).
        Number = "number",
        /// `YYYY-MM-DD`.
        Date = "date",
        /// `true` or `false` (or their text).
        Boolean = "boolean",
        /// One of the field's options.
        Choice = "choice",
        /// Some of the field's options (a list; in CSV, `;`-separated).
        MultiChoice = "multi_choice",
    }
}

/// The most custom fields per resource.
pub const MAX_FIELDS: usize = 100;
/// The most options of a choice field.
pub const MAX_OPTIONS: usize = 100;
/// The most characters of a text value.
pub const MAX_TEXT_CHARS: usize = 1000;

/// A field the practice defined.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefinition {
    pub resource: FieldResource,
    /// How values are named: `notice_period_weeks`.
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    pub field_type: FieldType,
    /// The values a choice or multi-choice field takes.
    pub options: Vec<String>,
    /// Every write of the record must give it.
    pub required: bool,
    /// Only the needs and assignments of this organization have it; none: every record.
    pub organization_id: Option<OrganizationId>,
    /// A retired field keeps its values; no write may give it a new one.
    pub active: bool,
}

/// The values of a record's custom fields, by key.
pub type CustomValues = BTreeMap<String, Value>;

/// A field's key: 1 to 48 lowercase letters, digits and `_`, starting with a letter.
pub fn key(raw: &str) -> Result<String, Invalid> {
    let ok = (1..=48).contains(&raw.len())
        && raw.starts_with(|c: char| c.is_ascii_lowercase())
        && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(Invalid::new("invalid_key", "1 to 48 lowercase letters, digits and `_`, starting with a letter"))
    }
}

impl FieldDefinition {
    /// What a definition must hold: options exactly for choice fields, an
    /// organization only for needs and assignments.
    pub fn check(&self, v: &mut Validator) {
        let choice = matches!(self.field_type, FieldType::Choice | FieldType::MultiChoice);
        if choice && self.options.is_empty() {
            v.fail("options", "required", "a choice field names its options");
        }
        if !choice && !self.options.is_empty() {
            v.fail("options", "not_applicable", "only choice fields have options");
        }
        if self.options.len() > MAX_OPTIONS {
            v.fail("options", "too_many", format!("at most {MAX_OPTIONS} options"));
        }
        if self.organization_id.is_some() && self.resource == FieldResource::Candidate {
            v.fail(
                "organization_id",
                "not_applicable",
                "candidates belong to no organization: a candidate field is every candidate's",
            );
        }
    }

    /// Whether the records of `organization` have this field.
    pub fn applies_to(&self, organization: Option<OrganizationId>) -> bool {
        self.organization_id.is_none() || self.organization_id == organization
    }

    /// The value as kept, from what a write gave (text is accepted for numbers,
    /// booleans and multi-choices, as CSV cells hold them).
    pub fn value(&self, given: &Value) -> Result<Value, Invalid> {
        let must = |what: &str| Invalid::new("invalid_type", format!("must be {what}"));
        match self.field_type {
            FieldType::Text => match given {
                Value::String(s) => Ok(Value::from(validation::text(s, 1, MAX_TEXT_CHARS)?)),
                _ => Err(must("text")),
            },
            FieldType::Number => {
                // Whole numbers stay whole; JSON has no infinities, text may.
                let number = match given {
                    Value::Number(n) => Some(n.clone()),
                    Value::String(s) => match s.trim().parse::<i64>() {
                        Ok(i) => Some(i.into()),
                        Err(_) => s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64),
                    },
                    _ => None,
                };
                number.map(Value::Number).ok_or_else(|| must("a number"))
            }
            FieldType::Date => match given.as_str().map(|s| s.trim().parse::<NaiveDate>()) {
                Some(Ok(date)) => Ok(Value::from(date.to_string())),
                _ => Err(must("a date (YYYY-MM-DD)")),
            },
            FieldType::Boolean => match given {
                Value::Bool(b) => Ok(Value::Bool(*b)),
                Value::String(s) if s.trim() == "true" => Ok(Value::Bool(true)),
                Value::String(s) if s.trim() == "false" => Ok(Value::Bool(false)),
                _ => Err(must("true or false")),
            },
            FieldType::Choice => match given.as_str().map(str::trim) {
                Some(choice) if self.options.iter().any(|o| o == choice) => Ok(Value::from(choice)),
                _ => Err(self.not_an_option()),
            },
            FieldType::MultiChoice => {
                let items: Vec<&str> = match given {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().ok_or_else(|| self.not_an_option()))
                        .collect::<Result<_, _>>()?,
                    Value::String(s) => s.split(';').map(str::trim).filter(|i| !i.is_empty()).collect(),
                    _ => return Err(must("a list of options")),
                };
                let mut chosen: Vec<String> = Vec::new();
                for item in items.iter().map(|i| i.trim()) {
                    if !self.options.iter().any(|o| o == item) {
                        return Err(self.not_an_option());
                    }
                    if !chosen.iter().any(|c| c == item) {
                        chosen.push(item.to_owned());
                    }
                }
                // In the order the options are listed.
                chosen.sort_by_key(|c| self.options.iter().position(|o| o == c));
                Ok(Value::from(chosen))
            }
        }
    }

    fn not_an_option(&self) -> Invalid {
        Invalid::new("not_an_option", format!("must be one of: {}", self.options.join(", ")))
    }

    /// The text a filter's value is compared as, or why it can be no value of this field.
    pub fn filter_text(&self, raw: &str) -> Result<String, Invalid> {
        let value = match self.field_type {
            FieldType::MultiChoice => self.value(&Value::from(vec![raw]))?,
            _ => self.value(&Value::from(raw))?,
        };
        Ok(filter_texts(&value).into_iter().next().unwrap_or_default())
    }
}

/// The texts a kept value is filtered by (`custom_field=key:value`): every
/// option of a multi-choice, one text of anything else.
pub fn filter_texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string())],
        Value::Bool(b) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

/// A list filter's `key:value`: a well-formed key and the value's text (the
/// field's definition reads it).
pub fn filter(raw: &str) -> Result<(String, String), Invalid> {
    let Some((name, value)) = raw.split_once(':') else {
        return Err(Invalid::new("invalid_filter", "is `key:value`, such as `board_member:true`"));
    };
    Ok((key(name)?, value.to_owned()))
}

/// The values a write keeps: each given one checked against its definition
/// (`custom_fields.<key>`), `null` removing it; every required field of the
/// record's organization given. `stored` is what the record held: a retired
/// field's value may stay as it was, not change.
pub fn values(
    v: &mut Validator,
    definitions: &[FieldDefinition],
    organization: Option<OrganizationId>,
    given: &CustomValues,
    stored: &CustomValues,
) -> Option<CustomValues> {
    let mut out = CustomValues::new();
    let mut ok = true;
    for (key, value) in given {
        let path = format!("custom_fields.{key}");
        if value.is_null() {
            continue;
        }
        let Some(definition) = definitions.iter().find(|d| d.key == *key && d.applies_to(organization)) else {
            v.fail(path, "unknown_field", "no custom field of this record has this key (GET /api/v1/custom-fields)");
            ok = false;
            continue;
        };
        if !definition.active {
            if stored.get(key) == Some(value) {
                out.insert(key.clone(), value.clone());
            } else {
                v.fail(path, "retired", "this custom field is retired: its value no longer changes");
                ok = false;
            }
            continue;
        }
        match v.check(path, definition.value(value)) {
            Some(kept) => {
                out.insert(key.clone(), kept);
            }
            None => ok = false,
        }
    }
    for d in definitions.iter().filter(|d| d.active && d.required && d.applies_to(organization)) {
        if !out.contains_key(&d.key) {
            v.fail(format!("custom_fields.{}", d.key), "required", format!("`{}` is required", d.label));
            ok = false;
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(key: &str, field_type: FieldType, options: &[&str]) -> FieldDefinition {
        FieldDefinition {
            resource: FieldResource::Candidate,
            key: key.into(),
            label: key.into(),
            description: None,
            field_type,
            options: options.iter().map(|o| o.to_string()).collect(),
            required: false,
            organization_id: None,
            active: true,
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        let number = field("n", FieldType::Number, &[]);
        assert_eq!(number.value(&json!(6)), Ok(json!(6)));
        assert_eq!(number.value(&json!("6")), Ok(json!(6)));
        assert!(number.value(&json!("inf")).is_err());
        assert_eq!(number.value(&json!(" 6.5 ")), Ok(json!(6.5)));
        assert!(number.value(&json!("six")).is_err() && number.value(&json!(true)).is_err());
        let date = field("d", FieldType::Date, &[]);
        assert_eq!(date.value(&json!("2027-01-04")), Ok(json!("2027-01-04")));
        assert!(date.value(&json!("04/01/2027")).is_err());
        let flag = field("b", FieldType::Boolean, &[]);
        assert_eq!(flag.value(&json!("true")), Ok(json!(true)));
        assert!(flag.value(&json!("yes")).is_err());
        let text = field("t", FieldType::Text, &[]);
        assert_eq!(text.value(&json!("  Board  ")), Ok(json!("Board")));
        assert!(text.value(&json!(" ")).is_err() && text.value(&json!(1)).is_err());
        let choice = field("c", FieldType::Choice, &["eu", "us"]);
        assert_eq!(choice.value(&json!("us")), Ok(json!("us")));
        assert_eq!(choice.value(&json!("uk")).unwrap_err().code, "not_an_option");
        let many = field("m", FieldType::MultiChoice, &["a", "b", "c"]);
        assert_eq!(many.value(&json!(["c", "a", "c"])), Ok(json!(["a", "c"])));
        assert_eq!(many.value(&json!("b; a")), Ok(json!(["a", "b"])));
        assert!(many.value(&json!(["z"])).is_err());
    }

    #[test]
    fn writes_keep_known_values_and_need_the_required_ones() {
        let org = OrganizationId::generate();
        let mut required = field("region", FieldType::Choice, &["eu", "us"]);
        required.required = true;
        let mut theirs = field("cost_centre", FieldType::Text, &[]);
        theirs.organization_id = Some(org);
        let mut retired = field("old", FieldType::Text, &[]);
        retired.active = false;
        let definitions = [required, theirs, retired];
        let given = |v: Value| v.as_object().unwrap().clone().into_iter().collect::<CustomValues>();

        let mut v = Validator::new();
        let kept = values(
            &mut v,
            &definitions,
            Some(org),
            &given(json!({"region": "eu", "cost_centre": "CC-1"})),
            &CustomValues::new(),
        );
        assert_eq!(kept, Some(given(json!({"region": "eu", "cost_centre": "CC-1"}))));

        let mut v = Validator::new();
        let elsewhere =
            values(&mut v, &definitions, None, &given(json!({"cost_centre": "CC-1"})), &CustomValues::new());
        assert_eq!(elsewhere, None);
        let fields: Vec<String> = v.finish(Some(())).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["custom_fields.cost_centre", "custom_fields.region"]);

        let stored = given(json!({"region": "us", "old": "kept"}));
        let mut v = Validator::new();
        assert!(values(&mut v, &definitions, None, &stored, &stored).is_some(), "a retired value may stay");
        let mut v = Validator::new();
        assert!(values(&mut v, &definitions, None, &given(json!({"region": "us", "old": "new"})), &stored).is_none());
        let mut v = Validator::new();
        let removed = values(&mut v, &definitions, None, &given(json!({"region": "us", "old": null})), &stored);
        assert_eq!(removed, Some(given(json!({"region": "us"}))));
    }

    #[test]
    fn definitions_hold_together() {
        let mut v = Validator::new();
        field("c", FieldType::Choice, &[]).check(&mut v);
        field("t", FieldType::Text, &["x"]).check(&mut v);
        let mut candidate = field("o", FieldType::Text, &[]);
        candidate.organization_id = Some(OrganizationId::generate());
        candidate.check(&mut v);
        let codes: Vec<&str> = v.finish(Some(())).unwrap_err().into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["required", "not_applicable", "not_applicable"]);
        assert!(key("notice_period_weeks").is_ok() && key("Notice").is_err() && key("1x").is_err());
    }
}
