//! The tool's error type: a message for the user (saying what to do next) and an exit code.

use std::fmt;

/// What went wrong, and how the process should exit because of it.
#[derive(Debug)]
pub(crate) enum Error {
    /// The command line was wrong: exit 2 with the usage text.
    Usage(String),
    /// The user named something that does not exist (an exercise, a hint): exit 2.
    NotFound(String),
    /// The command could not do its job (I/O, cargo, git): exit 1.
    Failed(String),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::NotFound(_) => 2,
            Error::Failed(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) | Error::NotFound(message) | Error::Failed(message) => {
                f.write_str(message)
            }
        }
    }
}

/// Shorthand for `Err(Error::Failed(format!(...)))`.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::Failed(format!($($arg)*)))
    };
}
pub(crate) use bail;

/// Adds context to I/O-like errors: `fs::read(p).context(|| format!("reading {}", p))?`.
pub(crate) trait Context<T> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|err| Error::Failed(format!("{}: {err}", what().into())))
    }
}
