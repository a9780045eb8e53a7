//! The outbox relay: publishes the outbox's events to NATS JetStream, in outbox order, each
//! with its event id as `Nats-Msg-Id`, then marks them published.
//!
//! Every instance runs one; a lease in the database lets one publish at a time (so events
//! leave in order, each once in normal operation), and another takes over when its holder
//! stops renewing. A relay that dies between publishing and marking publishes those events
//! again on the next pass: JetStream drops them as duplicates of their `Nats-Msg-Id` within
//! the stream's duplicate window. While NATS is unreachable, events wait in the outbox and
//! the relay retries with a bounded back-off.

use std::{sync::Arc, time::Duration};

use async_nats::jetstream::{self, message::PublishMessage};
use chrono::Utc;
use tokio::sync::watch;

use crate::{
    store::{outbox::PendingEvent, Store},
    Error, Result,
};

/// Where and how the relay publishes.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// NATS server URL (`EVENTS_NATS_URL`).
    pub url: String,
    /// JetStream stream name (`BANKING`).
    pub stream: String,
    /// Subject prefix: events go to `<prefix>.<user_id>.<type>` (`banking`).
    pub subject_prefix: String,
    /// Events published per pass at most.
    pub batch: i64,
    /// How long the stream remembers a message id to drop a redelivery.
    pub duplicate_window: Duration,
    /// How long the stream keeps a message (consumers must read within it).
    pub max_age: Duration,
    /// Most bytes the stream keeps; the oldest messages go first beyond it.
    pub max_bytes: i64,
    /// Published events are deleted from the outbox after this long.
    pub retention: Duration,
    /// How long a relay's lease lasts unless renewed.
    pub lease: Duration,
    /// Pause between passes when the outbox is empty.
    pub idle_poll: Duration,
    /// Longest pause between retries while NATS fails.
    pub max_backoff: Duration,
}

impl RelayConfig {
    /// The production settings for a NATS URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: "BANKING".into(),
            subject_prefix: "banking".into(),
            batch: 200,
            duplicate_window: Duration::from_secs(600),
            max_age: Duration::from_secs(7 * 24 * 3600),
            max_bytes: 1 << 30,
            retention: Duration::from_secs(24 * 3600),
            lease: Duration::from_secs(15),
            idle_poll: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// What the relay's pass did, for its loop, tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    /// Events published (new to the stream).
    pub published: usize,
    /// Events the stream already had (a redelivery after a crash).
    pub duplicates: usize,
}

/// One instance's relay.
pub struct Relay {
    store: Arc<dyn Store>,
    config: RelayConfig,
    holder: String,
    jetstream: Option<jetstream::Context>,
}

impl Relay {
    /// A relay for this instance (`holder` names it in the lease).
    pub fn new(store: Arc<dyn Store>, config: RelayConfig, holder: impl Into<String>) -> Self {
        Self { store, config, holder: holder.into(), jetstream: None }
    }

    /// Runs until `stop` turns true: passes while there is work, pauses while idle or
    /// while NATS fails (doubling up to the configured bound).
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut backoff = self.config.idle_poll;
        let mut last_prune = 0i64;
        let mut failing = false;
        while !*stop.borrow() {
            let pause = match self.pass().await {
                Ok(pass) => {
                    if failing {
                        tracing::info!("event relay publishing again");
                        failing = false;
                    }
                    backoff = self.config.idle_poll;
                    if pass.published + pass.duplicates > 0 {
                        Duration::ZERO
                    } else {
                        self.config.idle_poll
                    }
                }
                Err(e) => {
                    self.record_backlog().await;
                    if !failing {
                        tracing::warn!(error = %e, "event relay cannot publish; events wait in the outbox");
                        failing = true;
                    }
                    self.jetstream = None;
                    backoff = (backoff * 2).min(self.config.max_backoff);
                    backoff
                }
            };
            let now = Utc::now().timestamp();
            if now - last_prune >= 60 {
                last_prune = now;
                let before = now - self.config.retention.as_secs() as i64;
                match self.store.prune_published(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(pruned = n, "published events pruned from the outbox"),
                    Err(e) => tracing::warn!(error = %e, "could not prune the outbox"),
                }
            }
            if !pause.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// One pass: takes the lease (or leaves the work to its holder), publishes up to a batch
    /// of pending events in order and marks them.
    pub async fn pass(&mut self) -> Result<Pass> {
        let published = self.publish_pending().await?;
        let seqs: Vec<i64> = published.iter().map(|(seq, _)| *seq).collect();
        self.store.mark_published(&seqs, Utc::now().timestamp()).await?;
        let duplicates = published.iter().filter(|(_, duplicate)| *duplicate).count();
        let pass = Pass { published: published.len() - duplicates, duplicates };
        metrics::counter!("cashflow_events_published_total", "result" => "new").increment(pass.published as u64);
        metrics::counter!("cashflow_events_published_total", "result" => "duplicate").increment(duplicates as u64);
        self.record_backlog().await;
        Ok(pass)
    }

    /// Publishes up to a batch of pending events in order without marking them (what a
    /// relay that dies before marking has done); returns each one's outbox place and whether
    /// the stream already had it. Nothing when another instance holds the lease.
    pub async fn publish_pending(&mut self) -> Result<Vec<(i64, bool)>> {
        let now = Utc::now().timestamp();
        let until = now + self.config.lease.as_secs() as i64;
        if !self.store.try_lease_relay(&self.holder, now, until).await? {
            return Ok(Vec::new());
        }
        let events = self.store.pending_events(self.config.batch).await?;
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let jetstream = self.jetstream().await?;
        let mut published = Vec::with_capacity(events.len());
        for event in events {
            let duplicate = publish(&jetstream, &self.config.subject_prefix, &event).await?;
            published.push((event.seq, duplicate));
        }
        Ok(published)
    }

    /// `cashflow_outbox_backlog` (events waiting) and `cashflow_relay_lag_seconds` (age of
    /// the oldest waiting event; 0 when none waits).
    async fn record_backlog(&self) {
        if let Ok(backlog) = self.store.backlog().await {
            let lag = backlog.oldest_at.map(|at| (Utc::now().timestamp() - at).max(0)).unwrap_or(0);
            metrics::gauge!("cashflow_outbox_backlog").set(backlog.pending as f64);
            metrics::gauge!("cashflow_relay_lag_seconds").set(lag as f64);
        }
    }

    /// The JetStream context, connecting and creating the stream if needed.
    async fn jetstream(&mut self) -> Result<jetstream::Context> {
        if let Some(context) = &self.jetstream {
            return Ok(context.clone());
        }
        let context = connect(&self.config).await?;
        self.jetstream = Some(context.clone());
        Ok(context)
    }
}

/// Connects to NATS and makes sure the stream exists (subjects `<prefix>.>`).
pub async fn connect(config: &RelayConfig) -> Result<jetstream::Context> {
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .connect(config.url.as_str())
        .await
        .map_err(|e| Error::Events(format!("cannot connect to NATS at {}: {e}", config.url)))?;
    let context = jetstream::new(client);
    context
        .get_or_create_stream(jetstream::stream::Config {
            name: config.stream.clone(),
            subjects: vec![format!("{}.>", config.subject_prefix)],
            duplicate_window: config.duplicate_window,
            max_age: config.max_age,
            max_bytes: config.max_bytes,
            ..Default::default()
        })
        .await
        .map_err(|e| Error::Events(format!("cannot create the JetStream stream {}: {e}", config.stream)))?;
    Ok(context)
}

/// Publishes one event and waits for the stream's ack; true when it was a duplicate.
async fn publish(jetstream: &jetstream::Context, prefix: &str, event: &PendingEvent) -> Result<bool> {
    let subject = format!("{prefix}.{}.{}", event.user_id, event.event_type);
    let message = PublishMessage::build().payload(event.body.clone().into()).message_id(event.event_id.as_str());
    let ack = jetstream
        .send_publish(subject, message)
        .await
        .map_err(|e| Error::Events(format!("publish: {e}")))?
        .await
        .map_err(|e| Error::Events(format!("publish ack: {e}")))?;
    Ok(ack.duplicate)
}

/// The stream's events as JSON text, oldest first with `from_start` (else only new ones),
/// of one user or all: what `app events tail` prints, and an example consumer. Ends when
/// the connection does.
pub async fn tail(
    config: &RelayConfig,
    user: Option<i64>,
    from_start: bool,
) -> Result<impl futures::Stream<Item = Result<String>>> {
    use futures::StreamExt;
    use jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
    let context = connect(config).await?;
    let stream = context
        .get_stream(&config.stream)
        .await
        .map_err(|e| Error::Events(format!("stream {}: {e}", config.stream)))?;
    let filter_subject = match user {
        Some(user) => format!("{}.{user}.*", config.subject_prefix),
        None => format!("{}.>", config.subject_prefix),
    };
    let deliver_policy = if from_start { DeliverPolicy::All } else { DeliverPolicy::New };
    let consumer = stream
        .create_consumer(OrderedConfig { filter_subject, deliver_policy, ..Default::default() })
        .await
        .map_err(|e| Error::Events(format!("consumer: {e}")))?;
    let messages = consumer.messages().await.map_err(|e| Error::Events(format!("consumer: {e}")))?;
    Ok(messages.map(|message| {
        let message = message.map_err(|e| Error::Events(format!("consumer: {e}")))?;
        Ok(String::from_utf8_lossy(&message.payload).into_owned())
    }))
}
