//! The conventions people expect of a CLI (issue 10): options from `SCIMCHECK_*` variables,
//! colour as NO_COLOR/CLICOLOR/CLICOLOR_FORCE/`--color` say, did-you-mean, `-vv`,
//! `--no-progress`, and the `checks`, `hints`, `completions` and `man` subcommands.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{output, scimcheck, server, text, TOKEN};

/// The quickest real run: the reference server and the Test Connection scenario.
fn quick_demo() -> Command {
    let mut cmd = scimcheck();
    cmd.args(["demo", "--only", "test-connection"]);
    cmd
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const ESC: &str = "\u{1b}[";

#[tokio::test(flavor = "multi_thread")]
async fn the_tenant_url_can_come_from_scimcheck_url() {
    let server = server(&[]).await;
    let mut cmd = scimcheck();
    cmd.arg("connect")
        .env("SCIMCHECK_URL", server.base_url())
        .env("SCIMCHECK_TOKEN", TOKEN);
    let out = output(cmd).await;
    server.shutdown().await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("PASS  Test Connection"), "{all}");
}

#[test]
fn profiles_can_come_from_scimcheck_profile_comma_separated() {
    let out = quick_demo()
        .env("SCIMCHECK_PROFILE", "entra-flag,rfc")
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("[entra-flag]"), "{all}");
    assert!(all.contains("[rfc]"), "{all}");
    assert!(!all.contains("[entra-default]"), "{all}");
}

#[test]
fn the_timeout_is_read_from_scimcheck_timeout() {
    let out = scimcheck()
        .args(["connect", "http://127.0.0.1:9/scim"])
        .env("SCIMCHECK_TIMEOUT", "soon")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`soon` is not a number of seconds"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn report_paths_and_attributes_can_come_from_variables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("from-env.xml");
    let har = dir.path().join("from-env.har");
    let out = quick_demo()
        .env("SCIMCHECK_JUNIT", &junit)
        .env("SCIMCHECK_TRANSCRIPT", &har)
        .env("SCIMCHECK_ATTRIBUTES", "fixtures/entra-default.yaml")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file was written");
    assert!(xml.contains("<testsuites"), "{xml}");
    assert!(har.is_file(), "the HAR file was written");

    let missing = quick_demo()
        .env("SCIMCHECK_ATTRIBUTES", dir.path().join("nope.yaml"))
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nope.yaml"), "{}", text(&missing));
}

#[test]
fn strict_and_only_can_come_from_variables() {
    // An RFC-only failure passes unless strict.
    let lenient = quick_demo()
        .args(["--fault", "content-type-json"])
        .output()
        .expect("runs");
    assert_eq!(lenient.status.code(), Some(0), "{}", text(&lenient));
    let strict = quick_demo()
        .args(["--fault", "content-type-json"])
        .env("SCIMCHECK_STRICT", "1")
        .output()
        .expect("runs");
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));

    let only = scimcheck()
        .arg("demo")
        .env("SCIMCHECK_ONLY", "no-such-scenario")
        .output()
        .expect("runs");
    assert_eq!(only.status.code(), Some(2));
    assert!(
        stderr(&only).contains("`--only no-such-scenario` matches no scenario name"),
        "{}",
        text(&only)
    );
}

#[test]
fn run_help_names_the_variable_of_each_ci_option() {
    let out = scimcheck().args(["run", "--help"]).output().expect("runs");
    let help = stdout(&out);
    for var in [
        "SCIMCHECK_URL",
        "SCIMCHECK_TOKEN_FILE",
        "SCIMCHECK_TIMEOUT",
        "SCIMCHECK_INSECURE",
        "SCIMCHECK_CA_CERT",
        "SCIMCHECK_SCENARIO",
        "SCIMCHECK_ATTRIBUTES",
        "SCIMCHECK_PROFILE",
        "SCIMCHECK_KEEP",
        "SCIMCHECK_KEEP_GOING",
        "SCIMCHECK_STRICT",
        "SCIMCHECK_NO_PROGRESS",
        "SCIMCHECK_ONLY",
        "SCIMCHECK_SKIP",
        "SCIMCHECK_JUNIT",
        "SCIMCHECK_JSON",
        "SCIMCHECK_TRANSCRIPT",
        "SCIMCHECK_HTML",
        "SCIMCHECK_FORMAT",
        "SCIMCHECK_COLOR",
        "SCIMCHECK_READ_ONLY",
    ] {
        assert!(
            help.contains(&format!("[env: {var}=]")),
            "{var} missing:\n{help}"
        );
    }
}

#[test]
fn clicolor_force_colours_the_report_through_a_pipe() {
    let out = quick_demo()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("runs");
    assert!(
        stdout(&out).contains(&format!("{ESC}1m{ESC}32mPASS{ESC}0m")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_pipe_gets_no_colour_by_default_nor_with_no_color_or_color_never() {
    let plain = quick_demo().env_remove("NO_COLOR").output().expect("runs");
    assert!(!stdout(&plain).contains(ESC), "{}", stdout(&plain));
    let no_color = quick_demo()
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("runs");
    assert!(!stdout(&no_color).contains(ESC), "NO_COLOR wins");
    let never = quick_demo()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["--color", "never"])
        .output()
        .expect("runs");
    assert!(!stdout(&never).contains(ESC), "--color never wins");
}

#[test]
fn color_always_colours_a_pipe_even_with_no_color_set() {
    let out = quick_demo()
        .args(["--color", "always"])
        .output()
        .expect("runs");
    assert!(stdout(&out).contains(ESC), "{}", stdout(&out));
    let from_env = quick_demo()
        .env("SCIMCHECK_COLOR", "always")
        .output()
        .expect("runs");
    assert!(stdout(&from_env).contains(ESC), "{}", stdout(&from_env));
}

#[test]
fn a_misspelt_profile_suggests_the_profile() {
    let out = scimcheck()
        .args(["demo", "--profile", "entra-defualt"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tip: a similar value exists: 'entra-default'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_part_of_a_fault_name_suggests_the_whole_name() {
    let out = scimcheck()
        .args(["serve", "--fault", "pascal-case"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tip: a similar value exists: 'reject-pascal-case-ops'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_misspelt_subcommand_suggests_the_subcommand() {
    let out = scimcheck().arg("conect").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tip: a similar subcommand exists: 'connect'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_error_is_printed_once_with_its_hint() {
    let out = scimcheck()
        .args(["run", "http://127.0.0.1:9/scim"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no token: `SCIMCHECK_TOKEN` is not set\n\
         hint: export SCIMCHECK_TOKEN=<the Secret Token entered in Entra>, or pass --token-file PATH\n"
    );
}

#[test]
fn checks_lists_every_check_id_with_a_line() {
    let out = scimcheck().arg("checks").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let listed = stdout(&out);
    let ids: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let expected: Vec<&str> = scimcheck::check::CheckId::ALL
        .iter()
        .map(|id| id.as_str())
        .collect();
    assert_eq!(ids, expected);
    assert!(
        listed.contains("LIST-SHAPE           [breaks Entra]  a ListResponse has schemas"),
        "{listed}"
    );
}

#[test]
fn hints_lists_every_hint_id_with_its_cause() {
    let out = scimcheck().arg("hints").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let listed = stdout(&out);
    let entries = scimcheck::hints::catalogue::catalogue();
    assert_eq!(listed.lines().count(), entries.len(), "{listed}");
    for entry in &entries {
        assert!(
            listed
                .lines()
                .any(|l| l.starts_with(entry.id) && l.ends_with(entry.cause)),
            "{} missing:\n{listed}",
            entry.id
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn double_verbose_writes_every_exchange_to_stderr_with_the_token_masked() {
    let server = server(&[]).await;
    let run = |verbosity: &str| {
        let mut cmd = scimcheck();
        cmd.args([
            "run",
            &server.base_url(),
            "--only",
            "test-connection",
            verbosity,
        ])
        .env("SCIMCHECK_TOKEN", TOKEN);
        cmd
    };
    let traced = output(run("-vv")).await;
    let quiet = output(run("-v")).await;
    server.shutdown().await;
    let err = stderr(&traced);
    assert_eq!(traced.status.code(), Some(0), "{}", text(&traced));
    assert!(
        err.contains("--- test-connection [entra-default] "),
        "{err}"
    );
    assert!(err.contains("> GET http://127.0.0.1:"), "{err}");
    assert!(err.contains("> Authorization: Bearer ***"), "{err}");
    assert!(err.contains("< 401"), "{err}");
    assert!(!text(&traced).contains(TOKEN), "the token never appears");
    assert!(!stderr(&quiet).contains("> GET"), "{}", stderr(&quiet));
}

/// Runs `demo` in a pseudo-terminal (`script`), without `CI`, so the bar may draw.
fn demo_on_a_terminal(extra: &str) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("scimcheck");
    let line = format!("{} demo --only user-lifecycle {extra}", bin.display());
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .output()
        .expect("script runs");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn no_progress_hides_the_bar_on_a_terminal() {
    let Some(with_bar) = demo_on_a_terminal("") else {
        return;
    };
    let bar = |text: &str| text.contains(" steps  user-lifecycle (entra-default)");
    assert!(bar(&with_bar), "the bar draws on a terminal:\n{with_bar}");
    let Some(without) = demo_on_a_terminal("--no-progress") else {
        return;
    };
    assert!(!bar(&without), "{without}");
    assert!(without.contains("user-lifecycle: PASS"), "{without}");
}

#[test]
fn bash_sources_the_completion_script() {
    let bin = assert_cmd::cargo::cargo_bin("scimcheck");
    let script = format!(
        "source <('{}' completions bash) && complete -p scimcheck",
        bin.display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout(&out).contains("_scimcheck") && stdout(&out).trim_end().ends_with("scimcheck"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn every_shell_gets_a_completion_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = scimcheck()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(
            script.contains("connect") && script.contains("read-only"),
            "{shell}:\n{script}"
        );
        // The values of `--profile` and `--fault` complete too.
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                script.contains("entra-legacy") && script.contains("reject-pascal-case-ops"),
                "{shell}:\n{script}"
            );
        }
    }
    let unknown = scimcheck()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_committed_man_pages_are_current() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = scimcheck()
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let generated = pages(dir.path());
    let committed = pages(Path::new("man"));
    let names = |pages: &[(String, String)]| -> Vec<String> {
        pages.iter().map(|(n, _)| n.clone()).collect()
    };
    assert_eq!(
        names(&committed),
        names(&generated),
        "regenerate with `cargo run -- man --out-dir man`"
    );
    for ((name, old), (_, new)) in committed.iter().zip(&generated) {
        assert!(
            old == new,
            "man/{name} is stale: regenerate with `cargo run -- man --out-dir man`"
        );
    }
    let printed = scimcheck().arg("man").output().expect("runs");
    let main_page = generated.iter().find(|(n, _)| n == "scimcheck.1");
    assert_eq!(
        Some(stdout(&printed).as_str()),
        main_page.map(|(_, t)| t.as_str())
    );
}

fn pages(dir: &Path) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the folder lists")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).expect("a page reads");
            (name, text)
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn man_renders_the_committed_page() {
    if Command::new("man").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`man` is missing in CI: .ci/run installs man-db"
        );
        eprintln!("skipped: `man` is not installed (apt-get install man-db)");
        return;
    }
    for page in ["man/scimcheck.1", "man/scimcheck-run.1"] {
        let out = Command::new("man")
            .args(["--nh", "--nj", "-l", page])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("man runs");
        // Words only: the layout (line breaks, padding) is man's business.
        let rendered = stdout(&out)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(out.status.success(), "{page}: {}", text(&out));
        assert!(rendered.contains("SYNOPSIS"), "{page}:\n{rendered}");
        assert!(!rendered.contains("\\fB"), "roff escapes left: {rendered}");
        if page.ends_with("run.1") {
            assert!(
                rendered.contains("SCIMCHECK_PROFILE environment variable"),
                "{rendered}"
            );
        } else {
            assert!(rendered.contains("scimcheck-run(1)"), "{rendered}");
        }
    }
}
