//! The terminal report sized for a person: a failing run fits in a few hundred lines, every
//! line fits the width, setup exchanges make one line, `-q` keeps only what failed, and `-v`
//! keeps every byte.

mod common;

use std::process::Output;

use common::scimcheck;

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn demo(args: &[&str], columns: &str) -> Output {
    scimcheck()
        .arg("demo")
        .args(args)
        .env("COLUMNS", columns)
        .output()
        .expect("runs")
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn a_failing_demo_fits_in_a_few_hundred_lines_each_within_the_width() {
    let out = demo(&["--fault", "reject-pascal-case-ops"], "80");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out);
    let lines = stdout.lines().count();
    // 23 failing PATCH steps, each with its request, answer and reproduction.
    assert!(lines < 900, "{lines} lines");
    assert!(
        widest(&stdout) <= 80,
        "a line is wider than 80 columns:\n{stdout}"
    );
    // The 100 members the batch step creates first are one line; its PATCH is shown.
    assert!(
        stdout.contains("setup: 100 × POST /Users, all 201"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("> POST /Users").count(), 0, "{stdout}");
    // Bodies are pretty-printed and the long one is cut, saying how much is left out.
    assert!(stdout.contains("\"op\": \"Add\""), "{stdout}");
    assert!(stdout.contains("more line(s) left out"), "{stdout}");
    // The curl line is too long to show whole, and says where it is whole.
    assert!(stdout.contains("-v or --json has it whole"), "{stdout}");
}

#[test]
fn quiet_prints_only_the_failing_steps_the_hints_and_the_summary() {
    let out = demo(&["-q", "--fault", "reject-pascal-case-ops"], "100");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out);
    assert!(!stdout.contains("  PASS "), "{stdout}");
    assert!(!stdout.contains("reference SCIM server on"), "{stdout}");
    // A scenario with no failing step has no header; one with a failing step keeps it.
    assert!(
        !stdout.contains("test-connection [entra-default]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("user-lifecycle [entra-default]"),
        "{stdout}"
    );
    assert!(stdout.contains("  FAIL     update-user alice"), "{stdout}");
    assert!(stdout.contains("what to fix first:"), "{stdout}");
    assert!(
        stdout.contains(" passed, 23 failed (23 breaks Entra)"),
        "{stdout}"
    );
    let default = text(&demo(&["--fault", "reject-pascal-case-ops"], "100"));
    assert!(stdout.lines().count() < default.lines().count());
}

#[test]
fn quiet_on_a_clean_run_prints_the_summary_alone() {
    let out = demo(&["-q"], "100");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out);
    assert!(stdout.lines().count() <= 4, "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn verbose_shows_every_exchange_whole_and_uncut() {
    let out = demo(&["-v", "--fault", "reject-pascal-case-ops"], "80");
    let stdout = text(&out);
    // Every member the batch step created, and its whole 100-member curl command.
    assert!(stdout.matches("> POST http").count() >= 100, "POSTs shown");
    assert!(widest(&stdout) > 6000, "the curl line is whole");
    assert!(!stdout.contains("more line(s) left out"));
}

#[test]
fn quiet_and_verbose_together_are_refused() {
    let out = scimcheck()
        .args(["demo", "-q", "-v"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scenarios_the_run_stopped_before_they_began_are_one_line_each_with_the_reason_once() {
    let out = demo(&["--fault", "html-login-page"], "200");
    let stdout = text(&out);
    let reason = "Test Connection shows a cause that blocks everything";
    // No line per step of a scenario that never began…
    assert_eq!(stdout.matches("  NOT RUN  ").count(), 0, "{stdout}");
    // …but one line per such scenario, with its step count; the reason said once.
    let stopped: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" [entra-default]: NOT RUN ("))
        .collect();
    assert_eq!(stopped.len(), 5, "{stdout}");
    assert!(stopped[0].contains("user-lifecycle") && stopped[0].contains("(15 steps)"));
    assert_eq!(stdout.matches(reason).count(), 1, "{stdout}");
    assert!(
        stopped[1..].iter().all(|l| l.ends_with(": same reason")),
        "{stdout}"
    );
    // The closing line still counts every step not run.
    assert!(stdout.contains("63 not run"), "{stdout}");
}
