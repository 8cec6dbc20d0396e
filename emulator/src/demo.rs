//! `--seed-demo`: accounts, one group of every type (a Community with two topics) and a few
//! hundred group and one-to-one messages, created through the same handlers as the REST API.

use serde_json::{json, Value};

use crate::api::{self, Ctx};
use crate::rng::SplitMix;
use crate::state::{NewGroupMsg, State};

pub const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];
pub const COMMUNITY: &str = "@TGS#_demo-community";
pub const TOPICS: [&str; 2] = [
    "@TGS#_demo-community@TOPIC#general",
    "@TGS#_demo-community@TOPIC#offtopic",
];
/// (GroupId, Type, messages).
pub const GROUPS: [(&str, &str, usize); 5] = [
    ("demo-private", "Private", 40),
    ("demo-public", "Public", 60),
    ("demo-chatroom", "ChatRoom", 40),
    ("demo-avchatroom", "AVChatRoom", 30),
    (COMMUNITY, "Community", 10),
];
pub const TOPIC_MESSAGES: usize = 30;
/// One-to-one conversations and their message counts.
pub const CONVERSATIONS: [(&str, &str, usize); 3] = [
    ("alice", "bob", 40),
    ("alice", "carol", 30),
    ("bob", "dave", 30),
];

fn call(
    state: &mut State,
    path: &str,
    body: Value,
    admin: &str,
    now: u64,
) -> Result<Value, String> {
    let ctx = Ctx {
        admin,
        now,
        now_ms: now * 1000,
        callback_on_delete_by_sender: false,
    };
    match api::handle(state, path, body.to_string().as_bytes(), &ctx) {
        Some(Ok(r)) => Ok(Value::Object(r.fields)),
        Some(Err((code, info))) => Err(format!("{path}: {code} {info}")),
        None => Err(format!("{path}: unknown")),
    }
}

fn text(n: usize, place: &str, rng: &mut SplitMix) -> Value {
    const WORDS: [&str; 12] = [
        "hello", "lunch", "deploy", "review", "coffee", "ship", "bug", "demo", "thanks", "later",
        "meeting", "recall",
    ];
    let a = WORDS[rng.below(WORDS.len() as u64) as usize];
    let b = WORDS[rng.below(WORDS.len() as u64) as usize];
    json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": format!("#{n} in {place}: {a} {b}")}}])
}

/// Seed the demo; messages are spread over the hour before `now`, oldest first.
pub fn seed(state: &mut State, admin: &str, now: u64, seed: u64) -> Result<(usize, usize), String> {
    let mut rng = SplitMix::new(seed ^ 0xDE30);
    for u in USERS {
        call(
            state,
            "im_open_login_svc/account_import",
            json!({"UserID": u, "Nick": u}),
            admin,
            now,
        )?;
    }
    for (id, kind, _) in GROUPS {
        let mut body = json!({"Owner_Account": "alice", "Type": kind, "Name": format!("Demo {kind}"), "GroupId": id});
        if kind == "Community" {
            body["SupportTopic"] = json!(1);
        }
        call(state, "group_open_http_svc/create_group", body, admin, now)?;
    }
    for (i, t) in TOPICS.iter().enumerate() {
        call(
            state,
            "million_group_open_http_svc/create_topic",
            json!({"GroupId": COMMUNITY, "TopicName": format!("topic {i}"), "TopicId": t}),
            admin,
            now,
        )?;
    }
    let mut t = now.saturating_sub(3600);
    let send_group = |state: &mut State,
                      rng: &mut SplitMix,
                      gid: &str,
                      topic: Option<&str>,
                      n: usize,
                      t: &mut u64|
     -> Result<(), String> {
        for k in 1..=n {
            let from = USERS[rng.below(USERS.len() as u64) as usize];
            let mut body = json!({"GroupId": gid, "Random": rng.next_u32(), "From_Account": from, "MsgBody": text(k, topic.unwrap_or(gid), rng)});
            if let Some(tp) = topic {
                body["TopicId"] = json!(tp);
            }
            *t += 1 + rng.below(5);
            call(
                state,
                "group_open_http_svc/send_group_msg",
                body,
                admin,
                (*t).min(now),
            )?;
        }
        Ok(())
    };
    for (id, _, n) in GROUPS {
        send_group(state, &mut rng, id, None, n, &mut t)?;
    }
    for tp in TOPICS {
        send_group(state, &mut rng, COMMUNITY, Some(tp), TOPIC_MESSAGES, &mut t)?;
    }
    for (a, b, n) in CONVERSATIONS {
        for k in 1..=n {
            let (from, to) = if rng.below(2) == 0 { (a, b) } else { (b, a) };
            let body = json!({"SyncOtherMachine": 1, "From_Account": from, "To_Account": to, "MsgRandom": rng.next_u32(), "MsgBody": text(k, &format!("{a}-{b}"), &mut rng)});
            t += 1 + rng.below(5);
            call(state, "openim/sendmsg", body, admin, t.min(now))?;
        }
    }
    Ok(state.message_count())
}

/// The senders of `--seed-group` messages.
pub const BULK_SENDERS: [&str; 4] = ["seed-user-1", "seed-user-2", "seed-user-3", "seed-user-4"];

/// `--seed-group ID:TYPE:COUNT`: create the group through the create_group handler (so ids
/// are checked as the service checks them), then append COUNT messages directly to its
/// thread (MsgSeq 1..=COUNT, one per second up to `now`), without per-message JSON parsing.
pub fn seed_group(
    state: &mut State,
    g: &crate::config::SeedGroup,
    admin: &str,
    now: u64,
    seed: u64,
) -> Result<(), String> {
    for u in BULK_SENDERS {
        if !state.accounts.contains(u) {
            call(
                state,
                "im_open_login_svc/account_import",
                json!({"UserID": u, "Nick": u}),
                admin,
                now,
            )?;
        }
    }
    let mut body = json!({"Owner_Account": BULK_SENDERS[0], "Type": g.kind, "Name": format!("Bulk {}", g.kind), "GroupId": g.id});
    if g.kind == "Community" {
        body["SupportTopic"] = json!(0);
    }
    call(state, "group_open_http_svc/create_group", body, admin, now)
        .map_err(|e| format!("--seed-group {}: {e}", g.id))?;
    let mut rng = SplitMix::new(seed ^ 0xB01C ^ g.count);
    let start = now.saturating_sub(g.count);
    for k in 1..=g.count {
        let from = BULK_SENDERS[(k % BULK_SENDERS.len() as u64) as usize];
        let body =
            json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": format!("bulk #{k}")}}]);
        let seq = state
            .push_group_msg(
                &g.id,
                None,
                NewGroupMsg {
                    from,
                    random: rng.next_u32(),
                    priority: 2,
                    body,
                    time: (start + k).min(now),
                },
            )
            .ok_or("--seed-group: group vanished")?;
        debug_assert_eq!(seq, k);
    }
    Ok(())
}
