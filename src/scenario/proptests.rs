//! Property tests of the scenario parser (issue 11, item 8): no text makes it panic, and every
//! mistake it reports points at a place inside the text.

use proptest::prelude::*;

use super::load::parse;

/// Text made of the pieces scenario files are made of, so the parser gets past the YAML
/// layer into the format's own checks.
fn scenarioish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("version: 1\n".to_owned()),
        Just("name: x\n".to_owned()),
        Just("steps:\n".to_owned()),
        Just("  - name: a\n".to_owned()),
        Just("    entra: test-connection\n".to_owned()),
        Just("    entra: { get-user: alice }\n".to_owned()),
        Just("    expect: { status: 200 }\n".to_owned()),
        Just("    request: { method: GET, path: /Users }\n".to_owned()),
        Just("    capture: { id: /id }\n".to_owned()),
        Just("users:\n  alice: {}\n".to_owned()),
        Just("- ".to_owned()),
        Just(": ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\t".to_owned()),
        Just("\r\n".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("é".to_owned()),
        "[a-z ]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..30).prop_map(|parts| parts.concat())
}

/// Whether (line, column), 1-based, lies within `text` or just past the end of a line.
fn inside(text: &str, line: u32, column: u32) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(at) = (line as usize).checked_sub(1).and_then(|i| lines.get(i)) else {
        return false;
    };
    column >= 1 && (column as usize) <= at.chars().count() + 1
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let parsed = parse(text);
    for error in &parsed.errors {
        prop_assert!(
            inside(text, error.line, error.column),
            "{}:{} is outside the text: {:?}\n{text:?}",
            error.line,
            error.column,
            error.kind
        );
        // Every mistake can be worded.
        let _ = (error.message(), error.note());
    }
    Ok(())
}

proptest! {
    #[test]
    fn the_scenario_parser_never_panics_and_locates_every_mistake(text in scenarioish()) {
        check(&text)?;
    }

    #[test]
    fn the_scenario_parser_never_panics_on_any_text(text in any::<String>()) {
        check(&text)?;
    }
}
