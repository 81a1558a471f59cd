"""Entry point of the scale benchmark: ``python bench/run.py --agents 2000 --weeks 52``
(``make bench``) or ``--agents 200`` (``make bench-quick``); ``--help`` lists the options.

The benchmark is the package next to this file, bench/cxbench (module map in its
``__init__``; what each figure means in bench/README.md).
"""

from __future__ import annotations

import sys

from cxbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
