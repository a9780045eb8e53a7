//! Slots for the live-event streams: a cap per user and one in all, so open streams (each a
//! connection and a broadcast receiver) cannot grow without end.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

/// Limits on live-event streams.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    /// Streams one user may hold open (tabs, devices).
    pub per_user: usize,
    /// Streams open in all.
    pub total: usize,
    /// A stream that delivered nothing for this long closes; the browser reconnects, and
    /// the session is checked again.
    pub idle: Duration,
}

#[derive(Default, Debug)]
struct Counts {
    total: usize,
    per_user: HashMap<i64, usize>,
}

/// Hands out stream slots within [`StreamLimits`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct StreamSlots {
    limits: StreamLimits,
    counts: Arc<Mutex<Counts>>,
}

/// An open stream's slot: given back when dropped (the stream ended or the client left).
#[derive(Debug)]
pub struct StreamSlot {
    slots: StreamSlots,
    user: i64,
}

impl StreamSlots {
    /// Slots within `limits`.
    pub fn new(limits: StreamLimits) -> Self {
        Self { limits, counts: Arc::default() }
    }

    /// The limits.
    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    /// A slot for `user`, or `None` when the user's or the server's streams are at the cap.
    pub fn take(&self, user: i64) -> Option<StreamSlot> {
        let mut counts = self.counts.lock().expect("stream slots lock");
        let mine = counts.per_user.get(&user).copied().unwrap_or(0);
        if mine >= self.limits.per_user || counts.total >= self.limits.total {
            return None;
        }
        counts.total += 1;
        counts.per_user.insert(user, mine + 1);
        metrics::gauge!("cashflow_event_streams_open").set(counts.total as f64);
        Some(StreamSlot { slots: self.clone(), user })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.slots.counts.lock().expect("stream slots lock");
        counts.total = counts.total.saturating_sub(1);
        metrics::gauge!("cashflow_event_streams_open").set(counts.total as f64);
        if let Some(n) = counts.per_user.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                counts.per_user.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_user_and_in_all_and_come_back_when_dropped() {
        let slots = StreamSlots::new(StreamLimits { per_user: 2, total: 3, idle: Duration::from_secs(60) });
        let a1 = slots.take(1).unwrap();
        let _a2 = slots.take(1).unwrap();
        assert!(slots.take(1).is_none(), "per user");
        let _b1 = slots.take(2).unwrap();
        assert!(slots.take(3).is_none(), "in all");
        drop(a1);
        assert!(slots.take(1).is_some(), "a closed stream frees its slot");
        assert_eq!(slots.counts.lock().unwrap().total, 2, "the temporary slot was given back too");
    }
}
