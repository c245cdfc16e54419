"""What keeps the first page a person loads small (measured by bench/lighthouse.py).

Used from rxconfig.py: :class:`RadixThemesByName`, Radix Themes with each page importing only
the components it renders, and a stylesheet with only the colour scales in
:data:`THEME_COLORS`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

# Radix Themes' colour scales Lumi uses: the accent, its grey (mauve goes with pink), and the
# color_scheme / rx.color names of the pages (tests/unit/test_first_load.py keeps this list
# in step with lumi_app/). Every other scale's tokens stay out of the stylesheet.
ACCENT_COLOR = "pink"
THEME_COLORS = ("pink", "mauve", "gray", "red", "amber", "green", "grass")


class RadixThemesByName(rx.plugins.RadixThemesPlugin):
    """Radix Themes, with each page importing the components it renders and nothing more.

    - The stock plugin also registers the whole library for dynamic components (components
      made from state at run time, which Lumi has none of): the app's root then imports all
      of Radix Themes, and every page's first load pays for it (about 450 KB of script,
      mostly components no page uses). Loading it lazily (``frontend_lazy_bundled_libraries``)
      still leaves it in the chunk every page loads. The package is still installed: Reflex
      installs what the pages' components import.
    - Its stylesheet is the whole of ``styles.css`` with all 30 colour scales; this one is
      the same stylesheet with only ``THEME_COLORS``' scales (Radix's documented split:
      tokens/base.css, tokens/colors/<name>.css, components.css, utilities.css).
    """

    def get_frontend_dependencies(self, **context: Any) -> tuple[str, ...]:
        return ()

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return (
            "@radix-ui/themes/tokens/base.css",
            *(f"@radix-ui/themes/tokens/colors/{color}.css" for color in THEME_COLORS),
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )
