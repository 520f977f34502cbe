//! The value source of a timer channel (`after`, `tick`, [`Timer`](super::Timer),
//! [`Ticker`](super::Ticker)), with Go 1.23 semantics (go-reference D2).
//!
//! The value is computed when a receiver takes it, never pushed ahead of time: a stopped or
//! reset timer cannot deliver a stale value, and `len()` of a timer channel is always 0
//! (A9b.3). The timer thread is asked to wake the channel only while a receiver waits, as Go
//! keeps a timer in its heap only while a goroutine is blocked on it.
//!
//! # Invariants (under the channel lock, like every `Source`)
//!
//! 1. `scheduled` is `Some` exactly while the timer thread holds an entry that will pump this
//!    channel; it is cancelled whenever the deadline changes, and on drop.
//! 2. The value delivered is the scheduled instant (D2.4); a ticker then moves to the next
//!    instant of its grid that is after `now`, dropping missed ticks (D8.2).
//! 3. A value handed to a receive that was then dropped is given back (see `restore`).
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use super::driver::{self, TimerKey};
use crate::chan::{Chan, Source};
use crate::sync::Weak;

pub(crate) struct TimerSource {
    /// The channel the timer thread pumps. Not kept under loom, where the model pumps and
    /// where the "weak" pointer is strong: channel → source → channel would be a cycle, and
    /// loom reports every timer channel as a leaked `Arc`. Not kept under shuttle either,
    /// where nothing pumps (see `on_wait`).
    #[cfg(not(any(loom, shuttle)))]
    chan: Weak<Chan<Instant>>,
    /// The next value, if armed.
    deadline: Option<Instant>,
    /// `Some` for a ticker.
    period: Option<Duration>,
    scheduled: Option<TimerKey>,
    /// Bumped by every stop and re-arm.
    generation: u64,
    /// Bumped by every re-arm only.
    rearms: u64,
    /// `(generation, rearms, deadline before)` of the last value taken.
    taken: Option<(u64, u64, Option<Instant>)>,
}

impl TimerSource {
    pub(crate) fn new(
        chan: Weak<Chan<Instant>>,
        deadline: Option<Instant>,
        period: Option<Duration>,
    ) -> Self {
        #[cfg(any(loom, shuttle))]
        drop(chan);
        TimerSource {
            #[cfg(not(any(loom, shuttle)))]
            chan,
            deadline,
            period,
            scheduled: None,
            generation: 0,
            rearms: 0,
            taken: None,
        }
    }

    fn unschedule(&mut self) {
        if let Some(k) = self.scheduled.take() {
            driver::cancel(k);
        }
    }
}

/// The first instant of the grid `start + k·period` (k ≥ 1) that is after `now`.
pub(crate) fn next_tick(start: Instant, period: Duration, now: Instant) -> Instant {
    let late = now.saturating_duration_since(start).as_nanos();
    let p = period.as_nanos().max(1);
    let steps = late / p + 1;
    let step = u64::try_from(p.saturating_mul(steps)).unwrap_or(u64::MAX);
    start
        .checked_add(Duration::from_nanos(step))
        .unwrap_or(start + period)
}

impl Source<Instant> for TimerSource {
    fn ready(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    fn take(&mut self, now: Instant) -> Option<Instant> {
        let d = self.deadline.filter(|&d| now >= d)?;
        self.taken = Some((self.generation, self.rearms, self.deadline));
        self.deadline = self.period.map(|p| next_tick(d, p, now));
        self.unschedule();
        Some(d)
    }

    fn on_wait(&mut self) {
        // Under loom the model plays the timer thread and calls `Chan::pump` itself. Under
        // shuttle nothing does: the timer thread is a real OS thread, and its pump would lock
        // shuttle objects from outside the execution (timers are not used under shuttle).
        #[cfg(not(any(loom, shuttle)))]
        {
            let Some(d) = self.deadline else { return };
            if self.scheduled.is_some() {
                return;
            }
            let chan = self.chan.clone();
            self.scheduled = Some(driver::schedule(d, move || {
                if let Some(c) = crate::sync::upgrade(&chan) {
                    c.pump();
                }
            }));
        }
    }

    fn on_fire(&mut self) {
        // Invariant 1: the entry that called us is gone.
        self.scheduled = None;
    }

    /// Invariant 3: a value that was taken but not delivered (its receive was claimed and
    /// then dropped) was never received. A one-shot timer gets it back unless it was
    /// re-armed since: a `stop` in between returned `false` ("expired"), so the value must
    /// stay receivable (D4.5). A ticker gets it back only if it was neither stopped nor
    /// re-armed: after `stop` no tick may arrive (D8.3).
    fn restore(&mut self, value: Instant) {
        let Some((generation, rearms, before)) = self.taken.take() else {
            return;
        };
        let current = match self.period {
            None => rearms == self.rearms,
            Some(_) => generation == self.generation,
        };
        if current && before == Some(value) {
            self.unschedule();
            self.deadline = Some(value);
        }
    }

    fn control(&mut self, rearm: Option<(Instant, Option<Duration>)>) -> bool {
        self.generation += 1;
        let was_active = self.deadline.is_some();
        self.unschedule();
        match rearm {
            None => self.deadline = None,
            Some((d, period)) => {
                self.rearms += 1;
                self.deadline = Some(d);
                if period.is_some() {
                    self.period = period;
                }
            }
        }
        was_active
    }
}

impl Drop for TimerSource {
    fn drop(&mut self) {
        self.unschedule();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn next_tick_drops_missed_ticks_on_the_grid() {
        let s = Instant::now();
        let p = Duration::from_millis(10);
        assert_eq!(next_tick(s, p, s), s + p);
        assert_eq!(next_tick(s, p, s + Duration::from_millis(3)), s + p);
        assert_eq!(next_tick(s, p, s + Duration::from_millis(10)), s + 2 * p);
        assert_eq!(next_tick(s, p, s + Duration::from_millis(57)), s + 6 * p);
    }
}
