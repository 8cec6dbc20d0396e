//! Core errors become JS `RecallError` instances (see recall_error.js).

use wasm_bindgen::prelude::*;

use chat_recall_core::error::RecallError;

#[wasm_bindgen(module = "/src/wasm/recall_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeRecallError)]
    fn make_recall_error(
        kind: &str,
        code: f64,
        info: &str,
        api: &str,
        retryable: bool,
        http_status: JsValue,
    ) -> JsValue;
}

/// The JS error object for a core error.
pub fn to_js(e: &RecallError) -> JsValue {
    let status = match e.http_status {
        Some(s) => JsValue::from_f64(s as f64),
        None => JsValue::UNDEFINED,
    };
    make_recall_error(
        e.kind.as_str(),
        e.code as f64,
        &e.info,
        &e.api,
        e.retryable,
        status,
    )
}

/// `Result` as wasm-bindgen exports want it: the error side is already a JS `RecallError`.
pub type JsResult<T> = Result<T, JsValue>;

pub trait IntoJsResult<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJsResult<T> for Result<T, RecallError> {
    fn js(self) -> JsResult<T> {
        self.map_err(|e| to_js(&e))
    }
}
