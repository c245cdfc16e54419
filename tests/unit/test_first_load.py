"""What keeps the first load small stays in step with the app.

The stylesheet carries only the Radix colour scales in ``rxconfig.THEME_COLORS``; a page that
names another one (``color_scheme="blue"``, ``rx.color("blue", 9)``) would silently get no
colours, so every colour the app names must be in that list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from reflex_components_radix.themes.base import LiteralAccentColor

from lumi_app.first_load import ACCENT_COLOR, THEME_COLORS, RadixThemesByName

ROOT = Path(__file__).resolve().parents[2]
RADIX_COLORS = {*get_args(LiteralAccentColor), "mauve", "slate", "sage", "olive", "sand"}
# The grey Radix pairs with an accent when gray_color is left "auto".
AUTO_GRAY = {"pink": "mauve", "plum": "mauve", "purple": "mauve", "crimson": "mauve", "ruby": "mauve"}
COLOR_ARGUMENT = re.compile(r"""(?:color_scheme|accent_color|gray_color)\s*=\s*([^\n]*)|rx\.color\(\s*["'](\w+)["']""")
QUOTED = re.compile(r"""["'](\w+)["']""")


def colors_named_in(source: str) -> set[str]:
    names: set[str] = set()
    for argument, color in COLOR_ARGUMENT.findall(source):
        names.update(QUOTED.findall(argument) if argument else [color])
    return names & RADIX_COLORS


def test_every_colour_the_app_names_is_in_the_stylesheet() -> None:
    named: dict[str, set[str]] = {}
    for path in sorted((ROOT / "lumi_app").rglob("*.py")):
        for color in colors_named_in(path.read_text()):
            named.setdefault(color, set()).add(str(path.relative_to(ROOT)))

    missing = {color: sorted(paths) for color, paths in named.items() if color not in THEME_COLORS}
    assert not missing, f"add these to THEME_COLORS in lumi_app/first_load.py: {missing}"
    assert {"gray", "red"} <= set(named)  # the scan sees the app's colours at all


def test_the_accent_and_its_grey_are_in_the_stylesheet() -> None:
    assert ACCENT_COLOR in THEME_COLORS
    assert AUTO_GRAY[ACCENT_COLOR] in THEME_COLORS


def test_the_stylesheet_is_radix_split_by_colour_not_the_whole_bundle() -> None:
    sheets = RadixThemesByName().get_stylesheet_paths()

    assert "@radix-ui/themes/styles.css" not in sheets
    assert sheets[0] == "@radix-ui/themes/tokens/base.css"
    assert [s.rsplit("/", 1)[-1] for s in sheets if "/colors/" in s] == [f"{c}.css" for c in THEME_COLORS]
    assert sheets[-2:] == ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")


def test_the_whole_radix_library_is_not_bundled_for_dynamic_components() -> None:
    assert RadixThemesByName().get_frontend_dependencies() == ()


def test_the_scan_reads_conditional_colours_too() -> None:
    source = 'rx.button(color_scheme=rx.cond(current, "pink", "blue"))\nrx.box(bg=rx.color("teal", 3))'
    assert colors_named_in(source) == {"pink", "blue", "teal"}
