//! A request as a `curl` command a person can paste into a shell to reproduce a failed step.
//!
//! The token never appears: the `Authorization` header reads it from the shell variable
//! `$SCIMCHECK_TOKEN` (the variable `scimcheck run` reads by default), so that one header is
//! double-quoted; every other word is single-quoted, a `'` inside written as `'\''`. Other
//! credential headers (`Cookie`) are masked as in every report.

use super::exchange::structural_redact;
use super::Sent;

/// The shell variable the command reads the token from.
pub const TOKEN_VARIABLE: &str = "SCIMCHECK_TOKEN";

/// Headers curl computes itself; copying them would go wrong as soon as the body is edited.
const COMPUTED: [&str; 3] = ["content-length", "host", "transfer-encoding"];

/// The request as one line of shell:
/// `curl -sS -i --globoff -X PATCH 'url' -H "Authorization: Bearer $SCIMCHECK_TOKEN" -H '…' --data-binary '…'`.
///
/// `-i` shows the status line and headers, which is usually what failed; `--globoff` keeps
/// curl from reading `[` `]` `{` `}` in a SCIM filter as its own URL ranges; `--data-binary`
/// sends the body byte for byte (`-d` would drop its newlines).
pub fn curl(sent: &Sent) -> String {
    let mut words = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-i".to_owned(),
        "--globoff".to_owned(),
        "-X".to_owned(),
        // A method is a token (RFC 9110 §9.1): nothing in it a shell would expand.
        sent.method.to_owned(),
        single_quote(&sent.url),
    ];
    for (name, value) in &sent.headers {
        let lower = name.to_ascii_lowercase();
        if COMPUTED.contains(&lower.as_str()) {
            continue;
        }
        words.push("-H".to_owned());
        if lower == "authorization" {
            // The recorded value is already `Bearer ***`; only its scheme is kept.
            let scheme = value.split_whitespace().next().unwrap_or("Bearer");
            words.push(format!(
                "\"{}: {} ${TOKEN_VARIABLE}\"",
                double_quoted(name),
                double_quoted(scheme)
            ));
        } else {
            words.push(single_quote(&format!(
                "{name}: {}",
                structural_redact(name, value)
            )));
        }
    }
    if let Some(body) = &sent.body {
        words.push("--data-binary".to_owned());
        words.push(single_quote(body));
    }
    words.join(" ")
}

/// `text` as one single-quoted shell word: nothing inside is expanded.
fn single_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `text` escaped for use between double quotes, where `$`, `` ` ``, `"` and `\` are special.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '`' | '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::MASK;

    fn patch() -> Sent {
        Sent {
            method: "PATCH",
            url: "http://127.0.0.1:8080/scim/Users/1?x=a b".into(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {MASK}")),
                ("Content-Type".into(), "application/scim+json".into()),
                ("Content-Length".into(), "99".into()),
            ],
            body: Some(r#"{"Operations":[{"op":"Replace","path":"displayName","value":"O'Brien $HOME `x`"}]}"#.into()),
        }
    }

    #[test]
    fn renders_the_token_as_a_shell_variable_and_quotes_everything_else() {
        assert_eq!(
            curl(&patch()),
            r#"curl -sS -i --globoff -X PATCH 'http://127.0.0.1:8080/scim/Users/1?x=a b' -H "Authorization: Bearer $SCIMCHECK_TOKEN" -H 'Content-Type: application/scim+json' --data-binary '{"Operations":[{"op":"Replace","path":"displayName","value":"O'\''Brien $HOME `x`"}]}'"#
        );
    }

    #[test]
    fn cookies_are_masked_and_a_bodiless_request_has_no_data() {
        let sent = Sent {
            method: "GET",
            url: "https://h/scim/Users".into(),
            headers: vec![("Cookie".into(), "session=abc".into())],
            body: None,
        };
        assert_eq!(
            curl(&sent),
            "curl -sS -i --globoff -X GET 'https://h/scim/Users' -H 'Cookie: ***'"
        );
    }

    /// The command means what it says to a real shell: each argument curl would get, with
    /// `curl` replaced by a function that prints them.
    #[cfg(unix)]
    #[test]
    fn a_real_shell_gives_curl_the_sent_body_and_the_token_from_the_variable() {
        let sent = patch();
        let script = format!(
            "curl() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{}",
            curl(&sent)
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env(TOKEN_VARIABLE, "the-token")
            .env("HOME", "/home/nobody")
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        let args: Vec<&str> = stdout.trim_end_matches('\0').split('\0').collect();
        assert_eq!(
            args[4..7],
            ["PATCH", "http://127.0.0.1:8080/scim/Users/1?x=a b", "-H"]
        );
        assert_eq!(args[7], "Authorization: Bearer the-token");
        assert_eq!(args.last().copied(), sent.body.as_deref());
        assert!(!args.contains(&"Content-Length: 99"), "{args:?}");
    }
}
