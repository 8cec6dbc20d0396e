//! Typed, validated requests. A constructor checks every field (errors name the JS-facing
//! field); once built, a request always yields its [`Api`] and a valid JSON body.

use super::endpoint::Api;
use super::error::{RecallError, Result};
use super::json::{write_str, write_u64};
use super::text::{check_id, json_string};

/// The largest integer a JavaScript number holds exactly (2^53 - 1). MsgSeqs above it could
/// not round-trip through JS, so we refuse them everywhere.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// group_msg_recall takes at most 10 MsgSeqs per request.
pub const MAX_SEQS_PER_RECALL: usize = 10;
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

/// Appends `,"Name":"value"` when `v` is set.
fn push_opt_str(out: &mut String, name: &str, v: &Option<String>) {
    if let Some(v) = v {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":");
        out.push_str(&json_string(v));
    }
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
        if msg_seqs.len() > MAX_SEQS_PER_RECALL {
            return Err(RecallError::invalid_input(
                "msgSeqs",
                format!("holds at most {MAX_SEQS_PER_RECALL} MsgSeqs per request"),
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

    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    pub fn msg_seqs(&self) -> &[u64] {
        &self.msg_seqs
    }
    pub fn topic_id(&self) -> Option<&str> {
        self.topic_id.as_deref()
    }
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

impl GroupRecall {
    /// The body around the `MsgSeqList` entries: the requests of one bulk recall differ only
    /// in their MsgSeqs, so the driver builds this once and each body from it.
    pub fn template(&self) -> GroupRecallTemplate {
        let mut head = String::with_capacity(32 + self.group_id.len());
        head.push_str("{\"GroupId\":");
        write_str(&mut head, &self.group_id);
        head.push_str(",\"MsgSeqList\":[");
        let mut tail = String::from("]");
        push_opt_str(&mut tail, "TopicId", &self.topic_id);
        push_opt_str(&mut tail, "Reason", &self.reason);
        tail.push('}');
        GroupRecallTemplate { head, tail }
    }
}

/// A [`GroupRecall`] body without its MsgSeqs; see [`GroupRecall::template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecallTemplate {
    head: String,
    tail: String,
}

impl GroupRecallTemplate {
    /// Append the body for `msg_seqs` (already checked: 1..=10 valid MsgSeqs) to `out`.
    pub fn write_body(&self, msg_seqs: &[u64], out: &mut String) {
        out.reserve(self.head.len() + self.tail.len() + msg_seqs.len() * 28);
        out.push_str(&self.head);
        for (i, &s) in msg_seqs.iter().enumerate() {
            out.push_str(if i > 0 {
                ",{\"MsgSeq\":"
            } else {
                "{\"MsgSeq\":"
            });
            write_u64(out, s);
            out.push('}');
        }
        out.push_str(&self.tail);
    }
}

impl Request for GroupRecall {
    fn api(&self) -> Api {
        Api::GroupMsgRecall
    }
    fn body(&self) -> String {
        let mut out = String::new();
        self.template().write_body(&self.msg_seqs, &mut out);
        out
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
    pub fn new(group_id: &str, sender_account: &str, topic_id: Option<&str>) -> Result<Self> {
        check_id("groupId", group_id)?;
        check_id("senderAccount", sender_account)?;
        Ok(SenderRecall {
            group_id: group_id.to_string(),
            sender_account: sender_account.to_string(),
            topic_id: check_opt_id("topicId", topic_id)?,
        })
    }
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    pub fn sender_account(&self) -> &str {
        &self.sender_account
    }
    pub fn topic_id(&self) -> Option<&str> {
        self.topic_id.as_deref()
    }
}

impl Request for SenderRecall {
    fn api(&self) -> Api {
        Api::DeleteGroupMsgBySender
    }
    fn body(&self) -> String {
        let mut out = format!(
            "{{\"GroupId\":{},\"Sender_Account\":{}",
            json_string(&self.group_id),
            json_string(&self.sender_account)
        );
        push_opt_str(&mut out, "TopicId", &self.topic_id);
        out.push('}');
        out
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
    pub fn from_account(&self) -> &str {
        &self.from_account
    }
    pub fn to_account(&self) -> &str {
        &self.to_account
    }
    pub fn msg_key(&self) -> &str {
        &self.msg_key
    }
}

impl Request for C2CWithdraw {
    fn api(&self) -> Api {
        Api::AdminMsgWithdraw
    }
    fn body(&self) -> String {
        format!(
            "{{\"From_Account\":{},\"To_Account\":{},\"MsgKey\":{}}}",
            json_string(&self.from_account),
            json_string(&self.to_account),
            json_string(&self.msg_key)
        )
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
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    pub fn count(&self) -> u64 {
        self.count
    }
    pub fn before_seq(&self) -> Option<u64> {
        self.before_seq
    }
    pub fn with_recalled(&self) -> bool {
        self.with_recalled
    }
    pub fn topic_id(&self) -> Option<&str> {
        self.topic_id.as_deref()
    }
}

impl Request for GroupHistoryQuery {
    fn api(&self) -> Api {
        Api::GroupMsgGetSimple
    }
    fn body(&self) -> String {
        let mut out = format!(
            "{{\"GroupId\":{},\"ReqMsgNumber\":{}",
            json_string(&self.group_id),
            self.count
        );
        if let Some(s) = self.before_seq {
            out.push_str(",\"ReqMsgSeq\":");
            out.push_str(&s.to_string());
        }
        // WithRecalledMsg=1 makes the service include recalled messages (IsPlaceMsg=2);
        // omitted, it leaves them out (the documented default).
        if self.with_recalled {
            out.push_str(",\"WithRecalledMsg\":1");
        }
        push_opt_str(&mut out, "TopicId", &self.topic_id);
        out.push('}');
        out
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
    pub fn operator_account(&self) -> &str {
        &self.operator_account
    }
    pub fn peer_account(&self) -> &str {
        &self.peer_account
    }
    pub fn max_count(&self) -> u64 {
        self.max_count
    }
    pub fn min_time(&self) -> u64 {
        self.min_time
    }
    pub fn max_time(&self) -> u64 {
        self.max_time
    }
    pub fn last_msg_key(&self) -> Option<&str> {
        self.last_msg_key.as_deref()
    }
}

impl Request for C2CHistoryQuery {
    fn api(&self) -> Api {
        Api::AdminGetRoamMsg
    }
    fn body(&self) -> String {
        let mut out = format!(
            "{{\"Operator_Account\":{},\"Peer_Account\":{},\"MaxCnt\":{},\"MinTime\":{},\"MaxTime\":{}",
            json_string(&self.operator_account),
            json_string(&self.peer_account),
            self.max_count,
            self.min_time,
            self.max_time
        );
        push_opt_str(&mut out, "LastMsgKey", &self.last_msg_key);
        out.push('}');
        out
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
