//! Retries decided in one place: which outcomes are worth another attempt, how long to wait
//! (exponential backoff with full jitter, capped), and `Retry-After` in seconds or as an
//! HTTP-date, capped so a hostile header cannot park the crawl.

use std::time::{Duration, SystemTime};

use crate::config::crawl::RetryPolicy;

/// What a fetch attempt ended in, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Status(u16),
    Timeout,
    Connect,
    /// Reset or broken mid-body.
    Reset,
    /// Refused by us (scope, address, body too large, redirect loop): never retried.
    Fatal,
}

/// Whether an attempt is retried.
pub fn should_retry(a: Attempt) -> bool {
    match a {
        Attempt::Status(s) => matches!(s, 408 | 425 | 429 | 500 | 502 | 503 | 504),
        Attempt::Timeout | Attempt::Connect | Attempt::Reset => true,
        Attempt::Fatal => false,
    }
}

/// Should this outcome also slow the whole host down (adaptive backoff)?
pub fn slows_host(a: Attempt) -> bool {
    match a {
        Attempt::Status(s) => s == 429 || s >= 500,
        Attempt::Timeout | Attempt::Connect | Attempt::Reset => true,
        Attempt::Fatal => false,
    }
}

/// Backoff before retry number `retry` (0 = first retry): `base · 2^retry`, capped; with jitter,
/// uniformly drawn from [0, that] ("full jitter") by `unit` ∈ [0, 1).
pub fn backoff(policy: &RetryPolicy, retry: u32, unit: f64) -> Duration {
    let exp = policy
        .backoff_base
        .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX));
    let d = exp.min(policy.backoff_cap);
    if policy.jitter {
        d.mul_f64(unit.clamp(0.0, 1.0))
    } else {
        d
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date (relative to `now`), capped at `cap`.
/// A date in the past means zero; garbage means `None` (the caller falls back to backoff).
pub fn parse_retry_after(value: &str, now: SystemTime, cap: Duration) -> Option<Duration> {
    let v = value.trim();
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = httpdate::parse_http_date(v).ok()?;
        when.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(d.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: bool) -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(10),
            jitter,
            retry_after_cap: Duration::from_secs(120),
        }
    }

    #[test]
    fn retries_transient_failures_only() {
        for s in [429, 500, 502, 503, 504, 408] {
            assert!(should_retry(Attempt::Status(s)), "{s}");
        }
        for s in [200, 301, 304, 400, 403, 404, 410] {
            assert!(!should_retry(Attempt::Status(s)), "{s}");
        }
        assert!(
            should_retry(Attempt::Timeout)
                && should_retry(Attempt::Reset)
                && should_retry(Attempt::Connect)
        );
        assert!(!should_retry(Attempt::Fatal));
        assert!(slows_host(Attempt::Status(503)) && !slows_host(Attempt::Status(404)));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = policy(false);
        assert_eq!(backoff(&p, 0, 0.3), Duration::from_millis(500));
        assert_eq!(backoff(&p, 1, 0.3), Duration::from_secs(1));
        assert_eq!(backoff(&p, 3, 0.3), Duration::from_secs(4));
        assert_eq!(backoff(&p, 10, 0.3), Duration::from_secs(10));
        assert_eq!(backoff(&p, 40, 0.3), Duration::from_secs(10));
        let j = policy(true);
        assert_eq!(backoff(&j, 2, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(&j, 2, 0.0), Duration::ZERO);
        assert!(backoff(&j, 30, 0.999) <= Duration::from_secs(10));
    }

    #[test]
    fn retry_after_seconds_dates_and_cap() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let cap = Duration::from_secs(120);
        assert_eq!(
            parse_retry_after("7", now, cap),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after("86400", now, cap), Some(cap));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now, cap),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now, cap), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now, cap), None);
        assert_eq!(parse_retry_after("-5", now, cap), None);
    }
}
