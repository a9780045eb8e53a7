//! Prometheus metrics at `GET /metrics`: the process's one recorder (the `metrics` facade,
//! which `plaid-client`, `banking-core` and this crate write to), the HTTP request metrics
//! middleware, and who may scrape.
//!
//! Families (each `cashflow_` prefixed): `http_requests_total{route,method,status}` and
//! `http_request_duration_seconds{route,method}`; `plaid_requests_total{endpoint,outcome,
//! error_code}` and `plaid_request_duration_seconds{endpoint}`; `syncs_total{outcome}`,
//! `sync_duration_seconds`, `sync_transactions_total{change}`; `webhooks_received_total{type,
//! code,verification}`; `event_streams_open`; `outbox_backlog`, `relay_lag_seconds`,
//! `events_published_total{result}`; `sign_in_failures_total`, `rate_limit_refusals_total{limit}`.

use std::{net::IpAddr, sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::rate_limit::ClientAddr;

/// Who may scrape `/metrics`: these client addresses, or a bearer token.
#[derive(Clone, Debug)]
pub struct MetricsAccess {
    /// Addresses allowed without a token (`METRICS_ALLOW`, default the loopback ones).
    pub allow: Vec<IpAddr>,
    /// `Authorization: Bearer <token>` allowed from anywhere (`METRICS_TOKEN`).
    pub token: Option<secrecy::SecretString>,
}

/// The process's recorder (installed on first use; every server in the process shares it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
            .expect("histogram buckets are not empty")
            .install_recorder()
            .expect("one metrics recorder per process")
    })
}

/// Describes the families and starts those an alert watches at zero, so a scrape shows them
/// before anything happened (an absent series cannot be alerted on).
pub fn register_families() {
    let _ = handle();
    metrics::describe_counter!("cashflow_http_requests_total", "HTTP requests by matched route, method and status");
    metrics::describe_histogram!("cashflow_http_request_duration_seconds", "HTTP request latency by route");
    metrics::describe_counter!("cashflow_plaid_requests_total", "Plaid calls by endpoint, outcome and error_code");
    metrics::describe_histogram!("cashflow_plaid_request_duration_seconds", "Plaid call latency (retries included)");
    metrics::describe_counter!("cashflow_syncs_total", "Sync passes by outcome");
    metrics::describe_histogram!("cashflow_sync_duration_seconds", "Sync pass duration");
    metrics::describe_counter!("cashflow_sync_transactions_total", "Transactions applied by syncs, by change");
    metrics::describe_counter!("cashflow_webhooks_received_total", "Webhooks by type, code and verification result");
    metrics::describe_gauge!("cashflow_event_streams_open", "Live-event streams open on this instance");
    metrics::describe_gauge!("cashflow_outbox_backlog", "Events waiting in the outbox");
    metrics::describe_gauge!("cashflow_relay_lag_seconds", "Age of the oldest event waiting in the outbox");
    metrics::describe_counter!("cashflow_events_published_total", "Events the relay published (new or duplicate)");
    metrics::describe_counter!("cashflow_sign_in_failures_total", "Sign-ins refused for wrong credentials");
    metrics::describe_counter!("cashflow_rate_limit_refusals_total", "Requests refused by a rate limit, by limit");
    metrics::gauge!("cashflow_event_streams_open").set(0.0);
    metrics::counter!("cashflow_sign_in_failures_total").increment(0);
    metrics::counter!("cashflow_syncs_total", "outcome" => "failed").increment(0);
    for limit in ["sign-in", "webhook", "sign-in-lockout"] {
        metrics::counter!("cashflow_rate_limit_refusals_total", "limit" => limit).increment(0);
    }
    for verification in ["refused", "unavailable"] {
        let labels = [("type", "unknown"), ("code", "unknown"), ("verification", verification)];
        metrics::counter!("cashflow_webhooks_received_total", &labels).increment(0);
    }
}

/// `GET /metrics`: the text exposition, for an allowed address or the bearer token; 404
/// for anyone else (the endpoint is not advertised).
pub async fn scrape(access: MetricsAccess, request: Request) -> Response {
    use secrecy::ExposeSecret;
    let from_allowed = request.extensions().get::<ClientAddr>().is_some_and(|ClientAddr(ip)| access.allow.contains(ip));
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let with_token = match (&access.token, bearer) {
        (Some(token), Some(given)) => {
            use subtle::ConstantTimeEq;
            bool::from(token.expose_secret().as_bytes().ct_eq(given.as_bytes()))
        }
        _ => false,
    };
    if !(from_allowed || with_token) {
        return StatusCode::NOT_FOUND.into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render()).into_response()
}

/// Counts every request by its matched route (not its path: ids stay out of the labels),
/// method and status, and times it.
pub async fn http_metrics(request: Request, next: Next) -> Response {
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_string(),
        // The simulator is one nested service; other paths matched no route (assets, 404s).
        None if request.uri().path().starts_with("/sim/") => "/sim/*".into(),
        None => "unmatched".into(),
    };
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("cashflow_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("cashflow_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}
