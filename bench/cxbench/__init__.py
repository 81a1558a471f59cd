"""The cxmetrics scale benchmark (run it with `python bench/run.py`; bench/README.md says
what each figure means). It calls the library's public functions only.

    cli.py         command line: options, printed table, results.json, README table
    runner.py      one run: the steps in order, in a temporary directory
    context.py     what every step is given: options resolved, temp dir, main store, memory
    steps/         one module per measured item (organisation, scorecard, history, ingest,
                   qualtrics, page, shared: PostgreSQL beside DuckDB)
    data.py        the inputs: demo stores, roster / survey CSVs, the Qualtrics export
    baselines.py   the independent computations: pandas scorecard, DuckDB and pandas loads
    measure.py     timing, medians, alternating calls, peak RSS of a step in a child
    profiles.py    cProfile summaries and memory by load_batch stage (children only)
    targets.py     the targets and their pass / MISS verdicts
    report.py      the figures table, profile notes, README block, results.json
    provenance.py  the machine, the code and the methods a run records
    db.py          DuckDB URLs, connections without progress bars, files on disk
"""
