//! `GET /Schemas` (RFC 7644 §4, RFC 7643 §7): the attributes the reference server stores,
//! which Microsoft's `Schema_Discoverability_Test` reads (entra-2026 §1.4). The store keeps
//! any attribute it is sent; this list names those of RFC 7643 §4 and §8.7 that Entra's
//! default and gallery mappings use (client-behaviour §3.2), so a mapping made of them is
//! discoverable.

use serde_json::{json, Value};

use super::faults::{Fault, Faults};
use crate::scim;

/// The attribute `schemas-missing-attribute` leaves out: mapped by Entra's default and by the
/// Atmos mapping (client-behaviour §3.2), so the gallery check notices.
const LEFT_OUT: &str = "department";

/// A simple attribute of RFC 7643 §7.
fn simple(name: &str, ty: &str) -> Value {
    json!({
        "name": name, "type": ty, "multiValued": false, "required": false,
        "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none",
    })
}

/// A complex attribute with string sub-attributes; `typed` lists the canonical `type` values
/// of a multi-valued one.
fn complex(name: &str, subs: &[&str], typed: Option<&[&str]>) -> Value {
    let mut sub_attributes: Vec<Value> = subs.iter().map(|s| simple(s, "string")).collect();
    if let Some(types) = typed {
        let mut ty = simple("type", "string");
        ty["canonicalValues"] = json!(types);
        sub_attributes.push(ty);
        sub_attributes.push(simple("primary", "boolean"));
    }
    json!({
        "name": name, "type": "complex", "multiValued": typed.is_some(), "required": false,
        "mutability": "readWrite", "returned": "default", "subAttributes": sub_attributes,
    })
}

fn schema(id: &str, name: &str, attributes: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id, "name": name, "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{id}")},
    })
}

fn user() -> Value {
    let mut attributes: Vec<Value> = [
        "userName",
        "displayName",
        "nickName",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "externalId",
    ]
    .iter()
    .map(|a| simple(a, "string"))
    .collect();
    attributes[0]["required"] = json!(true);
    attributes[0]["uniqueness"] = json!("server");
    attributes.push(simple("active", "boolean"));
    attributes.push(complex(
        "name",
        &[
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ],
        None,
    ));
    let kinds = ["work", "home", "other"];
    attributes.push(complex("emails", &["value", "display"], Some(&kinds)));
    let phones = ["work", "home", "mobile", "fax", "pager", "other"];
    attributes.push(complex(
        "phoneNumbers",
        &["value", "display"],
        Some(&phones),
    ));
    let address = [
        "formatted",
        "streetAddress",
        "locality",
        "region",
        "postalCode",
        "country",
    ];
    attributes.push(complex("addresses", &address, Some(&kinds)));
    attributes.push(complex("roles", &["value", "display"], Some(&[])));
    schema(scim::USER_SCHEMA, "User", attributes)
}

fn enterprise(faults: &Faults) -> Value {
    let mut attributes: Vec<Value> = [
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
    ]
    .iter()
    .filter(|a| !(faults.has(Fault::SchemasMissingAttribute) && **a == LEFT_OUT))
    .map(|a| simple(a, "string"))
    .collect();
    attributes.push(complex("manager", &["value", "$ref", "displayName"], None));
    schema(scim::ENTERPRISE_USER_SCHEMA, "EnterpriseUser", attributes)
}

fn group() -> Value {
    let mut members = complex("members", &["value", "$ref", "display", "type"], None);
    members["multiValued"] = json!(true);
    let attributes = vec![
        simple("displayName", "string"),
        simple("externalId", "string"),
        members,
    ];
    schema(scim::GROUP_SCHEMA, "Group", attributes)
}

/// The ListResponse of `GET /Schemas`.
pub(crate) fn list(faults: &Faults) -> Value {
    let resources = vec![user(), enterprise(faults), group()];
    json!({
        "schemas": [scim::LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
