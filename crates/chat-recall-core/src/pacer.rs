//! Request pacing: at most `max_requests_per_second` request starts in any one-second window,
//! spaced evenly, shared by every job that calls the same API.
//!
//! The service limits each API to 200 calls per second per SDKAppID and counts *arrivals*.
//! A client that lets 200 requests go in a burst at the start of each of its own seconds can
//! put 201+ arrivals into one of the server's seconds as soon as the network adds jitter. So
//! the pacer spaces starts evenly, `T = 1000 / (rate * (1 - headroom))` ms apart, with the
//! generic cell rate algorithm (GCRA):
//!
//! * a start at `now` is allowed when `now >= tat - tolerance` (`tat`, the theoretical arrival
//!   time, is when the next start is due); it moves `tat` to `max(tat, now) + T`;
//! * `tolerance` lets a driver whose timer fires a little late keep the cadence (browsers clamp
//!   timers to 4 ms), without ever allowing a real burst.
//!
//! **The window guarantee.** After a start at `s0`, the k-th later start is at
//! `>= s0 + k*T - tolerance`; so `rate + 1` starts span at least `rate*T - tolerance` =
//! `1000/(1-headroom) - tolerance` ms. With the default headroom of 1% that is
//! `1010.1 - tolerance` ms, and the tolerance is capped at half of those 10.1 ms of slack
//! (`1000*headroom/(1-headroom)/2`), so no half-open window `[t, t+1000)` ever holds more than
//! `rate` starts, and arrivals keep that property as long as the spread of network latency
//! stays under the other half (about 5 ms by default). The cost is 1% of the ceiling.
//!
//! **Rate-limit feedback.** When a request is answered with one of the service's call-rate
//! codes (60007, 60011, 60018, 60019, or HTTP 429 as a `RateLimited` error with no code),
//! [`Pacer::on_rate_limited`] pauses starts for `rate_limit_pause_ms` and halves the rate,
//! which then recovers linearly to the full rate over `rate_limit_recovery_ms`. A burst of
//! such answers (every in-flight request sees the same full window) counts as one event: the
//! rate is cut at most once per second. Someone else sharing the SDKAppID's quota is the usual
//! cause; this keeps us from repeating the burst.

use super::endpoint::Api;
use super::error::{ErrorKind, RecallError};

/// The service's per-API limit for the recall APIs.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND: f64 = 200.0;
/// Fraction of the ceiling given up so jitter cannot push `rate + 1` arrivals into a second.
pub const DEFAULT_HEADROOM: f64 = 0.01;
/// How early (ms) a start may come relative to its even-spacing slot; absorbs late timers.
pub const DEFAULT_TOLERANCE_MS: f64 = 4.0;
/// Pause after a rate-limit answer.
pub const DEFAULT_RATE_LIMIT_PAUSE_MS: f64 = 250.0;
/// Time for the halved rate to climb back to the full rate.
pub const DEFAULT_RATE_LIMIT_RECOVERY_MS: f64 = 5_000.0;
/// The rate never drops below this fraction of the configured rate after cuts.
const MIN_RATE_FACTOR: f64 = 0.1;
/// Rate cuts at most once per this many ms (one server window).
const CUT_SPACING_MS: f64 = 1_000.0;

/// Pacing options. Out-of-range values are clamped by [`Pacer::new`], never rejected.
#[derive(Clone, Debug, PartialEq)]
pub struct PacerConfig {
    /// The ceiling: request starts per second (default 200). Non-finite or `<= 0` means 200;
    /// values above 1 are rounded down (a window holds a whole number of starts); values
    /// below 1 space starts more than a second apart.
    pub max_requests_per_second: f64,
    /// Fraction of the ceiling held back (default 0.01, clamped to 0..=0.5).
    pub headroom: f64,
    /// Early-start tolerance in ms (default 4, capped so the window guarantee holds).
    pub tolerance_ms: f64,
    /// Pause after a rate-limit answer, ms (default 250, clamped to 0..=60000).
    pub rate_limit_pause_ms: f64,
    /// Recovery from a rate cut, ms (default 5000, clamped to 1..=600000).
    pub rate_limit_recovery_ms: f64,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            max_requests_per_second: DEFAULT_MAX_REQUESTS_PER_SECOND,
            headroom: DEFAULT_HEADROOM,
            tolerance_ms: DEFAULT_TOLERANCE_MS,
            rate_limit_pause_ms: DEFAULT_RATE_LIMIT_PAUSE_MS,
            rate_limit_recovery_ms: DEFAULT_RATE_LIMIT_RECOVERY_MS,
        }
    }
}

impl PacerConfig {
    /// The defaults with another ceiling.
    pub fn with_rate(max_requests_per_second: f64) -> Self {
        PacerConfig {
            max_requests_per_second,
            ..PacerConfig::default()
        }
    }
}

/// `v.clamp(lo, hi)` for `lo <= hi` (NaN stays NaN), without `f64::clamp`'s panic path,
/// whose message formats floats and would link ~15 KB of float formatting into the wasm.
fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}

fn clamp_or(v: f64, lo: f64, hi: f64, default: f64) -> f64 {
    if v.is_finite() {
        clamp(v, lo, hi)
    } else {
        default
    }
}

/// True for answers that mean "you call too often" (the pacer should slow down). 70050 is
/// excluded: it throttles failed signatures, not the call rate.
pub fn slows_pacer(err: &RecallError) -> bool {
    match err.code {
        60007 | 60011 | 60018 | 60019 => true,
        0 => err.kind == ErrorKind::RateLimited,
        _ => false,
    }
}

/// The even-spacing limiter of one API. Cheap to create; keep one per [`Api`] per client
/// (see [`PacerSet`]) and pass it `&mut` to every job's `poll`.
#[derive(Clone, Debug)]
pub struct Pacer {
    rate: f64,
    /// Spacing at the full rate, ms.
    interval_ms: f64,
    tolerance_ms: f64,
    pause_ms: f64,
    recovery_ms: f64,
    /// When the next start is due at even spacing; `None` before the first start.
    tat: Option<f64>,
    paused_until: f64,
    /// Rate fraction right after the last cut, and when it happened.
    cut: Option<(f64, f64)>,
    last_now: f64,
    starts: u64,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(&PacerConfig::default())
    }
}

impl Pacer {
    /// A pacer at `cfg`'s rate.
    pub fn new(cfg: &PacerConfig) -> Pacer {
        let rate = if cfg.max_requests_per_second.is_finite() && cfg.max_requests_per_second > 0.0 {
            let r = cfg.max_requests_per_second.min(1_000_000.0);
            // A count per window is a whole number: 2.5/s means at most 2 in any second.
            if r >= 1.0 {
                r.floor()
            } else {
                r
            }
        } else {
            DEFAULT_MAX_REQUESTS_PER_SECOND
        };
        let headroom = clamp_or(cfg.headroom, 0.0, 0.5, DEFAULT_HEADROOM);
        let interval_ms = 1000.0 / (rate * (1.0 - headroom));
        // Half the slack that the headroom buys goes to late timers, half to network jitter.
        let max_tolerance = 1000.0 * headroom / (1.0 - headroom) / 2.0;
        let tolerance_ms = clamp_or(
            cfg.tolerance_ms,
            0.0,
            max_tolerance,
            DEFAULT_TOLERANCE_MS.min(max_tolerance),
        );
        Pacer {
            rate,
            interval_ms,
            tolerance_ms,
            pause_ms: clamp_or(
                cfg.rate_limit_pause_ms,
                0.0,
                60_000.0,
                DEFAULT_RATE_LIMIT_PAUSE_MS,
            ),
            recovery_ms: clamp_or(
                cfg.rate_limit_recovery_ms,
                1.0,
                600_000.0,
                DEFAULT_RATE_LIMIT_RECOVERY_MS,
            ),
            tat: None,
            paused_until: f64::NEG_INFINITY,
            cut: None,
            last_now: f64::NEG_INFINITY,
            starts: 0,
        }
    }

    /// The configured ceiling (starts per second).
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Even spacing at the full rate, ms.
    pub fn interval_ms(&self) -> f64 {
        self.interval_ms
    }

    /// The effective early-start tolerance, ms.
    pub fn tolerance_ms(&self) -> f64 {
        self.tolerance_ms
    }

    /// Starts granted so far.
    pub fn starts(&self) -> u64 {
        self.starts
    }

    /// A non-finite `now` is replaced by the last time seen (or 0), so bad input cannot
    /// corrupt the state.
    fn sane(&mut self, now: f64) -> f64 {
        let now = if now.is_finite() {
            now
        } else if self.last_now.is_finite() {
            self.last_now
        } else {
            0.0
        };
        if now > self.last_now {
            self.last_now = now;
        }
        now
    }

    /// Fraction of the full rate allowed at `now` (1 unless recovering from a cut).
    pub fn rate_factor(&self, now: f64) -> f64 {
        match self.cut {
            None => 1.0,
            Some((factor, at)) => {
                let progress = clamp((now - at) / self.recovery_ms, 0.0, 1.0);
                let f = factor + (1.0 - factor) * if progress.is_nan() { 1.0 } else { progress };
                clamp(f, MIN_RATE_FACTOR, 1.0)
            }
        }
    }

    /// The earliest time a start could be granted, without taking it.
    pub fn next_start_at(&self, now: f64) -> f64 {
        let due = self
            .tat
            .map_or(f64::NEG_INFINITY, |tat| tat - self.tolerance_ms);
        let t = due.max(self.paused_until);
        if now.is_nan() {
            t
        } else {
            t.max(now)
        }
    }

    /// Take a start slot at `now`: `Ok(())` if a request may start now (the caller must then
    /// start it), else `Err(t)` with the earliest time `t > now` to ask again.
    pub fn try_acquire(&mut self, now: f64) -> Result<(), f64> {
        let now = self.sane(now);
        if now < self.paused_until {
            return Err(self.paused_until);
        }
        if let Some(tat) = self.tat {
            let due = tat - self.tolerance_ms;
            if now < due {
                return Err(due);
            }
        }
        let interval = self.interval_ms / self.rate_factor(now);
        let base = match self.tat {
            Some(tat) if tat > now => tat,
            _ => now,
        };
        self.tat = Some(base + interval);
        self.starts = self.starts.saturating_add(1);
        Ok(())
    }

    /// A request was answered with a call-rate error at `now`: pause, and cut the rate (at most
    /// once per second).
    pub fn on_rate_limited(&mut self, now: f64) {
        let now = self.sane(now);
        if !now.is_finite() {
            return;
        }
        self.paused_until = self.paused_until.max(now + self.pause_ms);
        let may_cut = match self.cut {
            None => true,
            Some((_, at)) => now - at >= CUT_SPACING_MS,
        };
        if may_cut {
            let factor = (self.rate_factor(now) * 0.5).max(MIN_RATE_FACTOR);
            self.cut = Some((factor, now));
        }
    }
}

/// One [`Pacer`] per API (the service's limit is per API per SDKAppID), created on first use.
#[derive(Clone, Debug, Default)]
pub struct PacerSet {
    cfg: PacerConfig,
    pacers: Vec<(Api, Pacer)>,
}

impl PacerSet {
    /// One pacer per API, all with `cfg`.
    pub fn new(cfg: PacerConfig) -> PacerSet {
        PacerSet {
            cfg,
            pacers: Vec::new(),
        }
    }

    /// The configuration every pacer was made with.
    pub fn config(&self) -> &PacerConfig {
        &self.cfg
    }

    /// The pacer of `api`.
    pub fn get(&mut self, api: Api) -> &mut Pacer {
        let i = match self.pacers.iter().position(|(a, _)| *a == api) {
            Some(i) => i,
            None => {
                self.pacers.push((api, Pacer::new(&self.cfg)));
                self.pacers.len() - 1
            }
        };
        &mut self.pacers[i].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_tolerance() {
        let mut p = Pacer::default();
        assert!((p.interval_ms() - 1000.0 / 198.0).abs() < 1e-9);
        assert_eq!(p.tolerance_ms(), 4.0);
        assert_eq!(p.try_acquire(0.0), Ok(()));
        let due = p.try_acquire(0.0).unwrap_err();
        assert!((due - (p.interval_ms() - 4.0)).abs() < 1e-9);
        assert_eq!(p.try_acquire(due), Ok(()));
    }

    #[test]
    fn tolerance_is_capped_by_headroom() {
        let p = Pacer::new(&PacerConfig {
            headroom: 0.0,
            tolerance_ms: 50.0,
            ..PacerConfig::default()
        });
        assert_eq!(p.tolerance_ms(), 0.0);
        let p = Pacer::new(&PacerConfig {
            tolerance_ms: 50.0,
            ..PacerConfig::default()
        });
        assert!(p.tolerance_ms() <= 5.06);
    }

    #[test]
    fn nonsense_config_and_times_do_not_panic() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1e-300] {
            let mut p = Pacer::new(&PacerConfig {
                max_requests_per_second: rate,
                headroom: f64::NAN,
                tolerance_ms: -5.0,
                rate_limit_pause_ms: f64::INFINITY,
                rate_limit_recovery_ms: 0.0,
            });
            for now in [f64::NAN, 0.0, -1e300, f64::INFINITY, f64::NEG_INFINITY, 5.0] {
                let _ = p.try_acquire(now);
                p.on_rate_limited(now);
                let _ = p.next_start_at(now);
                let _ = p.rate_factor(now);
            }
        }
    }

    #[test]
    fn rate_limit_pauses_and_recovers() {
        let mut p = Pacer::default();
        assert_eq!(p.try_acquire(0.0), Ok(()));
        p.on_rate_limited(10.0);
        p.on_rate_limited(11.0); // same burst: no second cut
        assert_eq!(p.try_acquire(100.0), Err(261.0));
        assert!((p.rate_factor(11.0) - 0.5).abs() < 0.01);
        assert_eq!(p.rate_factor(10.0 + 5_000.0), 1.0);
        assert_eq!(p.try_acquire(261.0), Ok(()));
        let next = p.try_acquire(261.0).unwrap_err();
        assert!(next - 261.0 > 1.8 * p.interval_ms() - 4.0);
    }

    #[test]
    fn set_keeps_one_pacer_per_api() {
        let mut s = PacerSet::default();
        assert_eq!(s.get(Api::GroupMsgRecall).try_acquire(0.0), Ok(()));
        assert!(s.get(Api::GroupMsgRecall).try_acquire(0.0).is_err());
        assert_eq!(s.get(Api::AdminMsgWithdraw).try_acquire(0.0), Ok(()));
    }
}
