//! Shell completions and man pages come from the same clap definitions as parsing: every
//! subcommand that `gpuplan --help` lists is in the bash, zsh and fish scripts and has a man
//! page.

use std::process::Command;

fn gpuplan(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .output()
        .expect("run gpuplan");
    assert!(
        o.status.success(),
        "gpuplan {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8")
}

/// The subcommands `--help` lists (the clap help renderer, not the completion generators).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_lists_the_new_commands() {
    let subs = subcommands(&gpuplan(&["--help"]));
    for c in ["plan", "report", "completions", "man", "init", "ingest"] {
        assert!(subs.iter().any(|s| s == c), "{c} missing from {subs:?}");
    }
}

#[test]
fn completions_mention_every_subcommand() {
    let subs = subcommands(&gpuplan(&["--help"]));
    let nested = subcommands(&gpuplan(&["ingest", "--help"]));
    assert_eq!(nested, ["focus"]);
    for shell in ["bash", "zsh", "fish"] {
        let script = gpuplan(&["completions", shell]);
        assert!(script.len() > 1000, "{shell}: a short script");
        for s in subs.iter().chain(&nested) {
            assert!(script.contains(s.as_str()), "{shell} completion lacks {s}");
        }
        // Flags of a subcommand too, e.g. report's --compare and the global --quiet.
        assert!(
            script.contains("compare") && script.contains("quiet"),
            "{shell}"
        );
    }
    let bash = gpuplan(&["completions", "bash"]);
    assert!(
        bash.contains("complete -F _gpuplan"),
        "bash registers a completion function"
    );
    let fish = gpuplan(&["completions", "fish"]);
    assert!(
        fish.contains("complete -c gpuplan"),
        "fish completes the gpuplan command"
    );
}

#[test]
fn man_page_lists_every_subcommand_and_writes_one_page_each() {
    let subs = subcommands(&gpuplan(&["--help"]));
    let page = gpuplan(&["man"]);
    assert!(page.contains(".TH gpuplan 1"), "the top-level page");
    let section = &page[page.find(".SH SUBCOMMANDS").expect("SUBCOMMANDS section")..];
    for s in &subs {
        // roff escapes hyphens: gpuplan\-plan(1).
        assert!(
            section.contains(&format!("gpuplan\\-{}(1)", s.replace('-', "\\-"))),
            "man page lacks {s}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    gpuplan(&["man", "--out", dir.path().to_str().expect("path")]);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"gpuplan.1".to_string()));
    assert!(names.contains(&"gpuplan-ingest-focus.1".to_string()));
    for s in &subs {
        let f = format!("gpuplan-{s}.1");
        assert!(names.contains(&f), "no {f} in {names:?}");
        let text = std::fs::read_to_string(dir.path().join(&f)).expect("page");
        assert!(
            text.contains(&format!(".TH gpuplan-{s} 1")) && text.contains("\"gpuplan 0."),
            "{f} is not a man page of gpuplan"
        );
        assert!(
            text.contains(".SH OPTIONS") || s == "help",
            "{f} has no options"
        );
    }
    // No temporary file left behind: every page was renamed into place.
    assert!(names.iter().all(|n| n.ends_with(".1")), "{names:?}");
}
