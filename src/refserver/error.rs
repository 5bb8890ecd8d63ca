//! SCIM error responses (RFC 7644 §3.12) and the helpers that write SCIM JSON. Some faults
//! answer in a web framework's own error shape instead ([`Framework`]), as real servers do
//! when their framework rejects a request before the SCIM layer sees it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::store::now_rfc3339;
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

/// A framework's own error body, sent instead of the RFC 7644 §3.12 one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Framework {
    /// Spring Boot's default error attributes; `path` is the request path.
    SpringBoot { path: String },
    /// ASP.NET Core's `ValidationProblemDetails` (RFC 7807); `errors` maps field to messages.
    AspNetValidation { errors: Value },
    /// Django REST framework's serializer errors: the body is `errors` itself.
    DjangoRest { errors: Value },
}

impl Framework {
    fn content_type(&self) -> &'static str {
        match self {
            Framework::SpringBoot { .. } | Framework::DjangoRest { .. } => "application/json",
            Framework::AspNetValidation { .. } => "application/problem+json; charset=utf-8",
        }
    }

    fn body(&self, status: StatusCode, detail: &str) -> Value {
        match self {
            Framework::SpringBoot { path } => json!({
                // Spring Boot writes the offset, not `Z`.
                "timestamp": now_rfc3339().replace('Z', "+00:00"),
                "status": status.as_u16(),
                "error": status.canonical_reason().unwrap_or(""),
                "message": detail,
                "path": path,
            }),
            Framework::AspNetValidation { errors } => json!({
                "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
                "title": "One or more validation errors occurred.",
                "status": status.as_u16(),
                "errors": errors,
                "traceId": trace_id(),
            }),
            Framework::DjangoRest { errors } => errors.clone(),
        }
    }
}

/// A W3C `traceparent`-style id, as ASP.NET Core puts in `traceId`.
fn trace_id() -> String {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let span = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{trace}-{}-00", &span[..16])
}

/// An error the server answers with: status, optional `scimType` and a human detail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {detail}")]
pub(crate) struct ScimError {
    pub(crate) status: StatusCode,
    pub(crate) scim_type: Option<ScimType>,
    pub(crate) detail: String,
    /// `Some` when the body is a framework's, not RFC 7644's.
    pub(crate) framework: Option<Box<Framework>>,
}

impl ScimError {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
            framework: None,
        }
    }

    /// A 400 with a `scimType`.
    pub(crate) fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail: detail.into(),
            framework: None,
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
            framework: None,
        }
    }

    /// The same error, written in `framework`'s shape; `detail` becomes its message.
    pub(crate) fn in_framework(mut self, framework: Framework) -> Self {
        self.framework = Some(Box::new(framework));
        self
    }

    /// The RFC 7644 §3.12 body (`status` is a string there), or the framework's.
    pub(crate) fn body(&self) -> Value {
        if let Some(framework) = &self.framework {
            return framework.body(self.status, &self.detail);
        }
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
        if let Some(framework) = &self.framework {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(framework.content_type()),
            );
        }
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
