"""How long a couple has been together and how long until their anniversary, in the viewer's own days.

Counted in the browser, from its own calendar: a day starts at the viewer's midnight wherever
they are, and the figures move on at midnight without asking the server. Together since the
anniversary when one is set, else since the day they paired. An anniversary on 29 February
falls on 28 February in other years.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.vars import Var, VarData

# (start, anniversary) → [days together, days until the next anniversary (-1 without one), years then]
# start: an ISO date ("2021-06-14") or date-time (the pairing instant, read in the viewer's zone).
_COUNT = """((start, anniversary) => {
  const day = (iso) => {
    if (!iso) return null;
    if (/^\\d{4}-\\d{2}-\\d{2}$/.test(iso)) { const [y, m, d] = iso.split("-").map(Number); return [y, m, d]; }
    const t = new Date(iso);
    return isNaN(t) ? null : [t.getFullYear(), t.getMonth() + 1, t.getDate()];
  };
  const utc = ([y, m, d]) => Date.UTC(y, m - 1, d);
  const now = new Date();
  const today = [now.getFullYear(), now.getMonth() + 1, now.getDate()];
  const from = day(anniversary) || day(start);
  if (!from) return [0, -1, 0];
  const together = Math.max(0, Math.round((utc(today) - utc(from)) / 864e5));
  const a = day(anniversary);
  if (!a) return [together, -1, 0];
  const leap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const on = (y) => [y, a[1], a[1] === 2 && a[2] === 29 && !leap(y) ? 28 : a[2]];
  let year = today[0];
  if (utc(on(year)) < utc(today)) year += 1;
  return [together, Math.round((utc(on(year)) - utc(today)) / 864e5), year - a[0]];
})"""


def _counts(start_iso: Var[str], anniversary_iso: Var[str]) -> str:
    guard = "typeof window === 'undefined'"
    return f"({guard} ? [0, -1, 0] : {_COUNT}({start_iso}, {anniversary_iso}))"


def _text(code: str, *vars: Var) -> Var[str]:
    data = VarData.merge(*(v._get_all_var_data() for v in vars))
    return Var(code, _var_type=str, _var_data=data)  # type: ignore[return-value]


def days_together(start_iso: Var[str], anniversary_iso: Var[str]) -> Var[str]:
    """ "1,234 days together", "Together since today"."""
    counts = _counts(start_iso, anniversary_iso)
    code = (
        f"(([days]) => days === 0 ? 'Together since today' : "
        f"`${{days.toLocaleString('en-GB')}} ${{days === 1 ? 'day' : 'days'}} together`)({counts})"
    )
    return _text(code, start_iso, anniversary_iso)


def anniversary_countdown(start_iso: Var[str], anniversary_iso: Var[str]) -> Var[str]:
    """ "Your anniversary is in 23 days", "…is tomorrow", "Happy anniversary: 3 years today!" ("" without one)."""
    counts = _counts(start_iso, anniversary_iso)
    code = (
        f"(([, left, years]) => left < 0 ? '' : left === 0 ? "
        f"`Happy anniversary: ${{years}} ${{years === 1 ? 'year' : 'years'}} today!` : left === 1 ? "
        f"'Your anniversary is tomorrow' : `Your anniversary is in ${{left}} days`)({counts})"
    )
    return _text(code, start_iso, anniversary_iso)


def together_summary(start_iso: Var[str], anniversary_iso: Var[str], **props: object) -> rx.Component:
    """Both lines, for Home's partner card and the relationship settings."""
    return rx.vstack(
        rx.text(days_together(start_iso, anniversary_iso), weight="medium", size="3"),
        rx.cond(
            anniversary_iso != "",
            rx.text(anniversary_countdown(start_iso, anniversary_iso), size="2", color_scheme="pink"),
        ),
        spacing="1",
        **props,
    )


__all__ = ["anniversary_countdown", "days_together", "together_summary"]
