//! Typed, validated requests. A constructor checks every field (errors name the JS-facing
//! field); once built, a request always yields its [`Api`] and a valid JSON body.

//!
//! Bodies are written by serde_json from `#[derive(Serialize)]` structs that borrow the
//! request's fields; optional fields are omitted when absent.

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::endpoint::Api;
use super::error::{RecallError, Result};
use super::limits::{MAX_SAFE_INTEGER, MAX_SEQS_PER_REQUEST};
use super::text::check_id;
use super::wire::to_json;
/// Recall reasons are free text shown to users; bound them so a bug cannot send megabytes.
pub const MAX_REASON_CHARS: usize = 256;
/// group_msg_get_simple returns at most 20 messages per request (ReqMsgNumber).
pub const MAX_GROUP_HISTORY_COUNT: u64 = 20;
/// admin_getroammsg's MaxCnt. The page documents no hard maximum: its samples use 100 and a
/// reply is cut at 13 KB anyway (then `Complete` is 0 and the caller continues). We accept
/// 1..=100, the documented sample value and the default.
pub const MAX_C2C_HISTORY_COUNT: u64 = 100;
/// Largest unix-seconds value accepted for MinTime/MaxTime; larger numbers are almost surely
/// milliseconds by mistake.
pub const MAX_UNIX_SECONDS: u64 = u32::MAX as u64;

/// What every request can say about itself.
pub trait Request {
    /// The API it is sent to.
    fn api(&self) -> Api;
    /// The JSON body, ready to POST.
    fn body(&self) -> String;
}

/// A MsgSeq: a positive integer no larger than 2^53 - 1.
pub fn check_msg_seq(field: &str, seq: u64) -> Result<u64> {
    if seq == 0 {
        return Err(RecallError::invalid_input(
            field,
            "must be a positive integer",
        ));
    }
    if seq > MAX_SAFE_INTEGER {
        return Err(RecallError::invalid_input(
            field,
            "must be at most 2^53-1 (9007199254740991)",
        ));
    }
    Ok(seq)
}

/// One MsgSeq written as a decimal string (how JS passes bigints or strings): ASCII digits
/// only, no sign, no spaces, positive and at most 2^53 - 1.
pub fn parse_msg_seq(field: &str, s: &str) -> Result<u64> {
    if s.is_empty() {
        return Err(RecallError::invalid_input(field, "must not be empty"));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RecallError::invalid_input(
            field,
            "must be a decimal integer (digits only)",
        ));
    }
    // Overflowing u64 is certainly above 2^53-1: report it as such.
    let n: u64 = s.parse().unwrap_or(u64::MAX);
    check_msg_seq(field, n)
}

/// A MsgKey: three decimal numbers joined by `_` (MsgSeq_MsgRandom_MsgTimeStamp),
/// such as `31906_833502_1572869830`; each part 1..=20 digits.
pub fn check_msg_key(field: &str, key: &str) -> Result<()> {
    let parts: Vec<&str> = key.split('_').collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 20 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(RecallError::invalid_input(
            field,
            "must be three decimal numbers joined by '_' (like 31906_833502_1572869830)",
        ))
    }
}

fn check_opt_id(field: &str, v: Option<&str>) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(s) => {
            check_id(field, s)?;
            Ok(Some(s.to_string()))
        }
    }
}

fn check_reason(reason: Option<&str>) -> Result<Option<String>> {
    let Some(r) = reason else { return Ok(None) };
    if r.is_empty() {
        return Err(RecallError::invalid_input(
            "reason",
            "must not be empty (omit it instead)",
        ));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(RecallError::invalid_input(
            "reason",
            format!("is longer than {MAX_REASON_CHARS} characters"),
        ));
    }
    if r.chars().any(|c| c.is_control()) {
        return Err(RecallError::invalid_input(
            "reason",
            "must not contain control characters",
        ));
    }
    Ok(Some(r.to_string()))
}

/// `MsgSeqList`: `[{"MsgSeq": n}, ...]`, written straight from the slice.
struct MsgSeqList<'a>(&'a [u64]);

impl Serialize for MsgSeqList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry {
            #[serde(rename = "MsgSeq")]
            msg_seq: u64,
        }
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &msg_seq in self.0 {
            seq.serialize_element(&Entry { msg_seq })?;
        }
        seq.end()
    }
}

/// The group_msg_recall body.
#[derive(Serialize)]
struct GroupRecallBody<'a> {
    #[serde(rename = "GroupId")]
    group_id: &'a str,
    #[serde(rename = "MsgSeqList")]
    msg_seq_list: MsgSeqList<'a>,
    #[serde(rename = "TopicId", skip_serializing_if = "Option::is_none")]
    topic_id: Option<&'a str>,
    #[serde(rename = "Reason", skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// The delete_group_msg_by_sender body.
#[derive(Serialize)]
struct SenderRecallBody<'a> {
    #[serde(rename = "GroupId")]
    group_id: &'a str,
    #[serde(rename = "Sender_Account")]
    sender_account: &'a str,
    #[serde(rename = "TopicId", skip_serializing_if = "Option::is_none")]
    topic_id: Option<&'a str>,
}

/// The admin_msgwithdraw body.
#[derive(Serialize)]
struct C2CWithdrawBody<'a> {
    #[serde(rename = "From_Account")]
    from_account: &'a str,
    #[serde(rename = "To_Account")]
    to_account: &'a str,
    #[serde(rename = "MsgKey")]
    msg_key: &'a str,
}

/// The group_msg_get_simple body.
#[derive(Serialize)]
struct GroupHistoryBody<'a> {
    #[serde(rename = "GroupId")]
    group_id: &'a str,
    #[serde(rename = "ReqMsgNumber")]
    req_msg_number: u64,
    #[serde(rename = "ReqMsgSeq", skip_serializing_if = "Option::is_none")]
    req_msg_seq: Option<u64>,
    /// 1 makes the service include recalled messages (IsPlaceMsg=2); omitted, it leaves
    /// them out (the documented default).
    #[serde(rename = "WithRecalledMsg", skip_serializing_if = "Option::is_none")]
    with_recalled_msg: Option<u8>,
    #[serde(rename = "TopicId", skip_serializing_if = "Option::is_none")]
    topic_id: Option<&'a str>,
}

/// The admin_getroammsg body.
#[derive(Serialize)]
struct C2CHistoryBody<'a> {
    #[serde(rename = "Operator_Account")]
    operator_account: &'a str,
    #[serde(rename = "Peer_Account")]
    peer_account: &'a str,
    #[serde(rename = "MaxCnt")]
    max_cnt: u64,
    #[serde(rename = "MinTime")]
    min_time: u64,
    #[serde(rename = "MaxTime")]
    max_time: u64,
    #[serde(rename = "LastMsgKey", skip_serializing_if = "Option::is_none")]
    last_msg_key: Option<&'a str>,
}

/// `group_open_http_svc/group_msg_recall`: recall 1..=10 group messages by MsgSeq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecall {
    group_id: String,
    msg_seqs: Vec<u64>,
    topic_id: Option<String>,
    reason: Option<String>,
}

impl GroupRecall {
    /// Duplicates are kept as given: the service answers one RecallRet per entry and the
    /// bulk merger reconciles them.
    pub fn new(
        group_id: &str,
        msg_seqs: &[u64],
        topic_id: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Self> {
        check_id("groupId", group_id)?;
        if msg_seqs.is_empty() {
            return Err(RecallError::invalid_input(
                "msgSeqs",
                "must contain at least one MsgSeq",
            ));
        }
        if msg_seqs.len() > MAX_SEQS_PER_REQUEST {
            return Err(RecallError::invalid_input(
                "msgSeqs",
                format!("holds at most {MAX_SEQS_PER_REQUEST} MsgSeqs per request"),
            ));
        }
        for (i, &s) in msg_seqs.iter().enumerate() {
            check_msg_seq(&format!("msgSeqs[{i}]"), s)?;
        }
        Ok(GroupRecall {
            group_id: group_id.to_string(),
            msg_seqs: msg_seqs.to_vec(),
            topic_id: check_opt_id("topicId", topic_id)?,
            reason: check_reason(reason)?,
        })
    }

    /// The group.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    /// The MsgSeqs, as given.
    pub fn msg_seqs(&self) -> &[u64] {
        &self.msg_seqs
    }
    /// The topic, in a community group with topics.
    pub fn topic_id(&self) -> Option<&str> {
        self.topic_id.as_deref()
    }
    /// Why (shown to users).
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

impl GroupRecall {
    /// What the requests of one bulk recall share: they differ only in their MsgSeqs, so
    /// the driver keeps this once and writes each body from it.
    pub fn template(&self) -> GroupRecallTemplate {
        GroupRecallTemplate {
            group_id: self.group_id.clone(),
            topic_id: self.topic_id.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// A [`GroupRecall`] without its MsgSeqs; see [`GroupRecall::template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecallTemplate {
    group_id: String,
    topic_id: Option<String>,
    reason: Option<String>,
}

impl GroupRecallTemplate {
    /// Append the body for `msg_seqs` (already checked: 1..=10 valid MsgSeqs) to `out`.
    pub fn write_body(&self, msg_seqs: &[u64], out: &mut String) {
        out.push_str(&to_json(&GroupRecallBody {
            group_id: &self.group_id,
            msg_seq_list: MsgSeqList(msg_seqs),
            topic_id: self.topic_id.as_deref(),
            reason: self.reason.as_deref(),
        }));
    }
}

impl Request for GroupRecall {
    fn api(&self) -> Api {
        Api::GroupMsgRecall
    }
    fn body(&self) -> String {
        to_json(&GroupRecallBody {
            group_id: &self.group_id,
            msg_seq_list: MsgSeqList(&self.msg_seqs),
            topic_id: self.topic_id.as_deref(),
            reason: self.reason.as_deref(),
        })
    }
}

/// `group_open_http_svc/delete_group_msg_by_sender`: silently recall one sender's messages
/// among the group's last 1,000.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderRecall {
    group_id: String,
    sender_account: String,
    topic_id: Option<String>,
}

impl SenderRecall {
    /// Check every field; errors name the JS field.
    pub fn new(group_id: &str, sender_account: &str, topic_id: Option<&str>) -> Result<Self> {
        check_id("groupId", group_id)?;
        check_id("senderAccount", sender_account)?;
        Ok(SenderRecall {
            group_id: group_id.to_string(),
            sender_account: sender_account.to_string(),
            topic_id: check_opt_id("topicId", topic_id)?,
        })
    }
    /// The group.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    /// Whose messages.
    pub fn sender_account(&self) -> &str {
        &self.sender_account
    }
    /// The topic, in a community group with topics.
    pub fn topic_id(&self) -> Option<&str> {
        self.topic_id.as_deref()
    }
}

impl Request for SenderRecall {
    fn api(&self) -> Api {
        Api::DeleteGroupMsgBySender
    }
    fn body(&self) -> String {
        to_json(&SenderRecallBody {
            group_id: &self.group_id,
            sender_account: &self.sender_account,
            topic_id: self.topic_id.as_deref(),
        })
    }
}

/// `openim/admin_msgwithdraw`: recall one one-to-one message by MsgKey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct C2CWithdraw {
    from_account: String,
    to_account: String,
    msg_key: String,
}

impl C2CWithdraw {
    /// Check every field; errors name the JS field.
    pub fn new(from_account: &str, to_account: &str, msg_key: &str) -> Result<Self> {
        check_id("fromAccount", from_account)?;
        check_id("toAccount", to_account)?;
        check_msg_key("msgKey", msg_key)?;
        Ok(C2CWithdraw {
            from_account: from_account.to_string(),
            to_account: to_account.to_string(),
            msg_key: msg_key.to_string(),
        })
    }
    /// The sender.
    pub fn from_account(&self) -> &str {
        &self.from_account
    }
    /// The receiver.
    pub fn to_account(&self) -> &str {
        &self.to_account
    }
    /// The message.
    pub fn msg_key(&self) -> &str {
        &self.msg_key
    }
}

impl Request for C2CWithdraw {
    fn api(&self) -> Api {
        Api::AdminMsgWithdraw
    }
    fn body(&self) -> String {
        to_json(&C2CWithdrawBody {
            from_account: &self.from_account,
            to_account: &self.to_account,
            msg_key: &self.msg_key,
        })
    }
}

/// `group_open_http_svc/group_msg_get_simple`: one page (1..=20) of a group's history,
/// newest first, at or below `before_seq` when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupHistoryQuery {
    group_id: String,
    count: u64,
    before_seq: Option<u64>,
    with_recalled: bool,
    topic_id: Option<String>,
}

impl GroupHistoryQuery {
    /// Check every field; errors name the JS field.
    pub fn new(
        group_id: &str,
        count: u64,
        before_seq: Option<u64>,
        with_recalled: bool,
        topic_id: Option<&str>,
    ) -> Result<Self> {
        check_id("groupId", group_id)?;
        if count == 0 || count > MAX_GROUP_HISTORY_COUNT {
            return Err(RecallError::invalid_input(
                "count",
                format!("must be an integer in 1..={MAX_GROUP_HISTORY_COUNT}"),
            ));
        }
        if let Some(s) = before_seq {
            check_msg_seq("beforeSeq", s)?;
        }
        Ok(GroupHistoryQuery {
            group_id: group_id.to_string(),
            count,
            before_seq,
            with_recalled,
            topic_id: check_opt_id("topicId", topic_id)?,
        })
    }
    /// The group.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    /// Messages per page (1..=20).
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Only messages with a MsgSeq at or below this.
    pub fn before_seq(&self) -> Option<u64> {
        self.before_seq
    }
    /// Include recalled messages.
    pub fn with_recalled(&self) -> bool {
        self.with_recalled
    }
    /// The topic, in a community group with topics.
    pub fn topic_id(&self) -> Option<&str> {
        self.topic_id.as_deref()
    }
}

impl Request for GroupHistoryQuery {
    fn api(&self) -> Api {
        Api::GroupMsgGetSimple
    }
    fn body(&self) -> String {
        to_json(&GroupHistoryBody {
            group_id: &self.group_id,
            req_msg_number: self.count,
            req_msg_seq: self.before_seq,
            with_recalled_msg: self.with_recalled.then_some(1),
            topic_id: self.topic_id.as_deref(),
        })
    }
}

/// `openim/admin_getroammsg`: one-to-one history between two accounts in a time range, seen
/// from `operator_account`. To continue an incomplete page, pass the reply's `LastMsgTime` as
/// `max_time` and its `LastMsgKey` as `last_msg_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct C2CHistoryQuery {
    operator_account: String,
    peer_account: String,
    max_count: u64,
    min_time: u64,
    max_time: u64,
    last_msg_key: Option<String>,
}

impl C2CHistoryQuery {
    /// Check every field; errors name the JS field.
    pub fn new(
        operator_account: &str,
        peer_account: &str,
        max_count: u64,
        min_time: u64,
        max_time: u64,
        last_msg_key: Option<&str>,
    ) -> Result<Self> {
        check_id("operatorAccount", operator_account)?;
        check_id("peerAccount", peer_account)?;
        if max_count == 0 || max_count > MAX_C2C_HISTORY_COUNT {
            return Err(RecallError::invalid_input(
                "maxCount",
                format!("must be an integer in 1..={MAX_C2C_HISTORY_COUNT}"),
            ));
        }
        for (field, t) in [("minTime", min_time), ("maxTime", max_time)] {
            if t > MAX_UNIX_SECONDS {
                return Err(RecallError::invalid_input(
                    field,
                    "must be unix seconds (at most 4294967295); milliseconds?",
                ));
            }
        }
        if min_time > max_time {
            return Err(RecallError::invalid_input(
                "minTime",
                "must not be after maxTime",
            ));
        }
        if let Some(k) = last_msg_key {
            check_msg_key("lastMsgKey", k)?;
        }
        Ok(C2CHistoryQuery {
            operator_account: operator_account.to_string(),
            peer_account: peer_account.to_string(),
            max_count,
            min_time,
            max_time,
            last_msg_key: last_msg_key.map(str::to_string),
        })
    }
    /// Whose view of the conversation.
    pub fn operator_account(&self) -> &str {
        &self.operator_account
    }
    /// The other account.
    pub fn peer_account(&self) -> &str {
        &self.peer_account
    }
    /// Messages per page.
    pub fn max_count(&self) -> u64 {
        self.max_count
    }
    /// Oldest send time, unix seconds.
    pub fn min_time(&self) -> u64 {
        self.min_time
    }
    /// Newest send time, unix seconds.
    pub fn max_time(&self) -> u64 {
        self.max_time
    }
    /// Continue after this message.
    pub fn last_msg_key(&self) -> Option<&str> {
        self.last_msg_key.as_deref()
    }
}

impl Request for C2CHistoryQuery {
    fn api(&self) -> Api {
        Api::AdminGetRoamMsg
    }
    fn body(&self) -> String {
        to_json(&C2CHistoryBody {
            operator_account: &self.operator_account,
            peer_account: &self.peer_account,
            max_cnt: self.max_count,
            min_time: self.min_time,
            max_time: self.max_time,
            last_msg_key: self.last_msg_key.as_deref(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> serde_json::Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn group_recall_sample() {
        let r = GroupRecall::new("@TGS#2J4SZEAEL", &[100, 101], None, None).unwrap();
        assert_eq!(r.api(), Api::GroupMsgRecall);
        assert_eq!(
            value(&r.body()),
            serde_json::json!({"GroupId":"@TGS#2J4SZEAEL","MsgSeqList":[{"MsgSeq":100},{"MsgSeq":101}]})
        );
    }

    #[test]
    fn msg_seq_strings() {
        assert_eq!(
            parse_msg_seq("msgSeqs[0]", "9007199254740991").unwrap(),
            MAX_SAFE_INTEGER
        );
        for bad in [
            "",
            "0",
            "+1",
            "-1",
            " 1",
            "1.0",
            "9007199254740992",
            "99999999999999999999999",
        ] {
            assert!(
                parse_msg_seq("msgSeqs[0]", bad)
                    .unwrap_err()
                    .info
                    .starts_with("msgSeqs[0]:"),
                "{bad}"
            );
        }
    }
}
