//! `scimcheck demo`: the reference server on a free port, and the suite against it. Needs no
//! network and no token from the user.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Args;

use super::read_only::ReadOnlyArgs;
use super::run::{execute, PlanArgs, TerminalTo};
use super::values::Named;
use super::{CliError, ReportOutputArgs};
use crate::http::{Client, ClientAuth, ClientOptions, OAuthConfig, TenantUrl};
use crate::redact::{Redactor, Secret};
use crate::refserver::{self, Fault, OAuthFault, OAuthServer};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Switch on a reference-server defect (repeatable), to see how scimcheck reports it.
    #[arg(long = "fault", value_name = "NAME", value_parser = Named::<Fault>::of_enum())]
    faults: Vec<Fault>,
    #[command(flatten)]
    plan: PlanArgs,
    #[command(flatten)]
    output: ReportOutputArgs,
    #[command(flatten)]
    oauth: DemoOAuthArgs,
}

/// `demo --oauth`: the run authenticates by client credentials at the server's own token
/// endpoint, with a fresh client id and secret.
#[derive(Debug, Args)]
#[command(next_help_heading = "OAuth 2.0 client credentials")]
struct DemoOAuthArgs {
    /// Get access tokens from the reference server's token endpoint instead of using a
    /// static bearer token.
    #[arg(long)]
    oauth: bool,
    /// How the client id and secret are sent.
    #[arg(long, value_enum, value_name = "HOW", default_value = "basic")]
    client_auth: ClientAuth,
    /// The lifetime of each access token, in seconds.
    #[arg(long, value_name = "SECS", default_value = "3600", requires = "oauth")]
    oauth_lifetime: u64,
    /// Switch on a token-endpoint defect (repeatable): wrong-lifetime, invalid-client.
    #[arg(long = "oauth-fault", value_name = "NAME", requires = "oauth")]
    oauth_faults: Vec<OAuthFault>,
}

pub(crate) async fn demo(args: DemoArgs) -> Result<i32, CliError> {
    let token = Secret::new(format!("demo-{}", uuid::Uuid::new_v4().simple()));
    let faults: BTreeSet<Fault> = args.faults.into_iter().collect();
    let config = refserver::Config::new(token.clone(), faults);
    let oauth = args.oauth.oauth.then(|| OAuthServer {
        client_id: format!("demo-client-{}", uuid::Uuid::new_v4().simple()),
        client_secret: Secret::new(format!("demo-secret-{}", uuid::Uuid::new_v4().simple())),
        lifetime: Duration::from_secs(args.oauth.oauth_lifetime),
        refuse_after: None,
        faults: args.oauth.oauth_faults.iter().copied().collect(),
    });
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let server = refserver::spawn_with_oauth(address, config, oauth.clone())
        .await
        .map_err(|e| CliError::usage(format!("failed to start the reference server: {e}")))?;
    if args.output.quiet {
        // `-q`: failing steps, hints and the summary only.
    } else if args.plan.terminal_to() != TerminalTo::Stdout {
        // Stdout carries a report document alone.
        eprintln!("reference SCIM server on {}", server.base_url());
    } else {
        println!("reference SCIM server on {}\n", server.base_url());
    }
    let redactor = Redactor::new([token.clone()]);
    let result = match client(&server, token, oauth, args.oauth.client_auth, &redactor) {
        Ok(client) => match super::connect::first_token(&client, &redactor).await {
            Ok(()) => {
                let read_only = ReadOnlyArgs::default();
                execute(&client, &redactor, &args.plan, &read_only, &args.output).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    // The server stops whatever happened, before the error is printed.
    server.shutdown().await;
    result
}

/// The client for the demo server: its static token, or its token endpoint.
fn client(
    server: &refserver::RunningServer,
    token: Secret,
    oauth: Option<OAuthServer>,
    client_auth: ClientAuth,
    redactor: &Redactor,
) -> Result<Client, CliError> {
    let usage = |e: String| CliError::usage(e);
    let tenant = TenantUrl::parse(&server.base_url()).map_err(|e| usage(e.to_string()))?;
    let built = match oauth {
        Some(oauth) => {
            let config = OAuthConfig {
                token_endpoint: url::Url::parse(&server.token_endpoint())
                    .map_err(|e| usage(e.to_string()))?,
                client_id: oauth.client_id,
                client_secret: oauth.client_secret,
                scope: None,
                client_auth,
            };
            Client::with_oauth(tenant, config, ClientOptions::default(), redactor)
        }
        None => Client::new(tenant, token, ClientOptions::default()),
    };
    built.map_err(|e| usage(e.to_string()))
}
