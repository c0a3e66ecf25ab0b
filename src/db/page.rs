//! Keyset pagination shared by every list: rows are ordered by a sort column
//! and the id, and a page starts strictly after the last row of the previous
//! one, so pages never skip or repeat rows when others are inserted.

use chrono::NaiveDateTime;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    #[serde(rename = "asc")]
    Asc,
    #[serde(rename = "desc")]
    Desc,
}

/// Where the previous page ended: the sort value and the id of its last row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub value: String,
    pub id: String,
}

impl Position {
    pub fn timestamp(&self) -> AppResult<NaiveDateTime> {
        NaiveDateTime::parse_from_str(&self.value, TIMESTAMP_FORMAT)
            .map_err(|_| AppError::InvalidQuery("the cursor is not valid for this list".into()))
    }
}

pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

pub fn timestamp_value(t: &NaiveDateTime) -> String {
    t.format(TIMESTAMP_FORMAT).to_string()
}

/// What a list asks of the store.
#[derive(Debug, Clone)]
pub struct PageRequest<S> {
    pub sort: S,
    pub direction: Direction,
    pub after: Option<Position>,
    pub limit: i64,
    pub with_total: bool,
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Position>,
    pub total: Option<i64>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells
    /// that there is a next page.
    pub fn from_rows(mut items: Vec<T>, limit: i64, total: Option<i64>, position: impl Fn(&T) -> Position) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(position)
        } else {
            None
        };
        Page { items, next, total }
    }

    /// The page with only the items `f` keeps, mapped; the cursor stays where it was.
    pub fn filter_map<U>(self, f: impl FnMut(T) -> Option<U>) -> Page<U> {
        Page { items: self.items.into_iter().filter_map(f).collect(), next: self.next, total: self.total }
    }

    pub fn try_map<U>(self, f: impl FnMut(T) -> AppResult<U>) -> AppResult<Page<U>> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<AppResult<_>>()?, next: self.next, total: self.total })
    }
}

/// Orders a boxed query by `$col` then `$id`, starting after `$after`
/// (`Option<(value, id)>`) in the direction `$dir`.
macro_rules! seek {
    ($query:expr, $col:expr, $id:expr, $dir:expr, $after:expr) => {{
        use $crate::db::page::Direction;
        let mut query = $query;
        if let Some((value, id)) = $after {
            query = match $dir {
                Direction::Asc => query.filter($col.gt(value.clone()).or($col.eq(value).and($id.gt(id)))),
                Direction::Desc => query.filter($col.lt(value.clone()).or($col.eq(value).and($id.lt(id)))),
            };
        }
        match $dir {
            Direction::Asc => query.order(($col.asc(), $id.asc())),
            Direction::Desc => query.order(($col.desc(), $id.desc())),
        }
    }};
}
pub(crate) use seek;

/// `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` escaped.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
