//! Request statistics for benchmarks and tests (`GET /_emulator/stats`), and the per-API
//! per-second rate limiter.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{json, Map, Value};

/// Raw arrival times kept per API (beyond this only counters and the histogram grow).
const MAX_ARRIVALS: usize = 200_000;

#[derive(Default, Debug)]
pub struct ApiStats {
    pub requests: u64,
    pub rate_limited: u64,
    pub faults: BTreeMap<&'static str, u64>,
    pub codes: BTreeMap<i64, u64>,
    /// Requests whose query had no `random`, or one that is not a u32.
    pub random_invalid: u64,
    /// Requests refused by the common checks (sdkappid, identifier, UserSig, random,
    /// contenttype, admin), by ErrorCode; a subset of `codes`.
    pub auth_rejections: BTreeMap<i64, u64>,
    pub first_ms: Option<u64>,
    pub last_ms: Option<u64>,
    pub per_second: BTreeMap<u64, u64>,
    pub arrivals: Vec<u64>,
}

#[derive(Default, Debug)]
pub struct Stats {
    /// Keyed by [`crate::api::bucket`]: one entry per known command plus `other`, so the
    /// stats stay small however many distinct paths arrive.
    pub apis: HashMap<&'static str, ApiStats>,
    pub webhooks_sent: u64,
    pub webhooks_ok: u64,
    pub webhooks_failed: u64,
}

/// The largest number of arrivals in any window [t, t + 1000 ms) (arrivals sorted).
pub fn max_in_window(sorted: &[u64], window_ms: u64) -> usize {
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..sorted.len() {
        while sorted[hi] - sorted[lo] >= window_ms {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

impl Stats {
    pub fn arrival(&mut self, api: &'static str, now_ms: u64) {
        let s = self.apis.entry(api).or_default();
        s.requests += 1;
        s.first_ms.get_or_insert(now_ms);
        s.last_ms = Some(now_ms);
        *s.per_second.entry(now_ms / 1000).or_default() += 1;
        if s.arrivals.len() < MAX_ARRIVALS {
            s.arrivals.push(now_ms);
        }
    }

    pub fn api(&mut self, api: &'static str) -> &mut ApiStats {
        self.apis.entry(api).or_default()
    }

    pub fn to_json(&self, with_arrivals: bool) -> Value {
        let mut apis = Map::new();
        let (mut total, mut limited) = (0, 0);
        for (name, s) in &self.apis {
            total += s.requests;
            limited += s.rate_limited;
            let mut sorted = s.arrivals.clone();
            sorted.sort_unstable();
            let mut o = json!({
                "requests": s.requests,
                "rate_limited": s.rate_limited,
                "faults": s.faults,
                "error_codes": s.codes.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<String, Value>>(),
                "auth_rejections": s.auth_rejections.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<String, Value>>(),
                "random_invalid": s.random_invalid,
                "first_arrival_ms": s.first_ms,
                "last_arrival_ms": s.last_ms,
                "per_second": s.per_second.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "max_arrivals_in_any_1s": max_in_window(&sorted, 1000),
            });
            if with_arrivals {
                o["arrivals_ms"] = json!(sorted);
            }
            apis.insert(name.to_string(), o);
        }
        json!({
            "apis": apis,
            "total_requests": total,
            "total_rate_limited": limited,
            "webhooks": {"sent": self.webhooks_sent, "ok": self.webhooks_ok, "failed": self.webhooks_failed},
        })
    }
}

/// Most request records kept by `GET /_emulator/requests` (oldest dropped first).
pub const REQUEST_LOG_CAP: usize = 20_000;
/// Longest query string kept per record (longer ones are cut, with `query_truncated`).
const MAX_LOGGED_QUERY: usize = 4096;
/// Longest command path kept per record: paths are outside input, the ring must stay small.
const MAX_LOGGED_API: usize = 256;

/// `s` cut to at most `max` bytes on a char boundary, and whether it was cut.
fn cut(s: &str, max: usize) -> (&str, bool) {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], end < s.len())
}

/// One `/v4` request as it arrived: for tests that check what a client actually sent.
#[derive(Debug, Clone, Default)]
pub struct RequestRecord {
    pub api: String,
    pub arrival_ms: u64,
    pub method: String,
    pub query: String,
    pub query_truncated: bool,
    /// `random` parsed as a u32, `None` when missing or not a u32.
    pub random: Option<u32>,
    /// The common checks' verdict: 0 passed, else the ErrorCode of the rejection.
    pub auth_code: i64,
    /// The UserSig's verdict: `None` when an earlier check failed before it was looked at.
    pub usersig_ok: Option<bool>,
    /// The answer's ErrorCode; `None` when there was no JSON answer (502, dropped).
    pub error_code: Option<i64>,
    /// The HTTP status; `None` when the connection was dropped.
    pub status: Option<u16>,
    pub fault: Option<&'static str>,
}

impl RequestRecord {
    pub fn new(api: &str, arrival_ms: u64, method: &str, query: &str) -> RequestRecord {
        let (query, query_truncated) = cut(query, MAX_LOGGED_QUERY);
        RequestRecord {
            api: cut(api, MAX_LOGGED_API).0.to_string(),
            arrival_ms,
            method: method.to_string(),
            query: query.to_string(),
            query_truncated,
            random: None,
            auth_code: 0,
            usersig_ok: None,
            error_code: None,
            status: None,
            fault: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let params: Map<String, Value> = chat_recall_core::endpoint::parse_query(&self.query)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        json!({
            "api": self.api,
            "arrival_ms": self.arrival_ms,
            "method": self.method,
            "query": self.query,
            "query_truncated": self.query_truncated,
            "params": params,
            "random": self.random,
            "auth_code": self.auth_code,
            "usersig_ok": self.usersig_ok,
            "error_code": self.error_code,
            "status": self.status,
            "fault": self.fault,
        })
    }
}

/// A ring of the last `REQUEST_LOG_CAP` request records, bounded memory.
#[derive(Debug, Default)]
pub struct RequestLog {
    ring: VecDeque<RequestRecord>,
    pub dropped: u64,
}

impl RequestLog {
    pub fn push(&mut self, r: RequestRecord) {
        if self.ring.len() >= REQUEST_LOG_CAP {
            self.ring.pop_front();
            self.dropped += 1;
        }
        self.ring.push_back(r);
    }

    /// The last `limit` records for `api` (all APIs when `None`), oldest first by arrival.
    pub fn to_json(&self, api: Option<&str>, limit: usize, since_ms: u64) -> Value {
        let mut picked: Vec<&RequestRecord> = self
            .ring
            .iter()
            .rev()
            .filter(|r| api.is_none_or(|a| r.api == a) && r.arrival_ms >= since_ms)
            .take(limit)
            .collect();
        picked.reverse();
        picked.sort_by_key(|r| r.arrival_ms);
        json!({
            "capacity": REQUEST_LOG_CAP,
            "evicted": self.dropped,
            "count": picked.len(),
            "requests": picked.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        })
    }
}

/// Sliding one-second window per API: a call is admitted when fewer than `limit` calls were
/// admitted in the last 1000 ms. Stricter than a fixed per-second window, so a client that
/// passes here also passes a fixed-window server.
#[derive(Default, Debug)]
pub struct Limiter {
    /// Keyed by [`crate::api::bucket`], bounded like [`Stats::apis`].
    windows: HashMap<&'static str, VecDeque<u64>>,
}

impl Limiter {
    pub fn admit(&mut self, api: &'static str, now_ms: u64, limit: u32) -> bool {
        if limit == 0 {
            return true;
        }
        let w = self.windows.entry(api).or_default();
        while w.front().is_some_and(|&t| now_ms.saturating_sub(t) >= 1000) {
            w.pop_front();
        }
        if w.len() >= limit as usize {
            return false;
        }
        w.push_back(now_ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_math() {
        assert_eq!(max_in_window(&[], 1000), 0);
        assert_eq!(max_in_window(&[0, 500, 999, 1000, 1999], 1000), 3);
        let mut l = Limiter::default();
        assert!(l.admit("a", 0, 2));
        assert!(l.admit("a", 10, 2));
        assert!(!l.admit("a", 999, 2));
        assert!(l.admit("b", 999, 2));
        assert!(l.admit("a", 1000, 2));
        assert!(l.admit("a", 1010, 2));
        assert!(!l.admit("a", 1500, 2));
        assert!(l.admit("a", 1500, 0));
    }

    #[test]
    fn request_log_is_a_bounded_ring() {
        let mut log = RequestLog::default();
        for i in 0..(REQUEST_LOG_CAP as u64 + 5) {
            log.push(RequestRecord::new(
                if i % 2 == 0 { "a" } else { "b" },
                i,
                "POST",
                &"q".repeat(5000),
            ));
        }
        let all = log.to_json(None, usize::MAX, 0);
        assert_eq!(all["count"], REQUEST_LOG_CAP);
        assert_eq!(all["evicted"], 5);
        assert_eq!(all["requests"][0]["arrival_ms"], 5);
        assert_eq!(all["requests"][0]["query_truncated"], true);
        assert_eq!(
            all["requests"][0]["query"].as_str().unwrap().len(),
            MAX_LOGGED_QUERY
        );
        let a = log.to_json(Some("a"), 3, 0);
        let t: Vec<u64> = a["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["arrival_ms"].as_u64().unwrap())
            .collect();
        let last = REQUEST_LOG_CAP as u64 + 4;
        assert_eq!(t, vec![last - 4, last - 2, last]);
        assert_eq!(log.to_json(None, usize::MAX, last - 1)["count"], 2);
    }
}
