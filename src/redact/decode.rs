//! Decoded views of a text: the text with its escapes (JSON, percent, HTML/XML entities, `+`
//! for a space) decoded, and a map from each decoded byte back to the raw bytes it came from.
//!
//! Why decode rather than list renderings: a server may escape any subset of a token's
//! characters, each as `\u002B` or `\u002b`, `%2B` or `%2b`, `&#43;` or `&#x2B;`; the
//! renderings of one token number in the billions, while decoding the text is one linear
//! pass. Nested escapes (`%252B`, `&amp;#43;`, `\\u002B`) are decoded by decoding again.
//! Over-decoding (a `%41` that was meant literally) can only make more text match a secret,
//! which masks more, never less.

/// One escape: `dec_len` decoded bytes at `dec` that came from `raw_len` raw bytes at `raw`.
#[derive(Clone, Copy, Debug)]
struct Escape {
    dec: usize,
    dec_len: usize,
    raw: usize,
    raw_len: usize,
}

/// A decoded text and where its bytes came from. Outside escapes, bytes map one to one.
#[derive(Debug)]
pub(super) struct View {
    pub(super) bytes: Vec<u8>,
    escapes: Vec<Escape>,
}

impl View {
    /// The raw offset where decoded byte `d` starts (an escape's first raw byte).
    fn raw_start(&self, d: usize) -> usize {
        let at = self.escapes.partition_point(|e| e.dec <= d);
        match at.checked_sub(1).map(|i| self.escapes[i]) {
            None => d,
            Some(e) if d < e.dec + e.dec_len => e.raw,
            Some(e) => e.raw + e.raw_len + (d - e.dec - e.dec_len),
        }
    }

    /// The raw offset where the decoded range ending (exclusively) at `end` ends.
    fn raw_end(&self, end: usize) -> usize {
        let Some(last) = end.checked_sub(1) else {
            return 0;
        };
        let at = self.escapes.partition_point(|e| e.dec <= last);
        match at.checked_sub(1).map(|i| self.escapes[i]) {
            Some(e) if last < e.dec + e.dec_len => e.raw + e.raw_len,
            _ => self.raw_start(last) + 1,
        }
    }
}

/// Decoded views of `text`, each decoding the one before it, up to `depth` deep; empty when
/// nothing in `text` is an escape. `plus` decodes `+` as a space (form encoding).
pub(super) fn views(text: &[u8], plus: bool, depth: usize) -> Vec<View> {
    let mut views: Vec<View> = Vec::new();
    while views.len() < depth {
        let source = views.last().map_or(text, |v| v.bytes.as_slice());
        match decode(source, plus && views.is_empty()) {
            Some(view) => views.push(view),
            None => break,
        }
    }
    views
}

/// The raw span of decoded span `start..end` of the last of `views`.
pub(super) fn raw_span(views: &[View], start: usize, end: usize) -> (usize, usize) {
    views.iter().rev().fold((start, end), |(s, e), view| {
        (view.raw_start(s), view.raw_end(e))
    })
}

/// Whether `text` may hold an escape any decoder reads.
pub(super) fn may_hold_escapes(text: &[u8], plus: bool) -> bool {
    text.iter()
        .any(|b| matches!(b, b'\\' | b'%' | b'&') || (plus && *b == b'+'))
}

/// `text` with every escape decoded once, or `None` when it has none.
fn decode(text: &[u8], plus: bool) -> Option<View> {
    if !may_hold_escapes(text, plus) {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let found = match text[i] {
            b'\\' => json_escape(&text[i..]),
            b'%' => percent_escape(&text[i..]),
            b'&' => entity(&text[i..]),
            b'+' if plus => Some((vec![b' '], 1)),
            _ => None,
        };
        match found {
            Some((decoded, raw_len)) => {
                escapes.push(Escape {
                    dec: bytes.len(),
                    dec_len: decoded.len(),
                    raw: i,
                    raw_len,
                });
                bytes.extend_from_slice(&decoded);
                i += raw_len;
            }
            None => {
                bytes.push(text[i]);
                i += 1;
            }
        }
    }
    (!escapes.is_empty()).then_some(View { bytes, escapes })
}

fn hex(digits: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

fn utf8(c: char) -> Vec<u8> {
    c.to_string().into_bytes()
}

/// A JSON (or JavaScript) escape at the start of `text`: the bytes it stands for and its
/// length. `\uD83D\uDE00` surrogate pairs are one character; a lone surrogate is left alone.
fn json_escape(text: &[u8]) -> Option<(Vec<u8>, usize)> {
    let simple = match text.get(1)? {
        b'"' => Some(b'"'),
        b'\\' => Some(b'\\'),
        b'/' => Some(b'/'),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        _ => None,
    };
    if let Some(byte) = simple {
        return Some((vec![byte], 2));
    }
    match text.get(1)? {
        b'x' => {
            let code = hex(text.get(2..4)?)?;
            Some((utf8(char::from_u32(code)?), 4))
        }
        b'u' => {
            let high = hex(text.get(2..6)?)?;
            if (0xD800..0xDC00).contains(&high) {
                let low = text
                    .get(6..8)
                    .filter(|p| *p == b"\\u")
                    .and_then(|_| hex(text.get(8..12)?))
                    .filter(|low| (0xDC00..0xE000).contains(low))?;
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return Some((utf8(char::from_u32(code)?), 12));
            }
            Some((utf8(char::from_u32(high)?), 6))
        }
        _ => None,
    }
}

/// `%HH`, either case: one byte.
fn percent_escape(text: &[u8]) -> Option<(Vec<u8>, usize)> {
    let code = hex(text.get(1..3)?)?;
    Some((vec![u8::try_from(code).ok()?], 3))
}

/// The entities of XML and those HTML names for the characters a token may hold.
const NAMED: [(&str, char); 12] = [
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("plus", '+'),
    ("sol", '/'),
    ("equals", '='),
    ("lowbar", '_'),
    ("period", '.'),
    ("tilde", '~'),
    ("colon", ':'),
];

/// `&#43;`, `&#x2B;` (the `;` may be missing, as browsers allow) or a named entity.
fn entity(text: &[u8]) -> Option<(Vec<u8>, usize)> {
    if text.get(1) == Some(&b'#') {
        let (radix, from) = match text.get(2) {
            Some(b'x' | b'X') => (16, 3),
            _ => (10, 2),
        };
        let digits = text[from..]
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
            .count();
        if digits == 0 {
            return None;
        }
        let number = std::str::from_utf8(&text[from..from + digits]).ok()?;
        let code = u32::from_str_radix(number, radix).ok()?;
        let mut len = from + digits;
        if text.get(len) == Some(&b';') {
            len += 1;
        }
        return Some((utf8(char::from_u32(code)?), len));
    }
    NAMED.iter().find_map(|(name, c)| {
        let rest = text.get(1..)?;
        (rest.starts_with(name.as_bytes()) && rest.get(name.len()) == Some(&b';'))
            .then(|| (utf8(*c), name.len() + 2))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str, plus: bool) -> String {
        let views = views(text.as_bytes(), plus, 3);
        let bytes = views.last().map_or(text.as_bytes(), |v| v.bytes.as_slice());
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn every_escape_kind_decodes_in_either_case() {
        assert_eq!(decoded(r#"a\u002Bb\u002fc\/d\"e"#, false), "a+b/c/d\"e");
        assert_eq!(decoded("a%2Bb%2fc", false), "a+b/c");
        assert_eq!(
            decoded("a&#43;b&#x2F;c&#X2b;d&amp;e&plus;f&#43g", false),
            "a+b/c+d&e+f+g"
        );
        assert_eq!(decoded("a+b", true), "a b");
        assert_eq!(decoded("a+b", false), "a+b");
        assert_eq!(decoded(r"\uD83D\uDE00 \u00e9 %C3%A9", false), "😀 é é");
    }

    #[test]
    fn nested_escapes_decode_again() {
        assert_eq!(decoded("%252B &amp;#43; \\\\u002B", false), "+ + +");
    }

    #[test]
    fn what_is_not_an_escape_stays() {
        assert_eq!(
            decoded(r"100% \q &nbsp; &#; \uZZZZ \uD800", false),
            r"100% \q &nbsp; &#; \uZZZZ \uD800"
        );
    }

    #[test]
    fn a_decoded_span_maps_back_to_the_raw_bytes_it_came_from() {
        let raw = "xx\\u0041%42Cyy";
        let views = views(raw.as_bytes(), false, 3);
        let text = &views[0].bytes;
        assert_eq!(text, b"xxABCyy");
        assert_eq!(raw_span(&views, 2, 5), (2, 12));
        assert_eq!(raw_span(&views, 3, 4), (8, 11));
        assert_eq!(raw_span(&views, 5, 7), (12, 14));
        let nested = "a%2541b";
        let views = super::views(nested.as_bytes(), false, 3);
        assert_eq!(views.len(), 2);
        assert_eq!(raw_span(&views, 1, 2), (1, 6));
    }
}
