//! Request guards (cross-site POST refusal, sign-in redirects for pages, the banking API's
//! role check) and the headers that keep users' bank data out of caches.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    Json,
};

use super::{rate_limit::RateLimiter, state::AppState};
use crate::auth::ssr::AuthSession;
use cashflow_api::AppError;

/// The only route that accepts cross-site POSTs (Plaid calls it; its body is verified).
pub const WEBHOOK_PATH: &str = "/api/v1/banking/plaid/webhook";

/// The banking API: every route under it needs a trader or admin (the webhook excepted).
const BANKING_API: &str = "/api/v1/banking/";

/// The admin API: every route under it needs an admin.
const ADMIN_API: &str = "/api/v1/admin/";

/// Pages that need a signed-in user.
const PROTECTED_PAGES: &[&str] = &["/cash-flow", "/account", "/admin"];

/// `Cache-Control` of the build's hashed assets: their content never changes under a name.
pub const ASSET_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Refuses state-changing requests from other sites: `Sec-Fetch-Site` must be same-origin
/// (or `none`, typed by the user), else the `Origin` must be ours. Requests with neither
/// header (curl, server-to-server) pass: they carry no ambient browser cookies.
pub async fn refuse_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || request.uri().path() == WEBHOOK_PATH {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let allowed = match (fetch_site, origin) {
        (Some("same-origin" | "none"), _) => true,
        (Some(_), _) => false,
        (None, Some(origin)) => origin_matches(origin, host, Some(&state.public_url.origin().ascii_serialization())),
        (None, None) => true,
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(path = request.uri().path(), ?origin, ?fetch_site, "cross-site request refused");
        (
            StatusCode::FORBIDDEN,
            Json(AppError::new(cashflow_api::ErrorCode::CrossSite, "Cross-site requests are not allowed.")),
        )
            .into_response()
    }
}

fn origin_matches(origin: &str, host: Option<&str>, public_origin: Option<&str>) -> bool {
    if public_origin.is_some_and(|p| p == origin) {
        return true;
    }
    let Some(host) = host else { return false };
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
}

/// Sends signed-out visitors of protected pages to sign-in (with a `next` back), and
/// signed-in visitors of `/` or the sign-in page to the dashboard. Signed out, `/` is the
/// sign-in page itself.
pub async fn page_guard(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let signed_in = request.extensions().get::<AuthSession>().is_some_and(|s| s.user.is_some());
    if !signed_in && PROTECTED_PAGES.iter().any(|p| path == *p || path.starts_with(&format!("{p}/"))) {
        let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/cash-flow");
        return Redirect::to(&format!("/login?next={}", crate::auth::ssr::encode(target))).into_response();
    }
    if signed_in && (path == "/login" || path == "/") {
        return Redirect::to("/cash-flow").into_response();
    }
    next.run(request).await
}

/// Refuses the banking API to signed-out users (401) and viewers (403), and the admin API to
/// everyone but admins, before any request body is read. Handlers and server functions check the role again themselves.
pub async fn banking_api_guard(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    let roles = if path.starts_with(ADMIN_API) {
        Some(crate::admin::ssr::ADMINS)
    } else if path.starts_with(BANKING_API) && path != WEBHOOK_PATH {
        Some(crate::banking::ssr::TRADERS)
    } else {
        None
    };
    if let Some(roles) = roles {
        let user = request.extensions().get::<AuthSession>().and_then(|s| s.user.clone());
        if let Err(e) = crate::server::auth_backend::check_role(user.as_ref(), roles) {
            return e.into_response();
        }
    }
    next.run(request).await
}

/// How long browsers and proxies may keep each response:
/// - pages and API answers carry users' bank data, so no cache may keep them (a shared proxy,
///   or the browser showing a signed-out user's page on Back): `no-store` on HTML, JSON and
///   event streams that set nothing else;
/// - the build's scripts, wasm and styles under `/pkg/` have the hash of their content in
///   their names (cargo-leptos `hash-files`), so a found one never changes: `immutable` for a
///   year. Built without hashing (tests), they are revalidated each time (`no-cache`);
/// - other static files (the icon) for an hour.
///
/// Over https, browsers are also told to use https only (HSTS).
pub async fn cache_policy(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    let pkg = format!("/{}/", state.leptos_options.site_pkg_dir);
    let in_pkg = request.uri().path().starts_with(&pkg);
    let mut response = next.run(request).await;
    let found = response.status() == StatusCode::OK || response.status() == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let private = ["text/html", "application/json", "text/event-stream"].iter().any(|t| content_type.starts_with(t))
        || content_type.is_empty();
    let policy = match (private, found, in_pkg, state.leptos_options.hash_files) {
        (true, ..) | (false, false, ..) => "no-store",
        (false, true, true, true) => ASSET_IMMUTABLE,
        (false, true, true, false) => "no-cache",
        (false, true, false, _) => "public, max-age=3600",
    };
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    if state.public_url.scheme() == "https" {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// The per-client-address rate limits of the open routes.
#[derive(Clone)]
pub struct RateLimits {
    /// `POST /api/auth/login` and `/api/auth/change-password` (both hash passwords).
    pub sign_in: RateLimiter,
    /// The Plaid webhook.
    pub webhook: RateLimiter,
}

/// Applies [`RateLimits`] to the sign-in and webhook routes, before any body is read.
pub async fn rate_limits(State(limits): State<RateLimits>, request: Request<Body>, next: Next) -> Response {
    let limiter = match request.uri().path() {
        "/api/auth/login" | "/api/auth/change-password" => limits.sign_in,
        WEBHOOK_PATH => limits.webhook,
        _ => return next.run(request).await,
    };
    RateLimiter::layer(State(limiter), request, next).await
}

/// API error bodies: server functions answer every error with 500, so each gets the status
/// its code means (400 for a malformed body, 409 for a duplicate, …), and every one carries
/// the request's id.
pub async fn api_error_status(request: Request<Body>, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let request_id = request.headers().get(REQUEST_ID).cloned();
    let response = next.run(request).await;
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !is_api || !is_json || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(AppError::internal())).into_response();
    };
    let Ok(mut error) = serde_json::from_slice::<AppError>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if parts.status == StatusCode::INTERNAL_SERVER_ERROR {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    error.error.request_id = request_id.and_then(|id| id.to_str().ok().map(str::to_string));
    parts.headers.remove(header::CONTENT_LENGTH);
    (parts, Json(error)).into_response()
}

/// The header that carries each request's id.
pub const REQUEST_ID: &str = "x-request-id";

/// Gives every request a new id (a client's own `X-Request-Id` is replaced: ids in our logs are
/// ours), for the request's log span, its error body and the response's `X-Request-Id`.
pub async fn request_id(mut request: Request<Body>, next: Next) -> Response {
    let id = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).expect("a UUID is a valid header value");
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

#[cfg(test)]
mod tests {
    use super::origin_matches;

    #[test]
    fn origin_must_be_ours() {
        assert!(origin_matches("http://127.0.0.1:3000", Some("127.0.0.1:3000"), None));
        assert!(origin_matches("https://app.example", Some("internal:80"), Some("https://app.example")));
        assert!(!origin_matches("https://evil.example", Some("127.0.0.1:3000"), None));
        assert!(!origin_matches("null", Some("127.0.0.1:3000"), None));
    }
}
