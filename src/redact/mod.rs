//! Secrets and the one place they are scrubbed from text.
//!
//! The secrets scimcheck is handed or given: the bearer token, or the OAuth client secret and
//! every access token the token endpoint issues, and the secret parts of the Tenant URL (a
//! password in it, `?code=…` and the other key-like query values). Each lives in [`Secret`],
//! whose `Debug` and `Display` both print `***`; the value comes out only through
//! [`Secret::expose`], which is called where a credential goes on the wire and where the
//! reference server compares tokens. Access tokens arrive during a run, so the redactor is
//! shared: a secret [`Redactor::register`]ed on one clone is masked by all of them.
//!
//! # Where it runs
//!
//! Twice. The client masks every exchange the moment it is recorded ([`Redactor::redact_long`]),
//! before a check, a hint or a report has read it; so nothing later that cuts server text
//! (a body cut at 2,000 bytes, a `detail` at 160 characters, a `<title>` at 80) can cut a
//! secret in half and leave its first part behind: mask before cut, by construction. Then
//! every sink (terminal, JSON, JUnit, HAR, HTML, curl lines, error lines) masks again what it
//! writes ([`Redactor::redact`]), for the texts that never were an exchange (the Tenant URL in
//! an error, a transport error's detail) and for the short secrets the record keeps.
//!
//! # Which occurrences are masked
//!
//! - Credential headers (`Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`) are
//!   masked by name, whatever they hold ([`crate::http::Exchange`] and the report context).
//! - Every form a server can echo a secret in: literal; JSON-escaped (`\u002B` or `\u002b` for
//!   any character, `\/`, `\"`); percent-encoded in either case; form-encoded (`+` for a
//!   space); XML/HTML-escaped (`&amp;`, `&#43;`, `&#x2B;`); and nested (`%252B`). These are
//!   found by decoding the text and searching the decoded text (see `decode`), because the
//!   renderings of one token under per-character escaping cannot be listed. Base64 (standard
//!   and URL-safe, padded or not) cannot be decoded in place, so it is searched for as
//!   precomputed runs at the three byte alignments (see `renderings`), which catches the Base64
//!   of the token, of `Bearer <token>`, of `client_id:client_secret` and of any longer text
//!   holding the token.
//! - A secret of 8 characters (`SHORT_SECRET`) or more is masked wherever it appears, inside
//!   other words too: a real token is long and random, so any occurrence is the token.
//! - A shorter secret (a development token such as `test`, `scim` or `x`) is masked only where
//!   it stands as a whole token: the characters right before and after it are not token
//!   characters. Token characters are those of RFC 6750's `b64token` (ASCII letters and
//!   digits, `-` `.` `_` `~` `+` `/`), and `=` after it (a `b64token` may end in `=`).
//!   So with the token `test`, `Bearer test`, `"test"` and `?t=test&` are masked, while
//!   `test-connection` is not; with `scim`, `/scim/v2` is not; with `x`, `expired` is not.
//!   Masking such a token inside words would mangle every line and hide nothing worth
//!   hiding; `short_secret_warning` tells the user once that such a token is unusual. The
//!   record of an exchange keeps short secrets (a user named `test` must still read back as
//!   `test` when the token is `test`); the sinks mask them. A cut can leave at most 7
//!   characters of one.

mod decode;
mod renderings;

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// What a redacted secret prints as.
pub const MASK: &str = "***";

/// Secrets shorter than this many characters are masked only as whole tokens (see the module
/// documentation).
pub(crate) const SHORT_SECRET: usize = 8;

/// A secret string (the bearer token). Prints as `***` in every format.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value. Surrounding white space (a token file's trailing newline) is
    /// dropped, as an admin pasting the token into Entra would drop it.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().trim().to_owned())
    }

    /// The secret itself. Call only where it must go on the wire or be compared.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an empty token file or variable).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the secret is so short it cannot be a real one: masked only as a whole token.
    pub(crate) fn is_short(&self) -> bool {
        self.0.chars().count() < SHORT_SECRET
    }
}

/// The warning for a Secret Token shorter than [`SHORT_SECRET`], or `None`; the CLI prints
/// it once, on stderr.
pub(crate) fn short_secret_warning(secret: &Secret) -> Option<String> {
    (!secret.is_empty() && secret.is_short()).then(|| {
        format!(
            "warning: the Secret Token is {} character(s) long; a real one is a long random string. \
             Output masks it only where it stands as a whole word, so `test-connection` stays readable",
            secret.0.chars().count()
        )
    })
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// Whether `b` can be part of a bearer token (RFC 6750 `b64token`, without the final `=`).
fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// How deep nested escapes are decoded (`%252B` is two deep).
const DECODE_DEPTH: usize = 3;

/// Decoded views are built this many bytes at a time, so a body full of escapes costs a
/// bounded amount of memory, whatever its size.
const CHUNK: usize = 256 * 1024;

/// How many raw bytes one decoded byte may take: `&#x0000002B;` is 12.
const LONGEST_ESCAPE: usize = 12;

/// Text in which every known secret has been masked. Only a [`Redactor`] makes one, so a
/// function that cuts server text and takes `&Redacted` cannot be handed text that still
/// holds a secret: it can only cut what is already masked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    /// The masked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The text transformed by `f`, which must not put anything back that was masked: a
    /// re-indentation, or a re-serialisation of JSON (which decodes only what the decoded
    /// views have already searched).
    pub(crate) fn map(self, f: impl FnOnce(String) -> String) -> Redacted {
        Redacted(f(self.0))
    }
}

impl std::ops::Deref for Redacted {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one search pattern stands for.
#[derive(Clone, Copy, Debug)]
struct Pattern {
    /// A short secret itself: masked only where it stands as a whole token.
    whole: bool,
    /// Derived from a short secret: left in the record, masked by the sinks.
    short: bool,
}

/// Every rendering of every secret, in one automaton: one pass over each view of a text.
struct Matcher {
    automaton: Option<aho_corasick::AhoCorasick>,
    patterns: Vec<Pattern>,
    /// Whether a pattern holds a space, so the form view (`+` for a space) can matter.
    spaces: bool,
    /// How far past its chunk a rendering may reach: chunks overlap by this much.
    overlap: usize,
}

impl Matcher {
    fn new(secrets: &[Secret]) -> Matcher {
        let mut texts: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for secret in secrets {
            let short = secret.is_short();
            let value = secret.expose();
            texts.push(value.to_owned());
            patterns.push(Pattern {
                whole: short,
                short,
            });
            let mut base64 = renderings::base64(&format!("Bearer {value}"));
            if !short {
                base64.extend(renderings::base64(value));
            }
            for run in base64 {
                texts.push(run);
                patterns.push(Pattern {
                    whole: false,
                    short,
                });
            }
        }
        let spaces = texts.iter().any(|t| t.contains(' '));
        let longest = texts.iter().map(String::len).max().unwrap_or(0);
        let overlap = (longest * LONGEST_ESCAPE).max(64 * 1024);
        // A contiguous NFA, not a DFA: a JWT's renderings make thousands of states, and a DFA
        // of them costs a kilobyte each to build and to keep.
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(&texts)
            .ok();
        Matcher {
            automaton,
            patterns,
            spaces,
            overlap,
        }
    }

    /// The raw byte spans of `text` that hold a secret, in any rendering, unsorted.
    /// `None` when the automaton could not be built: the caller then masks everything.
    fn spans(&self, text: &str, long_only: bool) -> Option<Vec<(usize, usize)>> {
        let automaton = self.automaton.as_ref()?;
        let raw = text.as_bytes();
        let mut spans = Vec::new();
        let mut search = |haystack: &[u8], views: &[decode::View], offset: usize| {
            for found in automaton.find_overlapping_iter(haystack) {
                let pattern = self.patterns[found.pattern().as_usize()];
                if long_only && pattern.short {
                    continue;
                }
                let (start, end) = (found.start(), found.end());
                if pattern.whole {
                    let before = start.checked_sub(1).map(|i| haystack[i]);
                    let after = haystack.get(end).copied();
                    if before.is_some_and(token_byte)
                        || after.is_some_and(|b| token_byte(b) || b == b'=')
                    {
                        continue;
                    }
                }
                let (start, end) = decode::raw_span(views, start, end);
                spans.push((start + offset, end + offset));
            }
        };
        search(raw, &[], 0);
        // Chunks overlap by more than a rendering of a secret can span, so each one lies
        // whole in some chunk (a nesting deeper than the overlap allows is the exception).
        let mut from = 0;
        while from < raw.len() {
            let to = (from + CHUNK + self.overlap).min(raw.len());
            for plus in [false, true] {
                if plus && !self.spaces {
                    continue;
                }
                let views = decode::views(&raw[from..to], plus, DECODE_DEPTH);
                for depth in 1..=views.len() {
                    search(&views[depth - 1].bytes, &views[..depth], from);
                }
            }
            if to == raw.len() {
                break;
            }
            from += CHUNK;
        }
        Some(spans)
    }
}

/// `text` with each of `spans` (raw byte ranges, in any order, possibly overlapping)
/// replaced by one [`MASK`].
fn mask_spans(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    if spans.is_empty() {
        return text.to_owned();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut spans = spans.into_iter().peekable();
    while let Some((mut start, mut end)) = spans.next() {
        while let Some(&(next_start, next_end)) = spans.peek() {
            if next_start > end {
                break;
            }
            end = end.max(next_end);
            spans.next();
        }
        start = start.max(last);
        // A span always lies on character boundaries (it starts at a secret's or an escape's
        // first byte); widen it if not, rather than panic.
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if start < last {
            start = last;
        }
        out.push_str(&text[last..start]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Replaces every known secret in a text by [`MASK`], in every form it may take.
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Default)]
struct Inner {
    secrets: Vec<Secret>,
    matcher: Option<Arc<Matcher>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        write!(f, "Redactor({} secrets)", inner.secrets.len())
    }
}

impl Redactor {
    /// A redactor for these secrets. Empty secrets are ignored (they would match everywhere).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let redactor = Redactor::default();
        for secret in secrets {
            redactor.register(secret);
        }
        redactor
    }

    /// Masks `secret` from now on, in this redactor and every clone of it.
    pub fn register(&self, secret: Secret) {
        if secret.is_empty() {
            return;
        }
        // A panic while holding the lock leaves a valid state: the matcher is replaced whole.
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if !inner.secrets.contains(&secret) {
            inner.secrets.push(secret);
            inner.matcher = Some(Arc::new(Matcher::new(&inner.secrets)));
        }
    }

    fn matcher(&self) -> Option<Arc<Matcher>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.matcher.clone()
    }

    fn run(&self, text: &str, long_only: bool) -> String {
        let Some(matcher) = self.matcher() else {
            return text.to_owned();
        };
        match matcher.spans(text, long_only) {
            Some(spans) => mask_spans(text, spans),
            // No automaton (it cannot happen for secrets of sane size): fail closed.
            None => MASK.to_owned(),
        }
    }

    /// The text with every secret masked, in every form (see the module documentation): a
    /// long one wherever it appears, a short one where it stands as a whole token.
    pub fn redact(&self, text: &str) -> String {
        self.run(text, false)
    }

    /// [`Self::redact`], typed: what a function that cuts server text takes.
    pub fn mask(&self, text: &str) -> Redacted {
        Redacted(self.redact(text))
    }

    /// The text with every long secret masked, in every form; short ones are left for the
    /// sinks (see the module documentation). What the record of an exchange holds.
    pub fn redact_long(&self, text: &str) -> String {
        self.run(text, true)
    }
}

#[cfg(test)]
mod props;

/// The renderings tests echo tokens in.
#[cfg(test)]
pub(crate) mod testing {
    /// The forms a server echoes a token in, beyond the literal one.
    pub(crate) fn echoes(token: &str) -> Vec<String> {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine as _;
        let every_u = |upper: bool| -> String {
            token
                .chars()
                .map(|c| {
                    let code = format!("{:04x}", c as u32);
                    format!("\\u{}", if upper { code.to_uppercase() } else { code })
                })
                .collect()
        };
        let percent_all: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
        vec![
            token.replace('/', "\\/").replace('+', "\\u002B"),
            every_u(true),
            every_u(false),
            percent_all.clone(),
            percent_all.to_lowercase(),
            form_urlencoded::byte_serialize(format!("Bearer {token}").as_bytes()).collect(),
            percent_all.replace('%', "%25"),
            token
                .replace('+', "&#43;")
                .replace('/', "&#x2F;")
                .replace('-', "&#45;"),
            token.replace('+', "&amp;#43;"),
            STANDARD.encode(token),
            URL_SAFE_NO_PAD.encode(token),
            STANDARD.encode(format!("Bearer {token}")),
            URL_SAFE_NO_PAD.encode(format!("Bearer {token}")),
            STANDARD.encode(format!("client-1:{token}")),
            STANDARD.encode(format!("{{\"authorization\":\"Bearer {token}\",\"n\":1}}")),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::echoes;
    use super::*;

    #[test]
    fn secret_prints_as_mask_in_debug_and_display() {
        let s = Secret::new("tok-123");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
    }

    #[test]
    fn secret_drops_surrounding_whitespace_from_files() {
        assert_eq!(Secret::new(" tok\n").expose(), "tok");
    }

    #[test]
    fn a_long_secret_is_masked_everywhere_and_empty_secrets_are_ignored() {
        let token = "Zq3T9vX0pL7mK2sR8wY4nB6cD1fG5hJ0aE3uI9oU";
        let r = Redactor::new([Secret::new(token), Secret::new("")]);
        assert_eq!(
            r.redact(&format!("{token} and x{token}x /scim/{token}/v2")),
            "*** and x***x /scim/***/v2"
        );
    }

    #[test]
    fn a_secret_registered_later_is_masked_by_every_clone() {
        let r = Redactor::new([Secret::new("first-secret-value")]);
        let clone = r.clone();
        r.register(Secret::new("access-token-2"));
        assert_eq!(clone.redact("first-secret-value access-token-2"), "*** ***");
    }

    #[test]
    fn a_short_secret_is_masked_only_as_a_whole_token() {
        let test = Redactor::new([Secret::new("test")]);
        assert_eq!(
            test.redact("test-connection Bearer test \"test\" ?t=test&u=1 test"),
            "test-connection Bearer *** \"***\" ?t=***&u=1 ***"
        );
        assert_eq!(
            test.redact("testtest test=x contest"),
            "testtest test=x contest"
        );
        let scim = Redactor::new([Secret::new("scim")]);
        assert_eq!(
            scim.redact("GET /scim/v2/Users scim"),
            "GET /scim/v2/Users ***"
        );
        let x = Redactor::new([Secret::new("x")]);
        assert_eq!(x.redact("expired x (x)"), "expired *** (***)");
    }

    #[test]
    fn a_long_token_is_masked_in_every_form_a_server_echoes() {
        let token = "Ab+/9z~x.y_Z-0=";
        let r = Redactor::new([Secret::new(token)]);
        for echo in echoes(token) {
            let out = r.redact(&format!("{{\"detail\":\"seen {echo} here\"}}"));
            assert!(!out.contains(&echo), "{echo} survives in {out}");
            assert!(out.contains(MASK), "{echo}: {out}");
        }
    }

    #[test]
    fn the_base64_of_a_token_is_masked_but_for_a_character_at_either_end() {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine as _;
        let token = "Ab+/9z~x.y_Z-0=";
        let r = Redactor::new([Secret::new(token)]);
        for shift in ["", "a", "ab"] {
            let out = r.redact(&STANDARD.encode(format!("{shift}{token}")));
            // Left: the shift's own characters, a character holding a few bits of the token
            // at either end, the padding.
            assert!(out.len() <= MASK.len() + 6, "{shift}: {out}");
        }
    }

    #[test]
    fn a_short_token_is_masked_in_escaped_forms_but_still_only_as_a_whole_token() {
        let r = Redactor::new([Secret::new("test")]);
        assert_eq!(
            r.redact(r#""\u0074est" %74est test-%78"#),
            r#""***" *** test-%78"#
        );
        assert_eq!(r.redact_long("\"test\""), "\"test\"");
    }

    #[test]
    fn the_record_keeps_short_secrets_and_masks_long_ones() {
        let r = Redactor::new([Secret::new("x"), Secret::new("long-secret-1")]);
        assert_eq!(r.redact_long("x long-secret-1"), "x ***");
        assert_eq!(r.redact("x long-secret-1"), "*** ***");
    }

    #[test]
    fn an_escaped_token_across_a_chunk_boundary_is_masked() {
        let token = "tok-SENTINEL-7f3a9c2e41d8b6a0";
        let r = Redactor::new([Secret::new(token)]);
        let escaped: String = token.bytes().map(|b| format!("%{b:02x}")).collect();
        for at in [CHUNK - 40, CHUNK - 1, CHUNK, CHUNK + 5, 3 * CHUNK - 20] {
            let text = format!("{}{escaped}{}", "a".repeat(at), "b".repeat(100));
            let out = r.redact(&text);
            assert_eq!(
                out,
                format!("{}***{}", "a".repeat(at), "b".repeat(100)),
                "at {at}"
            );
        }
    }

    #[test]
    fn a_redactor_does_not_print_its_secrets() {
        let r = Redactor::new([Secret::new("long-secret-1")]);
        assert_eq!(format!("{r:?}"), "Redactor(1 secrets)");
    }

    #[test]
    fn only_a_short_secret_gets_a_warning() {
        assert!(short_secret_warning(&Secret::new("test"))
            .is_some_and(|w| w.contains("4 character(s)")));
        assert_eq!(short_secret_warning(&Secret::new("12345678")), None);
        assert_eq!(short_secret_warning(&Secret::new("")), None);
    }
}
