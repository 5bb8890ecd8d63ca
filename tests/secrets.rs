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
