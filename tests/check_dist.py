"""What ``python -m build`` made of the project: the wheel and the sdist in
``dist/`` (``make dist`` builds them, then runs this file).

Not collected with the suite (the name does not start with ``test_``): it needs
the built files. ``make dist`` runs it by name.
"""

from __future__ import annotations

import configparser
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

import aiohttpretty

ROOT = Path(__file__).parents[1]
DIST = ROOT / "dist"
VERSION = aiohttpretty.__version__
#: The package's files in the checkout: what the wheel must hold, and only these.
PACKAGE = sorted(
    path.relative_to(ROOT).as_posix()
    for path in (ROOT / "aiohttpretty").rglob("*")
    if path.is_file() and (path.suffix == ".py" or path.name == "py.typed")
)


def built(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {DIST} (make dist builds it), found {found}"
    return found[0]


@pytest.fixture(scope="module")
def wheel() -> zipfile.ZipFile:
    return zipfile.ZipFile(built(f"aiohttpretty-{VERSION}-py3-none-any.whl"))


@pytest.fixture(scope="module")
def sdist() -> tarfile.TarFile:
    return tarfile.open(built(f"aiohttpretty-{VERSION}.tar.gz"))


@pytest.fixture(scope="module")
def metadata(wheel: zipfile.ZipFile) -> Message:
    return Parser().parsestr(wheel.read(f"aiohttpretty-{VERSION}.dist-info/METADATA").decode())


def test_the_wheel_holds_the_package_and_its_metadata_only(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    info = f"aiohttpretty-{VERSION}.dist-info/"
    assert sorted(name for name in names if not name.startswith(info)) == PACKAGE
    assert "aiohttpretty/py.typed" in names
    # No tests, examples, benchmarks or docs.
    assert {name.split("/")[0] for name in names} == {"aiohttpretty", info.rstrip("/")}


def test_the_wheel_registers_the_pytest_plugin(wheel: zipfile.ZipFile) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel.read(f"aiohttpretty-{VERSION}.dist-info/entry_points.txt").decode())
    assert dict(entry_points["pytest11"]) == {"aiohttpretty": "aiohttpretty.pytest_plugin"}


def test_the_license_is_an_spdx_expression(metadata: Message) -> None:
    assert metadata["License-Expression"] == "MIT"
    assert not [value for value in metadata.get_all("Classifier", []) if value.startswith("License ::")]
    assert tuple(map(int, metadata["Metadata-Version"].split("."))) >= (2, 4)


def test_one_classifier_per_supported_python_from_the_floor(metadata: Message) -> None:
    assert metadata["Requires-Python"] == ">=3.11"
    pythons = [
        value.rsplit(" :: ", 1)[1]
        for value in metadata.get_all("Classifier", [])
        if value.startswith("Programming Language :: Python :: 3.")
    ]
    assert pythons == ["3.11", "3.12", "3.13", "3.14"]


def test_author_and_project_urls(metadata: Message) -> None:
    assert metadata["Author"]
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL", []))
    assert sorted(urls) == ["Changelog", "Documentation", "Issues", "Source"]
    assert all(url.startswith("https://") for url in urls.values()), urls
    assert urls["Changelog"].startswith(urls["Documentation"])


def test_the_runtime_dependencies_are_aiohttp_yarl_and_multidict(metadata: Message) -> None:
    runtime = sorted(value for value in metadata.get_all("Requires-Dist", []) if "extra ==" not in value)
    assert runtime == ["aiohttp>=3.9", "multidict>=6.0", "yarl>=1.9"]


def test_the_sdist_holds_what_builds_the_wheel_and_runs_the_tests(sdist: tarfile.TarFile) -> None:
    top = f"aiohttpretty-{VERSION}/"
    names = {name.removeprefix(top) for name in sdist.getnames()}
    for needed in ["PKG-INFO", "setup.cfg", "setup.py", "pyproject.toml", "README.rst", *PACKAGE]:
        assert needed in names, needed
    assert "tests/__init__.py" in names and "examples/todo_client.py" in names and "docs/conf.py" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith("docs/_build")]
