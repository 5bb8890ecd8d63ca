//! The HTTP side: one client built once, and the [`Exchange`] record of each request.

mod client;
mod curl;
mod error;
mod exchange;
mod lane;
mod oauth;
mod proxy;
mod tenant;
mod tls;
mod transport;
mod wire;

pub use client::{Client, ClientError, ClientOptions, Request};
pub use curl::{curl, TOKEN_VARIABLE};
pub use error::{advice, TlsProblem, TransportError, TransportErrorKind};
pub(crate) use exchange::{human_size, structural_redact};
pub use exchange::{Exchange, Received, Sent, KEPT_BODY, KEPT_PASSING, KEPT_RUN_BUDGET};
pub(crate) use lane::{Answered, Lane, Prepared};
pub use oauth::{ClientAuth, Issued, OAuthConfig, OAuthError, OAuthProblem, LIFETIME_RANGE};
pub use proxy::ProxyChoice;
pub use tenant::{TenantUrl, TenantUrlError};
pub(crate) use transport::Answer;
