//! The pure functions of the contract: UserSig signing and checking, webhook parsing and the
//! webhook acknowledgement. Each reads its options through `boundary` and calls the core.

use serde::{Deserialize, Serialize, Serializer};
use wasm_bindgen::prelude::*;

use super::boundary::{self, Bytes, Int, SdkAppId, UnixSeconds};
use super::errors::{IntoJsResult, JsResult};
use chat_recall_core::error::{ErrorKind, RecallError, Result};
use chat_recall_core::webhook::{CallbackDetail, CallbackEvent};
use chat_recall_core::{usersig, webhook};

/// Plain JS objects from core results, through JSON text written by serde_json: one
/// `JSON.parse` per result is fast and costs less code than building objects field by field.
/// Integers a JS number cannot hold are checked before (see `check_event` and the history
/// checks in client.rs): refused, never rounded by `JSON.parse`.
pub fn to_plain_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue> {
    let text =
        serde_json::to_string(v).map_err(|_| RecallError::protocol("could not encode a result"))?;
    js_sys::JSON::parse(&text).map_err(|_| RecallError::protocol("could not decode a result"))
}

/// Seconds since the Unix epoch from the JS wall clock: UserSig times and webhook
/// RequestTime only (scheduling uses the monotonic clock, see transport.rs).
pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0).floor().max(0.0) as u64
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignOptions {
    sdk_app_id: SdkAppId,
    secret_key: String,
    identifier: String,
    expire_seconds: Int<1, { usersig::MAX_EXPIRE_SECONDS }>,
    user_buf: Option<Bytes>,
    now: Option<UnixSeconds>,
}

/// `generateUserSig({ sdkAppId, secretKey, identifier, expireSeconds, userBuf?, now? })`
#[wasm_bindgen(js_name = generateUserSig, skip_typescript)]
pub fn generate_user_sig(options: JsValue) -> JsResult<String> {
    generate(&options).js()
}

fn generate(options: &JsValue) -> Result<String> {
    let o: SignOptions = boundary::read(options, "options")?;
    let user_buf = o.user_buf.map(|b| b.0);
    usersig::generate(&usersig::SignRequest {
        sdk_app_id: o.sdk_app_id.0,
        secret_key: &o.secret_key,
        identifier: &o.identifier,
        expire_seconds: o.expire_seconds.0,
        user_buf: user_buf.as_deref(),
        now: o.now.map_or_else(now_seconds, |n| n.0),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyOptions {
    sdk_app_id: SdkAppId,
    secret_key: String,
    identifier: String,
    user_sig: String,
    now: Option<UnixSeconds>,
}

/// What `verifyUserSig` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SigInfo {
    time: u64,
    expire: u64,
    expires_at: u64,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "uint8array")]
    user_buf: Option<Vec<u8>>,
}

/// Bytes as a Uint8Array (serde would write a Vec<u8> as an array of numbers).
fn uint8array<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_bytes(b.as_deref().unwrap_or_default())
}

/// `verifyUserSig({ sdkAppId, secretKey, identifier, userSig, now? })`
#[wasm_bindgen(js_name = verifyUserSig, skip_typescript)]
pub fn verify_user_sig(options: JsValue) -> JsResult<JsValue> {
    verify(&options).js()
}

fn verify(options: &JsValue) -> Result<JsValue> {
    let o: VerifyOptions = boundary::read(options, "options")?;
    let now = o.now.map_or_else(now_seconds, |n| n.0);
    let info = usersig::verify(
        o.sdk_app_id.0,
        &o.secret_key,
        &o.identifier,
        &o.user_sig,
        now,
    )?;
    boundary::to_js(
        &SigInfo {
            time: info.time,
            expire: info.expire,
            expires_at: info.expires_at,
            user_buf: info.user_buf,
        },
        ErrorKind::Auth,
    )
}

/// How a webhook is authenticated, as the caller chose it. Secure by default: a missing or
/// empty `token` refuses unless `allowUnsigned: true` says the app has no callback token.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackAuthOptions {
    pub sdk_app_id: SdkAppId,
    pub token: Option<String>,
    pub allow_unsigned: Option<bool>,
    pub now: Option<UnixSeconds>,
    pub max_skew_seconds: Option<Int<0, 86_400>>,
}

/// The checked auth settings: the token (None only when unsigned callbacks were allowed
/// explicitly), `now` and the skew window.
pub struct CallbackAuth {
    pub sdk_app_id: u64,
    pub token: Option<String>,
    pub now: u64,
    pub max_skew_seconds: u64,
}

impl CallbackAuthOptions {
    pub fn check(self) -> Result<CallbackAuth> {
        let token = self.token.filter(|t| !t.is_empty());
        let token = match (token, self.allow_unsigned) {
            (Some(_), Some(true)) => {
                return Err(RecallError::invalid_input(
                    "token",
                    "must be absent when allowUnsigned is true",
                ))
            }
            (None, Some(true)) => None,
            (Some(t), _) => Some(t),
            (None, _) => {
                return Err(RecallError::invalid_input(
                    "token",
                    "is required: pass the callback token from the console, or \
                     allowUnsigned: true if the app has none",
                ))
            }
        };
        Ok(CallbackAuth {
            sdk_app_id: self.sdk_app_id.0,
            token,
            now: self.now.map_or_else(now_seconds, |n| n.0),
            max_skew_seconds: self
                .max_skew_seconds
                .map_or(webhook::DEFAULT_MAX_SKEW_SECONDS, |n| n.0),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackOptions {
    url: String,
    body: Bytes,
    // The fields of `CallbackAuthOptions`, spelled out: `#[serde(flatten)]` would hide them
    // from the snapshot (which reads exactly the fields a struct names).
    sdk_app_id: SdkAppId,
    token: Option<String>,
    allow_unsigned: Option<bool>,
    now: Option<UnixSeconds>,
    max_skew_seconds: Option<Int<0, 86_400>>,
}

/// `parseCallback({ url, body, sdkAppId, token | allowUnsigned: true, now?, maxSkewSeconds? })`
#[wasm_bindgen(js_name = parseCallback, skip_typescript)]
pub fn parse_callback(options: JsValue) -> JsResult<JsValue> {
    parse(&options).js()
}

fn parse(options: &JsValue) -> Result<JsValue> {
    let o: CallbackOptions = boundary::read(options, "options")?;
    let auth = CallbackAuthOptions {
        sdk_app_id: o.sdk_app_id,
        token: o.token,
        allow_unsigned: o.allow_unsigned,
        now: o.now,
        max_skew_seconds: o.max_skew_seconds,
    }
    .check()?;
    verify_callback(&auth, &o.url, &o.body.0)
}

/// Verify and parse one callback; the event as a plain JS object.
pub fn verify_callback(auth: &CallbackAuth, url: &str, body: &[u8]) -> Result<JsValue> {
    let event = webhook::parse_callback(&webhook::CallbackInput {
        url,
        body,
        sdk_app_id: auth.sdk_app_id,
        auth: auth.token.as_deref().map_or(
            webhook::CallbackAuth::Unsigned,
            webhook::CallbackAuth::Token,
        ),
        now: auth.now,
        max_skew_seconds: auth.max_skew_seconds,
    })?;
    check_event(&event)?;
    to_plain_js(&event)
}

/// A webhook body is attacker-controlled: an integer a JS number cannot hold is refused
/// (invalid_input naming the field) rather than silently rounded.
fn check_event(e: &CallbackEvent) -> Result<()> {
    let k = ErrorKind::InvalidInput;
    if let Some(t) = e.event_time {
        boundary::safe_int(k, || "eventTime".into(), t)?;
    }
    if let Some(t) = e.request_time {
        boundary::safe_int(k, || "requestTime".into(), t)?;
    }
    match &e.detail {
        CallbackDetail::GroupRecall { msg_seqs, .. } => {
            for (i, &s) in msg_seqs.iter().enumerate() {
                boundary::safe_int(k, || format!("msgSeqs[{i}]"), s)?;
            }
        }
        CallbackDetail::C2CWithdraw { unread_msg_num, .. } => {
            boundary::safe_int(k, || "unreadMsgNum".into(), *unread_msg_num)?;
        }
    }
    Ok(())
}

/// `callbackAck()`: the exact JSON the service expects as a webhook answer.
#[wasm_bindgen(js_name = callbackAck, skip_typescript)]
pub fn callback_ack() -> String {
    webhook::callback_ack().to_string()
}
