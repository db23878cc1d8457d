//! The calling task's memory, as the kernel's user-copy helpers see it.

use crate::errno::Errno;

/// The memory of the task making the call. Implemented over ptrace by the
/// tracer and over a plain vector in tests.
pub trait UserMem {
    /// copy_from_user: all `buf.len()` bytes at `addr`, or EFAULT.
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// copy_to_user: writes `data` at `addr`. On a fault the bytes before it may
    /// stay written, as in the kernel, and the result is EFAULT.
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno>;
}

/// get_user of a u32.
pub fn get_user_u32(mem: &mut dyn UserMem, addr: u64) -> Result<u32, Errno> {
    let mut b = [0u8; 4];
    mem.read(addr, &mut b)?;
    Ok(u32::from_ne_bytes(b))
}

/// get_user of a u16 (the 16-bit id calls).
pub fn get_user_u16(mem: &mut dyn UserMem, addr: u64) -> Result<u16, Errno> {
    let mut b = [0u8; 2];
    mem.read(addr, &mut b)?;
    Ok(u16::from_ne_bytes(b))
}

/// put_user of a u32.
pub fn put_user_u32(mem: &mut dyn UserMem, addr: u64, v: u32) -> Result<(), Errno> {
    mem.write(addr, &v.to_ne_bytes())
}

/// put_user of a u16.
pub fn put_user_u16(mem: &mut dyn UserMem, addr: u64, v: u16) -> Result<(), Errno> {
    mem.write(addr, &v.to_ne_bytes())
}

/// Memory made of mapped regions; everything else faults. For unit tests and
/// the model interpreter.
#[derive(Clone, Debug, Default)]
pub struct VecMem {
    regions: Vec<(u64, Vec<u8>)>,
}

impl VecMem {
    pub fn new() -> VecMem {
        VecMem::default()
    }

    /// Maps `bytes` at `base` (regions must not overlap).
    pub fn map(&mut self, base: u64, bytes: Vec<u8>) {
        self.regions.push((base, bytes));
    }

    /// The bytes of the region that starts at `base`.
    pub fn region(&self, base: u64) -> Option<&[u8]> {
        self.regions
            .iter()
            .find(|(b, _)| *b == base)
            .map(|(_, v)| v.as_slice())
    }

    fn byte_mut(&mut self, addr: u64) -> Option<&mut u8> {
        self.regions.iter_mut().find_map(|(base, v)| {
            let off = addr.checked_sub(*base)?;
            v.get_mut(usize::try_from(off).ok()?)
        })
    }
}

impl UserMem for VecMem {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        for (i, out) in buf.iter_mut().enumerate() {
            let a = addr.checked_add(i as u64).ok_or(Errno::EFAULT)?;
            *out = *self.byte_mut(a).ok_or(Errno::EFAULT)?;
        }
        Ok(())
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        for (i, &b) in data.iter().enumerate() {
            let a = addr.checked_add(i as u64).ok_or(Errno::EFAULT)?;
            *self.byte_mut(a).ok_or(Errno::EFAULT)? = b;
        }
        Ok(())
    }
}
