//! The ways in (issue 10): the Dockerfile and the CI examples under `examples/ci/`. No Docker
//! engine or CI runner is available here, so these are structural checks: every Dockerfile
//! instruction is one Docker knows, with valid arguments; every CI file is YAML; every
//! `scimcheck …` command in them parses with the real clap definitions; and each publishes the
//! JUnit file its run writes and keeps the HAR.

use std::path::PathBuf;

use clap::CommandFactory;
use serde_json::Value;

use scimcheck::cli::Cli;

// ---- Dockerfile ----

/// One instruction: the keyword (upper case) and its arguments, continuation lines joined.
#[derive(Debug)]
struct Instruction {
    line: usize,
    keyword: String,
    args: String,
}

fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        // A comment or blank line inside a continuation is skipped, as Docker does.
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(body) => (body.trim_end(), true),
            None => (trimmed, false),
        };
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(body);
        if continues {
            pending = Some((start, joined));
            continue;
        }
        let (keyword, args) = joined
            .split_once(char::is_whitespace)
            .unwrap_or((&joined, ""));
        out.push(Instruction {
            line: start,
            keyword: keyword.to_owned(),
            args: args.trim().to_owned(),
        });
    }
    assert!(
        pending.is_none(),
        "the Dockerfile ends inside a continuation"
    );
    out
}

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

fn dockerfile() -> Vec<Instruction> {
    let text = std::fs::read_to_string("Dockerfile").expect("the Dockerfile reads");
    instructions(&text)
}

#[test]
fn every_dockerfile_instruction_is_a_docker_keyword_in_upper_case_with_arguments() {
    let all = dockerfile();
    assert!(!all.is_empty());
    for i in &all {
        assert!(
            KEYWORDS.contains(&i.keyword.as_str()),
            "line {}: unknown instruction `{}`",
            i.line,
            i.keyword
        );
        assert!(
            !i.args.is_empty(),
            "line {}: `{}` without arguments",
            i.line,
            i.keyword
        );
    }
    assert_eq!(all[0].keyword, "FROM", "the first instruction is FROM");
    for i in all
        .iter()
        .filter(|i| i.keyword == "ENTRYPOINT" || i.keyword == "CMD")
    {
        let exec: Result<Vec<String>, _> = serde_json::from_str(&i.args);
        assert!(
            exec.is_ok(),
            "line {}: {} in exec form (a JSON array), so signals reach scimcheck",
            i.line,
            i.keyword
        );
    }
}

#[test]
fn the_dockerfile_builds_in_one_stage_and_runs_the_binary_alone_on_a_small_base_as_non_root() {
    let all = dockerfile();
    let stages: Vec<(&str, Option<&str>)> = all
        .iter()
        .filter(|i| i.keyword == "FROM")
        .map(|i| {
            let words: Vec<&str> = i.args.split_whitespace().collect();
            match words.as_slice() {
                [image, as_, name] if as_.eq_ignore_ascii_case("as") => (*image, Some(*name)),
                [image] => (*image, None),
                _ => panic!("line {}: FROM IMAGE [AS NAME]", i.line),
            }
        })
        .collect();
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let (builder, Some(build_name)) = stages[0] else {
        panic!("the build stage is named");
    };
    assert!(builder.starts_with("rust:"), "{builder}");
    let (runtime, _) = stages[1];
    assert!(
        runtime.starts_with("gcr.io/distroless/") || runtime.contains("slim"),
        "a small runtime base, not {runtime}"
    );
    assert!(runtime.contains(':'), "the runtime base has a tag");

    let last_from = all.iter().rposition(|i| i.keyword == "FROM").unwrap_or(0);
    let runtime_stage = &all[last_from..];
    let copies: Vec<&Instruction> = runtime_stage
        .iter()
        .filter(|i| i.keyword == "COPY")
        .collect();
    assert_eq!(copies.len(), 1, "the runtime stage holds the binary only");
    assert!(
        copies[0].args.starts_with(&format!("--from={build_name} ")),
        "{:?}",
        copies[0]
    );
    assert!(copies[0].args.ends_with(" /usr/local/bin/scimcheck"));
    let entrypoint = runtime_stage
        .iter()
        .find(|i| i.keyword == "ENTRYPOINT")
        .expect("an ENTRYPOINT");
    assert_eq!(entrypoint.args, r#"["/usr/local/bin/scimcheck"]"#);
    let user = runtime_stage.iter().find(|i| i.keyword == "USER");
    assert!(
        user.is_some_and(|u| u.args != "root" && u.args != "0"),
        "the runtime stage runs as a non-root user"
    );
    let build = all
        .iter()
        .find(|i| i.keyword == "RUN" && i.args.contains("cargo build"))
        .expect("a cargo build");
    assert!(build.args.contains("--locked") && build.args.contains("--release"));
}

#[test]
fn the_builder_rust_is_new_enough_for_every_locked_dependency() {
    let all = dockerfile();
    let builder = all
        .iter()
        .find(|i| i.keyword == "FROM")
        .map(|i| i.args.clone())
        .unwrap_or_default();
    let tag = builder
        .strip_prefix("rust:")
        .and_then(|rest| rest.split(['-', ' ']).next())
        .expect("rust:VERSION");
    let image = version(tag);
    let metadata = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .output()
        .expect("cargo metadata runs");
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata: Value = serde_json::from_slice(&metadata.stdout).expect("metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    for package in packages {
        if let Some(needed) = package["rust_version"].as_str() {
            assert!(
                version(needed) <= image,
                "{} needs Rust {needed}; the Dockerfile builds with {tag}",
                package["name"]
            );
        }
    }
}

/// `1.95` or `1.88.0` as comparable numbers (a missing patch is 0).
fn version(text: &str) -> (u32, u32, u32) {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().expect("a number"));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn the_build_context_leaves_out_the_target_folder() {
    let ignore = std::fs::read_to_string(".dockerignore").expect(".dockerignore reads");
    assert!(ignore.lines().any(|l| l.trim() == "target/"), "{ignore}");
}

// ---- CI examples ----

fn example(name: &str) -> Value {
    let path = PathBuf::from("examples/ci").join(name);
    let text = std::fs::read_to_string(&path).expect("the example reads");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()))
}

/// Every string in the document, depth first.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The `scimcheck …` commands of a document's scripts, shell-split: script lines joined at
/// `\`, cut at `&&`, `||`, `;` and `|`, keeping the commands that start with `scimcheck` and
/// have arguments.
fn commands(document: &Value) -> Vec<Vec<String>> {
    let mut texts = Vec::new();
    strings(document, &mut texts);
    let mut out = Vec::new();
    for text in texts {
        let joined = text.replace("\\\n", " ");
        for line in joined.lines() {
            for command in line.split(['&', '|', ';']) {
                let Some(words) = shlex::split(command.trim()) else {
                    panic!("not shell words: {command}");
                };
                // A bare `scimcheck` is a name (`check_name: scimcheck`), not a command.
                if words.len() > 1 && words[0] == "scimcheck" {
                    out.push(words);
                }
            }
        }
    }
    out
}

/// Parses each command with the real clap definitions; returns the `--junit` and
/// `--transcript` paths of the `run` commands.
fn check_commands(name: &str) -> (Vec<String>, Vec<String>) {
    let document = example(name);
    let commands = commands(&document);
    assert!(
        commands
            .iter()
            .any(|c| c.get(1).map(String::as_str) == Some("run")),
        "{name}: no `scimcheck run`"
    );
    let mut junit = Vec::new();
    let mut har = Vec::new();
    for words in &commands {
        let matches = Cli::command()
            .try_get_matches_from(words)
            .unwrap_or_else(|e| panic!("{name}: `{}` does not parse:\n{e}", words.join(" ")));
        if let Some(("run", run)) = matches.subcommand() {
            let path = |id: &str| {
                run.get_one::<PathBuf>(id)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| panic!("{name}: `scimcheck run` without --{id}"))
            };
            junit.push(path("junit"));
            har.push(path("transcript"));
        }
    }
    (junit, har)
}

#[test]
fn the_github_actions_example_publishes_the_junit_it_writes_and_keeps_the_har() {
    let (junit, har) = check_commands("github-actions.yml");
    let document = example("github-actions.yml");
    let steps = document["jobs"]["scimcheck"]["steps"]
        .as_array()
        .expect("jobs.scimcheck.steps");
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .unwrap_or_else(|| panic!("a step using {prefix}"))
    };
    let publish = uses("mikepenz/action-junit-report@");
    assert_eq!(
        publish["with"]["report_paths"].as_str(),
        junit.first().map(String::as_str)
    );
    let upload = uses("actions/upload-artifact@");
    let kept = upload["with"]["path"].as_str().expect("an artifact path");
    assert!(
        har.iter().all(|h| h.starts_with(kept)),
        "{har:?} under {kept}"
    );
    // The reports are published when the run fails too: that is when they matter.
    for step in [publish, upload] {
        assert_eq!(step["if"].as_str(), Some("${{ !cancelled() }}"));
    }
    assert!(
        document["jobs"]["scimcheck"]["env"]["SCIMCHECK_TOKEN"]
            .as_str()
            .is_some_and(|t| t.contains("secrets.")),
        "the token comes from a secret"
    );
}

#[test]
fn the_azure_devops_example_publishes_the_junit_with_publish_test_results() {
    let (junit, har) = check_commands("azure-pipelines.yml");
    let document = example("azure-pipelines.yml");
    let steps = document["steps"].as_array().expect("steps");
    let task = |name: &str| {
        steps
            .iter()
            .find(|s| s["task"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("a {name} task"))
    };
    let publish = task("PublishTestResults@2");
    assert_eq!(
        publish["inputs"]["testResultsFormat"].as_str(),
        Some("JUnit")
    );
    assert_eq!(
        publish["inputs"]["testResultsFiles"].as_str(),
        junit.first().map(String::as_str)
    );
    let artifact = task("PublishPipelineArtifact@1");
    let kept = artifact["inputs"]["targetPath"]
        .as_str()
        .expect("targetPath");
    assert!(
        har.iter().all(|h| h.starts_with(kept)),
        "{har:?} under {kept}"
    );
    for step in [publish, artifact] {
        assert_eq!(step["condition"].as_str(), Some("succeededOrFailed()"));
    }
    // A secret variable reaches a script only through `env:`.
    let run = steps
        .iter()
        .find(|s| {
            s["script"]
                .as_str()
                .is_some_and(|t| t.contains("scimcheck run"))
        })
        .expect("the run step");
    assert!(run["env"]["SCIMCHECK_TOKEN"].is_string(), "{run}");
}

#[test]
fn the_gitlab_example_attaches_the_junit_as_a_report_and_keeps_the_har() {
    let (junit, har) = check_commands("gitlab-ci.yml");
    let document = example("gitlab-ci.yml");
    let job = &document["scimcheck"];
    let artifacts = &job["artifacts"];
    assert_eq!(
        artifacts["reports"]["junit"].as_str(),
        junit.first().map(String::as_str)
    );
    assert_eq!(artifacts["when"].as_str(), Some("always"));
    let paths: Vec<&str> = artifacts["paths"]
        .as_array()
        .expect("artifacts.paths")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        har.iter().all(|h| paths.contains(&h.as_str())),
        "{har:?} in {paths:?}"
    );
    assert!(
        job["services"].is_array(),
        "the app under test runs as a service"
    );
}

#[test]
fn a_command_with_a_flag_that_does_not_exist_is_caught() {
    let document: Value = serde_saphyr::from_str(
        "job:\n  script:\n    - scimcheck run \"$URL\" --junit a.xml \\\n        --no-such-flag\n",
    )
    .expect("YAML");
    let commands = commands(&document);
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert!(Cli::command().try_get_matches_from(&commands[0]).is_err());
}
