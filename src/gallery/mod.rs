//! `scimcheck run --suite gallery`: Microsoft's gallery tests (client-behaviour §8.3,
//! entra-2026 §1.4, §3) rehearsed without a tenant. Each test, under Microsoft's name, is
//! mapped to the scimcheck steps that show it ([`catalogue`]): built-in scenarios, the
//! scenarios under `scenarios/gallery/`, and the direct steps of [`direct`]. After the run
//! [`judge()`] gives each test pass, fail, not run or not checkable here, with its evidence.

pub mod catalogue;
pub mod direct;
pub mod judge;

pub use catalogue::{GalleryTest, Judged, Source, TESTS};
pub use judge::{judge, Absent, Evidence, GalleryStatus, GalleryVerdict};
