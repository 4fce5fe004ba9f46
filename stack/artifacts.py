"""The Java services' jars, resolved from Maven Central with Maven itself.

Each service has a ``stack/maven/<service>/pom.xml`` that pins its version and
the overrides of vulnerable transitive dependencies. The jars are copied to
``<home>/lib/<service>``; Maven's own cache (~/.m2) makes a second clone warm.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from newsflow.stack.errors import StackError

MAVEN_DIR = Path(__file__).parent / "maven"


def pom_path(service: str) -> Path:
    return MAVEN_DIR / service / "pom.xml"


def ensure_jars(service: str, lib_dir: Path, log_dir: Path) -> Path:
    """Return the folder of ``service``'s jars, fetching them first if the pom changed."""
    pom = pom_path(service)
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    dest = (lib_dir / service).absolute()
    stamp = dest / ".pom-sha256"
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return dest

    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            "Maven (mvn) is not on PATH; it fetches the Kafka and Elasticsearch jars: apt-get install maven"
        )
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"maven-{service}.log"
    staging = (lib_dir / f".{service}.partial").absolute()
    shutil.rmtree(staging, ignore_errors=True)
    argv = [
        mvn, "-B", "-f", str(pom), "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
    ]  # fmt: skip
    with log_file.open("w") as log:
        result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise StackError(
            f"downloading the {service} jars from Maven Central failed (mvn exit {result.returncode})", log_file
        )
    (staging / ".pom-sha256").write_text(digest)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest


def classpath(jar_dir: Path) -> str:
    """All jars of a folder as a Java classpath, in a stable order."""
    return ":".join(str(p) for p in sorted(jar_dir.glob("*.jar")))
