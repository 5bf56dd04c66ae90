"""What the browser tests look for on a page."""

import os
import re
from pathlib import Path

import pytest

from tests.e2e.png import png_to_gray

REQUIRED = os.environ.get("E2E_REQUIRED") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Playwright and zxing-cpp are development requirements. Where they are missing
# the browser tests are skipped, unless E2E_REQUIRED=1: then the import fails.
if not REQUIRED:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect  # noqa: E402

__all__ = ["SCREENSHOTS", "expect", "label", "labelless_inputs", "qr_codes"]


def label(text: str) -> re.Pattern:
    """A form label, with or without the colon Django's label_tag() adds."""
    return re.compile(rf"^{re.escape(text)}:?$")


def labelless_inputs(page) -> list[str]:
    """Visible form controls that no label names (by <label>, aria-label or aria-labelledby)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.getClientRects().length > 0)
            .filter(el => el.labels.length === 0
                && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML)"""
    )


def qr_codes(png: bytes) -> list[str]:
    """The texts of the QR codes in a screenshot."""
    if not REQUIRED:
        pytest.importorskip("zxingcpp", reason="the zxing-cpp package is not installed")
    import zxingcpp

    return [code.text for code in zxingcpp.read_barcodes(png_to_gray(png))]
