//! The token is a secret: run every command and output mode with a known, distinctive token
//! and search everything written for it.

mod common;

use common::{output, scimcheck};

use std::process::Output;

use common::{server, TOKEN};
use scimcheck::refserver::Fault;

fn assert_no_token(what: &str, out: &Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(TOKEN),
            "{what}: the token appears on {stream}:\n{text}"
        );
        // Not even a long piece of it.
        assert!(
            !text.contains(&TOKEN[4..20]),
            "{what}: part of the token appears on {stream}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_output_of_run_or_connect_contains_the_token() {
    // A failing run prints every exchange; -v prints passing ones too; colour on and off.
    for faults in [
        vec![],
        vec![Fault::RejectPascalCaseOps, Fault::DropEnterpriseExtension],
        vec![Fault::HtmlLoginPage],
    ] {
        let server = server(&faults).await;
        let url = server.base_url();
        let dir = tempfile::tempdir().expect("temp dir");
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, format!("{TOKEN}\n")).expect("write");
        let cases: Vec<(&str, Vec<String>)> = vec![
            (
                "run env -v",
                vec![
                    "run".into(),
                    url.clone(),
                    "-v".into(),
                    "--color".into(),
                    "always".into(),
                ],
            ),
            (
                "run file",
                vec![
                    "run".into(),
                    url.clone(),
                    "--token-file".into(),
                    token_file.display().to_string(),
                ],
            ),
            (
                "run flag -v",
                vec![
                    "run".into(),
                    url.clone(),
                    "--token".into(),
                    TOKEN.into(),
                    "-v".into(),
                ],
            ),
            (
                "connect -v",
                vec!["connect".into(), url.clone(), "-v".into()],
            ),
            (
                "connect wrong path",
                vec!["connect".into(), format!("{url}/nope")],
            ),
        ];
        for (what, args) in cases {
            let mut cmd = scimcheck();
            cmd.args(&args).env("SCIMCHECK_TOKEN", TOKEN);
            let out = output(cmd).await;
            assert_no_token(&format!("{what} with {faults:?}"), &out);
            assert!(!out.stdout.is_empty(), "{what}: something was printed");
        }
        server.shutdown().await;
    }
}

#[test]
fn errors_about_the_token_file_do_not_print_its_contents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = scimcheck()
        .args(["run", "http://127.0.0.1:9/scim", "--token-file"])
        .arg(dir.path().join("missing"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_no_token("missing token file", &out);
}

#[test]
fn a_refused_connection_does_not_print_the_token() {
    let out = scimcheck()
        .args(["connect", "http://127.0.0.1:9/scim", "--token", TOKEN, "-v"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert_no_token("refused", &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_report_file_contains_the_token() {
    // JUnit, JSON and HAR files, and the JSON on stdout, of a run with failing steps (whose
    // reports carry every exchange and a curl command).
    let server = server(&[Fault::RejectStringBooleans]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let files = ["r.xml", "r.json", "r.har"].map(|name| dir.path().join(name));
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url(), "--format", "json", "--junit"])
        .arg(&files[0])
        .arg("--json")
        .arg(&files[1])
        .arg("--transcript")
        .arg(&files[2])
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    assert_no_token("run --format json with report files", &out);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("the report is written");
        assert!(
            !text.contains(TOKEN) && !text.contains(&TOKEN[4..20]),
            "{} contains the token",
            file.display()
        );
    }
    server.shutdown().await;
}

/// A run with `token`, writing every report; returns stdout, stderr and the three files.
async fn run_with_token(token: &str) -> (String, String, [String; 3]) {
    let server = common::server_with_token(token, &[Fault::RejectStringBooleans]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let files = ["r.xml", "r.json", "r.har"].map(|name| dir.path().join(name));
    let mut cmd = scimcheck();
    cmd.args(["run", &server.base_url(), "-v", "--junit"])
        .arg(&files[0])
        .arg("--json")
        .arg(&files[1])
        .arg("--transcript")
        .arg(&files[2])
        .env("SCIMCHECK_TOKEN", token);
    let out = output(cmd).await;
    server.shutdown().await;
    assert_eq!(out.status.code(), Some(1), "the fault fails the run");
    let read = |i: usize| std::fs::read_to_string(&files[i]).expect("the report is written");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        [read(0), read(1), read(2)],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_token_is_masked_as_a_whole_token_and_leaves_words_alone() {
    // What each token would mangle if it were masked inside words.
    let cases = [
        ("test", "test-connection", "***-connection"),
        ("scim", "/scim/v2", "/***/v2"),
        ("x", "externalId", "***ternalId"),
    ];
    for (token, word, mangled) in cases {
        let (stdout, stderr, files) = run_with_token(token).await;
        let outputs = [
            ("terminal", stdout.as_str()),
            ("JUnit", files[0].as_str()),
            ("JSON", files[1].as_str()),
            ("HAR", files[2].as_str()),
        ];
        for (what, text) in outputs {
            assert!(text.contains(word), "{token}: {what} lost `{word}`");
            assert!(!text.contains(mangled), "{token}: {what} has `{mangled}`");
            for whole in [format!("Bearer {token}"), format!("\"{token}\"")] {
                assert!(!text.contains(&whole), "{token}: {what} has `{whole}`");
            }
        }
        assert_eq!(
            stderr.matches("warning: the Secret Token is").count(),
            1,
            "{token}: warned once:\n{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_realistic_token_is_masked_everywhere_without_a_warning() {
    let token = "Zq3T9vX0pL7mK2sR8wY4nB6cD1fG5hJ0aE3uI9oU";
    let (stdout, stderr, files) = run_with_token(token).await;
    for (what, text) in [
        ("stdout", stdout.as_str()),
        ("stderr", stderr.as_str()),
        ("JUnit", files[0].as_str()),
        ("JSON", files[1].as_str()),
        ("HAR", files[2].as_str()),
    ] {
        assert!(!text.contains(token), "{what} has the token");
        assert!(
            !text.contains(&token[8..24]),
            "{what} has part of the token"
        );
    }
    assert!(stdout.contains("test-connection"));
    assert!(!stderr.contains("warning: the Secret Token"), "{stderr}");
}
