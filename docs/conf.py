"""Sphinx configuration of the aiohttpretty documentation."""

import aiohttpretty

project = "aiohttpretty"
author = "The aiohttpretty developers"
copyright = "2026, The aiohttpretty developers"
release = aiohttpretty.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx", "sphinx.ext.viewcode"]
html_theme = "furo"
html_title = f"aiohttpretty {release}"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# The stored documentation of other projects is not reachable from CI: no intersphinx fetches.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
nitpicky = False
exclude_patterns = ["_build"]
