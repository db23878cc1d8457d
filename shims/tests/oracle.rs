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

/// The file steps' ownership rows against the kernel (SCRIPT.md "File
/// steps", tests/credprobe/src/fsmodel.rs): `chown_common` and the argument
/// checks of the chown and stat families over an in-memory fixture. The
/// creation, rename and link steps and statx are not modelled (their
/// answers are the VFS's, which credshim leaves to the kernel): they are
/// checked against real root under credshim only (tests/tracer_oracle.rs).
fn file_oracle(abi: Abi, scripts: &[String]) -> usize {
    require_root("the kernel oracle");
    let probe = Probe::build(abi).expect("the probe builds");
    let init = initial(&probe);
    let interp = Interp { abi };
    let kernel = |s: &[String]| probe.batch(&[], s, TIMEOUT);
    let model = |s: &[String]| Ok(s.iter().map(|x| credprobe::fsmodel::run(&interp, &init, x)).collect());
    match compare(scripts, &kernel, &model, 500) {
        Ok(n) => n,
        Err(report) => panic!("the file model differs from the kernel ({abi:?}):\n{report}"),
    }
}

/// The hand-written file cases whose every step the model knows.
fn modelled_file_cases() -> Vec<String> {
    let all = credprobe::file_cases();
    let known = |s: &String| {
        credprobe::script::steps(s).iter().all(|w| {
            credprobe::fsmodel::Model::knows(w) || !matches!(w[0].as_str(), "fork" | "exec" | "thread")
                    && Abi::X86_64.by_name(&w[0]).is_some_and(|r| !r.shim.is_ownership())
        })
    };
    let cases: Vec<String> = all.iter().filter(|s| known(s)).cloned().collect();
    eprintln!("file model: {} of {} hand-written file cases have only modelled steps", cases.len(), all.len());
    cases
}

#[test]
fn file_model_hand_written_cases_match_the_kernel() {
    let cases = modelled_file_cases();
    assert!(cases.len() >= 20, "only {} modelled file cases", cases.len());
    for abi in [Abi::X86_64, Abi::I386] {
        assert_eq!(file_oracle(abi, &cases), cases.len());
        eprintln!("file model: {} hand-written scripts ({abi:?}): 0 mismatches", cases.len());
    }
}

/// CREDSHIM_FILE_MODEL_SCRIPTS (default 1000) random scripts of the
/// modelled file steps with drops, per ABI.
#[test]
fn file_model_random_scripts_match_the_kernel() {
    let n = env_num("CREDSHIM_FILE_MODEL_SCRIPTS", 1000) as usize;
    let seed = env_num("CREDSHIM_ORACLE_SEED", 0x5eed_c0de) ^ 0xf0de1;
    for abi in [Abi::X86_64, Abi::I386] {
        let mut rng = Rng::new(seed);
        let opts = gen::FileOpts { legacy16: abi == Abi::I386, ..Default::default() };
        let scripts: Vec<String> = (0..n).map(|_| gen::owner_script(&mut rng, &opts)).collect();
        assert_eq!(file_oracle(abi, &scripts), n);
        eprintln!("file model: {n} random scripts ({abi:?}): 0 mismatches");
    }
}
