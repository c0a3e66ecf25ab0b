//! SCIM 2.0 (RFC 7643, RFC 7644) as identity providers speak it: the
//! filters they send (`userName eq "…"`), PATCH operations applied to a
//! resource's JSON (Okta's path-less values, Entra ID's capitalized ops and
//! string booleans), the writable attributes of users and groups, and which
//! role a user's groups grant. No I/O.

use serde_json::{Map, Value};

use super::OrganizationId;
use super::access::Role;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The service's extension of a group: the role (and organization) its members get.
pub const ACCESS_SCHEMA: &str = "urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group";
/// The service's extension of a user: the role and organization their groups grant (read-only).
pub const USER_ACCESS_SCHEMA: &str = "urn:interim-tracker:params:scim:schemas:extension:access:2.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A request SCIM refuses, with its `scimType` (RFC 7644 §3.12); answered 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub scim_type: &'static str,
    pub detail: String,
}

fn refuse<T>(scim_type: &'static str, detail: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal { scim_type, detail: detail.into() })
}

/// The attribute of `object` named `name`, whatever its case (SCIM attribute names are case-insensitive).
pub fn attribute<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned())
}

// ---------------------------------------------------------------- filters

/// One `attribute eq value` of a filter; the attribute path in lowercase,
/// with a value filter folded in (`members[value eq "x"]` is `members.value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub attribute: String,
    pub value: Value,
}

/// Filters are `eq` comparisons joined by `and`: what Okta and Entra ID send
/// to find a user or group before creating it, and to check a membership.
pub fn parse_filter(text: &str) -> Result<Vec<Clause>, Refusal> {
    let mut rest = text.trim();
    let mut clauses = Vec::new();
    loop {
        let (clause, after) = clause(rest)?;
        clauses.push(clause);
        rest = after.trim_start();
        if rest.is_empty() {
            return Ok(clauses);
        }
        let (word, after) = word(rest);
        if !word.eq_ignore_ascii_case("and") {
            return refuse(
                "invalidFilter",
                format!("expected `and` at `{rest}`: filters join `eq` clauses with `and`"),
            );
        }
        rest = after.trim_start();
    }
}

fn word(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| c.is_whitespace() || c == '[' || c == ']').unwrap_or(text.len());
    text.split_at(end)
}

fn clause(text: &str) -> Result<(Clause, &str), Refusal> {
    if text.starts_with('(') || text.to_ascii_lowercase().starts_with("not") && text[3..].trim_start().starts_with('(')
    {
        return refuse("invalidFilter", "grouping and `not` are not supported: join `eq` clauses with `and`");
    }
    let (attribute, rest) = word(text);
    if attribute.is_empty() {
        return refuse("invalidFilter", format!("expected an attribute at `{text}`"));
    }
    let mut attribute = attribute.to_ascii_lowercase();
    if let Some(inner) = rest.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| Refusal { scim_type: "invalidFilter", detail: "`[` is not closed".into() })?;
        let (sub, after) = clause(inner[..close].trim())?;
        if !after.trim().is_empty() {
            return refuse("invalidFilter", "a value filter holds one `eq` clause");
        }
        return Ok((
            Clause { attribute: format!("{attribute}.{}", sub.attribute), value: sub.value },
            &inner[close + 1..],
        ));
    }
    let (op, rest) = word(rest.trim_start());
    if !op.eq_ignore_ascii_case("eq") {
        return refuse("invalidFilter", format!("the operator `{op}` is not supported: only `eq` is"));
    }
    let rest = rest.trim_start();
    let (value, rest) = literal(rest)?;
    // `members eq "id"` names the member's value, as `members.value eq "id"` does.
    if attribute == "members" {
        attribute = "members.value".into();
    }
    Ok((Clause { attribute, value }, rest))
}

fn literal(text: &str) -> Result<(Value, &str), Refusal> {
    if let Some(body) = text.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    let value: Value = serde_json::from_str(&text[..i + 2])
                        .map_err(|_| Refusal { scim_type: "invalidFilter", detail: "a string is malformed".into() })?;
                    return Ok((value, &body[i + 1..]));
                }
                _ => {}
            }
        }
        return refuse("invalidFilter", "a string is not closed");
    }
    let (word, rest) = word(text);
    match word.to_ascii_lowercase().as_str() {
        "true" => Ok((Value::Bool(true), rest)),
        "false" => Ok((Value::Bool(false), rest)),
        "null" => Ok((Value::Null, rest)),
        _ => refuse("invalidFilter", format!("expected a quoted string, true or false at `{text}`")),
    }
}

impl Clause {
    /// The clause's value as text (what stored attributes are compared with).
    pub fn text(&self) -> Option<&str> {
        self.value.as_str()
    }
}

// ---------------------------------------------------------------- PATCH

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// The operations of a PATCH body (`{"schemas": [PatchOp], "Operations": [...]}`).
pub fn parse_patch(body: &Value) -> Result<Vec<Operation>, Refusal> {
    let Some(body) = body.as_object() else { return refuse("invalidSyntax", "a PATCH body is a JSON object") };
    let Some(Value::Array(operations)) = attribute(body, "Operations") else {
        return refuse("invalidSyntax", "a PATCH body holds `Operations`, an array");
    };
    if operations.is_empty() {
        return refuse("invalidSyntax", "`Operations` is empty");
    }
    if operations.len() > 1000 {
        return refuse("tooMany", "a PATCH holds at most 1000 operations");
    }
    operations
        .iter()
        .map(|operation| {
            let Some(operation) = operation.as_object() else {
                return refuse("invalidSyntax", "each operation is a JSON object");
            };
            let op = match attribute(operation, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("add") => Op::Add,
                Some("replace") => Op::Replace,
                Some("remove") => Op::Remove,
                _ => return refuse("invalidSyntax", "each operation's `op` is add, replace or remove"),
            };
            let path = match attribute(operation, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if !p.trim().is_empty() => Some(p.trim().to_owned()),
                Some(_) => return refuse("invalidPath", "`path` is a non-empty string"),
            };
            let value = attribute(operation, "value").cloned();
            match (op, &path, &value) {
                (Op::Remove, None, _) => refuse("noTarget", "a remove names its `path`"),
                (Op::Add | Op::Replace, None, Some(v)) if !v.is_object() => {
                    refuse("invalidValue", "an operation without `path` has an object as its `value`")
                }
                (Op::Add | Op::Replace, _, None) => refuse("invalidValue", "add and replace carry a `value`"),
                _ => Ok(Operation { op, path, value }),
            }
        })
        .collect()
}

/// A PATCH path: `attr`, `attr.sub`, `attr[sub eq "v"]`, `attr[sub eq "v"].sub`,
/// each optionally prefixed by its schema's URN.
#[derive(Debug, Clone, PartialEq)]
struct Path {
    /// An extension schema's URN (the core schema's is dropped).
    schema: Option<String>,
    attribute: String,
    filter: Option<Clause>,
    sub: Option<String>,
}

fn parse_path(text: &str, core: &str) -> Result<Path, Refusal> {
    let (schema, rest) = if text.len() > 4 && text[..4].eq_ignore_ascii_case("urn:") {
        // The attribute follows the URN's last colon (before any value filter).
        let head = text.find('[').map_or(text, |i| &text[..i]);
        let colon = head.rfind(':').unwrap_or(0);
        let (urn, rest) = (&text[..colon], &text[colon + 1..]);
        (if urn.eq_ignore_ascii_case(core) { None } else { Some(urn.to_owned()) }, rest)
    } else {
        (None, text)
    };
    let (attribute, filter, after) = match rest.find('[') {
        Some(open) => {
            let close = rest
                .rfind(']')
                .ok_or_else(|| Refusal { scim_type: "invalidPath", detail: "`[` is not closed".into() })?;
            let clauses = parse_filter(&rest[open + 1..close])
                .map_err(|r| Refusal { scim_type: "invalidPath", detail: r.detail })?;
            let [clause] = <[Clause; 1]>::try_from(clauses).map_err(|_| Refusal {
                scim_type: "invalidPath",
                detail: "a path's value filter holds one clause".into(),
            })?;
            (&rest[..open], Some(clause), &rest[close + 1..])
        }
        // `attr.sub`: the sub-attribute stays in what follows, with its dot.
        None => match rest.find('.') {
            Some(dot) => (&rest[..dot], None, &rest[dot..]),
            None => (rest, None, ""),
        },
    };
    let sub = match after.strip_prefix('.') {
        Some(sub) if !sub.is_empty() => Some(sub.to_owned()),
        None if after.is_empty() => None,
        _ => return refuse("invalidPath", format!("`{text}` is not a path")),
    };
    if attribute.is_empty() || !attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
    {
        return refuse("invalidPath", format!("`{text}` is not a path"));
    }
    Ok(Path { schema, attribute: attribute.to_owned(), filter, sub })
}

/// Applies `operations` to `resource` (the resource's JSON as the service shows it), in order. What the
/// result means is read from it afterwards, as from a PUT: one set of rules for both.
pub fn apply_patch(resource: &mut Value, operations: &[Operation], core: &str) -> Result<(), Refusal> {
    for operation in operations {
        match &operation.path {
            Some(path) => apply_at(resource, operation.op, &parse_path(path, core)?, operation.value.clone())?,
            None => {
                // Okta: `{"op": "replace", "value": {"active": false}}`; each member is a path of its own, and
                // an extension's URN may name an object of its attributes.
                let Some(Value::Object(values)) = &operation.value else { continue };
                for (key, value) in values {
                    match value {
                        Value::Object(inner) if key.len() > 4 && key[..4].eq_ignore_ascii_case("urn:") => {
                            for (attribute, value) in inner {
                                let path = parse_path(&format!("{key}:{attribute}"), core)?;
                                apply_at(resource, operation.op, &path, Some(value.clone()))?;
                            }
                        }
                        _ => apply_at(resource, operation.op, &parse_path(key, core)?, Some(value.clone()))?,
                    }
                }
            }
        }
    }
    Ok(())
}

fn matches(element: &Value, clause: &Clause) -> bool {
    let Some(element) = element.as_object() else { return false };
    let found = attribute(element, clause.attribute.as_str());
    match (found, &clause.value) {
        (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Some(a), b) => a == b,
        (None, Value::Null) => true,
        (None, _) => false,
    }
}

/// Whether two multi-valued elements are the same one: by their `value` when they have one.
fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The object (or array, with `array`) at `key` of `container`, made one if it is anything else.
fn made(container: &mut Map<String, Value>, key: String, array: bool) -> Result<&mut Value, Refusal> {
    let entry = container.entry(key).or_insert(Value::Null);
    if array && !entry.is_array() {
        *entry = Value::Array(Vec::new());
    } else if !array && !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    Ok(entry)
}

fn no_target<T>() -> Result<T, Refusal> {
    refuse("noTarget", "the path names nothing that can hold a value")
}

fn apply_at(resource: &mut Value, op: Op, path: &Path, value: Option<Value>) -> Result<(), Refusal> {
    let Some(root) = resource.as_object_mut() else { return refuse("invalidSyntax", "the resource is not an object") };
    let container = match &path.schema {
        None => root,
        Some(urn) => {
            let key = key_of(root, urn);
            let Some(extension) = made(root, key, false)?.as_object_mut() else { return no_target() };
            extension
        }
    };
    let key = key_of(container, &path.attribute);
    match (&path.filter, &path.sub) {
        (None, None) => match op {
            Op::Replace => {
                container.insert(key, value.unwrap_or(Value::Null));
            }
            Op::Add => match (container.get_mut(&key), value.unwrap_or(Value::Null)) {
                (Some(Value::Array(existing)), Value::Array(new)) => {
                    for element in new {
                        if !existing.iter().any(|e| same_element(e, &element)) {
                            existing.push(element);
                        }
                    }
                }
                (Some(Value::Array(existing)), element) => {
                    if !existing.iter().any(|e| same_element(e, &element)) {
                        existing.push(element);
                    }
                }
                (_, value) => {
                    container.insert(key, value);
                }
            },
            Op::Remove => match (container.get_mut(&key), value) {
                // Entra ID: `{"op": "Remove", "path": "members", "value": [{"value": "id"}]}`.
                (Some(Value::Array(existing)), Some(Value::Array(gone))) => {
                    existing.retain(|e| !gone.iter().any(|g| same_element(e, g)));
                }
                _ => {
                    container.remove(&key);
                }
            },
        },
        (None, Some(sub)) => {
            let Some(object) = made(container, key, false)?.as_object_mut() else { return no_target() };
            let sub_key = key_of(object, sub);
            match op {
                Op::Add | Op::Replace => {
                    object.insert(sub_key, value.unwrap_or(Value::Null));
                }
                Op::Remove => {
                    object.remove(&sub_key);
                }
            }
        }
        (Some(filter), sub) => {
            let Some(elements) = made(container, key, true)?.as_array_mut() else { return no_target() };
            let found = elements.iter().any(|e| matches(e, filter));
            match (op, sub) {
                (Op::Remove, None) => elements.retain(|e| !matches(e, filter)),
                (Op::Remove, Some(sub)) => {
                    for element in elements.iter_mut().filter(|e| matches(e, filter)) {
                        if let Some(object) = element.as_object_mut() {
                            let sub_key = key_of(object, sub);
                            object.remove(&sub_key);
                        }
                    }
                }
                (Op::Add | Op::Replace, Some(sub)) if found => {
                    for element in elements.iter_mut().filter(|e| matches(e, filter)) {
                        if let Some(object) = element.as_object_mut() {
                            let sub_key = key_of(object, sub);
                            object.insert(sub_key, value.clone().unwrap_or(Value::Null));
                        }
                    }
                }
                // `emails[type eq "work"].value` on a user without a work address adds one.
                (Op::Add | Op::Replace, Some(sub)) => {
                    let mut element = Map::new();
                    element.insert(filter.attribute.clone(), filter.value.clone());
                    element.insert(sub.clone(), value.unwrap_or(Value::Null));
                    elements.push(Value::Object(element));
                }
                (Op::Add | Op::Replace, None) => {
                    let new = value.unwrap_or(Value::Null);
                    if found {
                        for element in elements.iter_mut().filter(|e| matches(e, filter)) {
                            *element = new.clone();
                        }
                    } else {
                        elements.push(new);
                    }
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- resources

/// A boolean as providers send it: `true`, or Entra ID's `"True"`.
fn boolean(value: Option<&Value>, name: &str, default: bool) -> Result<bool, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => refuse("invalidValue", format!("`{name}` is true or false")),
    }
}

fn text(value: Option<&Value>, name: &str, max: usize) -> Result<Option<String>, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.chars().count() > max {
                refuse("invalidValue", format!("`{name}` has at most {max} characters"))
            } else if s.chars().any(char::is_control) {
                refuse("invalidValue", format!("`{name}` holds a control character"))
            } else if s.is_empty() {
                Ok(None)
            } else {
                Ok(Some(s.to_owned()))
            }
        }
        Some(_) => refuse("invalidValue", format!("`{name}` is a string")),
    }
}

/// The writable attributes of a SCIM user, as the service keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub user_name: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// The address the user logs in with: the primary e-mail, else the first, else the userName.
    /// Checked as an e-mail address by the caller.
    pub email: String,
    /// What the identity provider says.
    pub active: bool,
    pub password: Option<String>,
}

impl UserFields {
    /// Reads a user as POST and PUT send it (and as a PATCH leaves it). Attributes the service does not
    /// keep (the enterprise extension, phone numbers, locale …) are accepted and not stored.
    pub fn from_json(resource: &Value) -> Result<Self, Refusal> {
        let Some(user) = resource.as_object() else { return refuse("invalidSyntax", "a user is a JSON object") };
        let user_name = text(attribute(user, "userName"), "userName", 254)?
            .ok_or_else(|| Refusal { scim_type: "invalidValue", detail: "`userName` is required".into() })?;
        let name = attribute(user, "name").and_then(Value::as_object);
        let part = |n: &str| match name {
            Some(name) => text(attribute(name, n), &format!("name.{n}"), 100),
            None => Ok(None),
        };
        let (given_name, family_name, formatted) = (part("givenName")?, part("familyName")?, part("formatted")?);
        let display_name = text(attribute(user, "displayName"), "displayName", 100)?.or(formatted).or_else(|| {
            let joined = [given_name.as_deref(), family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>();
            (!joined.is_empty()).then(|| joined.join(" ").chars().take(100).collect())
        });
        let emails = match attribute(user, "emails") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(emails)) => emails.iter().filter_map(Value::as_object).collect(),
            Some(_) => return refuse("invalidValue", "`emails` is an array"),
        };
        fn value_of(e: &Map<String, Value>) -> Option<&str> {
            attribute(e, "value").and_then(Value::as_str).map(str::trim)
        }
        let primary = emails.iter().find(|e| boolean(attribute(e, "primary"), "primary", false).unwrap_or(false));
        let email = primary
            .and_then(|e| value_of(e))
            .or_else(|| emails.iter().find_map(|e| value_of(e).filter(|v| !v.is_empty())))
            .unwrap_or(&user_name)
            .to_owned();
        Ok(UserFields {
            external_id: text(attribute(user, "externalId"), "externalId", 255)?,
            given_name,
            family_name,
            display_name,
            email,
            active: boolean(attribute(user, "active"), "active", true)?,
            password: match attribute(user, "password") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return refuse("invalidValue", "`password` is a string"),
            },
            user_name,
        })
    }
}

/// What members of a group get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    /// For organization members: their organization.
    pub organization: Option<OrganizationId>,
}

/// The writable attributes of a SCIM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFields {
    pub display_name: String,
    pub external_id: Option<String>,
    /// The ids of its members, as given.
    pub members: Vec<String>,
    /// The service's extension; `None` when the group grants nothing (yet).
    pub grant: Option<Grant>,
}

impl GroupFields {
    pub fn from_json(resource: &Value) -> Result<Self, Refusal> {
        let Some(group) = resource.as_object() else { return refuse("invalidSyntax", "a group is a JSON object") };
        let display_name = text(attribute(group, "displayName"), "displayName", 200)?
            .ok_or_else(|| Refusal { scim_type: "invalidValue", detail: "`displayName` is required".into() })?;
        let mut members = Vec::new();
        match attribute(group, "members") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for member in list {
                    let Some(id) = member.as_object().and_then(|m| attribute(m, "value")).and_then(Value::as_str)
                    else {
                        return refuse("invalidValue", "each member is an object with the user's id as `value`");
                    };
                    if !members.iter().any(|m: &String| m == id) {
                        members.push(id.to_owned());
                    }
                }
            }
            Some(_) => return refuse("invalidValue", "`members` is an array"),
        }
        let grant = match attribute(group, ACCESS_SCHEMA) {
            None | Some(Value::Null) => None,
            Some(Value::Object(access)) => grant(access)?,
            Some(_) => return refuse("invalidValue", format!("`{ACCESS_SCHEMA}` is an object")),
        };
        Ok(GroupFields {
            display_name,
            external_id: text(attribute(group, "externalId"), "externalId", 255)?,
            members,
            grant,
        })
    }
}

fn grant(access: &Map<String, Value>) -> Result<Option<Grant>, Refusal> {
    let role = match attribute(access, "role") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(
            r.parse::<Role>()
                .map_err(|e| Refusal { scim_type: "invalidValue", detail: format!("`role` {}", e.message) })?,
        ),
        Some(_) => return refuse("invalidValue", "`role` is a string"),
    };
    let organization = match attribute(access, "organizationId") {
        None | Some(Value::Null) => None,
        Some(Value::String(o)) => Some(o.parse::<OrganizationId>().map_err(|_| Refusal {
            scim_type: "invalidValue",
            detail: "`organizationId` is an organization's id".into(),
        })?),
        Some(_) => return refuse("invalidValue", "`organizationId` is a string"),
    };
    match (role, organization) {
        (None, None) => Ok(None),
        (None, Some(_)) => refuse("invalidValue", "`organizationId` goes with `role`: org_member"),
        (Some(role), organization) if role.is_tenant_bound() != organization.is_some() => refuse(
            "invalidValue",
            if organization.is_some() {
                "only org_member groups name an `organizationId`"
            } else {
                "an org_member group names its `organizationId`"
            },
        ),
        (Some(role), organization) => Ok(Some(Grant { role, organization })),
    }
}

/// The role a user gets from the grants of their groups (oldest group first): the broadest one; among
/// organization memberships, the oldest group's. `None`: no group grants anything, and the user may not
/// log in.
pub fn granted(grants: &[Grant]) -> Option<Grant> {
    let rank = |role: Role| match role {
        Role::Admin => 0,
        Role::Recruiter => 1,
        Role::OrgMember => 2,
    };
    grants.iter().min_by_key(|g| rank(g.role)).copied()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_are_eq_clauses_joined_by_and() {
        assert_eq!(
            parse_filter(r#"userName eq "jane@example.com""#).unwrap(),
            vec![Clause { attribute: "username".into(), value: json!("jane@example.com") }]
        );
        let both = parse_filter(r#"id eq "g1" and members eq "u1""#).unwrap();
        assert_eq!(both[1], Clause { attribute: "members.value".into(), value: json!("u1") });
        let nested = parse_filter(r#"emails[type eq "work"] and active eq True"#).unwrap();
        assert_eq!(nested[0].attribute, "emails.type");
        assert_eq!(nested[1].value, json!(true));
        assert_eq!(parse_filter(r#"userName eq "a \"q\" b""#).unwrap()[0].value, json!("a \"q\" b"));
        for bad in [r#"userName co "x""#, r#"userName eq "x" or id eq "y""#, r#"userName eq x"#, r#"(id eq "x")"#, ""] {
            assert_eq!(parse_filter(bad).unwrap_err().scim_type, "invalidFilter", "{bad}");
        }
    }

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA], "id": "u1", "userName": "jane@example.com", "active": true,
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "jane@example.com", "type": "work", "primary": true}],
        })
    }

    fn patch(resource: &mut Value, body: Value) {
        apply_patch(resource, &parse_patch(&body).unwrap(), USER_SCHEMA).unwrap();
    }

    #[test]
    fn okta_and_entra_patches_apply() {
        let mut okta = user();
        patch(&mut okta, json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]}));
        assert!(!UserFields::from_json(&okta).unwrap().active);

        let mut entra = user();
        patch(
            &mut entra,
            json!({"Operations": [
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": "name.familyName", "value": "Smith"},
                {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "jane.smith@example.com"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Finance"},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "Jane Smith"},
            ]}),
        );
        let fields = UserFields::from_json(&entra).unwrap();
        assert!(!fields.active);
        assert_eq!(fields.family_name.as_deref(), Some("Smith"));
        assert_eq!(fields.email, "jane.smith@example.com");
        assert_eq!(fields.display_name.as_deref(), Some("Jane Smith"));
        assert_eq!(entra[ENTERPRISE_USER_SCHEMA]["department"], "Finance");

        // A path-less value with dotted keys, as Entra ID sends some.
        let mut dotted = user();
        patch(
            &mut dotted,
            json!({"Operations": [{"op": "replace", "value": {"name.givenName": "Janet", "userName": "janet@example.com"}}]}),
        );
        let fields = UserFields::from_json(&dotted).unwrap();
        assert_eq!((fields.given_name.as_deref(), fields.user_name.as_str()), (Some("Janet"), "janet@example.com"));
    }

    #[test]
    fn members_are_added_and_removed_both_ways() {
        let mut group = json!({"schemas": [GROUP_SCHEMA], "displayName": "Finance", "members": [{"value": "a"}]});
        let ops = |body: Value| parse_patch(&body).unwrap();
        apply_patch(
            &mut group,
            &ops(json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "b"}, {"value": "a"}]}]})),
            GROUP_SCHEMA,
        )
        .unwrap();
        assert_eq!(GroupFields::from_json(&group).unwrap().members, ["a", "b"]);
        // Okta: a value filter in the path.
        apply_patch(
            &mut group,
            &ops(json!({"Operations": [{"op": "remove", "path": "members[value eq \"a\"]"}]})),
            GROUP_SCHEMA,
        )
        .unwrap();
        assert_eq!(GroupFields::from_json(&group).unwrap().members, ["b"]);
        // Entra ID: the members to remove as the value.
        apply_patch(
            &mut group,
            &ops(json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "b"}]}]})),
            GROUP_SCHEMA,
        )
        .unwrap();
        assert!(GroupFields::from_json(&group).unwrap().members.is_empty());
        apply_patch(
            &mut group,
            &ops(json!({"Operations": [{"op": "replace", "value": {"id": "g", "displayName": "Finance EMEA"}}]})),
            GROUP_SCHEMA,
        )
        .unwrap();
        assert_eq!(GroupFields::from_json(&group).unwrap().display_name, "Finance EMEA");
        apply_patch(
            &mut group,
            &ops(json!({"Operations": [{"op": "add", "path": format!("{ACCESS_SCHEMA}:role"), "value": "recruiter"}]})),
            GROUP_SCHEMA,
        )
        .unwrap();
        assert_eq!(
            GroupFields::from_json(&group).unwrap().grant,
            Some(Grant { role: Role::Recruiter, organization: None })
        );
    }

    #[test]
    fn bad_patches_are_refused() {
        assert_eq!(parse_patch(&json!({"Operations": []})).unwrap_err().scim_type, "invalidSyntax");
        assert_eq!(parse_patch(&json!({"Operations": [{"op": "move"}]})).unwrap_err().scim_type, "invalidSyntax");
        assert_eq!(parse_patch(&json!({"Operations": [{"op": "remove"}]})).unwrap_err().scim_type, "noTarget");
        assert_eq!(
            parse_patch(&json!({"Operations": [{"op": "add", "path": "x"}]})).unwrap_err().scim_type,
            "invalidValue"
        );
        let ops = parse_patch(&json!({"Operations": [{"op": "add", "path": "a b", "value": 1}]})).unwrap();
        assert_eq!(apply_patch(&mut user(), &ops, USER_SCHEMA).unwrap_err().scim_type, "invalidPath");
    }

    #[test]
    fn users_read_as_providers_send_them() {
        let entra = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee", "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User_ab6490ee@testuser.com"}],
            "meta": {"resourceType": "User"}, "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
        });
        let fields = UserFields::from_json(&entra).unwrap();
        assert_eq!(fields.email, "Test_User_ab6490ee@testuser.com");
        assert_eq!(fields.display_name.as_deref(), Some("givenName familyName"));
        assert_eq!(UserFields::from_json(&json!({"username": "a@b.co"})).unwrap().email, "a@b.co");
        assert_eq!(UserFields::from_json(&json!({"emails": []})).unwrap_err().detail, "`userName` is required");
        assert_eq!(
            UserFields::from_json(&json!({"userName": "a", "active": "yes"})).unwrap_err().scim_type,
            "invalidValue"
        );
    }

    #[test]
    fn the_broadest_grant_wins() {
        let org: OrganizationId = "0190b4e4-0000-7000-8000-000000000001".parse().unwrap();
        let member = Grant { role: Role::OrgMember, organization: Some(org) };
        let recruiter = Grant { role: Role::Recruiter, organization: None };
        assert_eq!(granted(&[member, recruiter]), Some(recruiter));
        assert_eq!(granted(&[member]), Some(member));
        assert_eq!(granted(&[]), None);
        let bad = GroupFields::from_json(&json!({"displayName": "x", ACCESS_SCHEMA: {"role": "org_member"}}));
        assert_eq!(bad.unwrap_err().scim_type, "invalidValue");
    }
}
