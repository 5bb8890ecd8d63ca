//! `scimcheck connect URL`: Entra's Test Connection, exactly, and a verdict in words. With
//! `--token-endpoint`, the token endpoint is diagnosed first, as itself.

use std::fmt::Write as _;

use clap::Args;

use super::{CliError, OutputArgs, ServerArgs};
use crate::connect::{diagnose, diagnose_oauth};
use crate::exit;
use crate::http::{Client, ClientOptions, Exchange, Issued, TenantUrl};
use crate::profile::{Profile, Renderer};
use crate::redact::Redactor;
use crate::report::controls::{self, Keep};
use crate::report::Styles;

#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// The app's attribute table or Entra's exported schema: the probe filters on its first
    /// matching attribute (default: the built-in Atmos tables, `userName`).
    #[arg(long, value_name = "PATH")]
    attributes: Option<std::path::PathBuf>,
}

pub(crate) async fn connect(args: ConnectArgs) -> Result<i32, CliError> {
    // §2.1: Test Connection probes with matching precedence 1, so a changed mapping changes it.
    let tables = super::sources::tables(args.attributes.as_deref())?;
    let (client, redactor) = client(&args.server)?;
    let styles = Styles::for_stream(args.output.color, &std::io::stdout());
    // `-vv`: bodies uncut.
    let limit = if args.output.trace() {
        super::run::TRACE_BODY_LIMIT
    } else {
        2000
    };
    let mut text = String::new();
    let output = (&args.output, &redactor);
    let issued = match token_endpoint(&client, &styles, output, limit, &mut text).await {
        Ok(issued) => issued,
        Err(code) => {
            let text = redactor.redact(&text);
            anstream::print!("{}", controls::escape(&text, Keep::OurStyles));
            return Ok(code);
        }
    };
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
    let diagnosis = match &issued {
        Some(issued) => diagnose_oauth(&exchange, follow_up.as_ref(), client.tenant(), issued),
        None => diagnose(&exchange, follow_up.as_ref(), client.tenant()),
    };
    let label = if diagnosis.passed {
        styles.pass("PASS")
    } else {
        styles.fail("FAIL")
    };
    let _ = writeln!(
        text,
        "{label}  Test Connection: GET {} ({})\n      {}",
        controls::line(&exchange.sent.url),
        crate::report::terminal::millis(exchange.elapsed),
        controls::line(&diagnosis.verdict)
    );
    if let Some(hint) = &diagnosis.hint {
        let _ = writeln!(
            text,
            "      {} {}",
            styles.bold(if diagnosis.passed { "note:" } else { "hint:" }),
            controls::line(hint)
        );
    }
    if args.output.verbose() || !diagnosis.passed {
        text.push_str(&indented(&exchange, &redactor, limit));
    }
    // anstream strips the colour again if this stream must not get it; the server's words
    // were escaped above, and anything else that is not our colour is escaped here.
    let text = redactor.redact(&text);
    anstream::print!("{}", controls::escape(&text, Keep::OurStyles));
    Ok(diagnosis.exit_code)
}

/// With OAuth, the token request's verdict lines (appended to `text`) and what was issued;
/// `Err` is the exit code when no token came. `Ok(None)` for a static token.
async fn token_endpoint(
    client: &Client,
    styles: &Styles,
    (output, redactor): (&OutputArgs, &Redactor),
    limit: usize,
    text: &mut String,
) -> Result<Option<Issued>, i32> {
    let (label, exchange, lines, result) = match client.fetch_token().await {
        None => return Ok(None),
        Some(Ok((issued, exchange))) => {
            // `iss` and `aud` are the token endpoint's words.
            let mut lines = vec![controls::line(&issued.describe())];
            if let Some(warning) = issued.lifetime_warning() {
                lines.push(format!("{} {warning}", styles.bold("warning:")));
            }
            (styles.pass("PASS"), exchange, lines, Ok(Some(issued)))
        }
        Some(Err(e)) => {
            let lines = vec![
                controls::line(&e.verdict()),
                format!("{} {}", styles.bold("hint:"), e.hint()),
            ];
            let code = if e.is_transport() {
                exit::TRANSPORT
            } else {
                exit::CHECK_FAILED
            };
            (styles.fail("FAIL"), e.exchange, lines, Err(code))
        }
    };
    let _ = writeln!(
        text,
        "{label}  Token endpoint: POST {} ({})",
        controls::line(&exchange.sent.url),
        crate::report::terminal::millis(exchange.elapsed)
    );
    for line in lines {
        let _ = writeln!(text, "      {line}");
    }
    if output.verbose() || result.is_err() {
        text.push_str(&indented(&exchange, redactor, limit));
    }
    result
}

fn indented(exchange: &Exchange, redactor: &Redactor, limit: usize) -> String {
    let text = exchange.render(redactor, limit);
    controls::escape(&text, Keep::Lines)
        .lines()
        .map(|l| format!("      {l}\n"))
        .collect()
}

/// The client for `run` and `connect`: a static token, or OAuth client credentials.
pub(crate) fn client(args: &ServerArgs) -> Result<(Client, Redactor), CliError> {
    let tenant = TenantUrl::parse(&args.url).map_err(|e| {
        CliError::usage(e.to_string()).with_hint(
            "give the Tenant URL as entered in Entra, e.g. https://api.example.com/scim/v2",
        )
    })?;
    let options = ClientOptions {
        timeout: args.timeout,
        insecure: args.insecure,
        ca_cert: args.ca_cert.clone(),
        proxy: args.proxy(),
        ..ClientOptions::default()
    };
    let oauth = args
        .oauth
        .resolve()
        .map_err(|e| CliError::usage(e.to_string()).with_hint(super::token::OAUTH_HINT))?;
    // For an error before the client exists; the client's own redactor is returned below.
    let redactor = Redactor::new(tenant.secrets());
    let built = match oauth {
        Some(oauth) => Client::with_oauth(tenant, oauth, options, &redactor),
        None => {
            let token = args
                .token
                .resolve()
                .map_err(|e| CliError::usage(e.to_string()).with_hint(super::token::TOKEN_HINT))?;
            if let Some(warning) = crate::redact::short_secret_warning(&token) {
                eprintln!("{warning}");
            }
            redactor.register(token.clone());
            Client::new(tenant, token, options)
        }
    };
    match built {
        Ok(client) => {
            let redactor = client.redactor().clone();
            Ok((client, redactor))
        }
        Err(e) => Err(CliError::usage(redactor.redact(&e.to_string()))),
    }
}

/// With OAuth, the first access token, fetched before anything else is sent so that a
/// broken token endpoint is named as such; prints the lifetime warning.
pub(crate) async fn first_token(client: &Client, redactor: &Redactor) -> Result<(), CliError> {
    match client.fetch_token().await {
        None => Ok(()),
        Some(Ok((issued, _))) => {
            if let Some(warning) = issued.lifetime_warning() {
                anstream::eprintln!("warning: {}", controls::line(&redactor.redact(&warning)));
            }
            Ok(())
        }
        Some(Err(e)) => {
            let code = if e.is_transport() {
                exit::TRANSPORT
            } else {
                exit::CHECK_FAILED
            };
            Err(CliError::usage(redactor.redact(&e.verdict()))
                .with_hint(redactor.redact(&e.hint()))
                .with_code(code))
        }
    }
}
