//! Microsoft's gallery tests, by the names its validation Logic App reports them
//! (`Final_TestResults`, client-behaviour §8.3 REF-LA; entra-2026 §1.4, §3), and the gallery
//! checklist's extras (REF-CHK), each with the scimcheck steps that show it.
//!
//! Adding a test: an entry in [`TESTS`] with the steps (built-in scenarios, those under
//! `scenarios/gallery/`, or [`super::direct`]'s), a fault that makes it fail, and a case in
//! `tests/gallery.rs`.

/// Where a test comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A test of Microsoft's validation Logic App, under its own name.
    Harness,
    /// An item of the gallery checklist (REF-CHK), which the Logic App does not run itself.
    Checklist,
}

impl Source {
    /// `harness` or `checklist`, as the JSON report spells it.
    pub fn name(self) -> &'static str {
        match self {
            Source::Harness => "harness",
            Source::Checklist => "checklist",
        }
    }
}

/// How a test is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// By these steps (scenario name, step id); every one must pass.
    Steps(&'static [(&'static str, &'static str)]),
    /// By every 429 of the run: each must carry `Retry-After`.
    Throttling,
    /// Not here: what the test needs that a run without a tenant lacks.
    Tenant(&'static str),
}

/// One gallery test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GalleryTest {
    /// Microsoft's name (`Disable_User_Test`), or the checklist item's.
    pub name: &'static str,
    pub source: Source,
    /// Whether failing it fails gallery onboarding; `Delete_User_Test` only warns (REF-LA).
    pub required: bool,
    /// What it checks, in a few words.
    pub checks: &'static str,
    pub judged: Judged,
}

const fn harness(
    name: &'static str,
    checks: &'static str,
    steps: &'static [(&'static str, &'static str)],
) -> GalleryTest {
    GalleryTest {
        name,
        source: Source::Harness,
        required: true,
        checks,
        judged: Judged::Steps(steps),
    }
}

const fn checklist(name: &'static str, checks: &'static str, judged: Judged) -> GalleryTest {
    GalleryTest {
        name,
        source: Source::Checklist,
        required: true,
        checks,
        judged,
    }
}

const USER: &str = "user-lifecycle";
const GROUP: &str = "group-lifecycle";
const DIRECT: &str = super::direct::SCENARIO;

/// Provision on demand is a Graph call in the tenant (entra-2026 §4); what it then sends is
/// one cycle's requests, which the create and update tests show.
const POD: &str = "provision on demand is a Graph API call in the Entra tenant; the requests it causes are those of Create_User_Test and Create_Group_Test";

/// Every test, in the order Microsoft's harness groups them (user, group, SCIM workflows),
/// then the checklist.
pub const TESTS: &[GalleryTest] = &[
    harness(
        "Create_User_Test",
        "a new user is looked up, created and found by its matching attribute",
        &[
            (USER, "USER-LOOKUP-ABSENT"),
            (USER, "USER-CREATE"),
            (USER, "USER-LOOKUP-FOUND"),
        ],
    ),
    harness(
        "Update_User_Test",
        "a user's attributes and userName are changed by PATCH and stored",
        &[
            (USER, "USER-UPDATE"),
            ("user-sync", "SYNC-RENAME"),
            ("user-sync", "SYNC-RENAMED-LOOKUP"),
        ],
    ),
    harness(
        "Disable_User_Test",
        "soft delete (mandatory): PATCH active false, and the user is still returned",
        &[
            (USER, "USER-DISABLE"),
            (USER, "USER-DISABLED-GET"),
            (USER, "USER-DISABLED-LOOKUP"),
        ],
    ),
    GalleryTest {
        required: false,
        ..harness(
            "Delete_User_Test",
            "hard delete (optional, a warning): DELETE, then the user is gone",
            &[
                (USER, "USER-DELETE"),
                (USER, "USER-DELETED-GET"),
                (USER, "USER-DELETED-LOOKUP"),
            ],
        )
    },
    harness(
        "User_Update_Manager_Test",
        "the manager is set, changed and removed",
        &[
            ("user-manager", "MANAGER-SET"),
            ("user-manager", "MANAGER-CHANGE"),
            ("user-manager", "MANAGER-REMOVE"),
        ],
    ),
    harness(
        "Restore_User_Test",
        "unassigned, the user is deleted; assigned again, it is created anew",
        &[
            ("gallery-restore", "RESTORE-USER-UNASSIGN"),
            ("gallery-restore", "RESTORE-USER-GONE"),
            ("gallery-restore", "RESTORE-USER-REASSIGN"),
        ],
    ),
    GalleryTest {
        judged: Judged::Tenant(POD),
        ..harness("POD_User_Test", "one user provisioned on demand", &[])
    },
    harness(
        "Create_Group_Test",
        "a new group is looked up and created",
        &[(GROUP, "GROUP-LOOKUP-ABSENT"), (GROUP, "GROUP-CREATE")],
    ),
    harness(
        "Update_Group_Test",
        "a group is renamed and found by its new name",
        &[(GROUP, "GROUP-RENAME"), (GROUP, "GROUP-RENAMED-LOOKUP")],
    ),
    harness(
        "Delete_Group_Test",
        "DELETE, then the group is gone",
        &[(GROUP, "GROUP-DELETE"), (GROUP, "GROUP-DELETED-GET")],
    ),
    harness(
        "Group_Update_Add_Member_Test",
        "several members added in one PATCH",
        &[(GROUP, "GROUP-ADD-MEMBERS")],
    ),
    harness(
        "Group_Update_Remove_Member_Test",
        "members removed by PATCH",
        &[(GROUP, "GROUP-REMOVE-MEMBERS")],
    ),
    GalleryTest {
        judged: Judged::Tenant(POD),
        ..harness("POD_Group_Test", "one group provisioned on demand", &[])
    },
    harness(
        "Restore_Group_Test",
        "unassigned, the group is deleted; assigned again, it is created anew",
        &[
            ("gallery-restore", "RESTORE-GROUP-UNASSIGN"),
            ("gallery-restore", "RESTORE-GROUP-GONE"),
            ("gallery-restore", "RESTORE-GROUP-REASSIGN"),
        ],
    ),
    harness(
        "Schema_Discoverability_Test",
        "every mapped user and group attribute is in GET /Schemas",
        &[(DIRECT, super::direct::SCHEMAS)],
    ),
    harness(
        "SCIM_Null_Update_Test",
        "an attribute replaced with an empty string and with null is accepted",
        &[
            ("gallery-updates", "EMPTY-UPDATE"),
            ("gallery-updates", "NULL-UPDATE"),
        ],
    ),
    harness(
        "SCIM_User_Create_Test",
        "a user created directly reads back as sent",
        &[(USER, "USER-CREATE"), (USER, "USER-GET")],
    ),
    harness(
        "SCIM_User_Update_Test",
        "a user updated directly reads back as sent, with nothing left to PATCH",
        &[(USER, "USER-UPDATE"), ("user-sync", "SYNC-AFTER-UPDATE")],
    ),
    harness(
        "SCIM_Group_Create_Test",
        "a group created directly reads back as sent",
        &[(GROUP, "GROUP-CREATE"), (GROUP, "GROUP-GET")],
    ),
    harness(
        "SCIM_Group_Update_Test",
        "a group updated directly reads back as sent",
        &[(GROUP, "GROUP-RENAME")],
    ),
    harness(
        "SCIM_User_Pagination_Test",
        "users paged five at a time over 11, with startIndex echoed",
        &[
            ("gallery-pagination", "PAGE-USERS-1"),
            ("gallery-pagination", "PAGE-USERS-2"),
            ("gallery-pagination", "PAGE-USERS-3"),
        ],
    ),
    harness(
        "SCIM_Group_Pagination_Test",
        "groups paged five at a time over 11, with startIndex echoed",
        &[
            ("gallery-pagination", "PAGE-GROUPS-1"),
            ("gallery-pagination", "PAGE-GROUPS-2"),
            ("gallery-pagination", "PAGE-GROUPS-3"),
        ],
    ),
    harness(
        "Validate_Credentials_Test",
        "the OAuth token endpoint issues a token for 60–360 minutes, and a SCIM call with it works",
        &[
            (DIRECT, super::direct::TOKEN),
            ("test-connection", "TEST-CONNECTION"),
        ],
    ),
    checklist(
        "Checklist_Zero_Results_200",
        "a query that matches nothing is answered 200 with an empty list",
        Judged::Steps(&[
            ("test-connection", "TEST-CONNECTION"),
            (USER, "USER-LOOKUP-ABSENT"),
            (GROUP, "GROUP-LOOKUP-ABSENT"),
        ]),
    ),
    checklist(
        "Checklist_Expired_Token_401",
        "a request without a token, or with a wrong one, is answered 401",
        Judged::Steps(&[
            ("test-connection", "TEST-CONNECTION-NO-TOKEN"),
            ("gallery-credentials", "WRONG-TOKEN"),
        ]),
    ),
    checklist(
        "Checklist_429_Retry_After",
        "every 429 carries Retry-After",
        Judged::Throttling,
    ),
    checklist(
        "Checklist_25_Requests_Per_Second",
        "25 requests/s sustained without errors",
        Judged::Steps(&[(DIRECT, super::direct::RATE)]),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_harness_test_microsoft_lists_is_here_once() {
        // The 23 names of the Logic App's `Final_TestResults` (REF-LA).
        let harness: Vec<&str> = TESTS
            .iter()
            .filter(|t| t.source == Source::Harness)
            .map(|t| t.name)
            .collect();
        let unique: std::collections::BTreeSet<&str> = harness.iter().copied().collect();
        assert_eq!((harness.len(), unique.len()), (23, 23));
        assert!(TESTS
            .iter()
            .filter(|t| !t.required)
            .map(|t| t.name)
            .eq(["Delete_User_Test"]));
    }

    #[test]
    fn every_step_a_test_names_is_in_its_scenario() {
        let mut files = crate::scenario::builtin();
        files.extend(crate::scenario::gallery());
        for test in TESTS {
            let Judged::Steps(steps) = test.judged else {
                continue;
            };
            for (scenario, step) in steps {
                if *scenario == DIRECT {
                    continue;
                }
                let in_file = files.iter().any(|f| {
                    f.text.contains(&format!("name: {scenario}\n"))
                        && f.text.contains(&format!("id: {step}\n"))
                });
                assert!(in_file, "{}: no step {step} in {scenario}", test.name);
            }
        }
    }
}
