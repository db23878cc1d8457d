//! What the decide step (`emulate`) returns: the answer a call gets and
//! what to commit once that answer was delivered. Plain data, so that the
//! task table (which keeps a notified call's pending commit) and the
//! ownership handlers use it without reaching into `emulate`.

use super::ownership::{Pending, Record};
use credshim_shims::Creds;

/// What becomes true once a call's answer was delivered.
pub enum Commit {
    /// The task's new credentials (a set*id, setgroups, capset, prctl).
    Creds(Creds),
    /// A chown's new virtual owner.
    Owner(Record),
    /// A file the kernel creates, to get its virtual owner.
    Created(Pending),
}

/// What `emulate` decided for one call.
pub struct Decision {
    /// Some(value or -errno): skip the call and return this; None: the
    /// kernel runs it.
    pub answer: Option<i64>,
    pub commit: Option<Commit>,
    /// A descriptor to install in the caller as the call's result (and
    /// whether with O_CLOEXEC): the notification channel only (`--proc`).
    pub file: Option<(std::os::fd::OwnedFd, bool)>,
}

impl Decision {
    pub const NATIVE: Decision = Decision { answer: None, commit: None, file: None };

    pub fn answer(ret: i64) -> Decision {
        Decision { answer: Some(ret), commit: None, file: None }
    }

    pub fn from_answer(answer: Option<i64>) -> Decision {
        Decision { answer, commit: None, file: None }
    }
}
