//! What the emulated service remembers: accounts, groups (every type, Community topics),
//! group messages with per-group/per-topic MsgSeq, one-to-one messages with MsgKeys, and
//! recall marks.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::rng::SplitMix;

/// The preset group types (Work = Private, Meeting = ChatRoom in the newer naming).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupType {
    Private,
    Public,
    ChatRoom,
    AVChatRoom,
    Community,
}

impl GroupType {
    pub fn parse(s: &str) -> Option<GroupType> {
        match s {
            "Private" | "Work" => Some(GroupType::Private),
            "Public" => Some(GroupType::Public),
            "ChatRoom" | "Meeting" => Some(GroupType::ChatRoom),
            "AVChatRoom" => Some(GroupType::AVChatRoom),
            "Community" => Some(GroupType::Community),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            GroupType::Private => "Private",
            GroupType::Public => "Public",
            GroupType::ChatRoom => "ChatRoom",
            GroupType::AVChatRoom => "AVChatRoom",
            GroupType::Community => "Community",
        }
    }
    /// AVChatRoom keeps no history (pages: group_msg_get_simple, delete_group_msg_by_sender).
    pub fn stores_history(self) -> bool {
        self != GroupType::AVChatRoom
    }
}

#[derive(Clone, Debug)]
pub struct GroupMsg {
    pub seq: u64,
    pub from: String,
    pub random: u32,
    pub time: u64,
    /// 1 High, 2 Normal, 3 Low, 4 Lowest.
    pub priority: u8,
    pub body: Value,
    pub recalled: bool,
}

/// One message stream: a group's, or one topic's. Seqs start at 1 and are contiguous, so
/// message `seq` lives at index `seq - 1` (history-less groups keep `last_seq` only).
#[derive(Clone, Debug, Default)]
pub struct Thread {
    pub msgs: Vec<GroupMsg>,
    pub last_seq: u64,
}

impl Thread {
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut GroupMsg> {
        let i = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.msgs.get_mut(i)
    }
}

#[derive(Clone, Debug)]
#[allow(dead_code)] // kept for fidelity (profiles), not read yet
pub struct Topic {
    pub name: String,
    pub thread: Thread,
}

#[derive(Clone, Debug)]
#[allow(dead_code)] // name/owner kept for fidelity, not read yet
pub struct Group {
    pub id: String,
    pub kind: GroupType,
    pub name: String,
    pub owner: Option<String>,
    pub support_topic: bool,
    pub thread: Thread,
    pub topics: HashMap<String, Topic>,
}

#[derive(Clone, Debug)]
pub struct C2cMsg {
    pub from: String,
    pub to: String,
    pub seq: u32,
    pub random: u32,
    pub time: u64,
    pub key: String,
    pub body: Value,
    pub recalled: bool,
}

#[derive(Debug)]
pub struct State {
    pub accounts: HashSet<String>,
    pub groups: HashMap<String, Group>,
    /// Conversations keyed by the ordered pair of accounts; messages in send order.
    pub convs: HashMap<(String, String), Vec<C2cMsg>>,
    /// MsgKey -> (conversation, index).
    pub keys: HashMap<String, ((String, String), usize)>,
    c2c_seq: u32,
    rng: SplitMix,
}

/// A group message about to be sent: the service assigns its seq.
pub struct NewGroupMsg<'a> {
    pub from: &'a str,
    pub random: u32,
    pub priority: u8,
    pub body: Value,
    pub time: u64,
}

pub fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl State {
    pub fn new(seed: u64, admin: &str) -> State {
        let mut rng = SplitMix::new(seed ^ 0x5EE_D0F5_7A7E);
        let c2c_seq = 100_000 + (rng.next_u32() % 900_000);
        let mut accounts = HashSet::new();
        accounts.insert(admin.to_string());
        State {
            accounts,
            groups: HashMap::new(),
            convs: HashMap::new(),
            keys: HashMap::new(),
            c2c_seq,
            rng,
        }
    }

    /// Ids shaped like the service's: `@TGS#2J4SZEAEL`; Community ids start `@TGS#_`.
    pub fn new_group_id(&mut self, kind: GroupType) -> String {
        const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        loop {
            let mut id = String::from(if kind == GroupType::Community {
                "@TGS#_"
            } else {
                "@TGS#"
            });
            id.push(char::from(b'1' + self.rng.below(3) as u8));
            for _ in 0..8 {
                id.push(char::from(
                    ALPHA[self.rng.below(ALPHA.len() as u64) as usize],
                ));
            }
            if !self.groups.contains_key(&id) {
                return id;
            }
        }
    }

    /// Topic ids look like `@TGS#_xxx@TOPIC#yyy` (group id + `@TOPIC#` + suffix).
    pub fn new_topic_id(&mut self, group_id: &str) -> String {
        const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut id = format!("{group_id}@TOPIC#");
        for _ in 0..10 {
            id.push(char::from(
                ALPHA[self.rng.below(ALPHA.len() as u64) as usize],
            ));
        }
        id
    }

    /// Append a group message to a group (or one of its topics) and return its seq.
    pub fn push_group_msg(
        &mut self,
        group_id: &str,
        topic: Option<&str>,
        msg: NewGroupMsg<'_>,
    ) -> Option<u64> {
        let g = self.groups.get_mut(group_id)?;
        let stores = g.kind.stores_history();
        let thread = match topic {
            Some(t) => &mut g.topics.get_mut(t)?.thread,
            None => &mut g.thread,
        };
        thread.last_seq += 1;
        let seq = thread.last_seq;
        if stores {
            thread.msgs.push(GroupMsg {
                seq,
                from: msg.from.to_string(),
                random: msg.random,
                time: msg.time,
                priority: msg.priority,
                body: msg.body,
                recalled: false,
            });
        }
        Some(seq)
    }

    /// Append a one-to-one message; the MsgKey is `{MsgSeq}_{MsgRandom}_{MsgTimeStamp}`.
    pub fn push_c2c_msg(
        &mut self,
        from: &str,
        to: &str,
        random: u32,
        body: Value,
        now: u64,
    ) -> String {
        self.c2c_seq = self.c2c_seq.wrapping_add(1 + self.rng.below(7) as u32);
        let seq = self.c2c_seq;
        let key = format!("{seq}_{random}_{now}");
        let conv = pair(from, to);
        let list = self.convs.entry(conv.clone()).or_default();
        list.push(C2cMsg {
            from: from.to_string(),
            to: to.to_string(),
            seq,
            random,
            time: now,
            key: key.clone(),
            body,
            recalled: false,
        });
        self.keys.insert(key.clone(), (conv, list.len() - 1));
        key
    }

    pub fn c2c_by_key_mut(&mut self, key: &str) -> Option<&mut C2cMsg> {
        let (conv, i) = self.keys.get(key)?;
        self.convs.get_mut(conv)?.get_mut(*i)
    }

    pub fn message_count(&self) -> (usize, usize) {
        let g = self
            .groups
            .values()
            .map(|g| {
                g.thread.msgs.len()
                    + g.topics
                        .values()
                        .map(|t| t.thread.msgs.len())
                        .sum::<usize>()
            })
            .sum();
        let c = self.convs.values().map(|v| v.len()).sum();
        (g, c)
    }
}
