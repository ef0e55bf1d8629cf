"""The clinical safety hazard log names the tests that prove its controls: every test id
it names must exist, and every hazard must name at least one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.md"
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)(?:\[[^\]`]*\])?`")
HAZARD = re.compile(r"^### (HAZ-\d{2}):", re.MULTILINE)
REQUIRED_FIELDS = ("Cause", "Effect", "Severity", "Likelihood", "Risk", "Controls", "Evidence")


def defined_tests(path: Path) -> set[str]:
    """`test_x` and `TestClass::test_x` names defined in a test module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{member.name}")
    return names


def hazards(text: str) -> dict[str, str]:
    starts = [(m.group(1), m.start()) for m in HAZARD.finditer(text)]
    ends = [s for _, s in starts[1:]] + [len(text)]
    return {hid: text[start:end] for (hid, start), end in zip(starts, ends, strict=True)}


def test_every_test_id_in_the_hazard_log_exists() -> None:
    text = LOG.read_text(encoding="utf-8")
    ids = TEST_ID.findall(text)
    assert ids, "the hazard log names no tests"
    missing = []
    cache: dict[str, set[str]] = {}
    for file, name in ids:
        path = ROOT / file
        if not path.is_file():
            missing.append(f"{file}::{name} (no such file)")
            continue
        cache.setdefault(file, defined_tests(path))
        if not name.startswith("test") and "::test" not in name:
            missing.append(f"{file}::{name} (not a test name)")
        elif name not in cache[file]:
            missing.append(f"{file}::{name}")
    assert not missing, "hazard log names tests that do not exist:\n" + "\n".join(missing)


def test_every_hazard_has_its_fields_and_at_least_one_test() -> None:
    found = hazards(LOG.read_text(encoding="utf-8"))
    assert len(found) >= 10
    for hid, body in found.items():
        for field in REQUIRED_FIELDS:
            assert f"**{field}" in body, f"{hid} lacks {field}"
        assert TEST_ID.search(body), f"{hid} names no test proving its controls"


SEVERITIES = ("Minor", "Significant", "Considerable", "Major", "Catastrophic")
MATRIX = {
    "Very low": (1, 1, 2, 2, 3),
    "Low": (1, 2, 2, 3, 4),
    "Medium": (2, 2, 3, 3, 4),
    "High": (2, 3, 3, 4, 5),
    "Very high": (3, 4, 4, 5, 5),
}
INITIAL = re.compile(
    r"\*\*Severity:\*\* (\w+)\. \*\*Likelihood:\*\* ([\w ]+)\. \*\*Risk:\*\* (\d)\."
)
RESIDUAL = re.compile(r"\*\*Residual:\*\* (\w+), ([\w ]+): (\d)\.")
SUMMARY_ROW = re.compile(r"^\| (HAZ-\d{2}) \| .+ \| (\d) \| (\d) \|$", re.MULTILINE)


def test_risk_ratings_follow_the_matrix_and_the_summary_table() -> None:
    text = LOG.read_text(encoding="utf-8")
    table = {hid: (int(a), int(b)) for hid, a, b in SUMMARY_ROW.findall(text)}
    found = hazards(text)
    assert set(table) == set(found)
    for hid, body in found.items():
        initial, residual = INITIAL.search(body), RESIDUAL.search(body)
        assert initial and residual, hid
        rated = []
        for match in (initial, residual):
            severity, likelihood, risk = match.groups()
            expected = MATRIX[likelihood][SEVERITIES.index(severity)]
            assert int(risk) == expected, f"{hid}: {severity}/{likelihood} is {expected}"
            rated.append(int(risk))
        assert residual.group(1) == initial.group(1), f"{hid}: controls change likelihood"
        assert tuple(rated) == table[hid], f"{hid}: summary table disagrees"


def test_the_checker_rejects_a_missing_test() -> None:
    """The check is not vacuous: a made-up id is reported."""
    names = defined_tests(Path(__file__))
    assert "test_every_test_id_in_the_hazard_log_exists" in names
    assert "test_no_such_thing" not in names
    assert TEST_ID.findall("`tests/unit/x.py::test_y[case-1]`") == [("tests/unit/x.py", "test_y")]
