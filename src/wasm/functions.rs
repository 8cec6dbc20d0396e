//! The pure functions of the contract: UserSig signing and checking, webhook parsing and the
//! webhook acknowledgement. Each reads its options defensively and calls the core.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::errors::{IntoJsResult, JsResult};
use super::input::{now_seconds, Opts};
use chat_recall_core::error::{RecallError, Result};
use chat_recall_core::{usersig, webhook};

const MAX_SDK_APP_ID: u64 = u32::MAX as u64;
/// Webhook bodies are small JSON documents; anything bigger is refused unread.
const MAX_CALLBACK_BODY: usize = 64 * 1024;

/// Plain JS objects from core results, through JSON text written by serde_json: one
/// `JSON.parse` per result is fast and costs less code than building objects field by field.
pub fn to_plain_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue> {
    let text =
        serde_json::to_string(v).map_err(|_| RecallError::protocol("could not encode a result"))?;
    js_sys::JSON::parse(&text).map_err(|_| RecallError::protocol("could not decode a result"))
}

pub fn set(obj: &Object, key: &str, value: JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

/// `generateUserSig({ sdkAppId, secretKey, identifier, expireSeconds, userBuf?, now? })`
#[wasm_bindgen(js_name = generateUserSig, skip_typescript)]
pub fn generate_user_sig(options: JsValue) -> JsResult<String> {
    generate(&options).js()
}

fn generate(options: &JsValue) -> Result<String> {
    let o = Opts::new(options, "options")?;
    let sdk_app_id = o.int("sdkAppId", 1, MAX_SDK_APP_ID)?;
    let secret_key = o.string("secretKey")?;
    let identifier = o.string("identifier")?;
    let expire_seconds = o.int("expireSeconds", 1, usersig::MAX_EXPIRE_SECONDS)?;
    let user_buf = o.opt_bytes("userBuf", 1024)?;
    let now = o
        .opt_int("now", 0, u32::MAX as u64 * 4)?
        .unwrap_or_else(now_seconds);
    usersig::generate(&usersig::SignRequest {
        sdk_app_id,
        secret_key: &secret_key,
        identifier: &identifier,
        expire_seconds,
        user_buf: user_buf.as_deref(),
        now,
    })
}

/// `verifyUserSig({ sdkAppId, secretKey, identifier, userSig, now? })`
#[wasm_bindgen(js_name = verifyUserSig, skip_typescript)]
pub fn verify_user_sig(options: JsValue) -> JsResult<JsValue> {
    verify(&options).js()
}

fn verify(options: &JsValue) -> Result<JsValue> {
    let o = Opts::new(options, "options")?;
    let sdk_app_id = o.int("sdkAppId", 1, MAX_SDK_APP_ID)?;
    let secret_key = o.string("secretKey")?;
    let identifier = o.string("identifier")?;
    let user_sig = o.string("userSig")?;
    let now = o
        .opt_int("now", 0, u32::MAX as u64 * 4)?
        .unwrap_or_else(now_seconds);
    let info = usersig::verify(sdk_app_id, &secret_key, &identifier, &user_sig, now)?;
    let out = Object::new();
    set(&out, "time", JsValue::from_f64(info.time as f64));
    set(&out, "expire", JsValue::from_f64(info.expire as f64));
    set(&out, "expiresAt", JsValue::from_f64(info.expires_at as f64));
    if let Some(b) = info.user_buf {
        set(&out, "userBuf", Uint8Array::from(b.as_slice()).into());
    }
    Ok(out.into())
}

/// `parseCallback({ url, body, sdkAppId, token?, now?, maxSkewSeconds? })`
#[wasm_bindgen(js_name = parseCallback, skip_typescript)]
pub fn parse_callback(options: JsValue) -> JsResult<JsValue> {
    parse(&options).js()
}

fn parse(options: &JsValue) -> Result<JsValue> {
    let o = Opts::new(options, "options")?;
    let url = o.string("url")?;
    let body = o.bytes("body", MAX_CALLBACK_BODY)?;
    let sdk_app_id = o.int("sdkAppId", 1, MAX_SDK_APP_ID)?;
    let token = o.opt_string("token")?;
    let now = o
        .opt_int("now", 0, u32::MAX as u64 * 4)?
        .unwrap_or_else(now_seconds);
    let max_skew_seconds = o
        .opt_int("maxSkewSeconds", 0, 86_400)?
        .unwrap_or(webhook::DEFAULT_MAX_SKEW_SECONDS);
    let event = webhook::parse_callback(&webhook::CallbackInput {
        url: &url,
        body: &body,
        sdk_app_id,
        // The JS-side shape (explicit `allowUnsigned`) is the wasm boundary's to decide; until
        // then a missing token keeps today's behaviour.
        auth: token.as_deref().map_or(
            webhook::CallbackAuth::Unsigned,
            webhook::CallbackAuth::Token,
        ),
        now,
        max_skew_seconds,
    })?;
    to_plain_js(&event)
}

/// `callbackAck()`: the exact JSON the service expects as a webhook answer.
#[wasm_bindgen(js_name = callbackAck, skip_typescript)]
pub fn callback_ack() -> String {
    webhook::callback_ack().to_string()
}
