fn main() {
    eprintln!("credshim: the tracer is not built yet; this build only carries the credential model");
    std::process::exit(125);
}
