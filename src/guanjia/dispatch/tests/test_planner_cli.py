"""`guanjia dispatch-plan FILE`: input checks, and the command end to end from a bare directory."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guanjia.dispatch.plan_io import PlanInputError, dispatch_plan_main, parse_problem

VALID: dict[str, object] = {
    "service_minutes": 30,
    "speed_m_per_min": 80,
    "workers": [
        {"id": "w1", "skills": ["repair.light"], "x": 0, "y": 0, "open_orders": 1, "capacity": 3},
        {"id": 2, "skills": ["repair.light", "clean.corridor"], "x": 500, "y": 0,
         "open_orders": 0, "capacity": 1},
    ],
    "orders": [
        {"id": "a", "category": "repair.light", "x": 10, "y": 0, "priority": 1},
        {"id": 7, "category": "repair.light", "x": 490, "y": 0, "priority": 3},
        {"id": "c", "category": "clean.corridor", "x": 400, "y": 0, "priority": 1},
        {"id": "d", "category": "gas", "x": 400, "y": 0, "priority": 1},
    ],
}  # fmt: skip

EXPECTED = {
    # Worker 2 can take one order: "c" (nobody else can) beats the cheaper 7 next door.
    "assignments": [{"order": 7, "worker": "w1"}, {"order": "a", "worker": "w1"},
                    {"order": "c", "worker": 2}],
    "unassigned": ["d"],
    "cost": 169.75,
}  # fmt: skip


def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = dispatch_plan_main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def with_change(path: list[str | int], value: object, *, delete: bool = False) -> object:
    doc = copy.deepcopy(VALID)
    target: object = doc
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    if delete:
        del target[path[-1]]  # type: ignore[union-attr,arg-type]
    else:
        target[path[-1]] = value  # type: ignore[index]
    return doc


@pytest.mark.parametrize(
    ("path", "value", "delete", "message"),
    [
        (["workers", 1, "capacity"], -1, False, "workers[1].capacity: must not be negative"),
        (["workers", 0, "capacity"], None, True, "workers[0].capacity: missing"),
        (["workers", 0, "open_orders"], "2", False, "workers[0].open_orders: must be a whole"),
        (["workers", 0, "open_orders"], 1.5, False, "workers[0].open_orders: must be a whole"),
        (["workers", 1, "id"], "w1", False, 'workers[1].id: duplicate id "w1"'),
        (["workers", 0, "id"], True, False, "workers[0].id: must be a string or a number"),
        (["workers", 0, "skills"], "repair.light", False, "workers[0].skills: must be an array"),
        (["workers", 0, "skills"], [1], False, "workers[0].skills[0]: must be a string"),
        (["workers", 0, "x"], "0", False, "workers[0].x: must be a number"),
        (["workers", 0], [], False, "workers[0]: must be an object"),
        (["orders", 3, "id"], 7.0, False, "orders[3].id: duplicate id 7.0"),
        (["orders", 1, "priority"], -1, False, "orders[1].priority: must be at least 0"),
        (["orders", 2, "category"], None, True, "orders[2].category: missing"),
        (["orders", 0, "y"], None, False, "orders[0].y: must be a number, not null"),
        (["orders"], {}, False, "orders: must be an array"),
        (["speed_m_per_min"], 0, False, "speed_m_per_min: must be greater than 0"),
        (["orders", 0, "x"], 10**400, False, "orders[0].x: must be a finite number no larger"),
        (["orders", 0, "x"], -2e9, False, "orders[0].x: must be a finite number no larger"),
        (["workers", 0, "capacity"], 10**30, False, "workers[0].capacity: must be at most 1e+09"),
        (["service_minutes"], None, True, "service_minutes: missing"),
    ],
)
def test_bad_input_names_the_place(
    path: list[str | int], value: object, delete: bool, message: str
) -> None:
    with pytest.raises(PlanInputError) as caught:
        parse_problem(with_change(path, value, delete=delete))
    assert message in str(caught.value)


def test_the_document_must_be_an_object() -> None:
    with pytest.raises(PlanInputError, match="document: must be an object"):
        parse_problem([])


def test_same_id_as_string_and_number_are_different_orders() -> None:
    doc = with_change(["orders", 0, "id"], "7")
    assert len(parse_problem(doc).orders) == 4


def test_main_prints_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(VALID))
    code, out, err = run_main([str(path)])
    assert (code, err) == (0, "")
    assert json.loads(out) == EXPECTED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "invalid JSON at line 1 column 2"),
        ('{"service_minutes": NaN}', "NaN is not a number JSON allows"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_main_refuses_bad_files(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "plan.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, out, err = run_main([str(path)])
    assert code == 2
    assert out == ""
    assert message in err


def test_main_refuses_a_missing_file(tmp_path: Path) -> None:
    code, out, err = run_main([str(tmp_path / "missing.json")])
    assert code == 2
    assert out == ""
    assert "missing.json: cannot read" in err


def test_main_usage_errors() -> None:
    code, out, err = run_main([])
    assert code == 2 and out == "" and "expected exactly one FILE" in err
    code, out, err = run_main(["a.json", "b.json"])
    assert code == 2 and out == ""
    code, out, _ = run_main(["--help"])
    assert code == 0 and "usage: guanjia dispatch-plan FILE" in out


def guanjia(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    # Run as the installed command would, without the test run's Django settings in the
    # environment, from a directory with no var/.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["GUANJIA_VAR_DIR"] = str(cwd / "var")
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-c", "from guanjia.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_command_end_to_end_from_a_bare_directory(tmp_path: Path) -> None:
    path = tmp_path / "backlog.json"
    path.write_text(json.dumps(VALID), encoding="utf-8")

    done = guanjia(["dispatch-plan", str(path)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == EXPECTED  # exactly one document, nothing after it
    assert done.stderr == ""

    done = guanjia(["dispatch-plan", "-"], cwd=tmp_path, stdin=json.dumps(VALID))
    assert done.returncode == 0
    assert json.loads(done.stdout) == EXPECTED

    bad = with_change(["workers", 1, "capacity"], -3)
    done = guanjia(["dispatch-plan", "-"], cwd=tmp_path, stdin=json.dumps(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "workers[1].capacity: must not be negative" in done.stderr

    # Django's settings were never imported: no var/, no secret key.
    assert not (tmp_path / "var").exists()


def test_django_command_runs_the_same_planner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(VALID))
    call_command("dispatch-plan", str(path))
    assert json.loads(capsys.readouterr().out) == EXPECTED
