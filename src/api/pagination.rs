//! The one pagination helper: page size, opaque cursors that keep the list's
//! filters and sort, and the page envelope.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use actix_web::{HttpResponse, web};

use crate::db::page::{Direction, Page, PageRequest, Position};
use crate::db::{Database, DbConnection};
use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 50;
/// The hard cap on page size; larger requests are capped, not refused.
pub const MAX_LIMIT: i64 = 200;

/// The paging part of a list's query string.
pub struct Paging<'a> {
    pub limit: Option<i64>,
    pub cursor: Option<&'a str>,
    pub sort: Option<&'a str>,
    pub include_total: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct Cursor<F, S> {
    filter: F,
    sort: S,
    direction: Direction,
    after: Position,
}

/// The page size asked for: the default when none is, capped at [`MAX_LIMIT`].
pub fn page_limit(limit: Option<i64>) -> AppResult<i64> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if n < 1 => Err(AppError::InvalidQuery("`limit` must be at least 1.".into())),
        Some(n) => Ok(n.min(MAX_LIMIT)),
    }
}

/// Resolves what a list request asks for. With a cursor, the filters and sort
/// it was issued with apply and those of the query string are ignored.
pub fn resolve<F, S>(paging: Paging<'_>, filter: F, default_sort: S) -> Result<(F, PageRequest<S>), AppError>
where
    F: Serialize + DeserializeOwned,
    S: Serialize + DeserializeOwned + Copy,
{
    let limit = page_limit(paging.limit)?;
    let with_total = paging.include_total.unwrap_or(false);
    // An empty `cursor=` is no cursor, as an empty `sort=` is the default order.
    if let Some(token) = paging.cursor.filter(|c| !c.is_empty()) {
        let cursor: Cursor<F, S> = URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| AppError::InvalidQuery("`cursor` is not a cursor issued by this list.".into()))?;
        let page = PageRequest {
            sort: cursor.sort,
            direction: cursor.direction,
            after: Some(cursor.after),
            limit,
            with_total,
        };
        return Ok((cursor.filter, page));
    }
    let (sort, direction) = match paging.sort {
        None | Some("") => (default_sort, Direction::Asc),
        Some(s) => {
            let (name, direction) = match s.strip_prefix('-') {
                Some(name) => (name, Direction::Desc),
                None => (s, Direction::Asc),
            };
            let sort = serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
                let allowed = serde_json::to_string(&default_sort).unwrap_or_default();
                AppError::InvalidQuery(format!(
                    "`sort` names no sortable field (for example {allowed}; prefix with `-` for descending)."
                ))
            })?;
            (sort, direction)
        }
    };
    Ok((filter, PageRequest { sort, direction, after: None, limit, with_total }))
}

/// Reads one page with the store's `list` off the async workers, and wraps
/// it with the cursor of the next page.
pub async fn read_page<F, S, D, T>(
    db: &Database,
    filter: F,
    request: PageRequest<S>,
    list: impl FnOnce(&mut DbConnection, &F, &PageRequest<S>) -> AppResult<Page<D>> + Send + 'static,
    view: impl FnMut(D) -> T,
) -> AppResult<PageOf<T>>
where
    F: Serialize + Send + 'static,
    S: Serialize + Copy + Send + 'static,
    D: Send + 'static,
{
    let (page, filter, request) = db.read(move |conn| Ok((list(conn, &filter, &request)?, filter, request))).await?;
    Ok(PageOf::new(page, &filter, &request, view))
}

/// Rows an export reads at a time.
const EXPORT_BATCH: i64 = 200;

/// Streams every item of a list as NDJSON (one JSON object a line), reading
/// [`EXPORT_BATCH`] rows at a time with the store's `list`, so neither side
/// holds more than a batch whatever the size. An error after the first line
/// can no longer change the status: it is logged and the stream cut short, so
/// the client sees an incomplete body, never a silently short one that ends well.
pub async fn export<F, S, D, T>(
    db: Database,
    filter: F,
    request: PageRequest<S>,
    list: fn(&mut DbConnection, &F, &PageRequest<S>) -> AppResult<Page<D>>,
    view: fn(D) -> T,
) -> AppResult<HttpResponse>
where
    F: Send + Sync + 'static,
    S: Copy + Send + 'static,
    D: Send + 'static,
    T: Serialize + 'static,
{
    let filter = std::sync::Arc::new(filter);
    let first = PageRequest { limit: EXPORT_BATCH, with_total: false, ..request };
    // The first batch is read before the answer starts, so a filter the store
    // refuses (an unknown custom field, say) is a 4xx, not a stream cut short.
    let read_first = filter.clone();
    let first_page = db.read(move |conn| list(conn, &read_first, &first).map(|page| (page, first))).await?;
    let batches = futures_util::stream::unfold(Some((None, Some(first_page))), move |state| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            let (next, ready) = state?;
            let read = match ready {
                Some(read) => Ok(read),
                None => {
                    let request: PageRequest<S> = next?;
                    db.read(move |conn| list(conn, &filter, &request).map(|page| (page, request))).await
                }
            };
            let (page, request) = match read {
                Ok(read) => read,
                Err(error) => {
                    tracing::error!(%error, "export cut short");
                    return Some((Err(actix_web::error::ErrorInternalServerError("export cut short")), None));
                }
            };
            let mut lines = Vec::new();
            for item in page.items.into_iter().map(view) {
                if let Err(error) = serde_json::to_writer(&mut lines, &item) {
                    tracing::error!(%error, "export cut short");
                    return Some((Err(actix_web::error::ErrorInternalServerError("export cut short")), None));
                }
                lines.push(b'\n');
            }
            let next = page.next.map(|after| (Some(PageRequest { after: Some(after), ..request }), None));
            Some((Ok::<_, actix_web::Error>(web::Bytes::from(lines)), next))
        }
    });
    Ok(HttpResponse::Ok().content_type("application/x-ndjson").streaming(batches))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// How many items match the filters; present when `include_total=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl<T> PageOf<T> {
    /// Builds the envelope, minting the cursor of the next page.
    pub fn new<D, F, S>(page: Page<D>, filter: &F, request: &PageRequest<S>, view: impl FnMut(D) -> T) -> Self
    where
        F: Serialize,
        S: Serialize + Copy,
    {
        let next_cursor = page.next.map(|after| {
            let cursor = Cursor { filter, sort: request.sort, direction: request.direction, after };
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
        });
        PageOf { items: page.items.into_iter().map(view).collect(), next_cursor, total: page.total }
    }
}
