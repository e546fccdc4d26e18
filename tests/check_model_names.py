#!/usr/bin/env python3
"""Fails when the machinery names a concrete model: a model is its folder under models/ plus one
line of models/registry.cc, and options/, io/, worker/, ps/ and eval/ stay the same when one is
added (docs/design.md, "A model is a plug-in").

usage: check_model_names.py SOURCE_DIR
       check_model_names.py --self-test   (a made-up tree that names a model must be caught)
What counts as naming one, in code (comments are left out): a model's --model name as a string
literal ("neumf"), its class (NeuMf), or an include of its folder (models/neumf/...). The models
are found where they declare themselves: MakeModelInfo<Class>("name", ...) under models/.
"""
import pathlib
import re
import sys
import tempfile

MACHINERY = ["options", "io", "worker", "ps", "eval"]
DECLARATION = re.compile(r'MakeModelInfo<(\w+)>\(\s*"([^"]+)"')
COMMENT = re.compile(r'//[^\n]*|/\*.*?\*/', re.DOTALL)


def models(root):
    names, classes, folders = set(), set(), set()
    for path in (root / "models").rglob("*.cc"):
        for cls, name in DECLARATION.findall(path.read_text()):
            names.add(name)
            classes.add(cls)
            if path.parent != root / "models":
                folders.add(path.parent.relative_to(root).as_posix())
    return names, classes, folders


def violations(root):
    names, classes, folders = models(root)
    patterns = [(re.compile(r'"%s"' % re.escape(name)), "names --model " + name) for name in names]
    patterns += [(re.compile(r'\b%s\b' % re.escape(cls)), "names the class " + cls) for cls in classes]
    patterns += [(re.compile(r'#\s*include\s+"%s/' % re.escape(folder)), "includes " + folder) for folder in folders]
    found = []
    for layer in MACHINERY:
        for path in sorted((root / layer).rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            text = path.read_text()
            code = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
            for pattern, what in patterns:
                for match in pattern.finditer(code):
                    line = code.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(root)}:{line}: {what}")
    return found, names


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for folder in ["models/foo", *MACHINERY]:
            (root / folder).mkdir(parents=True)
        (root / "models/foo/foo.cc").write_text('ModelInfo FooInfo() { return MakeModelInfo<Foo>("foo", "x", {}, {}); }\n')
        (root / "eval/clean.cc").write_text('// "foo" in a comment is fine\nint a = 1;\n')
        assert violations(root)[0] == [], violations(root)
        (root / "worker/bad.cc").write_text('#include "models/foo/foo.h"\nbool f(const std::string& m) { return m == "foo"; }\nFoo* g;\n')
        found = violations(root)[0]
        assert len(found) == 3, found
    print("self-test passed: a literal name, a class and an include are caught")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    root = pathlib.Path(sys.argv[1])
    found, names = violations(root)
    if len(names) < 2:
        sys.exit(f"found {len(names)} models under {root}/models: is this the source tree?")
    for line in found:
        print(line)
    if found:
        sys.exit(f"{len(found)} place(s) in {', '.join(MACHINERY)} name a concrete model")
    print(f"none of {', '.join(MACHINERY)} names any of {len(names)} models ({', '.join(sorted(names))})")


if __name__ == "__main__":
    main()
