//! One politeness object per host (lychee's `ratelimit/host`): a governor direct limiter built
//! from the host's own quota (configured interval or robots Crawl-delay, whichever is slower), a
//! semaphore capping requests in flight, adaptive backoff after 5xx / 429 / resets / timeouts,
//! `Retry-After` pauses, and the robots rules fetched once per run.
//!
//! A keyed governor limiter has a single quota for all keys, so hosts with different
//! Crawl-delays each get a direct limiter here; [`Hosts`] is the map of them for one run.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::retry::{backoff, Attempt};
use super::robots::Robots;
use crate::config::crawl::{HostPoliteness, RetryPolicy};

/// The quota that spaces request starts at least `interval` apart, with no burst.
/// `None` when politeness is off (interval zero).
pub fn quota_for(interval: Duration) -> Option<Quota> {
    Quota::with_period(interval).map(|q| q.allow_burst(NonZeroU32::MIN))
}

#[derive(Debug, Default)]
struct Backoff {
    /// No request starts before this instant (Retry-After or adaptive backoff).
    not_before: Option<Instant>,
    failures: u32,
}

/// Politeness state of one host for one run.
pub struct Host {
    pub name: String,
    pub interval: Duration,
    pub concurrency: u32,
    limiter: Option<DefaultDirectRateLimiter>,
    semaphore: Arc<Semaphore>,
    backoff: StdMutex<Backoff>,
    pub robots: Robots,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .finish()
    }
}

/// A permit of a concurrency bound (a host's, or the fetcher's over all hosts).
pub(super) async fn slot(bound: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    match bound.clone().acquire_owned().await {
        Ok(p) => p,
        // Never closed; if it were, proceeding unthrottled would be wrong, so wait on a fresh
        // one-permit semaphore instead.
        Err(_) => Arc::new(Semaphore::new(1))
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!()),
    }
}

/// Held while a request to the host is in flight.
pub struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

impl Host {
    /// A host whose robots rules are known. `already_requested` counts the robots.txt fetch
    /// against the quota so the first page does not follow it immediately.
    pub fn new(name: &str, pol: HostPoliteness, robots: Robots, already_requested: bool) -> Host {
        let interval = match robots.crawl_delay() {
            Some(d) if d > pol.interval && !pol.interval.is_zero() => d,
            _ => pol.interval,
        };
        let limiter = quota_for(interval).map(RateLimiter::direct);
        if let (Some(l), true) = (&limiter, already_requested) {
            let _ = l.check();
        }
        Host {
            name: name.to_string(),
            interval,
            concurrency: pol.concurrency,
            limiter,
            semaphore: Arc::new(Semaphore::new(pol.concurrency.max(1) as usize)),
            backoff: StdMutex::new(Backoff::default()),
            robots,
        }
    }

    /// Waits for a concurrency slot, any backoff pause, and the rate limiter — in that order, so
    /// a request never starts while the host is paused.
    pub async fn acquire(&self) -> HostPermit {
        let permit = slot(&self.semaphore).await;
        loop {
            let until = self.backoff.lock().map(|b| b.not_before).unwrap_or(None);
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => break,
            }
        }
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        HostPermit { _permit: permit }
    }

    /// Records how an attempt went: failures push the host's next start out exponentially,
    /// a success resets the backoff.
    pub fn record(&self, attempt: Attempt, policy: &RetryPolicy, jitter_unit: f64) {
        let Ok(mut b) = self.backoff.lock() else {
            return;
        };
        if super::retry::slows_host(attempt) {
            let d = backoff(policy, b.failures, jitter_unit);
            b.failures = b.failures.saturating_add(1);
            let t = Instant::now() + d;
            b.not_before = Some(b.not_before.map_or(t, |x| x.max(t)));
        } else if !matches!(attempt, Attempt::Fatal) {
            b.failures = 0;
        }
    }

    /// Pauses the whole host for a server-requested `Retry-After`.
    pub fn pause_for(&self, d: Duration) {
        let Ok(mut b) = self.backoff.lock() else {
            return;
        };
        let t = Instant::now() + d;
        b.not_before = Some(b.not_before.map_or(t, |x| x.max(t)));
    }

    /// Robots allows this URL?
    pub fn allowed(&self, url: &str) -> bool {
        self.robots.allowed(url)
    }
}

/// All hosts of one run, created on first use (after fetching their robots.txt).
#[derive(Default)]
pub struct Hosts {
    map: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Arc<Host>>>>>,
}

impl Hosts {
    /// The host's politeness object, initialising it with `init` (which fetches robots.txt)
    /// exactly once even when many tasks ask at the same time.
    pub async fn get<F, Fut>(&self, host: &str, init: F) -> Arc<Host>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Host>,
    {
        let cell = {
            let mut m = self.map.lock().await;
            m.entry(host.to_string()).or_default().clone()
        };
        cell.get_or_init(|| async { Arc::new(init().await) })
            .await
            .clone()
    }

    /// Hosts initialised so far.
    pub async fn all(&self) -> Vec<Arc<Host>> {
        let m = self.map.lock().await;
        let mut v: Vec<Arc<Host>> = m.values().filter_map(|c| c.get().cloned()).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn quota_spaces_requests_without_burst() {
        let clock = FakeRelativeClock::default();
        let q = quota_for(Duration::from_millis(500)).unwrap();
        let l = RateLimiter::direct_with_clock(q, clock.clone());
        assert!(l.check().is_ok());
        assert!(l.check().is_err(), "no burst");
        clock.advance(Duration::from_millis(499));
        assert!(l.check().is_err());
        clock.advance(Duration::from_millis(1));
        assert!(l.check().is_ok());
        // Over 10 simulated seconds at most 1 + 10/0.5 requests pass.
        let mut passed = 0;
        for _ in 0..1000 {
            clock.advance(Duration::from_millis(10));
            if l.check().is_ok() {
                passed += 1;
            }
        }
        assert!(passed <= 20, "{passed}");
        assert!(quota_for(Duration::ZERO).is_none());
    }

    fn pol(ms: u64) -> HostPoliteness {
        HostPoliteness {
            interval: Duration::from_millis(ms),
            concurrency: 2,
        }
    }

    #[test]
    fn crawl_delay_slows_but_never_speeds() {
        let r = Robots::parse("govtrust", b"User-agent: *\nCrawl-delay: 3\n");
        assert_eq!(
            Host::new("a", pol(1000), r, false).interval,
            Duration::from_secs(3)
        );
        let r = Robots::parse("govtrust", b"User-agent: *\nCrawl-delay: 0.1\n");
        assert_eq!(
            Host::new("a", pol(1000), r, false).interval,
            Duration::from_secs(1)
        );
    }

    #[tokio::test]
    async fn failures_back_off_and_success_resets() {
        let ms = Duration::from_millis;
        let policy = RetryPolicy {
            max_retries: 3,
            backoff_base: ms(100),
            backoff_cap: ms(800),
            jitter: false,
            retry_after_cap: Duration::from_secs(60),
        };
        let h = Host::new("a", pol(0), Robots::AllowAll, false);
        h.record(Attempt::Status(503), &policy, 0.5);
        h.record(Attempt::Status(503), &policy, 0.5);
        let t0 = Instant::now();
        drop(h.acquire().await);
        assert!(Instant::now() - t0 >= ms(190));
        h.record(Attempt::Status(200), &policy, 0.5);
        h.record(Attempt::Status(500), &policy, 0.5);
        let t1 = Instant::now();
        drop(h.acquire().await);
        let waited = Instant::now() - t1;
        assert!(waited >= ms(95), "{waited:?}");
        h.pause_for(ms(150));
        let t2 = Instant::now();
        drop(h.acquire().await);
        assert!(Instant::now() - t2 >= ms(145));
    }
}
