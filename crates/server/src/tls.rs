//! Local TLS: on first start a CA (`tls/ca.pem`, its key kept beside it, 0600) is made; on
//! every start a server certificate for localhost, 127.0.0.1, ::1 and the configured host is
//! signed by it. Like everything in the data directory, `tls/` is 0700 and its files 0600. Users trust `tls/ca.pem` once (`orgwarden trust`, `NODE_EXTRA_CA_CERTS`,
//! `SSL_CERT_FILE`, `curl --cacert`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

use crate::files::{create_private_dir, write_private};

pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The CA that signed `cert`, when orgwarden made it.
    pub ca: Option<PathBuf>,
}

/// The CA's name carries a digest of its public key, so every installation's CA has its own
/// name: TLS libraries find an issuer by name, and a client trusting two orgwarden CAs with one
/// name (two servers, or a CA made again) failed to verify the second server's certificate.
fn ca_name(ca_key: &KeyPair) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, ca_key.public_key_raw());
    let id: String = digest.as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("orgwarden local CA {id}")
}

/// The name of CAs made before names were unique; such a CA keeps it (the server certificates
/// it signs must name their issuer exactly as the CA certificate users trust).
const LEGACY_CA_NAME: &str = "orgwarden local CA";

/// The name in the stored CA certificate: the unique one, or the legacy one.
fn stored_ca_name(ca_pem: &Path, ca_key: &KeyPair) -> anyhow::Result<String> {
    let cert = CertificateDer::from_pem_file(ca_pem)
        .with_context(|| format!("reading {}", ca_pem.display()))?;
    let unique = ca_name(ca_key);
    let has = |name: &str| cert.windows(name.len()).any(|w| w == name.as_bytes());
    Ok(if has(&unique) {
        unique
    } else {
        LEGACY_CA_NAME.to_owned()
    })
}

fn ca_params(name: String) -> anyhow::Result<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "orgwarden");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::days(1);
    p.not_after = now + Duration::days(3650);
    Ok(p)
}

/// The host part of a domain (`localhost:8443` → `localhost`, `[::1]:8443` → `::1`).
pub fn host_of(domain: &str) -> String {
    if let Some(rest) = domain.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_owned();
    }
    match domain.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h.to_owned(),
        _ => domain.to_owned(),
    }
}

/// Makes the CA if missing, then a fresh server certificate for the names.
pub fn ensure_local_certificate(dir: &Path, domain: &str) -> anyhow::Result<TlsFiles> {
    create_private_dir(dir)?;
    let ca_pem = dir.join("ca.pem");
    let ca_key_pem = dir.join("ca-key.pem");
    let (ca_key, name) = if ca_pem.exists() && ca_key_pem.exists() {
        let pem = std::fs::read_to_string(&ca_key_pem)
            .with_context(|| format!("reading {}", ca_key_pem.display()))?;
        let key = KeyPair::from_pem(&pem).context("the local CA key is unreadable")?;
        let name = stored_ca_name(&ca_pem, &key)?;
        (key, name)
    } else {
        let key = KeyPair::generate().context("generating the CA key")?;
        let name = ca_name(&key);
        let cert = ca_params(name.clone())?
            .self_signed(&key)
            .context("making the CA certificate")?;
        write_private(&ca_key_pem, key.serialize_pem().as_bytes())?;
        write_private(&ca_pem, cert.pem().as_bytes())?;
        (key, name)
    };
    let params = ca_params(name)?;
    let issuer = Issuer::new(params, ca_key);

    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let host = host_of(domain);
    if !names.contains(&host) {
        names.push(host);
    }
    let mut sp = CertificateParams::new(names).context("certificate names")?;
    sp.distinguished_name.push(DnType::CommonName, "orgwarden");
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = OffsetDateTime::now_utc();
    sp.not_before = now - Duration::days(1);
    sp.not_after = now + Duration::days(397);
    let server_key = KeyPair::generate().context("generating the server key")?;
    let server_cert = sp
        .signed_by(&server_key, &issuer)
        .context("signing the server certificate")?;
    let cert = dir.join("server.pem");
    let key = dir.join("server-key.pem");
    write_private(&cert, server_cert.pem().as_bytes())?;
    write_private(&key, server_key.serialize_pem().as_bytes())?;
    Ok(TlsFiles {
        cert,
        key,
        ca: Some(ca_pem),
    })
}

/// The server's TLS settings from a certificate chain and its key (PEM): TLS 1.2 and 1.3 with
/// aws-lc-rs, ALPN offering HTTP/2 then HTTP/1.1.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading the certificate {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the private key {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| format!("the certificate {} and its key", cert.display()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_strips_ports() {
        assert_eq!(host_of("localhost:8443"), "localhost");
        assert_eq!(host_of("[::1]:8443"), "::1");
        assert_eq!(host_of("auth.example.com"), "auth.example.com");
    }

    #[test]
    fn the_ca_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = ensure_local_certificate(dir.path(), "localhost:8443").unwrap();
        let ca1 = std::fs::read(a.ca.as_ref().unwrap()).unwrap();
        let b = ensure_local_certificate(dir.path(), "example.test:9000").unwrap();
        assert_eq!(ca1, std::fs::read(b.ca.unwrap()).unwrap());
        assert!(std::fs::read_to_string(&b.cert)
            .unwrap()
            .contains("BEGIN CERTIFICATE"));
        let config = server_config(&b.cert, &b.key).unwrap();
        assert_eq!(
            config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(
            server_config(&b.key, &b.key).is_err(),
            "a key is no certificate"
        );
    }

    fn der(path: &Path) -> Vec<u8> {
        CertificateDer::from_pem_file(path).unwrap().to_vec()
    }

    fn names(cert: &[u8], name: &str) -> usize {
        cert.windows(name.len())
            .filter(|w| *w == name.as_bytes())
            .count()
    }

    /// Clients find an issuer by name: two servers' CAs trusted together must not share one.
    #[test]
    fn each_ca_has_its_own_name_and_its_certificates_name_it() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = ensure_local_certificate(d1.path(), "localhost:1").unwrap();
        let b = ensure_local_certificate(d2.path(), "localhost:2").unwrap();
        let key = |d: &Path| {
            KeyPair::from_pem(&std::fs::read_to_string(d.join("ca-key.pem")).unwrap()).unwrap()
        };
        let (n1, n2) = (ca_name(&key(d1.path())), ca_name(&key(d2.path())));
        assert_ne!(n1, n2);
        assert_eq!(
            names(&der(a.ca.as_ref().unwrap()), &n1),
            2,
            "subject and issuer"
        );
        assert_eq!(
            names(&der(&a.cert), &n1),
            1,
            "the server certificate's issuer"
        );
        assert_eq!(names(&der(&b.cert), &n2), 1);
        // Made again on the next start, the server certificate still names the same CA.
        let again = ensure_local_certificate(d1.path(), "localhost:1").unwrap();
        assert_eq!(names(&der(&again.cert), &n1), 1);
    }

    /// A CA made before names were unique keeps its name, so certificates still chain to the
    /// CA certificate users already trust.
    #[test]
    fn a_legacy_ca_keeps_its_name() {
        let dir = tempfile::tempdir().unwrap();
        create_private_dir(dir.path()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = ca_params(LEGACY_CA_NAME.to_owned())
            .unwrap()
            .self_signed(&key)
            .unwrap();
        write_private(
            &dir.path().join("ca-key.pem"),
            key.serialize_pem().as_bytes(),
        )
        .unwrap();
        write_private(&dir.path().join("ca.pem"), cert.pem().as_bytes()).unwrap();
        let files = ensure_local_certificate(dir.path(), "localhost:1").unwrap();
        let server = der(&files.cert);
        assert_eq!(names(&server, &ca_name(&key)), 0);
        assert_eq!(names(&server, LEGACY_CA_NAME), 1);
    }
}
