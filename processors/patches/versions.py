"""The library versions the patches were verified against; a worker refuses to start on any other.

The patches override private methods, which a new release may rename or
change without notice: a worker on an unverified version could lose records
silently. To upgrade, run the tests the patches name (docs/patches.md) on the
new version, then change the pins here and in pyproject.toml together.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

VERIFIED_VERSIONS: dict[str, str] = {
    "faust-streaming": "0.15.3",
    "aiokafka": "0.14.0",
}


class UnverifiedVersionError(RuntimeError):
    """An installed library is not the version the patches were verified against."""


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None when it is not installed."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def verify_versions(installed: Callable[[str], str | None] = installed_version) -> None:
    """Raise :class:`UnverifiedVersionError` naming every library whose installed version was not verified."""
    wrong = {name: found for name, wanted in VERIFIED_VERSIONS.items() if (found := installed(name)) != wanted}
    if wrong:
        found_text = ", ".join(f"{name} {found or 'not installed'}" for name, found in wrong.items())
        wanted_text = ", ".join(f"{name}=={VERIFIED_VERSIONS[name]}" for name in wrong)
        raise UnverifiedVersionError(
            f"found {found_text}; the worker's patches of Faust and aiokafka (newsflow.processors.patches) were "
            f"verified only with {wanted_text}. Install the locked versions (make install), or verify the "
            "patches on the new versions first (docs/patches.md)."
        )
