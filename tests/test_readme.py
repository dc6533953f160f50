"""The README's first commands are the contract CI runs."""
import re

from conftest import ROOT


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [l.strip() for l in block.splitlines() if l.strip() and not l.startswith("#")]
    assert len(commands) == 2 and "slumbernet predict data_samples" in commands[0]  # install + score the samples
    command = commands[1]  # install + test
    assert "pytest" in command
    assert command in (ROOT / ".ci" / "run").read_text()
