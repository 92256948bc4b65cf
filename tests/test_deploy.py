"""The deployment files say the same thing: the tested one-machine hub and the untested Kubernetes starting point.

tests/browser/test_hub.py runs deploy/setup.sh and deploy/jupyterhub_config.py for real. The Kubernetes
files (deploy/kubernetes/) are not run anywhere; here they are parsed, and checked to name the same
packages, paths and settings as the tested configuration, so that they cannot drift apart unnoticed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SHARED = ("GDLAB_EXCHANGE", "/srv/nbgrader/exchange", "GDLAB_DB_URL", "JUPYTER_CONFIG_PATH",
          "jupyter/student.py", "jupyter/instructor.py", "pre_spawn_hook")


def values() -> dict:
    return yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text())


def test_the_setup_script_is_valid_bash():
    done = subprocess.run(["bash", "-n", str(DEPLOY / "setup.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_hub_configuration_and_the_helm_values_name_the_same_settings():
    tested = (DEPLOY / "jupyterhub_config.py").read_text()
    helm = (DEPLOY / "kubernetes" / "values.yaml").read_text()
    for setting in SHARED:
        assert setting.split("/")[-1] in tested or setting in tested, f"jupyterhub_config.py does not name {setting}"
        assert setting in helm, f"kubernetes/values.yaml does not name {setting}, which the tested hub uses"


def test_the_helm_values_parse_and_their_hub_code_compiles():
    config = values()
    assert config["singleuser"]["defaultUrl"] == "/lab"
    assert config["singleuser"]["storage"]["extraVolumeMounts"][0]["mountPath"] == "/srv/nbgrader/exchange"
    for name, code in config["hub"]["extraConfig"].items():
        compile(code, f"values.yaml hub.extraConfig.{name}", "exec")


def test_the_image_installs_what_setup_installs():
    image = (DEPLOY / "kubernetes" / "Dockerfile").read_text()
    setup = (DEPLOY / "setup.sh").read_text()
    for part in ('[course,hub]"', "python3-venv", "bubblewrap", "jupyter /srv/gdlab/share/jupyter"):
        assert part in image, f"the Kubernetes image does not install {part}"
    assert '[course,hub]"' in setup and "bubblewrap" in setup
