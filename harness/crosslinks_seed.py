"""Give each site of a built cluster without one the index of its links into other sites.

A tree built before the index existed (``portal.cluster.crosslinks``) has none: a removal then
searches the documents of those sites with grep, as before the index, until each has had a good
build. ``python -m harness.crosslinks_seed --dir /work/bench/<copy>`` writes for each such site
what its next good build would record (``crosslinks.checked``: its documents checked, not built;
≈ 0.5 CPU-s a site of 1,000 documents), so that a removal can be timed with the index on a tree
built by older code. Benchmark tooling, not a test: prints what it wrote.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from portal.cluster import crosslinks, runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a folder harness.cluster_bench left (repo/, output/)")
    args = parser.parse_args()
    cluster = runner.Cluster(args.dir / "output", repo=args.dir / "repo")
    start = time.process_time()
    seeded = linked = 0
    for site_id in cluster.ids:
        if crosslinks.links(cluster.output_root, site_id) is not None:
            continue
        found = crosslinks.checked(cluster.content_dir(site_id))
        crosslinks.store_links(cluster.output_root, site_id, found)
        seeded += 1
        linked += len(found)
    print(f"{seeded} sites given an index ({linked} links into other sites), "
          f"{time.process_time() - start:.1f} CPU-s")


if __name__ == "__main__":
    main()
