"""cxmetrics: a customer-experience scorecard library (no UI code in here)."""

from __future__ import annotations

__version__ = "0.1.0"
