"""Every example in the package's docstrings runs and shows what it says (the numpy-style `Examples` sections)."""
import doctest
import importlib
import pkgutil

import pytest

import slumbernet
from conftest import ROOT

MODULES = sorted(m.name for m in pkgutil.walk_packages(slumbernet.__path__, "slumbernet.") if m.name != "slumbernet._modidx")  # packages' modules too


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run_as_written(name, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # examples name the bundled samples as data_samples/...
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, capsys.readouterr().out
