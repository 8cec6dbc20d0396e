//! The REST commands, parsed from the JSON body with serde_json and answered as the service's
//! pages describe (fields, limits, error codes). Auth and rate limits are in `server.rs`.

use serde_json::{json, Map, Value};

use crate::state::{pair, Group, GroupType, NewGroupMsg, State, Thread, Topic};

pub struct Ctx<'a> {
    pub admin: &'a str,
    pub now: u64,
    pub now_ms: u64,
    /// Fire Group.CallbackAfterRecallMsg for delete_group_msg_by_sender too (silent recall).
    pub callback_on_delete_by_sender: bool,
}

/// A successful recall, for the webhook.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    GroupRecall {
        operator: String,
        kind: &'static str,
        group_id: String,
        topic_id: Option<String>,
        seqs: Vec<u64>,
        event_time_ms: u64,
    },
    C2cWithdraw {
        from: String,
        to: String,
        key: String,
        event_time_ms: u64,
    },
}

pub struct Reply {
    pub fields: Map<String, Value>,
    pub event: Option<Event>,
}

pub type Failure = (i64, String);
pub type ApiResult = Result<Reply, Failure>;

// The service's documented caps, defined once in the core: a history page returns at most
// MAX_GROUP_HISTORY_COUNT (20) messages; group_msg_recall takes at most MAX_SEQS_PER_REQUEST
// (10) MsgSeqs; identifiers are at most MAX_ID_BYTES.
use chat_recall_core::limits::MAX_SEQS_PER_REQUEST as MAX_RECALL_SEQS;
use chat_recall_core::requests::MAX_GROUP_HISTORY_COUNT as MAX_HISTORY_PAGE;
use chat_recall_core::text::MAX_ID_BYTES;
/// delete_group_msg_by_sender: "among the last 1,000 messages".
pub const DELETE_BY_SENDER_WINDOW: usize = 1000;
/// admin_getroammsg: answers are cut at about 13 KB and must be continued (Complete = 0).
pub const ROAM_PAGE_BYTES: usize = 13 * 1024;

fn ok(fields: Map<String, Value>) -> ApiResult {
    Ok(Reply {
        fields,
        event: None,
    })
}

fn fail<T>(code: i64, info: impl Into<String>) -> Result<T, Failure> {
    Err((code, info.into()))
}

type Handler = fn(&mut State, &Map<String, Value>, &Ctx) -> ApiResult;

/// Every command the emulator serves, by `service/command`: the dispatch table, and the only
/// names the stats and the rate limiter keep apart (so their memory is bounded by this list).
const ROUTES: [(&str, Handler); 10] = [
    ("im_open_login_svc/account_import", account_import),
    ("group_open_http_svc/create_group", create_group),
    ("million_group_open_http_svc/create_topic", create_topic),
    ("group_open_http_svc/send_group_msg", send_group_msg),
    (
        "group_open_http_svc/group_msg_get_simple",
        group_msg_get_simple,
    ),
    ("group_open_http_svc/group_msg_recall", group_msg_recall),
    (
        "group_open_http_svc/delete_group_msg_by_sender",
        delete_group_msg_by_sender,
    ),
    ("openim/sendmsg", sendmsg),
    ("openim/admin_getroammsg", admin_getroammsg),
    ("openim/admin_msgwithdraw", admin_msgwithdraw),
];

/// The stats and rate-limit bucket of every path that is not a known command.
pub const OTHER: &str = "other";

/// The bucket a request path is counted under: its command's own name, or [`OTHER`].
pub fn bucket(path: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|(name, _)| *name == path)
        .map_or(OTHER, |(name, _)| name)
}

/// Dispatch by `service/command`; `None` if the command is unknown.
pub fn handle(state: &mut State, path: &str, body: &[u8], ctx: &Ctx) -> Option<ApiResult> {
    let (_, f) = ROUTES.iter().find(|(name, _)| *name == path)?;
    let parse_code = if path.starts_with("openim/") {
        90001
    } else {
        60003
    };
    Some(match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => f(state, &m, ctx),
        Ok(_) => fail(
            parse_code,
            "Fail to Parse json data of body, Please check it: the body must be a JSON object",
        ),
        Err(e) => fail(
            parse_code,
            format!("Fail to Parse json data of body, Please check it: {e}"),
        ),
    })
}

// ---- field helpers: `Ok(None)` when absent, `Err` when present with the wrong type ----

fn opt_str<'a>(m: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, String> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("{k} must be a string")),
    }
}

fn opt_u64(m: &Map<String, Value>, k: &str) -> Result<Option<u64>, String> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{k} must be a non-negative integer")),
    }
}

fn opt_u32(m: &Map<String, Value>, k: &str) -> Result<Option<u32>, String> {
    match opt_u64(m, k)? {
        None => Ok(None),
        Some(v) => u32::try_from(v)
            .map(Some)
            .map_err(|_| format!("{k} must be an integer in 0..=4294967295")),
    }
}

fn valid_account(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && !s.chars().any(char::is_control)
}

fn valid_group_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_BYTES
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// MsgBody: a non-empty array of `{MsgType: String, MsgContent: Object}`.
fn msg_body(m: &Map<String, Value>) -> Result<Value, String> {
    let Some(Value::Array(items)) = m.get("MsgBody") else {
        return Err("MsgBody must be a non-empty array".into());
    };
    if items.is_empty() {
        return Err("MsgBody must be a non-empty array".into());
    }
    for it in items {
        let ok = it
            .get("MsgType")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("TIM"))
            && it.get("MsgContent").is_some_and(Value::is_object);
        if !ok {
            return Err(
                "each MsgBody element needs MsgType (TIM...Elem) and MsgContent (object)".into(),
            );
        }
    }
    Ok(Value::Array(items.clone()))
}

/// Group lookup with the service's codes: malformed id 10015, unknown 10010.
fn group_mut<'a>(state: &'a mut State, m: &Map<String, Value>) -> Result<&'a mut Group, Failure> {
    let id = match opt_str(m, "GroupId") {
        Ok(Some(id)) => id,
        Ok(None) => return fail(10004, "GroupId is required"),
        Err(e) => return fail(10004, e),
    };
    if !valid_group_id(id) {
        return fail(10015, format!("invalid GroupId: {id:?}"));
    }
    match state.groups.get_mut(id) {
        Some(g) => Ok(g),
        None => fail(
            10010,
            format!("this group does not exist or has been deleted: {id}"),
        ),
    }
}

/// Topic lookup: TopicId only on topic-enabled communities (10004 otherwise), unknown 10010.
fn thread_mut<'a>(g: &'a mut Group, topic: Option<&str>) -> Result<&'a mut Thread, Failure> {
    match topic {
        None => Ok(&mut g.thread),
        Some(t) => {
            if !(g.kind == GroupType::Community && g.support_topic) {
                return fail(10004, "TopicId applies only to topic-enabled communities");
            }
            match g.topics.get_mut(t) {
                Some(tp) => Ok(&mut tp.thread),
                None => fail(10010, format!("topic does not exist: {t}")),
            }
        }
    }
}

fn param<T>(r: Result<T, String>, code: i64) -> Result<T, Failure> {
    r.map_err(|e| (code, e))
}

// ---- im_open_login_svc ----

fn account_import(state: &mut State, m: &Map<String, Value>, _ctx: &Ctx) -> ApiResult {
    let id = param(opt_str(m, "UserID"), 70402)?.or(param(opt_str(m, "Identifier"), 70402)?);
    let Some(id) = id else {
        return fail(70402, "UserID is required");
    };
    if !valid_account(id) {
        return fail(
            70402,
            "UserID must be 1..=32 bytes without control characters",
        );
    }
    param(opt_str(m, "Nick"), 70402)?;
    param(opt_str(m, "FaceUrl"), 70402)?;
    state.accounts.insert(id.to_string());
    ok(Map::new())
}

// ---- group_open_http_svc: data ----

fn create_group(state: &mut State, m: &Map<String, Value>, _ctx: &Ctx) -> ApiResult {
    let kind = match param(opt_str(m, "Type"), 10004)? {
        Some(t) => match GroupType::parse(t) {
            Some(k) => k,
            None => return fail(10004, format!("unknown group Type: {t}")),
        },
        None => return fail(10004, "Type is required"),
    };
    let name = match param(opt_str(m, "Name"), 10004)? {
        Some(n) if !n.is_empty() && n.len() <= 100 => n.to_string(),
        _ => return fail(10004, "Name is required (1..=100 bytes)"),
    };
    let owner = param(opt_str(m, "Owner_Account"), 10004)?.map(str::to_string);
    if let Some(o) = &owner {
        if !state.accounts.contains(o) {
            return fail(10019, format!("Owner_Account is not imported: {o}"));
        }
    }
    let support_topic = param(opt_u64(m, "SupportTopic"), 10004)?.unwrap_or(0) == 1;
    if support_topic && kind != GroupType::Community {
        return fail(10004, "SupportTopic applies only to Community groups");
    }
    let id = match param(opt_str(m, "GroupId"), 10004)? {
        Some(id) => {
            if !valid_group_id(id)
                || (id.starts_with("@TGS#")
                    && !(kind == GroupType::Community && id.starts_with("@TGS#_")))
            {
                return fail(10015, format!("invalid custom GroupId: {id}"));
            }
            if kind == GroupType::Community && !id.starts_with("@TGS#_") {
                return fail(10015, "a Community's custom GroupId must start with @TGS#_");
            }
            if state.groups.contains_key(id) {
                return fail(10021, format!("the group ID is already used: {id}"));
            }
            id.to_string()
        }
        None => state.new_group_id(kind),
    };
    state.groups.insert(
        id.clone(),
        Group {
            id: id.clone(),
            kind,
            name,
            owner,
            support_topic,
            thread: Thread::default(),
            topics: Default::default(),
        },
    );
    let mut f = Map::new();
    f.insert("GroupId".into(), json!(id));
    ok(f)
}

fn create_topic(state: &mut State, m: &Map<String, Value>, _ctx: &Ctx) -> ApiResult {
    let name = match param(opt_str(m, "TopicName"), 10004)? {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => return fail(10004, "TopicName is required"),
    };
    let custom = param(opt_str(m, "TopicId"), 10004)?.map(str::to_string);
    let g = group_mut(state, m)?;
    if !(g.kind == GroupType::Community && g.support_topic) {
        return fail(
            10004,
            "topics exist only in communities created with SupportTopic = 1",
        );
    }
    let gid = g.id.clone();
    let id = match custom {
        Some(t) => {
            if !t.starts_with(&format!("{gid}@TOPIC#")) || t.len() > MAX_ID_BYTES * 2 {
                return fail(
                    10004,
                    format!("a custom TopicId must start with {gid}@TOPIC#"),
                );
            }
            t
        }
        None => state.new_topic_id(&gid),
    };
    let g = state
        .groups
        .get_mut(&gid)
        .ok_or((10010, "group vanished".to_string()))?;
    if g.topics.contains_key(&id) {
        return fail(10021, format!("the topic ID is already used: {id}"));
    }
    g.topics.insert(
        id.clone(),
        Topic {
            name,
            thread: Thread::default(),
        },
    );
    let mut f = Map::new();
    f.insert("TopicId".into(), json!(id));
    ok(f)
}

fn priority(s: Option<&str>) -> Result<u8, Failure> {
    match s {
        None | Some("Normal") => Ok(2),
        Some("High") => Ok(1),
        Some("Low") => Ok(3),
        Some("Lowest") => Ok(4),
        Some(other) => fail(
            10004,
            format!("MsgPriority must be High, Normal, Low or Lowest, not {other}"),
        ),
    }
}

fn send_group_msg(state: &mut State, m: &Map<String, Value>, ctx: &Ctx) -> ApiResult {
    let Some(random) = param(opt_u32(m, "Random"), 10004)? else {
        return fail(10004, "Random is required (u32)");
    };
    let body = param(msg_body(m), 10004)?;
    let from = param(opt_str(m, "From_Account"), 10004)?
        .unwrap_or(ctx.admin)
        .to_string();
    if !state.accounts.contains(&from) {
        return fail(10004, format!("From_Account is not imported: {from}"));
    }
    let prio = priority(param(opt_str(m, "MsgPriority"), 10004)?)?;
    let topic = param(opt_str(m, "TopicId"), 10004)?.map(str::to_string);
    let g = group_mut(state, m)?;
    thread_mut(g, topic.as_deref())?;
    let gid = g.id.clone();
    let seq = state
        .push_group_msg(
            &gid,
            topic.as_deref(),
            NewGroupMsg {
                from: &from,
                random,
                priority: prio,
                body,
                time: ctx.now,
            },
        )
        .ok_or((10002, "internal error".to_string()))?;
    let mut f = Map::new();
    f.insert("MsgTime".into(), json!(ctx.now));
    f.insert("MsgSeq".into(), json!(seq));
    ok(f)
}

// ---- group_open_http_svc: history and recall ----

fn group_msg_get_simple(state: &mut State, m: &Map<String, Value>, _ctx: &Ctx) -> ApiResult {
    let number = match param(opt_u64(m, "ReqMsgNumber"), 10004)? {
        Some(n) if n >= 1 => n,
        _ => return fail(10004, "ReqMsgNumber is required and must be at least 1"),
    };
    let req_seq = param(opt_u64(m, "ReqMsgSeq"), 10004)?;
    let with_recalled = param(opt_u64(m, "WithRecalledMsg"), 10004)?.unwrap_or(0) == 1;
    let topic = param(opt_str(m, "TopicId"), 10004)?.map(str::to_string);
    let g = group_mut(state, m)?;
    if !g.kind.stores_history() {
        return fail(10007, "AVChatRoom groups keep no message history");
    }
    let gid = g.id.clone();
    let thread = thread_mut(g, topic.as_deref())?;
    let take = number.min(MAX_HISTORY_PAGE);
    let mut seq = req_seq.unwrap_or(thread.last_seq).min(thread.last_seq);
    let mut list = Vec::new();
    while seq >= 1 && (list.len() as u64) < take {
        if let Some(msg) = thread.get_mut(seq) {
            if !msg.recalled {
                list.push(json!({
                    "From_Account": msg.from, "IsPlaceMsg": 0, "IsSystemMsg": 0, "MsgPriority": msg.priority,
                    "MsgRandom": msg.random, "MsgSeq": msg.seq, "MsgTimeStamp": msg.time, "MsgBody": msg.body,
                }));
            } else if with_recalled {
                // Recalled messages come back only on request, as placeholders: IsPlaceMsg 2.
                list.push(json!({
                    "From_Account": msg.from, "IsPlaceMsg": 2, "IsSystemMsg": 0, "MsgPriority": msg.priority,
                    "MsgRandom": msg.random, "MsgSeq": msg.seq, "MsgTimeStamp": msg.time, "MsgBody": [],
                }));
            }
        }
        seq -= 1;
    }
    let mut f = Map::new();
    f.insert("GroupId".into(), json!(gid));
    // 1: the requested range came back whole; 0: cut (more than 20 asked for).
    f.insert(
        "IsFinished".into(),
        json!(if number > take { 0 } else { 1 }),
    );
    f.insert("RspMsgList".into(), Value::Array(list));
    if let Some(t) = topic {
        f.insert("TopicId".into(), json!(t));
    }
    ok(f)
}

fn group_msg_recall(state: &mut State, m: &Map<String, Value>, ctx: &Ctx) -> ApiResult {
    let Some(Value::Array(items)) = m.get("MsgSeqList") else {
        return fail(
            10004,
            "MsgSeqList is required (an array of {\"MsgSeq\": n})",
        );
    };
    if items.is_empty() {
        return fail(10004, "MsgSeqList must not be empty");
    }
    if items.len() > MAX_RECALL_SEQS {
        return fail(
            10004,
            format!(
                "MsgSeqList holds {} entries; at most {MAX_RECALL_SEQS} per request",
                items.len()
            ),
        );
    }
    let mut seqs = Vec::with_capacity(items.len());
    for it in items {
        match it.get("MsgSeq").and_then(Value::as_u64) {
            Some(s) => seqs.push(s),
            None => {
                return fail(
                    10004,
                    "each MsgSeqList element needs MsgSeq (non-negative integer)",
                )
            }
        }
    }
    param(opt_str(m, "Reason"), 10004)?;
    let topic = param(opt_str(m, "TopicId"), 10004)?.map(str::to_string);
    let g = group_mut(state, m)?;
    let kind = g.kind;
    let gid = g.id.clone();
    let thread = thread_mut(g, topic.as_deref())?;
    let mut rets = Vec::with_capacity(seqs.len());
    let mut done = Vec::new();
    for s in seqs {
        let code = if !kind.stores_history() {
            // AVChatRoom (current page: allowed): nothing stored, so any sent seq recalls.
            if s >= 1 && s <= thread.last_seq {
                0
            } else {
                10030
            }
        } else {
            match thread.get_mut(s) {
                Some(msg) if !msg.recalled => {
                    msg.recalled = true;
                    0
                }
                // Already recalled or never sent: the message is not there to recall.
                _ => 10030,
            }
        };
        if code == 0 {
            done.push(s);
        }
        rets.push(json!({"MsgSeq": s, "RetCode": code}));
    }
    let event = (!done.is_empty()).then(|| Event::GroupRecall {
        operator: ctx.admin.to_string(),
        kind: kind.name(),
        group_id: gid,
        topic_id: topic,
        seqs: done,
        event_time_ms: ctx.now_ms,
    });
    let mut f = Map::new();
    f.insert("RecallRetList".into(), Value::Array(rets));
    Ok(Reply { fields: f, event })
}

fn delete_group_msg_by_sender(state: &mut State, m: &Map<String, Value>, ctx: &Ctx) -> ApiResult {
    let sender = match param(opt_str(m, "Sender_Account"), 10004)? {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => return fail(10004, "Sender_Account is required"),
    };
    let topic = param(opt_str(m, "TopicId"), 10004)?.map(str::to_string);
    let g = group_mut(state, m)?;
    let kind = g.kind;
    let gid = g.id.clone();
    let thread = thread_mut(g, topic.as_deref())?;
    if !kind.stores_history() {
        // AVChatRoom: no history storage, so no effect, and no error.
        return ok(Map::new());
    }
    let start = thread.msgs.len().saturating_sub(DELETE_BY_SENDER_WINDOW);
    let mut seqs = Vec::new();
    for msg in &mut thread.msgs[start..] {
        if msg.from == sender && !msg.recalled {
            msg.recalled = true;
            seqs.push(msg.seq);
        }
    }
    let event =
        (ctx.callback_on_delete_by_sender && !seqs.is_empty()).then(|| Event::GroupRecall {
            operator: ctx.admin.to_string(),
            kind: kind.name(),
            group_id: gid,
            topic_id: topic,
            seqs,
            event_time_ms: ctx.now_ms,
        });
    Ok(Reply {
        fields: Map::new(),
        event,
    })
}

// ---- openim ----

fn sendmsg(state: &mut State, m: &Map<String, Value>, ctx: &Ctx) -> ApiResult {
    let to = match param(opt_str(m, "To_Account"), 90003)? {
        Some(t) if state.accounts.contains(t) => t.to_string(),
        Some(t) => return fail(90003, format!("To_Account does not exist: {t}")),
        None => return fail(90003, "To_Account is required"),
    };
    let from = match param(opt_str(m, "From_Account"), 90008)? {
        Some(f) if state.accounts.contains(f) => f.to_string(),
        Some(f) => return fail(90008, format!("From_Account does not exist: {f}")),
        None => ctx.admin.to_string(),
    };
    let Some(random) = param(opt_u32(m, "MsgRandom"), 90005)? else {
        return fail(90005, "MsgRandom is required (u32)");
    };
    match param(opt_u64(m, "SyncOtherMachine"), 90001)? {
        None | Some(1) | Some(2) => {}
        Some(_) => return fail(90001, "SyncOtherMachine must be 1 or 2"),
    }
    let body = param(msg_body(m), 90007)?;
    let key = state.push_c2c_msg(&from, &to, random, body, ctx.now);
    let mut f = Map::new();
    f.insert("MsgTime".into(), json!(ctx.now));
    f.insert("MsgKey".into(), json!(key));
    ok(f)
}

/// `{n}_{n}_{n}`: three decimal numbers joined by `_`.
fn well_formed_key(k: &str) -> bool {
    let parts: Vec<&str> = k.split('_').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 20 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn admin_getroammsg(state: &mut State, m: &Map<String, Value>, _ctx: &Ctx) -> ApiResult {
    let op = match param(opt_str(m, "Operator_Account"), 90001)? {
        Some(a) if state.accounts.contains(a) => a.to_string(),
        Some(a) => return fail(90008, format!("Operator_Account does not exist: {a}")),
        None => return fail(90008, "Operator_Account is required"),
    };
    let peer = match param(opt_str(m, "Peer_Account"), 90001)? {
        Some(a) if state.accounts.contains(a) => a.to_string(),
        Some(a) => return fail(90003, format!("Peer_Account does not exist: {a}")),
        None => return fail(90003, "Peer_Account is required"),
    };
    let max_cnt = match param(opt_u64(m, "MaxCnt"), 90001)? {
        Some(n) if n >= 1 => n,
        _ => return fail(90001, "MaxCnt is required and must be at least 1"),
    };
    let (Some(min_t), Some(max_t)) = (
        param(opt_u64(m, "MinTime"), 90001)?,
        param(opt_u64(m, "MaxTime"), 90001)?,
    ) else {
        return fail(90001, "MinTime and MaxTime are required (Unix seconds)");
    };
    if min_t > max_t {
        return fail(90001, "MinTime must not be greater than MaxTime");
    }
    let last_key = param(opt_str(m, "LastMsgKey"), 90001)?;
    if let Some(k) = last_key {
        if !k.is_empty() && !well_formed_key(k) {
            return fail(90054, format!("invalid LastMsgKey: {k}"));
        }
    }
    let empty = Vec::new();
    let msgs = state.convs.get(&pair(&op, &peer)).unwrap_or(&empty);
    // Walk from the newest message in [MinTime, MaxTime] back in time; continue after LastMsgKey.
    let mut candidates = msgs
        .iter()
        .rev()
        .filter(|x| x.time >= min_t && x.time <= max_t)
        .peekable();
    if let Some(k) = last_key.filter(|k| !k.is_empty()) {
        if msgs
            .iter()
            .any(|x| x.key == k && x.time >= min_t && x.time <= max_t)
        {
            for x in candidates.by_ref() {
                if x.key == k {
                    break;
                }
            }
        }
    }
    let mut list = Vec::new();
    let mut bytes = 0usize;
    let mut last: Option<(u64, String)> = None;
    while let Some(x) = candidates.peek() {
        if list.len() as u64 >= max_cnt {
            break;
        }
        let item = json!({
            "From_Account": x.from, "To_Account": x.to, "MsgSeq": x.seq, "MsgRandom": x.random,
            "MsgTimeStamp": x.time, "MsgFlagBits": if x.recalled { 8 } else { 0 }, "IsPeerRead": 0,
            "MsgKey": x.key, "MsgBody": if x.recalled { json!([]) } else { x.body.clone() },
        });
        let size = item.to_string().len();
        if !list.is_empty() && bytes + size > ROAM_PAGE_BYTES {
            break;
        }
        bytes += size;
        last = Some((x.time, x.key.clone()));
        list.push(item);
        candidates.next();
    }
    let complete = candidates.peek().is_none();
    let mut f = Map::new();
    f.insert("Complete".into(), json!(if complete { 1 } else { 0 }));
    f.insert("MsgCnt".into(), json!(list.len()));
    let (lt, lk) = last.unwrap_or((0, String::new()));
    f.insert("LastMsgTime".into(), json!(lt));
    f.insert("LastMsgKey".into(), json!(lk));
    f.insert("MsgList".into(), Value::Array(list));
    ok(f)
}

fn admin_msgwithdraw(state: &mut State, m: &Map<String, Value>, ctx: &Ctx) -> ApiResult {
    let from = match param(opt_str(m, "From_Account"), 90008)? {
        Some(a) if state.accounts.contains(a) => a.to_string(),
        Some(a) => return fail(90008, format!("From_Account does not exist: {a}")),
        None => return fail(90008, "From_Account is required"),
    };
    let to = match param(opt_str(m, "To_Account"), 90003)? {
        Some(a) if state.accounts.contains(a) => a.to_string(),
        Some(a) => return fail(90003, format!("To_Account does not exist: {a}")),
        None => return fail(90003, "To_Account is required"),
    };
    let key = match param(opt_str(m, "MsgKey"), 90054)? {
        Some(k) if well_formed_key(k) => k.to_string(),
        Some(k) => return fail(90054, format!("invalid MsgKey: {k}")),
        None => return fail(90054, "MsgKey is required"),
    };
    let Some(msg) = state.c2c_by_key_mut(&key) else {
        return fail(20022, "the message to recall does not exist");
    };
    if msg.from != from || msg.to != to {
        return fail(
            20022,
            "the message to recall does not exist between these accounts",
        );
    }
    if msg.recalled {
        return fail(20023, "the message has been recalled");
    }
    msg.recalled = true;
    let event = Some(Event::C2cWithdraw {
        from,
        to,
        key,
        event_time_ms: ctx.now_ms,
    });
    Ok(Reply {
        fields: Map::new(),
        event,
    })
}
