//! When to retry a Plaid request, as a pure function that tests can drive.

use std::time::Duration;

/// What happened on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome<'a> {
    /// Plaid answered with an error status; `error_type` from its error object when parsed.
    Status {
        /// HTTP status.
        status: u16,
        /// Plaid `error_type`, if the body had one.
        error_type: Option<&'a str>,
        /// The `Retry-After` header, if present.
        retry_after: Option<Duration>,
    },
    /// The request timed out.
    Timeout,
    /// The connection failed before a response.
    Connect,
}

/// Retry limits: capped, jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry, before jitter.
    pub base_delay: Duration,
    /// Upper bound of any single delay, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 4, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(10) }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The delay before the next attempt, or `None` to give up.
    ///
    /// `attempt` counts from 1 (the attempt that just failed); `idempotent` says whether the
    /// request may be repeated after the server may have acted on it; `jitter` is a number in
    /// `[0, 1)` (random in production, fixed in tests) that spreads the delay over
    /// `[half, full]` of the exponential step.
    pub fn next_delay(
        &self,
        outcome: AttemptOutcome<'_>,
        attempt: u32,
        idempotent: bool,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !Self::retryable(outcome, idempotent) {
            return None;
        }
        let exponent = attempt.saturating_sub(1).min(16);
        let step = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        let jittered = step.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let delay = match outcome {
            AttemptOutcome::Status { retry_after: Some(after), .. } => after.max(jittered),
            _ => jittered,
        };
        Some(delay.min(self.max_delay))
    }

    /// Whether the outcome may be retried at all.
    ///
    /// 429 always (Plaid refused before acting); 5xx, timeouts and connection failures only
    /// for idempotent requests; `ITEM_ERROR` and `INVALID_*` never, whatever the status.
    pub fn retryable(outcome: AttemptOutcome<'_>, idempotent: bool) -> bool {
        match outcome {
            AttemptOutcome::Status { status, error_type, .. } => {
                if let Some(kind) = error_type {
                    if kind == "ITEM_ERROR" || kind.starts_with("INVALID_") {
                        return false;
                    }
                }
                status == 429 || (idempotent && (500..600).contains(&status))
            }
            AttemptOutcome::Timeout | AttemptOutcome::Connect => idempotent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, error_type: Option<&str>) -> AttemptOutcome<'_> {
        AttemptOutcome::Status { status, error_type, retry_after: None }
    }

    #[test]
    fn rate_limit_is_retried_even_when_not_idempotent() {
        let p = RetryPolicy::default();
        assert!(p.next_delay(status(429, Some("RATE_LIMIT_EXCEEDED")), 1, false, 0.0).is_some());
    }

    #[test]
    fn server_errors_and_timeouts_only_for_idempotent_requests() {
        let p = RetryPolicy::default();
        assert!(p.next_delay(status(500, Some("API_ERROR")), 1, true, 0.0).is_some());
        assert!(p.next_delay(status(500, Some("API_ERROR")), 1, false, 0.0).is_none());
        assert!(p.next_delay(AttemptOutcome::Timeout, 1, true, 0.0).is_some());
        assert!(p.next_delay(AttemptOutcome::Timeout, 1, false, 0.0).is_none());
    }

    #[test]
    fn item_and_invalid_errors_are_never_retried() {
        let p = RetryPolicy::default();
        assert!(p.next_delay(status(400, Some("ITEM_ERROR")), 1, true, 0.0).is_none());
        assert!(p.next_delay(status(400, Some("INVALID_REQUEST")), 1, true, 0.0).is_none());
        assert!(p.next_delay(status(500, Some("INVALID_INPUT")), 1, true, 0.0).is_none());
        assert!(p.next_delay(status(404, None), 1, true, 0.0).is_none());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p =
            RetryPolicy { max_attempts: 20, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        let d = |attempt, jitter| p.next_delay(AttemptOutcome::Timeout, attempt, true, jitter).unwrap();
        assert_eq!(d(1, 0.0), Duration::from_millis(50));
        assert_eq!(d(1, 1.0), Duration::from_millis(100));
        assert_eq!(d(2, 1.0), Duration::from_millis(200));
        assert_eq!(d(3, 0.5), Duration::from_millis(300));
        assert_eq!(d(10, 1.0), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        let after = |secs| AttemptOutcome::Status {
            status: 429,
            error_type: None,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(p.next_delay(after(3), 1, true, 0.0), Some(Duration::from_secs(3)));
        assert_eq!(p.next_delay(after(600), 1, true, 0.0), Some(p.max_delay));
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
        assert!(p.next_delay(AttemptOutcome::Connect, 2, true, 0.0).is_some());
        assert!(p.next_delay(AttemptOutcome::Connect, 3, true, 0.0).is_none());
    }
}
