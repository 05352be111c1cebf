//! Signing keys sealed at rest with the master key (`ORGWARDEN_MASTER_KEY` or
//! `ORGWARDEN_MASTER_KEY_FILE`): AES-256-GCM, a random nonce per key, the key's `kid` as
//! associated data, so a sealed key moved to another row does not open.
//!
//! The stored form describes itself, so plain and sealed keys are told apart and the scheme can
//! change later:
//!
//! ```text
//! "OWSK"  version (1 byte, 1)  master key id (8 bytes)  nonce (12 bytes)  ciphertext + tag (16 bytes)
//! ```
//!
//! The master key id is the start of a SHA-256 of the master key: it tells "another master key"
//! from "damaged", and reveals nothing useful about the key. Plain PKCS#8 DER starts with 0x30
//! (a SEQUENCE), never with "O". Sealing happens here, above the storage traits, so every
//! backend keeps the very same bytes and `db-copy` copies them unchanged.

use std::path::Path;

use anyhow::Context;
use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::config::Secret;

/// The bytes of a master key.
pub const MASTER_KEY_BYTES: usize = 32;

const MAGIC: &[u8; 4] = b"OWSK";
const VERSION_1: u8 = 1;
const ID_LEN: usize = 8;
const HEADER_LEN: usize = MAGIC.len() + 1 + ID_LEN;
const TAG_LEN: usize = 16;

/// Where a master key comes from, as the messages name it.
const SOURCES: &str =
    "ORGWARDEN_MASTER_KEY or ORGWARDEN_MASTER_KEY_FILE (--master-key, --master-key-file)";

pub struct MasterKey {
    key: RandomizedNonceKey,
    id: [u8; ID_LEN],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<hidden>)")
    }
}

impl MasterKey {
    fn from_bytes(bytes: &[u8]) -> anyhow::Result<MasterKey> {
        anyhow::ensure!(
            bytes.len() == MASTER_KEY_BYTES,
            "not {MASTER_KEY_BYTES} bytes"
        );
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes)
            .map_err(|_| anyhow::anyhow!("AES-256-GCM refused the key"))?;
        let mut hashed = b"orgwarden master key id\0".to_vec();
        hashed.extend_from_slice(bytes);
        let mut id = [0; ID_LEN];
        id.copy_from_slice(&digest(&SHA256, &hashed).as_ref()[..ID_LEN]);
        Ok(MasterKey { key, id })
    }

    /// Base64 (standard alphabet, padded) of 32 bytes; spaces and line ends around it are
    /// ignored. `source` names the setting in the error, which never shows the value.
    pub fn from_base64(text: &str, source: &str) -> anyhow::Result<MasterKey> {
        let text = text.trim();
        anyhow::ensure!(!text.is_empty(), "{source} is empty");
        let bytes = STANDARD
            .decode(text)
            .ok()
            .filter(|b| b.len() == MASTER_KEY_BYTES);
        let bytes = bytes.with_context(|| {
            format!(
                "{source} is not a master key: it must be base64 of {MASTER_KEY_BYTES} random bytes \
                 (make one with `orgwarden master-key generate` or `openssl rand -base64 32`)"
            )
        })?;
        MasterKey::from_bytes(&bytes)
    }

    /// The master key given by the settings, if any: the value itself, or a file holding it
    /// that only its owner can read.
    pub fn from_settings(
        value: Option<&Secret>,
        file: Option<&Path>,
    ) -> anyhow::Result<Option<MasterKey>> {
        match (value, file) {
            (Some(v), _) => {
                MasterKey::from_base64(v.expose(), "ORGWARDEN_MASTER_KEY (--master-key)").map(Some)
            }
            (None, Some(path)) => MasterKey::from_file(path).map(Some),
            (None, None) => Ok(None),
        }
    }

    fn from_file(path: &Path) -> anyhow::Result<MasterKey> {
        let source = format!(
            "the master key file {} (ORGWARDEN_MASTER_KEY_FILE, --master-key-file)",
            path.display()
        );
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {source}"))?;
        anyhow::ensure!(meta.is_file(), "{source} is not a file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            anyhow::ensure!(
                mode & 0o077 == 0,
                "{source} can be read by other users (mode {mode:04o}): make it private first \
                 (chmod 600 {})",
                path.display()
            );
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {source}"))?;
        MasterKey::from_base64(&text, &source)
    }
}

/// A new master key, as base64.
pub fn generate_master_key() -> anyhow::Result<String> {
    let mut bytes = [0u8; MASTER_KEY_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
    Ok(STANDARD.encode(bytes))
}

fn header(id: &[u8; ID_LEN]) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(MAGIC);
    h.push(VERSION_1);
    h.extend_from_slice(id);
    h
}

fn associated_data(header: &[u8], kid: &str) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend_from_slice(kid.as_bytes());
    aad
}

/// Seals a private key (PKCS#8 DER) for storage, bound to its `kid`.
pub fn seal(master: &MasterKey, kid: &str, pkcs8: &[u8]) -> anyhow::Result<Vec<u8>> {
    let header = header(&master.id);
    let mut in_out = pkcs8.to_vec();
    let nonce = master
        .key
        .seal_in_place_append_tag(Aad::from(associated_data(&header, kid)), &mut in_out)
        .map_err(|_| anyhow::anyhow!("sealing signing key {kid} failed"))?;
    let mut out = header;
    out.extend_from_slice(nonce.as_ref());
    out.extend_from_slice(&in_out);
    Ok(out)
}

/// Whether a stored private key is sealed (in any version of the stored form).
pub fn is_sealed(stored: &[u8]) -> bool {
    stored.starts_with(MAGIC)
}

/// Why a stored private key could not be opened. The messages name the settings to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(
        "the signing keys in the database are encrypted with a master key, and none was given: \
         start orgwarden with the master key they were encrypted with, in {SOURCES}"
    )]
    NoMasterKey,
    #[error(
        "the signing keys in the database were encrypted with another master key than the one \
         given in {SOURCES}: start orgwarden with the master key they were encrypted with"
    )]
    OtherMasterKey,
    #[error("signing key {0} cannot be decrypted: its stored form is damaged or was altered")]
    Damaged(String),
    #[error(
        "signing key {0} is sealed in a form this orgwarden does not know (version {1}): it was \
         written by a newer orgwarden"
    )]
    UnknownVersion(String, u8),
    #[error("signing key {0} is stored in a form orgwarden does not recognize")]
    Unrecognized(String),
}

/// The PKCS#8 DER of a stored private key: sealed ones are opened with `master`; plain ones
/// are handed back as they are.
pub fn open(master: Option<&MasterKey>, kid: &str, stored: &[u8]) -> Result<Vec<u8>, OpenError> {
    if !is_sealed(stored) {
        return match stored.first() {
            Some(0x30) => Ok(stored.to_vec()),
            _ => Err(OpenError::Unrecognized(kid.to_owned())),
        };
    }
    let version = stored.get(MAGIC.len()).copied().unwrap_or(0);
    if version != VERSION_1 {
        return Err(OpenError::UnknownVersion(kid.to_owned(), version));
    }
    if stored.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
        return Err(OpenError::Damaged(kid.to_owned()));
    }
    let master = master.ok_or(OpenError::NoMasterKey)?;
    let (header, rest) = stored.split_at(HEADER_LEN);
    if header[MAGIC.len() + 1..] != master.id {
        return Err(OpenError::OtherMasterKey);
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let nonce =
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError::Damaged(kid.to_owned()))?;
    let mut in_out = sealed.to_vec();
    let plain = master
        .key
        .open_in_place(nonce, Aad::from(associated_data(header, kid)), &mut in_out)
        .map_err(|_| OpenError::Damaged(kid.to_owned()))?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey::from_base64(&generate_master_key().unwrap(), "test").unwrap()
    }

    const PKCS8: &[u8] = b"\x30\x82\x04\xbd private key bytes";

    #[test]
    fn seals_and_opens_bound_to_the_kid() {
        let m = master();
        let sealed = seal(&m, "kid1", PKCS8).unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(PKCS8.len()).any(|w| w == PKCS8));
        assert_eq!(open(Some(&m), "kid1", &sealed).unwrap(), PKCS8);
        assert_ne!(
            seal(&m, "kid1", PKCS8).unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(
            open(Some(&m), "kid2", &sealed),
            Err(OpenError::Damaged("kid2".into())),
            "moved to another kid, it does not open"
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(
            open(Some(&m), "kid1", &altered),
            Err(OpenError::Damaged("kid1".into()))
        );
    }

    #[test]
    fn refuses_without_the_right_master_key() {
        let sealed = seal(&master(), "kid1", PKCS8).unwrap();
        assert_eq!(open(None, "kid1", &sealed), Err(OpenError::NoMasterKey));
        assert_eq!(
            open(Some(&master()), "kid1", &sealed),
            Err(OpenError::OtherMasterKey)
        );
        let mut newer = sealed.clone();
        newer[4] = 2;
        assert_eq!(
            open(Some(&master()), "kid1", &newer),
            Err(OpenError::UnknownVersion("kid1".into(), 2))
        );
    }

    #[test]
    fn plain_keys_pass_through_and_garbage_is_refused() {
        assert_eq!(open(None, "k", PKCS8).unwrap(), PKCS8);
        assert_eq!(open(Some(&master()), "k", PKCS8).unwrap(), PKCS8);
        assert_eq!(
            open(None, "k", b"nonsense"),
            Err(OpenError::Unrecognized("k".into()))
        );
    }

    #[test]
    fn master_keys_must_be_32_bytes_of_base64_and_are_never_echoed() {
        for bad in [
            "",
            "  \n",
            "not base64!",
            "c2hvcnQ=",
            &STANDARD.encode([7u8; 33]),
        ] {
            let e = MasterKey::from_base64(bad, "ORGWARDEN_MASTER_KEY")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("ORGWARDEN_MASTER_KEY is"), "{e}");
            if !bad.trim().is_empty() {
                assert!(!e.contains(bad.trim()), "the value is not echoed: {e}");
            }
        }
        let key = generate_master_key().unwrap();
        assert!(MasterKey::from_base64(&format!("{key}\n"), "x").is_ok());
        assert_eq!(STANDARD.decode(key).unwrap().len(), 32);
    }

    #[cfg(unix)]
    #[test]
    fn a_master_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, generate_master_key().unwrap()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = MasterKey::from_settings(None, Some(&path))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ORGWARDEN_MASTER_KEY_FILE") && e.contains("0640"),
            "{e}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(MasterKey::from_settings(None, Some(&path))
            .unwrap()
            .is_some());
        assert!(MasterKey::from_settings(None, None).unwrap().is_none());
    }
}
