//! The causes scimcheck can name, one [`Rule`] per cause, in claim order: each failure of the
//! run goes to the first rule that explains it, so the specific rules come before the general
//! ones (a 401 is the token before it is "a wrong status"). Failures no rule explains get the
//! generic hint of their check kind ([`generic`]).
//!
//! Adding a cause: a `Rule` in [`RULES`] (before any rule that would claim the same failures),
//! its words (the symptom as the Entra portal shows it, with the provisioning-log code where
//! there is one, citing client-behaviour §6.2/§9), and a unit test in `tests.rs` with the
//! failure it explains. A fault in the reference server that produces it gets a case in
//! `tests/hints.rs`.

use serde_json::Value;

use super::facts::{
    filter_attribute, filtered_path_op, has_adscim_schema, has_null_ref, html_title, is_active,
    is_collection, is_filter_query, member_value_removal, mixes_add_and_replace, no_path_op,
    pascal_case_op, pathed_op, removed_members, string_boolean, touched_attributes, url_path,
    Facts, Failure,
};
use crate::check::server_error::Cause;
use crate::check::{short, AttrProblem, CheckId, Finding, ManagerProblem, Severity};
use crate::connect::is_scim_error;
use crate::http::{advice, TlsProblem, TransportErrorKind};
use crate::run::FallbackChange;
use crate::scim;

/// One cause: how to recognise its failures, and what to tell the admin.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    /// The stable hint id, `hint:…`.
    pub(crate) id: &'static str,
    /// Nothing else can be judged until this is fixed: transport, credentials, the URL.
    pub(crate) blocking: bool,
    /// The cause, as this server's answers show it.
    pub(crate) cause: &'static str,
    /// What the admin sees in Entra.
    pub(crate) symptom: &'static str,
    /// What to change on the server (or in the Entra configuration).
    pub(crate) fix: &'static str,
    /// The attribute or path the cause names, filled in for `{attr}` in `cause` and `fix`.
    pub(crate) names: fn(&Failure<'_>) -> Option<String>,
    /// Whether this rule explains the failure; if so, the evidence to quote.
    pub(crate) explains: fn(&Facts, &Failure<'_>) -> Option<String>,
}

/// For the rules whose words name nothing of the failure.
fn nobody(_: &Failure<'_>) -> Option<String> {
    None
}

fn refused_extension(f: &Failure<'_>) -> Option<String> {
    named(f, |c| match c {
        Cause::RefusedExtension { schema } => Some(schema),
        _ => None,
    })
}

/// The attribute the server requires: as the fallback create resolved it (`formatted` →
/// `name.formatted`), else in the server's words.
fn required_attribute(f: &Failure<'_>) -> Option<String> {
    let name = named(f, |c| match c {
        Cause::RequiredAttribute { name } => Some(name),
        _ => None,
    })?;
    let resolved = f
        .step
        .fallbacks
        .iter()
        .flat_map(|fallback| &fallback.changes)
        .find_map(|change| match change {
            FallbackChange::AddedRequired(path) => Some(path.as_str().to_owned()),
            _ => None,
        });
    Some(resolved.unwrap_or(name))
}

/// `roles[primary eq "True"]…`, the path of `SingleAppRoleAssignment` (client-behaviour §3.2).
fn is_primary_role_path(path: &str) -> bool {
    let compact: String = path
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.starts_with("roles[primaryeq\"true\"]")
}

fn immutable(f: &Failure<'_>) -> Option<String> {
    named(f, |c| match c {
        Cause::Immutable { name } => Some(name),
        _ => None,
    })
}

fn immutable_user_name(f: &Failure<'_>) -> Option<String> {
    let users = f
        .exchange
        .is_some_and(|e| url_path(&e.sent.url).contains("/Users/"));
    immutable(f).filter(|n| users && n.eq_ignore_ascii_case("userName"))
}

fn immutable_group_name(f: &Failure<'_>) -> Option<String> {
    let groups = f
        .exchange
        .is_some_and(|e| url_path(&e.sent.url).contains("/Groups/"));
    immutable(f).filter(|n| groups && n.eq_ignore_ascii_case("displayName"))
}

fn unsupported_path(f: &Failure<'_>) -> Option<String> {
    named(f, |c| match c {
        Cause::UnsupportedPath { path } => Some(path),
        _ => None,
    })
}

/// The first cause of `kind` the server's words name, as the attribute or path it names.
fn named(f: &Failure<'_>, pick: fn(&Cause) -> Option<&str>) -> Option<String> {
    if !f.rejected_write() {
        return None;
    }
    f.causes().iter().find_map(|c| pick(c).map(str::to_owned))
}

/// The specific causes, in claim order.
pub(crate) const RULES: &[Rule] = &[
    // §1.1, §1.2, §2.3, §6.2: no answer at all; each transport failure is its own cause.
    Rule {
        id: "hint:dns",
        blocking: true,
        cause: "the host name in the Tenant URL does not resolve",
        symptom: "Test Connection fails and no request reaches the app; cycles log connection errors and retry every 40 minutes (client-behaviour §2.3, §6.2)",
        fix: advice::DNS,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::Dns)),
    },
    Rule {
        id: "hint:connection-refused",
        blocking: true,
        cause: "nothing listens on the Tenant URL's host and port",
        symptom: "Test Connection fails and no request reaches the app; cycles log connection errors and retry every 40 minutes (client-behaviour §2.3, §6.2)",
        fix: advice::REFUSED,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::Refused)),
    },
    // Two handshake refusals that the generic TLS advice would send the wrong way: a
    // certificate is not what is wrong. The details are `http`'s own constants.
    Rule {
        id: "hint:tls-client-certificate",
        blocking: true,
        cause: "the server requires a client certificate (mutual TLS)",
        symptom: "Test Connection fails before any request reaches the app (client-behaviour §1.3, §2.3)",
        fix: advice::CLIENT_CERT,
        names: nobody,
        explains: |_, f| {
            transport(f, |k| {
                matches!(k, TransportErrorKind::Tls { problem: TlsProblem::ClientCertificateRequired })
            })
        },
    },
    Rule {
        id: "hint:tls-version",
        blocking: true,
        cause: "the server speaks only TLS versions older than 1.2",
        symptom: "Test Connection fails before any request reaches the app (client-behaviour §1.2, §2.3)",
        fix: advice::TLS_VERSION,
        names: nobody,
        explains: |_, f| {
            transport(f, |k| {
                matches!(k, TransportErrorKind::Tls { problem: TlsProblem::VersionTooOld })
            })
        },
    },
    Rule {
        id: "hint:tls",
        blocking: true,
        cause: "the TLS handshake fails",
        symptom: "Test Connection fails before any request reaches the app (client-behaviour §1.2, §2.3)",
        fix: advice::TLS,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::Tls { .. })),
    },
    Rule {
        id: "hint:timeout",
        blocking: true,
        cause: "the server does not answer in time",
        symptom: "`Timeout` in the provisioning logs; Entra retries in 40 minutes, and a job that keeps failing is quarantined (client-behaviour §6.2)",
        fix: advice::TIMEOUT,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::Timeout { .. })),
    },
    Rule {
        id: "hint:body-too-large",
        blocking: true,
        cause: "the server answers with a body far larger than any SCIM resource or filtered list",
        symptom: "Entra's requests time out or fail to parse (client-behaviour §6.2)",
        fix: advice::BODY_TOO_LARGE,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::BodyTooLarge { .. })),
    },
    Rule {
        id: "hint:connection-failed",
        blocking: true,
        cause: "the connection breaks, or the answer is not HTTP",
        symptom: "`WebExceptionProtocolError` in the provisioning logs; Entra retries in 40 minutes (client-behaviour §6.2)",
        fix: advice::PROTOCOL,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::Protocol { .. })),
    },
    // Not Entra's wire: scimcheck's own way there. No request reached the server.
    Rule {
        id: "hint:proxy",
        blocking: true,
        cause: "the HTTP proxy scimcheck was told to use fails, so no request reaches the server",
        symptom: "nothing about the server can be judged yet; Entra itself connects from the `AzureActiveDirectory` service-tag ranges without this proxy (client-behaviour §1.2)",
        fix: advice::PROXY,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::Proxy { .. })),
    },
    // §1.3, entra-2026 §3: client credentials; without an access token nothing is sent.
    Rule {
        id: "hint:token-endpoint",
        blocking: true,
        cause: "no access token could be had from the OAuth token endpoint, so no request reaches the SCIM server",
        symptom: "Entra cannot authenticate: the job is quarantined with a credential error before the first request (client-behaviour §1.3, §6.2)",
        fix: advice::TOKEN_ENDPOINT,
        names: nobody,
        explains: |_, f| transport(f, |k| matches!(k, TransportErrorKind::TokenEndpoint { .. })),
    },
    // §2.3: "any non-2xx, unparseable body" fails Test Connection; an HTML page is an SSO
    // wall or a proxy, whatever the status.
    Rule {
        id: "hint:html-login-page",
        blocking: true,
        cause: "the Tenant URL answers with an HTML page (a login page or a proxy), not the SCIM API",
        symptom: "Test Connection fails; cycles log `SystemForCrossDomainIdentityManagementServiceIncompatible` because the answer is not SCIM JSON (client-behaviour §2.3, §6.2)",
        fix: "use the SCIM base URL (e.g. https://host/scim/v2) and let it through without a browser login: Entra authenticates with the bearer token only (client-behaviour §1.3)",
        names: nobody,
        explains: |_, f| {
            let received = f.received().filter(|r| r.is_html())?;
            let title = html_title(&received.body)
                .map(|t| format!(" titled \"{t}\""))
                .unwrap_or_default();
            Some(format!(
                "{} → {} with an HTML page{title}",
                f.request(),
                received.status
            ))
        },
    },
    // §2.3, §9 #2. A 401/403 after the same token worked elsewhere is a permission, not the
    // token; it falls through to the generic hint.
    Rule {
        id: "hint:token",
        blocking: true,
        cause: "the server refuses the token",
        symptom: "`SystemForCrossDomainIdentityManagementCredentialValidationFailure` (\"invalid credentials\") on Test Connection; during cycles the job is quarantined, `EncounteredQuarantineException` (client-behaviour §2.3, §9 #2)",
        fix: "check the Secret Token: paste it without `Bearer ` or spaces, and check it has not expired or been revoked; the server must accept `Authorization: Bearer <token>` (client-behaviour §1.3)",
        names: nobody,
        explains: |facts, f| {
            let refused = matches!(f.status(), Some(401 | 403));
            (refused && f.sent_token() && !facts.token_accepted).then(|| f.answered())
        },
    },
    // §2.3, §9 #1: 404 for the collection itself. Told from a 404 for an empty search the way
    // `connect` does: a Tenant URL ending in /Users shows as /Users/Users; if /Users or /Groups
    // ever answered, the path is right; if a POST to the collection got 404 or 405, it is
    // wrong; with neither, a web server's (non-SCIM) 404 means a path the SCIM service does not
    // own.
    Rule {
        id: "hint:wrong-url",
        blocking: true,
        cause: "the Tenant URL's path is wrong: the server has no /Users or /Groups under it",
        symptom: "Test Connection: \"An HTTP/404 Not Found response was returned rather than the expected HTTP/200 OK response\"; the job is quarantined (client-behaviour §2.3, §9 #1)",
        fix: "enter the SCIM base as the Tenant URL (often https://host/scim/v2 or …/scim); Entra appends /Users and /Groups itself, so the URL must not end in /Users (client-behaviour §1.1)",
        names: nobody,
        explains: |facts, f| {
            let exchange = f.exchange?;
            let received = f.received().filter(|r| matches!(r.status, 404 | 405))?;
            let path = url_path(&exchange.sent.url).to_ascii_lowercase();
            let doubled = path.contains("/users/users") || path.contains("/users/groups");
            let missing = !facts.collection_answered
                && (facts.collection_post_refused
                    || facts.collection_get_refused
                    || (received.status == 404 && !is_scim_error(received)));
            if !is_collection(&exchange.sent.url) || !(doubled || missing) {
                return None;
            }
            let detail = f.detail().map(|d| format!(": \"{d}\"")).unwrap_or_default();
            Some(format!(
                "{} {} → {}{detail}{}",
                exchange.sent.method,
                exchange.sent.url,
                received.status,
                if doubled {
                    " (the Tenant URL ends in /Users, which Entra appends itself)"
                } else {
                    ""
                }
            ))
        },
    },
    // A redirect to the URL just asked for can never end; "redirects elsewhere" would send
    // the admin looking for another URL that does not exist.
    Rule {
        id: "hint:redirect-loop",
        blocking: true,
        cause: "the Tenant URL redirects to itself (a redirect loop)",
        symptom: "Test Connection fails: the request never reaches the SCIM service (client-behaviour §2.3)",
        fix: "find what redirects (a load balancer's or framework's HTTPS or trailing-slash rule) and make the Tenant URL answer directly",
        names: nobody,
        explains: |_, f| {
            let received = f.received().filter(|r| (300..400).contains(&r.status))?;
            let location = received.header("location")?;
            let sent = url::Url::parse(&f.exchange?.sent.url).ok()?;
            (sent.join(location).ok()? == sent)
                .then(|| format!("{} → {} to itself", f.request(), received.status))
        },
    },
    Rule {
        id: "hint:redirect",
        blocking: true,
        cause: "the Tenant URL redirects elsewhere",
        symptom: "Test Connection fails: Entra does not follow redirects with the token (client-behaviour §2.3)",
        fix: "enter the URL it redirects to as the Tenant URL (https, the final host and path)",
        names: nobody,
        explains: |_, f| {
            let received = f.received().filter(|r| (300..400).contains(&r.status))?;
            let location = received.header("location")?;
            Some(format!(
                "{} → {} to {location}",
                f.request(),
                received.status
            ))
        },
    },
    // §1.4, §9 #3: Entra sends no Accept header.
    Rule {
        id: "hint:accept-header",
        blocking: true,
        cause: "the server answers 406 Not Acceptable: it wants an `Accept` header, and Entra sends none",
        symptom: "Test Connection fails though the same request works from Postman (client-behaviour §9 #3)",
        fix: "accept requests without an `Accept` header (or with `*/*`): Entra sends none on GET (client-behaviour §1.4)",
        names: nobody,
        explains: |_, f| (f.status() == Some(406)).then(|| f.answered()),
    },
    // Issue 7: causes the server names in its own words (a SCIM error's `scimType` and
    // `detail`, or a framework's validation message), read by `check::server_error`.
    Rule {
        id: "hint:extension-refused",
        blocking: false,
        cause: "the server refuses the schema extension `{attr}` in Entra's create",
        symptom: "users are never created: POST /Users fails with HTTP 400 in the provisioning logs, every cycle, for every user whose mapping fills an enterprise attribute (client-behaviour §3.2)",
        fix: "accept `{attr}` in `schemas` and as a key of the resource (RFC 7643 §3.3, §4.3), or remove its attributes from the app's Attribute Mapping in Entra; until then Entra's real create keeps failing (scimcheck judged the rest of the cycle on a fallback object without it)",
        names: refused_extension,
        explains: |_, f| refused_extension(f).map(|_| f.answered()),
    },
    // entra-2026 §5 #12: cloud-only users have no `mail`, so Entra sends no `emails`.
    Rule {
        id: "hint:emails-required",
        blocking: false,
        cause: "the server requires `emails`, but cloud-only users have no `mail`, so Entra sends none",
        symptom: "users without a mailbox are never created: POST /Users fails with HTTP 400 (`MandatoryFieldsMissing` or the server's own error) every cycle (entra-2026 §5 #12)",
        fix: "make `emails` optional on the server (RFC 7643 §4.1.2 does not require it); in Entra, mapping `userPrincipalName` to `emails[type eq \"work\"].value` is a workaround, not a fix",
        names: nobody,
        explains: |_, f| {
            let creates = matches!(f.method(), "POST" | "PUT");
            let emails = required_attribute(f)
                .is_some_and(|name| name.to_ascii_lowercase().starts_with("emails"));
            (creates && emails).then(|| f.answered())
        },
    },
    Rule {
        id: "hint:required-attribute",
        blocking: false,
        cause: "the server requires `{attr}`, which the app's attribute mapping does not send",
        symptom: "users are never created: POST /Users fails with HTTP 400 in the provisioning logs, every cycle (client-behaviour §3.2: Entra sends only mapped attributes with a value)",
        fix: "either map `{attr}` in Entra (Provisioning → Mappings → Attribute Mapping; for `name.formatted`, e.g. Join(\" \", [givenName], [surname])), or make it optional on the server; until then Entra's real create keeps failing (scimcheck judged the rest on a fallback object with a generated value)",
        names: required_attribute,
        explains: |_, f| {
            let creates = matches!(f.method(), "POST" | "PUT");
            required_attribute(f).filter(|_| creates).map(|_| f.answered())
        },
    },
    Rule {
        id: "hint:immutable-username",
        blocking: false,
        cause: "the server will not change `userName` (it calls it immutable), but Entra renames users when their UPN changes",
        symptom: "renamed users are never updated: the PATCH fails with HTTP 400 (`mutability`) every cycle, and lookups by the new name create duplicates (client-behaviour §3.5)",
        fix: "let PATCH replace `userName` (RFC 7643 §4.1.1 declares it readWrite); keep `id` as the stable key instead",
        names: immutable_user_name,
        explains: |_, f| immutable_user_name(f).map(|_| f.answered()),
    },
    Rule {
        id: "hint:immutable-group-name",
        blocking: false,
        cause: "the server will not change a group's `displayName` (it calls it immutable), but Entra renames groups when they are renamed in the directory",
        symptom: "renamed groups keep their old name in the app: the PATCH fails with HTTP 400 every cycle (client-behaviour §4.3)",
        fix: "let PATCH replace `displayName` on groups (RFC 7643 §4.2 declares it readWrite); keep `id` as the stable key",
        names: immutable_group_name,
        explains: |_, f| immutable_group_name(f).map(|_| f.answered()),
    },
    Rule {
        id: "hint:immutable-attribute",
        blocking: false,
        cause: "the server will not change `{attr}` (it calls it immutable), but Entra PATCHes it when the source changes",
        symptom: "the change never arrives: the PATCH fails with HTTP 400 (`mutability`) every cycle (client-behaviour §3.5)",
        fix: "let PATCH replace `{attr}`, or remove it from the Attribute Mapping (or map it \"Only during object creation\")",
        names: immutable,
        explains: |_, f| immutable(f).map(|_| f.answered()),
    },
    // §3.6: Entra's default client sets the manager with a bare string id.
    Rule {
        id: "hint:manager-string-refused",
        blocking: false,
        cause: "the server refuses the manager sent as a bare string id, as Entra sends it",
        symptom: "managers never reach the app: the manager PATCH fails with HTTP 400 every cycle (client-behaviour §3.6, §9 #7)",
        fix: "accept `{\"op\":\"Add\",\"path\":\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager\",\"value\":\"<id>\"}` with a string value (store it as the manager's id, and return it as {\"value\":\"<id>\"})",
        names: nobody,
        explains: |_, f| {
            if !f.rejected_write() || f.method() != "PATCH" || !f.detail_mentions(&["manager"]) {
                return None;
            }
            let sent = f.sent_json()?;
            let op = manager_string_op(&sent)?;
            Some(sent_and_answered(f, op))
        },
    },
    // §5.2 Q3: Entra's first fill of an attribute is `Add` with a path. Told apart by the run:
    // pathed `replace` ops were accepted, no pathed `add` was.
    Rule {
        id: "hint:add-with-path",
        blocking: false,
        cause: "the server refuses `add` operations that have a `path`, which is how Entra fills an attribute for the first time",
        symptom: "attributes a user did not have before (a new department, a first work e-mail) are never set: the PATCH fails every cycle (client-behaviour §3.5, §5.2 Q3)",
        fix: "accept `{\"op\":\"Add\",\"path\":\"<attribute>\",\"value\":…}` as RFC 7644 §3.5.2.1 defines it, for simple, sub-attribute, extension and filtered paths",
        names: nobody,
        explains: |facts, f| {
            let users = f
                .exchange
                .is_some_and(|e| url_path(&e.sent.url).contains("/Users/"));
            if !f.rejected_write() || f.method() != "PATCH" || !users {
                return None;
            }
            if facts.add_path_accepted || !facts.replace_path_accepted {
                return None;
            }
            let sent = f.sent_json()?;
            let op = pathed_op(&sent, "add")?;
            // A filtered `add` refused while no filtered op was accepted is the filter's.
            let filtered = op
                .get("path")
                .and_then(Value::as_str)
                .is_some_and(|p| p.contains('['));
            (!filtered || facts.filtered_accepted).then(|| sent_and_answered(f, op))
        },
    },
    // §3.5 (GH-SNIPE34, GH-CAPTURE): `Replace` and `Add` in one PATCH.
    Rule {
        id: "hint:mixed-patch",
        blocking: false,
        cause: "the server refuses a PATCH that mixes `replace` and `add` operations, as Entra sends them when it changes one attribute and fills another",
        symptom: "the whole update fails every cycle whenever a user gains an attribute while another changes (client-behaviour §3.5)",
        fix: "apply the operations of one PATCH in order, whatever their `op` (RFC 7644 §3.5.2)",
        names: nobody,
        explains: |facts, f| {
            if !f.rejected_write() || f.method() != "PATCH" || facts.mixed_accepted {
                return None;
            }
            if !facts.add_path_accepted || !facts.replace_path_accepted {
                return None;
            }
            let sent = f.sent_json()?;
            let no_path_minded = no_path_op(&sent).is_some() && !facts.no_path_accepted;
            (mixes_add_and_replace(&sent) && !no_path_minded).then(|| f.answered())
        },
    },
    // §3.7 (GH-CAPTURE): the disable inside a PATCH that changes other attributes.
    Rule {
        id: "hint:active-with-other-changes",
        blocking: false,
        cause: "the server refuses a PATCH that changes `active` together with other attributes",
        symptom: "a user who leaves the app while another attribute changes is neither updated nor disabled: the PATCH fails every cycle and the account stays active (client-behaviour §3.7)",
        fix: "apply `active` like any other attribute of the PATCH; Entra sends the disable alone or with the cycle's other changes",
        names: nobody,
        explains: |facts, f| {
            let users = f
                .exchange
                .is_some_and(|e| url_path(&e.sent.url).contains("/Users/"));
            if !f.rejected_write() || f.method() != "PATCH" || !users {
                return None;
            }
            let sent = f.sent_json()?;
            let touched = touched_attributes(&sent);
            let with_others = touched.iter().any(|a| is_active(a)) && touched.len() > 1;
            (with_others && facts.active_alone_accepted).then(|| f.answered())
        },
    },
    Rule {
        id: "hint:unsupported-path",
        blocking: false,
        cause: "the server does not support the PATCH path `{attr}`, which Entra sends",
        symptom: "the update fails with HTTP 400 (`invalidPath`) every cycle, and the whole PATCH is rejected (client-behaviour §3.5, §9 #6)",
        fix: "support `{attr}` as a PATCH path: value-path filters (`attr[type eq \"work\"].value`, `members[value eq \"<id>\"]`) are RFC 7644 §3.5.2 paths Entra uses",
        names: unsupported_path,
        explains: |_, f| {
            unsupported_path(f)?;
            let sent = f.sent_json()?;
            match filtered_any_op(&sent) {
                Some(op) => Some(sent_and_answered(f, op)),
                None => Some(f.answered()),
            }
        },
    },
    // §2.2, §6.1, §6.2, §9 #3.
    Rule {
        id: "hint:empty-search-404",
        blocking: false,
        cause: "a filter that matches nothing is answered 404 instead of an empty list",
        symptom: "Test Connection: \"An HTTP/404 Not Found response was returned rather than the expected HTTP/200 OK response\"; during cycles a \"SCIM compliance issue\" quarantine (client-behaviour §2.3, §6.2, §9 #3)",
        fix: "when a filter matches nothing, answer 200 with {\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":0,\"Resources\":[]} (client-behaviour §2.2)",
        names: nobody,
        explains: |_, f| {
            let filtered = f.exchange.is_some_and(|e| is_filter_query(&e.sent.url));
            (f.is(CheckId::Status) && f.status() == Some(404) && filtered).then(|| f.answered())
        },
    },
    // §5.2 Q1, §9 #4. Checked against the run: if some PascalCase PATCH was accepted, the case
    // of `op` is not what the server minds. Entra's default PATCH also carries string booleans
    // and null `$ref`s, so a detail naming those wins.
    Rule {
        id: "hint:pascal-case-ops",
        blocking: false,
        cause: "the server accepts only lower-case PATCH `op` values, and Entra sends `Add`, `Replace`, `Remove`",
        symptom: "every user update, disable and group-membership change fails with HTTP 400 in the provisioning logs (client-behaviour §9 #4)",
        fix: "compare `op` case-insensitively; Entra's default client sends `Add`/`Replace`/`Remove` (client-behaviour §5.2 Q1), only ?aadOptscim062020 switches it to lower case",
        names: nobody,
        explains: |facts, f| {
            if !f.rejected_write() || f.method() != "PATCH" || facts.pascal_op_accepted {
                return None;
            }
            // The server's own words may name another of Entra's quirks in the same request.
            if f.detail_mentions(&["bool", "$ref", "members["]) {
                return None;
            }
            let sent = f.sent_json()?;
            let op = pascal_case_op(&sent)?;
            Some(sent_and_answered(f, op))
        },
    },
    // §5.2 Q2, §9 #5.
    Rule {
        id: "hint:string-booleans",
        blocking: false,
        cause: "the server rejects booleans sent as the strings \"True\"/\"False\"",
        symptom: "users are never deactivated (or re-enabled): PATCH fails with 400 \"expected boolean\" in the provisioning logs (client-behaviour §9 #5)",
        fix: "accept \"True\"/\"False\" strings (any case) wherever a boolean is expected, above all `active`: Entra's default client sends them (client-behaviour §5.2 Q2)",
        names: nobody,
        explains: |facts, f| {
            if !f.rejected_write() {
                return None;
            }
            let (key, value) = string_boolean(&f.sent_json()?)?;
            let blamed = f.detail_mentions(&["bool"]) || !facts.string_boolean_accepted;
            blamed.then(|| {
                format!(
                    "{} sent `{key}` as \"{value}\"{}",
                    f.request(),
                    answer_suffix(f)
                )
            })
        },
    },
    // §5.2 Q7.
    Rule {
        id: "hint:null-ref",
        blocking: false,
        cause: "the server rejects member or manager objects carrying \"$ref\": null",
        symptom: "group membership changes (and manager updates) fail with HTTP 400 in the provisioning logs (client-behaviour §5.2 Q7)",
        fix: "ignore a null `$ref` in member and manager objects: Entra's default client sends it",
        names: nobody,
        explains: |facts, f| {
            if !f.rejected_write() || !has_null_ref(&f.sent_json()?) {
                return None;
            }
            let blamed = f.detail_mentions(&["$ref"]) || !facts.null_ref_accepted;
            blamed.then(|| format!("{} sent \"$ref\": null{}", f.request(), answer_suffix(f)))
        },
    },
    // §5.2 Q4/Q10, §9 #8: Entra's no-path `replace` with an attribute object.
    Rule {
        id: "hint:no-path-ops",
        blocking: false,
        cause: "the server rejects PATCH operations without a `path` whose `value` is an object of attributes",
        symptom: "updates fail with HTTP 400 (`noTarget`) in the provisioning logs; with ?aadOptscim062020 every attribute change is sent this way (client-behaviour §9 #8)",
        fix: "support operations without `path`: apply each key of `value` (\"name.givenName\", \"urn:…:User:department\") as if it were the path (RFC 7644 §3.5.2.1, §3.5.2.3; client-behaviour §5.2 Q4/Q10)",
        names: nobody,
        explains: |facts, f| {
            if !f.rejected_write() || f.method() != "PATCH" {
                return None;
            }
            let sent = f.sent_json()?;
            let op = no_path_op(&sent)?;
            let blamed = f.detail_mentions(&["path", "notarget"]) || !facts.no_path_accepted;
            blamed.then(|| sent_and_answered(f, op))
        },
    },
    // §3.5, §9 #6: add/replace on `emails[type eq "work"].value` must create the element.
    // §3.5, Q6: told by the stored roles themselves: an element whose `value` is the JSON text
    // of a role object, as Entra's default PATCH sends it.
    Rule {
        id: "hint:role-json-string",
        blocking: false,
        cause: "the server stores a role that Entra's PATCH sends as a JSON-encoded string (`\"value\":\"{\\\"id\\\":…,\\\"value\\\":…,\\\"displayName\\\":…}\"`) as that string, instead of decoding it into the role's `value` and `display`",
        symptom: "the app sees a role named `{\"id\":…}`, not the role assigned in Entra; Entra's next cycle finds the roles differ and PATCHes them again (client-behaviour §3.5, §5.2 Q6)",
        fix: "when a `roles` element's `value` is a string holding a JSON object, decode it: store `value` from its `value` and `display` from its `displayName` (Microsoft's apps do; with ?aadOptscim062020 Entra sends the role object instead)",
        names: nobody,
        explains: |_, f| {
            let Some(Finding::Attribute {
                path,
                problem: AttrProblem::WrongValue(actual),
                ..
            }) = f.finding()
            else {
                return None;
            };
            if path.as_str() != "roles" {
                return None;
            }
            let encoded = actual.as_array()?.iter().find_map(|role| {
                let text = role.get("value")?.as_str()?;
                serde_json::from_str::<serde_json::Map<String, Value>>(text)
                    .ok()
                    .map(|_| text.to_owned())
            })?;
            Some(format!(
                "{}: a stored role's value is the encoded role `{encoded}`",
                f.step.request().map_or_else(String::new, |e| format!(
                    "{} {}",
                    e.sent.method,
                    super::facts::path_and_query(&e.sent.url)
                ))
            ))
        },
    },
    // §5.2 Q13: told apart from a missing element by the run: filtered paths were accepted
    // elsewhere, and the create stored the primary role this path selects.
    Rule {
        id: "hint:primary-role-filter",
        blocking: false,
        cause: "the server does not find the primary role by `roles[primary eq \"True\"]`: it compares the boolean `primary` with the string `\"True\"` Entra sends, and finds no match",
        symptom: "a user's role never changes in the app: the PATCH of `roles[primary eq \"True\"].value` fails every cycle (client-behaviour §3.2, §5.2 Q13)",
        fix: "compare a boolean attribute with the strings `\"True\"`/`\"False\"` as with `true`/`false` in filters and PATCH paths (Entra's `SingleAppRoleAssignment` mapping sends them so)",
        names: nobody,
        explains: |facts, f| {
            if !f.rejected_write() || f.method() != "PATCH" || !facts.filtered_accepted {
                return None;
            }
            let sent = f.sent_json()?;
            let op = filtered_path_op(&sent).filter(|op| {
                op.get("path")
                    .and_then(Value::as_str)
                    .is_some_and(is_primary_role_path)
            })?;
            Some(sent_and_answered(f, op))
        },
    },
    Rule {
        id: "hint:filtered-path-on-absent",
        blocking: false,
        cause: "the server rejects `add`/`replace` on a filtered path (`emails[type eq \"work\"].value`) when no element matches yet",
        symptom: "updates fail with `noTarget` or \"not implemented\", and the whole PATCH is rejected (client-behaviour §9 #6)",
        fix: "support value-path filters in PATCH paths, and create the element when `add`/`replace` finds none (client-behaviour §3.5, §9 #6)",
        names: nobody,
        explains: |_, f| {
            if !f.rejected_write() || f.method() != "PATCH" {
                return None;
            }
            let sent = f.sent_json()?;
            let op = filtered_path_op(&sent)?;
            f.detail_mentions(&["notarget", "filter", "match", "not implemented"])
                .then(|| sent_and_answered(f, op))
        },
    },
    // §5.2 Q12: the group schema URN of Entra's documented group create.
    Rule {
        id: "hint:adscim-group-schema",
        blocking: false,
        cause: "the server rejects a group create that names Entra's ADSCIM group schema",
        symptom: "groups are not created: POST /Groups fails with HTTP 400 in the provisioning logs (client-behaviour §5.2 Q12)",
        fix: "accept (and ignore) `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` in `schemas` next to the core group schema",
        names: nobody,
        explains: |_, f| {
            let group = f.exchange.is_some_and(|e| is_collection(&e.sent.url));
            (f.rejected_write() && f.method() == "POST" && group && has_adscim_schema(&f.sent_json()?))
                .then(|| f.answered())
        },
    },
    // §4.3, §5.2 Q5, §9 #8.
    Rule {
        id: "hint:member-removal-form",
        blocking: false,
        cause: "the server rejects Entra's member removal: `\"op\":\"Remove\",\"path\":\"members\"` with the members in a `value` array",
        symptom: "group members are never removed; group PATCH errors in the provisioning logs (client-behaviour §9 #8)",
        fix: "support removing members listed in `value` ({\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"<id>\"}]}); with ?aadOptscim062020 Entra sends `members[value eq \"<id>\"]` instead (client-behaviour §4.3, §5.2 Q5)",
        names: nobody,
        explains: |_, f| {
            let group = f
                .exchange
                .is_some_and(|e| url_path(&e.sent.url).contains("/Groups/"));
            if !f.rejected_write() || !group {
                return None;
            }
            let sent = f.sent_json()?;
            let op = member_value_removal(&sent)?;
            Some(sent_and_answered(f, op))
        },
    },
    // §4.3, REF-CHK 2.1.9: several members leave in one PATCH, in either of Entra's forms.
    Rule {
        id: "hint:multi-member-removal",
        blocking: false,
        cause: "the server refuses a PATCH that removes several members at once",
        symptom: "when several users leave a group in one cycle none is removed: the group PATCH fails every cycle (client-behaviour §4.3, §9 #8)",
        fix: "remove every member the PATCH names: one `Remove` of `members` with several objects in `value`, or several `remove` ops on `members[value eq \"<id>\"]`; gallery apps must take several memberships in one PATCH (client-behaviour §4.3)",
        names: nobody,
        explains: |_, f| {
            let group = f
                .exchange
                .is_some_and(|e| url_path(&e.sent.url).contains("/Groups/"));
            let refused = f
                .status()
                .is_some_and(|s| s >= 400 && !matches!(s, 401 | 403 | 404 | 405 | 406 | 429));
            if !group || f.method() != "PATCH" || !refused || !f.is(CheckId::Status) {
                return None;
            }
            let removed = removed_members(&f.sent_json()?);
            (removed > 1).then(|| format!("{} removing {removed} members{}", f.request(), answer_suffix(f)))
        },
    },
    // §3.8: a 2xx DELETE must remove the object; before the filter rule, which would otherwise
    // take the "gone by filter" lookup for an ignored filter.
    Rule {
        id: "hint:delete-only-deactivates",
        blocking: false,
        cause: "DELETE answers 2xx but the resource stays: the server only deactivates it",
        symptom: "nothing shows in Entra: the hard delete is logged as a success, but the deleted users and groups stay on the app (client-behaviour §3.8)",
        fix: "make DELETE remove the resource so that a later GET answers 404; Entra disables users with `active: false` separately (client-behaviour §3.7, §3.8)",
        names: nobody,
        explains: |facts, f| {
            let exchange = f.exchange?;
            let status = f.status()?;
            let wanted_404 = matches!(f.finding(), Some(Finding::Status { allowed, .. }) if allowed.contains(&404));
            if f.is(CheckId::Status)
                && wanted_404
                && (200..300).contains(&status)
                && facts.deleted.contains(url_path(&exchange.sent.url))
            {
                return Some(format!(
                    "{} → {status} after its DELETE answered 2xx",
                    f.request()
                ));
            }
            if !f.is(CheckId::ListCount) {
                return None;
            }
            let list = crate::check::ListBody::parse(&f.received()?.body).ok()?;
            let found = list
                .resources()
                .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
                .find(|id| facts.was_deleted(id))?;
            Some(format!(
                "{} still lists `{found}` after its DELETE answered 2xx",
                f.request()
            ))
        },
    },
    // §3.1: an app may match on `externalId` or an extension attribute; told by the run: a
    // filter on another attribute of the same collection was answered.
    Rule {
        id: "hint:filter-attribute-unsupported",
        blocking: false,
        cause: "the server refuses filters on `{attr}`, the attribute Entra matches on, though it answers filters on other attributes",
        symptom: "Test Connection fails, and no user is matched or provisioned: every lookup by the matching attribute fails with HTTP 400 (client-behaviour §2.1, §3.1)",
        fix: "support `filter={attr} eq \"<value>\"` for every attribute the app's mapping matches on (matching precedence), or match on `userName` in Entra's Attribute-Mapping page",
        names: |f| filter_attribute(&f.exchange?.sent.url).map(|(_, attr)| attr),
        explains: |facts, f| {
            let exchange = f.exchange?;
            let (collection, attr) = filter_attribute(&exchange.sent.url)?;
            let refused = f.is(CheckId::Status) && matches!(f.status(), Some(400 | 501));
            let others = facts
                .filters_answered
                .iter()
                .any(|(c, a)| *c == collection && !a.eq_ignore_ascii_case(&attr));
            (refused && others).then(|| f.answered())
        },
    },
    // §3.4, §9 #9.
    Rule {
        id: "hint:filter-ignored",
        blocking: false,
        cause: "the server ignores (or mis-evaluates) `filter`: a lookup returns resources that do not match",
        symptom: "duplicate users, or `DuplicateTargetEntries`/`MultipleEntriesInResponse` in the provisioning logs; Entra may link the wrong user (client-behaviour §9 #9)",
        fix: "evaluate `filter=<attribute> eq \"<value>\"` (form-encoded, §1.5) and return only the resources that match, at least for the matching attribute (client-behaviour §3.4)",
        names: nobody,
        explains: |_, f| {
            let extra = matches!(
                f.finding(),
                Some(Finding::ListCount { expected: 0, total, .. }) if *total > 0
            );
            (f.is(CheckId::ListMatches) || extra)
                .then(|| format!("{}: {}", f.request(), f.message()))
        },
    },
    // §4.1: Entra's next matching pass looks a new group up by displayName. No group lookup
    // of the run found anything: the filter does not see the groups the run made.
    Rule {
        id: "hint:group-search-lags",
        blocking: false,
        cause: "a group created or renamed moments ago is not found by its `displayName`: the filter does not see new groups (a search index that lags the store)",
        symptom: "Entra's next matching pass does not find the group it just created and creates it again: duplicate groups, or 409 `EntryConflict` (client-behaviour §4.1, §6.2)",
        fix: "answer `displayName eq` filters from the store POST and PATCH write to (read your own writes), so a group is found right after its 201 (client-behaviour §4.1)",
        names: nobody,
        explains: |facts, f| {
            let groups = f.exchange.is_some_and(|e| {
                url_path(&e.sent.url).ends_with("/Groups") && is_filter_query(&e.sent.url)
            });
            let none = matches!(
                f.finding(),
                Some(Finding::ListCount { expected: 1, total: 0, .. })
            );
            (groups && none && !facts.group_found)
                .then(|| format!("{}: {}", f.request(), f.message()))
        },
    },
    // §9 #9, RFC 7643 §4.1.1: `userName` is not case-exact; told by the server holding the
    // same value in another case (the run created it, or another lookup found it).
    Rule {
        id: "hint:case-sensitive-filter",
        blocking: false,
        cause: "filters compare case-sensitively: the object is found as written, not in another case",
        symptom: "duplicates or `DuplicateTargetEntries`: Entra does not match users or groups whose case differs and creates them again (client-behaviour §9 #9)",
        fix: "compare `userName`, a group's `displayName` (and other attributes with caseExact false) case-insensitively in filters (RFC 7643 §4.1.1, §4.2)",
        names: nobody,
        explains: |facts, f| {
            let value = f.filter_value()?;
            let other_case = facts
                .known_values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(&value) && *v != value);
            let one = matches!(f.finding(), Some(Finding::ListCount { expected: 1, .. }));
            (one && other_case).then(|| format!("{}: {}", f.request(), f.message()))
        },
    },
    // §6.1: `Resources` with a capital R.
    Rule {
        id: "hint:list-resources-casing",
        blocking: false,
        cause: "the ListResponse names its array `resources`; Entra reads only `Resources` (capital R)",
        symptom: "Entra sees no results in the lists: existing users are not matched, and creating them again fails with 409 `EntryConflict` (client-behaviour §6.1, §6.2)",
        fix: "name the array `Resources`, as RFC 7644 §3.4.2 spells it",
        names: nobody,
        explains: |_, f| {
            if !f.is(CheckId::ListShape) {
                return None;
            }
            // Only the names: the values may be a whole tenant's worth.
            let names: std::collections::BTreeMap<String, serde::de::IgnoredAny> =
                serde_json::from_str(&f.received()?.body).ok()?;
            let key = names
                .keys()
                .find(|k| k.eq_ignore_ascii_case("resources") && *k != "Resources")?;
            Some(format!("{} → 200 with the results under `{key}`", f.request()))
        },
    },
    // §4.2, §9 #9.
    Rule {
        id: "hint:members-not-excluded",
        blocking: false,
        cause: "the server returns `members` although Entra asked for `excludedAttributes=members`",
        symptom: "`MultipleEntriesInResponse`, and slow group reads for large groups (client-behaviour §6.1, §9 #9)",
        fix: "honour `excludedAttributes=members` on GET /Groups and GET /Groups/{id} (client-behaviour §4.2)",
        names: nobody,
        explains: |_, f| {
            f.is(CheckId::MembersExcluded)
                .then(|| format!("{} → {}", f.request(), f.message()))
        },
    },
    // §1.3: a security hole rather than an Entra failure; Entra itself always sends the token.
    Rule {
        id: "hint:no-token-check",
        blocking: false,
        cause: "the server answers requests that carry no token",
        symptom: "nothing in Entra, but anyone who can reach the URL can read and change the app's users and groups",
        fix: "refuse every request without a valid `Authorization: Bearer` token with 401 (client-behaviour §1.3, §2.3)",
        names: nobody,
        explains: |_, f| {
            let answered = f.status().is_some_and(|s| (200..300).contains(&s));
            (f.is(CheckId::Status) && !f.sent_token() && answered).then(|| {
                format!(
                    "{} without an Authorization header → {}",
                    f.request(),
                    f.status().unwrap_or_default()
                )
            })
        },
    },
    // §3.6, §9 #7.
    Rule {
        id: "hint:manager-as-string",
        blocking: false,
        cause: "the manager comes back as a bare string, not as an object {\"value\": \"<id>\"}",
        symptom: "`SystemForCrossDomainIdentityManagementServiceIncompatible` (\"not able to deserialize\") for users with a manager, or a manager PATCH every cycle (client-behaviour §9 #7)",
        fix: "store the manager's id and return it as {\"value\":\"<id>\"} under `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (client-behaviour §3.6)",
        names: nobody,
        explains: |_, f| {
            let bare = match f.finding()? {
                Finding::Manager {
                    problem: ManagerProblem::BareString(_),
                    ..
                } => true,
                Finding::Attribute {
                    path,
                    problem: AttrProblem::WrongType { actual, .. } | AttrProblem::WrongValue(actual),
                    ..
                } => path.attr() == "manager" && actual.is_string(),
                _ => false,
            };
            bare.then(|| f.message())
        },
    },
    // §6.1 "values stored/returned exactly as sent", §9 runner-ups.
    Rule {
        id: "hint:values-normalised",
        blocking: false,
        cause: "the server stores values in another form than Entra sent them (case, punctuation)",
        symptom: "Entra PATCHes the same values again every 40-minute cycle: endless updates in the provisioning logs (client-behaviour §6.1, §9 runner-ups)",
        fix: "store and return string values exactly as sent (no lower-casing of e-mails, no re-formatting of phone numbers); compare case-insensitively where you must",
        names: nobody,
        explains: |_, f| {
            let normalised = f.is(CheckId::Attribute) && f.severity() == Severity::Degrades;
            // An attribute the server returns nothing for was lost, not normalised.
            let resync = matches!(
                f.finding(),
                Some(Finding::Resync(differing)) if differing.iter().all(|d| d.returned.is_some())
            );
            (normalised || resync).then(|| f.message())
        },
    },
    // Design "read-back": a 2xx that did not store. When every missing attribute is in the
    // enterprise extension, the server drops the extension as a whole.
    Rule {
        id: "hint:enterprise-extension-dropped",
        blocking: false,
        cause: "the server drops the enterprise extension (department, employee number, manager …): writes succeed, the read-back lacks them",
        symptom: "no error in Entra, but enterprise attributes never reach the app, and Entra sends them again every cycle (client-behaviour §3.2, §3.5)",
        fix: "accept and store `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` attributes, in POST bodies and as PATCH paths such as `urn:…:User:department`, and list the extension in the user's `schemas`",
        names: nobody,
        explains: |facts, f| {
            let enterprise = f
                .attribute()
                .is_some_and(|a| a.schema() == Some(scim::ENTERPRISE_USER_SCHEMA));
            (facts.only_enterprise_absent && f.is_absent_attribute() && enterprise)
                .then(|| f.message())
        },
    },
    // entra-2026 §5 #7: a `replace` of `members` carrying only the new member, which RFC 7644
    // §3.5.2.3 makes a replacement of the whole list. Before `write-not-stored`, which would
    // otherwise call the members the server dropped a write it did not store.
    Rule {
        id: "hint:replace-members",
        blocking: false,
        cause: "the server applies RFC 7644's `replace` to `members`: a `Replace` carrying only the new members empties the group of the others",
        symptom: "under an Entra client that sends a new member as `replace` of `members` (seen in 2026 logs, entra-2026 §5 #7), each assignment leaves only the newest members in the group; the others lose access until a later cycle adds them back",
        fix: "RFC 7644 §3.5.2.3 is on the server's side; to survive such a client, take a `replace` of `members` whose value names only members not yet in the group as an add (as PostHog did in 2026), or confirm in the provisioning logs that your app's Entra client never sends it",
        names: nobody,
        explains: |_, f| {
            let check = f.check?;
            let lost = matches!(f.finding(), Some(Finding::Members { missing, .. }) if !missing.is_empty());
            let own = f.step.request()?;
            let body: Value = serde_json::from_str(own.sent.body.as_deref()?).ok()?;
            let replaced = replaces_members(&body)?;
            (check.id == CheckId::Members && check.read_back && lost)
                .then(|| format!("{}: {replaced}; {}", own.sent.method, f.message()))
        },
    },
    Rule {
        id: "hint:write-not-stored",
        blocking: false,
        cause: "the server accepts writes (2xx) but does not store what they carry",
        symptom: "the provisioning logs show success, but the change never arrives (users stay enabled, values stay old); Entra PATCHes again every cycle (client-behaviour §3.5, §6.1)",
        fix: "apply every operation a POST or PATCH carries before answering 2xx, or answer 4xx with a `detail` so Entra logs the failure",
        names: nobody,
        explains: |_, f| {
            let check = f.check?;
            let kinds = [CheckId::Attribute, CheckId::Members, CheckId::Manager];
            let write = f.step.request().is_some_and(|e| {
                matches!(e.sent.method, "POST" | "PATCH")
                    && e.response().is_some_and(|r| (200..300).contains(&r.status))
            });
            (kinds.contains(&check.id) && check.read_back && write).then(|| f.message())
        },
    },
    // RFC 9110 §15: a status outside 100–599 belongs to no class, so nothing can be made of
    // it; calling 999 a server error would send the admin to the wrong logs.
    Rule {
        id: "hint:unexpected-status",
        blocking: false,
        cause: "the server answers with a status code HTTP does not define",
        symptom: "Entra cannot read the answer and treats the request as failed (client-behaviour §6.2)",
        fix: "answer with a status of RFC 7644 §3.12 (200, 201, 204, 400, 404, 409, 500 …); a proxy or gateway may be rewriting it",
        names: nobody,
        explains: |_, f| {
            let status = f.status().filter(|s| !(100..600).contains(s))?;
            Some(format!("{} → unexpected status {status}", f.request()))
        },
    },
    // §6.2.
    Rule {
        id: "hint:server-error",
        blocking: false,
        cause: "the server fails with 5xx",
        symptom: "`InternalServerError` in the provisioning logs; Entra retries in 40 minutes (client-behaviour §6.2)",
        fix: "look at the SCIM service's own logs for these requests; the reproduce command of each step repeats it",
        names: nobody,
        explains: |_, f| {
            f.status()
                .is_some_and(|s| (500..600).contains(&s))
                .then(|| f.answered())
        },
    },
    // §6.1, §8.2.
    Rule {
        id: "hint:content-type",
        blocking: false,
        cause: "responses are not `application/scim+json`",
        symptom: "nothing in Entra today (it reads `application/json` too); Microsoft's SCIM Validator warns (client-behaviour §6.1, §8.2)",
        fix: "answer with `Content-Type: application/scim+json` (RFC 7644 §8.1)",
        names: nobody,
        explains: |_, f| {
            let Finding::ContentType { received } = f.finding()? else {
                return None;
            };
            Some(format!(
                "{} → Content-Type `{}`",
                f.request(),
                received.as_deref().unwrap_or("(none)")
            ))
        },
    },
];

/// The hint for failures no rule explains: one per check kind.
pub(crate) fn generic(kind: Option<CheckId>) -> Rule {
    let (id, cause, symptom, fix) = match kind {
        Some(CheckId::Status) => (
            "hint:status",
            "the server answers with a status Entra does not expect",
            "the request fails in the provisioning logs and is retried next cycle (client-behaviour §6.1, §6.2)",
            "answer each request with the status in client-behaviour §6.1 (200 for reads, 201 for creates, 200/204 for PATCH, 204 for DELETE)",
        ),
        Some(CheckId::Json) => (
            "hint:json",
            "the server's body is not JSON where Entra parses it",
            "`SystemForCrossDomainIdentityManagementServiceIncompatible` in the provisioning logs (client-behaviour §6.2)",
            "answer with a SCIM JSON body (client-behaviour §6.1)",
        ),
        Some(CheckId::ContentType) => (
            "hint:content-type",
            "responses are not `application/scim+json`",
            "nothing in Entra today (client-behaviour §6.1)",
            "answer with `Content-Type: application/scim+json`",
        ),
        Some(CheckId::ListShape) => (
            "hint:list-shape",
            "filter queries are not answered with a ListResponse Entra can read",
            "`SystemForCrossDomainIdentityManagementServiceIncompatible`, or existing users not matched (client-behaviour §6.1, §6.2)",
            "answer with `schemas` [ListResponse], an integer `totalResults` and the results under `Resources` (client-behaviour §6.1)",
        ),
        Some(CheckId::ListCount) => (
            "hint:list-count",
            "lookups find a different number of resources than exist",
            "duplicates, `MultipleEntriesInResponse`, or users created twice (client-behaviour §9 #9)",
            "make `totalResults` and `Resources` list exactly the resources that match the filter",
        ),
        Some(CheckId::ListMatches) => (
            "hint:list-matches-filter",
            "lookups return resources that do not match the filter",
            "Entra links the wrong users (client-behaviour §9 #9)",
            "return only resources that match the filter",
        ),
        Some(CheckId::ResourceShape) => (
            "hint:resource-shape",
            "resources lack `schemas`, `id` or `meta`",
            "Entra cannot address objects without `id`, `ServiceIncompatible` (client-behaviour §6.1)",
            "return `schemas` with the core schema, a string `id` and a `meta` object on every resource",
        ),
        Some(CheckId::Attribute) => (
            "hint:attribute",
            "attributes come back absent, with another JSON type, or with another value than Entra sent",
            "`SystemForCrossDomainIdentityManagementServiceIncompatible` for wrong types; a PATCH every cycle for wrong values (client-behaviour §6.1, §6.2)",
            "store each mapped attribute and return it with the value and JSON type Entra sent (booleans as JSON booleans)",
        ),
        Some(CheckId::Members) => (
            "hint:members",
            "group members are not what Entra added and removed",
            "memberships in the app drift from Entra's assignments (client-behaviour §4.3)",
            "apply member PATCH operations as Entra sends them (client-behaviour §4.3)",
        ),
        Some(CheckId::MembersExcluded) => (
            "hint:members-excluded",
            "`members` comes back although excluded",
            "`MultipleEntriesInResponse` (client-behaviour §9 #9)",
            "honour `excludedAttributes=members`",
        ),
        Some(CheckId::BodySubset) => (
            "hint:body",
            "response bodies lack what the scenario expects",
            "depends on the scenario's expectation",
            "compare the expected and actual bodies shown with each failed step",
        ),
        Some(CheckId::Capture) => (
            "hint:capture",
            "a value later requests need is missing from the response (e.g. `id`)",
            "Entra cannot address the object afterwards (client-behaviour §6.1)",
            "return the full resource, with `id`, from POST",
        ),
        Some(CheckId::Manager) => (
            "hint:manager",
            "the manager is not stored or returned as Entra set it",
            "a manager PATCH every cycle, or `ServiceIncompatible` (client-behaviour §3.6, §9 #7)",
            "store the manager's id and return it as {\"value\":\"<id>\"} in the enterprise extension",
        ),
        Some(CheckId::RetryAfter) => (
            "hint:retry-after",
            "the server throttles with 429 but does not say when to try again (`Retry-After`)",
            "provisioning slows down: Entra backs off by guesswork and retries the throttled requests later (client-behaviour §6.2, §7)",
            "send `Retry-After` (seconds, or an HTTP date) with every 429, as the gallery checklist asks",
        ),
        Some(CheckId::Resync) => (
            "hint:resync",
            "values come back differently from how Entra sends them",
            "Entra PATCHes them again every 40-minute cycle (client-behaviour §6.1)",
            "store and return values exactly as sent",
        ),
        Some(CheckId::Discoverable) => (
            "hint:discoverable",
            "`GET /Schemas` does not describe every attribute the mapping sends",
            "Microsoft's `Schema_Discoverability_Test` fails gallery onboarding (entra-2026 §1.4)",
            "describe every mapped attribute in /Schemas, or remove it from the mapping",
        ),
        Some(CheckId::Rate) => (
            "hint:rate",
            "the server does not answer 25 requests a second without errors",
            "gallery review refuses the app; Entra's jobs slow down or quarantine (client-behaviour §7)",
            "serve at least 25 requests/s per tenant, and throttle with 429 and `Retry-After` beyond",
        ),
        Some(CheckId::TokenLifetime) => (
            "hint:token-lifetime",
            "the OAuth access token's lifetime is not 60–360 minutes",
            "Microsoft's `Validate_Credentials_Test` fails (entra-2026 §3)",
            "issue access tokens with `expires_in` between 3600 and 21600 seconds",
        ),
        None => (
            "hint:other",
            "requests failed",
            "the requests fail in the provisioning logs",
            "see the failed steps above",
        ),
    };
    Rule {
        id,
        blocking: false,
        cause,
        symptom,
        fix,
        names: nobody,
        explains: |_, f| Some(format!("{}: {}", f.request(), f.message())),
    }
}

/// `METHOD /path: verdict` for a request that got no answer of this kind.
fn transport(f: &Failure<'_>, kind: fn(&TransportErrorKind) -> bool) -> Option<String> {
    f.transport_is(kind)
        .then(|| format!("{}: {}", f.request(), f.message()))
}

/// The first operation setting the enterprise manager to a bare string (§3.6).
/// The `replace` op of `members` in a PATCH body, as it was sent.
fn replaces_members(body: &Value) -> Option<&Value> {
    body.get("Operations")?.as_array()?.iter().find(|op| {
        op.get("op")
            .and_then(Value::as_str)
            .is_some_and(|o| o.eq_ignore_ascii_case("replace"))
            && op
                .get("path")
                .and_then(Value::as_str)
                .is_some_and(|p| p.eq_ignore_ascii_case("members"))
    })
}

fn manager_string_op(body: &Value) -> Option<&Value> {
    body.get("Operations")?.as_array()?.iter().find(|op| {
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        path.to_ascii_lowercase().ends_with("manager")
            && op.get("value").is_some_and(Value::is_string)
    })
}

/// The first operation whose path carries a value filter (`emails[type eq "work"].value`).
fn filtered_any_op(body: &Value) -> Option<&Value> {
    body.get("Operations")?.as_array()?.iter().find(|op| {
        op.get("path")
            .and_then(Value::as_str)
            .is_some_and(|p| p.contains('['))
    })
}

/// `METHOD /path sent {op} → status: "detail"`.
fn sent_and_answered(f: &Failure<'_>, op: &Value) -> String {
    format!("{} sent {}{}", f.request(), short(op), answer_suffix(f))
}

/// ` → status: "detail"`.
fn answer_suffix(f: &Failure<'_>) -> String {
    match (f.status(), f.detail()) {
        (Some(status), Some(detail)) => format!(" → {status}: \"{detail}\""),
        (Some(status), None) => format!(" → {status}"),
        _ => String::new(),
    }
}
