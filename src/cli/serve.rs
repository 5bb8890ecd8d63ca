//! `scimcheck serve`: the reference SCIM server, until Ctrl-C.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Args;

use super::token::TokenArgs;
use super::values::Named;
use super::CliError;
use crate::exit;
use crate::refserver::{self, Fault};

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
}

pub(crate) async fn serve(args: ServeArgs) -> Result<i32, CliError> {
    if args.list_faults {
        for fault in Fault::ALL {
            println!("{:<36} {}", fault.name(), fault.describe());
        }
        return Ok(exit::OK);
    }
    let token = args.token.resolve().map_err(|e| {
        CliError::usage(e.to_string()).with_hint(
            "the server checks this bearer token on every request: export SCIMCHECK_TOKEN=… or pass --token-file PATH",
        )
    })?;
    let faults: BTreeSet<Fault> = args.faults.into_iter().collect();
    let config = refserver::Config {
        response_delay: Duration::from_millis(args.delay_ms),
        ..refserver::Config::new(token, faults.clone())
    };
    let server = refserver::spawn(SocketAddr::new(args.host, args.port), config)
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
