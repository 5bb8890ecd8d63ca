//! Reading the files a user names (token and secret files, `--ca-cert`, scenarios, attribute
//! tables, `lint` inputs): only regular files, and at most a limit each. `--token-file
//! /dev/zero` must not fill memory, and a FIFO with no writer must not hang the command: its
//! type is checked before it is opened, so it is never opened at all (issue 11, item 4).

use std::fs::File;
use std::io::{self, Read as _};
use std::path::Path;

use crate::http::human_size;

/// The largest token or client-secret file: a JWT is a few KiB.
pub(crate) const SECRET_LIMIT: u64 = 64 * 1024;
/// The largest `--ca-cert` bundle (the whole Mozilla bundle is about 220 KiB).
pub(crate) const CA_LIMIT: u64 = 4 * 1024 * 1024;
/// The largest scenario file: the built-in ones are a few KiB.
pub(crate) const SCENARIO_LIMIT: u64 = 4 * 1024 * 1024;

/// The file's bytes, if it is a regular file of at most `limit` bytes; `what` names the kind of
/// file in the error ("a token file"). Errors are `io::Error`s, so every caller's "failed to
/// read `path`: …" names the file.
pub(crate) fn read(path: &Path, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    // `metadata` follows symbolic links, as opening does.
    refuse_special(&std::fs::metadata(path)?)?;
    let file = File::open(path)?;
    // The path may have been swapped for something else since; what was opened counts.
    refuse_special(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "the file is larger than {}, the limit for {what}",
                human_size(usize::try_from(limit).unwrap_or(usize::MAX))
            ),
        ));
    }
    Ok(bytes)
}

/// The file as UTF-8 text, read as [`read`] does.
pub(crate) fn read_text(path: &Path, limit: u64, what: &str) -> io::Result<String> {
    String::from_utf8(read(path, limit, what)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the file is not UTF-8 text (byte {} is not)",
                e.utf8_error().valid_up_to() + 1
            ),
        )
    })
}

/// A directory, FIFO, socket or device is refused by name, before it is read.
fn refuse_special(metadata: &std::fs::Metadata) -> io::Result<()> {
    if metadata.is_file() {
        return Ok(());
    }
    let kind = special_kind(metadata.file_type());
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file; give the path of a file"),
    ))
}

#[cfg(unix)]
fn special_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn special_kind(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_naming_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("token");
        std::fs::write(&path, vec![b'a'; 2049]).expect("write");
        let error = read(&path, 2048, "a token file").expect_err("too large");
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            error.to_string(),
            "the file is larger than 2 KiB, the limit for a token file"
        );
        std::fs::write(&path, vec![b'a'; 2048]).expect("write");
        assert_eq!(read(&path, 2048, "a token file").expect("fits").len(), 2048);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_and_a_directory_are_refused_without_reading() {
        let device = read(Path::new("/dev/zero"), 10, "a token file").expect_err("device");
        assert_eq!(device.kind(), io::ErrorKind::InvalidInput);
        assert!(device.to_string().starts_with("it is a device"), "{device}");
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = read(dir.path(), 10, "a token file").expect_err("directory");
        assert!(
            folder.to_string().starts_with("it is a directory"),
            "{folder}"
        );
    }

    #[test]
    fn text_that_is_not_utf8_names_the_byte() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("scenario.yaml");
        std::fs::write(&path, b"ab\xffcd").expect("write");
        let error = read_text(&path, 100, "a scenario file").expect_err("not UTF-8");
        assert_eq!(
            error.to_string(),
            "the file is not UTF-8 text (byte 3 is not)"
        );
    }
}
