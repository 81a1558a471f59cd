"""One module per measured item, in the order a run measures them (numbers as in
bench/README.md): organisation (the main store), scorecard (1, 2), history (3), ingest (4),
qualtrics (5), page (7). Peak memory (6) is measured by each of them, in child processes.

Functions named `*_step` run in a fresh spawned process (`measure.in_child`), so they are
module-level and take and return plain values."""
