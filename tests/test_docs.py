"""Every ``.. code-block:: python`` in README.rst and docs/ runs, so the docs
cannot rot.  A block is executed as a script; unittest test cases it defines are
run and must pass."""

from __future__ import annotations

import configparser
import io
import re
import textwrap
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.rst", *sorted((ROOT / "docs").glob("*.rst"))]
_EXCERPT = re.compile(r"# excerpt of (\S+)\n")
_BLOCK = re.compile(r"^( *)\.\. code-block:: python\n((?:\1 +:.*\n)*)\n((?:\1 +.*\n|\n)+)", re.MULTILINE)


def python_blocks(path: Path) -> list[tuple[int, str, str | None]]:
    """The python code blocks of a reStructuredText file, with their line numbers
    and, for a block that starts with ``# excerpt of <file>``, that file."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        code = textwrap.dedent(match.group(3))
        excerpt = _EXCERPT.match(code)
        if excerpt:
            blocks.append((line, code[excerpt.end() :], excerpt.group(1)))
        else:
            blocks.append((line, code, None))
    return blocks


class DocumentationExamplesTest(unittest.TestCase):
    def test_documents_have_examples(self):
        self.assertGreaterEqual(len(python_blocks(ROOT / "README.rst")), 2)

    def test_every_python_block_runs(self):
        for path in DOCUMENTS:
            for line, code, excerpt_of in python_blocks(path):
                with self.subTest(document=path.name, line=line):
                    if excerpt_of:
                        # An excerpt of a test file that the test run runs itself
                        # (pytest examples: this run may have no pytest).
                        source = (ROOT / excerpt_of).read_text(encoding="utf-8")
                        self.assertIn(
                            code.strip(), source, f"{path.name}:{line} is not an excerpt of {excerpt_of}"
                        )
                    else:
                        self.run_block(f"{path.name}:{line}", code)

    def test_every_public_name_is_in_the_api_reference(self):
        import aiohttpretty

        reference = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
        missing = [name for name in aiohttpretty.__all__ if f"aiohttpretty.{name}" not in reference]
        self.assertEqual(missing, [], "public names missing from docs/api.rst")

    def test_docstrings_and_signatures_read_as_the_api_reference_shows_them(self):
        import inspect

        import aiohttpretty

        # A default shown as "<object object at 0x...>" tells the reader nothing.
        for owner in (aiohttpretty.AioHTTPretty, aiohttpretty.AioHTTPrettyTestCase):
            for name, member in inspect.getmembers(owner, callable):
                if not name.startswith("_") and not isinstance(member, type):
                    with self.subTest(f"{owner.__name__}.{name}"):
                        try:
                            signature = str(inspect.signature(member))
                        except (TypeError, ValueError):
                            continue
                        self.assertNotRegex(signature, r"<object|at 0x")
        # The test case's assertions name the test case's assertions.
        case = aiohttpretty.AioHTTPrettyTestCase
        for method in (case.assertCalled, case.assertNotCalled, case.assertCallCount):
            with self.subTest(method.__name__):
                self.assertNotIn("assert_called", method.__doc__ or "")
        self.assertIn(":meth:`assertCalled`", case.assertNotCalled.__doc__ or "")
        self.assertIn(":meth:`assert_called`", aiohttpretty.AioHTTPretty.assert_not_called.__doc__ or "")

    def test_read_the_docs_builds_as_make_docs(self):
        config = (ROOT / ".readthedocs.yaml").read_text(encoding="utf-8")
        setup = configparser.ConfigParser()
        setup.read(ROOT / "setup.cfg")
        conf = re.search(r"^  configuration: (\S+)$", config, re.MULTILINE)
        self.assertIsNotNone(conf)
        self.assertTrue((ROOT / conf.group(1)).is_file(), conf.group(1))
        self.assertIn("\n  fail_on_warning: true\n", config)
        self.assertIn("\n      extra_requirements:\n        - docs\n", config)
        self.assertIn("docs", setup["options.extras_require"])
        # A Python the package claims (one classifier each).
        python = re.search(r'^    python: "(3\.\d+)"$', config, re.MULTILINE)
        self.assertIsNotNone(python)
        self.assertIn(
            f"Programming Language :: Python :: {python.group(1)}", setup["metadata"]["classifiers"]
        )

    def test_readme_names_each_supported_python_as_tested_or_not(self):
        setup = configparser.ConfigParser()
        setup.read(ROOT / "setup.cfg")
        claimed = re.findall(
            r"^Programming Language :: Python :: (3\.\d+)$", setup["metadata"]["classifiers"], re.M
        )
        # One classifier per Python from the floor on.
        floor = int(setup["options"]["python_requires"].removeprefix(">=3."))
        self.assertEqual(claimed, [f"3.{minor}" for minor in range(floor, floor + len(claimed))])
        readme = (ROOT / "README.rst").read_text(encoding="utf-8")
        supported = re.search(r"^Supported: (.*?)\n\n", readme, re.MULTILINE | re.DOTALL)
        self.assertIsNotNone(supported)
        text = " ".join(supported.group(1).split())
        self.assertTrue(text.startswith(f"Python {', '.join(claimed[:-1])} and {claimed[-1]};"), text)
        # Each claimed Python is either tested in CI or said not to be.
        tested = re.search(r"CI tests Python (3\.\d+(?:(?:, | and )3\.\d+)*) \(", text)
        self.assertIsNotNone(tested, text)
        untested = re.findall(r"Python (3\.\d+) is claimed but not tested here", text)
        self.assertEqual(sorted(re.findall(r"3\.\d+", tested.group(1)) + untested), claimed)

    def test_changelog_keeps_a_changelog(self):
        import aiohttpretty

        text = (ROOT / "docs" / "changelog.rst").read_text(encoding="utf-8")
        versions = re.findall(r"^(.+)\n-+\n", text, re.MULTILINE)
        self.assertEqual(versions[0], "Unreleased")
        for version in versions[1:]:
            self.assertRegex(version, r"^\d+\.\d+\.\d+ - \d{4}-\d{2}-\d{2}$")
        self.assertEqual(versions[1].split(" - ")[0], aiohttpretty.__version__)
        numbers = [tuple(map(int, version.split(" - ")[0].split("."))) for version in versions[1:]]
        self.assertEqual(numbers, sorted(numbers, reverse=True))
        # Each version's changes, sorted by kind, each kind once and not empty.
        for version, changes in zip(
            versions, re.split(r"^.+\n-+\n", text, flags=re.MULTILINE)[1:], strict=True
        ):
            kinds = re.findall(r"^(.+)\n~+\n", changes, re.MULTILINE)
            with self.subTest(version=version):
                self.assertTrue(kinds)
                self.assertLessEqual(
                    set(kinds), {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
                )
                self.assertEqual(len(kinds), len(set(kinds)))
                for body in re.split(r"^.+\n~+\n", changes, flags=re.MULTILINE)[1:]:
                    self.assertIn("\n* ", "\n" + body)

    def run_block(self, name: str, code: str) -> None:
        namespace: dict[str, object] = {"__name__": f"docs_example_{abs(hash(name))}"}
        exec(compile(code, name, "exec"), namespace)
        cases = [
            value
            for value in namespace.values()
            if isinstance(value, type)
            and issubclass(value, unittest.TestCase)
            and value.__module__ == namespace["__name__"]
        ]
        if not cases:
            return
        suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(case) for case in cases)
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
        problems = [text for _, text in result.failures + result.errors]
        self.assertTrue(result.wasSuccessful(), f"{name}: " + "\n".join(problems))
        self.assertGreater(result.testsRun, 0)


if __name__ == "__main__":
    unittest.main()
