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

use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use super::endpoint::Api;
use super::error::{RecallError, Result};
use super::responses::parse_answer;
use super::wire::{Flag, Int, Object, Text};

/// `IsPlaceMsg` value of a recalled group message.
pub const PLACE_MSG_RECALLED: u64 = 2;
/// `MsgFlagBits` bit of a recalled one-to-one message.
pub const FLAG_RECALLED: u64 = 8;

// The results serialise to the JS shapes: camelCase fields in declaration order, absent
// optional fields omitted. Integers stay exact u64 (the wasm layer decides how they cross).

/// One message of a group's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMessage {
    /// The sender's UserID.
    pub from_account: String,
    /// The message's sequence number in the group.
    pub msg_seq: u64,
    /// The message's random number.
    pub msg_random: u64,
    /// When it was sent, unix seconds.
    pub msg_time_stamp: u64,
    /// 0 normal, 1 hole (expired, not stored or deleted), 2 recalled.
    pub is_place_msg: u64,
    /// A system message rather than a user's.
    pub is_system_msg: bool,
    /// The service's message priority.
    pub msg_priority: u64,
    /// `is_place_msg` == 2.
    pub recalled: bool,
    /// The service's `MsgBody`, verbatim.
    pub msg_body: MsgBody,
}

/// One page of `group_msg_get_simple`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupHistoryPage {
    /// Newest first, as the service returns them.
    pub messages: Vec<GroupMessage>,
    /// No older messages remain: the page was empty or reached MsgSeq 1.
    pub is_finished: bool,
    /// Pass as `beforeSeq` for the next (older) page; `None` when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before_seq: Option<u64>,
    /// The service's `IsFinished` == 1: the requested range came back whole.
    pub range_complete: bool,
}

/// One message of a one-to-one history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct C2CMessage {
    /// The sender's UserID.
    pub from_account: String,
    /// The receiver's UserID.
    pub to_account: String,
    /// The message's sequence number.
    pub msg_seq: u64,
    /// The message's random number.
    pub msg_random: u64,
    /// When it was sent, unix seconds.
    pub msg_time_stamp: u64,
    /// 0 normal; bit 3 (8) set when recalled.
    pub msg_flag_bits: u64,
    /// `MsgSeq_MsgRandom_MsgTimeStamp`: what admin_msgwithdraw takes.
    pub msg_key: String,
    /// Bit 3 of `msg_flag_bits` is set.
    pub recalled: bool,
    /// The service's `MsgBody`, verbatim.
    pub msg_body: MsgBody,
}

/// One page of `admin_getroammsg`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct C2CHistoryPage {
    /// As the service returns them.
    pub messages: Vec<C2CMessage>,
    /// Every message in the time range has been returned.
    pub complete: bool,
    /// To continue: pass as `lastMsgKey`, with `lastMsgTime` as `maxTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_msg_key: Option<String>,
    /// To continue: pass as `maxTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_msg_time: Option<u64>,
}

fn bad(api: Api, what: String) -> RecallError {
    let mut e = RecallError::protocol(what).with_api(api.path());
    e.http_status = Some(200);
    e
}

/// A message's `MsgBody` exactly as the service wrote it (its JSON text, never re-encoded:
/// numbers, escapes and member order are the service's). Missing or `null` reads as `[]`, an
/// empty body, as documented above. Serialises as that JSON value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct MsgBody(Option<Box<RawValue>>);

impl MsgBody {
    /// The JSON text (`[]` when the service sent none).
    pub fn json(&self) -> &str {
        self.0.as_deref().map_or("[]", RawValue::get)
    }
}

impl PartialEq for MsgBody {
    fn eq(&self, other: &MsgBody) -> bool {
        self.json() == other.json()
    }
}

impl Serialize for MsgBody {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match &self.0 {
            Some(raw) => raw.serialize(s),
            None => s.collect_seq(std::iter::empty::<()>()),
        }
    }
}

fn num(v: Option<Int>) -> u64 {
    v.and_then(Int::as_u64).unwrap_or(0)
}

fn text(v: Option<Text<'_>>) -> String {
    v.map(Text::into_owned).unwrap_or_default()
}

/// One entry of `RspMsgList`.
#[derive(Deserialize)]
struct GroupMessageWire<'a> {
    #[serde(rename = "From_Account", borrow, default)]
    from_account: Option<Text<'a>>,
    #[serde(rename = "MsgSeq", default)]
    msg_seq: Option<Int>,
    #[serde(rename = "MsgRandom", default)]
    msg_random: Option<Int>,
    #[serde(rename = "MsgTimeStamp", default)]
    msg_time_stamp: Option<Int>,
    #[serde(rename = "IsPlaceMsg", default)]
    is_place_msg: Option<Int>,
    #[serde(rename = "IsSystemMsg", default)]
    is_system_msg: Option<Flag>,
    #[serde(rename = "MsgPriority", default)]
    msg_priority: Option<Int>,
    #[serde(rename = "MsgBody", default)]
    msg_body: MsgBody,
}

/// The body of a group_msg_get_simple answer.
#[derive(Deserialize)]
struct GroupHistoryWire<'a> {
    #[serde(rename = "IsFinished", default)]
    is_finished: Option<Int>,
    #[serde(rename = "RspMsgList", borrow, default)]
    rsp_msg_list: Option<Vec<Object<GroupMessageWire<'a>>>>,
}

/// One entry of `MsgList`.
#[derive(Deserialize)]
struct C2CMessageWire<'a> {
    #[serde(rename = "From_Account", borrow, default)]
    from_account: Option<Text<'a>>,
    #[serde(rename = "To_Account", borrow, default)]
    to_account: Option<Text<'a>>,
    #[serde(rename = "MsgSeq", default)]
    msg_seq: Option<Int>,
    #[serde(rename = "MsgRandom", default)]
    msg_random: Option<Int>,
    #[serde(rename = "MsgTimeStamp", default)]
    msg_time_stamp: Option<Int>,
    #[serde(rename = "MsgFlagBits", default)]
    msg_flag_bits: Option<Int>,
    #[serde(rename = "MsgKey", borrow, default)]
    msg_key: Option<Text<'a>>,
    #[serde(rename = "MsgBody", default)]
    msg_body: MsgBody,
}

/// The body of an admin_getroammsg answer.
#[derive(Deserialize)]
struct C2CHistoryWire<'a> {
    #[serde(rename = "Complete", default)]
    complete: Option<Flag>,
    #[serde(rename = "LastMsgKey", borrow, default)]
    last_msg_key: Option<Text<'a>>,
    #[serde(rename = "LastMsgTime", default)]
    last_msg_time: Option<Int>,
    #[serde(rename = "MsgList", borrow, default)]
    msg_list: Option<Vec<Object<C2CMessageWire<'a>>>>,
}

/// Parse a `group_msg_get_simple` answer.
pub fn parse_group_history(http_status: u16, body: &[u8]) -> Result<GroupHistoryPage> {
    let api = Api::GroupMsgGetSimple;
    let wire: GroupHistoryWire<'_> = parse_answer(api, http_status, body)?;
    let items = wire.rsp_msg_list.unwrap_or_default();
    let mut messages = Vec::with_capacity(items.len());
    for (i, Object(m)) in items.into_iter().enumerate() {
        let msg_seq = m
            .msg_seq
            .and_then(Int::as_u64)
            .ok_or_else(|| bad(api, format!("RspMsgList[{i}] lacks an integer MsgSeq")))?;
        let is_place_msg = num(m.is_place_msg);
        messages.push(GroupMessage {
            from_account: text(m.from_account),
            msg_seq,
            msg_random: num(m.msg_random),
            msg_time_stamp: num(m.msg_time_stamp),
            is_place_msg,
            is_system_msg: m.is_system_msg.is_some_and(|f| f.0),
            msg_priority: num(m.msg_priority),
            recalled: is_place_msg == PLACE_MSG_RECALLED,
            msg_body: m.msg_body,
        });
    }
    let range_complete = wire.is_finished.and_then(Int::as_u64) == Some(1);
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
    let wire: C2CHistoryWire<'_> = parse_answer(api, http_status, body)?;
    let items = wire.msg_list.unwrap_or_default();
    let mut messages = Vec::with_capacity(items.len());
    for (i, Object(m)) in items.into_iter().enumerate() {
        let msg_key = match m.msg_key {
            Some(k) if !k.is_empty() => k.into_owned(),
            _ => return Err(bad(api, format!("MsgList[{i}] lacks a MsgKey"))),
        };
        let msg_flag_bits = num(m.msg_flag_bits);
        messages.push(C2CMessage {
            from_account: text(m.from_account),
            to_account: text(m.to_account),
            msg_seq: num(m.msg_seq),
            msg_random: num(m.msg_random),
            msg_time_stamp: num(m.msg_time_stamp),
            msg_flag_bits,
            msg_key,
            recalled: msg_flag_bits & FLAG_RECALLED != 0,
            msg_body: m.msg_body,
        });
    }
    // Without `Complete`, an empty list is the only safe reading of "done".
    let complete = wire.complete.map_or(messages.is_empty(), |f| f.0);
    let last_msg_key = wire
        .last_msg_key
        .filter(|k| !k.is_empty())
        .map(Text::into_owned);
    let last_msg_time = wire.last_msg_time.and_then(Int::as_u64);
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
