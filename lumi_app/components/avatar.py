"""A person's photo (or initials), with the person's name as its text alternative."""

from __future__ import annotations

import reflex as rx


def avatar(
    src: rx.Var[str] | str, initials: rx.Var[str] | str, name: rx.Var[str] | str, size: str = "3"
) -> rx.Component:
    # Reflex's Avatar has no `alt` prop; Radix passes it through to the <img>.
    return rx.avatar(src=src, fallback=initials, size=size, radius="full", custom_attrs={"alt": name})
