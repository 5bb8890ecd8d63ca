//! Property tests of the redactor: tokens from RFC 6750's whole `b64token` alphabet, of
//! every length up to a long JWT's, echoed in every form, are masked; and no cut of the
//! masked text holds 8 characters of the token.

use proptest::prelude::*;

use super::testing::echoes;
use super::{Redactor, Secret};

/// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn token() -> impl Strategy<Value = String> {
    ("[A-Za-z0-9._~+/-]{8,1100}", "={0,2}").prop_map(|(body, pad)| body + &pad)
}

/// 8 consecutive characters of `token` that `text` holds, if any.
fn holds_a_piece(text: &str, token: &str) -> Option<String> {
    let pieces: std::collections::HashSet<&[u8]> = token.as_bytes().windows(8).collect();
    text.as_bytes()
        .windows(8)
        .find(|w| pieces.contains(w))
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_form_of_an_echoed_token_survives_nor_a_piece_of_it(
        token in token(),
        before in "[ :\"{}<>]{0,3}",
        cut in 0usize..2000,
    ) {
        let redactor = Redactor::new([Secret::new(token.as_str())]);
        for echo in std::iter::once(token.clone()).chain(echoes(&token)) {
            let text = format!("{{\"detail\":\"{before}{echo} (seen)\"}}");
            let out = redactor.redact(&text);
            prop_assert!(!out.contains(&echo), "{echo} survives");
            if let Some(piece) = holds_a_piece(&out, &token) {
                prop_assert!(false, "`{piece}` of the token survives in {out}");
            }
            // A cut of masked text is masked text.
            let cut = out.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(out.len());
            prop_assert!(holds_a_piece(&out[..cut], &token).is_none());
        }
    }

    #[test]
    fn text_that_cannot_hold_the_token_comes_back_unchanged(
        token in token(),
        text in "[ !#$,;:?@^{|}()\\[\\]é😀]{0,300}",
    ) {
        let redactor = Redactor::new([Secret::new(token.as_str())]);
        prop_assert_eq!(redactor.redact(&text), text);
    }
}
