//! Files only their owner can read: the data directory is 0700 and everything orgwarden writes
//! in it 0600, whatever the umask (it holds the signing keys, the admin client's secret and TLS
//! keys). Modes are set explicitly after creation, since the umask can only take bits away.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Creates a directory (and missing parents) that only its owner can use (0700 on Unix);
/// an existing one is made 0700.
pub fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .with_context(|| format!("creating the directory {}", path.display()))?;
    #[cfg(unix)]
    set_mode(path, 0o700).with_context(|| format!("making {} private (0700)", path.display()))?;
    Ok(())
}

/// Writes a file only its owner can read (0600 on Unix), replacing any old one at once: the
/// bytes go to a private temporary file beside it, which is synced then renamed over it, so a
/// crash leaves the old file or the new one, never a partial one.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let name = path.file_name().context("a file name")?.to_string_lossy();
    let temp = dir.join(format!(
        ".{name}.{}.tmp",
        orgwarden_domain::ids::random_alphanumeric(8)
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = (|| -> anyhow::Result<()> {
        let mut f = opts
            .open(&temp)
            .with_context(|| format!("creating {}", temp.display()))?;
        #[cfg(unix)]
        set_mode(&temp, 0o600).with_context(|| format!("making {} private", temp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("writing {}", temp.display()))?;
        f.sync_all()
            .with_context(|| format!("writing {}", temp.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("replacing {}", path.display()))?;
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Creates a new file only its owner can read; refuses to replace an existing one.
pub fn create_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| {
        format!(
            "creating {} (an existing file is never replaced)",
            path.display()
        )
    })?;
    #[cfg(unix)]
    set_mode(path, 0o600).with_context(|| format!("making {} private", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Makes every directory under `root` (itself included) 0700 and every file 0600, as an older
/// orgwarden or a loose umask may have left them. Symbolic links are neither followed nor
/// changed. Returns what was changed.
pub fn make_tree_private(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut pending = vec![root.to_owned()];
        while let Some(path) = pending.pop() {
            // Another instance on the same data directory may remove a file meanwhile.
            let meta = match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                meta => meta.with_context(|| format!("reading {}", path.display()))?,
            };
            let wanted = if meta.is_dir() {
                0o700
            } else if meta.is_file() {
                0o600
            } else {
                continue;
            };
            if meta.permissions().mode() & 0o7777 != wanted {
                match set_mode(&path, wanted) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    set => set.with_context(|| {
                        format!("making {} private ({wanted:04o})", path.display())
                    })?,
                }
                changed.push(path.clone());
            }
            if meta.is_dir() {
                let entries = match std::fs::read_dir(&path) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    entries => entries
                        .with_context(|| format!("reading the directory {}", path.display()))?,
                };
                for entry in entries {
                    pending.push(entry?.path());
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = root;
    Ok(changed)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn private_files_replace_old_ones_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-client.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file is left"
        );
        let e = create_private(&path, b"other").unwrap_err();
        assert!(format!("{e:#}").contains("never replaced"), "{e:#}");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_tree_is_made_private_and_links_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        create_private_dir(&root.join("tls")).unwrap();
        assert_eq!((mode(&root), mode(&root.join("tls"))), (0o700, 0o700));
        let outside = dir.path().join("outside.pem");
        std::fs::write(&outside, "x").unwrap();
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link.pem")).unwrap();
        std::fs::write(root.join("tls/ca.pem"), "x").unwrap();
        std::fs::set_permissions(
            root.join("tls/ca.pem"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();

        let mut changed = make_tree_private(&root).unwrap();
        changed.sort();
        assert_eq!(changed, vec![root.clone(), root.join("tls/ca.pem")]);
        assert_eq!(
            (mode(&root), mode(&root.join("tls/ca.pem"))),
            (0o700, 0o600)
        );
        assert_eq!(mode(&outside), 0o644, "a link's target is not changed");
        assert!(
            make_tree_private(&root).unwrap().is_empty(),
            "once is enough"
        );
    }
}
