//! The oracle scripts, run by the probe under credshim in a single-id user
//! namespace, must print byte for byte what the probe prints as real root
//! on the host.

mod harness;

use credprobe::gen::{self, GenOpts, Rng};
use credprobe::runner::compare;
use credshim_shims::table::Abi;
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
