//! SCIM 2.0 names used on both sides of the wire (RFC 7643, RFC 7644).

/// RFC 7643 §4.1: the core User schema.
pub(crate) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// RFC 7643 §4.3: the enterprise User extension.
pub(crate) const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// RFC 7643 §4.2: the core Group schema.
pub(crate) const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The non-standard group schema Entra's documented POST /Groups carries (client-behaviour §4.1, Q12).
pub(crate) const ADSCIM_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// RFC 7644 §3.4.2: the list response message.
pub(crate) const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// RFC 7644 §3.5.2: the PATCH request message.
pub(crate) const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// RFC 7644 §3.12: the error message.
pub(crate) const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// RFC 7644 §8.1: the SCIM media type.
pub(crate) const MEDIA_TYPE: &str = "application/scim+json";
