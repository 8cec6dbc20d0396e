//! Webhooks (third-party callbacks): signature, parsing and the acknowledgement.
//!
//! The service POSTs JSON to the app's URL with query `SdkAppid`, `CallbackCommand`,
//! `contenttype`, `ClientIP`, `OptPlatform` and, with authentication on, `Sign` and
//! `RequestTime`. The body is not signed, so the appid in the query is checked too.
//! Foreign appid, missing/bad Sign and stale RequestTime are `auth` errors; anything
//! malformed is `invalid_input` naming the field.

use sha2::{Digest, Sha256};

use super::endpoint::parse_query;
use super::error::{RecallError, Result};
use super::json::{self, write_array, write_u64, ObjectWriter, ToJson, Value};
use super::requests::MAX_SAFE_INTEGER;
use super::responses::lenient_u64;

/// Default replay window for `RequestTime`, in seconds, in both directions.
pub const DEFAULT_MAX_SKEW_SECONDS: u64 = 60;
/// Callback bodies are small (a few hundred bytes); refuse anything absurd before parsing.
pub const MAX_CALLBACK_BODY_BYTES: usize = 64 * 1024;
/// The callback URL (or query) we accept at most.
pub const MAX_CALLBACK_URL_BYTES: usize = 8 * 1024;
/// Most MsgSeqs one recall callback may carry. A recall request holds at most 10; clients
/// recall one at a time; 1,000 leaves room without letting a body cost unbounded work.
pub const MAX_CALLBACK_SEQS: usize = 1000;

pub const GROUP_AFTER_RECALL_MSG: &str = "Group.CallbackAfterRecallMsg";
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

/// What arrived, and what we trust.
/// `Debug` is written by hand so a logged input never shows the callback token.
#[derive(Clone)]
pub struct CallbackInput<'a> {
    /// The full request URL, or just its query string (with or without `?`).
    pub url: &'a str,
    pub body: &'a [u8],
    /// Our SDKAppID: the query's `SdkAppid` must equal it.
    pub sdk_app_id: u64,
    /// The callback token configured in the console; `None` when authentication is off.
    pub token: Option<&'a str>,
    /// Unix seconds: the caller's clock.
    pub now: u64,
    pub max_skew_seconds: u64,
}

impl std::fmt::Debug for CallbackInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackInput")
            .field("url", &self.url)
            .field("body_len", &self.body.len())
            .field("sdk_app_id", &self.sdk_app_id)
            .field("token", &self.token.map(|_| "<redacted>"))
            .field("now", &self.now)
            .field("max_skew_seconds", &self.max_skew_seconds)
            .finish()
    }
}

/// The callback-specific part of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackDetail {
    /// `Group.CallbackAfterRecallMsg`.
    GroupRecall {
        operator_account: String,
        group_type: String,
        group_id: String,
        topic_id: Option<String>,
        msg_seqs: Vec<u64>,
    },
    /// `C2C.CallbackAfterMsgWithDraw`.
    C2CWithdraw {
        from_account: String,
        to_account: String,
        msg_key: String,
        unread_msg_num: u64,
    },
}

/// A verified callback. [`ToJson`] writes it as one flat camelCase object (what JS receives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackEvent {
    pub sdk_app_id: u64,
    pub client_ip: Option<String>,
    /// Normalised: RESTAPI, Web, Android, iOS, Windows, Mac, iPad or Unknown.
    pub opt_platform: Option<&'static str>,
    /// Present when the query carried a (parseable) `RequestTime`.
    pub request_time: Option<u64>,
    /// The body's `EventTime` (milliseconds), when present.
    pub event_time: Option<u64>,
    pub detail: CallbackDetail,
}

impl CallbackEvent {
    pub fn callback_command(&self) -> &'static str {
        match self.detail {
            CallbackDetail::GroupRecall { .. } => GROUP_AFTER_RECALL_MSG,
            CallbackDetail::C2CWithdraw { .. } => C2C_AFTER_MSG_WITHDRAW,
        }
    }
}

impl ToJson for CallbackEvent {
    /// One flat camelCase object (what JS receives); absent optional fields are omitted.
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.str("callbackCommand", self.callback_command())
            .u64("sdkAppId", self.sdk_app_id)
            .opt_str("clientIp", self.client_ip.as_deref())
            .opt_str("optPlatform", self.opt_platform)
            .opt_u64("requestTime", self.request_time)
            .opt_u64("eventTime", self.event_time);
        match &self.detail {
            CallbackDetail::GroupRecall {
                operator_account,
                group_type,
                group_id,
                topic_id,
                msg_seqs,
            } => {
                o.str("operatorAccount", operator_account)
                    .str("groupType", group_type)
                    .str("groupId", group_id)
                    .opt_str("topicId", topic_id.as_deref());
                write_array(o.key("msgSeqs"), msg_seqs, |out, &n| write_u64(out, n));
            }
            CallbackDetail::C2CWithdraw {
                from_account,
                to_account,
                msg_key,
                unread_msg_num,
            } => {
                o.str("fromAccount", from_account)
                    .str("toAccount", to_account)
                    .str("msgKey", msg_key)
                    .u64("unreadMsgNum", *unread_msg_num);
            }
        }
        o.end();
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

fn req_str(m: &Value, field: &str) -> Result<String> {
    match m.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(body_err(field, "must be a non-empty string")),
    }
}

fn opt_str(m: &Value, field: &str) -> Result<Option<String>> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(body_err(field, "must be a string")),
    }
}

/// An optional integer given as a number or a numeric string (EventTime is documented as
/// Integer but shown as a string in an example).
fn opt_u64(m: &Value, field: &str) -> Result<Option<u64>> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => lenient_u64(v)
            .map(Some)
            .ok_or_else(|| body_err(field, "must be a non-negative integer")),
    }
}

/// Verify and parse one callback request.
pub fn parse_callback(input: &CallbackInput<'_>) -> Result<CallbackEvent> {
    if input.sdk_app_id == 0 || input.sdk_app_id > u32::MAX as u64 {
        return Err(RecallError::invalid_input(
            "sdkAppId",
            "must be an integer in 1..=4294967295",
        ));
    }
    if input.token.is_some_and(str::is_empty) {
        // An empty secret would make every Sign trivially forgeable; refuse the setting.
        return Err(RecallError::invalid_input(
            "token",
            "must not be empty (omit it to skip Sign checks)",
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
    let pairs = parse_query(query_part(input.url))
        .ok_or_else(|| RecallError::invalid_input("url", "has a malformed query string"))?;

    // 1. The app: the body is unsigned, so a foreign appid must not pass.
    let appid = one(&pairs, "SdkAppid")?;
    if appid != Some(input.sdk_app_id.to_string().as_str()) {
        return Err(RecallError::auth(
            "SdkAppid: missing or not this app's SDKAppID",
        ));
    }

    // 2. Sign and RequestTime, when a token is configured.
    let request_time_raw = one(&pairs, "RequestTime")?;
    let parsed_time = request_time_raw
        .filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok());
    if let Some(token) = input.token {
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
    let m = json::parse(input.body)
        .map_err(|_| RecallError::invalid_input("body", "is not valid JSON"))?;
    let Value::Object(_) = m else {
        return Err(RecallError::invalid_input("body", "is not a JSON object"));
    };
    let in_query = one(&pairs, "CallbackCommand")
        .map_err(|_| RecallError::invalid_input("CallbackCommand", "given more than once"))?;
    let in_body = match m.get("CallbackCommand") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(RecallError::invalid_input(
                "CallbackCommand",
                "must be a string in the body",
            ))
        }
    };
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
            let list = match m.get("MsgSeqList") {
                Some(Value::Array(a)) => a,
                _ => return Err(body_err("MsgSeqList", "must be an array")),
            };
            if list.len() > MAX_CALLBACK_SEQS {
                return Err(body_err(
                    "MsgSeqList",
                    &format!("holds more than {MAX_CALLBACK_SEQS} entries"),
                ));
            }
            let mut msg_seqs = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                // Above 2^53-1 a MsgSeq would reach JS as a different number.
                let seq = item
                    .get("MsgSeq")
                    .and_then(lenient_u64)
                    .filter(|s| (1..=MAX_SAFE_INTEGER).contains(s));
                msg_seqs.push(seq.ok_or_else(|| {
                    body_err(
                        &format!("MsgSeqList[{i}].MsgSeq"),
                        "must be a positive integer at most 2^53-1",
                    )
                })?);
            }
            CallbackDetail::GroupRecall {
                operator_account: opt_str(&m, "Operator_Account")?.unwrap_or_default(),
                group_type: opt_str(&m, "Type")?.unwrap_or_default(),
                group_id: req_str(&m, "GroupId")?,
                topic_id: opt_str(&m, "TopicId")?,
                msg_seqs,
            }
        }
        C2C_AFTER_MSG_WITHDRAW => CallbackDetail::C2CWithdraw {
            from_account: req_str(&m, "From_Account")?,
            to_account: req_str(&m, "To_Account")?,
            msg_key: req_str(&m, "MsgKey")?,
            unread_msg_num: opt_u64(&m, "UnreadMsgNum")?.unwrap_or(0),
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
        sdk_app_id: input.sdk_app_id,
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
        event_time: opt_u64(&m, "EventTime")?,
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
