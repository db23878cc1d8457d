//! Properties over arbitrary arguments: the model never panics, and every
//! credential change keeps the kernel's invariants.
use credshim_shims::capability::{CapTriple, Caller};
use credshim_shims::capset::CapSet;
use credshim_shims::cred::sorted_groups;
use credshim_shims::exec::{exec_creds, ExecFile};
use credshim_shims::mem::VecMem;
use credshim_shims::securebits::SecureBits;
use credshim_shims::decide::{dispatch, Outcome};
use credshim_shims::table::Abi;
use credshim_shims::{Creds, Kgid, Kuid};
use proptest::prelude::*;

fn any_id() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(1000), Just(u32::MAX), Just(0xffff), any::<u32>()]
}

fn any_reg() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(u64::MAX),
        Just(0x1000),
        Just(0x1004),
        0u64..70000,
        any::<u64>(),
        (0u64..64).prop_map(|c| c),
    ]
}

/// Valid credentials: effective ⊆ permitted, ambient ⊆ permitted ∩ inheritable.
fn any_creds() -> impl Strategy<Value = Creds> {
    (
        prop::array::uniform8(any_id()),
        prop::collection::vec(any_id(), 0..5),
        prop::array::uniform5(any::<u64>()),
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(|(ids, groups, caps, sb, nnp)| {
            let m = CapSet::FULL.0;
            let permitted = caps[0] & m;
            let inheritable = caps[1] & m;
            let effective = caps[2] & permitted;
            let ambient = caps[3] & permitted & inheritable;
            Creds {
                uid: Kuid(ids[0]),
                euid: Kuid(ids[1]),
                suid: Kuid(ids[2]),
                fsuid: Kuid(ids[3]),
                gid: Kgid(ids[4]),
                egid: Kgid(ids[5]),
                sgid: Kgid(ids[6]),
                fsgid: Kgid(ids[7]),
                groups: sorted_groups(groups.into_iter().map(Kgid).collect()),
                cap_inheritable: CapSet(inheritable),
                cap_permitted: CapSet(permitted),
                cap_effective: CapSet(effective),
                cap_bset: CapSet(caps[4] & m),
                cap_ambient: CapSet(ambient),
                securebits: SecureBits(sb & 0xfff),
                no_new_privs: nnp,
                dumpable: (sb >> 12) as u8 % 3,
            }
        })
}

fn invariants(c: &Creds) -> Result<(), TestCaseError> {
    prop_assert!(c.cap_effective.issubset(c.cap_permitted), "effective ⊆ permitted: {c:?}");
    prop_assert!(c.ambient_invariant_ok(), "ambient ⊆ permitted ∩ inheritable: {c:?}");
    prop_assert!(c.groups.windows(2).all(|w| w[0] <= w[1]), "groups sorted");
    for s in [c.cap_effective, c.cap_permitted, c.cap_inheritable, c.cap_ambient] {
        prop_assert!(s.issubset(CapSet::FULL), "only valid capabilities");
    }
    Ok(())
}

fn other(pid: i32) -> Option<CapTriple> {
    (pid == 7).then_some(CapTriple { effective: CapSet(1), inheritable: CapSet(2), permitted: CapSet(3) })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20000))]

    #[test]
    fn any_call_with_any_arguments_is_answered(
        creds in any_creds(),
        abi in prop_oneof![Just(Abi::X86_64), Just(Abi::I386)],
        row_pick in any::<prop::sample::Index>(),
        args in prop::array::uniform6(any_reg()),
        mem_bytes in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let rows = abi.rows();
        let row = &rows[row_pick.index(rows.len())];
        let mut mem = VecMem::new();
        mem.map(0x1000, mem_bytes);
        let caller = Caller { tid: 42, find_task: &other };
        match dispatch(abi, row, args, &creds, &caller, &credshim_shims::world::Unknowing { caller: credshim_shims::world::CallerFacts { tid: 42, tgid: 42, session: 1, thread_group_empty: true } }, &mut mem) {
            Outcome::Native => prop_assert!(matches!(row.name, "prctl" | "execve" | "execveat" | "getsockopt") || row.shim.is_ownership() || matches!(row.shim.class(), credshim_shims::table::Class::Privilege | credshim_shims::table::Class::Permission), "{} answered natively", row.name),
            Outcome::Emulated { ret, commit } => {
                if let Some(new) = commit {
                    prop_assert!(ret >= 0, "a commit with an error: {}", ret);
                    invariants(&new)?;
                }
                prop_assert!(ret >= -4095);
            }
        }
    }

    #[test]
    fn exec_keeps_the_invariants(
        creds in any_creds(),
        uid in any_id(), gid in any_id(), perm in 0u32..0o10000, nosuid in any::<bool>(),
    ) {
        let f = ExecFile { uid, gid, mode: 0o100000 | perm, nosuid, caps: None };
        if let Ok(new) = exec_creds(&creds, &f, 0) {
            invariants(&new)?;
            prop_assert_eq!(new.suid, new.euid);
            prop_assert_eq!(new.fsgid, new.egid);
        }
    }
}
