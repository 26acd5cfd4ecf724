"""Where Guanjia keeps its data (database, media, keys)."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _project_root() -> Path:
    # In a source checkout (src/guanjia inside a repo with pyproject.toml) the data lives under the
    # repo root, whatever the current directory; an installed package falls back to the cwd.
    candidate = PACKAGE_DIR.parent.parent
    if (candidate / "pyproject.toml").exists() and (candidate / "src" / "guanjia").is_dir():
        return candidate
    return Path.cwd()


PROJECT_ROOT = _project_root()
VAR_DIR = Path(os.environ.get("GUANJIA_VAR_DIR", PROJECT_ROOT / "var"))
