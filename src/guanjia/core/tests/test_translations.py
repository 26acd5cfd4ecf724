"""Chinese is the default language: every message the project writes has a Chinese translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from guanjia.core.compilemo import LOCALE_DIR

PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
SRC = LOCALE_DIR.parent


def test_every_entry_is_translated() -> None:
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue if not e.translated() or e.fuzzy]
    assert missing == []
    assert len(catalogue) > 100


def test_compiled_catalogue_matches_source() -> None:
    po = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO)) if not e.msgid_plural}
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    stale = {key: value for key, value in po.items() if mo.get(key) != value}
    assert stale == {}, "run `make messages` to recompile the catalogue"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_no_message_in_the_code_lacks_a_translation(tmp_path: Path) -> None:
    """Extract the messages afresh into a copy of the tree: nothing new may be untranslated."""
    tree = tmp_path / "guanjia"
    shutil.copytree(
        SRC, tree, ignore=shutil.ignore_patterns("__pycache__", "tests", "testing", "*.mo")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "--settings",
            "guanjia.settings",
        ],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = sorted(e.msgid for e in fresh if not e.translated() or e.fuzzy)
    assert untranslated == []
