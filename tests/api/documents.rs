//! Documents of candidates and assignments over HTTP on both backends: a real
//! PDF, a DOCX and text uploaded, typed from their bytes and their text read;
//! downloads byte for byte with their headers; refusals that write nothing;
//! a corrupt PDF stored as unreadable; members seeing a candidate's documents
//! only as they see contact details; the export holding them and erasure
//! removing them.

use std::io::Write;

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::{TestApp, backend_tests, json_of, problem};

const PDF: &[u8] = include_bytes!("../fixtures/documents/cv.pdf");
const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A minimal Word document whose paragraphs are `paragraphs`.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs.iter().map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>")).collect();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(
        br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
    )
    .unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// POSTs `bytes` to `path` with `token`, `content_type` (if any) and `headers`.
async fn upload(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: Option<&str>,
    bytes: Vec<u8>,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).bearer_auth(token).body(bytes);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the request is answered")
}

async fn candidate(app: &TestApp, last_name: &str) -> String {
    let email = format!("{}@example.com", last_name.to_lowercase());
    let created =
        app.create("/api/v1/candidates", &json!({"first_name": "Maria", "last_name": last_name, "email": email})).await;
    created["id"].as_str().unwrap().to_owned()
}

async fn need(app: &TestApp, org: &str) -> String {
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CXO", "reason": "replacement", "status": "open"}),
        )
        .await;
    need["id"].as_str().unwrap().to_owned()
}

/// Moves `candidate` through `stages` of `need`'s pipeline (placing makes the assignment).
async fn move_to(app: &TestApp, need: &str, candidate: &str, stages: &[&str]) {
    let moves = format!("/api/v1/needs/{need}/pipeline/{candidate}/moves");
    for stage in stages {
        let mut body = json!({"to": stage});
        if *stage == "placed" {
            body["assignment"] = json!({"day_rate": {"amount": 1500, "currency": "EUR"}});
        }
        assert_eq!(app.post(&moves, &body).await.status(), 200, "{stage}");
    }
}

async fn assignment_of(app: &TestApp, candidate: &str) -> String {
    let page = json_of(app.get(&format!("/api/v1/assignments?candidate_id={candidate}")).await, 200).await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response.headers().get(name).unwrap_or_else(|| panic!("no {name}")).to_str().unwrap()
}

async fn pdf_docx_and_text_are_stored_read_and_served(app: TestApp) {
    let id = candidate(&app, "Jansen").await;
    let documents = format!("/api/v1/candidates/{id}/documents");

    let response = upload(
        &app,
        &app.token,
        &format!("{documents}?kind=cv&filename=Maria%20Jansen%20CV.pdf"),
        Some("application/pdf"),
        PDF.to_vec(),
        &[],
    )
    .await;
    assert_eq!(header(&response, "etag"), "\"v1\"");
    let location = header(&response, "location").to_owned();
    let pdf = json_of(response, 201).await;
    assert_eq!(location, format!("{documents}/{}", pdf["id"].as_str().unwrap()));
    assert_eq!(pdf["candidate_id"], id.as_str());
    assert_eq!(pdf["assignment_id"], Value::Null);
    assert_eq!(
        (&pdf["kind"], &pdf["filename"], &pdf["content_type"], &pdf["size"]),
        (&json!("cv"), &json!("Maria Jansen CV.pdf"), &json!("application/pdf"), &json!(PDF.len()))
    );
    assert_eq!(pdf["sha256"], sha256(PDF));
    assert_eq!(pdf["text_status"], "extracted", "{pdf}");
    assert_eq!(pdf["content_url"], format!("{location}/content"));

    // A DOCX sent as bytes, named by Content-Disposition (RFC 5987), typed from its bytes.
    let word = docx(&["Maria Jansen", "Turned around two retail chains"]);
    let response = upload(
        &app,
        &app.token,
        &format!("{documents}?kind=cover_letter"),
        Some("application/octet-stream"),
        word.clone(),
        &[(
            "content-disposition",
            "attachment; filename=\"Lebenslauf.docx\"; filename*=UTF-8''Lebenslauf%20M%C3%BCller.docx",
        )],
    )
    .await;
    let docx_doc = json_of(response, 201).await;
    assert_eq!(
        (&docx_doc["content_type"], &docx_doc["filename"]),
        (&json!(DOCX_MIME), &json!("Lebenslauf Müller.docx"))
    );
    assert_eq!(docx_doc["text_status"], "extracted");

    let text = "References: Jan de Vries, CEO of Retail BV — “excellent”.\n";
    let response = upload(
        &app,
        &app.token,
        &format!("{documents}?kind=references"),
        Some("text/plain; charset=utf-8"),
        text.as_bytes().to_vec(),
        &[],
    )
    .await;
    let txt = json_of(response, 201).await;
    assert_eq!((&txt["content_type"], &txt["filename"]), (&json!("text/plain"), &json!("references.txt")));

    // The text read, as the export (and search) sees it.
    let export = json_of(app.get(&format!("/api/v1/candidates/{id}/export")).await, 200).await;
    let texts: Vec<&str> =
        export["documents"].as_array().unwrap().iter().map(|d| d["text"].as_str().unwrap()).collect();
    assert!(texts[0].contains("Maria Jansen") && texts[0].contains("Interim Chief Experience Officer"), "{texts:?}");
    assert_eq!(texts[1], "Maria Jansen\nTurned around two retail chains");
    assert_eq!(texts[2], text);

    // Pages, oldest first, a kind at a time.
    let page = json_of(app.get(&format!("{documents}?limit=2")).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = json_of(app.get(&format!("{documents}?cursor={cursor}")).await, 200).await;
    assert_eq!(rest["items"][0]["id"], txt["id"]);
    let newest = json_of(app.get(&format!("{documents}?sort=-created_at&include_total=true")).await, 200).await;
    assert_eq!((&newest["items"][0]["id"], &newest["total"]), (&txt["id"], &json!(3)));
    let cvs = json_of(app.get(&format!("{documents}?kind=cv")).await, 200).await;
    assert_eq!(cvs["items"].as_array().unwrap().iter().map(|d| &d["id"]).collect::<Vec<_>>(), [&pdf["id"]]);

    // Downloads: the same bytes, with their type, name, length, hash and nosniff.
    let response = app.get(&format!("{location}/content")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/pdf");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"Maria Jansen CV.pdf\"; filename*=UTF-8''Maria%20Jansen%20CV.pdf"
    );
    assert_eq!(header(&response, "content-length"), PDF.len().to_string());
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let etag = header(&response, "etag").to_owned();
    assert_eq!(etag, format!("\"{}\"", sha256(PDF)));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    let again =
        app.client.get(app.url(&format!("{location}/content"))).bearer_auth(&app.token).header("if-none-match", &etag);
    let again = again.send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag"), etag);

    let response = app.get(&format!("{documents}/{}/content", docx_doc["id"].as_str().unwrap())).await;
    assert_eq!(header(&response, "content-type"), DOCX_MIME);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"Lebenslauf M_ller.docx\"; filename*=UTF-8''Lebenslauf%20M%C3%BCller.docx"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), word.as_slice());
    let response = app.get(&format!("{documents}/{}/content", txt["id"].as_str().unwrap())).await;
    assert_eq!(header(&response, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(response.text().await.unwrap(), text);

    // Metadata, and deletion against its version.
    let response = app.get(&location).await;
    assert_eq!(header(&response, "etag"), "\"v1\"");
    assert_eq!(json_of(response, 200).await["id"], pdf["id"]);
    let unconditional = app.client.delete(app.url(&location)).bearer_auth(&app.token).send().await.unwrap();
    problem(unconditional, 428, "precondition-required").await;
    let stale = app.client.delete(app.url(&location)).bearer_auth(&app.token).header("if-match", "\"v2\"");
    problem(stale.send().await.unwrap(), 412, "precondition-failed").await;
    assert_eq!(app.delete(&location).await.status(), 204);
    problem(app.get(&location).await, 404, "not-found").await;
    problem(app.get(&format!("{location}/content")).await, 404, "not-found").await;
    // Another candidate's path does not reach the document.
    let other = candidate(&app, "Other").await;
    let docx_id = docx_doc["id"].as_str().unwrap();
    problem(app.get(&format!("/api/v1/candidates/{other}/documents/{docx_id}")).await, 404, "not-found").await;
    problem(app.get(&format!("/api/v1/candidates/{other}/documents/not-a-uuid")).await, 404, "not-found").await;
}

async fn refused_uploads_write_nothing(app: TestApp) {
    let id = candidate(&app, "Refused").await;
    let documents = format!("/api/v1/candidates/{id}/documents");
    let cv = format!("{documents}?kind=cv");

    // Past 20 MiB: 413 while reading, nothing kept.
    let oversize = vec![b'a'; 20 * 1024 * 1024 + 1];
    problem(upload(&app, &app.token, &cv, Some("text/plain"), oversize, &[]).await, 413, "payload-too-large").await;
    // Exactly 20 MiB is taken.
    let largest = vec![b'a'; 20 * 1024 * 1024];
    let stored = json_of(upload(&app, &app.token, &cv, None, largest, &[]).await, 201).await;
    assert_eq!(stored["size"], 20 * 1024 * 1024);
    assert_eq!(app.delete(&format!("{documents}/{}", stored["id"].as_str().unwrap())).await.status(), 204);

    // A Content-Type that disagrees with the bytes, bytes of another type, another declared type.
    let said_pdf = upload(&app, &app.token, &cv, Some("application/pdf"), b"plain text".to_vec(), &[]).await;
    let body = problem(said_pdf, 415, "unsupported-media-type").await;
    assert!(body["detail"].as_str().unwrap().contains("text/plain"), "{body}");
    let said_docx = upload(&app, &app.token, &cv, Some(DOCX_MIME), PDF.to_vec(), &[]).await;
    problem(said_docx, 415, "unsupported-media-type").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec();
    let body = problem(upload(&app, &app.token, &cv, None, png, &[]).await, 415, "unsupported-media-type").await;
    assert!(body["detail"].as_str().unwrap().contains("image/png"), "{body}");
    let jpeg = upload(&app, &app.token, &cv, Some("image/jpeg"), b"\xff\xd8\xff".to_vec(), &[]).await;
    problem(jpeg, 415, "unsupported-media-type").await;
    let latin1 = upload(&app, &app.token, &cv, Some("text/plain; charset=iso-8859-1"), b"caf\xe9".to_vec(), &[]).await;
    problem(latin1, 415, "unsupported-media-type").await;
    // An empty body, an unknown kind, a kind of assignments', a bad file name, a missing candidate.
    problem(upload(&app, &app.token, &cv, None, Vec::new(), &[]).await, 422, "validation-failed").await;
    let unknown = upload(&app, &app.token, &format!("{documents}?kind=photo"), None, b"x".to_vec(), &[]).await;
    problem(unknown, 400, "invalid-query").await;
    let sow = upload(&app, &app.token, &format!("{documents}?kind=sow"), None, b"x".to_vec(), &[]).await;
    problem(sow, 400, "invalid-query").await;
    let no_kind = upload(&app, &app.token, &documents, None, b"x".to_vec(), &[]).await;
    problem(no_kind, 400, "invalid-query").await;
    let bad_name = upload(&app, &app.token, &format!("{cv}&filename=a%0Ab"), None, b"x".to_vec(), &[]).await;
    assert_eq!(bad_name.status(), 400);
    let bad_name = upload(&app, &app.token, &format!("{cv}&filename=..%2F"), None, b"x".to_vec(), &[]).await;
    problem(bad_name, 422, "validation-failed").await;
    let missing = format!("/api/v1/candidates/{}/documents?kind=cv", uuid::Uuid::now_v7());
    problem(upload(&app, &app.token, &missing, None, b"x".to_vec(), &[]).await, 404, "not-found").await;
    // Who may not write: a member (no `candidates:write`), anyone without a token.
    let org = app.organization("Refusals BV").await;
    let member = app.user("org_member", Some(&org)).await;
    problem(upload(&app, &member, &cv, None, b"x".to_vec(), &[]).await, 403, "forbidden").await;
    let anonymous = app.client.post(app.url(&cv)).body("x").send().await.unwrap();
    problem(anonymous, 401, "unauthenticated").await;

    let page = json_of(app.get(&format!("{documents}?include_total=true")).await, 200).await;
    assert_eq!(page["total"], 0, "{page}");

    // A retry with the same Idempotency-Key stores the document once, and answers the same.
    let key = [("idempotency-key", "document-upload-1")];
    let first = json_of(upload(&app, &app.token, &cv, None, PDF.to_vec(), &key).await, 201).await;
    let retry = upload(&app, &app.token, &cv, None, PDF.to_vec(), &key).await;
    assert_eq!(header(&retry, "idempotent-replayed"), "true");
    assert_eq!(json_of(retry, 201).await["id"], first["id"]);
    let other_body = upload(&app, &app.token, &cv, None, b"another document".to_vec(), &key).await;
    problem(other_body, 422, "validation-failed").await;
    let oversize = vec![b'a'; 20 * 1024 * 1024 + 1];
    let too_large = upload(&app, &app.token, &cv, None, oversize, &[("idempotency-key", "document-upload-2")]).await;
    problem(too_large, 413, "payload-too-large").await;
    let page = json_of(app.get(&format!("{documents}?include_total=true")).await, 200).await;
    assert_eq!(page["total"], 1, "{page}");
}

async fn a_corrupt_pdf_is_stored_as_unreadable(app: TestApp) {
    let id = candidate(&app, "Corrupt").await;
    let broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is not the rest of a PDF".to_vec();
    let response =
        upload(&app, &app.token, &format!("/api/v1/candidates/{id}/documents?kind=cv"), None, broken.clone(), &[])
            .await;
    let stored = json_of(response, 201).await;
    assert_eq!((&stored["content_type"], &stored["text_status"]), (&json!("application/pdf"), &json!("unreadable")));
    assert!(!stored["text_error"].as_str().unwrap().is_empty(), "{stored}");
    let content = app.get(stored["content_url"].as_str().unwrap()).await;
    assert_eq!(content.bytes().await.unwrap().as_ref(), broken.as_slice());
    // A damaged DOCX, too.
    let mut word = docx(&["x"]);
    let middle = word.len() / 2;
    word.truncate(middle);
    word.extend_from_slice(b"PK\x05\x06");
    let response =
        upload(&app, &app.token, &format!("/api/v1/candidates/{id}/documents?kind=cv"), None, word, &[]).await;
    assert_eq!(response.status(), 415, "a DOCX whose archive cannot be opened is no DOCX");
}

async fn members_see_documents_as_they_see_contact_details(app: TestApp) {
    let org = app.organization("Northwind").await;
    let other_org = app.organization("Southwind").await;
    let need = need(&app, &org).await;
    let id = candidate(&app, "Pipeline").await;
    let outside = candidate(&app, "Outside").await;
    let documents = format!("/api/v1/candidates/{id}/documents");
    let cv =
        json_of(upload(&app, &app.token, &format!("{documents}?kind=cv"), None, PDF.to_vec(), &[]).await, 201).await;
    let cv_path = format!("{documents}/{}", cv["id"].as_str().unwrap());
    json_of(app.post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": id})).await, 201).await;

    let member = app.user("org_member", Some(&org)).await;
    let stranger = app.user("org_member", Some(&other_org)).await;
    let recruiter = app.user("recruiter", None).await;
    // In the pipeline but not yet offered: the candidate is seen without contact details, and no documents.
    let seen = json_of(app.with(&member).get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(seen["email"], Value::Null);
    for path in [documents.clone(), cv_path.clone(), format!("{cv_path}/content")] {
        problem(app.with(&member).get(&path).await, 403, "forbidden").await;
        problem(app.with(&stranger).get(&path).await, 404, "not-found").await;
        assert_eq!(app.with(&recruiter).get(&path).await.status(), 200, "{path}");
    }
    problem(app.with(&member).get(&format!("/api/v1/candidates/{outside}/documents")).await, 404, "not-found").await;

    // Offered: contact details and documents both.
    move_to(&app, &need, &id, &["screening", "interviewing", "offered"]).await;
    let seen = json_of(app.with(&member).get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(seen["email"], "pipeline@example.com");
    let page = json_of(app.with(&member).get(&documents).await, 200).await;
    assert_eq!(page["items"][0]["id"], cv["id"]);
    let content = app.with(&member).get(&format!("{cv_path}/content")).await;
    assert_eq!(content.bytes().await.unwrap().as_ref(), PDF);
    problem(app.with(&stranger).get(&documents).await, 404, "not-found").await;
    // Reading is all: members never change a candidate's documents.
    problem(upload(&app, &member, &format!("{documents}?kind=cv"), None, b"x".to_vec(), &[]).await, 403, "forbidden")
        .await;
    problem(app.with(&member).delete(&cv_path).await, 403, "forbidden").await;

    // An assignment's documents go with the assignment: its organization's members read and add them.
    move_to(&app, &need, &id, &["placed"]).await;
    let assignment = assignment_of(&app, &id).await;
    let contracts = format!("/api/v1/assignments/{assignment}/documents");
    let sow = upload(
        &app,
        &member,
        &format!("{contracts}?kind=sow&filename=SOW.docx"),
        Some(DOCX_MIME),
        docx(&["Scope"]),
        &[],
    )
    .await;
    let sow = json_of(sow, 201).await;
    assert_eq!((&sow["assignment_id"], &sow["candidate_id"]), (&json!(assignment), &Value::Null));
    assert_eq!(sow["content_url"], format!("{contracts}/{}/content", sow["id"].as_str().unwrap()));
    let page = json_of(app.with(&recruiter).get(&contracts).await, 200).await;
    assert_eq!(page["items"][0]["id"], sow["id"]);
    problem(app.with(&stranger).get(&contracts).await, 404, "not-found").await;
    problem(
        upload(&app, &stranger, &format!("{contracts}?kind=sow"), None, b"x".to_vec(), &[]).await,
        404,
        "not-found",
    )
    .await;
    let cv_kind = upload(&app, &member, &format!("{contracts}?kind=cv"), None, b"x".to_vec(), &[]).await;
    problem(cv_kind, 400, "invalid-query").await;
    let sow_path = format!("{contracts}/{}", sow["id"].as_str().unwrap());
    assert_eq!(app.with(&member).get(&format!("{sow_path}/content")).await.status(), 200);
    assert_eq!(app.with(&member).delete(&sow_path).await.status(), 204);
}

async fn the_export_holds_documents_and_erasure_removes_them(app: TestApp) {
    let org = app.organization("Erasure Ltd").await;
    let need = need(&app, &org).await;
    let id = candidate(&app, "Quuxworth").await;
    let documents = format!("/api/v1/candidates/{id}/documents");
    let letter = b"Dear Zebediah Quuxworth, welcome aboard.".to_vec();
    json_of(upload(&app, &app.token, &format!("{documents}?kind=nda"), None, letter.clone(), &[]).await, 201).await;
    json_of(app.post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": id})).await, 201).await;
    move_to(&app, &need, &id, &["screening", "interviewing", "offered", "placed"]).await;
    let assignment = assignment_of(&app, &id).await;
    let contracts = format!("/api/v1/assignments/{assignment}/documents");
    let contract = docx(&["Contract with Zebediah Quuxworth"]);
    let response = upload(&app, &app.token, &format!("{contracts}?kind=contract"), None, contract.clone(), &[]).await;
    json_of(response, 201).await;

    let export = json_of(app.get(&format!("/api/v1/candidates/{id}/export")).await, 200).await;
    let exported = export["documents"].as_array().unwrap();
    assert_eq!(exported.len(), 2, "{export}");
    let decode =
        |d: &Value| base64::engine::general_purpose::STANDARD.decode(d["content_base64"].as_str().unwrap()).unwrap();
    assert_eq!((&exported[0]["kind"], decode(&exported[0])), (&json!("nda"), letter.clone()));
    assert_eq!(exported[0]["text"], "Dear Zebediah Quuxworth, welcome aboard.");
    assert_eq!((&exported[1]["assignment_id"], decode(&exported[1])), (&json!(assignment), contract));
    assert_eq!(exported[1]["text"], "Contract with Zebediah Quuxworth");

    json_of(app.post(&format!("/api/v1/candidates/{id}/erase"), &json!({})).await, 200).await;
    let page = json_of(app.get(&format!("{documents}?include_total=true")).await, 200).await;
    assert_eq!(page["total"], 0);
    let page = json_of(app.get(&format!("{contracts}?include_total=true")).await, 200).await;
    assert_eq!(page["total"], 0);
    let export = json_of(app.get(&format!("/api/v1/candidates/{id}/export")).await, 200).await;
    assert_eq!(export["documents"], json!([]));
    // Nothing of them is taken again.
    let again = upload(&app, &app.token, &format!("{documents}?kind=cv"), None, letter, &[]).await;
    problem(again, 409, "conflict").await;
    let again = upload(&app, &app.token, &format!("{contracts}?kind=contract"), None, b"x".to_vec(), &[]).await;
    problem(again, 409, "conflict").await;
    // Nor is a document left behind when a candidate is deleted.
    let gone = candidate(&app, "Deleted").await;
    let path = format!("/api/v1/candidates/{gone}/documents?kind=cv");
    json_of(upload(&app, &app.token, &path, None, b"Deleted's CV".to_vec(), &[]).await, 201).await;
    assert_eq!(app.delete(&format!("/api/v1/candidates/{gone}")).await.status(), 204);
    problem(app.get(&format!("/api/v1/candidates/{gone}/documents")).await, 404, "not-found").await;
}

backend_tests!(
    pdf_docx_and_text_are_stored_read_and_served,
    refused_uploads_write_nothing,
    a_corrupt_pdf_is_stored_as_unreadable,
    members_see_documents_as_they_see_contact_details,
    the_export_holds_documents_and_erasure_removes_them,
);
