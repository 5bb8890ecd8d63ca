//! `scimcheck serve`: the reference SCIM server, until Ctrl-C.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Args;

use super::error;
use super::token::TokenArgs;
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
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<Fault>,
    /// List the faults and exit.
    #[arg(long)]
    list_faults: bool,
    /// Delay every response by this many milliseconds, as a network or a slow app would
    /// (for load tests).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
}

pub(crate) async fn serve(args: ServeArgs) -> i32 {
    if args.list_faults {
        for fault in Fault::ALL {
            println!("{:<36} {}", fault.name(), fault.describe());
        }
        return exit::OK;
    }
    let token = match args.token.resolve() {
        Ok(token) => token,
        Err(e) => {
            error(&e.to_string(), Some("the server checks this bearer token on every request: export SCIMCHECK_TOKEN=… or pass --token-file PATH"));
            return exit::USAGE;
        }
    };
    let faults: BTreeSet<Fault> = args.faults.into_iter().collect();
    let config = refserver::Config {
        response_delay: Duration::from_millis(args.delay_ms),
        ..refserver::Config::new(token, faults.clone())
    };
    let server = match refserver::spawn(SocketAddr::new(args.host, args.port), config).await {
        Ok(server) => server,
        Err(e) => {
            error(
                &format!("failed to listen on {}:{}: {e}", args.host, args.port),
                Some("choose another --port, or --port 0 for a free one"),
            );
            return exit::USAGE;
        }
    };
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
    exit::OK
}
