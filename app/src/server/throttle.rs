//! Sign-in throttling: after a few failed attempts for one username, further attempts are
//! refused for a while, whatever the password, so passwords cannot be guessed at speed.
//! Counted per username (existing or not, so it reveals nothing) in this process.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failures allowed inside [`WINDOW`] before attempts are refused.
pub const MAX_FAILURES: u32 = 5;
/// How long failures count, and how long a locked username stays locked.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

/// Failed attempts per username.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl SignInThrottle {
    /// `Err(wait)` when the username is locked, with the time left.
    pub fn check(&self, username: &str) -> Result<(), Duration> {
        let map = self.failures.lock().expect("throttle lock");
        match map.get(&key(username)) {
            Some((count, since)) if *count >= MAX_FAILURES && since.elapsed() < WINDOW => Err(WINDOW - since.elapsed()),
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt.
    pub fn failed(&self, username: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        // Bounded memory: forget stale entries when the map grows.
        if map.len() > 10_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = map.entry(key(username)).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        entry.1 = Instant::now();
    }

    /// Clears the count after a successful sign-in.
    pub fn succeeded(&self, username: &str) {
        self.failures.lock().expect("throttle lock").remove(&key(username));
    }
}

fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_clears_on_success() {
        let throttle = SignInThrottle::default();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.failed("Alice");
        }
        assert!(throttle.check("alice").is_ok());
        throttle.failed(" alice ");
        assert!(throttle.check("ALICE").is_err(), "case and spaces do not dodge the count");
        assert!(throttle.check("bob").is_ok());
        throttle.succeeded("alice");
        assert!(throttle.check("alice").is_ok());
    }
}
