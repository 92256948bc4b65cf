#!/usr/bin/env bash
# One class on this machine's JupyterHub, for trying it out (deploy/README.md): run as root, from anywhere.
#
#   sudo deploy/setup.sh            prepare everything, then start the hub on http://127.0.0.1:8000
#   sudo deploy/setup.sh --prepare  prepare only (the tests start the hub themselves)
#
# It installs Debian's python3-venv, PostgreSQL, bubblewrap and Node.js with npm's configurable-http-proxy;
# makes the Unix groups gdlab-instructors and gdlab-students with the demo users; builds the class's Python
# environment from Debian's /usr/bin/python3 (which every user can run); copies the course; makes nbgrader's
# exchange; and creates the gradebook database. Every step can be run again. The settings, with their defaults:
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${GDLAB_HUB_PREFIX:-/srv/gdlab}               # venv/, course/, share/, hub/
EXCHANGE=${GDLAB_EXCHANGE:-/srv/nbgrader/exchange}   # nbgrader's exchange
INSTRUCTORS=${GDLAB_INSTRUCTORS:-instructor}          # demo users, created if missing
STUDENTS=${GDLAB_STUDENTS:-student1 student2}
PGHOST=${GDLAB_PGHOST:-/var/run/postgresql}           # the PostgreSQL server's socket folder and port
PGPORT=${GDLAB_PGPORT:-5432}
DATABASE=${GDLAB_DATABASE:-gdlab}
PYTHON=${GDLAB_HUB_PYTHON:-/usr/bin/python3}           # not a Python under /root: other users must run it
export PGHOST PGPORT

say() { printf '\n== %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "deploy/setup.sh makes users and services: run it as root (sudo)" >&2; exit 2; }

say "Debian packages"
missing=()
for pair in "$PYTHON:python3-venv" pg_ctlcluster:postgresql bwrap:bubblewrap npm:npm; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
"$PYTHON" -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
command -v configurable-http-proxy >/dev/null || npm install -g configurable-http-proxy

say "Users: instructors ($INSTRUCTORS), students ($STUDENTS)"
getent group gdlab-instructors >/dev/null || groupadd gdlab-instructors
getent group gdlab-students >/dev/null || groupadd gdlab-students
add_user() {  # name group
    id "$1" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$1"
    usermod --append --groups "$2" "$1"
    chmod 0700 "$(getent passwd "$1" | cut -d: -f6)"   # nobody reads another user's work
}
for name in $INSTRUCTORS; do add_user "$name" gdlab-instructors; done
for name in $STUDENTS; do add_user "$name" gdlab-students; done

say "The class's Python environment: $PREFIX/venv"
install -d -m 0755 "$PREFIX" "$PREFIX/share"
install -d -m 0700 "$PREFIX/hub"
[ -x "$PREFIX/venv/bin/python" ] || "$PYTHON" -m venv "$PREFIX/venv"
# Installed by uv (itself installed by the venv's pip), as `make` installs .venv: the same packages pip resolves, in
# about half of pip's time; byte-compiled, since the class's users cannot write .pyc files. Behind a package mirror,
# set UV_INDEX_URL as well as pip's settings.
"$PREFIX/venv/bin/python" -m pip install --quiet uv
"$PREFIX/venv/bin/uv" pip install --quiet --python "$PREFIX/venv/bin/python" --compile-bytecode "$REPO[course,hub]"
chmod -R a+rX "$PREFIX/venv"
rm -rf "$PREFIX/share/jupyter"
cp -r "$REPO/jupyter" "$PREFIX/share/jupyter"         # the student and instructor server settings
chmod -R a+rX,go-w "$PREFIX/share"

say "The course: $PREFIX/course (instructors only)"
install -d -m 2770 -g gdlab-instructors "$PREFIX/course"
if [ -d "$REPO/.git" ]; then
    git -C "$REPO" ls-files -z --cached --others --exclude-standard | (cd "$REPO" && xargs -0 tar -cf - --) | tar -xf - -C "$PREFIX/course"
else
    (cd "$REPO" && tar -cf - --exclude=.venv --exclude=grading/submitted --exclude=grading/gradebook.db .) \
        | tar -xf - -C "$PREFIX/course"
fi
chgrp -R gdlab-instructors "$PREFIX/course"
chmod -R u+rwX,g+rwX,o-rwx "$PREFIX/course"
find "$PREFIX/course" -type d -exec chmod g+s {} +

say "nbgrader's exchange: $EXCHANGE"
install -d -m 0755 "$(dirname "$EXCHANGE")"
install -d -m 1777 "$EXCHANGE"   # as nbgrader documents (everyone writes), sticky: nobody removes another's folder

say "The gradebook: database $DATABASE on $PGHOST:$PGPORT"
if [ "$PGHOST" = /var/run/postgresql ] && ! runuser -u postgres -- pg_isready -q; then
    pg_ctlcluster "$(ls /etc/postgresql | sort -V | tail -1)" main start
fi
psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -d postgres "$@"; }
psql_admin -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gdlab_graders')
               THEN CREATE ROLE gdlab_graders NOLOGIN; END IF; END \$\$;"
for name in $INSTRUCTORS; do
    psql_admin -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$name')
                   THEN CREATE ROLE \"$name\" LOGIN; END IF; END \$\$;"
    psql_admin -c "GRANT gdlab_graders TO \"$name\";"
done
psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1 \
    || psql_admin -c "CREATE DATABASE \"$DATABASE\" OWNER gdlab_graders;"
# Instructors log in with their Unix name (peer authentication) and work as gdlab_graders, who owns every table.
DB_URL="postgresql:///$DATABASE?host=$PGHOST&port=$PGPORT&options=-crole%3Dgdlab_graders"
echo "$DB_URL" > "$PREFIX/hub/db_url"

first=${INSTRUCTORS%% *}
say "The assignments, generated into the gradebook (nbgrader generate_assignment, as $first)"
(cd "$PREFIX/course" && runuser -u "$first" -- env PATH="$PREFIX/venv/bin:/usr/bin:/bin" GDLAB_DB_URL="$DB_URL" \
    HOME="$(getent passwd "$first" | cut -d: -f6)" sh -c 'umask 0007; gdgrade release')

if [ ! -s "$PREFIX/hub/password" ]; then
    (umask 077; "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(12))' > "$PREFIX/hub/password")
fi

if [ "${1:-}" = --prepare ]; then
    echo "Prepared. Start the hub with: sudo deploy/setup.sh"
    exit 0
fi
say "JupyterHub on ${GDLAB_HUB_URL:-http://127.0.0.1:8000} (log in as $INSTRUCTORS $STUDENTS; password: $(cat "$PREFIX/hub/password"))"
cd "$PREFIX/hub"
export GDLAB_HUB_PREFIX="$PREFIX" GDLAB_EXCHANGE="$EXCHANGE" GDLAB_DB_URL="${GDLAB_DB_URL:-$(cat "$PREFIX/hub/db_url")}"
exec "$PREFIX/venv/bin/jupyterhub" -f "$REPO/deploy/jupyterhub_config.py"
