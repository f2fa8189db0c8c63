#!/usr/bin/env python3
"""Lists non-test functions in src/ longer than a limit (default 120 lines).

Usage: .ci/long_functions.py [LIMIT]   (exit 1 when any is found)
A function's length is counted from its `fn` line to its closing brace; code inside
`#[cfg(test)] mod tests` blocks is skipped.
"""
import pathlib, re, sys

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 120
root = pathlib.Path(__file__).resolve().parent.parent / "src"
fn_re = re.compile(r"^\s*(pub(\([a-z]+\))?\s+)?(const\s+)?(async\s+)?fn\s+(\w+)")
found = []
for path in sorted(root.rglob("*.rs")):
    lines = path.read_text().splitlines()
    i = 0
    in_tests = False
    while i < len(lines):
        line = lines[i]
        if line.strip() == "#[cfg(test)]":
            # skip the following item (a test module) by brace matching
            j = i + 1
            depth = 0
            started = False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                if "{" in lines[j]:
                    started = True
                if started and depth <= 0:
                    break
                j += 1
            i = j + 1
            continue
        m = fn_re.match(line)
        if m:
            depth = 0
            started = False
            j = i
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                if "{" in lines[j]:
                    started = True
                if started and depth <= 0:
                    break
                if not started and lines[j].rstrip().endswith(";"):
                    break
                j += 1
            n = j - i + 1
            if started and n > limit:
                found.append((n, f"{path.relative_to(root.parent)}:{i + 1}", m.group(5)))
        i += 1
for n, where, name in sorted(found, reverse=True):
    print(f"{n:5} {where} {name}")
sys.exit(1 if found else 0)
