//! Webhooks (third-party callbacks): signature, parsing and the acknowledgement.
//!
//! The service POSTs JSON to the app's URL with query `SdkAppid`, `CallbackCommand`,
//! `contenttype`, `ClientIP`, `OptPlatform` and, with authentication on, `Sign` and
//! `RequestTime`. The body is not signed, so the appid in the query is checked too.
//! Foreign appid, missing/bad Sign and stale RequestTime are `auth` errors; anything
//! malformed is `invalid_input` naming the field.
//!
//! Secure by default: the caller says how callbacks are authenticated with
//! [`CallbackAuth`]; there is no "no token given, so skip the checks" state. The query is
//! decoded as `URLSearchParams` decodes it ([`parse_query`]); the body is read by serde_json
//! into a derived type, bounded by [`MAX_CALLBACK_BODY_BYTES`] before parsing.

use std::borrow::Cow;

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::endpoint::parse_query;
use super::error::{RecallError, Result};
use super::limits::{SdkAppId, MAX_CALLBACK_BODY_BYTES, MAX_SAFE_INTEGER};
use super::wire::{from_body, BodyError, IfObject, Int};

/// Default replay window for `RequestTime`, in seconds, in both directions.
pub const DEFAULT_MAX_SKEW_SECONDS: u64 = 60;
/// The callback URL (or query) we accept at most.
pub const MAX_CALLBACK_URL_BYTES: usize = 8 * 1024;
/// Most MsgSeqs one recall callback may carry. A recall request holds at most 10; clients
/// recall one at a time; 1,000 leaves room without letting a body cost unbounded work.
pub const MAX_CALLBACK_SEQS: usize = 1000;

/// The `CallbackCommand` of a group recall.
pub const GROUP_AFTER_RECALL_MSG: &str = "Group.CallbackAfterRecallMsg";
/// The `CallbackCommand` of a one-to-one withdrawal.
pub const C2C_AFTER_MSG_WITHDRAW: &str = "C2C.CallbackAfterMsgWithDraw";

/// The exact acknowledgement the service expects (HTTP 200).
pub fn callback_ack() -> &'static str {
    r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
}

/// `Sign` = lowercase hex of SHA-256 over `token + RequestTime` (a plain hash, not an HMAC).
pub fn compute_sign(token: &str, request_time: &str) -> String {
    let digest = Sha256::new()
        .chain_update(token.as_bytes())
        .chain_update(request_time.as_bytes())
        .finalize();
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}

/// `Sign=<hex>&RequestTime=<t>`, to append (after `&`) to a callback URL's query.
pub fn sign_callback_query(token: &str, request_time: u64) -> String {
    let t = request_time.to_string();
    format!("Sign={}&RequestTime={}", compute_sign(token, &t), t)
}

/// Equality whose time depends only on the lengths, so a forger learns nothing from timing.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// How callbacks are authenticated: chosen explicitly, so a missing secret can never turn the
/// checks off by accident.
/// `Debug` is written by hand so a logged value never shows the token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CallbackAuth<'a> {
    /// The callback token configured in the console: `Sign` and `RequestTime` are required
    /// and checked. An empty token is refused (`token: ...`), never read as "no token".
    Token(&'a str),
    /// The app turned callback authentication off in the console: only the query's
    /// `SdkAppid` is checked, so anyone who knows the URL can forge a callback.
    Unsigned,
}

impl std::fmt::Debug for CallbackAuth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallbackAuth::Token(_) => f.write_str("Token(<redacted>)"),
            CallbackAuth::Unsigned => f.write_str("Unsigned"),
        }
    }
}

/// What arrived, and what we trust.
#[derive(Clone, Debug)]
pub struct CallbackInput<'a> {
    /// The full request URL, or just its query string (with or without `?`).
    pub url: &'a str,
    /// The request body, at most [`MAX_CALLBACK_BODY_BYTES`].
    pub body: &'a [u8],
    /// Our SDKAppID: the query's `SdkAppid` must equal it.
    pub sdk_app_id: u64,
    /// How the callback must be authenticated.
    pub auth: CallbackAuth<'a>,
    /// Unix seconds: the caller's clock.
    pub now: u64,
    /// How far `RequestTime` may be from `now`, in seconds, either way.
    pub max_skew_seconds: u64,
}

/// The callback-specific part of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackDetail {
    /// `Group.CallbackAfterRecallMsg`.
    GroupRecall {
        /// Who recalled (`Operator_Account`; empty when not given).
        operator_account: String,
        /// The group's type (`Type`: Public, Community, ...; empty when not given).
        group_type: String,
        /// The group.
        group_id: String,
        /// The topic, in a community group with topics.
        topic_id: Option<String>,
        /// The recalled messages, as sent (exact u64s).
        msg_seqs: Vec<u64>,
    },
    /// `C2C.CallbackAfterMsgWithDraw`.
    C2CWithdraw {
        /// The sender.
        from_account: String,
        /// The receiver.
        to_account: String,
        /// The withdrawn message.
        msg_key: String,
        /// The receiver's unread count after the withdrawal (0 when not given).
        unread_msg_num: u64,
    },
}

/// A verified callback. It serialises as one flat camelCase object (what JS receives), absent
/// optional fields omitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackEvent {
    /// The app (checked against the query's `SdkAppid`).
    pub sdk_app_id: u64,
    /// The query's `ClientIP`, when present.
    pub client_ip: Option<String>,
    /// Normalised: RESTAPI, Web, Android, iOS, Windows, Mac, iPad or Unknown.
    pub opt_platform: Option<&'static str>,
    /// Present when the query carried a (parseable) `RequestTime`.
    pub request_time: Option<u64>,
    /// The body's `EventTime` (milliseconds), when present.
    pub event_time: Option<u64>,
    /// What the callback is about.
    pub detail: CallbackDetail,
}

impl CallbackEvent {
    /// Which callback this is.
    pub fn callback_command(&self) -> &'static str {
        match self.detail {
            CallbackDetail::GroupRecall { .. } => GROUP_AFTER_RECALL_MSG,
            CallbackDetail::C2CWithdraw { .. } => C2C_AFTER_MSG_WITHDRAW,
        }
    }
}

impl Serialize for CallbackEvent {
    /// Written by hand (not derived) to flatten [`CallbackDetail`] into the event without
    /// `#[serde(flatten)]`, which would turn the struct into a map for every serializer.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("CallbackEvent", 11)?;
        o.serialize_field("callbackCommand", self.callback_command())?;
        o.serialize_field("sdkAppId", &self.sdk_app_id)?;
        opt_field(&mut o, "clientIp", &self.client_ip)?;
        opt_field(&mut o, "optPlatform", &self.opt_platform)?;
        opt_field(&mut o, "requestTime", &self.request_time)?;
        opt_field(&mut o, "eventTime", &self.event_time)?;
        match &self.detail {
            CallbackDetail::GroupRecall {
                operator_account,
                group_type,
                group_id,
                topic_id,
                msg_seqs,
            } => {
                o.serialize_field("operatorAccount", operator_account)?;
                o.serialize_field("groupType", group_type)?;
                o.serialize_field("groupId", group_id)?;
                opt_field(&mut o, "topicId", topic_id)?;
                o.serialize_field("msgSeqs", msg_seqs)?;
            }
            CallbackDetail::C2CWithdraw {
                from_account,
                to_account,
                msg_key,
                unread_msg_num,
            } => {
                o.serialize_field("fromAccount", from_account)?;
                o.serialize_field("toAccount", to_account)?;
                o.serialize_field("msgKey", msg_key)?;
                o.serialize_field("unreadMsgNum", unread_msg_num)?;
            }
        }
        o.end()
    }
}

/// A field that is left out when `None`.
fn opt_field<S: SerializeStruct, T: Serialize>(
    o: &mut S,
    key: &'static str,
    v: &Option<T>,
) -> std::result::Result<(), S::Error> {
    match v {
        Some(v) => o.serialize_field(key, v),
        None => o.skip_field(key),
    }
}

/// The platform names the service documents; matched case-insensitively (one command
/// sends `IOS`). Anything else becomes `Unknown`.
pub fn normalize_platform(p: &str) -> &'static str {
    const NAMES: [&str; 8] = [
        "RESTAPI", "Web", "Android", "iOS", "Windows", "Mac", "iPad", "Unknown",
    ];
    NAMES
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(p))
        .unwrap_or("Unknown")
}

/// The query string of a URL, or the input itself when it is already a query.
fn query_part(url: &str) -> &str {
    let no_fragment = url.split('#').next().unwrap_or("");
    match no_fragment.split_once('?') {
        Some((_, q)) => q,
        // (A byte search: `str::contains` with a &str pattern pulls in the two-way searcher.)
        None if no_fragment.as_bytes().windows(3).any(|w| w == b"://") => "",
        None => no_fragment,
    }
}

/// The one value of a query parameter (names compared case-insensitively). A repeated
/// name is refused: two `Sign`s or appids invite parser-differential tricks.
fn one<'q>(pairs: &'q [(String, String)], name: &str) -> Result<Option<&'q str>> {
    let mut found = None;
    for (k, v) in pairs {
        if k.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(RecallError::auth(format!(
                    "{name}: given more than once in the callback URL"
                )));
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

fn body_err(field: &str, problem: &str) -> RecallError {
    RecallError::invalid_input(&format!("body.{field}"), problem)
}

/// One `MsgSeqList` entry.
#[derive(Deserialize)]
struct SeqEntry {
    #[serde(rename = "MsgSeq", default)]
    msg_seq: Option<Int>,
}

/// A callback body, both commands' fields: each is checked by the command that uses it, in
/// the order below, so the error names the first field a reader would look for. Integers are
/// [`Int`]s (number or numeric string: `EventTime` is documented as Integer but shown as a
/// string in an example) whose range is checked after reading.
#[derive(Deserialize)]
struct CallbackBody<'a> {
    #[serde(rename = "CallbackCommand", borrow, default)]
    callback_command: Option<Cow<'a, str>>,
    #[serde(rename = "Operator_Account", borrow, default)]
    operator_account: Option<Cow<'a, str>>,
    #[serde(rename = "Type", borrow, default)]
    group_type: Option<Cow<'a, str>>,
    #[serde(rename = "GroupId", borrow, default)]
    group_id: Option<Cow<'a, str>>,
    #[serde(rename = "TopicId", borrow, default)]
    topic_id: Option<Cow<'a, str>>,
    #[serde(rename = "MsgSeqList", default)]
    msg_seq_list: Option<Vec<IfObject<SeqEntry>>>,
    #[serde(rename = "From_Account", borrow, default)]
    from_account: Option<Cow<'a, str>>,
    #[serde(rename = "To_Account", borrow, default)]
    to_account: Option<Cow<'a, str>>,
    #[serde(rename = "MsgKey", borrow, default)]
    msg_key: Option<Cow<'a, str>>,
    #[serde(rename = "UnreadMsgNum", default)]
    unread_msg_num: Option<Int>,
    #[serde(rename = "EventTime", default)]
    event_time: Option<Int>,
}

fn req_str(v: Option<Cow<'_, str>>, field: &str) -> Result<String> {
    match v {
        Some(s) if !s.is_empty() => Ok(s.into_owned()),
        _ => Err(body_err(field, "must be a non-empty string")),
    }
}

/// An optional string; empty reads as absent.
fn opt_str(v: Option<Cow<'_, str>>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(Cow::into_owned)
}

/// An optional non-negative integer.
fn opt_u64(v: Option<Int>, field: &str) -> Result<Option<u64>> {
    match v {
        None => Ok(None),
        Some(n) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| body_err(field, "must be a non-negative integer")),
    }
}

/// Verify and parse one callback request.
pub fn parse_callback(input: &CallbackInput<'_>) -> Result<CallbackEvent> {
    let sdk_app_id = SdkAppId::new(input.sdk_app_id)?;
    if input.auth == CallbackAuth::Token("") {
        // An empty secret would make every Sign trivially forgeable; refuse the setting.
        return Err(RecallError::invalid_input(
            "token",
            "must not be empty (an app without a callback token must say so explicitly)",
        ));
    }
    if input.url.len() > MAX_CALLBACK_URL_BYTES {
        return Err(RecallError::invalid_input(
            "url",
            format!("is longer than {MAX_CALLBACK_URL_BYTES} bytes"),
        ));
    }
    if input.body.len() > MAX_CALLBACK_BODY_BYTES {
        return Err(RecallError::invalid_input(
            "body",
            format!("is larger than {MAX_CALLBACK_BODY_BYTES} bytes"),
        ));
    }
    let pairs = parse_query(query_part(input.url));

    // 1. The app: the body is unsigned, so a foreign appid must not pass.
    let appid = one(&pairs, "SdkAppid")?;
    if appid != Some(sdk_app_id.to_string().as_str()) {
        return Err(RecallError::auth(
            "SdkAppid: missing or not this app's SDKAppID",
        ));
    }

    // 2. Sign and RequestTime, unless the app has explicitly no callback token.
    let request_time_raw = one(&pairs, "RequestTime")?;
    let parsed_time = request_time_raw
        .filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok());
    if let CallbackAuth::Token(token) = input.auth {
        let sign = one(&pairs, "Sign")?
            .ok_or_else(|| RecallError::auth("Sign: missing from the callback URL"))?;
        let (Some(raw), Some(t)) = (request_time_raw, parsed_time) else {
            return Err(RecallError::auth(
                "RequestTime: missing or not unix seconds",
            ));
        };
        if input.now.abs_diff(t) > input.max_skew_seconds {
            return Err(RecallError::auth(format!(
                "RequestTime: {t} is more than {}s away from now ({})",
                input.max_skew_seconds, input.now
            )));
        }
        let expected = compute_sign(token, raw);
        if !ct_eq(expected.as_bytes(), sign.to_ascii_lowercase().as_bytes()) {
            return Err(RecallError::auth("Sign: does not match the callback token"));
        }
    }

    // 3. The body.
    let m: CallbackBody<'_> = from_body(input.body).map_err(|e| match e {
        BodyError::Truncated | BodyError::Syntax => {
            RecallError::invalid_input("body", "is not valid JSON")
        }
        BodyError::NotObject => RecallError::invalid_input("body", "is not a JSON object"),
        BodyError::Field { path, problem } => body_err(&path, &problem),
    })?;
    let in_query = one(&pairs, "CallbackCommand")
        .map_err(|_| RecallError::invalid_input("CallbackCommand", "given more than once"))?;
    let in_body = m.callback_command.as_deref();
    let command = match (in_query, in_body) {
        (Some(q), Some(b)) if q != b => {
            return Err(RecallError::invalid_input(
                "CallbackCommand",
                "the URL and the body disagree",
            ))
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err(RecallError::invalid_input(
                "CallbackCommand",
                "missing from the URL and the body",
            ))
        }
    };
    let detail = match command {
        GROUP_AFTER_RECALL_MSG => {
            let Some(list) = m.msg_seq_list else {
                return Err(body_err("MsgSeqList", "must be an array"));
            };
            if list.len() > MAX_CALLBACK_SEQS {
                return Err(body_err(
                    "MsgSeqList",
                    &format!("holds more than {MAX_CALLBACK_SEQS} entries"),
                ));
            }
            let mut msg_seqs = Vec::with_capacity(list.len());
            for (i, IfObject(entry)) in list.into_iter().enumerate() {
                // Above 2^53-1 a MsgSeq would reach JS as a different number.
                let seq = entry
                    .and_then(|e| e.msg_seq)
                    .and_then(Int::as_u64)
                    .filter(|s| (1..=MAX_SAFE_INTEGER).contains(s));
                msg_seqs.push(seq.ok_or_else(|| {
                    body_err(
                        &format!("MsgSeqList[{i}].MsgSeq"),
                        "must be a positive integer at most 2^53-1",
                    )
                })?);
            }
            CallbackDetail::GroupRecall {
                operator_account: opt_str(m.operator_account).unwrap_or_default(),
                group_type: opt_str(m.group_type).unwrap_or_default(),
                group_id: req_str(m.group_id, "GroupId")?,
                topic_id: opt_str(m.topic_id),
                msg_seqs,
            }
        }
        C2C_AFTER_MSG_WITHDRAW => CallbackDetail::C2CWithdraw {
            from_account: req_str(m.from_account, "From_Account")?,
            to_account: req_str(m.to_account, "To_Account")?,
            msg_key: req_str(m.msg_key, "MsgKey")?,
            unread_msg_num: opt_u64(m.unread_msg_num, "UnreadMsgNum")?.unwrap_or(0),
        },
        _ => {
            return Err(RecallError::invalid_input(
                "CallbackCommand",
                format!(
                    "unsupported (expected {GROUP_AFTER_RECALL_MSG} or {C2C_AFTER_MSG_WITHDRAW})"
                ),
            ))
        }
    };
    Ok(CallbackEvent {
        sdk_app_id: sdk_app_id.get(),
        client_ip: one(&pairs, "ClientIP")
            .ok()
            .flatten()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        opt_platform: one(&pairs, "OptPlatform")
            .ok()
            .flatten()
            .filter(|s| !s.is_empty())
            .map(normalize_platform),
        request_time: parsed_time,
        event_time: opt_u64(m.event_time, "EventTime")?,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vector() {
        assert_eq!(
            compute_sign("xxxxyyyy", "1669872112"),
            "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
        );
        assert_eq!(
            sign_callback_query("xxxxyyyy", 1669872112),
            "Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112"
        );
    }

    #[test]
    fn ack_is_exact() {
        assert_eq!(
            callback_ack(),
            r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
        );
    }

    #[test]
    fn ct_eq_basics() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }

    #[test]
    fn platforms() {
        assert_eq!(normalize_platform("IOS"), "iOS");
        assert_eq!(normalize_platform("restapi"), "RESTAPI");
        assert_eq!(normalize_platform("Plan9"), "Unknown");
    }
}
