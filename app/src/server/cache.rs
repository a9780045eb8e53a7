//! A small in-memory cache with a time to live and a size bound, for what every request
//! reads (the session record, the signed-in user) and seldom changes.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Entries are served for `ttl` after they were put; at most `max` are kept (when full,
/// stale ones are dropped, and if none is stale, all are). Cheap to clone (shared).
#[derive(Clone)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    max: usize,
    entries: Arc<Mutex<HashMap<K, (V, Instant)>>>,
}

/// Shows the size only: entries may hold session data.
impl<K, V> std::fmt::Debug for TtlCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.lock().map(|e| e.len()).unwrap_or_default();
        f.debug_struct("TtlCache").field("ttl", &self.ttl).field("len", &len).finish()
    }
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    /// A cache serving entries for `ttl`, holding at most `max`.
    pub fn new(ttl: Duration, max: usize) -> Self {
        Self { ttl, max: max.max(1), entries: Arc::default() }
    }

    /// The entry for `key`, if put less than `ttl` ago.
    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().expect("cache lock");
        entries.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(v, _)| v.clone())
    }

    /// Puts `value` for `key`.
    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= self.max && !entries.contains_key(&key) {
            entries.retain(|_, (_, at)| at.elapsed() < self.ttl);
            if entries.len() >= self.max {
                entries.clear();
            }
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Drops the entry for `key` (it changed).
    pub fn forget(&self, key: &K) {
        self.entries.lock().expect("cache lock").remove(key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().expect("cache lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_can_be_forgotten_and_stay_bounded() {
        let cache = TtlCache::new(Duration::from_millis(50), 3);
        cache.put(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        cache.forget(&1);
        assert_eq!(cache.get(&1), None);
        cache.put(2, "b");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&2), None, "stale");
        for k in 10..20 {
            cache.put(k, "x");
        }
        assert!(cache.len() <= 3);
    }
}
