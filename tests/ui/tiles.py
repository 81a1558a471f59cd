"""The scorecard's tiles read back from an AppTest run, as a person reads them.

A tile (`tile` in cxmetrics/ui/tiles.py) is one markdown block in a bordered container
keyed `tile-<status>-<id>`: its label, the value in bold, then the change, the status badge
and small details, each its own paragraph. `tiles(at)` parses every such block of the main area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CHANGE = re.compile(r":(\w+)-background\[(.*)\]", re.DOTALL)
_ARROW = re.compile(r":material/arrow_(upward|downward): ")
_SMALL = re.compile(r":small\[(.*)\]", re.DOTALL)


@dataclass
class Tile:
    key: str
    label: str
    value: str
    change: str | None = None  # "+0.4 pp · real change", "provisional", "no real change (…)"
    colour: str | None = None  # the change's colour: green, red or gray
    arrow: str | None = None  # "up" or "down" (a real change only)
    badge: str | None = None  # ":green-badge[:material/check_circle: On target]"
    details: list[str] = field(default_factory=list)  # the small lines, as written
    help: str | None = None

    @property
    def status(self) -> str:
        return self.key.split("-")[1]


def _blocks(node):
    """Every keyed block under `node`, depth first (AppTest's element tree)."""
    for child in getattr(node, "children", {}).values():
        if getattr(child, "key", None) and hasattr(child, "children"):
            yield child
        yield from _blocks(child)


def parse(key: str, body: str, help: str | None = None) -> Tile:
    """A tile's markdown (cxmetrics/ui/tiles.py) as its parts."""
    label, value, *rest = body.split("\n\n")
    tile = Tile(key=key, label=label, value=value.strip("*"), help=help or None)
    for paragraph in rest:
        if (change := _CHANGE.fullmatch(paragraph)) is not None:
            tile.colour, text = change.group(1), change.group(2)
            if (arrow := _ARROW.match(text)) is not None:
                tile.arrow = "up" if arrow.group(1) == "upward" else "down"
                text = text[arrow.end() :]
            tile.change = text
        elif "-badge[" in paragraph:
            tile.badge = paragraph
        elif (small := _SMALL.fullmatch(paragraph)) is not None:
            tile.details.append(small.group(1).replace("\u00a0", " "))
        else:
            raise AssertionError(f"unexpected paragraph in tile {key}: {paragraph!r}")
    return tile


def tiles(at) -> list[Tile]:
    """The tiles of the page's main area, in page order."""
    found = []
    for block in _blocks(at.main):
        if block.key.startswith("tile-"):
            markdown = next(
                child for child in block.children.values() if type(child).__name__ == "Markdown"
            )
            found.append(parse(block.key, markdown.value, markdown.help))
    return found


def by_label(at) -> dict[str, Tile]:
    return {tile.label: tile for tile in tiles(at)}
