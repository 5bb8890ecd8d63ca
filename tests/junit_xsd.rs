//! The JUnit report against the common Jenkins JUnit XSD (`tests/data/junit-10.xsd`, from the
//! jenkinsci/xunit-plugin, MIT), and its test identities unique per profile.
//!
//! No Rust crate validates XML Schema, so this file holds a small structural validator over
//! roxmltree that reads the XSD itself. It covers the constructs that XSD uses: global
//! elements, `ref`s and local elements inside `sequence`/`choice`, named complex types,
//! `mixed` content, attributes (allowed, `use="required"`) and `xs:pattern` restrictions on
//! attribute types. It does not check the order or number of children: every group in this
//! XSD is an unbounded choice or optional, except `rerunType`'s sequence, which scimcheck
//! never writes.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Document, Node};
use scimcheck::attributes::AttributeTables;
use scimcheck::profile::Profile;
use scimcheck::redact::{Redactor, Secret};
use scimcheck::refserver::Fault;
use scimcheck::report::{junit, ReportContext};
use scimcheck::run::{new_run_id, Runner};

const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// What the XSD says an element may hold.
#[derive(Debug, Default)]
struct Decl {
    /// Attribute name → (required, the pattern its type restricts it to).
    attributes: BTreeMap<String, (bool, Option<regex::Regex>)>,
    children: BTreeSet<String>,
    /// Text allowed (`mixed`, or a simple type such as `xs:string`).
    text: bool,
}

struct Schema {
    elements: BTreeMap<String, Decl>,
}

fn xs<'a, 'i>(node: Node<'a, 'i>, name: &str) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
    let name = name.to_owned();
    node.descendants()
        .filter(move |n| n.tag_name().namespace() == Some(XS) && n.tag_name().name() == name)
}

impl Schema {
    fn load() -> Schema {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit-10.xsd");
        let text = std::fs::read_to_string(path).expect("the XSD is committed");
        let doc = Document::parse(&text).expect("the XSD is XML");
        let root = doc.root_element();
        let patterns: BTreeMap<String, regex::Regex> = xs(root, "simpleType")
            .filter_map(|t| {
                let pattern = xs(t, "pattern").next()?.attribute("value")?;
                let regex = regex::Regex::new(&format!("^(?:{pattern})$")).expect("a regex");
                Some((t.attribute("name")?.to_owned(), regex))
            })
            .collect();
        let types: BTreeMap<&str, Node> = root
            .children()
            .filter(|n| n.has_tag_name((XS, "complexType")))
            .filter_map(|n| Some((n.attribute("name")?, n)))
            .collect();
        let mut elements = BTreeMap::new();
        for element in root.children().filter(|n| n.has_tag_name((XS, "element"))) {
            let name = element
                .attribute("name")
                .expect("a global element has a name");
            let complex = element
                .children()
                .find(|n| n.has_tag_name((XS, "complexType")))
                .or_else(|| {
                    element
                        .attribute("type")
                        .and_then(|t| types.get(t).copied())
                });
            let decl = match complex {
                Some(complex) => Self::complex(complex, &patterns),
                // A simple type (`xs:string`): text only.
                None => Decl {
                    text: true,
                    ..Decl::default()
                },
            };
            elements.insert(name.to_owned(), decl);
        }
        Schema { elements }
    }

    fn complex(complex: Node, patterns: &BTreeMap<String, regex::Regex>) -> Decl {
        let mut decl = Decl {
            text: complex.attribute("mixed") == Some("true"),
            ..Decl::default()
        };
        for child in xs(complex, "element") {
            if let Some(name) = child.attribute("ref").or(child.attribute("name")) {
                decl.children.insert(name.to_owned());
            }
        }
        for attribute in xs(complex, "attribute") {
            let name = attribute
                .attribute("name")
                .expect("an attribute has a name");
            let required = attribute.attribute("use") == Some("required");
            let pattern = attribute
                .attribute("type")
                .and_then(|t| patterns.get(t))
                .cloned();
            decl.attributes.insert(name.to_owned(), (required, pattern));
        }
        decl
    }

    /// Every way `xml` breaks the schema, as `path: what`.
    fn errors(&self, xml: &str) -> Vec<String> {
        let doc = Document::parse(xml).expect("the report is XML");
        let mut errors = Vec::new();
        self.check(doc.root_element(), "", &mut errors);
        errors
    }

    fn check(&self, node: Node, parent: &str, errors: &mut Vec<String>) {
        let name = node.tag_name().name();
        let path = format!("{parent}/{name}");
        let Some(decl) = self.elements.get(name) else {
            errors.push(format!("{path}: no such element"));
            return;
        };
        for attribute in node.attributes() {
            match decl.attributes.get(attribute.name()) {
                None => errors.push(format!(
                    "{path}: attribute `{}` not allowed",
                    attribute.name()
                )),
                Some((_, Some(pattern))) if !pattern.is_match(attribute.value()) => errors.push(
                    format!("{path}: `{}` does not match its type", attribute.name()),
                ),
                Some(_) => {}
            }
        }
        for (attribute, (required, _)) in &decl.attributes {
            if *required && node.attribute(attribute.as_str()).is_none() {
                errors.push(format!("{path}: required attribute `{attribute}` missing"));
            }
        }
        for child in node.children() {
            if child.is_element() {
                if decl.children.contains(child.tag_name().name()) {
                    self.check(child, &path, errors);
                } else {
                    errors.push(format!(
                        "{path}: `{}` not allowed here",
                        child.tag_name().name()
                    ));
                }
            } else if child.is_text() && !decl.text && !child.text().unwrap_or("").trim().is_empty()
            {
                errors.push(format!("{path}: text not allowed"));
            }
        }
    }
}

/// The built-in suite under every profile against a server with `faults`, as JUnit.
async fn junit_of(faults: &[Fault], url: Option<&str>) -> String {
    let server = common::server(faults).await;
    let url = url.map_or_else(|| server.base_url(), str::to_owned);
    let tables = AttributeTables::atmos();
    let plan = common::builtin_plan(&tables);
    let client = common::client(&url);
    let ctx = ReportContext::new(
        client.tenant().to_string(),
        Profile::ALL.to_vec(),
        Redactor::new([Secret::new(common::TOKEN)]),
    );
    let (_stop, interrupt) = tokio::sync::watch::channel(false);
    let runner = Runner::new(&client, &tables, new_run_id(), interrupt);
    let summary = runner.run(&plan, &Profile::ALL, &mut |_| {}).await;
    server.shutdown().await;
    junit::render(&summary, &ctx).expect("renders")
}

#[test]
fn the_validator_rejects_what_the_xsd_forbids() {
    let schema = Schema::load();
    let bad = r#"<testsuites name="x" skipped="0" timestamp="t"><testsuite name="s" tests="1" failures="0">
        <testcase name="c"><properties><property name="a" value="b"/></properties></testcase>
        <testcase classname="k"/></testsuite></testsuites>"#;
    let errors = schema.errors(bad);
    for expected in [
        "/testsuites: attribute `skipped` not allowed",
        "/testsuites: attribute `timestamp` not allowed",
        "/testsuites/testsuite: required attribute `errors` missing",
        "/testsuites/testsuite/testcase: `properties` not allowed here",
        "/testsuites/testsuite/testcase: required attribute `name` missing",
    ] {
        assert!(
            errors.iter().any(|e| e == expected),
            "{expected} in {errors:#?}"
        );
    }
    let bad_time = r#"<testsuites time="1s"/>"#;
    assert_eq!(
        schema.errors(bad_time),
        ["/testsuites: `time` does not match its type"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_with_failures_skips_and_errors_is_valid_against_the_jenkins_xsd() {
    let schema = Schema::load();
    let mut seen = BTreeSet::new();
    // Failures (some only warnings), then not-run steps, then transport errors.
    for (faults, url) in [
        (
            vec![Fault::RejectPascalCaseOps, Fault::ContentTypeJson],
            None,
        ),
        (vec![Fault::HtmlLoginPage], None),
        (vec![], Some("http://127.0.0.1:9/scim")),
    ] {
        let xml = junit_of(&faults, url).await;
        let errors = schema.errors(&xml);
        assert!(errors.is_empty(), "{faults:?}: {errors:#?}");
        for tag in ["<failure", "<skipped", "<error"] {
            if xml.contains(tag) {
                seen.insert(tag);
            }
        }
    }
    assert_eq!(
        seen.len(),
        3,
        "every kind of result was validated: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_test_case_is_unique_under_all_profiles() {
    let xml = junit_of(&[], None).await;
    let doc = Document::parse(&xml).expect("XML");
    let mut seen = BTreeSet::new();
    let mut cases = 0;
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let suite = case
            .parent()
            .and_then(|s| s.attribute("name"))
            .expect("in a suite");
        let classname = case.attribute("classname").expect("a classname");
        let name = case.attribute("name").expect("a name");
        assert_eq!(classname, suite, "classname is the suite's name");
        assert!(
            seen.insert((classname, name)),
            "duplicate: {classname} / {name}"
        );
        cases += 1;
    }
    assert!(cases > 100, "{cases} cases under four profiles");
    assert!(
        seen.contains(&(
            "user-lifecycle [entra-flag]",
            "USER-DISABLE disable-user alice"
        )),
        "{seen:#?}"
    );
}

/// A tool the tests below need: present, or (only outside CI) a reason to skip.
fn tool(name: &str, path: Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    match path.filter(|p| p.exists()) {
        Some(path) => Some(path),
        None if std::env::var_os("CI").is_some() => {
            panic!("{name} is missing; .ci/run installs it")
        }
        None => {
            eprintln!("skipped: {name} is not installed (run .ci/run)");
            None
        }
    }
}

/// The JUnit of a run with failures, warnings and not-run steps, and of an unreachable server.
async fn junit_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let runs = [
        (
            junit_of(&[Fault::RejectPascalCaseOps, Fault::ContentTypeJson], None).await,
            "failures",
        ),
        (
            junit_of(&[], Some("http://127.0.0.1:9/scim")).await,
            "errors",
        ),
    ];
    runs.into_iter()
        .map(|(xml, name)| {
            let path = dir.join(format!("{name}.xml"));
            std::fs::write(&path, xml).expect("written");
            path
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn xmllint_validates_the_junit_against_the_jenkins_xsd() {
    let Some(xmllint) = tool("xmllint", Some("/usr/bin/xmllint".into())) else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit-10.xsd");
    for file in junit_files(dir.path()).await {
        let out = std::process::Command::new(&xmllint)
            .args(["--noout", "--schema", xsd])
            .arg(&file)
            .output()
            .expect("xmllint runs");
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn junitparser_and_xunitparser_read_every_test_case() {
    let python = std::env::var_os("SCIMCHECK_PYTHON").map(std::path::PathBuf::from);
    let Some(python) = tool("the Python with junitparser and xunitparser", python) else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    // Each parser counts the cases it read; both must agree with the XML.
    let script = r#"
import sys, junitparser, xunitparser
for path in sys.argv[1:]:
    xml = junitparser.JUnitXml.fromfile(path)
    cases = sum(1 for suite in xml for case in suite)
    suite, result = xunitparser.parse(open(path))
    print(cases, suite.countTestCases())
"#;
    let files = junit_files(dir.path()).await;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (line, file) in stdout.lines().zip(&files) {
        let xml = std::fs::read_to_string(file).expect("read");
        let expected = xml.matches("<testcase ").count();
        assert_eq!(line, format!("{expected} {expected}"), "{}", file.display());
    }
    assert_eq!(stdout.lines().count(), files.len());
}
