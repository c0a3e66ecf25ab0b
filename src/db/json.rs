//! Short descriptive lists kept as JSON text, a type both backends share.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))
}

pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(anyhow::anyhow!("stored JSON is unreadable: {e}")))
}
