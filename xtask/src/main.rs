//! `cargo xtask bundle murmur --release`: builds the CLAP and VST3 bundles into `target/bundled/`.
//! `cargo xtask demo`: builds the bundles, then renders the 30 s binaural demo with the
//! `murmur` command line to `target/demo/murmur-demo.wav`.

use std::process::Command;

fn main() -> nice_plug_xtask::Result<()> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("demo") {
        return demo();
    }
    nice_plug_xtask::main()
}

fn demo() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main_with_args(
        "cargo xtask",
        ["bundle", "murmur", "--release"].map(String::from),
    )?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "run",
            "--release",
            "--bin",
            "murmur",
            "--",
            "demo",
            "--overwrite",
        ])
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!("rendering the demo failed ({status})")).into());
    }
    Ok(())
}
