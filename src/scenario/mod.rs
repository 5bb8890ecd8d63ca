//! The scenario file format (YAML, version 1), nothing else: reading files and folders, the
//! built-in scenarios, and parsing text into the [`model`] with the location of every mistake.
//! What the names in a file mean is checked by `plan::compile`.

mod access;
mod de;
mod error;
mod load;
pub mod model;
mod node;
mod read_only;
pub mod schema;

pub use error::{LoadError, ScenarioError, ScenarioErrorKind};
pub use load::{builtin, gallery, parse, read, Parsed, SourceFile};
pub use read_only::read_only_builtin;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
