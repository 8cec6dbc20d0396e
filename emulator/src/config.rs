//! Command line.

use std::net::SocketAddr;

use chat_recall_core::limits::SdkAppId;

use crate::faults::FaultKind;

pub const USAGE: &str = "chat-recall-emulator: a local stand-in for the Tencent Cloud Chat REST API

Options (defaults in brackets):
  --listen ADDR           address to bind [127.0.0.1:9000]; port 0 picks a free port
  --sdkappid N            the app's SDKAppID [1400000000]
  --admin ID              the app admin account [administrator]
  --secret-key KEY        the app's secret key [random per run; see --print-secret]
  --rate-limit N          calls per second per API; 0 = unlimited [200]
  --callback-url URL      http:// URL for recall webhooks [none]
  --callback-token TOKEN  webhook auth token: adds Sign and RequestTime [none]
  --callback-on-delete-by-sender  also fire Group.CallbackAfterRecallMsg for delete_group_msg_by_sender
  --latency-ms N          added to every /v4 response [0]
  --fault-rate P          probability in 0..=1 of a fault per /v4 request [0]
  --fault-kinds LIST      comma list of 502,internal,drop,truncate,slow [all]
  --slow-ms N             delay of a `slow` fault [3000]
  --header-timeout-ms N   close a connection whose request head is not complete N ms after
                          it was due (half-sent or idle keep-alive) [30000]
  --seed N                PRNG seed for ids, demo data and faults [1]
  --seed-demo             create demo accounts, groups and messages
  --seed-group ID:TYPE:COUNT  create group ID (Private|Public|ChatRoom|AVChatRoom|Community,
                          or Work/Meeting) holding COUNT messages, MsgSeq 1..=COUNT, from
                          senders seed-user-1..4, at start-up without the API's rate limit;
                          repeatable (bulk data for benchmarks and tests)
  --print-usersig         print `usersig <UserSig>` for the admin to stderr at start
  --usersig-expire SECS   lifetime of the printed UserSig [86400]
  --print-secret          print `secret-key <KEY>` to stderr at start
  --log LEVEL             `debug` logs one line per request to stderr [off]; env CHAT_RECALL_EMULATOR_LOG
  --help                  this text
Prints exactly one line `listening on http://ADDR:PORT` to stdout when ready.";

/// `--seed-group ID:TYPE:COUNT`.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedGroup {
    pub id: String,
    pub kind: String,
    pub count: u64,
}

/// Most messages one `--seed-group` may create (about 300 bytes each in memory).
pub const MAX_SEED_MESSAGES: u64 = 5_000_000;

impl SeedGroup {
    /// Split from the right, so a group id may itself contain `:`.
    pub fn parse(v: &str) -> Result<SeedGroup, String> {
        let mut parts = v.rsplitn(3, ':');
        let (Some(count), Some(kind), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("--seed-group must be ID:TYPE:COUNT, not {v}"));
        };
        let count = count
            .parse::<u64>()
            .map_err(|_| format!("--seed-group: COUNT is not a number: {count}"))?;
        if count > MAX_SEED_MESSAGES {
            return Err(format!(
                "--seed-group: COUNT must be at most {MAX_SEED_MESSAGES}"
            ));
        }
        if crate::state::GroupType::parse(kind).is_none() {
            return Err(format!("--seed-group: unknown TYPE {kind} (Private, Public, ChatRoom, AVChatRoom, Community)"));
        }
        if id.is_empty() {
            return Err("--seed-group: ID is empty".into());
        }
        Ok(SeedGroup {
            id: id.to_string(),
            kind: kind.to_string(),
            count,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub sdk_app_id: u64,
    pub admin: String,
    pub secret_key: String,
    pub rate_limit: u32,
    pub callback_url: Option<String>,
    pub callback_token: Option<String>,
    pub callback_on_delete_by_sender: bool,
    pub latency_ms: u64,
    pub fault_rate: f64,
    pub fault_kinds: Vec<FaultKind>,
    pub slow_ms: u64,
    /// How long a connection may take to send a complete request head, counted from the
    /// connection's start or the end of the previous answer (hyper's header read timeout).
    pub header_timeout_ms: u64,
    pub seed: u64,
    pub seed_demo: bool,
    pub seed_groups: Vec<SeedGroup>,
    pub print_usersig: bool,
    pub usersig_expire: u64,
    pub print_secret: bool,
    pub debug_log: bool,
}

impl Config {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Config>, String> {
        let mut c = Config {
            listen: "127.0.0.1:9000"
                .parse()
                .map_err(|_| "bad default address")?,
            sdk_app_id: 1_400_000_000,
            admin: "administrator".into(),
            secret_key: String::new(),
            rate_limit: 200,
            callback_url: None,
            callback_token: None,
            callback_on_delete_by_sender: false,
            latency_ms: 0,
            fault_rate: 0.0,
            fault_kinds: FaultKind::ALL.to_vec(),
            slow_ms: 3000,
            // Generous for idle keep-alive connections: at 5 s, workerd's pooled connections
            // were closed under it and re-opened in bursts that crowded one second's arrivals.
            header_timeout_ms: 30_000,
            seed: 1,
            seed_demo: false,
            seed_groups: Vec::new(),
            print_usersig: false,
            usersig_expire: 86_400,
            print_secret: false,
            debug_log: std::env::var("CHAT_RECALL_EMULATOR_LOG")
                .is_ok_and(|v| v.eq_ignore_ascii_case("debug")),
        };
        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (flag.clone(), None),
            };
            let mut value = |n: &str| {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .ok_or_else(|| format!("{n} needs a value"))
            };
            let num = |n: &str, v: String| {
                v.parse::<u64>()
                    .map_err(|_| format!("{n}: not a number: {v}"))
            };
            match name.as_str() {
                "--help" | "-h" => return Ok(None),
                "--listen" => {
                    let v = value(&name)?;
                    c.listen = v
                        .parse()
                        .map_err(|_| format!("--listen: not an IP:PORT address: {v}"))?;
                }
                "--sdkappid" => {
                    c.sdk_app_id = num(&name, value(&name)?)?;
                    if SdkAppId::new(c.sdk_app_id).is_err() {
                        return Err(format!(
                            "--sdkappid must be in {}..={}",
                            SdkAppId::MIN,
                            SdkAppId::MAX
                        ));
                    }
                }
                "--admin" => c.admin = value(&name)?,
                "--secret-key" => c.secret_key = value(&name)?,
                "--rate-limit" => {
                    c.rate_limit = u32::try_from(num(&name, value(&name)?)?)
                        .map_err(|_| "--rate-limit too large")?
                }
                "--callback-url" => {
                    let v = value(&name)?;
                    if !v.starts_with("http://") {
                        return Err("--callback-url must be an http:// URL".into());
                    }
                    c.callback_url = Some(v);
                }
                "--callback-token" => c.callback_token = Some(value(&name)?),
                "--callback-on-delete-by-sender" => c.callback_on_delete_by_sender = true,
                "--latency-ms" => c.latency_ms = num(&name, value(&name)?)?,
                "--fault-rate" => {
                    let v = value(&name)?;
                    c.fault_rate = v
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| format!("--fault-rate must be in 0..=1: {v}"))?;
                }
                "--fault-kinds" => {
                    let v = value(&name)?;
                    c.fault_kinds = v
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| {
                            FaultKind::parse(s.trim())
                                .ok_or_else(|| format!("--fault-kinds: unknown kind {s}"))
                        })
                        .collect::<Result<_, _>>()?;
                    if c.fault_kinds.is_empty() {
                        return Err("--fault-kinds is empty".into());
                    }
                }
                "--slow-ms" => c.slow_ms = num(&name, value(&name)?)?,
                "--header-timeout-ms" => {
                    c.header_timeout_ms = num(&name, value(&name)?)?;
                    if !(1..=3_600_000).contains(&c.header_timeout_ms) {
                        return Err("--header-timeout-ms must be in 1..=3600000".into());
                    }
                }
                "--seed" => c.seed = num(&name, value(&name)?)?,
                "--seed-demo" => c.seed_demo = true,
                "--seed-group" => c.seed_groups.push(SeedGroup::parse(&value(&name)?)?),
                "--print-usersig" => c.print_usersig = true,
                "--usersig-expire" => c.usersig_expire = num(&name, value(&name)?)?.max(1),
                "--print-secret" => c.print_secret = true,
                "--log" => c.debug_log = value(&name)?.eq_ignore_ascii_case("debug"),
                other => return Err(format!("unknown option {other} (see --help)")),
            }
        }
        if c.admin.is_empty() || c.admin.len() > 32 {
            return Err("--admin must be 1..=32 bytes".into());
        }
        if c.secret_key.is_empty() {
            // Unpredictable per run unless given: never a well-known default key.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            let a = crate::rng::mix(t ^ u64::from(std::process::id()));
            let b = crate::rng::mix(a ^ c.seed);
            c.secret_key = format!(
                "{a:016x}{b:016x}{:016x}{:016x}",
                crate::rng::mix(b),
                crate::rng::mix(a ^ b)
            );
        }
        Ok(Some(c))
    }
}
