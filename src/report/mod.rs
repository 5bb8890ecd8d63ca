//! Reporters: they read run results and events and write text. They never send a request.
//! Everything they write passes through one [`crate::redact::Redactor`].

pub mod context;
pub mod files;
mod fix_first;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod progress;
pub mod styles;
pub mod terminal;

pub use context::ReportContext;
pub use files::{ReportError, ReportFiles};
pub use progress::Progress;
pub use styles::Styles;
pub use terminal::Terminal;
