//! Request pacing: at most `max_requests_per_second` requests reaching the service in any
//! one-second window, spaced evenly, shared by every job that calls the same API.
//!
//! The service limits each API to 200 calls per second per SDKAppID and counts *arrivals*.
//! A client that lets 200 requests go in a burst at the start of each of its own seconds can
//! put 201+ arrivals into one of the server's seconds as soon as the network adds jitter. So
//! the pacer does two things (call order: [`Pacer::try_acquire`] before each start, then
//! [`Pacer::on_answered`] and [`Pacer::on_rate_limited`] as answers come back):
//!
//! * **The window cap (the guarantee).** At most `N = floor(rate)` requests in any half-open
//!   window of `W = 1000 / (1 - headroom)` ms (1010.1 ms with the default headroom of 1%),
//!   each counted where it most likely reached the service (`arrival_window`): at its start
//!   until its answer comes, then at `max(start, answer - shortest round trip)`. A request held
//!   up on its way out (connection set-up in a fresh process, a busy host, the network) is
//!   counted with the requests it arrived together with; the rest of the spread (10 ms by
//!   default) is the headroom's. The cost is the headroom: 1% of the ceiling.
//! * **Even spacing (the shape).** Within the cap, starts follow an even schedule `T = W / N`
//!   ms apart (the generic cell rate algorithm: `tat`, the theoretical arrival time, is when
//!   the next start is due; a start at `now` moves it to `max(tat, now - catch_up) + T`). A
//!   start may come `tolerance_ms` before its slot (browsers clamp timers to 4 ms). A driver
//!   whose timer fires late (a busy event loop, a loaded host) does not lose that time for
//!   good: the schedule may lag `now` by up to `catch_up_ms`, and the starts it owes go at once,
//!   back to back, still inside the window cap. Without the catch-up every late wake-up was
//!   lost: on a loaded 2-core host a cold 10,000-message job ran at 181-194/s instead of 198.
//!
//! **Rate-limit feedback.** When a request is answered with one of the service's call-rate
//! codes (60007, 60011, 60018, 60019, or HTTP 429 as a `RateLimited` error with no code),
//! [`Pacer::on_rate_limited`] pauses starts for `rate_limit_pause_ms` and halves the rate,
//! which then recovers linearly to the full rate over `rate_limit_recovery_ms`. A burst of
//! such answers (every in-flight request sees the same full window) counts as one event: the
//! rate is cut at most once per second. Someone else sharing the SDKAppID's quota is the usual
//! cause; this keeps us from repeating the burst. This is AIMD: a multiplicative decrease
//! (halving, down to a tenth at most) and an additive increase (a straight line back to the
//! ceiling), so one rejection costs a short dip, not the rest of the job.
//!
//! **Cold start.** The first requests of a fresh process (or of a pacer idle for a second) pay
//! for connection set-up and lazy runtime initialisation, and arrive late and together (seen:
//! the first ten, sent over 45 ms, arriving within 2 ms, 30-90 ms after they left; counted
//! where they left, the paced stream behind them put 201 arrivals into one server second).
//! The window cap counts them where they arrived, so no extra margin is needed: a cold 10,000
//! message job runs at the ceiling from its first second. Two older, cautious measures stay
//! available, off by default: a **probe** (`cold_start_probe` requests at most before the
//! first answer comes back) and a **ramp** (start at `cold_start_factor` of the ceiling and
//! climb linearly to it over `cold_start_ms`, from the first answer when probing). They cover
//! a path whose answers take longer than a window, where no answer comes in time to move its
//! start; each costs about (1 - factor) * cold_start_ms / 2 ms, or the wait for the first answer.
//!
//! A cold pacer owes nothing from before its first start (no catch-up burst).

use super::arrival_window::ArrivalWindow;
use super::endpoint::Api;
use super::error::{ErrorKind, RecallError};

/// The service's per-API limit for the recall APIs.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND: f64 = 200.0;
/// Fraction of the ceiling given up so jitter cannot push `rate + 1` arrivals into a second.
pub const DEFAULT_HEADROOM: f64 = 0.01;
/// How early (ms) a start may come relative to its even-spacing slot; absorbs timer clamping.
pub const DEFAULT_TOLERANCE_MS: f64 = 4.0;
/// How far (ms) the even schedule may lag behind a late wake-up and be made up at once.
pub const DEFAULT_CATCH_UP_MS: f64 = 25.0;
/// Pause after a rate-limit answer.
pub const DEFAULT_RATE_LIMIT_PAUSE_MS: f64 = 250.0;
/// Time for the halved rate to climb back to the full rate.
pub const DEFAULT_RATE_LIMIT_RECOVERY_MS: f64 = 5_000.0;
/// Rate fraction of a cold pacer (first start, or the first after a second without starts);
/// 1: no ramp (the window cap counts set-up delays where they land).
pub const DEFAULT_COLD_START_FACTOR: f64 = 1.0;
/// Requests a cold pacer lets go before the first answer comes back; 0: no probe.
pub const DEFAULT_COLD_START_PROBE: u32 = 0;
/// While a cold pacer waits for its first answer, how often (ms) its caller looks again
/// (an answer wakes the caller anyway; this only bounds a wait for nothing).
const PROBE_RECHECK_MS: f64 = 100.0;
/// Time for a cold pacer to climb to the full rate.
pub const DEFAULT_COLD_START_MS: f64 = 1_000.0;
/// A pacer without a start for this long is cold again (the server's window has emptied and
/// connections may have been closed).
const COLD_AFTER_IDLE_MS: f64 = 1_000.0;
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
    /// Early-start tolerance in ms (default 4, clamped to 0..=1000).
    pub tolerance_ms: f64,
    /// How far the even schedule may lag a late wake-up and be made up with back-to-back
    /// starts, ms (default 25, clamped to 0..=1000); the window cap holds regardless.
    pub catch_up_ms: f64,
    /// Pause after a rate-limit answer, ms (default 250, clamped to 0..=60000).
    pub rate_limit_pause_ms: f64,
    /// Recovery from a rate cut, ms (default 5000, clamped to 1..=600000).
    pub rate_limit_recovery_ms: f64,
    /// Rate fraction at a cold start (default 1: no ramp; clamped to 0.1..=1).
    pub cold_start_factor: f64,
    /// Requests a cold pacer lets go before the first answer (default 0: no probe).
    pub cold_start_probe: u32,
    /// Time for the cold-start ramp to reach the full rate, ms (default 1000, 0..=60000).
    pub cold_start_ms: f64,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            max_requests_per_second: DEFAULT_MAX_REQUESTS_PER_SECOND,
            headroom: DEFAULT_HEADROOM,
            tolerance_ms: DEFAULT_TOLERANCE_MS,
            catch_up_ms: DEFAULT_CATCH_UP_MS,
            rate_limit_pause_ms: DEFAULT_RATE_LIMIT_PAUSE_MS,
            rate_limit_recovery_ms: DEFAULT_RATE_LIMIT_RECOVERY_MS,
            cold_start_factor: DEFAULT_COLD_START_FACTOR,
            cold_start_probe: DEFAULT_COLD_START_PROBE,
            cold_start_ms: DEFAULT_COLD_START_MS,
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

/// The window-capped, evenly spacing limiter of one API. Cheap to create; keep one per [`Api`] per client
/// (see [`PacerSet`]) and pass it `&mut` to every job's `poll`.
#[derive(Clone, Debug)]
pub struct Pacer {
    rate: f64,
    /// Spacing at the full rate, ms.
    interval_ms: f64,
    tolerance_ms: f64,
    catch_up_ms: f64,
    /// The window cap: at most `window_cap` starts in any half-open `window_ms`.
    window_cap: usize,
    window_ms: f64,
    /// The starts of the last window, counted where they reached the service.
    window: ArrivalWindow,
    pause_ms: f64,
    recovery_ms: f64,
    cold_factor: f64,
    cold_ms: f64,
    cold_probe: u32,
    /// When the cold-start ramp began (the first answer after a cold start).
    warm_since: f64,
    /// Starts since the last cold start while no answer has come back yet (`None`: an answer
    /// came).
    probing: Option<u32>,
    /// The last granted start.
    last_start: f64,
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
        // N starts per N intervals: 1000 / (1 - headroom) ms for a whole rate; for a rate
        // below 1/s, one start per interval (more than a second).
        let window_cap = if rate >= 1.0 { rate as usize } else { 1 };
        let window_ms = window_cap as f64 * interval_ms;
        Pacer {
            rate,
            interval_ms,
            tolerance_ms: clamp_or(cfg.tolerance_ms, 0.0, 1_000.0, DEFAULT_TOLERANCE_MS),
            catch_up_ms: clamp_or(cfg.catch_up_ms, 0.0, 1_000.0, DEFAULT_CATCH_UP_MS),
            window_cap,
            window_ms,
            window: ArrivalWindow::new(window_cap, window_ms),
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
            cold_factor: clamp_or(
                cfg.cold_start_factor,
                MIN_RATE_FACTOR,
                1.0,
                DEFAULT_COLD_START_FACTOR,
            ),
            cold_ms: clamp_or(cfg.cold_start_ms, 0.0, 60_000.0, DEFAULT_COLD_START_MS),
            cold_probe: cfg.cold_start_probe,
            warm_since: f64::NEG_INFINITY,
            probing: None,
            last_start: f64::NEG_INFINITY,
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

    /// The window cap: at most `.0` starts in any half-open window of `.1` ms.
    pub fn window(&self) -> (usize, f64) {
        (self.window_cap, self.window_ms)
    }

    /// Starts granted so far.
    pub fn starts(&self) -> u64 {
        self.starts
    }

    /// A non-finite `now` is replaced by the last time seen (or 0), and a `now` before the last
    /// time seen by that time (scheduling time is monotonic), so bad input cannot corrupt the
    /// state.
    fn sane(&mut self, now: f64) -> f64 {
        if now.is_finite() && now > self.last_now {
            self.last_now = now;
            now
        } else if self.last_now.is_finite() {
            self.last_now
        } else {
            0.0
        }
    }

    /// Fraction of the full rate allowed at `now`: 1 unless warming up from a cold start or
    /// recovering from a cut (then the smaller of the two).
    pub fn rate_factor(&self, now: f64) -> f64 {
        self.cut_factor(now).min(self.warm_factor(now))
    }

    /// The cold-start ramp at `now` (1 once warm).
    fn warm_factor(&self, now: f64) -> f64 {
        if self.cold_factor >= 1.0 || self.cold_ms <= 0.0 {
            return 1.0;
        }
        let progress = clamp((now - self.warm_since) / self.cold_ms, 0.0, 1.0);
        if progress.is_nan() {
            return 1.0;
        }
        self.cold_factor + (1.0 - self.cold_factor) * progress
    }

    fn cut_factor(&self, now: f64) -> f64 {
        match self.cut {
            None => 1.0,
            Some((factor, at)) => {
                let progress = clamp((now - at) / self.recovery_ms, 0.0, 1.0);
                let f = factor + (1.0 - factor) * if progress.is_nan() { 1.0 } else { progress };
                clamp(f, MIN_RATE_FACTOR, 1.0)
            }
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
        let opens = self.window.opens_at(now);
        if opens > now {
            return Err(opens);
        }
        let cold = self.tat.is_none() || now - self.last_start >= COLD_AFTER_IDLE_MS;
        if cold {
            self.warm_since = now;
            self.probing = (self.cold_probe > 0).then_some(0);
        }
        if let Some(sent) = self.probing {
            if sent >= self.cold_probe {
                return Err(now + PROBE_RECHECK_MS);
            }
            self.probing = Some(sent + 1);
        }
        let interval = self.interval_ms / self.rate_factor(now);
        let base = match self.tat {
            // A cold pacer owes nothing from before; a warm one makes up a late wake-up.
            _ if cold => now,
            Some(tat) => tat.max(now - self.catch_up_ms),
            None => now,
        };
        self.tat = Some(base + interval);
        self.last_start = now;
        self.window.push(now);
        self.starts = self.starts.saturating_add(1);
        Ok(())
    }

    /// The request started at `sent_at` came back at `now` (any answer, error or not); `rtt`
    /// is its round trip when the service answered it normally.
    ///
    /// * A cold pacer ends its probe and starts its ramp: the path to the service is set up.
    /// * The start moves, in the window, to when it most likely reached the service: no later
    ///   than the answer, and no earlier than the answer less the shortest round trip seen
    ///   (`max(sent_at, now - min_rtt)`; `now` before any clean answer). A request held up on
    ///   its way out (connection set-up, a busy host, the network) is thereby counted where it
    ///   arrived, with the requests it arrived together with, rather than where it left: the
    ///   first requests of a fresh process, which leave over ~50 ms and arrive together, no
    ///   longer need a wide margin, and a stall of any length costs no window. A delay on the
    ///   way back only moves the estimate later (counted longer: the safe side).
    pub fn on_answered(&mut self, now: f64, sent_at: f64, rtt: Option<f64>) {
        let now = self.sane(now);
        if self.probing.take().is_some() {
            self.warm_since = now;
            // Time spent waiting for this answer is not owed (no catch-up burst after it).
            self.tat = self.tat.map(|t| t.max(now));
        }
        self.window.answered(now, sent_at, rtt);
    }

    /// A request was answered with a call-rate error at `now`: pause, and cut the rate (at most
    /// once per second).
    pub fn on_rate_limited(&mut self, now: f64) {
        let now = self.sane(now);
        if !now.is_finite() {
            return;
        }
        self.paused_until = self.paused_until.max(now + self.pause_ms);
        // Nothing is owed for the pause: the first start after it begins a fresh schedule
        // rather than a catch-up burst into a window the service just said is full.
        self.tat = Some(
            self.tat
                .map_or(self.paused_until, |t| t.max(self.paused_until)),
        );
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

    /// A pacer without the cold-start ramp.
    fn warm() -> Pacer {
        Pacer::new(&PacerConfig {
            cold_start_factor: 1.0,
            ..PacerConfig::default()
        })
    }

    #[test]
    fn cold_start_ramps_up_from_the_first_answer_then_runs_full() {
        let mut p = Pacer::new(&PacerConfig {
            cold_start_factor: 0.9,
            cold_start_probe: 10,
            ..PacerConfig::default()
        });
        assert_eq!(p.try_acquire(0.0), Ok(()));
        assert!((p.rate_factor(0.0) - 0.9).abs() < 1e-9);
        // The ramp begins when the first answer comes back.
        p.on_answered(40.0, 0.0, None);
        assert!((p.rate_factor(540.0) - 0.95).abs() < 1e-9);
        assert_eq!(p.rate_factor(1_040.0), 1.0);
        // Idle for a second: cold again.
        assert_eq!(p.try_acquire(5_000.0), Ok(()));
        assert!((p.rate_factor(5_000.0) - 0.9).abs() < 1e-9);
    }

    #[test]
    fn a_cold_pacer_sends_only_its_probe_before_the_first_answer() {
        let probe = PacerConfig {
            cold_start_probe: 10,
            ..PacerConfig::default()
        };
        let mut p = Pacer::new(&probe);
        let mut now = 0.0;
        let mut sent = 0;
        while now < 500.0 {
            if p.try_acquire(now).is_ok() {
                sent += 1;
            }
            now += 1.0;
        }
        assert_eq!(sent, 10);
        // Waiting for an answer, the pacer asks to be polled again later, not never.
        let again = p.try_acquire(now).unwrap_err();
        assert!(again > now && again <= now + PROBE_RECHECK_MS);
        p.on_answered(now, 0.0, None);
        assert_eq!(p.try_acquire(now), Ok(()));
        // Without the probe: no limit but the rate.
        let mut p = Pacer::new(&PacerConfig {
            cold_start_probe: 0,
            ..PacerConfig::default()
        });
        let sent = (0..500)
            .filter(|&t| p.try_acquire(t as f64).is_ok())
            .count();
        assert!(sent > 80, "{sent}");
    }

    #[test]
    fn spacing_and_tolerance() {
        let mut p = warm();
        assert!((p.interval_ms() - 1000.0 / 198.0).abs() < 1e-9);
        assert_eq!(p.tolerance_ms(), 4.0);
        assert_eq!(p.try_acquire(0.0), Ok(()));
        let due = p.try_acquire(0.0).unwrap_err();
        assert!((due - (p.interval_ms() - 4.0)).abs() < 1e-9);
        assert_eq!(p.try_acquire(due), Ok(()));
    }

    #[test]
    fn the_window_cap_holds_whatever_the_tolerance_and_catch_up() {
        let mut p = Pacer::new(&PacerConfig {
            max_requests_per_second: 10.0,
            tolerance_ms: 1_000.0,
            catch_up_ms: 1_000.0,
            cold_start_factor: 1.0,
            ..PacerConfig::default()
        });
        assert_eq!(p.window(), (10, 1000.0 / 0.99));
        let mut starts = Vec::new();
        let mut now = 0.0;
        while now < 5_000.0 {
            if p.try_acquire(now).is_ok() {
                starts.push(now);
            }
            now += 1.0;
        }
        for (i, &s) in starts.iter().enumerate() {
            let in_window = starts[i..]
                .iter()
                .take_while(|&&t| t < s + 1000.0 / 0.99)
                .count();
            assert!(in_window <= 10, "{in_window} starts from {s}");
        }
        assert!(starts.len() >= 49, "{}", starts.len());
    }

    #[test]
    fn late_wake_ups_are_made_up_within_the_catch_up() {
        let mut p = warm();
        let t = p.interval_ms();
        assert_eq!(p.try_acquire(0.0), Ok(()));
        // The next slot was due at `t`; the timer fires 12 ms late: the start goes, and the
        // starts owed for those 12 ms (and the 4 ms of tolerance) follow at once instead of
        // being lost: slots at 2t, 3t and 4t - 4 <= t + 12.
        let late = t + 12.0;
        for _ in 0..4 {
            assert_eq!(p.try_acquire(late), Ok(()));
        }
        assert!(p.try_acquire(late).is_err());
        // A wake-up later than the catch-up loses only what lies beyond it.
        let mut p = warm();
        assert_eq!(p.try_acquire(0.0), Ok(()));
        let very_late = t + 100.0;
        let mut burst = 0;
        while p.try_acquire(very_late).is_ok() {
            burst += 1;
        }
        let owed = |ms: f64| 1 + (ms / t).floor() as usize;
        assert!(burst >= owed(DEFAULT_CATCH_UP_MS), "{burst}");
        assert!(
            burst <= owed(DEFAULT_CATCH_UP_MS + DEFAULT_TOLERANCE_MS),
            "{burst}"
        );
    }

    #[test]
    fn an_answer_moves_its_start_to_where_it_arrived() {
        // One start per window, to see the window's edge directly.
        let mut p = Pacer::new(&PacerConfig::with_rate(1.0));
        let w = p.window().1;
        // A first clean answer: its own round trip is the shortest known, so it counts where
        // it left.
        assert_eq!(p.try_acquire(0.0), Ok(()));
        p.on_answered(20.0, 0.0, Some(20.0));
        assert_eq!(p.try_acquire(w - 1.0), Err(w));
        // The round trip is known to take 20 ms; one takes 120: it arrived ~100 ms late, and
        // the window counts it there.
        let s = w;
        assert_eq!(p.try_acquire(s), Ok(()));
        p.on_answered(s + 120.0, s, Some(120.0));
        assert_eq!(p.try_acquire(s + w), Err(s + 100.0 + w));
        assert_eq!(p.try_acquire(s + 100.0 + w), Ok(()));
        // A start that already left the window stays out.
        let s = s + 100.0 + w;
        p.on_answered(s + 5_000.0, s, None);
        assert_eq!(p.try_acquire(s + 5_000.0), Ok(()));
    }

    #[test]
    fn a_cold_pacer_owes_nothing_from_before() {
        let mut p = Pacer::default();
        assert_eq!(p.try_acquire(0.0), Ok(()));
        assert!(p.try_acquire(0.0).is_err());
        // Idle for over a second, then: one start, no burst.
        assert_eq!(p.try_acquire(2_000.0), Ok(()));
        assert!(p.try_acquire(2_000.0).is_err());
    }

    #[test]
    fn nonsense_config_and_times_do_not_panic() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1e-300] {
            let mut p = Pacer::new(&PacerConfig {
                max_requests_per_second: rate,
                headroom: f64::NAN,
                tolerance_ms: -5.0,
                catch_up_ms: f64::NAN,
                rate_limit_pause_ms: f64::INFINITY,
                rate_limit_recovery_ms: 0.0,
                cold_start_factor: f64::NAN,
                cold_start_probe: u32::MAX,
                cold_start_ms: -1.0,
            });
            for now in [f64::NAN, 0.0, -1e300, f64::INFINITY, f64::NEG_INFINITY, 5.0] {
                let _ = p.try_acquire(now);
                p.on_rate_limited(now);
                let _ = p.rate_factor(now);
            }
        }
    }

    #[test]
    fn rate_limit_pauses_and_recovers() {
        let mut p = warm();
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
