//! The renderings of a secret the decoded views cannot undo: Base64.
//!
//! Base64 is not an escape: a token's Base64 depends on where in the encoded text it starts
//! (its offset modulo 3) and on the bytes around it. So each secret contributes, for each of
//! the 3 alignments, the run of Base64 characters that depend on the secret's bytes alone:
//! that run appears in the Base64 of *any* text holding the secret at that alignment (the
//! token alone, `Bearer <token>`, `client_id:client_secret`, a whole echoed header), in the
//! standard and the URL-safe alphabet, padded or not. What is left unmasked is at most one
//! character at either end, holding 2 or 4 bits of the secret.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// A Base64 run shorter than this is not masked: it could be anything.
const SHORTEST_RUN: usize = 8;

/// The Base64 runs that give `text` away, at each alignment and in both alphabets, and its
/// whole encodings (so a Base64 of exactly the text is masked to its last character).
pub(super) fn base64(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    for align in 0..3usize {
        let mut shifted = vec![0u8; align];
        shifted.extend_from_slice(bytes);
        let encoded = STANDARD_NO_PAD.encode(&shifted);
        // Character i holds bits 6i..6i+6; keep those that lie within the text's bits.
        let first = (8 * align).div_ceil(6);
        let last = (8 * (align + bytes.len())) / 6;
        if let Some(run) = encoded.get(first..last) {
            runs.push(run.to_owned());
        }
    }
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        runs.push(engine.encode(bytes));
    }
    let url_safe: Vec<String> = runs
        .iter()
        .map(|r| r.replace('+', "-").replace('/', "_"))
        .collect();
    runs.extend(url_safe);
    runs.retain(|r| r.len() >= SHORTEST_RUN);
    runs.sort();
    runs.dedup();
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runs_are_found_in_the_base64_of_any_text_holding_the_secret() {
        let secret = "tok+/SENTINEL~xyz_123";
        let runs = base64(secret);
        for text in [
            secret.to_owned(),
            format!("Bearer {secret}"),
            format!("client-id:{secret}"),
            format!("ab{secret}cd"),
        ] {
            for encoded in [STANDARD.encode(&text), URL_SAFE_NO_PAD.encode(&text)] {
                assert!(
                    runs.iter().any(|r| encoded.contains(r.as_str())),
                    "{text} → {encoded}"
                );
            }
        }
    }

    #[test]
    fn a_short_text_has_no_runs_and_a_whole_encoding_is_kept_padded_and_not() {
        assert!(base64("ab").is_empty());
        let runs = base64("Bearer x");
        assert!(runs.contains(&"QmVhcmVyIHg=".to_owned()), "{runs:?}");
        assert!(runs.contains(&"QmVhcmVyIHg".to_owned()), "{runs:?}");
    }
}
