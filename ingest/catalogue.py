"""The catalogue of public datasets: one YAML file per dataset in ``ingest/datasets/``.

Each entry says what a user needs to get and load a dataset themselves: its name (the
contract of ``stackgraph datasets fetch|load NAME``), publisher, license, homepage, where
the publisher's files are (repository, commit, path of each file), the ``--format`` of
its importer, the Source id its facts cite, and the SHA-256 of each file of the snapshot
the importer was tested on. Nothing of a dataset itself is kept in the repository.

A dataset is looked for, in order, in ``--dir``, ``$STACKGRAPH_DATASETS_DIR``,
``.stackgraph/datasets/`` (where ``fetch`` puts it) and ``../shared/data`` (the test
snapshot), as a folder named after the dataset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from graph.errors import BadArgument, StackgraphError

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_DIR = Path(__file__).resolve().parent / "datasets"
#: the publisher's file at a commit of its repository (HEAD: the default branch)
RAW_URL = "https://raw.githubusercontent.com/{repository}/{ref}/{path}"
#: a base URL serving ``NAME/FILE`` instead of the publishers (a local mirror; the tests)
MIRROR_ENV = "STACKGRAPH_DATASETS_MIRROR"
DIR_ENV = "STACKGRAPH_DATASETS_DIR"
#: written by ``fetch`` beside the files: when and from where they came, their checksums
SNAPSHOT_FILE = "SNAPSHOT.json"
FIELDS = ("name", "title", "publisher", "license", "commercial_use", "source_id", "format",
          "load", "order", "snapshot", "repository", "files")


@dataclass(frozen=True)
class DataFile:
    name: str  # the file's name in the dataset's folder
    path: str  # its path in the publisher's repository
    sha256: str  # of the tested snapshot


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    publisher: str
    license: str
    commercial_use: bool
    source_id: str
    format: str
    load: str  # what the importer reads, relative to the folder ("." = the folder)
    order: int  # load order (chips before the clusters that host them)
    snapshot: dt.date  # date of the tested snapshot
    repository: str
    files: tuple[DataFile, ...]
    homepage: str | None = None
    commit: str | None = None
    note: str | None = None

    def url(self, f: DataFile) -> str:
        mirror = os.environ.get(MIRROR_ENV)
        if mirror:
            return f"{mirror.rstrip('/')}/{self.name}/{f.name}"
        return RAW_URL.format(repository=self.repository, ref=self.commit or "HEAD",
                              path=f.path)


def _entry(path: Path) -> Dataset:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [k for k in FIELDS if k not in data]
    if missing:
        raise StackgraphError(f"{path}: missing field(s) {', '.join(missing)}")
    if data["name"] != path.stem:
        raise StackgraphError(f"{path}: name {data['name']!r} differs from the file name")
    files = tuple(DataFile(str(f["name"]), str(f["path"]), str(f["sha256"]))
                  for f in data["files"])
    return Dataset(
        name=data["name"], title=data["title"], publisher=data["publisher"],
        license=data["license"], commercial_use=bool(data["commercial_use"]),
        source_id=data["source_id"], format=data["format"], load=str(data["load"]),
        order=int(data["order"]), snapshot=data["snapshot"], repository=data["repository"],
        files=files, homepage=data.get("homepage"),
        commit=str(data["commit"]) if data.get("commit") else None, note=data.get("note"))


def catalogue(folder: Path = CATALOGUE_DIR) -> list[Dataset]:
    """Every catalogued dataset, in load order."""
    return sorted((_entry(p) for p in folder.glob("*.yaml")), key=lambda d: (d.order, d.name))


def dataset(name: str, folder: Path = CATALOGUE_DIR) -> Dataset:
    for d in catalogue(folder):
        if d.name == name:
            return d
    raise BadArgument(f"unknown dataset {name!r}", hint="expected one of: " + ", ".join(
        d.name for d in catalogue(folder)) + " (stackgraph datasets list)")


def fetch_dir() -> Path:
    """Where ``fetch`` puts datasets: ``<STACKGRAPH_HOME or .stackgraph>/datasets``."""
    from graph.settings import Settings

    # read now, not through the cached settings: a library call must not freeze them
    return Path(Settings().home) / "datasets"


def shared_data_dir() -> Path:
    return Path(os.environ.get("STACKGRAPH_SHARED", ROOT.parent / "shared")) / "data"


def search_dirs(extra: Path | None = None) -> list[Path]:
    """Where datasets are looked for, first hit winning."""
    env = os.environ.get(DIR_ENV)
    dirs = [extra, Path(env) if env else None, fetch_dir(), shared_data_dir()]
    return [d for d in dirs if d is not None]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class LocalState:
    """What is on this machine for one dataset."""

    dataset: Dataset
    folder: Path | None  # None: not present anywhere
    missing: list[str]  # files of the catalogue not in the folder
    changed: list[str]  # files whose checksum is not the tested snapshot's

    @property
    def present(self) -> bool:
        return self.folder is not None and not self.missing

    @property
    def status(self) -> str:
        if self.folder is None:
            return "not present"
        if self.missing:
            return "incomplete"
        return "changed" if self.changed else "verified"

    def snapshot_date(self) -> dt.date:
        """The day the local files were published or fetched: the catalogue's snapshot
        when they are the tested files, else the day ``fetch`` wrote them, else today."""
        if self.present and not self.changed:
            return self.dataset.snapshot
        meta = (self.folder / SNAPSHOT_FILE) if self.folder else None
        if meta and meta.exists():
            return dt.date.fromisoformat(json.loads(meta.read_text())["fetched"][:10])
        return dt.date.today()

    def as_dict(self) -> dict[str, Any]:
        d = self.dataset
        return {"name": d.name, "title": d.title, "publisher": d.publisher,
                "license": d.license, "commercial_use": d.commercial_use,
                "homepage": d.homepage, "format": d.format, "status": self.status,
                "folder": str(self.folder) if self.folder else None,
                "missing": self.missing, "changed": self.changed,
                "snapshot": d.snapshot.isoformat(),
                "fetch": f"stackgraph datasets fetch {d.name}"}


def local_state(d: Dataset, extra: Path | None = None) -> LocalState:
    for base in search_dirs(extra):
        folder = base / d.name
        if folder.is_dir():
            missing = [f.name for f in d.files if not (folder / f.name).is_file()]
            changed = [f.name for f in d.files
                       if (folder / f.name).is_file() and sha256(folder / f.name) != f.sha256]
            return LocalState(d, folder, missing, changed)
    return LocalState(d, None, [f.name for f in d.files], [])


def fetch(d: Dataset, accept_new: bool = False, timeout: float = 120.0,
          say: Callable[[str], None] = lambda _: None) -> Path:
    """Download every file of ``d`` into ``.stackgraph/datasets/NAME`` and verify it
    against the tested snapshot. A file that changed is refused (nothing is replaced)
    unless ``accept_new``. Returns the folder."""
    dest = fetch_dir() / d.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    got: dict[str, str] = {}
    new: list[str] = []
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{d.name}-") as tmp:
        for f in d.files:
            url = d.url(f)
            say(f"downloading {url}")
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp, \
                        open(Path(tmp) / f.name, "wb") as out:
                    shutil.copyfileobj(resp, out)
            except OSError as exc:  # URLError, HTTPError, timeouts
                raise StackgraphError(f"{d.name}: could not download {url}: {exc}",
                                      hint="check the connection, or download the files "
                                           f"from {d.homepage or d.repository} into "
                                           f"{dest}/ by hand") from None
            got[f.name] = sha256(Path(tmp) / f.name)
            if got[f.name] != f.sha256:
                new.append(f.name)
        if new and not accept_new:
            raise BadArgument(
                f"{d.name}: {', '.join(new)} differ from the snapshot the importer was "
                "tested on (SHA-256 " + "; ".join(f"{n} {got[n][:12]}... not "
                f"{next(f.sha256 for f in d.files if f.name == n)[:12]}..." for n in new)
                + "): nothing was replaced",
                hint=f"the publisher has changed the data; to load it anyway: stackgraph "
                     f"datasets fetch {d.name} --accept-new")
        dest.mkdir(exist_ok=True)
        for f in d.files:
            os.replace(Path(tmp) / f.name, dest / f.name)
    (dest / SNAPSHOT_FILE).write_text(json.dumps({
        "dataset": d.name, "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": {f.name: {"url": d.url(f), "sha256": got[f.name],
                           "tested": got[f.name] == f.sha256} for f in d.files}},
        indent=2) + "\n")
    return dest
