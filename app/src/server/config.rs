//! The server's typed configuration: command-line flags and environment variables (a `.env`
//! file is honoured in development), validated at start-up.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

/// `app`: the Cash Flow server.
#[derive(Debug, Parser)]
#[command(name = "app", version, about = "Cash Flow: bank connectivity for traders")]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings.
    #[command(flatten)]
    pub config: Config,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// The durable event stream (needs EVENTS_NATS_URL).
    Events {
        /// What to do with it.
        #[command(subcommand)]
        action: EventsCommand,
    },
    /// Create a user, or reset an existing user's password and role. The password is read
    /// from the NEW_USER_PASSWORD environment variable, or else from the first line of stdin.
    CreateUser {
        /// Username.
        #[arg(long)]
        username: String,
        /// Role: trader, admin or viewer.
        #[arg(long, default_value = "trader")]
        role: String,
    },
}

/// `app events …`.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print the stream's events as JSON lines as they arrive.
    Tail {
        /// Only this user's events.
        #[arg(long)]
        user: Option<i64>,
        /// Start from the oldest event the stream keeps instead of new ones.
        #[arg(long)]
        from_start: bool,
    },
    /// Print the JSON Schema of the events (`docs/events.schema.json`).
    Schema,
}

impl Config {
    /// The relay's settings for `url`, with this configuration's stream and subjects.
    pub fn relay_config(&self, url: &str) -> banking_core::relay::RelayConfig {
        banking_core::relay::RelayConfig {
            stream: self.events_stream.clone(),
            subject_prefix: self.events_subject_prefix.clone(),
            ..banking_core::relay::RelayConfig::new(url)
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Every setting; secrets print as `[REDACTED]`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Database URL: `sqlite://path` (embedded default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/cashflow.db")]
    pub database_url: String,
    /// Directory for local state (the SQLite file, the simulation-mode dev key).
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Address to listen on (default: Leptos.toml's site-addr, or cargo-leptos's).
    #[arg(long, env = "LISTEN_ADDR")]
    pub listen_addr: Option<SocketAddr>,
    /// The URL users reach the app at; its origin is the only one allowed to POST, https
    /// makes cookies `Secure`, and Plaid's webhook URL is built from it.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Run against the built-in Plaid simulator, on purpose. Without it, simulation mode
    /// still starts when PLAID_CLIENT_ID is unset and PUBLIC_URL is plain http (development),
    /// but an https PUBLIC_URL (a deployment) refuses to start rather than simulate by accident.
    #[arg(long, env = "SIMULATION", default_value_t = false)]
    pub simulation: bool,
    /// Plaid client id. Unset means simulation mode.
    #[arg(long, env = "PLAID_CLIENT_ID", hide_env_values = true, value_parser = secret)]
    pub plaid_client_id: Option<SecretString>,
    /// Plaid secret for PLAID_ENV.
    #[arg(long, env = "PLAID_SECRET", hide_env_values = true, value_parser = secret)]
    pub plaid_secret: Option<SecretString>,
    /// `sandbox` or `production` (live mode only).
    #[arg(long, env = "PLAID_ENV", default_value = "sandbox")]
    pub plaid_env: String,
    /// Access-token encryption keys, `id:base64key[,id:base64key…]`, the first one active.
    /// Required in live mode.
    #[arg(long, env = "ENCRYPTION_KEYS", hide_env_values = true, value_parser = secret)]
    pub encryption_keys: Option<SecretString>,
    /// Plaid OAuth redirect URI (must be registered with Plaid).
    #[arg(long, env = "PLAID_REDIRECT_URI")]
    pub plaid_redirect_uri: Option<String>,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Seconds in-flight requests get to finish after SIGINT/SIGTERM.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Password hashes (sign-in) that may run at once; default: one per core. Each takes
    /// 19 MiB while it runs.
    #[arg(long, env = "PASSWORD_HASH_CONCURRENCY")]
    pub password_hash_concurrency: Option<usize>,
    /// Milliseconds a sign-in waits for a hashing slot before it is answered 429.
    #[arg(long, env = "PASSWORD_HASH_WAIT_MS", default_value_t = 2000)]
    pub password_hash_wait_ms: u64,
    /// Behind a reverse proxy: the header it sets to the client's address (e.g. `x-real-ip`;
    /// for `x-forwarded-for` the last entry counts). Unset: the TCP peer address. Never set
    /// it without a proxy that overwrites the header, or clients choose their own address.
    #[arg(long, env = "TRUSTED_CLIENT_IP_HEADER", value_parser = header_name)]
    pub trusted_client_ip_header: Option<http::HeaderName>,
    /// Sign-in attempts per minute per client address (the burst is the same number).
    #[arg(long, env = "SIGN_IN_RATE_PER_MINUTE", default_value_t = 20)]
    pub sign_in_rate_per_minute: u32,
    /// Webhook deliveries per minute per client address (Plaid sends from a few addresses).
    #[arg(long, env = "WEBHOOK_RATE_PER_MINUTE", default_value_t = 600)]
    pub webhook_rate_per_minute: u32,
    /// Link tokens one user may ask for per minute (each is a Plaid call; each dashboard view
    /// and each Connect Bank makes one; the burst is the same number).
    #[arg(long, env = "LINK_TOKENS_PER_MINUTE", default_value_t = 10)]
    pub link_tokens_per_minute: u32,
    /// Connections open at once; further clients wait to be accepted.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Seconds a request may take until its response starts (408 after).
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    pub request_timeout_secs: u64,
    /// Live-event streams one user may hold open.
    #[arg(long, env = "EVENT_STREAMS_PER_USER", default_value_t = 5)]
    pub event_streams_per_user: usize,
    /// Live-event streams open in all.
    #[arg(long, env = "EVENT_STREAMS_TOTAL", default_value_t = 1000)]
    pub event_streams_total: usize,
    /// Seconds after which a live-event stream that sent nothing closes (the browser
    /// reconnects).
    #[arg(long, env = "EVENT_STREAM_IDLE_SECS", default_value_t = 300)]
    pub event_stream_idle_secs: u64,
    /// NATS server of the durable event stream (e.g. `nats://127.0.0.1:4222`). Set: every
    /// change also writes its events to the outbox, and this instance's relay publishes
    /// them to JetStream stream `BANKING`. Unset: no outbox, no broker needed.
    #[arg(long, env = "EVENTS_NATS_URL")]
    pub events_nats_url: Option<String>,
    /// JetStream stream the relay publishes to (created if missing).
    #[arg(long, env = "EVENTS_STREAM", default_value = "BANKING")]
    pub events_stream: String,
    /// Subject prefix: events go to `<prefix>.<user_id>.<type>`.
    #[arg(long, env = "EVENTS_SUBJECT_PREFIX", default_value = "banking")]
    pub events_subject_prefix: String,
    /// Client addresses that may read `/metrics` without a token (comma-separated).
    #[arg(long, env = "METRICS_ALLOW", value_delimiter = ',', default_value = "127.0.0.1,::1")]
    pub metrics_allow: Vec<std::net::IpAddr>,
    /// A bearer token that may read `/metrics` from anywhere.
    #[arg(long, env = "METRICS_TOKEN")]
    pub metrics_token: Option<SecretString>,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after sign-in after which a session ends, however active.
    #[arg(long, env = "SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,
    /// Sync Items not synced for this many minutes (safety net for lost webhooks).
    #[arg(long, env = "SAFETY_NET_SYNC_MINUTES", default_value_t = 360)]
    pub safety_net_sync_minutes: u64,
}

fn header_name(value: &str) -> Result<http::HeaderName, String> {
    http::HeaderName::from_bytes(value.trim().as_bytes()).map_err(|_| format!("`{value}` is not a header name"))
}

fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_string()))
}

impl Config {
    /// True when no Plaid credentials are configured: the built-in simulator stands in.
    pub fn simulation_mode(&self) -> bool {
        self.plaid_client_id.is_none()
    }

    /// The connection bounds these settings ask for.
    pub fn connection_limits(&self) -> super::listener::ConnectionLimits {
        super::listener::ConnectionLimits {
            max_connections: self.max_connections.max(1),
            header_read_timeout: std::time::Duration::from_secs(self.header_read_timeout_secs.max(1)),
        }
    }

    /// The bound on password hashing these settings ask for.
    pub fn hashing(&self) -> banking_core::users::Hashing {
        let parallel = self
            .password_hash_concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        banking_core::users::Hashing::new(parallel, std::time::Duration::from_millis(self.password_hash_wait_ms))
    }

    /// Checks combinations clap cannot; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.simulation && self.plaid_client_id.is_some() {
            return Err(
                "SIMULATION is set, and so is PLAID_CLIENT_ID: choose one (unset PLAID_CLIENT_ID to simulate)".into()
            );
        }
        let deployed = self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        if self.simulation_mode() && deployed && !self.simulation {
            return Err("PLAID_CLIENT_ID is not set, but PUBLIC_URL is https, so this looks like a deployment: \
                        refusing to start with simulated banks and demo users. Set PLAID_CLIENT_ID, \
                        PLAID_SECRET and ENCRYPTION_KEYS for live mode, or SIMULATION=true to run the \
                        simulator on purpose."
                .into());
        }
        if !self.simulation_mode() {
            if self.plaid_secret.is_none() {
                return Err("PLAID_SECRET must be set when PLAID_CLIENT_ID is (live mode)".into());
            }
            if self.encryption_keys.is_none() {
                return Err("ENCRYPTION_KEYS is required in live mode: access tokens are never stored unencrypted. \
                            Generate one with `echo \"k1:$(openssl rand -base64 32)\"`."
                    .into());
            }
            if self.public_url.as_deref().is_none_or(|u| !u.starts_with("https://")) {
                return Err(
                    "PUBLIC_URL must be an https:// URL in live mode (cookies and Plaid webhooks need it)".into()
                );
            }
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("PUBLIC_URL must start with http:// or https://, not `{url}`"));
            }
        }
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres")) {
            return Err("DATABASE_URL must start with sqlite: or postgres://".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        let mut all = vec!["app"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().config
    }

    #[test]
    fn live_mode_refuses_to_start_without_an_encryption_key() {
        let config = parse(&["--plaid-client-id", "id", "--plaid-secret", "s", "--public-url", "https://x.example"]);
        let err = config.validate().unwrap_err();
        assert!(err.contains("ENCRYPTION_KEYS"), "{err}");
    }

    #[test]
    fn secrets_are_redacted_when_printed() {
        let config =
            parse(&["--plaid-client-id", "client-123", "--plaid-secret", "sekrit-456", "--encryption-keys", "k1:AAAA"]);
        let printed = format!("{config:?}");
        for secret in ["client-123", "sekrit-456", "k1:AAAA"] {
            assert!(!printed.contains(secret), "{secret} leaked: {printed}");
        }
    }

    #[test]
    fn an_https_deployment_without_plaid_credentials_refuses_to_simulate_unless_asked() {
        let err = parse(&["--public-url", "https://cash.example"]).validate().unwrap_err();
        assert!(err.contains("SIMULATION=true") && err.contains("PLAID_CLIENT_ID"), "{err}");
        assert!(parse(&["--public-url", "https://cash.example", "--simulation"]).validate().is_ok());
        assert!(parse(&["--public-url", "http://127.0.0.1:3000"]).validate().is_ok(), "development stays simple");
        let both = parse(&["--simulation", "--plaid-client-id", "id", "--plaid-secret", "s"]);
        assert!(both.validate().unwrap_err().contains("choose one"));
    }

    #[test]
    fn a_trusted_client_header_must_be_a_header_name() {
        let err = Cli::try_parse_from(["app", "--trusted-client-ip-header", "x real ip"]).unwrap_err().to_string();
        assert!(err.contains("not a header name"), "{err}");
        assert_eq!(parse(&["--trusted-client-ip-header", "X-Real-IP"]).trusted_client_ip_header.unwrap(), "x-real-ip");
    }

    #[test]
    fn bad_public_url_is_named() {
        let config = parse(&["--public-url", "ftp://x"]);
        assert!(config.validate().unwrap_err().contains("PUBLIC_URL"));
    }
}
