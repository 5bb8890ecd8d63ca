//! `scimcheck connect URL`: Entra's Test Connection, exactly, and a verdict in words.

use std::fmt::Write as _;

use clap::Args;

use super::{CliError, OutputArgs, ServerArgs};
use crate::connect::diagnose;
use crate::http::{Client, ClientOptions, TenantUrl};
use crate::profile::{Profile, Renderer};
use crate::redact::Redactor;
use crate::report::Styles;

#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub(crate) async fn connect(args: ConnectArgs) -> Result<i32, CliError> {
    let (client, redactor) = client(&args.server)?;
    let styles = Styles::for_stream(args.output.color, &std::io::stdout());
    let tables = crate::attributes::AttributeTables::atmos();
    let guid = uuid::Uuid::new_v4().to_string();
    // §2.1: the probe is the same whatever the PATCH profile.
    let request =
        Renderer::new(Profile::EntraDefault).test_connection(&tables.user.matching, &guid);
    let exchange = client.send(&request).await;
    let follow_up = match exchange.response() {
        Some(received) if received.status == 404 => {
            Some(client.send(&crate::connect::follow_up_request()).await)
        }
        _ => None,
    };
    let diagnosis = diagnose(&exchange, follow_up.as_ref(), client.tenant());
    let label = if diagnosis.passed {
        styles.pass("PASS")
    } else {
        styles.fail("FAIL")
    };
    let mut text = format!(
        "{label}  Test Connection: GET {} ({})\n      {}\n",
        exchange.sent.url,
        crate::report::terminal::millis(exchange.elapsed),
        diagnosis.verdict
    );
    if let Some(hint) = &diagnosis.hint {
        let _ = writeln!(
            text,
            "      {} {hint}",
            styles.bold(if diagnosis.passed { "note:" } else { "hint:" })
        );
    }
    if args.output.verbose() || !diagnosis.passed {
        // `-vv`: bodies uncut.
        let limit = if args.output.trace() {
            super::run::TRACE_BODY_LIMIT
        } else {
            2000
        };
        text.push_str(
            &exchange
                .render(limit)
                .lines()
                .map(|l| format!("      {l}\n"))
                .collect::<String>(),
        );
    }
    // anstream strips the colour again if this stream must not get it.
    anstream::print!("{}", redactor.redact(&text));
    Ok(diagnosis.exit_code)
}

/// The client for `run` and `connect`.
pub(crate) fn client(args: &ServerArgs) -> Result<(Client, Redactor), CliError> {
    let tenant = TenantUrl::parse(&args.url).map_err(|e| {
        CliError::usage(e.to_string()).with_hint(
            "give the Tenant URL as entered in Entra, e.g. https://api.example.com/scim/v2",
        )
    })?;
    let token = args
        .token
        .resolve()
        .map_err(|e| CliError::usage(e.to_string()).with_hint(super::token::TOKEN_HINT))?;
    if let Some(warning) = crate::redact::short_secret_warning(&token) {
        eprintln!("{warning}");
    }
    let redactor = Redactor::new([token.clone()]);
    let options = ClientOptions {
        timeout: args.timeout,
        insecure: args.insecure,
        ca_cert: args.ca_cert.clone(),
        ..ClientOptions::default()
    };
    match Client::new(tenant, token, options) {
        Ok(client) => Ok((client, redactor)),
        Err(e) => Err(CliError::usage(redactor.redact(&e.to_string()))),
    }
}
