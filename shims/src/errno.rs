use std::fmt;

/// A positive errno value, as the kernel returns it negated.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    pub const EPERM: Errno = Errno(1);
    pub const ENOENT: Errno = Errno(2);
    pub const ESRCH: Errno = Errno(3);
    pub const EINTR: Errno = Errno(4);
    pub const EIO: Errno = Errno(5);
    pub const E2BIG: Errno = Errno(7);
    pub const ENOEXEC: Errno = Errno(8);
    pub const EBADF: Errno = Errno(9);
    pub const ECHILD: Errno = Errno(10);
    pub const EAGAIN: Errno = Errno(11);
    pub const ENOMEM: Errno = Errno(12);
    pub const EACCES: Errno = Errno(13);
    pub const EFAULT: Errno = Errno(14);
    pub const EBUSY: Errno = Errno(16);
    pub const EEXIST: Errno = Errno(17);
    pub const ETXTBSY: Errno = Errno(26);
    pub const EINVAL: Errno = Errno(22);
    pub const EROFS: Errno = Errno(30);
    pub const ERANGE: Errno = Errno(34);
    pub const ENOSYS: Errno = Errno(38);
    pub const ENAMETOOLONG: Errno = Errno(36);
    pub const ENODATA: Errno = Errno(61);

    /// The symbolic name (`EPERM`), or `E<number>` for the ones not listed.
    pub fn name(self) -> String {
        let known = [
            (Self::EPERM, "EPERM"),
            (Self::ENOENT, "ENOENT"),
            (Self::ESRCH, "ESRCH"),
            (Self::EINTR, "EINTR"),
            (Self::EIO, "EIO"),
            (Self::E2BIG, "E2BIG"),
            (Self::ENOEXEC, "ENOEXEC"),
            (Self::EBADF, "EBADF"),
            (Self::ECHILD, "ECHILD"),
            (Self::EAGAIN, "EAGAIN"),
            (Self::ENOMEM, "ENOMEM"),
            (Self::EACCES, "EACCES"),
            (Self::EFAULT, "EFAULT"),
            (Self::EBUSY, "EBUSY"),
            (Self::EEXIST, "EEXIST"),
            (Self::ETXTBSY, "ETXTBSY"),
            (Self::EINVAL, "EINVAL"),
            (Self::ERANGE, "ERANGE"),
            (Self::ENOSYS, "ENOSYS"),
            (Self::ENODATA, "ENODATA"),
        ];
        known
            .iter()
            .find(|(e, _)| *e == self)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| format!("E{}", self.0))
    }

    /// The value a system call returns for this error (`-errno`).
    pub fn ret(self) -> i64 {
        -(self.0 as i64)
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}
