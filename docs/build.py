"""Build SlumberNet's documentation site from the executed notebooks in nbs/ and the package's docstrings.

Usage::

    python docs/build.py [--out DIR]      # default DIR: docs/_build/html

Sphinx wants its pages inside one source folder, and the notebooks live in nbs/, so this script assembles a
temporary source folder: cleaned copies of the notebooks (nbdev's ``#| export`` / ``#| hide`` cells dropped,
as nbdev's own docs drop them) and one generated API page per module, then runs ``sphinx-build`` with
``docs/conf.py`` and copies the HTML to DIR. Nothing is written in nbs/ and nothing outside DIR and the
temporary folder (myst-nb's image folder and Sphinx's doctrees stay in the temporary folder). Notebooks are
never executed: their committed outputs are rendered as they are.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
NBS = ROOT / "nbs"
PACKAGE = ROOT / "slumbernet"
DEFAULT_OUT = DOCS / "_build" / "html"

# nbdev directives whose cells nbdev leaves out of its docs (nbdev.processors._hide_dirs)
HIDDEN = {"export", "exporti", "hide", "default_exp"}
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([\w-]+):?\s*(.*?)\s*$")


def notebook_order(path: Path) -> tuple:
    """Sort key for the navigation: index first, then numbered notebooks (00_io, 01_...), then the rest.

    Parameters
    ----------
    path : Path
        A notebook file.

    Returns
    -------
    tuple
        Key that sorts ``index`` < ``00_*`` < ... < ``16_*`` < other names (alphabetically).
    """
    stem = path.stem
    if stem == "index": return (0, 0, stem)
    number = re.match(r"(\d+)_", stem)
    return (1, int(number.group(1)), stem) if number else (2, 0, stem)


def split_directives(source: str) -> tuple[dict, str]:
    """Split a code cell's leading nbdev directives (``#| name: value``) from its code.

    Parameters
    ----------
    source : str
        The cell's source.

    Returns
    -------
    directives : dict
        Directive name -> value (``""`` when it has none).
    code : str
        The source without the directive lines.
    """
    lines = source.splitlines()
    directives = {}
    while lines and (m := DIRECTIVE.match(lines[0])):
        directives[m.group(1)] = m.group(2)
        lines.pop(0)
    return directives, "\n".join(lines)


def clean_notebook(nb: dict) -> tuple[dict, str | None]:
    """Prepare one notebook for the site as nbdev would: hidden and exported cells out, directives stripped.

    ``#| echo: false`` and ``#| output: false`` become myst-nb's ``remove-input`` / ``remove-output`` tags.

    Parameters
    ----------
    nb : dict
        The notebook as read from JSON (modified in place).

    Returns
    -------
    nb : dict
        The cleaned notebook.
    module : str or None
        The module it exports to (its ``#| default_exp``), if any.
    """
    module, cells = None, []
    for i, cell in enumerate(nb["cells"]):
        cell.setdefault("id", f"cell-{i}")  # nbformat 4.5 wants ids; a hand-edited cell may lack one
        if cell["cell_type"] == "code":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            directives, code = split_directives(src)
            module = directives.get("default_exp") or module
            if directives.keys() & HIDDEN: continue
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if directives.get("echo") == "false": tags.append("remove-input")
            if directives.get("output") == "false": tags.append("remove-output")
            cell["source"] = code
            if not code.strip() and not cell.get("outputs"): continue
        cells.append(cell)
    nb["cells"] = cells
    # jupytext-paired notebooks carry no kernelspec; without one myst-nb cannot pick a lexer for the code
    nb["metadata"].setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    nb["metadata"].setdefault("language_info", {"name": "python"})
    return nb, module


def markdown_cell(text: str, cell_id: str) -> dict:
    "A notebook markdown cell holding `text` (nbformat 4.5 wants each cell to have an id)."
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def module_summary(name: str) -> str:
    "First line of module `slumbernet.<name>`'s docstring, read without importing it."
    import ast
    path = PACKAGE / f"{name.replace('.', '/')}.py"  # a module, or a package's __init__
    if not path.exists(): path = PACKAGE / name.replace(".", "/") / "__init__.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def copy_pages(folder: Path, to: Path) -> list[str]:
    "Copy the Markdown pages of `folder` into `to`; their page names (paths from the source root, no suffix), sorted."
    to.mkdir(parents=True)
    for page in sorted(folder.glob("*.md")): shutil.copy(page, to / page.name)
    return [f"{to.parent.name}/{to.name}/{page.stem}" for page in sorted(folder.glob("*.md"))]


def assemble(src: Path) -> list[str]:
    """Fill the Sphinx source folder `src` with cleaned notebooks and API pages.

    Parameters
    ----------
    src : Path
        An empty folder.

    Returns
    -------
    list of str
        The page names in navigation order.
    """
    notebooks = sorted(NBS.glob("*.ipynb"), key=notebook_order)
    if (NBS / "images").is_dir(): shutil.copytree(NBS / "images", src / "images")  # figures the README shows
    pages, modules = [], {}  # modules: module name -> the notebook page that exports it
    for path in notebooks:
        nb, module = clean_notebook(json.loads(path.read_text(encoding="utf-8")))
        if module:
            module = module.removesuffix(".__init__")  # `#| default_exp io.__init__`: the package io
            modules[module] = path.stem
            # a link from the narrative to the reference, just below the title and summary
            link = f"API reference: {{doc}}`slumbernet.{module} <api/{module}>`"
            nb["cells"].insert(1, markdown_cell(link, "api-link"))
        pages.append(path.stem)
        (src / path.name).write_text(json.dumps(nb), encoding="utf-8")

    # modules no notebook exports still get a page, after the others
    for extra in sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")):
        modules.setdefault(extra, None)
    api = src / "api"
    api.mkdir()
    for module, page in modules.items():
        title = f"slumbernet.{module}"
        origin = f"From the notebook :doc:`../{page}`.\n\n" if page else ""
        (api / f"{module}.rst").write_text(
            f"{title}\n{'=' * len(title)}\n\n{origin}.. automodule:: slumbernet.{module}\n", encoding="utf-8")
    listing = "\n".join(f"- :doc:`slumbernet.{m} <{m}>`: {module_summary(m)}" for m in modules)
    toc = "\n".join(f"   {m}" for m in modules)
    (api / "index.rst").write_text(
        f"API reference\n=============\n\nGenerated from the package's docstrings.\n\n{listing}\n\n"
        f".. toctree::\n   :hidden:\n\n{toc}\n", encoding="utf-8")

    # the guide (docs/guide/*.md) and the benchmarks' results, at the paths the README's links use
    guides, results = copy_pages(DOCS / "guide", src / "docs" / "guide"), copy_pages(ROOT / "benchmarks" / "results",
                                                                                    src / "benchmarks" / "results")

    # the home page (index.ipynb) carries the site's navigation
    guide = "\n".join(p for p in pages if p != "index")
    index = json.loads((src / "index.ipynb").read_text(encoding="utf-8"))
    index["cells"].append(markdown_cell(
        f"```{{toctree}}\n:hidden:\n:caption: Notebooks\n\n{guide}\n```\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: Guide\n\n{chr(10).join(guides)}\n```\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: Benchmark results\n\n{chr(10).join(results)}\n```\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: Reference\n\napi/index\n```", "site-toctree"))
    (src / "index.ipynb").write_text(json.dumps(index), encoding="utf-8")
    return pages + guides + results + ["api/index"]


def build(out: Path | str = DEFAULT_OUT, quiet: bool = True) -> Path:
    """Build the HTML site into `out`.

    Parameters
    ----------
    out : Path or str, optional
        Output folder. Replaced if it holds an earlier Sphinx build; must otherwise be absent or empty.
    quiet : bool, optional
        Pass ``-q`` to Sphinx (warnings are still shown).

    Returns
    -------
    Path
        `out`, holding ``index.html``.

    Raises
    ------
    FileExistsError
        `out` holds files that are not a Sphinx build (never deleted).
    subprocess.CalledProcessError
        sphinx-build failed.
    """
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").exists():
        raise FileExistsError(f"{out} is not empty and is not a Sphinx build; refusing to replace it")
    with tempfile.TemporaryDirectory(prefix="slumbernet-docs-") as tmp:
        tmp = Path(tmp)
        src = tmp / "src"
        src.mkdir()
        assemble(src)
        # HTML goes to tmp first: myst-nb writes its images beside the HTML folder (<html>/../jupyter_execute)
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(DOCS), "-d", str(tmp / "doctrees"),
               *(["-q"] if quiet else []), str(src), str(tmp / "html")]
        subprocess.run(cmd, check=True, cwd=tmp)
        if out.exists(): shutil.rmtree(out)
        shutil.copytree(tmp / "html", out)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Sphinx's progress, not only warnings")
    args = parser.parse_args(argv)
    try:
        out = build(args.out, quiet=not args.verbose)
    except subprocess.CalledProcessError as e:
        sys.exit(f"sphinx-build failed (exit {e.returncode})")
    except FileExistsError as e:
        sys.exit(str(e))
    print(f"site: {out / 'index.html'}")


if __name__ == "__main__":
    main()
