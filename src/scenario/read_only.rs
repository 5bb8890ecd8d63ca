//! The templates of `scimcheck run --read-only` (`scenarios/read-only/*.yaml`, embedded at
//! build time): one scenario per object the admin names with `--user` or `--group`. They are
//! ordinary scenario files; `plan::read_only::builtin` compiles them and fills in the name.

use std::sync::Arc;

use super::SourceFile;

/// `(name, text)` of each template, in run order.
const READ_ONLY: &[(&str, &str)] = &[
    (
        "read-only-user",
        include_str!("../../scenarios/read-only/user.yaml"),
    ),
    (
        "read-only-group",
        include_str!("../../scenarios/read-only/group.yaml"),
    ),
];

/// The read-only templates, each named `builtin:NAME`: `read-only-user` (for `--user`) and
/// `read-only-group` (for `--group`).
pub fn read_only_builtin() -> Vec<SourceFile> {
    READ_ONLY
        .iter()
        .map(|(name, text)| SourceFile {
            name: Arc::from(format!("builtin:{name}")),
            text: (*text).to_owned(),
        })
        .collect()
}
