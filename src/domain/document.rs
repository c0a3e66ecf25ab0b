//! Documents attached to candidates (a CV, a cover letter, references …) and
//! to assignments (a contract, a statement of work): what kinds there are,
//! which types are taken and how a type is told from the bytes (never from
//! what the sender says), the file name kept, and the text read from a
//! document for search. Everything here works on bytes in memory: no I/O.

use std::io::{Cursor, Read};

use sha2::{Digest, Sha256};

use super::validation::Invalid;

/// The largest document taken, in bytes (20 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The most text kept of one document, in bytes of UTF-8; longer text is cut at a character boundary.
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;
/// The most XML read out of a DOCX: a small archive can inflate to gigabytes.
const MAX_DOCX_XML_BYTES: u64 = 64 * 1024 * 1024;
/// The longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;

text_enum! {
    /// What a document is to the candidate or assignment it belongs to.
    pub enum DocumentKind {
        /// A curriculum vitae (résumé).
        Cv = "cv",
        CoverLetter = "cover_letter",
        /// References or reference letters.
        References = "references",
        /// A contract: the candidate's with the practice, or the assignment's.
        Contract = "contract",
        /// A non-disclosure agreement.
        Nda = "nda",
        /// A statement of work (assignments).
        Sow = "sow",
        Other = "other",
    }
}

text_enum! {
    /// The kinds of document a candidate has.
    pub enum CandidateDocumentKind {
        Cv = "cv",
        CoverLetter = "cover_letter",
        References = "references",
        Contract = "contract",
        Nda = "nda",
        Other = "other",
    }
}

text_enum! {
    /// The kinds of document an assignment has.
    pub enum AssignmentDocumentKind {
        Contract = "contract",
        /// A statement of work.
        Sow = "sow",
        Other = "other",
    }
}

impl From<CandidateDocumentKind> for DocumentKind {
    fn from(kind: CandidateDocumentKind) -> Self {
        match kind {
            CandidateDocumentKind::Cv => DocumentKind::Cv,
            CandidateDocumentKind::CoverLetter => DocumentKind::CoverLetter,
            CandidateDocumentKind::References => DocumentKind::References,
            CandidateDocumentKind::Contract => DocumentKind::Contract,
            CandidateDocumentKind::Nda => DocumentKind::Nda,
            CandidateDocumentKind::Other => DocumentKind::Other,
        }
    }
}

impl From<AssignmentDocumentKind> for DocumentKind {
    fn from(kind: AssignmentDocumentKind) -> Self {
        match kind {
            AssignmentDocumentKind::Contract => DocumentKind::Contract,
            AssignmentDocumentKind::Sow => DocumentKind::Sow,
            AssignmentDocumentKind::Other => DocumentKind::Other,
        }
    }
}

text_enum! {
    /// The document types taken, told from their bytes.
    pub enum MediaType {
        /// `application/pdf`: the bytes start with `%PDF-`.
        Pdf = "application/pdf",
        /// Word (Office Open XML): a ZIP archive holding `word/document.xml`.
        Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        /// `text/plain`: valid UTF-8 without NUL characters.
        Text = "text/plain",
    }
}

impl MediaType {
    /// The `Content-Type` a download is sent with.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::Text => "text/plain; charset=utf-8",
            other => other.as_str(),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Docx => "docx",
            MediaType::Text => "txt",
        }
    }

    /// The type a `Content-Type` names, when it is one taken; `Ok(None)` for
    /// none or `application/octet-stream` (the bytes tell); `Err` with the
    /// essence for any other type.
    pub fn declared(content_type: Option<&str>) -> Result<Option<MediaType>, String> {
        let Some(content_type) = content_type else { return Ok(None) };
        let mut parts = content_type.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "" | "application/octet-stream" => Ok(None),
            "text/plain" => {
                // Text is taken as UTF-8 (US-ASCII is a part of it); another charset would be misread.
                let charset =
                    parts.filter_map(|p| p.split_once('=')).find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"));
                match charset.map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase()) {
                    None => Ok(Some(MediaType::Text)),
                    Some(c) if c == "utf-8" || c == "utf8" || c == "us-ascii" => Ok(Some(MediaType::Text)),
                    Some(_) => Err(format!("{essence} in another charset than UTF-8")),
                }
            }
            other => MediaType::ALL.iter().copied().find(|m| m.as_str() == other).map(Some).ok_or(essence),
        }
    }
}

/// Why bytes are not a document this service takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// The type of a document, told from its bytes alone.
pub fn detect(bytes: &[u8]) -> Result<MediaType, Unsupported> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) if archive.index_for_name("word/document.xml").is_some() => Ok(MediaType::Docx),
            Ok(_) => {
                Err(Unsupported("a ZIP archive that is not a Word document (it holds no word/document.xml)".into()))
            }
            Err(_) => Err(Unsupported("a damaged ZIP archive".into())),
        };
    }
    if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        return Ok(MediaType::Text);
    }
    let what = match infer::get(bytes) {
        Some(kind) => format!("{} ({})", kind.mime_type(), kind.extension()),
        None => "of no type taken (binary data that is not UTF-8 text)".to_owned(),
    };
    Err(Unsupported(what))
}

/// The SHA-256 of the bytes, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// A document's file name as kept: the last part of a path (`C:\cv\x.pdf`
/// gives `x.pdf`), trimmed, 1 to 255 characters, without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filename(String);

impl Filename {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
        if name.chars().any(char::is_control) {
            return Err(Invalid::new("invalid_characters", "must not contain control characters"));
        }
        if name.is_empty() || name == "." || name == ".." {
            return Err(Invalid::new("required", "must name a file, such as cv.pdf"));
        }
        if name.chars().count() > MAX_FILENAME_CHARS {
            return Err(Invalid::new("too_long", format!("must be at most {MAX_FILENAME_CHARS} characters")));
        }
        Ok(Filename(name.to_owned()))
    }

    /// The name a document gets when none is sent: its kind and type's extension (`cv.pdf`).
    pub fn default_for(kind: DocumentKind, media: MediaType) -> Self {
        Filename(format!("{}.{}", kind.as_str(), media.extension()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `Content-Disposition: attachment` with the file name for every client:
/// an ASCII `filename` (other characters as `_`) and the exact name as
/// RFC 5987's `filename*` (RFC 6266).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(filename.len() * 3);
    for b in filename.bytes() {
        // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

text_enum! {
    /// Whether a document's text was read.
    pub enum TextStatus {
        /// The text was read and is kept (it may be empty: a scanned PDF has no text layer).
        Extracted = "extracted",
        /// The document is stored, but its text could not be read; `text_error` says why.
        Unreadable = "unreadable",
        /// The type holds no text to read (no type taken now: kept for types such as images).
        NotApplicable = "not_applicable",
    }
}

/// What reading a document's text gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extraction {
    /// The text (without NUL characters, at most [`MAX_TEXT_BYTES`]).
    Extracted(String),
    /// Why the text could not be read.
    Unreadable(String),
    NotApplicable,
}

impl Extraction {
    pub fn status(&self) -> TextStatus {
        match self {
            Extraction::Extracted(_) => TextStatus::Extracted,
            Extraction::Unreadable(_) => TextStatus::Unreadable,
            Extraction::NotApplicable => TextStatus::NotApplicable,
        }
    }

    fn from_text(text: String) -> Self {
        Extraction::Extracted(bounded(text))
    }
}

/// Reads the text of a document of type `media`. A PDF reader that panics
/// on a malformed file is caught: the document is unreadable, not the
/// service.
pub fn extract_text(media: MediaType, bytes: &[u8]) -> Extraction {
    match media {
        MediaType::Text => match std::str::from_utf8(bytes) {
            Ok(text) => Extraction::from_text(text.trim_start_matches('\u{feff}').to_owned()),
            Err(_) => Extraction::Unreadable("the text is not valid UTF-8".into()),
        },
        MediaType::Docx => match docx_text(bytes) {
            Ok(text) => Extraction::from_text(text),
            Err(reason) => Extraction::Unreadable(reason),
        },
        MediaType::Pdf => {
            let read = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
            match read {
                Ok(Ok(text)) => Extraction::from_text(text),
                Ok(Err(error)) => Extraction::Unreadable(format!("the PDF could not be read: {error}")),
                Err(_) => Extraction::Unreadable("the PDF could not be read: it is malformed".into()),
            }
        }
    }
}

/// The text of a DOCX's main part: its paragraphs a line each, tabs and
/// line breaks kept.
fn docx_text(bytes: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("the archive is damaged: {e}"))?;
    let entry = archive.by_name("word/document.xml").map_err(|e| format!("word/document.xml cannot be read: {e}"))?;
    let mut xml = Vec::new();
    entry
        .take(MAX_DOCX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| format!("word/document.xml cannot be inflated: {e}"))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(format!("word/document.xml inflates to more than {} MiB", MAX_DOCX_XML_BYTES / 1024 / 1024));
    }
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut text = String::new();
    // Only the text of runs (`w:t`) is the document's; `w:instrText` and the like are field codes.
    let mut in_text = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| format!("word/document.xml is malformed: {e}"))?;
        match event {
            Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => text.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => text.push('\t'),
                "br" | "cr" => text.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => text.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                };
                text.push_str(&resolved.unwrap_or_default());
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        if text.len() > MAX_TEXT_BYTES {
            break;
        }
    }
    Ok(text.trim_end().to_owned())
}

/// `text` without NUL characters (no database text holds them), cut at
/// [`MAX_TEXT_BYTES`] on a character boundary.
fn bounded(mut text: String) -> String {
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write;

    use super::*;

    fn docx(document_xml: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(document_xml.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn types_are_told_from_the_bytes() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Ok(MediaType::Pdf));
        assert_eq!(detect("Grüße\n".as_bytes()), Ok(MediaType::Text));
        assert_eq!(detect(&docx("<w:document/>")), Ok(MediaType::Docx));
        assert!(detect(b"text with a \0 NUL").is_err());
        assert!(detect(&[0xff, 0xfe, 0x00]).is_err());
        let png = detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
        assert!(png.0.contains("image/png"), "{png:?}");
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
        let plain_zip = zip.finish().unwrap().into_inner();
        assert!(detect(&plain_zip).unwrap_err().0.contains("not a Word document"));
    }

    #[test]
    fn declared_types() {
        assert_eq!(MediaType::declared(None), Ok(None));
        assert_eq!(MediaType::declared(Some("application/octet-stream")), Ok(None));
        assert_eq!(MediaType::declared(Some("Application/PDF")), Ok(Some(MediaType::Pdf)));
        assert_eq!(MediaType::declared(Some("text/plain; charset=UTF-8")), Ok(Some(MediaType::Text)));
        assert!(MediaType::declared(Some("text/plain; charset=latin1")).is_err());
        assert_eq!(MediaType::declared(Some("image/png")), Err("image/png".into()));
    }

    #[test]
    fn docx_text_keeps_paragraphs_tabs_and_entities() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Maria Jansen</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Interim CXO </w:t></w:r><w:r><w:tab/><w:t>R&amp;D &#233;</w:t></w:r></w:p>
<w:p><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>
</w:body></w:document>"#;
        assert_eq!(
            extract_text(MediaType::Docx, &docx(xml)),
            Extraction::Extracted("Maria Jansen\nInterim CXO \tR&D é".into())
        );
    }

    #[test]
    fn unreadable_documents_say_why() {
        let Extraction::Unreadable(reason) = extract_text(MediaType::Pdf, b"%PDF-1.4\nthis is no PDF") else {
            panic!("a broken PDF is unreadable")
        };
        assert!(reason.contains("PDF"), "{reason}");
        assert!(matches!(
            extract_text(MediaType::Docx, &docx("<w:document><w:p></w:r></w:document>")),
            Extraction::Unreadable(_)
        ));
    }

    #[test]
    fn text_is_bounded_and_holds_no_nul() {
        assert_eq!(bounded("a\0b".into()), "ab");
        let long = "é".repeat(MAX_TEXT_BYTES);
        let cut = bounded(long);
        assert!(cut.len() <= MAX_TEXT_BYTES && cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn file_names() {
        assert_eq!(Filename::parse(" C:\\Users\\m\\cv.pdf ").unwrap().as_str(), "cv.pdf");
        assert_eq!(Filename::parse("../../etc/passwd").unwrap().as_str(), "passwd");
        assert!(Filename::parse("a\nb.pdf").is_err());
        assert!(Filename::parse("dir/").is_err());
        assert!(Filename::parse(&"x".repeat(256)).is_err());
        assert_eq!(Filename::default_for(DocumentKind::Cv, MediaType::Pdf).as_str(), "cv.pdf");
    }

    #[test]
    fn content_disposition_names_the_file_for_every_client() {
        assert_eq!(content_disposition("cv.pdf"), "attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf");
        assert_eq!(
            content_disposition("Lebenslauf Müller \"2026\".pdf"),
            "attachment; filename=\"Lebenslauf M_ller _2026_.pdf\"; filename*=UTF-8''Lebenslauf%20M%C3%BCller%20%222026%22.pdf"
        );
    }

    #[test]
    fn hashes() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
