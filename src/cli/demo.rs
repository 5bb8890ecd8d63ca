//! `scimcheck demo`: the reference server on a free port, and the suite against it. Needs no
//! network and no token from the user.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};

use clap::Args;

use super::read_only::ReadOnlyArgs;
use super::run::{execute, PlanArgs, TerminalTo};
use super::values::Named;
use super::{CliError, ReportOutputArgs};
use crate::http::{Client, ClientOptions, TenantUrl};
use crate::redact::{Redactor, Secret};
use crate::refserver::{self, Fault};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Switch on a reference-server defect (repeatable), to see how scimcheck reports it.
    #[arg(long = "fault", value_name = "NAME", value_parser = Named::<Fault>::of_enum())]
    faults: Vec<Fault>,
    #[command(flatten)]
    plan: PlanArgs,
    #[command(flatten)]
    output: ReportOutputArgs,
}

pub(crate) async fn demo(args: DemoArgs) -> Result<i32, CliError> {
    let token = Secret::new(format!("demo-{}", uuid::Uuid::new_v4().simple()));
    let faults: BTreeSet<Fault> = args.faults.into_iter().collect();
    let config = refserver::Config::new(token.clone(), faults);
    let server = refserver::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
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
    let client = TenantUrl::parse(&server.base_url())
        .map_err(|e| CliError::usage(e.to_string()))
        .and_then(|t| {
            Client::new(t, token.clone(), ClientOptions::default())
                .map_err(|e| CliError::usage(e.to_string()))
        });
    let result = match client {
        Ok(client) => {
            let redactor = Redactor::new([token]);
            let read_only = ReadOnlyArgs::default();
            execute(&client, &redactor, &args.plan, &read_only, &args.output).await
        }
        Err(e) => Err(e),
    };
    // The server stops whatever happened, before the error is printed.
    server.shutdown().await;
    result
}
