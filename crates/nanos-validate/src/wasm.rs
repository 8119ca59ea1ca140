//! The validator in the browser: checks a `File` (or any `Blob`) by reading only the byte ranges it
//! needs through `Blob.slice`.

use wasm_bindgen::prelude::*;

use super::source::BlobSource;
use super::{validate, Kind, Mode, Options};

/// Validates a zip in metadata mode and returns the report as JSON, the same JSON as
/// `nanos-store validate --json` prints. `expected_kind` is `package` or `asset-pack`.
#[wasm_bindgen(js_name = validateZip)]
pub async fn validate_zip(
    blob: web_sys::Blob,
    expected_kind: Option<String>,
    expected_version: Option<String>,
) -> Result<String, JsError> {
    let expected_kind = expected_kind
        .filter(|k| !k.is_empty())
        .map(|k| k.parse::<Kind>())
        .transpose()
        .map_err(|e| JsError::new(&e))?;
    let options = Options {
        mode: Mode::Metadata,
        expected_kind,
        expected_version: expected_version.filter(|v| !v.is_empty()),
        ..Options::default()
    };
    let report = validate(&BlobSource::new(blob), &options)
        .await
        .map_err(|e| JsError::new(&format!("cannot read the file: {e}")))?;
    serde_json::to_string(&report).map_err(|e| JsError::new(&e.to_string()))
}
