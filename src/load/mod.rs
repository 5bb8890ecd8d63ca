//! `scimcheck load`: Entra's initial cycle at scale (issue 9), paced by schedule (`pace`),
//! measured in HDR histograms (`stats`), sent and cleaned up by `cycle`, and summed up in
//! `summary` (the table and the `--json` document).

pub(crate) mod cycle;
pub(crate) mod pace;
pub(crate) mod stats;
pub(crate) mod summary;
