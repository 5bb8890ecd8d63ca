//! `scimcheck serve`: the reference SCIM server, until Ctrl-C.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::token::TokenArgs;
use super::values::Named;
use super::CliError;
use crate::exit;
use crate::redact::Secret;
use crate::refserver::{self, Fault, OAuthFault, OAuthServer};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on; 0 picks a free one (printed on start).
    #[arg(long, default_value = "8080")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    #[command(flatten)]
    token: TokenArgs,
    /// Switch on a server defect (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME", value_parser = Named::<Fault>::of_enum())]
    faults: Vec<Fault>,
    /// List the faults and exit.
    #[arg(long)]
    list_faults: bool,
    /// Delay every response by this many milliseconds, as a network or a slow app would
    /// (for load tests).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    #[command(flatten)]
    oauth: ServeOAuthArgs,
}

/// `serve --oauth`: a token endpoint beside the SCIM routes.
#[derive(Debug, Args)]
#[command(next_help_heading = "OAuth 2.0 token endpoint")]
pub(crate) struct ServeOAuthArgs {
    /// Also serve an OAuth 2.0 client-credentials token endpoint at /oauth2/token, and accept
    /// the tokens it issues (the bearer token, if set, stays valid too).
    #[arg(long)]
    oauth: bool,
    /// The client id the token endpoint accepts.
    #[arg(long, value_name = "ID", env = "SCIMCHECK_CLIENT_ID")]
    client_id: Option<String>,
    /// Read the client secret it accepts from this environment variable.
    #[arg(long, value_name = "VAR", default_value = "SCIMCHECK_CLIENT_SECRET")]
    client_secret_env: String,
    /// Read the client secret it accepts from this file.
    #[arg(long, value_name = "PATH", requires = "oauth")]
    client_secret_file: Option<PathBuf>,
    /// The lifetime (`expires_in`) of each access token, in seconds.
    #[arg(long, value_name = "SECS", default_value = "3600", requires = "oauth")]
    oauth_lifetime: u64,
    /// Refuse each access token this many seconds after it was issued, whatever
    /// `expires_in` said.
    #[arg(long, value_name = "SECS", requires = "oauth")]
    oauth_refuse_after: Option<u64>,
    /// Switch on a token-endpoint defect (repeatable): wrong-lifetime, invalid-client.
    #[arg(long = "oauth-fault", value_name = "NAME", requires = "oauth")]
    oauth_faults: Vec<OAuthFault>,
}

impl ServeOAuthArgs {
    /// The token endpoint's settings, `None` without `--oauth`.
    pub(crate) fn resolve(&self) -> Result<Option<OAuthServer>, String> {
        if !self.oauth {
            return Ok(None);
        }
        let client_id = self
            .client_id
            .clone()
            .ok_or("--oauth needs --client-id (or SCIMCHECK_CLIENT_ID)")?;
        let client_secret =
            super::token::secret(&self.client_secret_env, self.client_secret_file.as_deref())
                .map_err(|e| format!("the OAuth client secret: {e}"))?;
        Ok(Some(OAuthServer {
            client_id,
            client_secret,
            lifetime: Duration::from_secs(self.oauth_lifetime),
            refuse_after: self.oauth_refuse_after.map(Duration::from_secs),
            faults: self.oauth_faults.iter().copied().collect(),
        }))
    }
}

pub(crate) async fn serve(args: ServeArgs) -> Result<i32, CliError> {
    if args.list_faults {
        for fault in Fault::ALL {
            println!("{:<36} {}", fault.name(), fault.describe());
        }
        return Ok(exit::OK);
    }
    let oauth = args
        .oauth
        .resolve()
        .map_err(|e| CliError::usage(e).with_hint(super::token::OAUTH_HINT))?;
    let token = match args.token.resolve() {
        Ok(token) => token,
        // With a token endpoint, a static token is optional: an unguessable one stands in.
        Err(_) if oauth.is_some() => Secret::new(uuid::Uuid::new_v4().simple().to_string()),
        Err(e) => {
            return Err(CliError::usage(e.to_string()).with_hint(
                "the server checks this bearer token on every request: export SCIMCHECK_TOKEN=… or pass --token-file PATH",
            ))
        }
    };
    let faults: BTreeSet<Fault> = args.faults.into_iter().collect();
    let config = refserver::Config {
        response_delay: Duration::from_millis(args.delay_ms),
        ..refserver::Config::new(token, faults.clone())
    };
    let with_oauth = oauth.is_some();
    let address = SocketAddr::new(args.host, args.port);
    let server = refserver::spawn_with_oauth(address, config, oauth)
        .await
        .map_err(|e| {
            CliError::usage(format!(
                "failed to listen on {}:{}: {e}",
                args.host, args.port
            ))
            .with_hint("choose another --port, or --port 0 for a free one")
        })?;
    println!(
        "scimcheck reference SCIM server listening on {}",
        server.base_url()
    );
    if with_oauth {
        println!("OAuth 2.0 token endpoint on {}", server.token_endpoint());
    }
    if !faults.is_empty() {
        let names: Vec<&str> = faults.iter().map(|f| f.name()).collect();
        println!("faults: {}", names.join(", "));
    }
    if args.delay_ms > 0 {
        println!("every response delayed by {} ms", args.delay_ms);
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(exit::OK)
}
