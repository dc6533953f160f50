"""Write the README's text into nbs/index.ipynb, the documentation site's home page, so the two say the same.

    python scripts/sync_index.py [--check]

The README is the source. Each of its `## ` sections becomes one markdown cell of the notebook, with
links rewritten for a page that lives in nbs/ and is published at the site's root (`nbs/X.ipynb` ->
`X.ipynb`; links to docs/ and benchmarks/ stay, as the site keeps those paths). The notebook's own
code cells (a first look at the sample data) follow, under their heading, untouched. `--check` only
reports whether the notebook is in step (exit status 1 if not).
"""
import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
README, INDEX = ROOT / "README.md", ROOT / "nbs" / "index.ipynb"
FIRST_LOOK = "## A first look at the data"


def readme_cells(text: str) -> list[str]:
    "The README as markdown cells: the part before the first `## ` heading, then one cell per section."
    text = re.sub(r"\]\(nbs/([^)]+)\)", r"](\1)", text)
    return [part.strip() for part in re.split(r"(?m)^(?=## )", text) if part.strip()]


def synced(nb, readme: str):
    "`nb` with its markdown before `FIRST_LOOK` replaced by the README's cells; the rest of the notebook as it was."
    keep = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith(FIRST_LOOK))
    cells = [nbformat.v4.new_markdown_cell(text) for text in readme_cells(readme)]
    for old, new in zip(nb.cells[:keep], cells):  # keep the cell ids of cells that stay, so diffs stay small
        if old.cell_type == "markdown": new.id = old.id
    nb.cells = cells + nb.cells[keep:]
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether nbs/index.ipynb is in step")
    args = ap.parse_args(argv)
    nb = nbformat.read(INDEX, as_version=4)
    before = [c.source for c in nb.cells]
    nb = synced(nb, README.read_text(encoding="utf-8"))
    if [c.source for c in nb.cells] == before:
        print(f"{INDEX.relative_to(ROOT)} says what README.md says")
        return 0
    if args.check:
        print(f"{INDEX.relative_to(ROOT)} differs from README.md: run python scripts/sync_index.py", file=sys.stderr)
        return 1
    nbformat.write(nb, INDEX)
    print(f"wrote README.md's text into {INDEX.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
