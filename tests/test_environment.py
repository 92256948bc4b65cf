"""Do pyproject.toml and environment.yml name the same packages?"""

from __future__ import annotations

import re
import tomllib

from coursekit import ROOT


def _name(requirement: str) -> str:
    """The normalised package name of a requirement such as 'numpy>=1.26' or 'nbgrader=0.9.6'."""
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_conda_environment_matches_pyproject():
    """Does environment.yml list exactly the packages of pyproject.toml (with all extras)?"""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_names |= {_name(r) for r in extra}
    conda_names = set()
    section = None
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if re.match(r"^\w", line):
            section = line.split(":")[0]
        elif re.match(r"^\s*-\s*pip:\s*$", line):
            section = "pip"
        match = re.match(r"^  - (\S+)\s*$", line)
        if match and section == "dependencies":
            conda_names.add(_name(match.group(1)))
    conda_names -= {"python", "pip"}
    assert conda_names == pip_names, f"only in environment.yml: {conda_names - pip_names}; only in pyproject: {pip_names - conda_names}"
