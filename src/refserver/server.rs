//! Building the axum router and running it on a socket.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::faults::{Fault, Faults};
use super::oauth::{Issuer, OAuthServer, TOKEN_PATH};
use super::routes;
use super::store::Store;
use super::throttle::{Drops, Throttle};
use crate::redact::Secret;

/// The base path every route lives under.
pub(crate) const BASE_PATH: &str = "/scim/v2";

/// Request bodies larger than this answer 413.
const BODY_LIMIT: usize = 1024 * 1024;

/// How long [`RunningServer::shutdown`] waits for open connections before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a reference server needs: the bearer token it accepts, the faults to reproduce and
/// how slow it is.
#[derive(Clone, Debug)]
pub struct Config {
    /// The token every request must present as `Authorization: Bearer <token>`.
    pub token: Secret,
    /// The defects to reproduce; empty for a clean server.
    pub faults: BTreeSet<Fault>,
    /// Added to every response, as a network or a slow app would (`serve --delay-ms`); for
    /// load tests. Zero for none.
    pub response_delay: Duration,
}

impl Config {
    /// A server that accepts `token`, reproduces `faults` and answers without delay.
    pub fn new(token: Secret, faults: BTreeSet<Fault>) -> Self {
        Config {
            token,
            faults,
            response_delay: Duration::ZERO,
        }
    }
}

/// Shared by every request of one server.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) token: Secret,
    pub(crate) faults: Faults,
    pub(crate) response_delay: Duration,
    pub(crate) throttle: Throttle,
    pub(crate) drops: Drops,
    /// The token endpoint, with `serve --oauth`.
    pub(crate) oauth: Option<Issuer>,
    /// Readers (GET, list) share it; a write holds it only for the synchronous work of one
    /// handler, never across an await (its guards are not `Send`, so axum's handler would not
    /// compile if one were) nor while the answer is written: handlers return a finished body.
    store: RwLock<Store>,
    /// Flips to `true` on shutdown so a `hang` request stops waiting.
    pub(crate) shutdown: watch::Sender<bool>,
}

impl AppState {
    /// The store for reading; a panic in another request does not make it unusable.
    pub(crate) fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store for a change.
    pub(crate) fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }
}

fn state(config: Config, oauth: Option<OAuthServer>) -> Arc<AppState> {
    let (shutdown, _) = watch::channel(false);
    Arc::new(AppState {
        token: config.token,
        faults: Faults::new(config.faults),
        response_delay: config.response_delay,
        throttle: Throttle::default(),
        drops: Drops::default(),
        oauth: oauth.map(Issuer::new),
        store: RwLock::new(Store::default()),
        shutdown,
    })
}

fn build(state: Arc<AppState>) -> Router {
    // Every path reaches one handler, which routes by itself so that `/scim/v2//Users`
    // works too (client-behaviour §1.1: Entra's slash joining is undocumented).
    Router::new()
        .fallback(routes::dispatch)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The reference SCIM server as an axum router, serving under `/scim/v2`.
pub fn router(config: Config) -> Router {
    build(state(config, None))
}

/// A reference server running on a tokio task.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/scim/v2`, the base URL a client should use.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!(
            "http://{}{BASE_PATH}",
            SocketAddr::new(ip, self.addr.port())
        )
    }

    /// `http://127.0.0.1:PORT/oauth2/token`, the token endpoint of `serve --oauth`.
    pub fn token_endpoint(&self) -> String {
        let base = self.base_url();
        format!("{}{TOKEN_PATH}", base.trim_end_matches(BASE_PATH))
    }

    /// Stops accepting connections, lets open requests finish and waits for the task.
    pub async fn shutdown(self) {
        self.shutdown.send_replace(true);
        let mut handle = self.handle;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut handle)
            .await
            .is_err()
        {
            handle.abort();
        }
    }
}

/// Binds `addr` (port 0 picks a free port) and serves the reference server on a task.
pub async fn spawn(addr: SocketAddr, config: Config) -> std::io::Result<RunningServer> {
    spawn_with_oauth(addr, config, None).await
}

/// [`spawn`], with a token endpoint at `/oauth2/token` when `oauth` is given: the SCIM
/// routes then accept the tokens it issued (and `config.token`).
pub async fn spawn_with_oauth(
    addr: SocketAddr,
    config: Config,
    oauth: Option<OAuthServer>,
) -> std::io::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = state(config, oauth);
    let shutdown = state.shutdown.clone();
    let mut stop = shutdown.subscribe();
    let app = build(state);
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // An error means the sender is gone, which is a shutdown too.
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        shutdown,
        handle,
    })
}
