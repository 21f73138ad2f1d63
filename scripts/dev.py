#!/usr/bin/env python3
"""Set up and run storesync_connector on a fresh machine: ``make run`` and ``make test``.

Standard library only: this script runs before the virtualenv exists. Every step checks what is
already there and does only what is missing, so running it again is cheap (idempotent).

Steps shared by ``run`` and ``test``:
1. Odoo 19.0 source: ``$ODOO_SRC`` if set, else the cache folder
   (``$STORESYNC_CACHE`` or ``~/.cache/storesync``)/odoo-19.0, else download the official 19.0
   source archive into that cache folder.
2. ``.venv`` with Odoo's requirements (minus python-ldap, gevent and greenlet, which the addon
   and the tests do not need and which do not build everywhere) and the project's pinned
   ``requirements.txt``; a stamp keyed on both files skips pip when nothing changed.
3. PostgreSQL: the server named by ``PGHOST``/``PGPORT`` if it answers, else the system
   cluster (started when we may), else a private cluster in the cache folder; the role is the
   OS user's name, as Odoo refuses ``postgres``.
4. MariaDB for the VirtueMart shops (``ensure_mariadb``): the server the ``STORESYNC_MARIADB_*``
   variables name, else a private one in the cache folder from Debian's mariadb-server.
5. ``.odoo/odoo.conf`` with the addons path (Odoo's, then this repository).
"""

import argparse
import contextlib
import getpass
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import types
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv"
STATE = REPO / ".odoo"
ADDON = "storesync_connector"
ODOO_SERIES = "19.0"
ODOO_ARCHIVE_URL = os.environ.get(
    "ODOO_ARCHIVE_URL", f"https://github.com/odoo/odoo/archive/refs/heads/{ODOO_SERIES}.tar.gz"
)
# Parts of the Odoo tree we need; everything else in the archive (docs, debian/...) is skipped.
ODOO_PARTS = ("odoo", "addons", "odoo-bin", "setup.py", "setup.cfg", "requirements.txt", "setup")
# Odoo requirements we skip: LDAP needs system headers; Odoo pins gevent/greenlet versions
# that have to be compiled, so requirements.txt names releases with wheels instead (an
# odoo-bin with workers, as make reliability runs it, starts its gevent worker with them).
SKIPPED_REQUIREMENTS = ("python-ldap", "gevent", "greenlet")
DEMO_DB = os.environ.get("STORESYNC_DB", "storesync_demo")
BASE_MODULES = "sale_management,stock_delivery"
EMULATOR_KEY, EMULATOR_SECRET = "ck_demo", "cs_demo"
# The second demo store: the Shoprenter emulator (token at {url}/<shop>/app/token, API at
# {url}/api), its client id and secret being the emulator's --consumer-key/--consumer-secret.
SHOPRENTER_SHOP, SHOPRENTER_CLIENT, SHOPRENTER_SECRET = "demo", "sr_client_demo", "sr_secret_demo"
# The third: the Cartum emulator (a Ukrainian shop in UAH, API at {url}/api/<function>/), its
# admin login and password being the emulator's --consumer-key/--consumer-secret.
CARTUM_LOGIN, CARTUM_PASSWORD = "cartum_admin", "cartum_demo"
# The fourth: a VirtueMart shop, which has no API but its MariaDB database (ensure_mariadb),
# seeded once by store_emulator/platforms/virtuemart.py; named after the Odoo database
# ("<db>_vm") unless STORESYNC_VM_DB says.
VIRTUEMART_DB = os.environ.get("STORESYNC_VM_DB")


class SetupError(Exception):
    """A problem the user must fix; printed without a traceback."""


def step(message):
    print(f"==> {message}", flush=True)


def info(message):
    print(f"    {message}", flush=True)


def cache_dir():
    base = os.environ.get("STORESYNC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "storesync"
    )
    return Path(base)


def run(cmd, check=True, **kwargs):
    """Run a command, echoing it; raise SetupError with its output tail on failure."""
    result = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    if check and result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise SetupError(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return result


def digest(*paths):
    sha = hashlib.sha256()
    for path in paths:
        sha.update(Path(path).read_bytes())
    sha.update(sys.version.encode())
    return sha.hexdigest()[:16]


# --------------------------------------------------------------------------- Odoo source


def odoo_version(src):
    release = Path(src) / "odoo" / "release.py"
    if not release.is_file():
        return None
    scope = {}
    with contextlib.suppress(Exception):
        exec(compile(release.read_text(), str(release), "exec"), scope)
    info_ = scope.get("version_info")
    return f"{info_[0]}.{info_[1]}" if info_ else None


def ensure_odoo_source():
    step("Odoo 19.0 source")
    env_src = os.environ.get("ODOO_SRC")
    if env_src:
        version = odoo_version(env_src)
        if version != ODOO_SERIES:
            raise SetupError(
                f"ODOO_SRC={env_src} is not an Odoo {ODOO_SERIES} source tree "
                f"(odoo/release.py says {version or 'nothing'})."
            )
        info(f"using ODOO_SRC={env_src}")
        return Path(env_src)
    cached = cache_dir() / f"odoo-{ODOO_SERIES}"
    if odoo_version(cached) == ODOO_SERIES:
        info(f"using the cached source in {cached}")
        return cached
    info(f"no ODOO_SRC and nothing in {cached}: downloading {ODOO_ARCHIVE_URL}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cached.parent) as tmp:
        archive = Path(tmp) / "odoo.tar.gz"
        try:
            with (
                urllib.request.urlopen(ODOO_ARCHIVE_URL, timeout=60) as resp,
                archive.open("wb") as out,
            ):
                done = 0
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
                    done += len(chunk)
                    if done % (50 << 20) < (1 << 20):
                        info(f"... {done >> 20} MB")
        except OSError as exc:
            raise SetupError(
                f"No Odoo {ODOO_SERIES} source: ODOO_SRC is not set, {cached} is empty and the "
                f"download failed ({exc}). Set ODOO_SRC to an Odoo {ODOO_SERIES} checkout."
            ) from exc
        target = Path(tmp) / "src"
        with tarfile.open(archive) as tar:
            members = []
            for member in tar.getmembers():
                parts = member.name.split("/", 1)
                if len(parts) == 2 and parts[1].split("/", 1)[0] in ODOO_PARTS:
                    member.name = parts[1]
                    members.append(member)
            tar.extractall(target, members=members)
        if odoo_version(target) != ODOO_SERIES:
            raise SetupError("the downloaded archive is not Odoo 19.0")
        target.rename(cached)
    return cached


# --------------------------------------------------------------------------- virtualenv


def venv_python():
    return VENV / "bin" / "python"


def ensure_venv(odoo_src):
    step("Python virtualenv .venv")
    # This script runs on the system's python3, which may be older than the project's floor.
    if sys.version_info < (3, 10):  # noqa: UP036
        raise SetupError("Odoo 19 needs Python 3.10 or newer")
    if (
        venv_python().exists()
        and run([str(venv_python()), "-m", "pip", "--version"], check=False).returncode
    ):
        info(".venv is broken (no pip): creating it again")
        shutil.rmtree(VENV)
    if not venv_python().exists():
        info("creating .venv")
        run([sys.executable, "-m", "venv", str(VENV)])
    odoo_req = Path(odoo_src) / "requirements.txt"
    stamp = VENV / f".storesync-{digest(odoo_req, REPO / 'requirements.txt')}"
    if stamp.exists():
        info("requirements already installed")
    else:
        filtered = STATE / "odoo-requirements.txt"
        STATE.mkdir(exist_ok=True)
        lines = [
            line
            for line in odoo_req.read_text().splitlines()
            if not line.strip().lower().startswith(SKIPPED_REQUIREMENTS)
        ]
        filtered.write_text("\n".join(lines) + "\n")
        # cbor2's pinned sdist imports pkg_resources, gone from setuptools 81: constrain the
        # build environments too (pip >= 25.3 reads PIP_BUILD_CONSTRAINT, older PIP_CONSTRAINT).
        constraints = STATE / "build-constraints.txt"
        constraints.write_text("setuptools<81\n")
        env = dict(os.environ, PIP_CONSTRAINT=str(constraints))
        env["PIP_BUILD_CONSTRAINT"] = str(constraints)
        pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check"]
        info("upgrading pip, setuptools<81 and wheel")
        run([*pip, "-q", "--upgrade", "pip", "setuptools<81", "wheel"], env=env)
        info("installing Odoo's and the project's requirements (a few minutes the first time)")
        proc = subprocess.Popen(
            [
                *pip,
                "--progress-bar",
                "off",
                "-r",
                str(filtered),
                "-r",
                str(REPO / "requirements.txt"),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = []
        for line in proc.stdout:
            output.append(line)
            # Progress without the wall of "Requirement already satisfied" lines.
            if line.startswith(("Collecting", "Building wheel", "Successfully", "ERROR")):
                info(line.rstrip())
        if proc.wait():
            print("".join(output[-40:]), flush=True)
            raise SetupError("pip could not install the requirements (see above)")
        for old in VENV.glob(".storesync-*"):
            old.unlink()
        stamp.touch()
    # Odoo is not pip-installed: a .pth file puts the source on the venv's path.
    site = run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    pth = Path(site) / "odoo-src.pth"
    if not pth.exists() or pth.read_text().strip() != str(odoo_src):
        pth.write_text(f"{odoo_src}\n")


# --------------------------------------------------------------------------- PostgreSQL


def pg_env():
    """The environment every command (and every Odoo) we start runs in.

    The virtualenv's bin directory comes first on PATH: Odoo restarts itself (after
    ``limit_time_real`` or a memory limit) by re-executing ``python`` found on PATH
    (``odoo/service/server.py`` ``_reexec``), which without it is the system Python, missing
    Odoo's requirements ("No module named 'babel'").
    """
    env = dict(os.environ)
    env.setdefault("PGUSER", getpass.getuser())
    path = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if p]
    venv_bin = str(VENV / "bin")
    env["PATH"] = os.pathsep.join([venv_bin, *(p for p in path if p != venv_bin)])
    return env


def pg_ready(env):
    if not shutil.which("pg_isready"):
        return False
    return run(["pg_isready", "-q", "-d", "postgres"], check=False, env=env).returncode == 0


def pg_can_login(env):
    return run(["psql", "-d", "postgres", "-tAc", "SELECT 1"], check=False, env=env).returncode == 0


def pg_bin(name):
    """Find a PostgreSQL server binary (Debian keeps them out of PATH)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def ensure_postgres():
    """Return the environment (PGHOST/PGPORT/PGUSER) under which Odoo reaches PostgreSQL."""
    step("PostgreSQL")
    user = getpass.getuser()
    if user == "postgres":
        raise SetupError("Odoo refuses the 'postgres' role: run this as another OS user")
    if not shutil.which("psql"):
        raise SetupError(
            "PostgreSQL is missing: install PostgreSQL 13+ (e.g. apt install postgresql)"
        )
    env = pg_env()
    if pg_ready(env) and pg_can_login(env):
        info(f"server answers (PGHOST={env.get('PGHOST', 'local socket')}), role {user}")
        return env
    explicit = "PGHOST" in os.environ or "PGPORT" in os.environ
    if explicit and pg_ready(env):
        raise SetupError(
            f"PostgreSQL at PGHOST/PGPORT answers but role {user!r} cannot log in: "
            f"create it (createuser -s {user}) or set PGUSER/PGPASSWORD"
        )
    if not explicit and os.geteuid() == 0 and shutil.which("pg_ctlcluster"):
        clusters = run(["pg_lsclusters", "-h"], check=False).stdout.split()
        if len(clusters) >= 2:
            version, name = clusters[0], clusters[1]
            info(f"starting the system cluster {version}/{name}")
            run(["pg_ctlcluster", version, name, "start"], check=False)
            for _ in range(30):
                if pg_ready(env):
                    break
                time.sleep(0.5)
            if not pg_can_login(env):
                info(f"creating the role {user}")
                run(["su", "postgres", "-c", f"createuser --superuser {user}"])
            if pg_can_login(env):
                return env
    return ensure_private_cluster(env)


def ensure_private_cluster(env):
    """A cluster of our own in the cache folder, for users who cannot start the system one."""
    if os.geteuid() == 0:
        raise SetupError(
            "PostgreSQL is not running and cannot be started: start it, or set PGHOST/PGPORT "
            "to a server where your role can log in"
        )
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise SetupError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    data = cache_dir() / "pgdata"
    port = os.environ.get("PGPORT", "5433")
    env = dict(env, PGHOST=str(data), PGPORT=port)
    if not (data / "PG_VERSION").exists():
        info(f"initialising a private cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        run([initdb, "-D", str(data), "-U", getpass.getuser(), "--auth=trust", "-E", "UTF8"])
    if not pg_ready(env):
        info(f"starting the private cluster on port {port}")
        run(
            [
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-w",
                "start",
                "-o",
                f"-p {port} -k {data} -c listen_addresses=''",
            ]
        )
    if not pg_can_login(env):
        raise SetupError(f"cannot log in to the private cluster in {data}")
    return env


# --------------------------------------------------------------------------- MariaDB

#: the VirtueMart shops of the tests and the demo live in a MariaDB server: the one named by
#: these variables if it answers, else a private one in the cache folder (Debian's
#: mariadb-server, installed when missing), listening on loopback only
MARIADB_VARIABLES = {
    "STORESYNC_MARIADB_HOST": "127.0.0.1",
    "STORESYNC_MARIADB_PORT": "3399",
    "STORESYNC_MARIADB_USER": "storesync",
    "STORESYNC_MARIADB_PASSWORD": "storesync",
}


def mariadb_answers(env):
    """True when the account in ``env`` can log in (TCP, as the adapter connects)."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if not client:
        return False
    command = [
        client,
        "--protocol=tcp",
        f"--host={env['STORESYNC_MARIADB_HOST']}",
        f"--port={env['STORESYNC_MARIADB_PORT']}",
        f"--user={env['STORESYNC_MARIADB_USER']}",
        "--connect-timeout=2",
        "-e",
        "SELECT 1",
    ]
    password = dict(env, MYSQL_PWD=env["STORESYNC_MARIADB_PASSWORD"])
    return run(command, check=False, env=password).returncode == 0


def ensure_mariadb(env):
    """The environment with ``STORESYNC_MARIADB_*`` naming a MariaDB server where that
    account may create databases: the VirtueMart shops' (the database is their API)."""
    step("MariaDB (the VirtueMart shops' database server)")
    env = dict(env)
    for name, default in MARIADB_VARIABLES.items():
        env.setdefault(name, default)
    if mariadb_answers(env):
        info(f"server answers on {env['STORESYNC_MARIADB_HOST']}:{env['STORESYNC_MARIADB_PORT']}")
        return env
    if "STORESYNC_MARIADB_HOST" in os.environ:
        raise SetupError(
            "the MariaDB server named by STORESYNC_MARIADB_HOST/PORT does not let "
            f"{env['STORESYNC_MARIADB_USER']!r} log in: check STORESYNC_MARIADB_USER/PASSWORD"
        )
    mariadbd = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")
    if not mariadbd:
        ensure_debian_package(
            "mariadb-install-db", "mariadb-server", "the VirtueMart shops run on it"
        )
        mariadbd = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")
    if not mariadbd or not shutil.which("mariadb-install-db"):
        raise SetupError("mariadb-server is installed but mariadbd/mariadb-install-db not found")
    data = cache_dir() / "mariadb"
    socket_path = data / "mariadb.sock"
    user = getpass.getuser()
    if not (data / "mysql").is_dir():
        info(f"initialising a private MariaDB server in {data}")
        data.mkdir(parents=True, exist_ok=True)
        run(
            [
                "mariadb-install-db",
                f"--datadir={data}",
                f"--user={user}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ]
        )
    client = shutil.which("mariadb") or shutil.which("mysql")

    def socket_answers():
        login = [client, f"--socket={socket_path}", f"--user={user}", "-e", "SELECT 1"]
        return socket_path.exists() and run(login, check=False).returncode == 0

    # A server of ours that answers on its socket but not to the account (a new password):
    # the account is made again below, never a second server on the same data.
    # TLS, as a shop's server may offer it (the adapter uses it whenever offered): a
    # self-signed certificate of our own, made once.
    cert, key = data / "server-cert.pem", data / "server-key.pem"
    if shutil.which("openssl") and not (cert.exists() and key.exists()):
        run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=False,
        )
    tls = [f"--ssl-cert={cert}", f"--ssl-key={key}"] if cert.exists() and key.exists() else []
    if not socket_answers():
        info(f"starting it on 127.0.0.1:{env['STORESYNC_MARIADB_PORT']}")
        socket_path.unlink(missing_ok=True)
        with open(data / "server.log", "ab") as log:
            subprocess.Popen(
                [
                    mariadbd,
                    "--no-defaults",
                    f"--datadir={data}",
                    f"--socket={socket_path}",
                    f"--pid-file={data / 'mariadb.pid'}",
                    "--bind-address=127.0.0.1",
                    f"--port={env['STORESYNC_MARIADB_PORT']}",
                    f"--user={user}",
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=64M",
                    "--innodb-flush-log-at-trx-commit=2",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    "--max-connections=300",
                    *tls,
                ],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        for _ in range(120):
            if socket_path.exists():
                break
            time.sleep(0.25)
        else:
            raise SetupError(f"MariaDB did not start: see {data / 'server.log'}")
    account = f"'{env['STORESYNC_MARIADB_USER']}'@'%'"
    grant = (
        f"CREATE USER IF NOT EXISTS {account} "
        f"IDENTIFIED BY '{env['STORESYNC_MARIADB_PASSWORD']}'; "
        f"GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION; FLUSH PRIVILEGES;"
    )
    for _ in range(60):
        done = run([client, f"--socket={socket_path}", f"--user={user}", "-e", grant], check=False)
        if done.returncode == 0:
            break
        time.sleep(0.5)
    if not mariadb_answers(env):
        raise SetupError(f"cannot log in to the private MariaDB server: see {data / 'server.log'}")
    return env


# --------------------------------------------------------------------------- Odoo


def write_config(odoo_src, env, name, http_port=8069, dbfilter=None, log_file=None):
    STATE.mkdir(exist_ok=True)
    lines = [
        "[options]",
        f"addons_path = {odoo_src}/odoo/addons,{odoo_src}/addons,{REPO}",
        f"data_dir = {STATE / 'data'}",
        f"db_user = {env['PGUSER']}",
        f"http_port = {http_port}",
        "http_interface = 127.0.0.1",
        "max_cron_threads = 1",
        "list_db = False",
    ]
    if env.get("PGHOST"):
        lines.append(f"db_host = {env['PGHOST']}")
    if env.get("PGPORT"):
        lines.append(f"db_port = {env['PGPORT']}")
    if env.get("PGPASSWORD"):
        lines.append(f"db_password = {env['PGPASSWORD']}")
    if dbfilter:
        lines.append(f"dbfilter = {dbfilter}")
    if log_file:
        lines.append(f"logfile = {log_file}")
    conf = STATE / name
    conf.write_text("\n".join(lines) + "\n")
    return conf


def odoo_cmd(odoo_src, conf, *args, command=None):
    """odoo-bin [command] -c conf args...: the sub-command must come before the options."""
    prefix = [command] if command else []
    return [str(venv_python()), str(Path(odoo_src) / "odoo-bin"), *prefix, "-c", str(conf), *args]


def db_exists(env, db):
    out = run(
        ["psql", "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
        env=env,
    ).stdout
    return out.strip() == "1"


def addon_digest():
    sha = hashlib.sha256()
    for path in sorted((REPO / ADDON).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            sha.update(str(path.relative_to(REPO)).encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def odoo_step(odoo_src, conf, env, args, what, log_name):
    """Run odoo-bin --stop-after-init; fail on a non-zero exit or on errors in its log."""
    log = STATE / log_name
    log.unlink(missing_ok=True)
    started = time.monotonic()
    result = subprocess.run(
        odoo_cmd(odoo_src, conf, *args, "--stop-after-init", f"--logfile={log}"), env=env
    )
    text = log.read_text() if log.exists() else ""
    bad = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
    if result.returncode or bad:
        raise SetupError(f"{what} failed, see {log}:\n" + "\n".join(bad[-15:]))
    info(f"{what}: {time.monotonic() - started:.0f} s")
    return text


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_http(url, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answers, which is all we wait for
        except OSError:
            time.sleep(0.5)
    return False


# The demo stores' shell script starts with this (not formatted: plain braces).
FIRST_ORDERS = """
def first_orders(store):
    # Rows that failed for want of a mapping go back in the queue, as the Retry button does;
    # then what the crons would do in their first minute (Odoo's cron threads first look for
    # due jobs a minute after start): fetch, then import the new products and a first batch
    # of orders, so the demo's Sales menu has orders the moment Odoo answers.
    env['storesync.inbox'].search([('store_id', '=', store.id), ('state', '=', 'error')]).write(
        {'state': 'pending'})
    env.cr.commit()
    store._fetch_orders()
    while env['sale.order'].search_count([('storesync_store_id', '=', store.id)]) < 50:
        rows = env['storesync.inbox']._lock_pending(store=store)
        if not rows:
            break
        rows._process()
        env.cr.commit()
"""

REGISTER_DEMO_STORE = """
# Idempotent: what a merchant does once for the demo store (the emulator, prices in EUR).
store = env['storesync.store'].sudo().with_context(active_test=False).search(
    [('base_url', '=', {url!r})], limit=1)
vals = {{'name': 'Demo store (emulator)', 'platform': 'woocommerce', 'base_url': {url!r},
        'consumer_key': {key!r}, 'consumer_secret': {secret!r}, 'active': True,
        'order_prefix': 'WOO-', 'user_id': env.ref('base.user_admin').id}}
if store:
    store.write(vals)
else:
    # The demo brings in the emulator's history; a real store starts from its creation.
    store = env['storesync.store'].sudo().create(dict(vals, import_orders_since=False))
eur = env.ref('base.EUR')
eur.active = True
if not store.pricelist_id:
    store.pricelist_id = env['product.pricelist'].create(
        {{'name': 'Web shop (EUR)', 'currency_id': eur.id}})
store._create_default_status_maps()
store.action_load_store_settings()
for row in store.tax_map_ids.filtered(lambda r: not r.tax_id):
    row.tax_id = env['account.tax'].create({{
        'name': f'{{row.label}} {{row.rate:g}}%', 'amount': row.rate,
        'amount_type': 'percent', 'type_tax_use': 'sale', 'company_id': store.company_id.id}})
shipping = env['product.product'].search([('name', '=', 'Web shop shipping')], limit=1) or \
    env['product.product'].create({{'name': 'Web shop shipping', 'type': 'service'}})
store.shipping_map_ids.filtered(lambda r: not r.product_id).product_id = shipping
# Stock goes back from the company's warehouse; Odoo events send statuses (platform defaults).
store.warehouse_id = store.warehouse_id or env['stock.warehouse'].search(
    [('company_id', '=', store.company_id.id)], limit=1)
store._create_default_export_maps()
# The emulator delivers its webhooks to this Odoo; a frozen base URL keeps the address
# registered in the store valid whoever logs in from where.
params = env['ir.config_parameter'].sudo()
params.set_param('web.base.url', {odoo_url!r})
params.set_param('web.base.url.freeze', 'True')
env.cr.commit()
store.action_register_webhooks()
first_orders(store)
# Stock of the shop's products in its warehouse, once: some open orders can ship today, others
# wait for goods (Sales > Orders > Fulfillable Orders, Purchase needs).
products = env['storesync.product.binding'].search(
    [('store_id', '=', store.id)]).product_id.filtered('is_storable')
shelf = store.warehouse_id.lot_stock_id
if products and not env['stock.quant'].search_count(
        [('product_id', 'in', products.ids), ('location_id', 'child_of', shelf.id)]):
    env['stock.quant'].with_context(inventory_mode=True).create([
        {{'product_id': product.id, 'location_id': shelf.id,
          'inventory_quantity': (product.id % 4) * 3}}
        for product in products if product.id % 4])._apply_inventory()
    env.cr.commit()
print('demo store id', store.id)
"""

REGISTER_SHOPRENTER_STORE = """
# Idempotent: the second demo store, the Shoprenter emulator (prices in HUF, VAT by rate).
store = env['storesync.store'].sudo().with_context(active_test=False).search(
    [('base_url', '=', {url!r})], limit=1)
vals = {{'name': 'Demo Shoprenter shop (emulator)', 'platform': 'shoprenter',
        'base_url': {url!r}, 'shop_name': {shop!r}, 'client_id': {key!r},
        'client_secret': {secret!r}, 'active': True, 'order_prefix': 'SR-',
        'user_id': env.ref('base.user_admin').id,
        # A Hungarian shop's confirmed orders arrive with their draft invoices.
        'invoice_policy': 'draft'}}
if store:
    store.write(vals)
else:
    # Created with the adapter's default status mapping (paid orders confirmed...).
    store = env['storesync.store'].sudo().create(dict(vals, import_orders_since=False))
# The token cache and the request throttle write through cursors of their own: they must see
# the store.
env.cr.commit()
huf = env.ref('base.HUF')
huf.active = True
if not store.pricelist_id:
    store.pricelist_id = env['product.pricelist'].create(
        {{'name': 'Web shop (HUF)', 'currency_id': huf.id}})
store._create_default_status_maps()
# Tax rows keyed by rate ("27", "18", "5", "0"), shipping rows by mode innerId ("18"...).
from odoo.exceptions import UserError
try:
    store.action_load_store_settings()
except UserError as error:
    # The emulator serves no /languages (which the status names need) yet: the rows the
    # shop's /taxRates and /shippingModeExtend would give.
    print('load store settings failed, mapping the known rates and modes:', error)
    store._add_missing_mappings(
        [(str(rate), f'ÁFA {{rate}}%', rate) for rate in (27, 18, 5, 0)],
        [('18', 'GLS futárszolgálat'), ('19', 'Foxpost csomagautomata'),
         ('20', 'Személyes átvétel')], [], match=True)
for row in store.tax_map_ids.filtered(lambda r: not r.tax_id):
    row.tax_id = env['account.tax'].search([
        ('name', '=', f'ÁFA {{row.rate:g}}%'), ('type_tax_use', '=', 'sale'),
        ('company_id', '=', store.company_id.id)], limit=1) or env['account.tax'].create({{
        'name': f'ÁFA {{row.rate:g}}%', 'amount': row.rate, 'amount_type': 'percent',
        'type_tax_use': 'sale', 'company_id': store.company_id.id}})
shipping = env['product.product'].search([('name', '=', 'Web shop shipping')], limit=1) or \
    env['product.product'].create({{'name': 'Web shop shipping', 'type': 'service'}})
store.shipping_map_ids.filtered(lambda r: not r.product_id).product_id = shipping
# Its own warehouse: stock goes back to this shop from there, orders are delivered from there.
if not store.warehouse_id:
    store.warehouse_id = env['stock.warehouse'].search(
        [('code', '=', 'SRWEB'), ('company_id', '=', store.company_id.id)], limit=1
    ) or env['stock.warehouse'].create({{'name': 'Shoprenter webshop', 'code': 'SRWEB',
                                         'company_id': store.company_id.id}})
store._create_default_export_maps()
env.cr.commit()
# The delivery URL ends with the store's webhook secret (Shoprenter signs nothing).
store.action_register_webhooks()
first_orders(store)
print('shoprenter store id', store.id)
"""

REGISTER_CARTUM_STORE = """
# Idempotent: the third demo store, the Cartum emulator (UAH, gross prices, VAT 20 % included).
store = env['storesync.store'].sudo().with_context(active_test=False).search(
    [('base_url', '=', {url!r})], limit=1)
vals = {{'name': 'Demo Cartum shop (emulator)', 'platform': 'cartum', 'base_url': {url!r},
        'cartum_login': {login!r}, 'cartum_password': {password!r}, 'active': True,
        'order_prefix': 'CT-', 'user_id': env.ref('base.user_admin').id}}
if store:
    store.write(vals)
else:
    store = env['storesync.store'].sudo().create(dict(vals, import_orders_since=False))
env.cr.commit()
uah = env.ref('base.UAH')
uah.active = True
if not store.pricelist_id:
    store.pricelist_id = env['product.pricelist'].create(
        {{'name': 'Web shop (UAH)', 'currency_id': uah.id}})
store._create_default_status_maps()
# Its own statuses ("Awaiting payment", "Returned"), its one rate "vat", its delivery types.
store.action_load_store_settings()
for row in store.status_map_ids.filtered(lambda r: r.store_status == '8'):
    row.action = 'cancel'
vat = env['account.tax'].search([
    ('name', '=', 'ПДВ 20% (included)'), ('type_tax_use', '=', 'sale'),
    ('company_id', '=', store.company_id.id)], limit=1) or env['account.tax'].create({{
    'name': 'ПДВ 20% (included)', 'amount': 20, 'amount_type': 'percent',
    'type_tax_use': 'sale', 'price_include_override': 'tax_included',
    'company_id': store.company_id.id}})
store.tax_map_ids.filtered(lambda r: not r.tax_id).tax_id = vat
shipping = env['product.product'].search([('name', '=', 'Web shop shipping')], limit=1) or \
    env['product.product'].create({{'name': 'Web shop shipping', 'type': 'service'}})
store.shipping_map_ids.filtered(lambda r: not r.product_id).product_id = shipping
if not store.warehouse_id:
    store.warehouse_id = env['stock.warehouse'].search(
        [('code', '=', 'CTWEB'), ('company_id', '=', store.company_id.id)], limit=1
    ) or env['stock.warehouse'].create({{'name': 'Cartum webshop', 'code': 'CTWEB',
                                         'company_id': store.company_id.id}})
store._create_default_export_maps()
env.cr.commit()
# The delivery URL ends with the store's webhook secret (Cartum signs nothing).
store.action_register_webhooks()
first_orders(store)
print('cartum store id', store.id)
"""


REGISTER_VIRTUEMART_STORE = """
# Idempotent: the fourth demo store, a German VirtueMart shop whose MariaDB database is its API.
store = env['storesync.store'].sudo().with_context(active_test=False).search(
    [('base_url', '=', {url!r})], limit=1)
vals = {{'name': 'Demo VirtueMart shop (MariaDB)', 'platform': 'virtuemart', 'base_url': {url!r},
        'active': True, 'order_prefix': 'VM-', 'user_id': env.ref('base.user_admin').id,
        **{credentials!r}}}
if store:
    store.write(vals)
else:
    store = env['storesync.store'].sudo().create(dict(vals, import_orders_since=False))
env.cr.commit()
eur = env.ref('base.EUR')
eur.active = True
if not store.pricelist_id:
    store.pricelist_id = env['product.pricelist'].search(
        [('name', '=', 'Web shop (EUR)')], limit=1) or env['product.pricelist'].create(
        {{'name': 'Web shop (EUR)', 'currency_id': eur.id}})
store._create_default_status_maps()
# Its VAT rules (19 %, 7 %), shipment and payment methods, own states, shopper groups.
store.action_load_store_settings()
for row in store.status_map_ids.filtered(lambda r: r.store_status == 'Z'):
    row.action = 'cancel'
for row in store.tax_map_ids.filtered(lambda r: not r.tax_id):
    row.tax_id = env['account.tax'].search([
        ('amount', '=', row.rate), ('amount_type', '=', 'percent'), ('type_tax_use', '=', 'sale'),
        ('price_include', '=', False), ('company_id', '=', store.company_id.id)], limit=1
    ) or env['account.tax'].create({{
        'name': f'{{row.label}} {{row.rate:g}}%', 'amount': row.rate,
        'amount_type': 'percent', 'type_tax_use': 'sale', 'company_id': store.company_id.id}})
shipping = env['product.product'].search([('name', '=', 'Web shop shipping')], limit=1) or \
    env['product.product'].create({{'name': 'Web shop shipping', 'type': 'service'}})
store.shipping_map_ids.filtered(lambda r: not r.product_id).product_id = shipping
store.warehouse_id = store.warehouse_id or env['stock.warehouse'].search(
    [('company_id', '=', store.company_id.id)], limit=1)
store._create_default_export_maps()
first_orders(store)
print('virtuemart store id', store.id)
"""


def ensure_debian_package(program, package, why, required=True):
    """The path of ``program``, from Debian's ``package``: installed with apt-get when it is
    missing and we may (root), else explained (an error when ``required``, else a warning)."""
    if shutil.which(program):
        return shutil.which(program)
    if shutil.which("apt-get") and os.geteuid() == 0:
        info(f"installing Debian's {package} package ({why}; apt-get, a minute or two)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-q"], env=env, check=False)
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", package], env=env)
        if shutil.which(program):
            return shutil.which(program)
    message = f"{package} is missing ({why}): install it, e.g. sudo apt-get install {package}"
    if required:
        raise SetupError(message)
    info(f"warning: {message}")
    return None


@contextlib.contextmanager
def demo_running(args, db=DEMO_DB, conf_name="odoo.conf", log_file=None):
    """Odoo on database ``db`` with the three demo store emulators, as ``make run`` starts
    them; stopped when the block ends.

    ``args`` carries the ports, ``orders`` and ``products`` (``dev.py run``'s options). The
    database is created (or its addon updated) first and the emulators are registered as its
    stores, which imports a first batch of orders: Sales has orders when Odoo answers. Yields
    a namespace with ``url`` (Odoo), ``procs`` (each process and what it is) and the
    emulators' addresses. Odoo logs to ``log_file`` when given, else to the terminal.
    """
    odoo_src = ensure_odoo_source()
    ensure_venv(odoo_src)
    env = ensure_mariadb(ensure_postgres())
    step("wkhtmltopdf")
    ensure_debian_package(
        "wkhtmltopdf",
        "wkhtmltopdf",
        "Odoo prints invoices and packing summaries as PDF with it",
        required=False,
    )
    sr_port = args.shoprenter_port or args.emulator_port + 1
    ct_port = args.cartum_port or args.emulator_port + 2
    for port, what, variable in (
        (args.http_port, "Odoo", "ODOO_HTTP_PORT"),
        (args.emulator_port, "the WooCommerce emulator", "EMULATOR_PORT"),
        (sr_port, "the Shoprenter emulator", "SHOPRENTER_PORT (default EMULATOR_PORT + 1)"),
        (ct_port, "the Cartum emulator", "CARTUM_PORT (default EMULATOR_PORT + 2)"),
    ):
        if not port_free(port):
            raise SetupError(f"port {port} for {what} is busy: stop what uses it or set {variable}")
    conf = write_config(odoo_src, env, conf_name, args.http_port, dbfilter=f"^{db}$")
    step(f"database {db}")
    stamp = STATE / f"{db}.addon"
    current = addon_digest()
    logs = "" if db == DEMO_DB else f"{db}-"
    if not db_exists(env, db):
        info(f"creating it with {BASE_MODULES},{ADDON} (a few minutes the first time)")
        odoo_step(
            odoo_src,
            conf,
            env,
            ["-d", db, "-i", f"{BASE_MODULES},{ADDON}", "--without-demo=all"],
            "install",
            f"{logs}install.log",
        )
        stamp.write_text(current)
    elif not stamp.exists() or stamp.read_text() != current:
        info(f"the addon changed since the last run: updating {ADDON}")
        odoo_step(
            odoo_src, conf, env, ["-d", db, "-i", ADDON, "-u", ADDON], "update", f"{logs}update.log"
        )
        stamp.write_text(current)
    else:
        info("up to date")

    procs = {}

    def emulator(platform, port, key, secret, *extra):
        step(f"store emulator ({platform}) on port {port}")
        proc = subprocess.Popen(
            [
                str(venv_python()),
                "-m",
                "store_emulator",
                "--platform",
                platform,
                "--port",
                str(port),
                "--seed",
                "1",
                "--orders",
                str(args.orders),
                "--products",
                str(args.products),
                "--consumer-key",
                key,
                "--consumer-secret",
                secret,
                *extra,
            ],
            cwd=REPO,
        )
        procs[proc] = f"the {platform} emulator"
        return proc, f"http://127.0.0.1:{port}"

    try:
        woo, emulator_url = emulator(
            "woocommerce", args.emulator_port, EMULATOR_KEY, EMULATOR_SECRET
        )
        shoprenter, sr_url = emulator(
            "shoprenter",
            sr_port,
            SHOPRENTER_CLIENT,
            SHOPRENTER_SECRET,
            "--shop-name",
            SHOPRENTER_SHOP,
        )
        cartum, ct_url = emulator(
            "cartum", ct_port, CARTUM_LOGIN, CARTUM_PASSWORD, "--currency", "UAH"
        )
        for proc, url in (
            (woo, f"{emulator_url}/wp-json/"),
            (shoprenter, f"{sr_url}/api/"),
            (cartum, f"{ct_url}/_emulator/"),
        ):
            if not wait_http(url, 30, proc):
                raise SetupError(f"the emulator at {url} did not start (see its output above)")
        # Each Odoo database (the demo's, the screenshots') has a shop database of its own.
        vm_database = VIRTUEMART_DB or f"{db}_vm"
        step(f"the VirtueMart demo shop's database {vm_database}")
        seeded = subprocess.run(
            [
                str(venv_python()),
                "-m",
                "store_emulator.platforms.virtuemart",
                "--database",
                vm_database,
                "--orders",
                str(args.orders),
                "--products",
                str(args.products),
                "--json",
            ],
            cwd=REPO,
            env=env,
            text=True,
            capture_output=True,
        )
        if seeded.returncode:
            raise SetupError(f"seeding the VirtueMart demo shop failed:\n{seeded.stderr[-2000:]}")
        vm_credentials = json.loads(seeded.stdout.strip().splitlines()[-1])
        vm_url = vm_credentials.pop("url")
        step("registering the emulators as the demo stores")
        # One shell for the three stores: Odoo's start-up is paid once.
        registered = subprocess.run(
            odoo_cmd(odoo_src, conf, "-d", db, "--no-http", "--log-level=warn", command="shell"),
            input=FIRST_ORDERS
            + REGISTER_DEMO_STORE.format(
                url=emulator_url,
                key=EMULATOR_KEY,
                secret=EMULATOR_SECRET,
                odoo_url=f"http://127.0.0.1:{args.http_port}",
            )
            + REGISTER_SHOPRENTER_STORE.format(
                url=sr_url,
                shop=SHOPRENTER_SHOP,
                key=SHOPRENTER_CLIENT,
                secret=SHOPRENTER_SECRET,
            )
            + REGISTER_CARTUM_STORE.format(url=ct_url, login=CARTUM_LOGIN, password=CARTUM_PASSWORD)
            + REGISTER_VIRTUEMART_STORE.format(url=vm_url, credentials=vm_credentials),
            text=True,
            env=env,
            capture_output=True,
        )
        if registered.returncode or "virtuemart store id" not in registered.stdout:
            raise SetupError(
                f"registering the demo stores failed:\n{registered.stdout[-1000:]}"
                f"{registered.stderr[-2000:]}"
            )
        step("starting Odoo")
        logging = [f"--logfile={log_file}"] if log_file else []
        odoo = subprocess.Popen(odoo_cmd(odoo_src, conf, "-d", db, *logging), env=env)
        procs[odoo] = "Odoo"
        url = f"http://localhost:{args.http_port}"
        if not wait_http(f"{url}/web/login", 120, odoo):
            raise SetupError(f"Odoo did not start (see its log {log_file or 'above'})")
        yield types.SimpleNamespace(
            url=url,
            procs=procs,
            emulator_url=emulator_url,
            sr_url=sr_url,
            ct_url=ct_url,
            vm_server=f"{vm_credentials['vm_db_host']}:{vm_credentials['vm_db_port']}",
            vm_database=vm_database,
        )
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            if proc.poll() is None:
                proc.kill()


def cmd_run(args):
    # Ctrl-C and SIGTERM both stop Odoo and the emulator (a shell may start us with SIGINT
    # ignored when run in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with demo_running(args) as demo:
            print(
                f"\nOdoo is running at {demo.url} (login admin, password admin); the demo "
                f"stores are the WooCommerce emulator at {demo.emulator_url} (keys "
                f"{EMULATOR_KEY} / {EMULATOR_SECRET}), the Shoprenter emulator at "
                f"{demo.sr_url} (shop {SHOPRENTER_SHOP}, client {SHOPRENTER_CLIENT} / "
                f"{SHOPRENTER_SECRET}), the Cartum emulator at {demo.ct_url} (admin "
                f"{CARTUM_LOGIN} / {CARTUM_PASSWORD}) and the VirtueMart shop in the MariaDB "
                f"database {demo.vm_database} at {demo.vm_server}.\n"
                "Press Ctrl-C to stop Odoo and the emulators.\n",
                flush=True,
            )
            while all(proc.poll() is None for proc in demo.procs):
                time.sleep(0.5)
            dead = [name for proc, name in demo.procs.items() if proc.poll() is not None]
            raise SetupError(f"{' and '.join(dead)} stopped")
    except KeyboardInterrupt:
        print("\nstopped Odoo and the emulators", flush=True)


def cmd_i18n(args):
    """Regenerate the addon's .pot from the demo database (updated to the current code)."""
    odoo_src, env = cmd_setup(args)
    conf = STATE / "odoo.conf"
    if not db_exists(env, DEMO_DB):
        raise SetupError(f"no database {DEMO_DB}: run `make run` once first")
    step(f"updating {ADDON} in {DEMO_DB}")
    odoo_step(odoo_src, conf, env, ["-d", DEMO_DB, "-u", ADDON], "update", "update.log")
    (STATE / f"{DEMO_DB}.addon").write_text(addon_digest())
    step("exporting the .pot")
    odoo_bin = str(Path(odoo_src) / "odoo-bin")
    run(
        [str(venv_python()), odoo_bin, "i18n", "export", "-c", str(conf), "-d", DEMO_DB, ADDON],
        env=env,
    )
    info(f"{ADDON}/i18n/{ADDON}.pot written; update the .po files (tests/test_i18n.py checks them)")


def cmd_setup(args):
    odoo_src = ensure_odoo_source()
    ensure_venv(odoo_src)
    env = ensure_mariadb(ensure_postgres())
    write_config(odoo_src, env, "odoo.conf", dbfilter=f"^{DEMO_DB}$")
    return odoo_src, env


def lint():
    """ruff (lint and format) on the project, pylint-odoo on the addon; return failures."""
    step("linters")
    bin_ = VENV / "bin"
    failed = []
    checks = [
        ("ruff check", [str(bin_ / "ruff"), "check", "."]),
        ("ruff format --check", [str(bin_ / "ruff"), "format", "--check", "."]),
        (
            "pylint-odoo",
            # no-member: pylint cannot follow Odoo's _inherit (message_post & co.).
            [
                str(bin_ / "pylint"),
                "--rcfile",
                str(REPO / ".pylintrc"),
                "--disable=no-member",
                ADDON,
            ],
        ),
    ]
    for name, cmd in checks:
        result = subprocess.run(cmd, cwd=REPO, text=True, capture_output=True)
        output = (result.stdout + result.stderr).strip()
        status = "ok" if result.returncode == 0 else "FAILED"
        info(f"{name}: {status}")
        if result.returncode:
            print(output, flush=True)
            failed.append(name)
    return failed


NO_AUTOVACUUM = """
DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('ALTER TABLE %I SET (autovacuum_enabled = off)', t.tablename);
  END LOOP;
END $$;
"""

UNINSTALL = """
module = env['ir.module.module'].search([('name', '=', 'storesync_connector')])
assert module.state == 'installed', module.state
module.button_immediate_uninstall()
env.cr.commit()
module.invalidate_recordset()
assert module.state == 'uninstalled', module.state
print('uninstalled')
"""


def ensure_template(odoo_src, conf, env):
    """A database with Odoo's modules the addon needs, reused by every test run.

    Installing sale_management and stock takes over a minute and only changes with the Odoo
    source, so the name carries a digest of that source's location and release file.
    """
    key = hashlib.sha256(
        f"{odoo_src}|{BASE_MODULES}".encode()
        + (Path(odoo_src) / "odoo" / "release.py").read_bytes()
    ).hexdigest()[:10]
    template = f"storesync_template_{key}"
    if db_exists(env, template):
        return template
    step(f"template database {template} with {BASE_MODULES} (once per Odoo source)")
    building = f"{template}_building"
    run(["dropdb", "--if-exists", building], env=env)
    odoo_step(
        odoo_src,
        conf,
        env,
        ["-d", building, "-i", BASE_MODULES, "--without-demo=all"],
        "install",
        "template-install.log",
    )
    # Renamed only once complete, so an interrupted build is never used as a template.
    run(
        ["psql", "-d", "postgres", "-c", f'ALTER DATABASE "{building}" RENAME TO "{template}"'],
        env=env,
    )
    building_store = STATE / "data" / "filestore" / building
    if building_store.exists():
        building_store.rename(STATE / "data" / "filestore" / template)
    return template


def odoo_source_in_venv(script, argv):
    """For a script that needs the project's packages (``make bench``, ``make reliability``):
    the setup as ``make run`` does it, then the script again under the virtualenv (this call
    does not return there); under the virtualenv, the Odoo source to use."""
    if Path(sys.prefix).resolve() != VENV.resolve():
        odoo_src = ensure_odoo_source()
        ensure_venv(odoo_src)
        env = dict(os.environ, STORESYNC_BENCH_ODOO_SRC=str(odoo_src))
        python = str(venv_python())
        os.execve(python, [python, str(script), *argv], env)
    return Path(os.environ.get("STORESYNC_BENCH_ODOO_SRC") or ensure_odoo_source())


def cmd_test(args):
    odoo_src = ensure_odoo_source()
    ensure_venv(odoo_src)
    env = ensure_mariadb(ensure_postgres())
    db = f"storesync_test_{os.getpid()}"
    conf = write_config(odoo_src, env, "test.conf", http_port=args.http_port)
    failures = []
    pytest_rc = None
    try:
        template = ensure_template(odoo_src, conf, env)
        step(f"throwaway database {db} from {template}, installing {ADDON}")
        run(["createdb", "-T", template, db], env=env)
        template_store = STATE / "data" / "filestore" / template
        if template_store.exists():
            shutil.copytree(template_store, STATE / "data" / "filestore" / db)
        log = odoo_step(odoo_src, conf, env, ["-d", db, "-i", ADDON], "install", "test-install.log")
        warnings = [line for line in log.splitlines() if " WARNING " in line and ADDON in line]
        if warnings:
            print("\n".join(warnings), flush=True)
            failures.append("warnings while installing the addon")
        # The tests never commit: autovacuum would only clean their rolled-back rows and
        # record the tables as empty, after which the planner picks nested loops over the
        # thousands of rows a test transaction holds (minutes-long stock queries).
        run(["psql", "-q", "-d", db, "-c", NO_AUTOVACUUM], env=env)
        step("pytest")
        pytest = [
            str(VENV / "bin" / "pytest"),
            "--odoo-config",
            str(conf),
            "--odoo-database",
            db,
            # HttpCase tests (the webhook endpoint) need Odoo's HTTP server; pytest-odoo
            # skips them without it.
            "--odoo-http",
            "-p",
            "no:cacheprovider",
            *args.pytest_args,
        ]
        if not args.pytest_args:
            pytest.append("tests")
        pytest_rc = subprocess.run(pytest, cwd=REPO, env=env).returncode
        if pytest_rc == 5:
            failures.append("pytest collected no tests")
        elif pytest_rc:
            failures.append(f"pytest (exit {pytest_rc})")
        if not args.pytest_args:
            step("uninstalling the addon")
            result = subprocess.run(
                odoo_cmd(
                    odoo_src, conf, "-d", db, "--no-http", "--log-level=warn", command="shell"
                ),
                input=UNINSTALL,
                text=True,
                env=env,
                capture_output=True,
            )
            noisy = [
                line
                for line in result.stderr.splitlines()
                if " WARNING " in line or " ERROR " in line or "Traceback" in line
            ]
            if result.returncode or "uninstalled" not in result.stdout or noisy:
                print(result.stdout + result.stderr, flush=True)
                failures.append("uninstalling the addon")
            else:
                info("uninstalled cleanly")
    finally:
        step(f"dropping {db}")
        run(["dropdb", "--if-exists", db], check=False, env=env)
        shutil.rmtree(STATE / "data" / "filestore" / db, ignore_errors=True)
    if not args.pytest_args:
        step("make reliability --quick")
        reliability = [str(venv_python()), str(REPO / "scripts" / "reliability.py"), "--quick"]
        if subprocess.run(reliability, cwd=REPO, env=env).returncode:
            failures.append("make reliability --quick")
        failures += lint()
    if failures:
        raise SetupError("make test failed: " + ", ".join(failures))
    step("all checks passed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="set up, then run Odoo with the demo stores")
    p_run.add_argument("--http-port", type=int, default=int(os.environ.get("ODOO_HTTP_PORT", 8069)))
    p_run.add_argument(
        "--emulator-port", type=int, default=int(os.environ.get("EMULATOR_PORT", 8071))
    )
    p_run.add_argument(
        "--shoprenter-port",
        type=int,
        default=int(os.environ.get("SHOPRENTER_PORT", 0)),
        help="the Shoprenter emulator's port (default: the WooCommerce emulator's + 1)",
    )
    p_run.add_argument(
        "--cartum-port",
        type=int,
        default=int(os.environ.get("CARTUM_PORT", 0)),
        help="the Cartum emulator's port (default: the WooCommerce emulator's + 2)",
    )
    p_run.add_argument("--orders", type=int, default=int(os.environ.get("EMULATOR_ORDERS", 500)))
    p_run.add_argument(
        "--products", type=int, default=int(os.environ.get("EMULATOR_PRODUCTS", 200))
    )
    sub.add_parser("setup", help="only the setup steps")
    p_test = sub.add_parser("test", help="the whole suite on a throwaway database, then linters")
    p_test.add_argument(
        "--http-port", type=int, default=int(os.environ.get("TEST_HTTP_PORT", 8169))
    )
    p_test.add_argument("pytest_args", nargs="*", help="pytest arguments (default: tests)")
    sub.add_parser("lint", help="ruff and pylint-odoo only")
    sub.add_parser("i18n", help="regenerate the addon's .pot from the demo database")
    # pytest's own options (-x, -k EXPR) pass through: `make test ARGS="tests/x.py -x"`.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "test":
        args.pytest_args += extra
    try:
        if args.command == "run":
            cmd_run(args)
        elif args.command == "setup":
            cmd_setup(args)
        elif args.command == "i18n":
            cmd_i18n(args)
        elif args.command == "test":
            cmd_test(args)
        elif args.command == "lint" and lint():
            raise SetupError("linters failed")
    except SetupError as exc:
        print(f"\nERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
