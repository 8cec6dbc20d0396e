//! `verifyCallbackRequest(request, options)`: a webhook verified straight from a fetch
//! `Request` (Workers, service workers, Node's `Request`). The body is read from its stream
//! chunk by chunk and refused as soon as it passes the limit (and before reading at all when
//! `Content-Length` already says it is too big), so a hostile sender cannot make us buffer
//! more than the limit.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{ReadableStreamDefaultReader, Request};

use super::boundary::{self, MAX_STRING_UNITS};
use super::errors::to_js;
use super::functions::{verify_callback, CallbackAuthOptions};
use chat_recall_core::error::{RecallError, Result};
use chat_recall_core::limits::MAX_CALLBACK_BODY_BYTES;

#[wasm_bindgen(module = "/src/wasm/request.js")]
extern "C" {
    /// A genuine fetch Request (its getters will not throw).
    #[wasm_bindgen(js_name = isRequest)]
    fn is_request(v: &JsValue) -> bool;
}

/// `verifyCallbackRequest(request, { sdkAppId, token | allowUnsigned: true, now?, maxSkewSeconds? })`
/// -> `Promise<CallbackEvent>`; never throws synchronously.
#[wasm_bindgen(js_name = verifyCallbackRequest, skip_typescript)]
pub fn verify_callback_request(request: JsValue, options: JsValue) -> Promise {
    future_to_promise(async move { verify(request, options).await.map_err(|e| to_js(&e)) })
}

async fn verify(request: JsValue, options: JsValue) -> Result<JsValue> {
    // Options first: a missing token refuses before the body is touched.
    let auth = boundary::read::<CallbackAuthOptions>(&options, "options")?.check()?;
    if !is_request(&request) {
        return Err(RecallError::invalid_input(
            "request",
            format!(
                "must be a fetch Request, got {}",
                boundary::type_name(&request)
            ),
        ));
    }
    let request: Request = request.unchecked_into();
    let method = request.method();
    if !method.eq_ignore_ascii_case("POST") {
        return Err(RecallError::invalid_input(
            "request.method",
            "must be POST (the service POSTs its callbacks)",
        ));
    }
    let url = Reflect::get(&request, &"url".into())
        .ok()
        .filter(|u| {
            u.dyn_ref::<js_sys::JsString>()
                .is_some_and(|s| s.length() <= MAX_STRING_UNITS)
        })
        .and_then(|u| u.as_string())
        .ok_or_else(|| RecallError::invalid_input("request.url", "is missing or too long"))?;
    let body = read_body(&request).await?;
    verify_callback(&auth, &url, &body)
}

fn too_big() -> RecallError {
    RecallError::invalid_input(
        "body",
        format!("is larger than {MAX_CALLBACK_BODY_BYTES} bytes"),
    )
}

/// The body, at most [`MAX_CALLBACK_BODY_BYTES`], read from the stream while counting.
async fn read_body(request: &Request) -> Result<Vec<u8>> {
    let unreadable = || RecallError::invalid_input("body", "could not be read");
    if let Ok(Some(len)) = request.headers().get("content-length") {
        if len
            .trim()
            .parse::<u64>()
            .is_ok_and(|n| n > MAX_CALLBACK_BODY_BYTES as u64)
        {
            return Err(too_big());
        }
    }
    let Some(stream) = request.body() else {
        return Ok(Vec::new());
    };
    // getReader() throws on a locked stream (a body already read): refuse before that.
    if request.body_used() || stream.locked() {
        return Err(RecallError::invalid_input("body", "was already read"));
    }
    let reader: ReadableStreamDefaultReader =
        stream.get_reader().dyn_into().map_err(|_| unreadable())?;
    let mut body = Vec::new();
    let (done_key, value_key) = (JsValue::from_str("done"), JsValue::from_str("value"));
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| unreadable())?;
        if Reflect::get(&chunk, &done_key)
            .map_err(|_| unreadable())?
            .is_truthy()
        {
            return Ok(body);
        }
        let value = Reflect::get(&chunk, &value_key).map_err(|_| unreadable())?;
        let bytes: &Uint8Array = value.dyn_ref().ok_or_else(unreadable)?;
        if body.len() + bytes.length() as usize > MAX_CALLBACK_BODY_BYTES {
            // Stop the sender's stream; its own errors are not ours.
            let _ = reader.cancel();
            return Err(too_big());
        }
        let at = body.len();
        body.resize(at + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[at..]);
    }
}
