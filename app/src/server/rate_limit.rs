//! Rate limits (token buckets keyed by client address, or by user for what costs a Plaid
//! call) and where the client address comes from: the TCP peer, or, behind a proxy, only the
//! header the operator names.

use std::{
    collections::HashMap,
    hash::Hash,
    net::{IpAddr, Ipv6Addr, SocketAddr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderName, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};

use cashflow_api::AppError;

/// Clients (addresses or users) tracked at once per limiter; beyond it, idle ones are
/// forgotten, and if none is idle new clients are refused (memory stays bounded under an
/// address-rotating flood).
const MAX_CLIENTS: usize = 100_000;

/// The client's address, as the server trusts it: set on every request by [`client_addr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Where the client address comes from.
#[derive(Debug, Clone, Default)]
pub struct ClientAddrSource {
    /// A header set by our own reverse proxy (e.g. `x-real-ip`, or `x-forwarded-for`, whose
    /// last entry is the one our proxy added). `None`: the TCP peer address.
    pub trusted_header: Option<HeaderName>,
}

impl ClientAddrSource {
    /// The client address of a request with `headers` from `peer`.
    pub fn resolve(&self, headers: &http::HeaderMap, peer: Option<SocketAddr>) -> IpAddr {
        let from_header = self.trusted_header.as_ref().and_then(|name| {
            let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        });
        from_header.or(peer.map(|p| p.ip())).unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED))
    }
}

/// Sets [`ClientAddr`] on the request.
pub async fn client_addr(State(source): State<ClientAddrSource>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let addr = source.resolve(request.headers(), peer);
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per client (a client address by default; a user id where each user is
/// limited): `burst` requests at once, refilled at `per_minute`.
#[derive(Clone, Debug)]
pub struct RateLimiter<K = IpAddr> {
    name: &'static str,
    per_minute: u32,
    burst: u32,
    clients: Arc<Mutex<HashMap<K, Bucket>>>,
}

impl<K: Hash + Eq + Copy> RateLimiter<K> {
    /// A limiter called `name` (for logs) allowing `burst` at once and `per_minute` after.
    pub fn new(name: &'static str, per_minute: u32, burst: u32) -> Self {
        Self { name, per_minute: per_minute.max(1), burst: burst.max(1), clients: Arc::default() }
    }

    /// Takes one token for `client`, or says how long to wait for one.
    pub fn take(&self, client: K) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, key: K, now: Instant) -> Result<(), Duration> {
        let rate = f64::from(self.per_minute) / 60.0;
        let capacity = f64::from(self.burst);
        let mut clients = self.clients.lock().expect("rate limiter lock");
        if !clients.contains_key(&key) && clients.len() >= MAX_CLIENTS {
            // Forget clients whose bucket has filled up again: they are as good as new.
            clients.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
            if clients.len() >= MAX_CLIENTS {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = clients.entry(key).or_insert(Bucket { tokens: capacity, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate).max(Duration::from_secs(1)))
        }
    }
}

impl RateLimiter<IpAddr> {
    /// Takes one token for `addr` (IPv6 counted per /64), or says how long to wait for one.
    pub fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        self.take(key(addr))
    }

    /// Middleware: 429 with `Retry-After` once the client's bucket is empty.
    pub async fn layer(State(limiter): State<RateLimiter>, request: Request, next: Next) -> Response {
        let addr = request.extensions().get::<ClientAddr>().map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0);
        match limiter.check(addr) {
            Ok(()) => next.run(request).await,
            Err(wait) => {
                tracing::warn!(limiter = limiter.name, client = %addr, "rate limit reached");
                metrics::counter!("cashflow_rate_limit_refusals_total", "limit" => limiter.name).increment(1);
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(AppError::new(
                        cashflow_api::ErrorCode::RateLimited,
                        "Too many requests. Please wait a moment and try again.",
                    )),
                )
                    .into_response();
                let secs = wait.as_secs_f64().ceil() as u64;
                response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
                response
            }
        }
    }
}

/// IPv6 clients are limited per /64 (one subscriber's allocation), IPv4 per address.
fn key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => IpAddr::V4(v6.to_ipv4_mapped().expect("checked")),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_the_refill_rate_and_others_are_unaffected() {
        let limiter = RateLimiter::<IpAddr>::new("test", 60, 3);
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(a, t0).is_ok());
        }
        assert!(limiter.check_at(a, t0).unwrap_err() >= Duration::from_secs(1));
        assert!(limiter.check_at(b, t0).is_ok(), "another client has its own bucket");
        assert!(limiter.check_at(a, t0 + Duration::from_secs(1)).is_ok(), "one a second comes back");
        assert!(limiter.check_at(a, t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64_and_the_header_is_trusted_only_when_named() {
        assert_eq!(key("2001:db8:1:2:aaaa::1".parse().unwrap()), key("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_ne!(key("2001:db8:1:2::1".parse().unwrap()), key("2001:db8:1:3::1".parse().unwrap()));
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        let peer = Some(SocketAddr::from(([192, 0, 2, 1], 443)));
        assert_eq!(ClientAddrSource::default().resolve(&headers, peer), IpAddr::from([192, 0, 2, 1]), "not trusted");
        let proxied = ClientAddrSource { trusted_header: Some(HeaderName::from_static("x-forwarded-for")) };
        assert_eq!(proxied.resolve(&headers, peer), IpAddr::from([203, 0, 113, 9]), "the entry our proxy added");
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_addresses() {
        let limiter = RateLimiter::<IpAddr>::new("test", 60, 1);
        let t0 = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 10) {
            let _ = limiter.check_at(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(limiter.clients.lock().unwrap().len() <= MAX_CLIENTS);
        // Later, idle clients are forgotten to make room.
        assert!(limiter.check_at("203.0.113.1".parse().unwrap(), t0 + Duration::from_secs(2)).is_ok());
    }
}
