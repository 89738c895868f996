"""The markup checkers of the suite: the Nu Html Checker (vnu.jar, run with Java) and
axe-core (run in Chromium). Both are pinned here and present before the tests start:
axe-core is vendored beside this file; vnu.jar comes from the npm registry's `vnu-jar`
package, fetched once into the virtualenv by ``python -m tests.support.checkers``
(which `make test` runs). At test time nothing is downloaded.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VNU_VERSION = "26.9.27"
VNU_JAR = Path(sys.prefix) / "share" / "vnu" / f"vnu-{VNU_VERSION}.jar"
AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Problem:
    file: str  # the file's name, as given to the checker
    line: int | None
    message: str
    extract: str


def install_vnu() -> Path:
    """Put vnu.jar at ``VNU_JAR`` (from ``npm pack vnu-jar@VNU_VERSION``) unless it is there."""
    if VNU_JAR.exists():
        return VNU_JAR
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is missing: it fetches the Nu Html Checker (apt-get install npm)")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [npm, "pack", "--silent", f"vnu-jar@{VNU_VERSION}"],
            cwd=scratch,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (package,) = Path(scratch).glob("vnu-jar-*.tgz")
        with tarfile.open(package) as archive:
            member = archive.extractfile("package/build/dist/vnu.jar")
            assert member is not None
            jar = io.BytesIO(member.read())
    VNU_JAR.parent.mkdir(parents=True, exist_ok=True)
    partial = VNU_JAR.with_suffix(".part")
    partial.write_bytes(jar.getvalue())
    partial.replace(VNU_JAR)
    return VNU_JAR


def missing_tool() -> str | None:
    """Why vnu cannot run here, or None."""
    if shutil.which("java") is None:
        return "java is missing (apt-get install default-jre-headless): the Nu Html Checker needs it"
    if not VNU_JAR.exists():
        return f"{VNU_JAR} is missing: run `{sys.executable} -m tests.support.checkers` (make test does)"
    return None


def run_vnu(folder: Path) -> list[Problem]:
    """Every error the Nu Html Checker finds in the .html files of ``folder``, in one JVM."""
    java = shutil.which("java")
    assert java is not None
    result = subprocess.run(
        [
            java,
            "-Xss1024k",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--exit-zero-always",
            "--format",
            "json",
            "--skip-non-html",
            "--stdout",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    return [
        Problem(
            file=Path(message.get("url", "")).name,
            line=message.get("lastLine"),
            message=message.get("message", ""),
            extract=message.get("extract", "").strip(),
        )
        for message in report["messages"]
        if message.get("type") in ("error", "non-document-error")
    ]


if __name__ == "__main__":
    print(install_vnu())
