"""What the browser test needs, found or installed: Debian's chromium and CJK fonts.

`pytest` alone must work on a fresh Debian machine, so when they are missing and we may
(root, or passwordless sudo, with apt-get) they are installed once; otherwise the report
test fails with the command to run. It is never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from typing import Any

PACKAGES = ("chromium", "fonts-noto-cjk")
_FONTCONFIG_VARS = ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")


class BrowserMissing(RuntimeError):
    pass


def missing(path: str | None = None) -> list[str]:
    """The Debian packages whose programs or fonts are not found on `path` (default PATH)."""
    out = []
    if shutil.which("chromium", path=path) is None:
        out.append("chromium")
    fc = shutil.which("fc-list", path=path)
    fonts = ""
    if fc is not None:
        # The system's fonts, not a test's own fontconfig (test_report_zh narrows it to show
        # boxes): whichever test asks first, the packages are judged the same.
        env = {k: v for k, v in os.environ.items() if k not in _FONTCONFIG_VARS}
        fonts = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, check=False,
                               env=env).stdout
    if not fonts.strip():
        out.append("fonts-noto-cjk")
    return out


def ensure_browser(path: str | None = None, run: Callable[..., Any] = subprocess.run, uid: int | None = None) -> str:
    """The chromium to use; installs the missing packages with apt-get when allowed."""
    need = missing(path)
    if need:
        apt = shutil.which("apt-get", path=path)
        root = (os.geteuid() if uid is None else uid) == 0
        sudo = not root and shutil.which("sudo", path=path) is not None and run(
            ["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
        hint = f"apt-get install -y {' '.join(PACKAGES)}"
        if apt is None or not (root or sudo):
            raise BrowserMissing(f"the report test needs {', '.join(need)} and cannot install it here "
                                 f"(needs root and apt-get): run `{hint}` as root, then pytest again")
        prefix = [] if root else ["sudo", "-n"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", *PACKAGES]):
            done = run([*prefix, *cmd], env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise BrowserMissing(f"`{' '.join(cmd)}` failed ({done.returncode}): {str(done.stderr)[-400:]}")
        still = missing(path)
        if still:
            raise BrowserMissing(f"{', '.join(still)} still missing after `{hint}`")
    found = shutil.which("chromium", path=path)
    assert found is not None
    return found


@cache
def chromium() -> str:
    """The browser for this test session (found or installed once)."""
    return ensure_browser()


if __name__ == "__main__":
    print(chromium())
