//! Named profiles: `profiles.json` in `$XDG_CONFIG_HOME/orgwarden` (or `~/.config/orgwarden`),
//! or the file given with `--config`. `orgwarden login` writes it; it holds client secrets,
//! so it is only ever created with mode 0600 (a new file renamed over the old one).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Failure;

/// One target: where, how to authenticate, which CA to trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub domain: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

/// The whole file: `{"profiles": {"NAME": {…}}}`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Profiles {
    pub profiles: BTreeMap<String, Profile>,
}

/// `--config`, else `$XDG_CONFIG_HOME/orgwarden/profiles.json`, else
/// `$HOME/.config/orgwarden/profiles.json`.
pub fn path(config: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(p) = config {
        return Ok(p.to_owned());
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| {
            Failure::Usage("no XDG_CONFIG_HOME or HOME to find profiles in: pass --config".into())
        })?;
    Ok(base.join("orgwarden").join("profiles.json"))
}

/// The profiles in `path`; none when the file does not exist.
pub fn load(path: &Path) -> Result<Profiles, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Local(format!("reading profiles from {}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
        Err(e) => Err(Failure::Local(format!("reading {}: {e}", path.display()))),
    }
}

/// Writes `profiles` to `path`: a new file created 0600 beside it, then renamed over it.
pub fn save(path: &Path, profiles: &Profiles) -> Result<(), Failure> {
    let fail =
        |what: &str, e: std::io::Error| Failure::Local(format!("{what} {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir_builder()
            .create(dir)
            .map_err(|e| fail("creating the directory of", e))?;
    }
    let mut json = serde_json::to_vec_pretty(profiles).expect("profiles serialize");
    json.push(b'\n');
    let temp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = private_new_file().open(&temp)?;
        f.write_all(&json)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(|e| fail("writing", e))
}

fn private_new_file() -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

fn private_dir_builder() -> std::fs::DirBuilder {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_profiles_read_back_from_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orgwarden/profiles.json");
        assert!(load(&path).unwrap().profiles.is_empty());
        let mut p = Profiles::default();
        p.profiles.insert(
            "dev".into(),
            Profile {
                domain: "localhost:8443".into(),
                client_id: "id".into(),
                client_secret: "secret".into(),
                ca_file: None,
            },
        );
        save(&path, &p).unwrap();
        save(&path, &p).unwrap();
        assert_eq!(load(&path).unwrap().profiles, p.profiles);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
