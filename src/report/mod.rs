//! Reporters: they read run results and events and write text. They never send a request.
//! Everything they write passes through one [`crate::redact::Redactor`], and everything they
//! show a terminal through `controls::escape`.

mod body;
pub mod context;
pub(crate) mod controls;
pub mod files;
mod fix_first;
mod gallery;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
mod layout;
pub mod progress;
mod setup;
pub mod styles;
pub mod terminal;

pub use context::ReportContext;
pub use files::{ReportError, ReportFiles};
pub use progress::Progress;
pub use styles::Styles;
pub use terminal::{Terminal, Verbosity};
