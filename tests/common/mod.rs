//! Shared test harness: the reference server in-process on 127.0.0.1:0 with chosen faults, and
//! the built-in suite run against it through the library (no subprocess, so it is fast).

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test file uses a part of the harness, declared `pub` for all of them"
)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use scimcheck::attributes::AttributeTables;
use scimcheck::check::CheckId;
use scimcheck::http::{Client, ClientOptions, TenantUrl};
use scimcheck::plan::Plan;
use scimcheck::profile::Profile;
use scimcheck::redact::Secret;
use scimcheck::refserver::{self, Fault, RunningServer};
use scimcheck::run::{new_run_id, NotRun, RunSummary, Runner, StepStatus};

pub const TOKEN: &str = "tok-3b1f0c9e-known-test-token";

/// Starts the reference server with these faults.
pub async fn server(faults: &[Fault]) -> RunningServer {
    server_with_token(TOKEN, faults).await
}

/// Starts the reference server accepting `token`, with these faults.
pub async fn server_with_token(token: &str, faults: &[Fault]) -> RunningServer {
    let config = refserver::Config::new(
        Secret::new(token),
        faults.iter().copied().collect::<BTreeSet<_>>(),
    );
    refserver::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
        .await
        .expect("the reference server starts on a free port")
}

/// The built-in scenarios, compiled against the Atmos tables.
pub fn builtin_plan(tables: &AttributeTables) -> Plan {
    scimcheck::plan::compile::compile(&scimcheck::scenario::builtin(), tables)
        .unwrap_or_else(|e| panic!("built-in scenarios compile:\n{e}"))
}

/// A client for a server URL with the test token.
pub fn client(url: &str) -> Client {
    client_with(url, ClientOptions::default())
}

pub fn client_with(url: &str, options: ClientOptions) -> Client {
    let tenant = TenantUrl::parse(url).expect("valid URL");
    Client::new(tenant, Secret::new(TOKEN), options).expect("client builds")
}

/// Runs `plan` against a reference server with `faults` under `profile`.
pub async fn run_plan(plan: &Plan, faults: &[Fault], profile: Profile) -> RunSummary {
    let server = server(faults).await;
    let tables = AttributeTables::atmos();
    let client = client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner.run(plan, &[profile], &mut |_| {}).await;
    server.shutdown().await;
    summary
}

/// Runs the built-in suite with `faults` under the default profile.
pub async fn run_builtin(faults: &[Fault]) -> RunSummary {
    let plan = builtin_plan(&AttributeTables::atmos());
    run_plan(&plan, faults, Profile::EntraDefault).await
}

/// Each step that did not pass, as "scenario / step: CHECK-ID, …" (or "… : not run").
pub fn failing(summary: &RunSummary) -> Vec<String> {
    let mut out = Vec::new();
    for scenario in &summary.scenarios {
        for step in &scenario.steps {
            let ids: BTreeSet<&str> = step.failures().map(|c| c.id.as_str()).collect();
            match &step.status {
                StepStatus::Passed => {}
                StepStatus::Failed => out.push(format!(
                    "{} / {}: {}",
                    scenario.name,
                    step.name,
                    ids.into_iter().collect::<Vec<_>>().join(", ")
                )),
                StepStatus::NotRun(reason) => out.push(format!(
                    "{} / {}: {}",
                    scenario.name,
                    step.name,
                    not_run(reason)
                )),
            }
        }
    }
    out
}

/// A step not run, compactly: `not run after SYNC-RENAME/ATTRIBUTE` (the finding that took
/// its premise), `not run: NeverCreated`, `error`, `interrupted`.
pub fn not_run(reason: &NotRun) -> String {
    match reason {
        NotRun::Premise(premise) => match &premise.blame {
            Some(blame) => format!("not run after {}/{}", blame.step, blame.check),
            None => {
                let kind = format!("{:?}", premise.kind);
                let name = kind.split([' ', '{', '(']).next().unwrap_or_default();
                format!("not run: {name}")
            }
        },
        NotRun::Transport(_) => "error".to_owned(),
        NotRun::Interrupted => "interrupted".to_owned(),
    }
}

/// Whether some failing step failed on `id`.
pub fn failed_on(summary: &RunSummary, id: CheckId) -> bool {
    summary
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| s.failures())
        .any(|c| c.id == id)
}

/// All failure messages, for assertion messages.
pub fn messages(summary: &RunSummary) -> String {
    let mut text = String::new();
    for step in summary.scenarios.iter().flat_map(|s| &s.steps) {
        for check in step.failures() {
            let _ = writeln!(
                text,
                "{}: {} {}: {}",
                step.name,
                check.id,
                check.subject(),
                check.message()
            );
        }
    }
    text
}

/// How many users the server holds (read with a plain list request).
pub async fn count_users(base_url: &str) -> u64 {
    let response = reqwest::Client::new()
        .get(format!("{base_url}/Users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("the server answers");
    let body: serde_json::Value = response.json().await.expect("a JSON list");
    body["totalResults"].as_u64().expect("totalResults")
}

/// Each step that did not pass, as "STEP-ID: CHECK-IDS" (or "STEP-ID: not run").
pub fn failing_ids(summary: &RunSummary) -> Vec<String> {
    let mut out = Vec::new();
    for step in summary.scenarios.iter().flat_map(|s| &s.steps) {
        let ids: BTreeSet<&str> = step.failures().map(|c| c.id.as_str()).collect();
        match &step.status {
            StepStatus::Passed => {}
            StepStatus::Failed => out.push(format!(
                "{}: {}",
                step.id,
                ids.into_iter().collect::<Vec<_>>().join(", ")
            )),
            StepStatus::NotRun(_) => out.push(format!("{}: not run", step.id)),
        }
    }
    out
}

/// The built-in suite with Entra's default mappings (`fixtures/entra-default.yaml`), which
/// map the manager, under `profile` with `faults`.
pub async fn run_entra_default_tables(faults: &[Fault], profile: Profile) -> RunSummary {
    let tables = scimcheck::attributes::load(std::path::Path::new("fixtures/entra-default.yaml"))
        .expect("the Entra default table loads");
    let plan = builtin_plan(&tables);
    let server = server(faults).await;
    let client = client(&server.base_url());
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner.run(&plan, &[profile], &mut |_| {}).await;
    server.shutdown().await;
    summary
}

/// The binary, with no token in its environment, no colour, and `CI` set (no progress bar).
pub fn scimcheck() -> Command {
    let mut cmd = Command::cargo_bin("scimcheck").expect("the binary is built");
    cmd.env_remove("SCIMCHECK_TOKEN")
        .env("NO_COLOR", "1")
        .env("CI", "1");
    cmd
}

/// Runs the command off the async runtime, so an in-process server keeps answering.
pub async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .expect("the blocking task finishes")
}

/// Everything the command printed: stdout, then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A TLS acceptor for `localhost` with a fresh self-signed certificate, and that
/// certificate (PEM).
pub fn tls_for_localhost() -> (tokio_rustls::TlsAcceptor, String) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    (acceptor, cert.cert.pem())
}

/// The request head on `stream`, byte by byte up to its blank line.
pub async fn read_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// An in-process proxy: `CONNECT host:port` opens a tunnel, an absolute-form request is
/// forwarded to its host. Records the first head of every connection.
pub async fn proxy() -> (SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let head = read_head(&mut client).await;
                record.lock().expect("lock").push(head.clone());
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let authority = match target.strip_prefix("http://") {
                    Some(rest) => rest.split('/').next().unwrap_or_default().to_owned(),
                    None => target,
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(authority.as_str()).await
                else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let opened = if head.starts_with("CONNECT ") {
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                } else {
                    upstream.write_all(head.as_bytes()).await
                };
                if opened.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (addr, seen)
}

/// Runs `load` with `args` and returns the exit code, the text and the JSON report.
pub async fn load(url: &str, args: &[&str]) -> (i32, String, serde_json::Value) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let json = dir.path().join("load.json");
    let mut cmd = scimcheck();
    cmd.env("SCIMCHECK_TOKEN", TOKEN)
        .arg("load")
        .arg(url)
        .args(args)
        .arg("--json")
        .arg(&json);
    let out = output(cmd).await;
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), text(&out), report)
}

/// One request kind's figures in a `load` JSON report.
pub fn kind<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["kinds"]
        .as_array()
        .and_then(|kinds| kinds.iter().find(|k| k["kind"] == name))
        .unwrap_or(&serde_json::Value::Null)
}

/// Issue 11's target: at most 64 MB for any server behaviour and any input.
pub const RSS_LIMIT_KIB: u64 = 64 * 1024;

/// GNU time, which forks the binary from its own small process: a child forked from this
/// big test process would inherit its peak RSS in `ru_maxrss` (Linux records the old
/// memory's high-water mark at `exec`).
const GNU_TIME: &str = "/usr/bin/time";

/// A command run under GNU time, for its peak RSS; outside CI, where GNU time may be
/// missing, the command as it is.
pub struct Timed {
    pub command: Command,
    pub rss: PeakRss,
}

/// Where GNU time writes the peak RSS of the command it ran.
pub struct PeakRss(Option<tempfile::TempDir>);

impl Timed {
    /// `command` (its program, arguments and environment) under GNU time.
    pub fn new(command: Command) -> Timed {
        let timed = std::path::Path::new(GNU_TIME).exists();
        assert!(
            timed || std::env::var_os("CI").is_none(),
            "GNU time is not installed (Debian package `time`); .ci/run installs it"
        );
        if !timed {
            return Timed {
                command,
                rss: PeakRss(None),
            };
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut wrapped = Command::new(GNU_TIME);
        wrapped
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(dir.path().join("rss"))
            .arg(command.get_program())
            .args(command.get_args());
        for (name, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(name, value),
                None => wrapped.env_remove(name),
            };
        }
        Timed {
            command: wrapped,
            rss: PeakRss(Some(dir)),
        }
    }
}

impl PeakRss {
    /// Whether a peak RSS will be there once the command has run.
    pub fn kib_later(&self) -> bool {
        self.0.is_some()
    }

    /// The peak RSS in KiB of the command that ran; `None` without GNU time.
    pub fn kib(&self) -> Option<u64> {
        let dir = self.0.as_ref()?;
        let text = std::fs::read_to_string(dir.path().join("rss")).expect("GNU time's report");
        // GNU time writes "Command exited with non-zero status N" before the figure.
        let peak = text.lines().last().and_then(|l| l.trim().parse().ok());
        Some(peak.expect("a peak RSS in KiB"))
    }
}

/// Runs the command as [`output`] does, under GNU time, and asserts that its peak RSS is
/// within [`RSS_LIMIT_KIB`].
pub async fn output_bounded(cmd: Command) -> Output {
    let Timed { command, rss } = Timed::new(cmd);
    let out = output(command).await;
    if let Some(peak) = rss.kib() {
        assert!(peak <= RSS_LIMIT_KIB, "peak RSS {peak} KiB: {out:?}");
    }
    out
}
