//! The binary as users meet it: exit codes, help, bad input, transport failures, cleanup.

mod common;

use common::{output, scimcheck, text};

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{server, TOKEN};
use scimcheck::refserver::Fault;

#[test]
fn help_lists_the_commands_and_the_exit_codes() {
    let out = scimcheck().arg("--help").output().expect("runs");
    let help = text(&out);
    assert!(out.status.success());
    for word in [
        "run",
        "connect",
        "serve",
        "demo",
        "Exit codes",
        "3 could not talk to the server",
    ] {
        assert!(help.contains(word), "`{word}` missing from:\n{help}");
    }
}

#[test]
fn run_without_a_token_exits_2_and_names_the_variable() {
    let out = scimcheck()
        .args(["run", "http://127.0.0.1:9/scim"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no token: `SCIMCHECK_TOKEN` is not set"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_url_that_is_not_http_exits_2_with_an_example() {
    let out = scimcheck()
        .args(["connect", "ftp://host/scim"])
        .env("SCIMCHECK_TOKEN", TOKEN)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("e.g. https://api.example.com/scim/v2"),
        "{}",
        text(&out)
    );
}

#[test]
fn unknown_flag_exits_2() {
    let out = scimcheck()
        .args(["run", "--frobnicate"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn refused_connection_exits_3_with_a_verdict_and_a_hint() {
    let out = scimcheck()
        .args(["run", "http://127.0.0.1:9/scim/v2"])
        .env("SCIMCHECK_TOKEN", TOKEN)
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(
        all.contains("connection refused: nothing listens on 127.0.0.1:9"),
        "{all}"
    );
    // The same advice as the run's hint:connection-refused (one diagnosis engine).
    assert!(all.contains(scimcheck::http::advice::REFUSED), "{all}");
}

#[test]
fn demo_passes_every_step_against_the_reference_server() {
    let out = scimcheck().arg("demo").output().expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "{all}"
    );
    assert!(!all.contains("FAIL"), "{all}");
}

#[test]
fn demo_with_a_fault_exits_1_and_shows_the_failing_check() {
    let out = scimcheck()
        .args(["demo", "--fault", "reject-string-booleans"])
        .env("COLUMNS", "200")
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(r#"got 400: attribute `active` must be a boolean, got "False""#),
        "{all}"
    );
    assert!(
        all.contains(r#"{ "op": "Replace", "path": "active", "value": "False" }"#),
        "the failing request is shown:\n{all}"
    );
}

#[test]
fn unknown_fault_name_exits_2_listing_the_valid_ones() {
    let out = scimcheck()
        .args(["demo", "--fault", "nope"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("reject-pascal-case-ops"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_bad_scenario_file_exits_2_with_its_location_before_sending_anything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, "version: 1\nname: bad\ndescription: x\nsteps:\n  - entra: test-connection\n    expcet: { status: 200 }\n")
        .expect("write");
    // A refused port: had anything been sent, the exit code would be 3.
    let out = scimcheck()
        .args(["run", "http://127.0.0.1:9/scim/v2", "--scenario"])
        .arg(&file)
        .env("SCIMCHECK_TOKEN", TOKEN)
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("bad.yaml:6:5"), "{all}");
    assert!(all.contains("expect"), "did-you-mean expected:\n{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_hangs_is_cut_off_at_the_timeout_with_exit_3() {
    let server = server(&[Fault::Hang]).await;
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url(), "--timeout", "0.5"])
        .env("SCIMCHECK_TOKEN", TOKEN);
    let started = Instant::now();
    let out = output(cmd).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("did not answer within 500 ms"), "{all}");
    // One timed-out request stops the run; cleanup has nothing to delete.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_passes_in_well_under_a_second() {
    let server = server(&[]).await;
    let mut cmd = scimcheck();
    cmd.args(["connect", &server.base_url()])
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("PASS  Test Connection"), "{all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_with_a_wrong_token_exits_1_and_names_the_token() {
    let server = server(&[]).await;
    let mut cmd = scimcheck();
    cmd.args(["connect", &server.base_url(), "--token", "wrong"]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(all.contains("the server refuses the token: GET "), "{all}");
    assert!(all.contains(" → 401"), "{all}");
    assert!(all.contains("check the Secret Token"), "{all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_to_a_wrong_path_names_the_url_tried() {
    let server = server(&[]).await;
    let url = server.base_url().replace("/scim/v2", "/api");
    let mut cmd = scimcheck();
    cmd.args(["connect", &url]).env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(
            "the Tenant URL's path is wrong: the server has no /Users or /Groups under it"
        ),
        "{all}"
    );
    assert!(all.contains("/api/Users?filter="), "{all}");
    assert!(
        all.contains("Entra appends /Users and /Groups itself"),
        "{all}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_leaves_resources_and_exits_4_listing_their_ids() {
    let server = server(&[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("keep.yaml");
    std::fs::write(&file, "version: 1\nname: keep\ndescription: x\nusers:\n  alice: {}\nsteps:\n  - entra: { create-user: alice }\n")
        .expect("write");
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url(), "--keep", "--scenario"])
        .arg(&file)
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(4), "{all}");
    assert!(all.contains("left behind: User scimcheck-"), "{all}");
    assert!(all.contains("kept (--keep)"), "{all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_deletes_what_a_failed_scenario_left_and_verifies_it() {
    let server = server(&[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("left.yaml");
    // The user is created, then a step fails; nothing in the scenario deletes it.
    std::fs::write(
        &file,
        "version: 1\nname: left\ndescription: x\nusers:\n  alice: {}\nsteps:\n  - entra: { create-user: alice }\n  - name: wrong on purpose\n    entra: { get-user: alice }\n    expect: { status: 418 }\n",
    )
    .expect("write");
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url(), "--scenario"])
        .arg(&file)
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("cleanup: deleted 1 resource(s)"), "{all}");
    assert!(!all.contains("left behind"), "{all}");
    assert_eq!(
        common::count_users(&server.base_url()).await,
        0,
        "the user is gone from the server"
    );
    server.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_the_run_and_cleanup_still_deletes_everything() {
    use std::io::{BufRead, BufReader};
    let server = server(&[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("long.yaml");
    let mut yaml = String::from("version: 1\nname: long\ndescription: x\nusers:\n  alice: {}\nsteps:\n  - name: create alice\n    entra: { create-user: alice }\n");
    for i in 0..3000 {
        let _ = writeln!(yaml, "  - name: look {i}\n    entra: {{ get-user: alice }}");
    }
    std::fs::write(&file, yaml).expect("write");
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url(), "--scenario"])
        .arg(&file)
        .env("SCIMCHECK_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (code, stdout) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("spawns");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut seen = String::new();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            seen.push_str(&line);
            if line.contains("create alice") {
                break;
            }
            line.clear();
        }
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
        seen.push_str(&rest);
        (child.wait().expect("exits").code(), seen)
    })
    .await
    .expect("joins");
    assert_eq!(code, Some(130), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    assert_eq!(
        common::count_users(&server.base_url()).await,
        0,
        "cleanup deleted alice:\n{stdout}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_flag_in_the_tenant_url_selects_the_flag_profile_and_is_not_forwarded() {
    let server = server(&[]).await;
    let url = format!("{}?aadOptscim062020", server.base_url());
    let mut cmd = scimcheck();
    cmd.args(["run", &url, "--only", "TEST-CONNECTION", "-v"])
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("> GET http://127.0.0.1:"),
        "-v shows the request sent:\n{all}"
    );
    // client-behaviour §5.1: the flag switches Entra to lower-case ops and JSON booleans.
    assert!(all.contains("[entra-flag]"), "{all}");
    assert!(
        !all.to_ascii_lowercase().contains("aadoptscim062020"),
        "the flag reached the server:\n{all}"
    );
    server.shutdown().await;
}

#[test]
fn serve_list_faults_prints_one_line_per_fault_with_its_description() {
    let out = scimcheck()
        .args(["serve", "--list-faults"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().count(), Fault::ALL.len(), "{stdout}");
    for (line, fault) in stdout.lines().zip(Fault::ALL) {
        assert!(
            line.starts_with(fault.name()) && line.ends_with(fault.describe()),
            "{line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_delay_ms_delays_every_response() {
    use std::io::{BufRead, BufReader};
    let mut cmd = scimcheck();
    cmd.args(["serve", "--port", "0", "--delay-ms", "300"])
        .env("SCIMCHECK_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawns");
    let stdout = child.stdout.take().expect("stdout piped");
    let (url, delay_line) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let first = lines.next().unwrap_or_default();
        let url = first.rsplit(' ').next().unwrap_or_default().to_owned();
        (url, lines.next().unwrap_or_default())
    })
    .await
    .expect("joins");
    assert_eq!(delay_line, "every response delayed by 300 ms");
    let started = Instant::now();
    let status = reqwest::Client::new()
        .get(format!("{url}/Users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .map(|r| r.status().as_u16());
    let elapsed = started.elapsed();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert_eq!(status.ok(), Some(200), "{url}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
}
