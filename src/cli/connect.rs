//! `scimcheck connect URL`: Entra's Test Connection, exactly, and a verdict in words.

use std::fmt::Write as _;
use std::io::IsTerminal;

use clap::Args;

use super::{error, OutputArgs, ServerArgs};
use crate::connect::diagnose;
use crate::exit;
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

pub(crate) async fn connect(args: ConnectArgs) -> i32 {
    let Some((client, redactor)) = client(&args.server) else {
        return exit::USAGE;
    };
    let styles = Styles::for_stream(args.output.color, std::io::stdout().is_terminal());
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
    if args.output.verbose || !diagnosis.passed {
        text.push_str(
            &exchange
                .render(2000)
                .lines()
                .map(|l| format!("      {l}\n"))
                .collect::<String>(),
        );
    }
    print!("{}", redactor.redact(&text));
    diagnosis.exit_code
}

/// The client for `run` and `connect`, or `None` after printing why not.
pub(crate) fn client(args: &ServerArgs) -> Option<(Client, Redactor)> {
    let tenant = match TenantUrl::parse(&args.url) {
        Ok(tenant) => tenant,
        Err(e) => {
            error(
                &e.to_string(),
                Some(
                    "give the Tenant URL as entered in Entra, e.g. https://api.example.com/scim/v2",
                ),
            );
            return None;
        }
    };
    let token = match args.token.resolve() {
        Ok(token) => token,
        Err(e) => {
            error(&e.to_string(), Some(super::token::TOKEN_HINT));
            return None;
        }
    };
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
        Ok(client) => Some((client, redactor)),
        Err(e) => {
            error(&redactor.redact(&e.to_string()), None);
            None
        }
    }
}
