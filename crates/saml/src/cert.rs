//! The IdP's signing certificate as a samlp connection stores it (`options.signingCert`).
//!
//! Auth0 accepts it in three spellings, and so do we: PEM text, the base64 of that PEM text (what
//! the dashboard stores after an upload: `LS0tLS1CRUdJTi…`), or the bare base64 of the DER bytes.
//! Several PEM blocks are several certificates (a rotation in progress); any one may sign.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use samael::crypto::CertificateDer;

use crate::SamlError;

/// The certificates a Response may be signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpCertificates(pub(crate) Vec<CertificateDer>);

/// Larger than any certificate chain a connection should hold: a bound on what is decoded.
const MAX_CERT_TEXT: usize = 64 * 1024;

impl IdpCertificates {
    /// Reads `signingCert`; refuses text that holds no certificate.
    pub fn parse(signing_cert: &str) -> Result<Self, SamlError> {
        let text = signing_cert.trim();
        if text.is_empty() {
            return Err(SamlError::BadCertificate("empty".into()));
        }
        if text.len() > MAX_CERT_TEXT {
            return Err(SamlError::BadCertificate("longer than 64 KiB".into()));
        }
        let ders = if text.starts_with("-----BEGIN") {
            pem_blocks(text)?
        } else {
            let bytes = decode_base64(text)
                .map_err(|_| SamlError::BadCertificate("neither PEM nor base64".into()))?;
            match std::str::from_utf8(&bytes) {
                Ok(pem) if pem.trim_start().starts_with("-----BEGIN") => pem_blocks(pem)?,
                _ => vec![bytes],
            }
        };
        for der in &ders {
            // An X.509 certificate is a DER SEQUENCE; anything else is a paste error, said here
            // rather than as a signature failure at the first sign-in.
            if der.first() != Some(&0x30) || der.len() < 64 {
                return Err(SamlError::BadCertificate("not an X.509 certificate".into()));
            }
        }
        Ok(Self(ders.into_iter().map(CertificateDer::from).collect()))
    }

    /// The DER bytes of each certificate.
    pub fn ders(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|c| c.der_data())
    }
}

/// The DER of every `CERTIFICATE` block.
fn pem_blocks(pem: &str) -> Result<Vec<Vec<u8>>, SamlError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let end = body
            .find(END)
            .ok_or_else(|| SamlError::BadCertificate("a PEM block has no END line".into()))?;
        let der = decode_base64(&body[..end])
            .map_err(|_| SamlError::BadCertificate("a PEM block is not base64".into()))?;
        out.push(der);
        rest = &body[end + END.len()..];
    }
    if out.is_empty() {
        return Err(SamlError::BadCertificate(
            "no CERTIFICATE block in the PEM text".into(),
        ));
    }
    Ok(out)
}

/// Base64 with any whitespace (PEM lines, pasted newlines) ignored.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact)
}

/// PEM text of a DER certificate (for metadata readers that want it).
pub(crate) fn base64_lines(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    b64.as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}
