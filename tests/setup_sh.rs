//! setup.sh decides whether to install libclang-dev by what bindgen actually loads: a
//! Debian 12 machine with only libclang-cpp14 (libclang-cpp.so.14, the C++ API library)
//! needs libclang-dev; one with libclang.so.1 or libclang-14.so.13 (libclang1-14) does not.
//! The check runs on fake directory trees, by sourcing the script for its functions.

use std::path::Path;
use std::process::Command;

fn setup_sh() -> String {
    format!("{}/setup.sh", env!("CARGO_MANIFEST_DIR"))
}

/// `packages_needed ROOT` of setup.sh on a fake tree holding `files`.
fn needed_with(files: &[&str]) -> Vec<String> {
    let root = tempfile::tempdir().expect("tempdir");
    for f in files {
        let p = root.path().join(f.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("dir")).expect("mkdir");
        std::fs::write(&p, b"").expect("touch");
    }
    let script = format!(
        "source '{}' && packages_needed '{}'",
        setup_sh(),
        root.path().display()
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env_remove("LIBCLANG_PATH")
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn needs_libclang(files: &[&str]) -> bool {
    needed_with(files).iter().any(|p| p == "libclang-dev")
}

#[test]
fn only_libclang_cpp_means_libclang_dev_is_needed() {
    // What Debian 12's libclang-cpp14 installs (the library and the llvm-14 symlink).
    assert!(needs_libclang(&[
        "/usr/lib/x86_64-linux-gnu/libclang-cpp.so.14",
        "/usr/lib/llvm-14/lib/libclang-cpp.so.14",
    ]));
    assert!(needs_libclang(&[]));
    // Static archives and other clang libraries are not libclang either.
    assert!(needs_libclang(&[
        "/usr/lib/llvm-14/lib/libclangAST.a",
        "/usr/lib/llvm-14/lib/libclang-cpp.so",
    ]));
}

#[test]
fn a_loadable_libclang_means_nothing_more_to_install() {
    assert!(!needs_libclang(&["/usr/lib/llvm-14/lib/libclang.so.1"]));
    // Debian 12's libclang1-14 without the -dev package.
    assert!(!needs_libclang(&[
        "/usr/lib/x86_64-linux-gnu/libclang-14.so.13",
        "/usr/lib/x86_64-linux-gnu/libclang-cpp.so.14",
    ]));
    assert!(!needs_libclang(&["/usr/local/lib/libclang.so"]));
}

#[test]
fn dry_run_on_this_machine_runs_the_script_top_to_bottom() {
    let o = Command::new("bash")
        .arg(setup_sh())
        .arg("--dry-run")
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("nothing to install") || out.starts_with("would install: "),
        "{out}"
    );
    assert!(Path::new(&setup_sh()).is_file());
}
