//! Parsing answers: the common envelope (HTTP status, ActionStatus, ErrorCode, ErrorInfo) and
//! the three recall APIs. History pages are in [`super::history`].
//!
//! Decisions, so the client and the emulator agree:
//! - HTTP status other than 200: 5xx is `server` (retryable), 429 `rate_limited`
//!   (retryable; proxies say so), anything else `protocol`; `httpStatus` is set.
//! - A 200 whose body is empty or cut short (JSON ends early) is a transport fault, so
//!   `protocol` with `retryable = true`. A complete body that is not JSON (an HTML page from
//!   a proxy) or not a JSON object is deterministic, so `protocol` and not retryable.
//! - `ErrorCode` != 0, or `ActionStatus` == "FAIL" (even with code 0), is the service's error
//!   ([`RecallError::from_service`]). `ErrorCode` may be a number or a numeric string; unknown
//!   fields are ignored.

use super::endpoint::Api;
use super::error::{ErrorKind, RecallError, Result};
use super::json::{self, ObjectWriter, ToJson, Value};

/// admin_msgwithdraw's "the message has already been recalled".
pub const ALREADY_RECALLED: i64 = 20023;

fn protocol(api: Api, info: impl Into<String>, retryable: bool, status: u16) -> RecallError {
    let mut e = RecallError::protocol(info).with_api(api.path());
    e.retryable = retryable;
    e.http_status = Some(status);
    e
}

/// A non-negative integer given as a JSON number or a string of digits.
pub(crate) fn lenient_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(_) => v.as_u64(),
        Value::String(s) if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
}

/// A signed integer given as a JSON number or a numeric string.
pub(crate) fn lenient_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(_) => v.as_i64(),
        Value::String(s) if !s.is_empty() && s.len() <= 21 => s.parse().ok(),
        _ => None,
    }
}

/// Check the HTTP status and the envelope; on success return the body's JSON object (always
/// a [`Value::Object`]) so the API-specific parser can read its own fields.
pub fn parse_envelope(api: Api, http_status: u16, body: &[u8]) -> Result<Value> {
    if http_status != 200 {
        let (kind, retryable) = match http_status {
            500..=599 => (ErrorKind::Server, true),
            429 => (ErrorKind::RateLimited, true),
            _ => (ErrorKind::Protocol, false),
        };
        let mut e = RecallError::new(kind, format!("unexpected HTTP status {http_status}")).with_api(api.path());
        e.retryable = retryable;
        e.http_status = Some(http_status);
        return Err(e);
    }
    let map = match json::parse(body) {
        Ok(v) => v,
        Err(e) if e.eof => return Err(protocol(api, "the response body is empty or truncated", true, 200)),
        Err(_) => return Err(protocol(api, "the response body is not valid JSON", false, 200)),
    };
    let Value::Object(_) = map else {
        return Err(protocol(api, "the response body is not a JSON object", false, 200));
    };
    let status = match map.get("ActionStatus") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(protocol(api, "ActionStatus is not a string", false, 200)),
    };
    let code = match map.get("ErrorCode") {
        None | Some(Value::Null) => None,
        Some(v) => Some(lenient_i64(v).ok_or_else(|| protocol(api, "ErrorCode is not an integer", false, 200))?),
    };
    let info = match map.get("ErrorInfo") {
        Some(Value::String(s)) => s.as_str(),
        _ => "",
    };
    if status.is_none() && code.is_none() {
        return Err(protocol(api, "the response has neither ActionStatus nor ErrorCode", false, 200));
    }
    let failed = status.is_some_and(|s| s.eq_ignore_ascii_case("FAIL"));
    let code = code.unwrap_or(0);
    if code != 0 || failed {
        let info = if code == 0 && info.is_empty() { "ActionStatus FAIL without an ErrorCode" } else { info };
        return Err(RecallError::from_service(code, info, api.path()));
    }
    Ok(map)
}

/// The outcome for one MsgSeq of a group_msg_recall request (0 = recalled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecallRet {
    pub msg_seq: u64,
    pub ret_code: i64,
}

/// group_msg_recall: `RecallRetList` as received (order and duplicates kept). A success
/// without the list gives an empty vec.
pub fn parse_group_recall(http_status: u16, body: &[u8]) -> Result<Vec<RecallRet>> {
    let api = Api::GroupMsgRecall;
    let map = parse_envelope(api, http_status, body)?;
    let list = match map.get("RecallRetList") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(protocol(api, "RecallRetList is not an array", false, 200)),
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let seq = item.get("MsgSeq").and_then(lenient_u64);
        let code = item.get("RetCode").and_then(lenient_i64);
        match (seq, code) {
            (Some(msg_seq), Some(ret_code)) => out.push(RecallRet { msg_seq, ret_code }),
            _ => return Err(protocol(api, format!("RecallRetList[{i}] lacks an integer MsgSeq or RetCode"), false, 200)),
        }
    }
    Ok(out)
}

/// delete_group_msg_by_sender: nothing but the envelope.
pub fn parse_sender_recall(http_status: u16, body: &[u8]) -> Result<()> {
    parse_envelope(Api::DeleteGroupMsgBySender, http_status, body).map(|_| ())
}

/// What admin_msgwithdraw achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawOutcome {
    /// The message had been recalled before (ErrorCode 20023): for a caller who wants it
    /// gone, that is success.
    pub already_recalled: bool,
}

impl ToJson for WithdrawOutcome {
    /// `{"alreadyRecalled":bool}`
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).bool("alreadyRecalled", self.already_recalled).end();
    }
}

/// admin_msgwithdraw: success, or 20023 reported as success with `already_recalled`.
pub fn parse_c2c_withdraw(http_status: u16, body: &[u8]) -> Result<WithdrawOutcome> {
    match parse_envelope(Api::AdminMsgWithdraw, http_status, body) {
        Ok(_) => Ok(WithdrawOutcome { already_recalled: false }),
        Err(e) if e.code == ALREADY_RECALLED && e.http_status == Some(200) => Ok(WithdrawOutcome { already_recalled: true }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_recall_list() {
        let body = br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RecallRetList":[{"MsgSeq":100,"RetCode":10030},{"MsgSeq":101,"RetCode":0}]}"#;
        assert_eq!(
            parse_group_recall(200, body).unwrap(),
            vec![RecallRet { msg_seq: 100, ret_code: 10030 }, RecallRet { msg_seq: 101, ret_code: 0 }]
        );
    }

    #[test]
    fn truncated_is_retryable() {
        let e = parse_sender_recall(200, br#"{"ActionStatus":"OK","#).unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, true));
        let e = parse_sender_recall(200, b"<html>").unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, false));
    }
}
