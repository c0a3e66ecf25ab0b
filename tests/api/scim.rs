//! SCIM 2.0 provisioning as identity providers do it: the requests Okta and
//! Entra ID send (their bodies, their capitalization, Entra's string
//! booleans, their ways of adding and removing group members), the groups
//! that grant a role, deactivation ending a user's tokens at once, SCIM's
//! own credential and error document, and discovery.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of};

const SCIM_TOKEN: &str = "the identity provider's SCIM credential, long enough";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ACCESS: &str = "urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group";
const USER_ACCESS: &str = "urn:interim-tracker:params:scim:schemas:extension:access:2.0:User";
const PASSWORD: &str = "a password Okta pushes, long enough";

fn with_scim(config: &mut interim_tracker::config::Config) {
    config.auth.scim_token = Some(SCIM_TOKEN.parse().unwrap());
}

/// A SCIM request as a provider sends it: its credential, `application/scim+json`.
async fn scim(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(&format!("/scim/v2{path}"))).bearer_auth(token);
    if let Some(body) = body {
        request = request.header("content-type", "application/scim+json").body(body.to_string());
    }
    request.send().await.expect("the request is answered")
}

/// The SCIM body of an answer, checking its status and media type.
async fn scim_json(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(got, status, "{body:#}");
    assert_eq!(media.as_deref(), Some("application/scim+json"), "{body:#}");
    body
}

/// A SCIM error document of `status` and `scim_type`.
async fn scim_error(response: reqwest::Response, status: u16, scim_type: Option<&str>) -> Value {
    let body = scim_json(response, status).await;
    assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{body:#}");
    assert_eq!(body["status"], status.to_string(), "{body:#}");
    assert_eq!(body["scimType"].as_str(), scim_type, "{body:#}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body:#}");
    body
}

fn filter(expression: &str) -> String {
    url::form_urlencoded::byte_serialize(expression.as_bytes()).collect()
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.with(token).get("/api/v1/me").await.status().as_u16()
}

async fn okta_provisions_users_and_groups(app: TestApp) {
    let okta = SCIM_TOKEN;
    let login = format!("jane.okta.{}@client.example", uuid::Uuid::new_v4().simple());

    // Okta first looks the user up, then creates them.
    let path = format!("/Users?filter={}&startIndex=1&count=100", filter(&format!("userName eq \"{login}\"")));
    let found = scim_json(scim(&app, okta, Method::GET, &path, None).await, 200).await;
    assert_eq!((found["totalResults"].as_i64(), found["Resources"].as_array().map(Vec::len)), (Some(0), Some(0)));
    let created = scim(
        &app,
        okta,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [CORE_USER], "userName": login,
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"primary": true, "value": login, "type": "work"}],
            "displayName": "Jane Doe", "locale": "en-US", "externalId": "00u1a2b3c4d5e6f7g8h9",
            "groups": [], "password": PASSWORD, "active": true,
        })),
    )
    .await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let user = scim_json(created, 201).await;
    let id = user["id"].as_str().unwrap().to_owned();
    assert!(location.ends_with(&format!("/scim/v2/Users/{id}")), "{location}");
    assert_eq!(user["meta"]["location"], location);
    assert_eq!(
        (user["userName"].as_str(), user["externalId"].as_str()),
        (Some(login.as_str()), Some("00u1a2b3c4d5e6f7g8h9"))
    );
    assert_eq!(user["active"], true);
    // In no group that grants a role: known, but may not log in.
    assert_eq!(user[USER_ACCESS]["mayLogIn"], false);
    assert_eq!(user[USER_ACCESS]["role"], Value::Null);
    let refused = app.token_request(&[("grant_type", "password"), ("username", &login), ("password", PASSWORD)]).await;
    assert!(refused.status().is_client_error(), "a user without a role logged in");
    // The lookup is not case-sensitive; it finds them now.
    let path = format!("/Users?filter={}", filter(&format!("userName eq \"{}\"", login.to_uppercase())));
    let found = scim_json(scim(&app, okta, Method::GET, &path, None).await, 200).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    // Okta pushes a group; an admin maps it to a role (with their own token, as Swagger UI would).
    let group = scim_json(
        scim(
            &app,
            okta,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [CORE_GROUP], "displayName": "Interim Tracker Recruiters", "members": []})),
        )
        .await,
        201,
    )
    .await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group[ACCESS]["role"], Value::Null);
    let mapped = scim(
        &app,
        &app.token,
        Method::PATCH,
        &format!("/Groups/{group_id}"),
        Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": format!("{ACCESS}:role"), "value": "recruiter"}]})),
    )
    .await;
    assert_eq!(scim_json(mapped, 200).await[ACCESS]["role"], "recruiter");
    let joined = scim(
        &app,
        okta,
        Method::PATCH,
        &format!("/Groups/{group_id}"),
        Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": id, "display": login}]}]})),
    )
    .await;
    let joined = scim_json(joined, 200).await;
    assert_eq!(joined["members"][0]["value"], id.as_str());
    let user = scim_json(scim(&app, okta, Method::GET, &format!("/Users/{id}"), None).await, 200).await;
    assert_eq!(user["groups"][0]["value"], group_id.as_str());
    assert_eq!(
        (user[USER_ACCESS]["role"].as_str(), user[USER_ACCESS]["mayLogIn"].as_bool()),
        (Some("recruiter"), Some(true))
    );

    // Now they log in, and work as a recruiter.
    let token = app.login(&login, PASSWORD).await;
    let who = json_of(app.with(&token).get("/api/v1/me").await, 200).await;
    assert_eq!(who["role"], "recruiter");
    assert_eq!(app.with(&token).get("/api/v1/candidates").await.status(), 200);

    // A profile change (Okta sends the whole user) keeps their access and their token.
    let mut replaced = user.clone();
    replaced["name"]["familyName"] = "Doe-Smith".into();
    replaced["displayName"] = "Jane Doe-Smith".into();
    let replaced = scim_json(scim(&app, okta, Method::PUT, &format!("/Users/{id}"), Some(replaced)).await, 200).await;
    assert_eq!(replaced["name"]["familyName"], "Doe-Smith");
    assert_eq!(me(&app, &token).await, 200);

    // Deactivated: the token stops working at its very next request.
    let deactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let deactivated =
        scim_json(scim(&app, okta, Method::PATCH, &format!("/Users/{id}"), Some(deactivate)).await, 200).await;
    assert_eq!(
        (deactivated["active"].as_bool(), deactivated[USER_ACCESS]["mayLogIn"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(me(&app, &token).await, 401);
    let refused = app.token_request(&[("grant_type", "password"), ("username", &login), ("password", PASSWORD)]).await;
    assert!(refused.status().is_client_error());
    let reactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": true}}]});
    scim_json(scim(&app, okta, Method::PATCH, &format!("/Users/{id}"), Some(reactivate)).await, 200).await;
    let token = app.login(&login, PASSWORD).await;
    assert_eq!(me(&app, &token).await, 200);

    // Okta removes a member by a value filter in the path: they lose the role, and their token.
    let remove =
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]});
    let left =
        scim_json(scim(&app, okta, Method::PATCH, &format!("/Groups/{group_id}"), Some(remove)).await, 200).await;
    assert_eq!(left["members"], json!([]));
    assert_eq!(me(&app, &token).await, 401);

    // Okta renames a group with a path-less replace, and finds it by name.
    let rename = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"id": group_id, "displayName": "Recruiters"}}]});
    scim_json(scim(&app, okta, Method::PATCH, &format!("/Groups/{group_id}"), Some(rename)).await, 200).await;
    let path = format!("/Groups?filter={}", filter("displayName eq \"recruiters\""));
    let found = scim_json(scim(&app, okta, Method::GET, &path, None).await, 200).await;
    assert_eq!(
        (found["totalResults"].as_i64(), found["Resources"][0]["id"].as_str()),
        (Some(1), Some(group_id.as_str()))
    );

    // Deleted, the user is gone from SCIM and from the service.
    assert_eq!(scim(&app, okta, Method::DELETE, &format!("/Groups/{group_id}"), None).await.status(), 204);
    assert_eq!(scim(&app, okta, Method::DELETE, &format!("/Users/{id}"), None).await.status(), 204);
    scim_error(scim(&app, okta, Method::GET, &format!("/Users/{id}"), None).await, 404, None).await;
    assert_eq!(app.get(&format!("/api/v1/users/{id}")).await.status(), 404);
}

async fn entra_id_provisions_users_and_groups(app: TestApp) {
    let entra = SCIM_TOKEN;
    let org = app.organization("Entra Client Org").await;
    let tag = uuid::Uuid::new_v4();
    let user_name = format!("Test_User_{tag}");

    // Entra ID's own checks: a lookup of someone who does not exist, then the create.
    let path = format!("/Users?filter={}", filter(&format!("userName eq \"{user_name}\"")));
    assert_eq!(scim_json(scim(&app, entra, Method::GET, &path, None).await, 200).await["totalResults"], 0);
    let body = json!({
        "schemas": [CORE_USER, ENTERPRISE],
        "externalId": tag.to_string(),
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{user_name}@testuser.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    });
    let user = scim_json(scim(&app, entra, Method::POST, "/Users", Some(body.clone())).await, 201).await;
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["emails"][0]["value"], format!("{user_name}@testuser.com").to_lowercase());
    assert_eq!(user["displayName"], "givenName familyName");
    // The same user again is a uniqueness conflict, as Entra ID expects.
    scim_error(scim(&app, entra, Method::POST, "/Users", Some(body)).await, 409, Some("uniqueness")).await;
    let path = format!("/Users?filter={}", filter(&format!("externalId eq \"{tag}\"")));
    assert_eq!(
        scim_json(scim(&app, entra, Method::GET, &path, None).await, 200).await["Resources"][0]["id"],
        id.as_str()
    );

    // A group of the client organization: its members are that organization's members.
    let group = json!({
        "schemas": [CORE_GROUP, ACCESS], "externalId": format!("group-{tag}"), "displayName": format!("Client HR {tag}"),
        "meta": {"resourceType": "Group"}, ACCESS: {"role": "org_member", "organizationId": org},
    });
    let group = scim_json(scim(&app, entra, Method::POST, "/Groups", Some(group)).await, 201).await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let add =
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}]});
    scim_json(scim(&app, entra, Method::PATCH, &format!("/Groups/{group_id}"), Some(add)).await, 200).await;
    // Entra ID checks a membership by filter, without the members.
    let path = format!(
        "/Groups?excludedAttributes=members&filter={}",
        filter(&format!("id eq \"{group_id}\" and members eq \"{id}\""))
    );
    let found = scim_json(scim(&app, entra, Method::GET, &path, None).await, 200).await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none(), "{found:#}");

    // An admin gives the provisioned user a password here (Entra ID sends none); they log in as a member.
    let rest = format!("/api/v1/users/{id}");
    let etag = app.get(&rest).await.headers()["etag"].to_str().unwrap().to_owned();
    json_of(app.patch_if(&rest, &json!({"password": PASSWORD}), &etag).await, 200).await;
    let email = format!("{user_name}@testuser.com").to_lowercase();
    let token = app.login(&email, PASSWORD).await;
    let who = json_of(app.with(&token).get("/api/v1/me").await, 200).await;
    assert_eq!((who["role"].as_str(), who["organization_id"].as_str()), (Some("org_member"), Some(org.as_str())));
    // The provider owns their role: the REST API refuses to change it.
    let etag = app.get(&rest).await.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(app.patch_if(&rest, &json!({"role": "admin", "organization_id": null}), &etag).await.status(), 409);

    // Entra ID's attribute updates: capitalized ops, paths with filters and schema URNs.
    let update = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "name.familyName", "value": "Smith"},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": format!("{user_name}.smith@testuser.com")},
        {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Finance"},
        {"op": "Replace", "path": "displayName", "value": "Given Smith"},
    ]});
    let updated = scim_json(scim(&app, entra, Method::PATCH, &format!("/Users/{id}"), Some(update)).await, 200).await;
    assert_eq!(updated["name"]["familyName"], "Smith");
    assert_eq!(updated["displayName"], "Given Smith");
    assert_eq!(updated["emails"][0]["value"], format!("{user_name}.smith@testuser.com").to_lowercase());
    // The login address changed: the old token was issued to the same user and role, and still works.
    assert_eq!(me(&app, &token).await, 200);

    // Entra ID deactivates with a string boolean: the token ends at once.
    let disable = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let disabled = scim_json(scim(&app, entra, Method::PATCH, &format!("/Users/{id}"), Some(disable)).await, 200).await;
    assert_eq!(disabled["active"], false);
    assert_eq!(me(&app, &token).await, 401);

    // Entra ID removes members with the members as the value.
    let remove =
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": id}]}]});
    let group =
        scim_json(scim(&app, entra, Method::PATCH, &format!("/Groups/{group_id}"), Some(remove)).await, 200).await;
    assert_eq!(group["members"], json!([]));
    let rename = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "displayName", "value": format!("Client HR EMEA {tag}")}]});
    let group =
        scim_json(scim(&app, entra, Method::PATCH, &format!("/Groups/{group_id}"), Some(rename)).await, 200).await;
    assert_eq!(group["displayName"], format!("Client HR EMEA {tag}"));
    assert_eq!(scim(&app, entra, Method::DELETE, &format!("/Users/{id}"), None).await.status(), 204);
    scim_error(scim(&app, entra, Method::DELETE, &format!("/Users/{id}"), None).await, 404, None).await;
}

async fn scim_refuses_what_it_cannot_take(app: TestApp) {
    // Its own credential, and nothing else's: no token, a wrong one, a recruiter's.
    let anonymous = app.client.get(app.url("/scim/v2/Users")).send().await.unwrap();
    scim_error(anonymous, 401, None).await;
    scim_error(scim(&app, "not the credential", Method::GET, "/Users", None).await, 401, None).await;
    let recruiter = app.user("recruiter", None).await;
    scim_error(scim(&app, &recruiter, Method::GET, "/Users", None).await, 403, None).await;
    // The SCIM credential opens nothing outside /scim/v2.
    assert_eq!(me(&app, SCIM_TOKEN).await, 401);
    assert_eq!(app.with(SCIM_TOKEN).get("/api/v1/users").await.status(), 401);

    // Refusals made before any handler runs are SCIM's too.
    scim_error(scim(&app, SCIM_TOKEN, Method::GET, "/Users?filter=%01", None).await, 400, Some("invalidFilter")).await;
    scim_error(scim(&app, SCIM_TOKEN, Method::DELETE, "/Users", None).await, 405, None).await;
    scim_error(scim(&app, SCIM_TOKEN, Method::GET, "/Nothing", None).await, 404, None).await;
    let path = format!("/Users?filter={}", filter("userName co \"jane\""));
    scim_error(scim(&app, SCIM_TOKEN, Method::GET, &path, None).await, 400, Some("invalidFilter")).await;
    let path = format!("/Users?filter={}", filter("title eq \"CFO\""));
    scim_error(scim(&app, SCIM_TOKEN, Method::GET, &path, None).await, 400, Some("invalidFilter")).await;
    let bad = json!({"schemas": [CORE_USER], "userName": "no-address"});
    scim_error(scim(&app, SCIM_TOKEN, Method::POST, "/Users", Some(bad)).await, 400, Some("invalidValue")).await;
    let short = json!({"schemas": [CORE_USER], "userName": "short@client.example", "password": "short"});
    scim_error(scim(&app, SCIM_TOKEN, Method::POST, "/Users", Some(short)).await, 400, Some("invalidValue")).await;
    let text = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(SCIM_TOKEN)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    scim_error(text, 415, None).await;
    let broken = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(SCIM_TOKEN)
        .header("content-type", "application/scim+json")
        .body("{")
        .send()
        .await
        .unwrap();
    scim_error(broken, 400, Some("invalidSyntax")).await;
    let path = format!("/Users?filter={}", filter("userName eq \"short@client.example\""));
    assert_eq!(scim_json(scim(&app, SCIM_TOKEN, Method::GET, &path, None).await, 200).await["totalResults"], 0);

    // A group naming an unknown member, or a role without its organization, writes nothing.
    let unknown = json!({"displayName": "Ghosts", "members": [{"value": uuid::Uuid::new_v4().to_string()}]});
    scim_error(scim(&app, SCIM_TOKEN, Method::POST, "/Groups", Some(unknown)).await, 400, Some("invalidValue")).await;
    let orphan = json!({"displayName": "Orphans", ACCESS: {"role": "org_member"}});
    scim_error(scim(&app, SCIM_TOKEN, Method::POST, "/Groups", Some(orphan)).await, 400, Some("invalidValue")).await;
    let groups = scim_json(scim(&app, SCIM_TOKEN, Method::GET, "/Groups", None).await, 200).await;
    assert_eq!(groups["totalResults"], 0);
    let group =
        scim_json(scim(&app, SCIM_TOKEN, Method::POST, "/Groups", Some(json!({"displayName": "Finance"}))).await, 201)
            .await;
    let again = scim(&app, SCIM_TOKEN, Method::POST, "/Groups", Some(json!({"displayName": "FINANCE"}))).await;
    scim_error(again, 409, Some("uniqueness")).await;
    let gid = group["id"].as_str().unwrap();
    let patch = json!({"Operations": [{"op": "move", "path": "members"}]});
    scim_error(
        scim(&app, SCIM_TOKEN, Method::PATCH, &format!("/Groups/{gid}"), Some(patch)).await,
        400,
        Some("invalidSyntax"),
    )
    .await;
    // A stale If-Match is refused; the current one is taken.
    let stale = app
        .client
        .put(app.url(&format!("/scim/v2/Groups/{gid}")))
        .bearer_auth(SCIM_TOKEN)
        .header("content-type", "application/scim+json")
        .header("if-match", "\"v9\"")
        .body(json!({"displayName": "Finance"}).to_string())
        .send()
        .await
        .unwrap();
    scim_error(stale, 412, None).await;

    // Every user is there, those created here too, named by their e-mail.
    let users = scim_json(scim(&app, SCIM_TOKEN, Method::GET, "/Users?count=1", None).await, 200).await;
    assert!(users["totalResults"].as_i64().unwrap() >= 2);
    assert_eq!((users["itemsPerPage"].as_i64(), users["startIndex"].as_i64()), (Some(1), Some(1)));
    let admins = format!("/Users?filter={}", filter("userName eq \"admin@tests.example.com\""));
    assert_eq!(scim_json(scim(&app, SCIM_TOKEN, Method::GET, &admins, None).await, 200).await["totalResults"], 1);
    let counted = scim_json(scim(&app, SCIM_TOKEN, Method::GET, "/Users?count=0", None).await, 200).await;
    assert_eq!(counted["Resources"], json!([]));
}

async fn discovery_describes_the_service(app: TestApp) {
    // Discovery needs no credential.
    let anonymous = |path: &str| app.client.get(app.url(&format!("/scim/v2{path}"))).send();
    let config = scim_json(anonymous("/ServiceProviderConfig").await.unwrap(), 200).await;
    assert_eq!(config["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]));
    assert_eq!(
        (config["patch"]["supported"].as_bool(), config["filter"]["supported"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(config["authenticationSchemes"][0]["type"], "oauthbearertoken");
    let types = scim_json(anonymous("/ResourceTypes").await.unwrap(), 200).await;
    let names: Vec<&str> = types["Resources"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["User", "Group"]);
    assert_eq!(scim_json(anonymous("/ResourceTypes/Group").await.unwrap(), 200).await["endpoint"], "/Groups");
    let schemas = scim_json(anonymous("/Schemas").await.unwrap(), 200).await;
    let ids: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&CORE_USER) && ids.contains(&CORE_GROUP) && ids.contains(&ACCESS), "{ids:?}");
    let user = scim_json(anonymous(&format!("/Schemas/{CORE_USER}")).await.unwrap(), 200).await;
    assert!(
        user["attributes"].as_array().unwrap().iter().any(|a| a["name"] == "userName" && a["uniqueness"] == "server")
    );
    scim_error(anonymous("/Schemas/urn:nothing").await.unwrap(), 404, None).await;
}

backend_tests!(config = with_scim;
    okta_provisions_users_and_groups,
    entra_id_provisions_users_and_groups,
    scim_refuses_what_it_cannot_take,
    discovery_describes_the_service,
);
