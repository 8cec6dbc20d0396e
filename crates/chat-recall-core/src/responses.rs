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

use serde::{Deserialize, Serialize};

use super::endpoint::Api;
use super::error::{ErrorKind, RecallError, Result};
use super::wire::{from_body, BodyError, Int, Object, Text};

/// admin_msgwithdraw's "the message has already been recalled".
pub const ALREADY_RECALLED: i64 = 20023;

fn protocol(api: Api, info: impl Into<String>, retryable: bool, status: u16) -> RecallError {
    let mut e = RecallError::protocol(info).with_api(api.path());
    e.retryable = retryable;
    e.http_status = Some(status);
    e
}

/// A 200 body that could not be read: a truncated one is a transport fault (retryable), the
/// rest are deterministic.
pub(crate) fn body_error(api: Api, e: BodyError) -> RecallError {
    let what = match &e {
        BodyError::Truncated => "the response body is empty or truncated".to_string(),
        BodyError::Syntax => "the response body is not valid JSON".to_string(),
        BodyError::NotObject => "the response body is not a JSON object".to_string(),
        BodyError::Field { .. } => e.describe(),
    };
    protocol(api, what, e == BodyError::Truncated, 200)
}

/// The members every answer carries. `ErrorCode` may be a number or a numeric string;
/// other members are ignored here (each API's parser reads its own).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Envelope<'a> {
    /// `OK` or `FAIL` (compared case-insensitively).
    #[serde(rename = "ActionStatus", borrow, default)]
    pub action_status: Option<Text<'a>>,
    /// 0 on success.
    #[serde(rename = "ErrorCode", default)]
    pub error_code: Option<Int>,
    /// The service's explanation of a failure.
    #[serde(rename = "ErrorInfo", borrow, default)]
    pub error_info: Option<Text<'a>>,
}

/// Check the HTTP status and the envelope; on success return the envelope (the caller then
/// reads its API's own members from the same body).
pub fn parse_envelope(api: Api, http_status: u16, body: &[u8]) -> Result<Envelope<'_>> {
    if http_status != 200 {
        let (kind, retryable) = match http_status {
            500..=599 => (ErrorKind::Server, true),
            429 => (ErrorKind::RateLimited, true),
            _ => (ErrorKind::Protocol, false),
        };
        let mut e = RecallError::new(kind, format!("unexpected HTTP status {http_status}"))
            .with_api(api.path());
        e.retryable = retryable;
        e.http_status = Some(http_status);
        return Err(e);
    }
    let env: Envelope<'_> = from_body(body).map_err(|e| body_error(api, e))?;
    let code = match env.error_code {
        None => None,
        Some(c) => Some(
            c.as_i64()
                .ok_or_else(|| protocol(api, "ErrorCode: is out of range", false, 200))?,
        ),
    };
    if env.action_status.is_none() && code.is_none() {
        return Err(protocol(
            api,
            "the response has neither ActionStatus nor ErrorCode",
            false,
            200,
        ));
    }
    let failed = env
        .action_status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("FAIL"));
    let code = code.unwrap_or(0);
    if code != 0 || failed {
        let info = env.error_info.as_deref().unwrap_or("");
        let info = if code == 0 && info.is_empty() {
            "ActionStatus FAIL without an ErrorCode"
        } else {
            info
        };
        return Err(RecallError::from_service(code, info, api.path()));
    }
    Ok(env)
}

/// An answer that passed [`parse_envelope`], read into its API's type `T`. The envelope is
/// read first so the service's own error wins over a malformed payload beside it.
pub(crate) fn parse_answer<'a, T: Deserialize<'a>>(
    api: Api,
    http_status: u16,
    body: &'a [u8],
) -> Result<T> {
    parse_envelope(api, http_status, body)?;
    from_body(body).map_err(|e| body_error(api, e))
}

/// The outcome for one MsgSeq of a group_msg_recall request (0 = recalled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecallRet {
    /// The MsgSeq the service answered for.
    pub msg_seq: u64,
    /// 0 when recalled, else the service's error code for this message.
    pub ret_code: i64,
}

/// `{"MsgSeq": n, "RetCode": m}`: both required, checked after reading so the error can say
/// which entry lacked them.
#[derive(Deserialize)]
struct RecallRetEntry {
    #[serde(rename = "MsgSeq", default)]
    msg_seq: Option<Int>,
    #[serde(rename = "RetCode", default)]
    ret_code: Option<Int>,
}

/// The body of a group_msg_recall answer.
#[derive(Deserialize)]
struct GroupRecallAnswer {
    #[serde(rename = "RecallRetList", default)]
    recall_ret_list: Option<Vec<Object<RecallRetEntry>>>,
}

/// group_msg_recall: `RecallRetList` as received (order and duplicates kept). A success
/// without the list gives an empty vec.
pub fn parse_group_recall(http_status: u16, body: &[u8]) -> Result<Vec<RecallRet>> {
    let api = Api::GroupMsgRecall;
    let answer: GroupRecallAnswer = parse_answer(api, http_status, body)?;
    let list = answer.recall_ret_list.unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for (i, Object(item)) in list.into_iter().enumerate() {
        let seq = item.msg_seq.and_then(Int::as_u64);
        let code = item.ret_code.and_then(Int::as_i64);
        match (seq, code) {
            (Some(msg_seq), Some(ret_code)) => out.push(RecallRet { msg_seq, ret_code }),
            _ => {
                return Err(protocol(
                    api,
                    format!("RecallRetList[{i}] lacks an integer MsgSeq or RetCode"),
                    false,
                    200,
                ))
            }
        }
    }
    Ok(out)
}

/// delete_group_msg_by_sender: nothing but the envelope.
pub fn parse_sender_recall(http_status: u16, body: &[u8]) -> Result<()> {
    parse_envelope(Api::DeleteGroupMsgBySender, http_status, body).map(|_| ())
}

/// What admin_msgwithdraw achieved; serialises as `{"alreadyRecalled": bool}` (the JS shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawOutcome {
    /// The message had been recalled before (ErrorCode 20023): for a caller who wants it
    /// gone, that is success.
    pub already_recalled: bool,
}

/// admin_msgwithdraw: success, or 20023 reported as success with `already_recalled`.
pub fn parse_c2c_withdraw(http_status: u16, body: &[u8]) -> Result<WithdrawOutcome> {
    match parse_envelope(Api::AdminMsgWithdraw, http_status, body) {
        Ok(_) => Ok(WithdrawOutcome {
            already_recalled: false,
        }),
        Err(e) if e.code == ALREADY_RECALLED && e.http_status == Some(200) => Ok(WithdrawOutcome {
            already_recalled: true,
        }),
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
            vec![
                RecallRet {
                    msg_seq: 100,
                    ret_code: 10030
                },
                RecallRet {
                    msg_seq: 101,
                    ret_code: 0
                }
            ]
        );
    }

    #[test]
    fn extremes_are_exact_and_wrong_types_name_the_field() {
        let body = br#" { "ErrorCode" : "0" , "RecallRetList" : [ { "RetCode" : -9223372036854775808 , "MsgSeq" : 18446744073709551615 } ] , "ActionStatus" : "ok" } "#;
        assert_eq!(
            parse_group_recall(200, body).unwrap(),
            vec![RecallRet {
                msg_seq: u64::MAX,
                ret_code: i64::MIN
            }]
        );
        // No f64 on the way: 2^53 + 1 stays itself.
        let body = br#"{"ErrorCode":0,"RecallRetList":[{"MsgSeq":9007199254740993,"RetCode":0}]}"#;
        assert_eq!(
            parse_group_recall(200, body).unwrap()[0].msg_seq,
            9007199254740993
        );
        for (body, field) in [
            (
                &br#"{"ErrorCode":0,"RecallRetList":[{"MsgSeq":1.5,"RetCode":0}]}"#[..],
                "RecallRetList[0].MsgSeq: ",
            ),
            (
                br#"{"ErrorCode":0,"RecallRetList":[{"MsgSeq":1,"RetCode":true}]}"#,
                "RecallRetList[0].RetCode: ",
            ),
            (
                br#"{"ErrorCode":0,"RecallRetList":[{"MsgSeq":1,"RetCode":0},[1,0]]}"#,
                "RecallRetList[1]: ",
            ),
            (br#"{"ErrorCode":false}"#, "ErrorCode: "),
            (br#"{"ActionStatus":1,"ErrorCode":0}"#, "ActionStatus: "),
        ] {
            let e = parse_group_recall(200, body).unwrap_err();
            assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, false));
            assert!(e.info.starts_with(field), "{}", e.info);
        }
        // Duplicated members get no second reading.
        let e = parse_group_recall(200, br#"{"ErrorCode":0,"ErrorCode":10}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Protocol);
        // The service's error wins over a malformed payload beside it.
        let e = parse_group_recall(200, br#"{"ErrorCode":10004,"RecallRetList":7}"#).unwrap_err();
        assert_eq!(e.code, 10004);
    }

    #[test]
    fn truncated_is_retryable() {
        let e = parse_sender_recall(200, br#"{"ActionStatus":"OK","#).unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, true));
        let e = parse_sender_recall(200, b"").unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, true));
        let e = parse_sender_recall(200, b"<html>").unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, false));
        let e = parse_sender_recall(200, b"[]").unwrap_err();
        assert_eq!(e.info, "the response body is not a JSON object");
        let e = parse_sender_recall(200, br#"{"ErrorCode":0} x"#).unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, false));
    }
}
