//! The `user.rootlesscontainers` extended attribute (github.com/rootless-containers/proto):
//! `message Resource { uint32 uid = 1; uint32 gid = 2; }` where
//! 0xFFFFFFFF ("noop") means "the file's real owner". umoci writes it on
//! `unpack --rootless` and reads it on `repack`.

pub const XATTR_NAME: &str = "user.rootlesscontainers";
pub const NOOP: u32 = u32::MAX;

/// The proto's encoding of `uid` and `gid` (proto3: a zero field is left out).
pub fn encode(uid: u32, gid: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for (key, x) in [(0x08u8, uid), (0x10u8, gid)] {
        if x == 0 {
            continue;
        }
        v.push(key);
        let mut x = x as u64;
        while x >= 0x80 {
            v.push((x as u8) | 0x80);
            x >>= 7;
        }
        v.push(x as u8);
    }
    v
}

/// (uid, gid), None for noop; None for a value that is not a Resource.
pub fn decode(v: &[u8]) -> Option<(Option<u32>, Option<u32>)> {
    let (mut uid, mut gid) = (0u32, 0u32); // proto3 defaults
    let mut i = 0;
    let varint = |i: &mut usize| -> Option<u64> {
        let mut x = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *v.get(*i)?;
            *i += 1;
            x |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(x);
            }
        }
        None
    };
    while i < v.len() {
        match varint(&mut i)? {
            0x08 => uid = varint(&mut i)? as u32,
            0x10 => gid = varint(&mut i)? as u32,
            _ => return None,
        }
    }
    let keep = |x: u32| (x != NOOP).then_some(x);
    Some((keep(uid), keep(gid)))
}

/// What to store for a virtual owner over a real one: None when both are
/// the real owner (the attribute is then removed, as umoci does).
pub fn value_for(virt: (u32, u32), real: (u32, u32)) -> Option<Vec<u8>> {
    if virt == real {
        return None;
    }
    let uid = if virt.0 == real.0 { NOOP } else { virt.0 };
    let gid = if virt.1 == real.1 { NOOP } else { virt.1 };
    Some(encode(uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (u, g) in [(0, 0), (33, 33), (1000, 0), (0, 1000), (NOOP, 5), (70000, NOOP)] {
            let keep = |x: u32| (x != NOOP).then_some(x);
            assert_eq!(decode(&encode(u, g)), Some((keep(u), keep(g))));
        }
        assert_eq!(encode(0, 0), Vec::<u8>::new());
        assert_eq!(encode(NOOP, 33), vec![0x08, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x10, 33]);
        assert_eq!(decode(&[0x08]), None);
        assert_eq!(decode(&[0x18, 1]), None);
        assert_eq!(value_for((0, 0), (0, 0)), None);
        assert_eq!(value_for((44, 0), (0, 0)), Some(vec![0x08, 44, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    }
}
