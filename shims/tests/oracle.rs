//! The kernel oracle: the C probe run as real root on this machine is the
//! reference; the model interpreter must print the same, byte for byte.

use credprobe::gen::{self, GenOpts, Rng};
use credprobe::interp::Interp;
use credprobe::runner::{compare, require_root, Probe};
use credprobe::snapshot;
use credshim_shims::table::Abi;
use credshim_shims::Creds;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(300);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The credentials the probe starts with (its `0 start` snapshot).
fn initial(probe: &Probe) -> Creds {
    let out = probe.one(&[], "", Duration::from_secs(20)).expect("probe runs");
    let line = out.lines().nth(1).expect("a snapshot line");
    snapshot::parse(line).expect("a readable snapshot")
}

fn oracle(abi: Abi, scripts: &[String]) -> usize {
    require_root("the kernel oracle");
    let probe = Probe::build(abi).expect("the probe builds");
    let init = initial(&probe);
    let interp = Interp { abi };
    let kernel = |s: &[String]| probe.batch(&[], s, TIMEOUT);
    let model = |s: &[String]| Ok(s.iter().map(|x| interp.run(&init, x)).collect());
    match compare(scripts, &kernel, &model, 500) {
        Ok(n) => n,
        Err(report) => panic!("the model differs from the kernel ({abi:?}):\n{report}"),
    }
}

#[test]
fn hand_written_cases_match_the_kernel() {
    let cases = credprobe::cases();
    assert!(cases.len() >= 40, "only {} hand-written cases", cases.len());
    assert_eq!(oracle(Abi::X86_64, &cases), cases.len());
}

/// CREDSHIM_ORACLE_SCRIPTS (default 5000) random scripts of up to 20 steps,
/// from CREDSHIM_ORACLE_SEED (default fixed, so a failure reproduces).
#[test]
fn random_scripts_match_the_kernel() {
    let n = env_num("CREDSHIM_ORACLE_SCRIPTS", 5000) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de);
    eprintln!("random oracle: {n} scripts, seed {seed}");
    let mut rng = Rng::new(seed);
    let scripts: Vec<String> = (0..n).map(|_| gen::script(&mut rng, &GenOpts::default())).collect();
    let with = |w: &str| scripts.iter().filter(|s| s.contains(w)).count();
    eprintln!("  with exec: {}, fork: {}, thread: {}", with("exec"), with("fork"), with("thread"));
    assert_eq!(oracle(Abi::X86_64, &scripts), n);
}

/// The i386 ABI: the -m32 probe (32-bit-id calls for the plain names, the
/// legacy 16-bit calls for the `*16` names) against the model's I386 table.
#[test]
fn i386_hand_written_cases_match_the_kernel() {
    let cases = credprobe::cases();
    assert_eq!(oracle(Abi::I386, &cases), cases.len());
}

#[test]
fn i386_random_scripts_with_16_bit_calls_match_the_kernel() {
    let n = env_num("CREDSHIM_ORACLE_SCRIPTS_I386", 2000) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0x32;
    eprintln!("random i386 oracle: {n} scripts, seed {seed}");
    let mut rng = Rng::new(seed);
    let opts = GenOpts { legacy16: true, ..GenOpts::default() };
    let scripts: Vec<String> = (0..n).map(|_| gen::script(&mut rng, &opts)).collect();
    assert!(scripts.iter().filter(|s| s.contains("16 ")).count() > n / 2, "the 16-bit calls are exercised");
    assert_eq!(oracle(Abi::I386, &scripts), n);
}
