"""Sphinx configuration for SlumberNet's documentation site.

Used by ``docs/build.py`` as the configuration folder (``sphinx-build -c docs``); the source folder is a
temporary one that build.py fills with cleaned copies of the notebooks and generated API pages.
Everything here works offline: notebooks are not executed and no inventories are fetched.
"""
import configparser
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document the working tree, not whatever copy of slumbernet is installed

# Project facts come from nbdev's settings.ini, so the site never disagrees with the package.
_ini = configparser.ConfigParser()
_ini.read(ROOT / "settings.ini")
_s = _ini["DEFAULT"]
project = _s.get("title", "SlumberNet")
author = _s.get("author", "")
copyright = _s.get("copyright", "")
release = version = _s.get("version", "")

extensions = [
    "myst_nb",               # notebooks (and Markdown) as pages, with their committed outputs
    "sphinx.ext.autodoc",    # API reference from the package's docstrings
    "sphinx.ext.napoleon",   # numpy-style docstrings
    "sphinx.ext.viewcode",   # "[source]" links to highlighted module source
]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# --- notebooks -----------------------------------------------------------------------------------------------
nb_execution_mode = "off"       # render the outputs committed in nbs/, never re-run them
nb_merge_streams = True         # one block per cell for consecutive print()s, as in Jupyter
myst_enable_extensions = ["dollarmath"]  # $\tau_{rise}$ in 01_simulate_hypnogram
suppress_warnings = ["myst.header"]      # notebooks jump from "#" to "###" in places; harmless

# --- API reference -------------------------------------------------------------------------------------------
autodoc_default_options = {"members": True, "show-inheritance": True}  # members: the module's __all__
autodoc_member_order = "bysource"       # the order the notebooks introduce them
autodoc_typehints = "signature"         # the numpy docstrings already give types in prose
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True               # "Attributes" as fields: no clash with documented properties
default_role = "py:obj"                 # docstrings' `name` becomes a link where Sphinx can resolve it
maximum_signature_line_length = 100     # long signatures one parameter per line

# --- HTML ----------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = project
html_show_sourcelink = False
html_copy_source = False         # the notebooks are in the repository; no second copy in the site


# --- prose attribute docstrings ------------------------------------------------------------------------------
# Napoleon reads the first line of a constant's or property's docstring as "type: description" when it holds
# a colon ("Half the height of the axes, in µV: the same for every epoch" would become a type). The package
# writes these docstrings as plain prose, so keep them as written: stash them before napoleon (priority 500)
# runs, put them back after.
_PROSE = ("data", "attribute", "property")
_stash: dict = {}


def _stash_prose(app, what, name, obj, options, lines):
    if what in _PROSE: _stash[name] = list(lines)


def _restore_prose(app, what, name, obj, options, lines):
    if what in _PROSE and name in _stash: lines[:] = _stash.pop(name)


def setup(app):
    app.connect("autodoc-process-docstring", _stash_prose, priority=400)
    app.connect("autodoc-process-docstring", _restore_prose, priority=600)
