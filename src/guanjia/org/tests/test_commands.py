"""`guanjia import-org`: one JSON document on stdout, reasons on stderr, all or nothing."""

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from guanjia.org.models import Building, Community, Compound, Department, Household, Street, Unit

DATA = Path(__file__).parent / "data"
ORG_MODELS = (Street, Community, Compound, Building, Unit, Household, Department)


def org_rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ORG_MODELS}


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import-org", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_json(*args: str) -> dict[str, Any]:
    stdout, _stderr = run(*args, "--json")
    # json.loads refuses anything after the document: exactly one document on stdout.
    document: dict[str, Any] = json.loads(stdout)
    return document


def failure(*args: str) -> tuple[str, str]:
    """(stdout, the error text) of a run that must fail."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc_info:
        call_command("import-org", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), str(exc_info.value)


def test_json_file_prints_one_document(db: None) -> None:
    stdout, stderr = run(str(DATA / "org-hubin.json"), "--json")

    document = json.loads(stdout)
    assert stdout.count("\n") == 1  # one line, nothing after it
    assert document["street"] == {
        "code": "hb",
        "name": "湖滨街道",
        "created": True,
        "updated": False,
    }
    assert document["communities"] == {"created": 2, "updated": 0, "unchanged": 0, "kept": 0}
    assert document["compounds"]["created"] == 3
    assert document["buildings"]["created"] == 6
    assert document["units"]["created"] == 11
    assert document["dry_run"] is False
    assert "org-hubin.json" in stderr  # progress goes to stderr


def test_reimport_creates_nothing(db: None) -> None:
    run_json(str(DATA / "org-hubin.json"))

    document = run_json(str(DATA / "org-hubin.json"))

    assert document["street"]["created"] is False
    for level in ("communities", "compounds", "buildings", "units"):
        assert document[level]["created"] == 0
        assert document[level]["updated"] == 0
    assert document["units"]["unchanged"] == 11


def test_csv_with_two_streets_lists_them(db: None) -> None:
    document = run_json(str(DATA / "org-two-streets.csv"))

    assert "street" not in document
    assert [(s["code"], s["name"]) for s in document["streets"]] == [
        ("wangjiang", "望江街道"),
        ("qb", "清波街道"),
    ]
    assert document["units"]["created"] == 6


def test_xlsx(db: None, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["街道", "街道编码", "社区", "小区", "别名", "楼栋", "单元", "经度", "纬度"])
    place = ["南星街道", "nanxing", "馒头山社区", "馒头山小区", "馒头山"]
    for building in range(1, 4):
        for unit in range(1, 3):
            sheet.append([*place, f"{building}幢", f"{unit}单元", 120.1701, 30.2302])
    path = tmp_path / "南星.xlsx"
    workbook.save(path)

    document = run_json(str(path))

    assert document["street"]["code"] == "nanxing"
    assert document["buildings"]["created"] == 3
    assert document["units"]["created"] == 6
    assert Compound.objects.get(name="馒头山小区").aliases == ["馒头山"]


def test_summary_without_json(db: None) -> None:
    stdout, _stderr = run(str(DATA / "org-hubin.json"))

    assert stdout.splitlines()[0] == "New street 湖滨街道, code hb"
    assert "  units: 11 created, 0 updated, 0 unchanged, 0 kept (not in the file)" in stdout

    stdout, _stderr = run(str(DATA / "org-hubin.json"))
    assert stdout.splitlines()[0] == "Street 湖滨街道 (code hb) found"
    assert "  units: 0 created, 0 updated, 11 unchanged, 0 kept (not in the file)" in stdout


def test_malformed_file_imports_nothing(db: None) -> None:
    run_json(str(DATA / "org-two-streets.csv"))
    before = org_rows()

    stdout, error = failure(str(DATA / "org-broken.json"), "--json")

    assert stdout == ""
    assert "line 5, column " in error
    assert org_rows() == before


def test_invalid_file_names_each_place(db: None) -> None:
    before = org_rows()

    stdout, error = failure(str(DATA / "org-invalid.json"))

    assert stdout == ""
    assert org_rows() == before
    assert error.splitlines()[0] == "org-invalid.json: 8 problem(s) found, nothing was imported."
    assert "  - communities[0].compounds[0].latitude: out of range" in error
    assert "  - communities[0].compounds[0].buildings[1].name: duplicate building 1幢" in error


def test_at_most_twenty_errors_are_listed(db: None, tmp_path: Path) -> None:
    rows = "".join(f"湖滨街道,东坡路社区,小区{i},1幢,1单元,999,0\n" for i in range(25))
    path = tmp_path / "org.csv"
    path.write_text("街道,社区,小区,楼栋,单元,经度,纬度\n" + rows, "utf-8")

    _stdout, error = failure(str(path))

    lines = error.splitlines()
    assert lines[1] == "  - row 2, column 经度: out of range: 999 is not between -180 and 180."
    assert len([line for line in lines if line.startswith("  - ")]) == 20
    assert lines[-1] == "  … and 5 more."


def test_unknown_file_type(db: None, tmp_path: Path) -> None:
    path = tmp_path / "org.xls"
    path.write_bytes(b"")

    _stdout, error = failure(str(path))

    assert "unknown file type '.xls'" in error


def test_dry_run_writes_nothing_and_counts_what_it_would_do(db: None) -> None:
    before = org_rows()

    document = run_json(str(DATA / "org-hubin.json"), "--dry-run")

    assert document["dry_run"] is True
    assert document["units"]["created"] == 11
    assert org_rows() == before

    stdout, _stderr = run(str(DATA / "org-hubin.json"), "--dry-run")
    assert "Dry run: nothing was written." in stdout
    assert org_rows() == before


def test_street_code_option(db: None) -> None:
    document = run_json(str(DATA / "org-hubin.json"), "--street-code", "hubin")

    assert document["street"]["code"] == "hubin"

    _stdout, error = failure(str(DATA / "org-two-streets.csv"), "--street-code", "x")
    assert "exactly one street; this one has 2" in error


def test_the_guanjia_command_finds_it() -> None:
    # Django finds commands by file name; "import-org.py" is not an importable module name.
    result = subprocess.run(
        [sys.executable, "-m", "guanjia", "import-org", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--street-code" in result.stdout
    assert "--dry-run" in result.stdout


def test_ambiguous_street_is_said_once(db: None) -> None:
    Street.objects.create(code="hubin-a", name="湖滨街道")
    Street.objects.create(code="hubin-b", name="湖滨街道")

    _stdout, error = failure(str(DATA / "org-hubin.json"))

    assert error == (
        "Several streets are named 湖滨街道 (hubin-a, hubin-b): give the street code in the "
        "file or with --street-code."
    )
