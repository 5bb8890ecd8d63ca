//! Exit codes, documented in the README. Chosen like hurl's: the code says who has to act.

use crate::run::RunSummary;

/// Every check passed and everything the run created was deleted.
pub const OK: i32 = 0;
/// A check failed: the server answered, and the answer is not what Entra expects.
pub const CHECK_FAILED: i32 = 1;
/// A bad command line or scenario file; nothing was sent.
pub const USAGE: i32 = 2;
/// The server could not be reached or talked to (DNS, refused, TLS, timeout, huge body).
pub const TRANSPORT: i32 = 3;
/// Every check passed, but cleanup left resources behind.
pub const LEFTOVERS: i32 = 4;
/// Interrupted (Ctrl-C); cleanup ran first. 128 + SIGINT, as shells report it.
pub const INTERRUPTED: i32 = 130;

/// The exit code of a finished run.
pub fn code(summary: &RunSummary) -> i32 {
    if summary.interrupted {
        INTERRUPTED
    } else if summary.transport_error().is_some() {
        TRANSPORT
    } else if summary.counts().failed > 0 || summary.counts().not_run > 0 {
        CHECK_FAILED
    } else if !summary.cleanup.leftovers.is_empty() {
        LEFTOVERS
    } else {
        OK
    }
}
