//! Every request the renderer makes, under every profile, as it goes on the wire. The snapshots
//! were taken before the profile quirks became data (`profile::quirks`); any change to a byte
//! the profiles send shows here as a reviewed diff.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{AppRole, Change, Profile, Renderer};
use crate::attributes::{AttrPath, ResourceKind};
use crate::http::Request;
use crate::plan::{MemberRefs, MembersOp, Method, PatchForm};

fn path(p: &str) -> AttrPath {
    AttrPath::parse(p).expect("valid path")
}

fn change(p: &str, value: Value, present: bool) -> Change {
    Change {
        path: path(p),
        value,
        present,
    }
}

/// The values Entra's default mappings give a new user (client-behaviour §3.2), in table order.
fn default_user() -> Vec<(AttrPath, Value)> {
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    [
        ("userName", json!("cobi@contoso.test")),
        ("active", json!(true)),
        ("displayName", json!("Cobi Brass")),
        ("title", json!("Engineer")),
        (
            r#"emails[type eq "work"].value"#,
            json!("cobi@contoso.test"),
        ),
        ("preferredLanguage", json!("en-US")),
        ("name.givenName", json!("Cobi")),
        ("name.familyName", json!("Brass")),
        ("name.formatted", json!("Cobi Brass")),
        (r#"addresses[type eq "work"].formatted"#, json!("1 Main St")),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            json!("1 Main St"),
        ),
        (r#"addresses[type eq "work"].locality"#, json!("Town")),
        (r#"addresses[type eq "work"].region"#, json!("WA")),
        (r#"addresses[type eq "work"].postalCode"#, json!("98052")),
        (r#"addresses[type eq "work"].country"#, json!("US")),
        (
            r#"phoneNumbers[type eq "work"].value"#,
            json!("+1 555 0100"),
        ),
        (
            r#"phoneNumbers[type eq "mobile"].value"#,
            json!("+1 555 0101"),
        ),
        (r#"phoneNumbers[type eq "fax"].value"#, json!("+1 555 0102")),
        ("externalId", json!("cobi")),
        (&format!("{ext}:employeeNumber"), json!("42")),
        (&format!("{ext}:department"), json!("R&D")),
    ]
    .into_iter()
    .map(|(p, v)| (path(p), v))
    .collect()
}

fn changes() -> Vec<Change> {
    vec![
        change("displayName", json!("New Name"), true),
        change("title", json!("Lead"), false),
        change("name.givenName", json!("Co"), true),
        change("name.familyName", json!("B"), true),
        change(r#"emails[type eq "work"].value"#, json!("c@x"), true),
        change(
            r#"phoneNumbers[type eq "mobile"].value"#,
            json!("+1"),
            false,
        ),
        change("active", json!(false), true),
        change(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            json!("Ops"),
            true,
        ),
    ]
}

/// Each request the renderer can make, with a label.
fn every_request(r: &Renderer) -> Vec<(&'static str, Request)> {
    use ResourceKind::{Group, User};
    let members = ["u1".to_owned(), "u2".to_owned()];
    let group = [
        (path("displayName"), json!("Sales \"EU\"")),
        (path("externalId"), json!("g")),
    ];
    let mut out = vec![
        (
            "test-connection",
            r.test_connection(&path("userName"), "7d42"),
        ),
        (
            "lookup user",
            r.lookup(User, &path("userName"), "a \"b\"\\c@x"),
        ),
        (
            "lookup group",
            r.lookup(Group, &path("displayName"), "Sales Team"),
        ),
        ("get user", r.get(User, "u/1")),
        ("get group", r.get(Group, "g1")),
        ("get full group", r.get_full(Group, "g1")),
        ("create user", r.create_user(&default_user())),
        ("create group", r.create_group(&group, false)),
        ("create group adscim", r.create_group(&group, true)),
        ("patch user", r.patch(User, "u1", &changes())),
        ("patch group", r.patch(Group, "g1", &changes()[..1])),
        ("disable", r.set_active("u1", false)),
        ("enable", r.set_active("u1", true)),
        ("set manager", r.set_manager("u1", Some("m1"), false)),
        ("change manager", r.set_manager("u1", Some("m2"), true)),
        ("remove manager", r.set_manager("u1", None, true)),
        ("clear manager", r.clear_manager("u1")),
        ("add members", r.add_members("g1", &members)),
        ("add members each", r.add_members_each("g1", &members)),
        ("remove one member", r.remove_members("g1", &members[..1])),
        ("remove members", r.remove_members("g1", &members)),
        ("remove members each", r.remove_members_each("g1", &members)),
        (
            "add members without ref",
            r.add_members_with("g1", &members, Some(MemberRefs::Without), MembersOp::Add),
        ),
        (
            "add members with null ref",
            r.add_members_with("g1", &members, Some(MemberRefs::WithNull), MembersOp::Add),
        ),
        (
            "add members by replace",
            r.add_members_with("g1", &members, None, MembersOp::Replace),
        ),
        ("membership probe", r.membership_probe("g1", "u1")),
        ("delete user", r.delete(User, "u1")),
        ("delete group", r.delete(Group, "g1")),
        (
            "raw",
            r.raw(Method::Put, "/Users/u1".into(), Some("{}".into()), false),
        ),
    ];
    for (label, form) in [
        ("patch form per-attribute", PatchForm::PerAttribute),
        ("patch form name-object", PatchForm::NameObject),
        ("patch form no-path-add", PatchForm::NoPathAdd),
        ("patch form filtered-add", PatchForm::FilteredAdd),
    ] {
        out.push((label, r.patch_form(User, "u1", &changes(), form)));
    }
    // §3.5, Q6, Q13: roles, when the table maps them.
    let role = AppRole {
        id: "7c1d".into(),
        value: "25".into(),
        display: "Role1234".into(),
    };
    out.push(("add app role", r.add_app_role("u1", &role).0));
    let held =
        [json!({"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "24"})];
    out.push((
        "replace app roles",
        r.replace_app_roles("u1", &held, &role).0,
    ));
    let primary: Vec<(AttrPath, Value)> = [
        ("userName", json!("cobi@contoso.test")),
        (r#"roles[primary eq "True"].value"#, json!("25")),
        (r#"roles[primary eq "True"].display"#, json!("Role1234")),
        (
            r#"roles[primary eq "True"].type"#,
            json!("WindowsAzureActiveDirectoryRole"),
        ),
    ]
    .into_iter()
    .map(|(p, v)| (path(p), v))
    .collect();
    out.push(("create user with primary role", r.create_user(&primary)));
    let change_role: Vec<Change> = primary[1..]
        .iter()
        .map(|(p, v)| change(p.as_str(), v.clone(), true))
        .collect();
    out.push(("change primary role", r.patch(User, "u1", &change_role)));
    out
}

fn transcript(profile: Profile) -> String {
    let mut out = String::new();
    for (label, request) in every_request(&Renderer::new(profile)) {
        let _ = writeln!(out, "## {label}");
        let _ = writeln!(out, "{} {}", request.method.as_str(), request.target);
        for (name, value) in &request.headers {
            let _ = writeln!(out, "{name}: {value}");
        }
        if !request.send_token {
            let _ = writeln!(out, "(no token)");
        }
        if let Some(body) = &request.body {
            let _ = writeln!(out, "{body}");
        }
    }
    out
}

#[test]
fn entra_default_wire_is_unchanged() {
    insta::assert_snapshot!(transcript(Profile::EntraDefault));
}

#[test]
fn entra_flag_wire_is_unchanged() {
    insta::assert_snapshot!(transcript(Profile::EntraFlag));
}

#[test]
fn entra_legacy_wire_is_unchanged() {
    insta::assert_snapshot!(transcript(Profile::EntraLegacy));
}

#[test]
fn rfc_wire_is_unchanged() {
    insta::assert_snapshot!(transcript(Profile::Rfc));
}
