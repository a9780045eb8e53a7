use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};

use crate::{
    retry::{AttemptOutcome, RetryPolicy},
    Endpoint, Environment, Error, PlaidApiError, PlaidConfig, PLAID_VERSION,
};

/// An async Plaid API client. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct PlaidClient {
    http: reqwest::Client,
    environment: Environment,
    retry: RetryPolicy,
    timeout: Duration,
}

impl std::fmt::Debug for PlaidClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaidClient")
            .field("environment", &self.environment)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`PlaidClient`].
pub struct PlaidClientBuilder {
    config: PlaidConfig,
    retry: RetryPolicy,
}

impl PlaidClientBuilder {
    /// Per-request timeout (default 30 s; `/accounts/balance/get` can take that long).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Builds the client; fails only if the credentials cannot be sent as header values.
    pub fn build(self) -> Result<PlaidClient, Error> {
        let mut headers = HeaderMap::new();
        let mut secret_header = |name: &'static str, value: &str| -> Result<(), Error> {
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| Error::Config(format!("{name} contains characters not allowed in a header")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
            Ok(())
        };
        secret_header("PLAID-CLIENT-ID", self.config.client_id())?;
        secret_header("PLAID-SECRET", self.config.secret())?;
        headers.insert("Plaid-Version", HeaderValue::from_static(PLAID_VERSION));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(self.config.timeout)
            .connect_timeout(self.config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("plaid-client-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(PlaidClient { http, environment: self.config.environment, retry: self.retry, timeout: self.config.timeout })
    }
}

impl PlaidClient {
    /// Starts a builder with the given environment and credentials.
    pub fn builder(
        environment: Environment,
        client_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> PlaidClientBuilder {
        PlaidClientBuilder {
            config: PlaidConfig {
                environment,
                client_id: client_id.into().into(),
                secret: secret.into().into(),
                timeout: Duration::from_secs(30),
            },
            retry: RetryPolicy::default(),
        }
    }

    /// Starts a builder from a [`PlaidConfig`] (e.g. from [`PlaidConfig::from_env`]).
    pub fn from_config(config: PlaidConfig) -> PlaidClientBuilder {
        PlaidClientBuilder { config, retry: RetryPolicy::default() }
    }

    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Sends one request, retrying per the policy, and decodes the typed response.
    /// A call that finally fails is logged at warn with Plaid's `error_type`, `error_code`
    /// and `request_id` (never the request body, which may hold an access token).
    /// Counted in `cashflow_plaid_requests_total{endpoint,outcome,error_code}` and timed in
    /// `cashflow_plaid_request_duration_seconds{endpoint}` (retries included).
    pub async fn send<E: Endpoint>(&self, request: &E) -> Result<E::Response, Error> {
        let started = std::time::Instant::now();
        let result = self.send_with_retries(request).await;
        let (outcome, error_code) = match &result {
            Ok(_) => ("ok", String::new()),
            Err(Error::Api(e)) => ("plaid_error", e.error_code.clone()),
            Err(Error::Timeout { .. }) => ("timeout", String::new()),
            Err(Error::Transport { .. }) => ("unreachable", String::new()),
            Err(_) => ("invalid_response", String::new()),
        };
        metrics::counter!("cashflow_plaid_requests_total", "endpoint" => E::PATH, "outcome" => outcome, "error_code" => error_code)
            .increment(1);
        metrics::histogram!("cashflow_plaid_request_duration_seconds", "endpoint" => E::PATH)
            .record(started.elapsed().as_secs_f64());
        if let Err(e) = &result {
            match e.api() {
                Some(api) => tracing::warn!(
                    endpoint = E::PATH,
                    status = api.status,
                    error_type = %api.error_type,
                    error_code = %api.error_code,
                    request_id = api.request_id.as_deref().unwrap_or("-"),
                    "Plaid call failed"
                ),
                None => tracing::warn!(endpoint = E::PATH, error = %e, "Plaid call failed"),
            }
        }
        result
    }

    async fn send_with_retries<E: Endpoint>(&self, request: &E) -> Result<E::Response, Error> {
        let url = format!("{}{}", self.environment.base_url(), E::PATH);
        let mut attempt = 1;
        loop {
            let result = self.attempt::<E>(&url, request).await;
            let outcome = match &result {
                Ok(_) => return result,
                Err(Error::Api(e)) => AttemptOutcome::Status {
                    status: e.status.unwrap_or(500),
                    error_type: Some(e.error_type.as_str()),
                    retry_after: e.retry_after,
                },
                Err(Error::Timeout { .. }) => AttemptOutcome::Timeout,
                Err(Error::Transport { .. }) => AttemptOutcome::Connect,
                Err(Error::Decode { status, .. }) if *status >= 400 => {
                    AttemptOutcome::Status { status: *status, error_type: None, retry_after: None }
                }
                Err(_) => return result,
            };
            let jitter = rand::thread_rng().gen::<f64>();
            match self.retry.next_delay(outcome, attempt, E::IDEMPOTENT, jitter) {
                Some(delay) => {
                    tracing::warn!(endpoint = E::PATH, attempt, ?delay, outcome = ?outcome, "retrying Plaid request");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => return result,
            }
        }
    }

    async fn attempt<E: Endpoint>(&self, url: &str, request: &E) -> Result<E::Response, Error> {
        let response = self.http.post(url).json(request).send().await.map_err(|e| self.transport(E::PATH, e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response.bytes().await.map_err(|e| self.transport(E::PATH, e))?;
        if (200..300).contains(&status) {
            return decode::<E::Response>(E::PATH, status, &body);
        }
        let mut error: PlaidApiError = decode(E::PATH, status, &body)?;
        error.status.get_or_insert(status);
        error.retry_after = retry_after.map(Duration::from_secs);
        tracing::debug!(endpoint = E::PATH, status, code = %error.error_code, request_id = ?error.request_id, "Plaid error");
        Err(Error::Api(Box::new(error)))
    }

    fn transport(&self, endpoint: &'static str, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout { endpoint, timeout: self.timeout }
        } else {
            Error::Transport { endpoint, source: e.without_url() }
        }
    }
}

/// Decodes JSON, naming the path of the first value that failed.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    status: u16,
    body: &[u8],
) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        endpoint,
        status,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}
