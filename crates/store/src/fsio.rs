//! Atomic file writes: a temp file in the same directory, fsync, rename, fsync the directory.
//! A reader (or a crash) sees the old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically.
///
/// # Errors
/// Any I/O error; the temp file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = stage(path, bytes)?;
    publish(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Why an export may not be written to `out`, if it may not: the database itself or its
/// `-wal`, `-shm` or `-journal` file (compared after resolving directories and symlinks); an
/// existing path that is not a regular file (a symlink, a directory, a device node, a pipe); an
/// existing file, unless `overwrite` (the CLI's `--force`, or the app's save dialog, which asks).
pub fn check_output(out: &Path, database: Option<&Path>, overwrite: bool) -> Result<(), crate::StoreError> {
    use crate::StoreError::{Invalid, OutputExists};
    let shown = out.display();
    let resolve = |p: &Path| -> Option<std::path::PathBuf> {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Some(dir.canonicalize().ok()?.join(p.file_name()?))
    };
    let target = match std::fs::canonicalize(out) {
        Ok(p) => Some(p),
        Err(_) => resolve(out),
    };
    if let (Some(target), Some(db)) = (target, database.and_then(|d| std::fs::canonicalize(d).ok().or_else(|| resolve(d)))) {
        let db_name = db.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            if target == db.with_file_name(format!("{db_name}{suffix}")) {
                return Err(Invalid(format!(
                    "{shown} is the database{} itself: choose another file for the report",
                    if suffix.is_empty() { "" } else { "'s journal" }
                )));
            }
        }
    }
    match std::fs::symlink_metadata(out) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => Err(Invalid(format!("{shown} is a symbolic link: choose a plain file path for the report"))),
        Ok(m) if m.is_dir() => Err(Invalid(format!("{shown} is a directory: name a file inside it"))),
        Ok(m) if !m.is_file() => Err(Invalid(format!("{shown} is not a regular file (a device, pipe or socket): choose a plain file path"))),
        Ok(_) if !overwrite => Err(OutputExists(format!("{shown} already exists: it is replaced only when asked (--force, or Replace in the app)"))),
        Ok(_) => Ok(()),
    }
}

/// Writes `bytes` to a temp file beside `path` (fsynced) and returns its name: the caller
/// publishes it with [`publish`] once the audit entry that describes it has committed, or
/// removes it.
pub fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<std::path::PathBuf> {
    let tmp = staged_path(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Where a file for `path` is written before [`publish`] moves it into place: a hidden file
/// in the same directory (so the move is a rename on one file system).
pub fn staged_path(path: &Path) -> std::path::PathBuf {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Moves a staged file into place and syncs its directory.
pub fn publish(tmp: &Path, path: &Path) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::rename(tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}
