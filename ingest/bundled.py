"""The product's own data: the curated YAML of ``data/`` and, when the shared folder holds
it, the ETO supply-chain dataset — loaded together in one validated run.

One run, not two: curated chips name ETO inputs (REQUIRES input:n..), and ETO providers
must resolve to the curated firms; the ETO reader resolves against the curated records
read in the same run (and the database), so both directions hold.
"""

from __future__ import annotations

import os
from pathlib import Path

from graph.db import Graph
from ingest.curated import read_curated
from ingest.eto import SOURCE_ID as ETO_SOURCE
from ingest.eto import is_eto_dir, read_eto
from ingest.loader import DEFAULT_BATCH, LoadSummary
from ingest.pipeline import Item, list_source, run_load
from ingest.resolution import resolved
from ingest.resolve import FirmIndex

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


def shared_dir() -> Path:
    """The shared folder (env STACKGRAPH_SHARED, default ``<repo>/../shared``)."""
    return Path(os.environ.get("STACKGRAPH_SHARED", ROOT.parent / "shared"))


def eto_dir(shared: Path | None = None) -> Path:
    """ETO's folder: under ``shared`` when given, else where the dataset catalogue finds
    it (``$STACKGRAPH_DATASETS_DIR``, ``.stackgraph/datasets/``, ``../shared/data``)."""
    if shared is not None:
        return shared / "data" / "eto-semiconductor-supply-chain"
    from ingest.catalogue import dataset, local_state

    state = local_state(dataset("eto-semiconductor-supply-chain"))
    return state.folder or shared_dir() / "data" / "eto-semiconductor-supply-chain"


def bundled_items(graph: Graph | None, shared: Path | None = None,
                  data_dir: Path = DATA_DIR) -> list[Item]:
    """The records of data/ and (when present) of the ETO folder, curated first."""
    items = read_curated([data_dir])
    eto = eto_dir(shared)
    if is_eto_dir(eto):
        firms = FirmIndex().add_graph(graph, ETO_SOURCE).add_records(items)
        items.extend(read_eto(eto, firms))
    return items


def load_bundled(graph: Graph, shared_dir: Path | None = None, *,
                 batch_size: int = DEFAULT_BATCH, progress: bool | None = False,
                 data_dir: Path = DATA_DIR) -> LoadSummary:
    """Load the bundled data into ``graph`` (idempotent: a second call changes nothing).
    Returns the summary; rejections are in ``summary.rejections``."""
    items = bundled_items(graph, shared_dir, data_dir)
    return run_load(graph, resolved(list_source(items), graph), batch_size=batch_size,
                    progress=progress)
