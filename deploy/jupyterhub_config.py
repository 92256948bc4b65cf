"""JupyterHub for one class on one machine: local Unix users, nbgrader's exchange, a PostgreSQL gradebook.

Read by `jupyterhub -f deploy/jupyterhub_config.py`, run as root from the hub's state folder
(deploy/setup.sh prepares everything and starts it; deploy/README.md says what each part is and what
to change for a real class). Every setting below can be changed by an environment variable of the
same name as in deploy/setup.sh, so that the script, this file and the tests agree:

    GDLAB_HUB_PREFIX   /srv/gdlab                  venv/, course/, share/ and hub/ (this hub's state)
    GDLAB_EXCHANGE     /srv/nbgrader/exchange      nbgrader's exchange (nbgrader's default root)
    GDLAB_HUB_URL      http://127.0.0.1:8000       where the hub listens (put TLS in front for a class)
    GDLAB_HUB_AUTH     dummy                       dummy (one shared password, for trying it out) or pam
    GDLAB_DB_URL       postgresql:///gdlab?...     the gradebook, shared by every instructor

Students (Unix group gdlab-students) get JupyterLab with nbgrader's assignment list and Validate,
never formgrader or Create Assignment (the course's jupyter/student.py, as `make lab` uses it).
Instructors (Unix group gdlab-instructors) get the course folder, formgrader and the gradebook.
"""

import grp
import os
import secrets

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

PREFIX = os.environ.get("GDLAB_HUB_PREFIX", "/srv/gdlab")
VENV = os.path.join(PREFIX, "venv")
COURSE = os.path.join(PREFIX, "course")
SHARE = os.path.join(PREFIX, "share")  # world-readable copy of the course's jupyter/ folder (server settings)
STATE = os.path.join(PREFIX, "hub")  # root only: the hub's database, cookie secret and password
EXCHANGE = os.environ.get("GDLAB_EXCHANGE", "/srv/nbgrader/exchange")
DB_URL = os.environ.get("GDLAB_DB_URL", "postgresql:///gdlab?host=/var/run/postgresql&options=-crole%3Dgdlab_graders")
INSTRUCTORS, STUDENTS = "gdlab-instructors", "gdlab-students"


def members(group: str) -> set[str]:
    """The Unix users of `group` (none if the group does not exist yet)."""
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


c.JupyterHub.bind_url = os.environ.get("GDLAB_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = os.environ.get("GDLAB_HUB_API_URL", "http://127.0.0.1:8081")  # the hub, for the proxy
c.ConfigurableHTTPProxy.api_url = os.environ.get("GDLAB_PROXY_API_URL", "http://127.0.0.1:8001")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")

# --- Who may log in -------------------------------------------------------------------------------
# dummy: every listed user logs in with one shared password (GDLAB_HUB_PASSWORD, or the file setup.sh
# writes). For trying it out only. pam: each user's own Unix password. For an LMS or a campus login,
# see deploy/README.md ("Logging in"): LTI 1.3 with jupyterhub-ltiauthenticator, or OAuthenticator.
AUTH = os.environ.get("GDLAB_HUB_AUTH", "dummy")
if AUTH == "dummy":
    password = os.environ.get("GDLAB_HUB_PASSWORD")
    if not password:
        with open(os.path.join(STATE, "password")) as file:
            password = file.read().strip()
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = password
elif AUTH == "pam":
    c.JupyterHub.authenticator_class = "pam"
else:
    raise ValueError(f"GDLAB_HUB_AUTH must be dummy or pam (see deploy/README.md for LTI and OAuth), got {AUTH!r}")
c.Authenticator.allowed_users = members(INSTRUCTORS) | members(STUDENTS)

# --- Each user's server: the user's own Unix account, JupyterLab from the class's environment -------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 60


def by_role(spawner) -> None:
    """Students: their home, the student tools. Instructors: the course folder, formgrader, the gradebook."""
    name = spawner.user.name
    environment = {"GDLAB_EXCHANGE": EXCHANGE, "PATH": os.path.join(VENV, "bin") + ":/usr/local/bin:/usr/bin:/bin"}
    if name in members(INSTRUCTORS):
        spawner.notebook_dir = COURSE
        spawner.args = [f"--config={os.path.join(SHARE, 'jupyter', 'instructor.py')}"]
        # What one instructor writes in the course (a group folder) the others can change: umask 0007.
        spawner.cmd = ["/bin/sh", "-c", 'umask 0007 && exec "$0" "$@"', *c.Spawner.cmd]
        # nbgrader (formgrader, release, collect) reads the course's own nbgrader_config.py from this path.
        environment.update(GDLAB_DB_URL=DB_URL, JUPYTER_CONFIG_PATH=COURSE)
    elif name in members(STUDENTS):
        spawner.notebook_dir = "~"
        spawner.args = [f"--config={os.path.join(SHARE, 'jupyter', 'student.py')}"]
    else:
        raise PermissionError(f"{name} is in neither {INSTRUCTORS} nor {STUDENTS}")
    spawner.environment = environment


c.Spawner.pre_spawn_hook = by_role

if not os.path.exists(c.JupyterHub.cookie_secret_file):
    os.makedirs(STATE, mode=0o700, exist_ok=True)
    with open(os.open(c.JupyterHub.cookie_secret_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as file:
        file.write(secrets.token_hex(32))
