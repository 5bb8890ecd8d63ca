//! The HTML report (`--html PATH`) of real runs against the in-process reference server,
//! rendered by headless Chromium: the test reads the DOM the browser built, so a page that
//! only looks right as text (an unclosed tag, markup from the server that got through) fails.
//!
//! Chromium is Debian's `chromium-headless-shell` (or `chromium`), which `.ci/run` installs.
//! Without it these tests say so and pass, except under `CI`, where they fail. The pages and a
//! screenshot are kept under `target/tmp/html/` for a person to look at.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{output, scimcheck, TOKEN};
use scimcheck::attributes::AttributeTables;
use scimcheck::hints::diagnose;
use scimcheck::profile::Profile;
use scimcheck::redact::{Redactor, Secret};
use scimcheck::refserver::Fault;
use scimcheck::report::{html, ReportContext};
use scimcheck::run::{new_run_id, RunSummary, Runner, StepStatus};

/// How long one Chromium invocation may take before the test gives up on it.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The built-in suite against a reference server with `faults`, under `profiles`.
async fn run(faults: &[Fault], profiles: &[Profile]) -> (RunSummary, ReportContext) {
    let server = common::server(faults).await;
    let tables = AttributeTables::atmos();
    let plan = common::builtin_plan(&tables);
    let client = common::client(&server.base_url());
    let ctx = ReportContext::new(
        client.tenant().to_string(),
        profiles.to_vec(),
        Redactor::new([Secret::new(TOKEN)]),
    );
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner.run(&plan, profiles, &mut |_| {}).await;
    server.shutdown().await;
    (summary, ctx)
}

/// The browser, or `None` (with the reason printed) where it may be missing.
fn browser() -> Option<PathBuf> {
    let found = ["chromium-headless-shell", "chromium"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        });
    if found.is_none() {
        let why = "neither chromium-headless-shell nor chromium is on PATH \
                   (apt-get install chromium-headless-shell; .ci/run does)";
        assert!(std::env::var_os("CI").is_none(), "under CI: {why}");
        eprintln!("skipped: {why}");
    }
    found
}

/// Runs the browser on `page` with `args`, with a profile of its own and nothing that phones
/// home; returns its stdout.
fn chromium(browser: &Path, page: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().expect("a temporary browser profile");
    // Into a file, not a pipe: a DOM larger than the pipe's buffer would block the browser
    // while the test waits for it to exit.
    let stdout_path = profile.path().join("stdout");
    let stdout = std::fs::File::create(&stdout_path).expect("a file for the browser's stdout");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .expect("the browser starts");
    let started = Instant::now();
    while child
        .try_wait()
        .expect("the browser can be waited for")
        .is_none()
    {
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            panic!("the browser did not finish within {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().expect("the browser's exit status");
    assert!(status.success(), "the browser failed: {status}");
    std::fs::read_to_string(&stdout_path).expect("the browser's stdout")
}

/// Where a test keeps its page and screenshot: under `target/`, out of the repository.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
    std::fs::create_dir_all(&dir).expect("the output folder");
    dir
}

/// The part of `dom` from the element with `id` to the end of its section.
fn section<'d>(dom: &'d str, id: &str) -> &'d str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let end = dom[start..]
        .find("</section>")
        .map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_renders_the_counts_matrix_hints_and_a_failing_step_of_a_real_run() {
    let Some(browser) = browser() else { return };
    let profiles = [Profile::EntraDefault, Profile::EntraFlag];
    let (summary, ctx) = run(&[Fault::RejectStringBooleans], &profiles).await;
    let counts = summary.counts();
    assert!(counts.failed > 0, "the fault makes steps fail");
    let page = out_dir().join("report.html");
    let text = html::render(&summary, &ctx, 1);
    assert!(!text.contains(TOKEN), "the token is masked in the file");
    std::fs::write(&page, &text).expect("the page is written");

    let dom = chromium(&browser, &page, &["--dump-dom"]);
    for (id, n) in [
        ("count-passed", counts.passed),
        ("count-failed", counts.failed),
        ("count-not-run", counts.not_run),
        ("count-requests", summary.requests()),
    ] {
        assert!(dom.contains(&format!("id=\"{id}\">{n}<")), "#{id} is {n}");
    }
    assert!(section(&dom, "tenant-url").contains(&ctx.tenant_url));
    // String booleans break only the default profile (§5): FAIL there, PASS with the flag.
    let matrix = section(&dom, "matrix");
    assert!(
        matrix.contains("<th scope=\"col\">entra-default</th><th scope=\"col\">entra-flag</th>")
    );
    assert!(matrix.contains("<td class=\"fail\">") && matrix.contains(">PASS</a>"));

    let (i, j, step) = first_failed(&summary);
    let item = section(&dom, &format!("step-{i}-{j}"));
    assert!(item.starts_with(&format!("id=\"step-{i}-{j}\"")));
    assert!(dom.contains(&format!("<li class=\"step fail\" id=\"step-{i}-{j}\">")));
    let check = step.failures().next().expect("a failed check");
    assert!(item.contains(&check.stable_id(&step.id)), "{item}");

    let hint = diagnose(&summary).into_iter().next().expect("a hint");
    assert!(
        section(&dom, "fix-first").contains(&format!("<code class=\"hint-id\">{}</code>", hint.id))
    );
    // Every exchange is there, folded: the browser built one <details> for each.
    let exchanges: usize = summary.scenarios.iter().map(|s| s.requests()).sum();
    assert_eq!(
        dom.matches("<details class=\"exchange\">").count(),
        exchanges
    );
    assert!(!dom.contains(TOKEN), "the token is masked in the DOM");

    let png = out_dir().join("report.png");
    let _ = std::fs::remove_file(&png);
    chromium(
        &browser,
        &page,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,2000",
        ],
    );
    let image = std::fs::read(&png).expect("the screenshot is written");
    assert!(
        image.starts_with(b"\x89PNG") && image.len() > 10_000,
        "a PNG of the page"
    );
    eprintln!("page: {}\nscreenshot: {}", page.display(), png.display());
}

/// The first step that failed, with its scenario and step index.
fn first_failed(summary: &RunSummary) -> (usize, usize, &scimcheck::run::StepOutcome) {
    summary
        .scenarios
        .iter()
        .enumerate()
        .find_map(|(i, s)| {
            s.steps
                .iter()
                .position(|st| st.status == StepStatus::Failed)
                .map(|j| (i, j, &s.steps[j]))
        })
        .expect("a failed step")
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_shows_a_servers_html_and_script_as_text_and_never_the_token() {
    let Some(browser) = browser() else { return };
    // A real server that answers every request with a login page (`<form>`, `<input>`)…
    let (mut summary, ctx) = run(&[Fault::HtmlLoginPage], &[Profile::EntraDefault]).await;
    // …and one answer that also carries a script and echoes the token, as a hostile or
    // careless server might.
    let received = summary
        .scenarios
        .iter_mut()
        .flat_map(|s| &mut s.steps)
        .flat_map(|s| &mut s.exchanges)
        .find_map(|e| e.received.as_mut().ok())
        .expect("a response");
    received
        .body
        .push_str("<script>document.title='pwned';document.body.innerHTML=''</script>");
    received.body.push_str(TOKEN);
    let page = out_dir().join("login-page.html");
    let text = html::render(&summary, &ctx, 1);
    assert!(!text.contains(TOKEN), "the token is masked in the file");
    std::fs::write(&page, &text).expect("the page is written");

    let dom = chromium(&browser, &page, &["--dump-dom"]);
    let lower = dom.to_ascii_lowercase();
    for tag in ["<script", "<form", "<input"] {
        assert!(
            !lower.contains(tag),
            "the browser built a {tag}> from the server's text"
        );
    }
    assert!(dom.contains("&lt;script&gt;document.title='pwned'"));
    assert!(dom.contains("&lt;form method=\"post\" action=\"/login\"&gt;"));
    assert!(
        dom.contains("<title>scimcheck: "),
        "the page's title is its own"
    );
    assert!(
        dom.contains("id=\"fix-first\""),
        "the page survived the script"
    );
    assert!(!dom.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_writes_the_html_report_that_html_names() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = dir.path().join("run.html");
    let mut cmd = scimcheck();
    cmd.args(["demo", "--fault", "reject-string-booleans", "--html"])
        .arg(&page);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    let text = std::fs::read_to_string(&page).expect("the page is written");
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(text.contains("id=\"count-failed\">") && !text.contains("id=\"count-failed\">0<"));
    assert!(text.contains("<dd id=\"exit-code\">1</dd>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_html_path_that_cannot_be_written_is_named_and_the_run_exits_2() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = dir.path().join("missing").join("run.html");
    let mut cmd = scimcheck();
    cmd.args(["demo", "--html"]).arg(&page);
    let out = output(cmd).await;
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("failed to write the HTML report"), "{text}");
}
