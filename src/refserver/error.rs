//! SCIM error responses (RFC 7644 §3.12) and the helpers that write SCIM JSON.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::scim;

/// RFC 7644 §3.12 table 9: the `scimType` detail error keywords we use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScimType {
    InvalidFilter,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
}

impl ScimType {
    fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
        }
    }
}

/// An error the server answers with: status, optional `scimType` and a human detail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {detail}")]
pub(crate) struct ScimError {
    pub(crate) status: StatusCode,
    pub(crate) scim_type: Option<ScimType>,
    pub(crate) detail: String,
}

impl ScimError {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// A 400 with a `scimType`.
    pub(crate) fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::NOT_FOUND, detail)
    }

    /// 409 with scimType `uniqueness` (RFC 7644 §3.3).
    pub(crate) fn conflict(detail: impl Into<String>) -> Self {
        ScimError {
            status: StatusCode::CONFLICT,
            scim_type: Some(ScimType::Uniqueness),
            detail: detail.into(),
        }
    }

    /// The RFC 7644 §3.12 body; `status` is a string there.
    pub(crate) fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".into(), json!([scim::ERROR_SCHEMA]));
        body.insert("status".into(), json!(self.status.as_u16().to_string()));
        if let Some(scim_type) = self.scim_type {
            body.insert("scimType".into(), json!(scim_type.as_str()));
        }
        body.insert("detail".into(), json!(self.detail));
        Value::Object(body)
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut response = scim_json(self.status, &self.body());
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: a 401 names the scheme the client must use.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A response with a JSON body and `Content-Type: application/scim+json` (RFC 7644 §3.1).
pub(crate) fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(scim::MEDIA_TYPE),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_status_as_string_and_scim_type() {
        let err = ScimError::bad_request(ScimType::InvalidFilter, "bad");
        assert_eq!(
            err.body().to_string(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"bad"}"#
        );
    }

    #[test]
    fn not_found_body_omits_scim_type() {
        let body = ScimError::not_found("gone").body();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
    }
}
