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
        Value::String(s)
            if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
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
        let mut e = RecallError::new(kind, format!("unexpected HTTP status {http_status}"))
            .with_api(api.path());
        e.retryable = retryable;
        e.http_status = Some(http_status);
        return Err(e);
    }
    let map = match json::parse(body) {
        Ok(v) => v,
        Err(e) if e.eof => {
            return Err(protocol(
                api,
                "the response body is empty or truncated",
                true,
                200,
            ))
        }
        Err(_) => {
            return Err(protocol(
                api,
                "the response body is not valid JSON",
                false,
                200,
            ))
        }
    };
    let Value::Object(_) = map else {
        return Err(protocol(
            api,
            "the response body is not a JSON object",
            false,
            200,
        ));
    };
    let status = match map.get("ActionStatus") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(protocol(api, "ActionStatus is not a string", false, 200)),
    };
    let code = match map.get("ErrorCode") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            lenient_i64(v)
                .ok_or_else(|| protocol(api, "ErrorCode is not an integer", false, 200))?,
        ),
    };
    let info = match map.get("ErrorInfo") {
        Some(Value::String(s)) => s.as_str(),
        _ => "",
    };
    if status.is_none() && code.is_none() {
        return Err(protocol(
            api,
            "the response has neither ActionStatus nor ErrorCode",
            false,
            200,
        ));
    }
    let failed = status.is_some_and(|s| s.eq_ignore_ascii_case("FAIL"));
    let code = code.unwrap_or(0);
    if code != 0 || failed {
        let info = if code == 0 && info.is_empty() {
            "ActionStatus FAIL without an ErrorCode"
        } else {
            info
        };
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
    if http_status == 200 {
        if let Some(list) = fast_group_recall(body) {
            return Ok(list);
        }
    }
    parse_group_recall_general(http_status, body)
}

/// [`parse_group_recall`] through the JSON tree: every answer, every error.
fn parse_group_recall_general(http_status: u16, body: &[u8]) -> Result<Vec<RecallRet>> {
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

/// The common successful group_msg_recall answer, read without building a JSON tree: an
/// object of `ActionStatus` and `ErrorInfo` (plain ASCII strings, no escapes), `ErrorCode` 0
/// and a `RecallRetList` of `{MsgSeq, RetCode}` integer objects, members in any order (the
/// last of a repeated one counts), any JSON whitespace. Anything else (an error, escapes,
/// other members, fractions, null) is `None` and takes the general path, so the outcome is
/// always the general path's: this only ever returns what it would.
fn fast_group_recall(body: &[u8]) -> Option<Vec<RecallRet>> {
    let mut s = Scan { b: body, i: 0 };
    s.open(b'{')?;
    let (mut status, mut code, mut list) = (None, None, None);
    loop {
        let key = s.plain_str()?;
        s.open(b':')?;
        match key {
            b"ActionStatus" => status = Some(s.plain_str()?),
            b"ErrorInfo" => {
                s.plain_str()?;
            }
            b"ErrorCode" => code = Some(s.int()?),
            b"RecallRetList" => list = Some(s.ret_list()?),
            _ => return None,
        }
        if !s.more(b'}')? {
            break;
        }
    }
    s.ws();
    let ok = s.i == body.len()
        && (status.is_some() || code.is_some())
        && code.unwrap_or(0) == 0
        && !status.is_some_and(|v: &[u8]| v.eq_ignore_ascii_case(b"FAIL"));
    ok.then(|| list.unwrap_or_default())
}

/// The byte scanner of [`fast_group_recall`]; `None` means "not the common shape".
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// Whitespace, then `c`.
    fn open(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// After a member or element: `true` for `,`, `false` for `close`.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = *self.b.get(self.i)?;
        self.i += 1;
        match c {
            b',' => Some(true),
            _ if c == close => Some(false),
            _ => None,
        }
    }

    /// A string of printable ASCII without escapes, its bytes between the quotes.
    fn plain_str(&mut self) -> Option<&'a [u8]> {
        self.open(b'"')?;
        let start = self.i;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' | 0..=0x1f | 0x80..=0xff => return None,
                _ => self.i += 1,
            }
        }
        let s = self.b.get(start..self.i)?;
        self.i += 1;
        Some(s)
    }

    /// An integer as `Value::as_i64` reads it: optional `-`, digits without a leading zero,
    /// in range, not `-0`. The next byte must not continue the number (the caller's `more`
    /// refuses `.`, `e` and digits).
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let neg = self.b.get(self.i) == Some(&b'-');
        if neg {
            self.i += 1;
        }
        let start = self.i;
        let mut n: i64 = 0;
        while let Some(&d @ b'0'..=b'9') = self.b.get(self.i) {
            n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            self.i += 1;
        }
        let len = self.i - start;
        if len == 0 || (len > 1 && self.b.get(start) == Some(&b'0')) || (neg && n == 0) {
            return None;
        }
        Some(if neg { -n } else { n })
    }

    /// `[{"MsgSeq":n,"RetCode":m}, ...]`
    fn ret_list(&mut self) -> Option<Vec<RecallRet>> {
        self.open(b'[')?;
        let mut out = Vec::with_capacity(10);
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(out);
        }
        loop {
            self.open(b'{')?;
            let (mut seq, mut code) = (None, None);
            loop {
                let key = self.plain_str()?;
                self.open(b':')?;
                match key {
                    b"MsgSeq" => seq = Some(u64::try_from(self.int()?).ok()?),
                    b"RetCode" => code = Some(self.int()?),
                    _ => return None,
                }
                if !self.more(b'}')? {
                    break;
                }
            }
            out.push(RecallRet {
                msg_seq: seq?,
                ret_code: code?,
            });
            if !self.more(b']')? {
                return Some(out);
            }
        }
    }
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
        ObjectWriter::new(out)
            .bool("alreadyRecalled", self.already_recalled)
            .end();
    }
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

    /// The fast path never disagrees with the general one: over the seeds and thousands of
    /// one- and two-byte mutations of them, whatever it accepts, the general path returns too.
    #[test]
    fn fast_group_recall_agrees_with_the_general_path() {
        let seeds: [&[u8]; 6] = [
            br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RecallRetList":[{"MsgSeq":100,"RetCode":10030},{"MsgSeq":101,"RetCode":0}]}"#,
            br#" { "ErrorCode" : 0 , "RecallRetList" : [ { "RetCode" : -7 , "MsgSeq" : 9007199254740991 } ] , "ActionStatus" : "ok" } "#,
            br#"{"ActionStatus":"OK","ErrorCode":0,"RecallRetList":[]}"#,
            br#"{"ActionStatus":"FAIL","ErrorInfo":"x","ErrorCode":0}"#,
            br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorCode":10,"RecallRetList":[{"MsgSeq":1,"MsgSeq":2,"RetCode":0}]}"#,
            br#"{"ErrorCode":0,"RecallRetList":[{"MsgSeq":18446744073709551615,"RetCode":-9223372036854775808}]}"#,
        ];
        let bytes = b"{}[]\",:0123456789-.e \t\nAZaz\\\xc3\x80\x01";
        let mut checked = 0;
        let mut check = |body: &[u8]| {
            if let Some(fast) = fast_group_recall(body) {
                assert_eq!(
                    parse_group_recall_general(200, body).ok(),
                    Some(fast),
                    "{}",
                    String::from_utf8_lossy(body)
                );
                checked += 1;
            }
        };
        for seed in seeds {
            check(seed);
            for i in 0..=seed.len() {
                let mut cut = seed.to_vec();
                if i < seed.len() {
                    cut.remove(i);
                    check(&cut);
                }
                for &b in bytes.iter() {
                    let mut ins = seed.to_vec();
                    ins.insert(i, b);
                    check(&ins);
                    if i < seed.len() {
                        let mut rep = seed.to_vec();
                        rep[i] = b;
                        check(&rep);
                        for j in (i + 1..seed.len()).step_by(7) {
                            let mut two = rep.clone();
                            two[j] = b'0';
                            check(&two);
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        assert_eq!(fast_group_recall(seeds[3]), None);
        assert_eq!(fast_group_recall(seeds[4]), None);
    }

    #[test]
    fn truncated_is_retryable() {
        let e = parse_sender_recall(200, br#"{"ActionStatus":"OK","#).unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, true));
        let e = parse_sender_recall(200, b"<html>").unwrap_err();
        assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, false));
    }
}
