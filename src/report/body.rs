//! Bodies as a person reads them: JSON pretty-printed, and anything long cut with a line that
//! says how much was left out (the reports and `-v` keep every byte).

use std::fmt::Write as _;

use serde_json::Value;

use crate::redact::Redacted;

/// How much of a body the terminal shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limit {
    /// Lines after pretty-printing.
    pub(crate) lines: usize,
    /// Bytes after pretty-printing.
    pub(crate) bytes: usize,
}

/// The default terminal limit: a SCIM user or a PATCH with a few operations fits whole; the
/// 100-member PATCH of a batch step does not.
pub(crate) const TERMINAL: Limit = Limit {
    lines: 40,
    bytes: 4 * 1024,
};

/// The limit for a body no failed check read (the answer to a write whose effect a read-back
/// judged): its first lines are context, not evidence.
pub(crate) const CONTEXT: Limit = Limit {
    lines: 8,
    bytes: 1024,
};

/// The width [`pretty`] keeps small values within when there is no terminal to fit (`-v`).
pub(crate) const INLINE_WIDTH: usize = 100;

/// A JSON body pretty-printed (key order kept), objects and arrays whose one-line form fits
/// in `width` columns (indent included) on one line: `{ "value": "42", "$ref": null }` rather
/// than four lines. Any other body as it came. It takes masked text and gives masked text:
/// re-serialising decodes JSON escapes, which the redactor has already searched through.
///
/// Written by hand: `serde_json`'s pretty printer puts every value on its own line, which
/// makes a 100-member PATCH 400 lines long, and no well-kept crate prints "pretty but
/// compact" (the layout of `json-stringify-pretty-compact`).
pub(crate) fn pretty(body: Redacted, width: usize) -> Redacted {
    body.map(|body| match serde_json::from_str::<Value>(&body) {
        Ok(value @ (Value::Object(_) | Value::Array(_))) => {
            let mut out = String::new();
            write_value(&value, 0, width, &mut out);
            out
        }
        _ => body,
    })
}

fn write_value(value: &Value, indent: usize, width: usize, out: &mut String) {
    let inline = inline(value);
    let container = matches!(value, Value::Object(_) | Value::Array(_));
    if !container || indent + inline.chars().count() <= width {
        out.push_str(&inline);
        return;
    }
    let pad = " ".repeat(indent + 2);
    let (open, close, items): (char, char, Vec<(Option<&String>, &Value)>) = match value {
        Value::Object(map) => ('{', '}', map.iter().map(|(k, v)| (Some(k), v)).collect()),
        Value::Array(items) => ('[', ']', items.iter().map(|v| (None, v)).collect()),
        _ => return,
    };
    out.push(open);
    for (n, (key, item)) in items.iter().enumerate() {
        out.push_str(if n == 0 { "\n" } else { ",\n" });
        out.push_str(&pad);
        if let Some(key) = key {
            let _ = write!(out, "{}: ", scalar(&Value::String((*key).clone())));
        }
        write_value(item, indent + 2, width, out);
    }
    let _ = write!(out, "\n{}{close}", " ".repeat(indent));
}

/// A value on one line, with a space after `:` and `,`.
fn inline(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar(&Value::String(k.clone())), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        other => scalar(other),
    }
}

fn scalar(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `text` within `limit`, whole lines first; a last line says what was left out. Only
/// masked text can be cut (design §2.12, mask before you cut).
pub(crate) fn cut(text: &Redacted, limit: Limit) -> String {
    let text = text.as_str();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut shown = 0;
    for line in &lines {
        if shown == limit.lines || out.len() + line.len() + 1 > limit.bytes {
            break;
        }
        out.push_str(line);
        out.push('\n');
        shown += 1;
    }
    if shown == lines.len() {
        return out;
    }
    if shown == 0 {
        // One long line (a minified or binary body): cut it at a character boundary.
        let mut end = limit.bytes.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let _ = writeln!(out, "{}…", &text[..end]);
    }
    let _ = writeln!(
        out,
        "… {} more line(s) left out ({} bytes in all; -v and the reports show it whole)",
        lines.len() - shown,
        text.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::Redactor;

    /// Text masked by a redactor that knows no secret.
    fn m(text: &str) -> Redacted {
        Redactor::default().mask(text)
    }

    #[test]
    fn small_json_stays_on_one_line_in_its_own_key_order() {
        assert_eq!(
            pretty(m(r#"{"b":1,"a":[true,{}]}"#), 72).into_string(),
            r#"{ "b": 1, "a": [true, {}] }"#
        );
        assert_eq!(
            pretty(m("<html>x</html>"), 72).into_string(),
            "<html>x</html>"
        );
        assert_eq!(pretty(m("42"), 72).into_string(), "42");
    }

    #[test]
    fn large_json_opens_up_until_each_part_fits() {
        let long = "x".repeat(50);
        let body =
            format!(r#"{{"schemas":["a"],"members":[{{"value":"{long}"}},{{"value":"1"}}]}}"#);
        assert_eq!(
            pretty(m(&body), 72).into_string(),
            format!(
                "{{\n  \"schemas\": [\"a\"],\n  \"members\": [\n    {{ \"value\": \"{long}\" }},\n    {{ \"value\": \"1\" }}\n  ]\n}}"
            )
        );
    }

    #[test]
    fn a_long_body_is_cut_at_the_line_limit_and_says_how_much_is_left() {
        let text: String = (1..=50).map(|n| format!("line {n}\n")).collect();
        let shown = cut(
            &m(&text),
            Limit {
                lines: 3,
                bytes: 4096,
            },
        );
        assert_eq!(
            shown,
            format!(
                "line 1\nline 2\nline 3\n… 47 more line(s) left out ({} bytes in all; -v and the reports show it whole)\n",
                text.len()
            )
        );
    }

    #[test]
    fn a_single_long_line_is_cut_at_the_byte_limit() {
        let text = "é".repeat(100);
        let shown = cut(
            &m(&text),
            Limit {
                lines: 40,
                bytes: 11,
            },
        );
        assert!(
            shown.starts_with(&format!("{}…\n", "é".repeat(5))),
            "{shown}"
        );
        assert!(shown.contains("200 bytes in all"), "{shown}");
    }

    #[test]
    fn a_body_is_masked_before_it_is_cut_so_no_piece_of_a_token_is_left() {
        let token = "tok-SENTINEL-7f3a9c2e41d8b6a0";
        let redactor = Redactor::new([crate::redact::Secret::new(token)]);
        // The token straddles the cut at 20 bytes; escaped, so only decoding finds it.
        let body = format!("{{\"detail\":\"{}\"}}", token.replace('-', "\\u002d"));
        let shown = cut(
            &redactor.mask(&body),
            Limit {
                lines: 1,
                bytes: 20,
            },
        );
        assert!(!shown.contains("tok") && !shown.contains("SENT"), "{shown}");
    }

    #[test]
    fn a_short_body_is_left_whole() {
        assert_eq!(cut(&m("a\nb"), TERMINAL), "a\nb\n");
    }
}
