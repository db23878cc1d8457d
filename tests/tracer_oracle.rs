//! The oracle scripts, run by the probe under credshim in a single-id user
//! namespace, must print byte for byte what the probe prints as real root
//! on the host.

mod harness;

use credprobe::gen::{self, GenOpts, Rng};
use credprobe::runner::compare;
use credshim_shims::table::Abi;
use harness::hook::HookLab;
use harness::sides;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(900);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn check(abi: Abi, env: &[&str], args: &[&str], scripts: &[String], chunk: usize) {
    let s = sides(abi, env, args);
    let host = |x: &[String]| s.host.batch(&[], x, TIMEOUT);
    let traced = |x: &[String]| s.ns.batch(&s.wrapper, x, TIMEOUT);
    match compare(scripts, &host, &traced, chunk) {
        Ok(n) => assert_eq!(n, scripts.len()),
        Err(report) => panic!("under credshim {args:?} {env:?} ({abi:?}) the probe differs from real root:\n{report}"),
    }
}

fn random(n: usize, seed: u64, opts: GenOpts) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| gen::script(&mut rng, &opts)).collect()
}

/// Both interception channels must give the same answers.
const CHANNELS: [&str; 2] = ["--intercept=notify", "--intercept=ptrace"];

#[test]
fn hand_written_cases() {
    for ch in CHANNELS {
        check(Abi::X86_64, &[], &[ch], &credprobe::cases(), 100);
    }
}

#[test]
fn random_scripts_notify() {
    let n = env_num("CREDSHIM_TRACER_SCRIPTS", 2000) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x7ace;
    check(Abi::X86_64, &[], &[CHANNELS[0]], &random(n, seed, GenOpts::default()), 250);
}

#[test]
fn random_scripts_ptrace() {
    let n = env_num("CREDSHIM_TRACER_SCRIPTS", 2000) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x7acf;
    check(Abi::X86_64, &[], &[CHANNELS[1]], &random(n, seed, GenOpts::default()), 250);
}

#[test]
fn no_seccomp_random_scripts() {
    let n = env_num("CREDSHIM_TRACER_SCRIPTS_NOSECCOMP", 200) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x505;
    check(Abi::X86_64, &[], &["--no-seccomp"], &random(n, seed, GenOpts::default()), 100);
}

#[test]
fn i386_probe() {
    let mut scripts = credprobe::cases();
    let n = env_num("CREDSHIM_TRACER_SCRIPTS_I386", 300) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x386;
    scripts.extend(random(n, seed, GenOpts { legacy16: true, ..GenOpts::default() }));
    for ch in CHANNELS {
        check(Abi::I386, &[], &[ch], &scripts, 100);
    }
}

/// The memory fallbacks give the same answers as process_vm_readv/writev
/// (PEEK/POKE only where the task is ptrace-stopped: the ptrace channel).
#[test]
fn memory_fallbacks() {
    for (mode, ch) in [
        ("CREDSHIM_MEM=procmem", CHANNELS[0]),
        ("CREDSHIM_MEM=procmem", CHANNELS[1]),
        ("CREDSHIM_MEM=peek", CHANNELS[1]),
    ] {
        check(Abi::X86_64, &[mode], &[ch], &credprobe::cases(), 100);
    }
}

/// The ownership stores the file steps run under (`--ownership`).
const STORES: [&str; 2] = ["--ownership=session", "--ownership=xattr"];

/// The ownership and creation rows (SCRIPT.md "File steps"): the
/// hand-written cases on a fresh fixture each, in both channels, both
/// ownership stores and both ABIs.
#[test]
fn file_steps_hand_written() {
    let cases = credprobe::file_cases();
    assert!(cases.len() >= 40, "only {} hand-written file cases", cases.len());
    let gaps = credprobe::file_gaps();
    // Every channel and store on x86_64; on i386 each channel once, with
    // each store once (the i386 part is the stat64 layout and the 16-bit
    // chown calls, which do not depend on the pair).
    let runs = [
        (Abi::X86_64, CHANNELS[0], STORES[0]),
        (Abi::X86_64, CHANNELS[1], STORES[0]),
        (Abi::X86_64, CHANNELS[0], STORES[1]),
        (Abi::X86_64, CHANNELS[1], STORES[1]),
        (Abi::I386, CHANNELS[0], STORES[0]),
        (Abi::I386, CHANNELS[1], STORES[1]),
    ];
    let start = std::time::Instant::now();
    {
        for (abi, ch, store) in runs {
            {
                let s = sides(abi, &[], &[ch, store]);
                let host = |x: &[String]| s.host.batch(&[], x, FILE_TIMEOUT);
                let traced = |x: &[String]| s.ns.batch(&s.wrapper, x, FILE_TIMEOUT);
                match compare(&cases, &host, &traced, 100) {
                    Ok(n) => assert_eq!(n, cases.len()),
                    Err(report) => panic!("under credshim {ch} {store} ({abi:?}) the probe differs from real root:\n{report}"),
                }
                // A known gap that no longer differs is a fix to keep.
                let (h, t) = (host(&gaps).expect("host runs"), traced(&gaps).expect("credshim runs"));
                for (i, g) in gaps.iter().enumerate() {
                    assert_ne!(h[i], t[i], "the known gap `{g}` no longer differs ({abi:?} {ch} {store}): move it up in cases-files.txt");
                }
                eprintln!(
                    "file steps: {} hand-written scripts, {abi:?} {ch} {store}: 0 mismatches; {} known gaps still differ ({:.0?})",
                    cases.len(),
                    gaps.len(),
                    start.elapsed()
                );
            }
        }
    }
}

/// A batch of file scripts: a hung call (a FIFO opened for reading, …)
/// fails the test in minutes, not the oracle's 15.
const FILE_TIMEOUT: Duration = Duration::from_secs(120);

/// Random file scripts with drops, fork, exec and threads: for each of four
/// runs (a channel, a store, an ABI), chunks of 50 until
/// CREDSHIM_FILE_SCRIPTS (default 200) scripts or the run's share of
/// CREDSHIM_FILE_SECONDS (default 60) is used up, at least one chunk;
/// the counts are printed.
#[test]
fn file_steps_random() {
    let max = env_num("CREDSHIM_FILE_SCRIPTS", 200) as usize;
    let budget = Duration::from_secs(env_num("CREDSHIM_FILE_SECONDS", 60));
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0xf11e;
    let start = std::time::Instant::now();
    let runs = [
        (Abi::X86_64, CHANNELS[0], STORES[0]),
        (Abi::X86_64, CHANNELS[1], STORES[0]),
        (Abi::X86_64, CHANNELS[0], STORES[1]),
        (Abi::I386, CHANNELS[1], STORES[1]),
    ];
    let mut total = 0;
    for (i, (abi, ch, store)) in runs.into_iter().enumerate() {
        let run_end = start + budget * (i as u32 + 1) / runs.len() as u32;
        let mut rng = Rng::new(seed ^ i as u64);
        let opts = gen::FileOpts { legacy16: abi == Abi::I386, ..Default::default() };
        let sd = sides(abi, &[], &[ch, store]);
        let host = |x: &[String]| sd.host.batch(&[], x, FILE_TIMEOUT);
        let traced = |x: &[String]| sd.ns.batch(&sd.wrapper, x, FILE_TIMEOUT);
        let (mut n, mut drops, mut fork, mut exec, mut thread) = (0, 0, 0, 0, 0);
        while n < max && (n == 0 || std::time::Instant::now() < run_end) {
            let scripts: Vec<String> = (0..50.min(max - n)).map(|_| gen::file_script(&mut rng, &opts)).collect();
            if let Err(report) = compare(&scripts, &host, &traced, 50) {
                panic!("under credshim {ch} {store} ({abi:?}) the probe differs from real root (after {n} random scripts of this run):\n{report}");
            }
            n += scripts.len();
            let with = |w: &str| scripts.iter().filter(|s| s.contains(w)).count();
            drops += scripts.iter().filter(|s| s.contains("set") || s.contains("cap") || s.contains("suid1000")).count();
            (fork, exec, thread) = (fork + with("fork"), exec + with("exec"), thread + with("thread"));
        }
        total += n;
        eprintln!(
            "file steps: {n} random scripts ({drops} with drops, {fork} fork, {exec} exec, {thread} thread), {abi:?} {ch} {store}: 0 mismatches ({:.0?})",
            start.elapsed()
        );
    }
    eprintln!("file steps: {total} random scripts in all, 0 mismatches, {:.0?}", start.elapsed());
}

/// One script, CREDSHIM_FILE_SCRIPT, run CREDSHIM_FILE_REPEAT times in one
/// batch (a debugging aid: `cargo test --test tracer_oracle file_script_repeat -- --ignored`).
#[test]
#[ignore]
fn file_script_repeat() {
    let script = std::env::var("CREDSHIM_FILE_SCRIPT").expect("CREDSHIM_FILE_SCRIPT");
    let n = env_num("CREDSHIM_FILE_REPEAT", 20) as usize;
    let abi = if std::env::var("CREDSHIM_ABI").as_deref() == Ok("i386") { Abi::I386 } else { Abi::X86_64 };
    let store = std::env::var("CREDSHIM_STORE").unwrap_or_else(|_| STORES[0].to_string());
    check(abi, &[], &[CHANNELS[0], &store], &vec![script; n], 100);
}

/// The hook route (`credshim oci inject --mode hook`, the calls through the
/// container's seccomp listener) as a channel: the probe as the process of
/// a rootless runc container (tests/harness/hook.rs), one container per
/// batch of `chunk` scripts, against the same reference. `opts` are
/// inject's (`--ownership=…`). With `gaps`, each must still differ.
fn check_hook(abi: Abi, opts: &[&str], scripts: &[String], gaps: &[String], chunk: usize, timeout: Duration) {
    let s = sides(abi, &[], &[]);
    let lab = HookLab::new("oracle", s.host_init.cap_bset, timeout);
    let w = lab.wrapper(opts);
    let host = |x: &[String]| s.host.batch(&[], x, timeout);
    let traced = |x: &[String]| s.ns.batch(&w, x, timeout);
    match compare(scripts, &host, &traced, chunk) {
        Ok(n) => assert_eq!(n, scripts.len()),
        Err(report) => panic!("through the hook route {opts:?} ({abi:?}) the probe differs from real root:\n{report}"),
    }
    if !gaps.is_empty() {
        let (h, t) = (host(gaps).expect("host runs"), traced(gaps).expect("the hook route runs"));
        for (i, g) in gaps.iter().enumerate() {
            assert_ne!(h[i], t[i], "the known gap `{g}` no longer differs on the hook route {opts:?} ({abi:?}): move it up");
        }
    }
    lab.assert_channel(if opts.contains(&"--hook-channel=stops") { "stops" } else { "listener" });
}

#[test]
fn hook_route_hand_written_cases() {
    check_hook(Abi::X86_64, &[], &credprobe::cases(), &[], 100, TIMEOUT);
}

/// The hook route's fallback channel, seccomp stops (the runtime gives no
/// listener): the hand-written credential and file cases (both stores).
#[test]
fn hook_route_through_seccomp_stops() {
    check_hook(Abi::X86_64, &["--hook-channel=stops"], &credprobe::cases(), &[], 100, TIMEOUT);
    for store in STORES {
        check_hook(Abi::X86_64, &["--hook-channel=stops", store], &credprobe::file_cases(), &credprobe::file_gaps(), 100, FILE_TIMEOUT);
    }
}

/// CREDSHIM_HOOK_SCRIPTS (default 300) random scripts, in batches of 150
/// (one container each).
#[test]
fn hook_route_random_scripts() {
    let n = env_num("CREDSHIM_HOOK_SCRIPTS", 300) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x400c;
    check_hook(Abi::X86_64, &[], &random(n, seed, GenOpts::default()), &[], 150, TIMEOUT);
}

/// The hand-written file cases through the hook route, with both
/// ownership stores (the hook's `--ownership`).
#[test]
fn hook_route_file_steps_hand_written() {
    let cases = credprobe::file_cases();
    for store in STORES {
        let start = std::time::Instant::now();
        check_hook(Abi::X86_64, &[store], &cases, &credprobe::file_gaps(), 100, FILE_TIMEOUT);
        eprintln!("file steps: {} hand-written scripts, hook route {store}: 0 mismatches ({:.0?})", cases.len(), start.elapsed());
    }
}

/// The i386 probe through the hook route: the hand-written credential
/// cases, and the hand-written file cases with each store (the stat64
/// layout and the 16-bit calls arrive through the listener too).
#[test]
fn hook_route_i386_probe() {
    check_hook(Abi::I386, &[], &credprobe::cases(), &[], 100, TIMEOUT);
    for store in STORES {
        check_hook(Abi::I386, &[store], &credprobe::file_cases(), &credprobe::file_gaps(), 100, FILE_TIMEOUT);
    }
}

/// Random file scripts (drops, fork, exec, threads) through the hook
/// route: CREDSHIM_HOOK_FILE_SCRIPTS (default 100) with each store, in
/// batches of 50 (one container each).
#[test]
fn hook_route_file_steps_random() {
    let n = env_num("CREDSHIM_HOOK_FILE_SCRIPTS", 100) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x400f;
    for (i, store) in STORES.iter().enumerate() {
        let mut rng = Rng::new(seed ^ i as u64);
        let scripts: Vec<String> = (0..n).map(|_| gen::file_script(&mut rng, &gen::FileOpts::default())).collect();
        let start = std::time::Instant::now();
        check_hook(Abi::X86_64, &[store], &scripts, &[], 50, FILE_TIMEOUT);
        eprintln!("file steps: {n} random scripts, hook route {store}: 0 mismatches ({:.0?})", start.elapsed());
    }
}
