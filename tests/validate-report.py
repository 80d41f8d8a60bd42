#!/usr/bin/python3
"""Validate a report written by `runway check --format ...` with real parsers.

    validate-report.py junit FILE    xmllint --noout --schema fixtures/schemas/junit.xsd FILE
    validate-report.py sarif FILE    JSON Schema validation against fixtures/schemas/sarif-2.1.0.json
                                     (the draft the schema declares: draft-04), with the
                                     formats Debian's jsonschema checks for draft-04 ("uri"
                                     yes; "date-time" and "uri-reference" are not checked)
    validate-report.py json FILE     the file parses as JSON
    validate-report.py github FILE   every non-empty line is a GitHub workflow command
                                     ::error|warning|notice file=F,line=N[,col=N,...]::MESSAGE
                                     with GitHub's escaping (see check_github)
    validate-report.py selftest      runs every example in fixtures/schemas/examples/:
                                     valid-* must pass, invalid-* must fail

FILE may be '-' for standard input. Exit 0 when valid, 1 when not (the reasons on
stderr), 2 on a usage error or a missing tool. Run it with Debian's /usr/bin/python3
(python3-jsonschema); xmllint comes from libxml2-utils.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "fixtures", "schemas")
JUNIT_XSD = os.path.join(SCHEMAS, "junit.xsd")
SARIF_SCHEMA = os.path.join(SCHEMAS, "sarif-2.1.0.json")
EXAMPLES = os.path.join(SCHEMAS, "examples")

MAX_ERRORS = 20


class Invalid(Exception):
    """The report is not valid; args[0] is a list of reasons."""


class Usage(Exception):
    pass


def read_bytes(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def load_json(path):
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid([f"not UTF-8: {e}"])
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise Invalid([f"not JSON: {e}"])


# ---- junit --------------------------------------------------------------------


def check_junit(path):
    if path == "-":
        # xmllint reads '-' itself, but keep stdin handling in one place
        with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as tmp:
            tmp.write(read_bytes("-"))
        try:
            return check_junit(tmp.name)
        finally:
            os.unlink(tmp.name)
    try:
        p = subprocess.run(
            ["xmllint", "--noout", "--nonet", "--schema", JUNIT_XSD, path],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise Usage("xmllint not found (apt-get install libxml2-utils)")
    if p.returncode != 0:
        msg = (p.stderr or p.stdout).strip().splitlines()
        raise Invalid(msg or [f"xmllint exited {p.returncode}"])


# ---- sarif --------------------------------------------------------------------


def check_sarif(path):
    try:
        import jsonschema
        from jsonschema import validators
    except ImportError:
        raise Usage("python3-jsonschema is not installed (use Debian's /usr/bin/python3)")
    with open(SARIF_SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    doc = load_json(path)
    # the validator of the draft the schema declares ($schema: draft-04)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    checker = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.FormatChecker()
    v = cls(schema, format_checker=checker)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        out = []
        for e in errors[:MAX_ERRORS]:
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            out.append(f"{where}: {e.message}")
            # anyOf/oneOf: say which branch came closest
            for sub in sorted(e.context or [], key=lambda s: list(s.absolute_path))[:3]:
                w = "/".join(str(p) for p in sub.absolute_path) or "(root)"
                out.append(f"    {w}: {sub.message}")
        if len(errors) > MAX_ERRORS:
            out.append(f"... {len(errors) - MAX_ERRORS} more")
        raise Invalid(out)


# ---- json ---------------------------------------------------------------------


def check_json(path):
    load_json(path)


# ---- github -------------------------------------------------------------------
#
# GitHub's workflow commands (docs: "Workflow commands for GitHub Actions",
# and @actions/core's command.ts): a line
#   ::COMMAND k=v,k=v::MESSAGE
# where the message escapes % -> %25, \r -> %0D, \n -> %0A, and each property
# value additionally : -> %3A and , -> %2C. The annotation commands are error,
# warning and notice; their properties are file, line, endLine, col,
# endColumn and title. runway's findings must name the file and line.

COMMANDS = ("error", "warning", "notice")
PROPS = ("file", "line", "endLine", "col", "endColumn", "title")
REQUIRED = ("file",)  # GitHub shows a file-level annotation when line is absent
NUMERIC = ("line", "endLine", "col", "endColumn")
MSG_BAD_PCT = re.compile(r"%(?!25|0D|0A)")
PROP_BAD_PCT = re.compile(r"%(?!25|0D|0A|3A|2C)")


def check_github_line(line):
    """Reasons why LINE (without its \\n) is not a valid annotation; [] if valid."""
    # parsed as the Actions runner does: "::", the command and its properties
    # up to the next "::", then the message
    end = line.find("::", 2) if line.startswith("::") else -1
    if end < 0:
        return ["not a workflow command '::error|warning|notice file=...,line=...::message'"]
    head, msg = line[2:end], line[end + 2 :]
    cmd, sep, props_text = head.partition(" ")
    if not sep:
        props_text = None
    bad = []
    if cmd not in COMMANDS:
        bad.append(f"command '{cmd}' is not one of {', '.join(COMMANDS)}")
    seen = {}
    if props_text is not None:
        if props_text == "":
            bad.append("empty property list after the command")
        else:
            for item in props_text.split(","):
                if "=" not in item:
                    bad.append(f"property '{item}' has no '=' (a raw ',' in a value must be %2C)")
                    continue
                k, v = item.split("=", 1)
                if k not in PROPS:
                    bad.append(f"unknown property '{k}' (known: {', '.join(PROPS)})")
                if k in seen:
                    bad.append(f"property '{k}' given twice")
                seen[k] = v
                if ":" in v:
                    bad.append(f"property '{k}' has a raw ':' (must be %3A)")
                if "\r" in v:
                    bad.append(f"property '{k}' has a raw CR (must be %0D)")
                if PROP_BAD_PCT.search(v):
                    bad.append(f"property '{k}' has a '%' that is not %25, %0D, %0A, %3A or %2C")
                if k in NUMERIC and not re.fullmatch(r"[1-9][0-9]*", v):
                    bad.append(f"property '{k}={v}' is not a positive integer")
                if k == "file" and v == "":
                    bad.append("property 'file' is empty")
    for k in REQUIRED:
        if k not in seen:
            bad.append(f"property '{k}' is missing")
    if msg == "":
        bad.append("empty message")
    if "\r" in msg:
        bad.append("message has a raw CR (must be %0D)")
    if MSG_BAD_PCT.search(msg):
        bad.append("message has a '%' that is not %25, %0D or %0A")
    return bad


def check_github(path):
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid([f"not UTF-8: {e}"])
    out = []
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip() == "":
            continue
        for reason in check_github_line(line):
            out.append(f"line {i}: {reason}: {line[:120]!r}")
            if len(out) >= MAX_ERRORS:
                raise Invalid(out + ["... (stopped)"])
    if out:
        raise Invalid(out)


CHECKS = {"junit": check_junit, "sarif": check_sarif, "json": check_json, "github": check_github}
EXT = {"junit": ".xml", "sarif": ".sarif", "json": ".json", "github": ".github"}


# ---- selftest -----------------------------------------------------------------


def selftest():
    """Every examples/valid-*.EXT must pass and every examples/invalid-*.EXT fail."""
    if not os.path.isdir(EXAMPLES):
        raise Usage(f"no examples in {EXAMPLES}")
    passed = failed = 0
    for name in sorted(os.listdir(EXAMPLES)):
        kind = next((k for k, e in EXT.items() if name.endswith(e)), None)
        if kind is None or not name.startswith(("valid-", "invalid-")):
            continue
        want_valid = name.startswith("valid-")
        try:
            CHECKS[kind](os.path.join(EXAMPLES, name))
            got_valid, why = True, []
        except Invalid as e:
            got_valid, why = False, e.args[0]
        ok = got_valid == want_valid
        passed += ok
        failed += not ok
        first = f" ({why[0]})" if why else ""
        print(f"{'ok  ' if ok else 'FAIL'} {kind:6} {name}: {'valid' if got_valid else 'invalid'}{first}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) != 3 or argv[1] not in CHECKS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kind, path = argv[1], argv[2]
    try:
        CHECKS[kind](path)
    except Invalid as e:
        for reason in e.args[0]:
            print(f"validate-report: {path}: {kind}: {reason}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"validate-report: {path}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Usage as e:
        print(f"validate-report: {e}", file=sys.stderr)
        sys.exit(2)
