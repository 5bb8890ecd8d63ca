//! The TLS settings of every connection: the public roots (webpki-roots, as reqwest's
//! `rustls-tls` used), an extra CA from `--ca-cert`, or no verification with `--insecure`.
//!
//! Two additions to what rustls does on its own (issue 11, item 6):
//! - A certificate given with `--ca-cert` is also trusted when the server presents that very
//!   certificate, as curl (OpenSSL) trusts it: `openssl req -x509` marks its certificate
//!   `CA:TRUE`, and webpki refuses a CA certificate as a server's own.
//! - No client certificate is ever sent (Entra sends none, client-behaviour §1.3), but a server
//!   that asks for one is noted, so its refusal is named "client certificate required".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::client::{ClientError, ClientOptions};

/// Set once any server asked this client for a client certificate.
#[derive(Clone, Debug, Default)]
pub(crate) struct AskedForClientCert(Arc<AtomicBool>);

impl AskedForClientCert {
    pub(crate) fn asked(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl rustls::client::ResolvesClientCert for AskedForClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.0.store(true, Ordering::Relaxed);
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

/// The rustls client configuration for these options; `asked` learns whether a server asked
/// for a client certificate.
pub(crate) fn config(
    options: &ClientOptions,
    asked: &AskedForClientCert,
) -> Result<rustls::ClientConfig, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Build(e.to_string()))?;
    if options.insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
            .with_client_cert_resolver(Arc::new(asked.clone())));
    }
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &options.ca_cert {
        let pem = crate::input::read(path, crate::input::CA_LIMIT, "a CA certificate file")
            .map_err(|source| ClientError::ReadCa {
                path: path.clone(),
                source,
            })?;
        let bad = |reason: String| ClientError::BadCa {
            path: path.clone(),
            reason,
        };
        let mut pinned = Vec::new();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| bad(e.to_string()))?;
            roots.add(cert.clone()).map_err(|e| bad(e.to_string()))?;
            pinned.push(cert);
        }
        if pinned.is_empty() {
            return Err(bad("it holds no CERTIFICATE block".into()));
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))?;
        let verifier = GivenOrWebPki { webpki, pinned };
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_cert_resolver(Arc::new(asked.clone())));
    }
    Ok(builder
        .with_root_certificates(roots)
        .with_client_cert_resolver(Arc::new(asked.clone())))
}

/// `--ca-cert`: webpki's verification with the file's certificates as roots; a server
/// certificate that is one of them, byte for byte, is trusted as well (as curl does), once
/// it is valid for the host name and its handshake signature checks out.
#[derive(Debug)]
struct GivenOrWebPki {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for GivenOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refused = match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(refused) => refused,
        };
        let expired = matches!(
            refused,
            rustls::Error::InvalidCertificate(
                rustls::CertificateError::Expired
                    | rustls::CertificateError::ExpiredContext { .. }
                    | rustls::CertificateError::NotValidYet
                    | rustls::CertificateError::NotValidYetContext { .. }
            )
        );
        if expired
            || !self
                .pinned
                .iter()
                .any(|c| c.as_ref() == end_entity.as_ref())
        {
            return Err(refused);
        }
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// `--insecure`: any certificate is accepted, but the handshake signatures are still checked
/// (so the connection is still TLS with the peer that holds the key it showed).
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
