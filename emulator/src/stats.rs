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
    pub first_ms: Option<u64>,
    pub last_ms: Option<u64>,
    pub per_second: BTreeMap<u64, u64>,
    pub arrivals: Vec<u64>,
}

#[derive(Default, Debug)]
pub struct Stats {
    pub apis: HashMap<String, ApiStats>,
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
    pub fn arrival(&mut self, api: &str, now_ms: u64) {
        let s = self.apis.entry(api.to_string()).or_default();
        s.requests += 1;
        s.first_ms.get_or_insert(now_ms);
        s.last_ms = Some(now_ms);
        *s.per_second.entry(now_ms / 1000).or_default() += 1;
        if s.arrivals.len() < MAX_ARRIVALS {
            s.arrivals.push(now_ms);
        }
    }

    pub fn api(&mut self, api: &str) -> &mut ApiStats {
        self.apis.entry(api.to_string()).or_default()
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
                "first_arrival_ms": s.first_ms,
                "last_arrival_ms": s.last_ms,
                "per_second": s.per_second.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "max_arrivals_in_any_1s": max_in_window(&sorted, 1000),
            });
            if with_arrivals {
                o["arrivals_ms"] = json!(sorted);
            }
            apis.insert(name.clone(), o);
        }
        json!({
            "apis": apis,
            "total_requests": total,
            "total_rate_limited": limited,
            "webhooks": {"sent": self.webhooks_sent, "ok": self.webhooks_ok, "failed": self.webhooks_failed},
        })
    }
}

/// Sliding one-second window per API: a call is admitted when fewer than `limit` calls were
/// admitted in the last 1000 ms. Stricter than a fixed per-second window, so a client that
/// passes here also passes a fixed-window server.
#[derive(Default, Debug)]
pub struct Limiter {
    windows: HashMap<String, VecDeque<u64>>,
}

impl Limiter {
    pub fn admit(&mut self, api: &str, now_ms: u64, limit: u32) -> bool {
        if limit == 0 {
            return true;
        }
        let w = self.windows.entry(api.to_string()).or_default();
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
}
