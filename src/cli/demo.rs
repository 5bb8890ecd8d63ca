//! `scimcheck demo`: the reference server on a free port, and the suite against it. Needs no
//! network and no token from the user.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};

use clap::Args;

use super::read_only::ReadOnlyArgs;
use super::run::{execute, PlanArgs, TerminalTo};
use super::{error, ReportOutputArgs};
use crate::exit;
use crate::http::{Client, ClientOptions, TenantUrl};
use crate::redact::{Redactor, Secret};
use crate::refserver::{self, Fault};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Switch on a reference-server defect (repeatable), to see how scimcheck reports it.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<Fault>,
    #[command(flatten)]
    plan: PlanArgs,
    #[command(flatten)]
    output: ReportOutputArgs,
}

pub(crate) async fn demo(args: DemoArgs) -> i32 {
    let token = Secret::new(format!("demo-{}", uuid::Uuid::new_v4().simple()));
    let faults: BTreeSet<Fault> = args.faults.into_iter().collect();
    let config = refserver::Config::new(token.clone(), faults);
    let server = match refserver::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await {
        Ok(server) => server,
        Err(e) => {
            error(&format!("failed to start the reference server: {e}"), None);
            return exit::USAGE;
        }
    };
    if args.output.quiet {
        // `-q`: failing steps, hints and the summary only.
    } else if args.plan.terminal_to() != TerminalTo::Stdout {
        // Stdout carries a report document alone.
        eprintln!("reference SCIM server on {}", server.base_url());
    } else {
        println!("reference SCIM server on {}\n", server.base_url());
    }
    let code = match TenantUrl::parse(&server.base_url())
        .map(|t| Client::new(t, token.clone(), ClientOptions::default()))
    {
        Ok(Ok(client)) => {
            let redactor = Redactor::new([token]);
            let read_only = ReadOnlyArgs::default();
            execute(&client, &redactor, &args.plan, &read_only, &args.output).await
        }
        Ok(Err(e)) => {
            error(&e.to_string(), None);
            exit::USAGE
        }
        Err(e) => {
            error(&e.to_string(), None);
            exit::USAGE
        }
    };
    server.shutdown().await;
    code
}
