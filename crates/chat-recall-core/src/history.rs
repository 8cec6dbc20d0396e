//! History pages: `group_open_http_svc/group_msg_get_simple` and `openim/admin_getroammsg`.
//!
//! Documented fields this parser relies on (anything else is ignored; emulator: emit these):
//!
//! group_msg_get_simple (request `GroupId`, `ReqMsgNumber` 1..=20, optional `ReqMsgSeq` =
//! the largest seq wanted, `WithRecalledMsg` 0/1, `TopicId`). Reply after the envelope:
//! - `IsFinished`: whether the *requested range* came back whole: 1 yes; 0 when the reply was
//!   cut (long messages, or more than 20 asked); 2 when cut and everything had expired. It
//!   does NOT say "no older messages": a full page of 20 normally carries 1. We pass it on as
//!   `rangeComplete` and decide the end of history ourselves (below).
//! - `RspMsgList`: newest first, each `{From_Account, IsPlaceMsg, IsSystemMsg, MsgPriority,
//!   MsgRandom, MsgSeq, MsgTimeStamp, MsgBody}`. Only `MsgSeq` is required; missing numbers
//!   read as 0, missing `From_Account` as "", missing `MsgBody` as `[]`.
//! - Recalled messages: `IsPlaceMsg` = 2. They are only returned when the request had
//!   `WithRecalledMsg` = 1 (the default leaves them out). `IsPlaceMsg` = 1 is a "hole": the
//!   message expired, failed to be stored or was deleted, and its `MsgBody` is empty.
//!   `recalled` is true exactly when `IsPlaceMsg` == 2.
//! - Next page: `ReqMsgSeq` = smallest returned `MsgSeq` - 1 (`nextBeforeSeq`). History is
//!   finished (`isFinished`) when a page is empty or that would be 0 (seq 1 was reached).
//!
//! admin_getroammsg (request `Operator_Account`, `Peer_Account`, `MaxCnt`, `MinTime`,
//! `MaxTime`, optional `LastMsgKey`). Reply after the envelope:
//! - `Complete`: 1 when every message in the range was returned, 0 when the caller must
//!   continue (the reply is capped at about 13 KB). `MsgCnt` (ignored: we count the list).
//! - `LastMsgTime`, `LastMsgKey`: to continue, send `MaxTime` = `LastMsgTime` and
//!   `LastMsgKey` = `LastMsgKey`.
//! - `MsgList`: each `{From_Account, To_Account, MsgSeq, MsgRandom, MsgTimeStamp,
//!   MsgFlagBits, MsgKey, MsgBody, IsPeerRead, CloudCustomData}`; `MsgKey` is
//!   `MsgSeq_MsgRandom_MsgTimeStamp`. Only `MsgKey` is required.
//! - Recalled messages are included and marked by `MsgFlagBits`: 0 normal, 8 recalled.
//!   `recalled` is true when bit 3 (value 8) is set.

use super::endpoint::Api;
use super::error::{RecallError, Result};
use super::json::{write_array, ObjectWriter, ToJson, Value};
use super::responses::{lenient_u64, parse_envelope};

/// `IsPlaceMsg` value of a recalled group message.
pub const PLACE_MSG_RECALLED: u64 = 2;
/// `MsgFlagBits` bit of a recalled one-to-one message.
pub const FLAG_RECALLED: u64 = 8;

/// One message of a group's history.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupMessage {
    pub from_account: String,
    pub msg_seq: u64,
    pub msg_random: u64,
    pub msg_time_stamp: u64,
    /// 0 normal, 1 hole (expired, not stored or deleted), 2 recalled.
    pub is_place_msg: u64,
    pub is_system_msg: bool,
    pub msg_priority: u64,
    pub recalled: bool,
    /// The service's `MsgBody`, unchanged.
    pub msg_body: Value,
}

/// One page of `group_msg_get_simple`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupHistoryPage {
    pub messages: Vec<GroupMessage>,
    /// No older messages remain: the page was empty or reached MsgSeq 1.
    pub is_finished: bool,
    /// Pass as `beforeSeq` for the next (older) page; `None` when there is none.
    pub next_before_seq: Option<u64>,
    /// The service's `IsFinished` == 1: the requested range came back whole.
    pub range_complete: bool,
}

/// One message of a one-to-one history.
#[derive(Clone, Debug, PartialEq)]
pub struct C2CMessage {
    pub from_account: String,
    pub to_account: String,
    pub msg_seq: u64,
    pub msg_random: u64,
    pub msg_time_stamp: u64,
    pub msg_flag_bits: u64,
    pub msg_key: String,
    pub recalled: bool,
    pub msg_body: Value,
}

/// One page of `admin_getroammsg`.
#[derive(Clone, Debug, PartialEq)]
pub struct C2CHistoryPage {
    pub messages: Vec<C2CMessage>,
    /// Every message in the time range has been returned.
    pub complete: bool,
    /// To continue: pass as `lastMsgKey`, with `lastMsgTime` as `maxTime`.
    pub last_msg_key: Option<String>,
    pub last_msg_time: Option<u64>,
}

// The JS shapes: camelCase fields in declaration order, absent optional fields omitted.

impl ToJson for GroupMessage {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.str("fromAccount", &self.from_account)
            .u64("msgSeq", self.msg_seq)
            .u64("msgRandom", self.msg_random)
            .u64("msgTimeStamp", self.msg_time_stamp)
            .u64("isPlaceMsg", self.is_place_msg)
            .bool("isSystemMsg", self.is_system_msg)
            .u64("msgPriority", self.msg_priority)
            .bool("recalled", self.recalled);
        self.msg_body.write_json(o.key("msgBody"));
        o.end();
    }
}

impl ToJson for GroupHistoryPage {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        write_array(o.key("messages"), &self.messages, |out, m| {
            m.write_json(out)
        });
        o.bool("isFinished", self.is_finished)
            .opt_u64("nextBeforeSeq", self.next_before_seq)
            .bool("rangeComplete", self.range_complete)
            .end();
    }
}

impl ToJson for C2CMessage {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.str("fromAccount", &self.from_account)
            .str("toAccount", &self.to_account)
            .u64("msgSeq", self.msg_seq)
            .u64("msgRandom", self.msg_random)
            .u64("msgTimeStamp", self.msg_time_stamp)
            .u64("msgFlagBits", self.msg_flag_bits)
            .str("msgKey", &self.msg_key)
            .bool("recalled", self.recalled);
        self.msg_body.write_json(o.key("msgBody"));
        o.end();
    }
}

impl ToJson for C2CHistoryPage {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        write_array(o.key("messages"), &self.messages, |out, m| {
            m.write_json(out)
        });
        o.bool("complete", self.complete)
            .opt_str("lastMsgKey", self.last_msg_key.as_deref())
            .opt_u64("lastMsgTime", self.last_msg_time)
            .end();
    }
}

fn bad(api: Api, what: String) -> RecallError {
    let mut e = RecallError::protocol(what).with_api(api.path());
    e.http_status = Some(200);
    e
}

fn num(m: &Value, k: &str) -> u64 {
    m.get(k).and_then(lenient_u64).unwrap_or(0)
}

fn string(m: &Value, k: &str) -> String {
    match m.get(k) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// `MsgBody`, moved out of the parsed message (not copied).
fn body_of(m: &mut Value) -> Value {
    m.take("MsgBody")
        .unwrap_or_else(|| Value::Array(Vec::new()))
}

/// A 0/1 flag that may also come as a JSON bool.
fn flag(v: Option<&Value>) -> Option<bool> {
    match v {
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => lenient_u64(v).map(|n| n != 0),
        None => None,
    }
}

fn list(api: Api, map: &mut Value, key: &str) -> Result<Vec<Value>> {
    match map.take(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(bad(api, format!("{key} is not an array"))),
    }
}

/// Parse a `group_msg_get_simple` answer.
pub fn parse_group_history(http_status: u16, body: &[u8]) -> Result<GroupHistoryPage> {
    let api = Api::GroupMsgGetSimple;
    let mut map = parse_envelope(api, http_status, body)?;
    let items = list(api, &mut map, "RspMsgList")?;
    let mut messages = Vec::with_capacity(items.len());
    for (i, mut item) in items.into_iter().enumerate() {
        let m = &item;
        let Value::Object(_) = m else {
            return Err(bad(api, format!("RspMsgList[{i}] is not an object")));
        };
        let msg_seq = m
            .get("MsgSeq")
            .and_then(lenient_u64)
            .ok_or_else(|| bad(api, format!("RspMsgList[{i}] lacks an integer MsgSeq")))?;
        let is_place_msg = num(m, "IsPlaceMsg");
        messages.push(GroupMessage {
            from_account: string(m, "From_Account"),
            msg_seq,
            msg_random: num(m, "MsgRandom"),
            msg_time_stamp: num(m, "MsgTimeStamp"),
            is_place_msg,
            is_system_msg: flag(m.get("IsSystemMsg")).unwrap_or(false),
            msg_priority: num(m, "MsgPriority"),
            recalled: is_place_msg == PLACE_MSG_RECALLED,
            msg_body: body_of(&mut item),
        });
    }
    let range_complete = matches!(map.get("IsFinished").and_then(lenient_u64), Some(1));
    let next_before_seq = messages
        .iter()
        .map(|m| m.msg_seq)
        .min()
        .and_then(|s| s.checked_sub(1))
        .filter(|&s| s > 0);
    let is_finished = next_before_seq.is_none();
    Ok(GroupHistoryPage {
        messages,
        is_finished,
        next_before_seq,
        range_complete,
    })
}

/// Parse an `admin_getroammsg` answer.
pub fn parse_c2c_history(http_status: u16, body: &[u8]) -> Result<C2CHistoryPage> {
    let api = Api::AdminGetRoamMsg;
    let mut map = parse_envelope(api, http_status, body)?;
    let items = list(api, &mut map, "MsgList")?;
    let mut messages = Vec::with_capacity(items.len());
    for (i, mut item) in items.into_iter().enumerate() {
        let m = &item;
        let Value::Object(_) = m else {
            return Err(bad(api, format!("MsgList[{i}] is not an object")));
        };
        let msg_key = match m.get("MsgKey") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(bad(api, format!("MsgList[{i}] lacks a MsgKey"))),
        };
        let msg_flag_bits = num(m, "MsgFlagBits");
        messages.push(C2CMessage {
            from_account: string(m, "From_Account"),
            to_account: string(m, "To_Account"),
            msg_seq: num(m, "MsgSeq"),
            msg_random: num(m, "MsgRandom"),
            msg_time_stamp: num(m, "MsgTimeStamp"),
            msg_flag_bits,
            msg_key,
            recalled: msg_flag_bits & FLAG_RECALLED != 0,
            msg_body: body_of(&mut item),
        });
    }
    // Without `Complete`, an empty list is the only safe reading of "done".
    let complete = flag(map.get("Complete")).unwrap_or(messages.is_empty());
    let last_msg_key = match map.get("LastMsgKey") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let last_msg_time = map.get("LastMsgTime").and_then(lenient_u64);
    Ok(C2CHistoryPage {
        messages,
        complete,
        last_msg_key,
        last_msg_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_page_next_seq() {
        let body = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","GroupId":"g","IsFinished":0,
            "RspMsgList":[{"From_Account":"a","IsPlaceMsg":2,"MsgSeq":7,"MsgBody":[]},{"From_Account":"b","IsPlaceMsg":0,"MsgSeq":6}]}"#;
        let p = parse_group_history(200, body).unwrap();
        assert_eq!(p.next_before_seq, Some(5));
        assert!(p.messages[0].recalled && !p.messages[1].recalled);
    }

    #[test]
    fn c2c_page_recalled_flag() {
        let body = br#"{"ActionStatus":"OK","ErrorCode":0,"Complete":1,"MsgList":[{"MsgKey":"1_2_3","MsgFlagBits":8}]}"#;
        let p = parse_c2c_history(200, body).unwrap();
        assert!(p.complete && p.messages[0].recalled);
    }
}
