#!/usr/bin/env python3
"""Fails when a source file includes a header of a layer its own layer may not use.

usage: check_layers.py SOURCE_DIR LAYERS_FILE
       check_layers.py --self-test   (a violation in a made-up tree must be caught)
LAYERS_FILE is written by CMakeLists.txt from its AMPCF_LAYERS table ("layer: used layers"),
the one statement of the allowed graph; a layer may use what its used layers use.
Every .h/.cc under a layer's folder belongs to that layer; tests/ and bench/ may use any layer.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def read_graph(path):
    graph = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if line.strip():
            layer, _, uses = line.partition(":")
            graph[layer.strip()] = uses.split()
    return graph


def closure(graph, layer, seen=None):
    seen = set() if seen is None else seen
    for used in graph[layer]:
        if used not in seen:
            seen.add(used)
            closure(graph, used, seen)
    return seen


def violations(root, graph):
    allowed = {layer: closure(graph, layer) | {layer} for layer in graph}
    problems = []
    for path in sorted(root.glob("*/**/*")):
        if path.suffix not in (".h", ".cc") or "build" in path.relative_to(root).parts[0]:
            continue
        top = path.relative_to(root).parts[0]
        if top in ("tests", "bench"):
            continue
        if top not in graph:
            problems.append(f"{path.relative_to(root)}: not in a layer folder ({', '.join(graph)})")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1).split("/")[0]
            if target in graph and target not in allowed[top]:
                problems.append(f"{path.relative_to(root)}:{number}: layer '{top}' may not include "
                                f"{match.group(1)} (layer '{target}'; '{top}' may use: "
                                f"{', '.join(sorted(allowed[top] - {top})) or 'nothing'})")
    return problems


def self_test():
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(folder)
        (root / "core").mkdir()
        (root / "worker").mkdir()
        (root / "core" / "a.h").write_text('#include "core/b.h"\n')
        (root / "worker" / "w.cc").write_text('#include "core/a.h"\n')
        graph = {"core": [], "worker": ["core"]}
        assert violations(root, graph) == [], "an allowed include was flagged"
        (root / "core" / "bad.cc").write_text('#include "worker/w.h"\n')
        (root / "stray").mkdir()
        (root / "stray" / "s.cc").write_text("")
        found = violations(root, graph)
        assert len(found) == 2 and "core/bad.cc:1" in found[0] and "stray" in found[1], found
    print("layers self-test: a downward include passes, an upward one and a file outside the layers fail")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    problems = violations(pathlib.Path(sys.argv[1]), read_graph(sys.argv[2]))
    for problem in problems:
        print(problem)
    print(f"layers: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
