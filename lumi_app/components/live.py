"""The shell's live pieces: the partner's presence badge, the notification bell, and the
bridge through which ``assets/lumi-presence.js`` reports the tab's activity to the backend."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventChain, LiteralEventChainVar
from reflex_base.vars import Var, VarData

from lumi_app import routes
from lumi_app.state.realtime import RealtimeState

PRESENCE_ELEMENT_ID = "lumi-presence"
# Same breakpoint as the shell: the "last seen" detail is spelled out from 768 px up.
WIDE_ONLY = rx.breakpoints(initial="none", sm="inline")


def _dot_color() -> rx.Var[str]:
    return rx.match(
        RealtimeState.partner_state,
        ("online", rx.color("grass", 9)),
        ("idle", rx.color("amber", 9)),
        rx.color("gray", 8),
    )


def presence_badge() -> rx.Component:
    """The partner's presence: a dot and "Online" / "Idle" / "Offline · last seen 5 min ago".

    A polite live region named for assistive tech ("Sam is online"), so a change is announced.
    Hidden while unpaired or not known yet.
    """
    short = rx.match(RealtimeState.partner_state, ("online", "Online"), ("idle", "Idle"), "Offline")
    return rx.cond(
        RealtimeState.has_partner_presence,
        rx.hstack(
            rx.box(
                width="10px",
                height="10px",
                border_radius="50%",
                flex_shrink="0",
                background=_dot_color(),
                box_shadow=f"0 0 0 2px {rx.color('gray', 1)}",
                aria_hidden="true",
            ),
            rx.text(
                short,
                rx.cond(
                    (RealtimeState.partner_state == "offline") & (RealtimeState.partner_last_seen != ""),
                    rx.el.span(" · last seen ", RealtimeState.partner_last_seen, display=WIDE_ONLY),
                ),
                size="2",
                color_scheme="gray",
                white_space="nowrap",
                overflow="hidden",
                text_overflow="ellipsis",
            ),
            role="status",
            aria_label=RealtimeState.presence_label,
            title=RealtimeState.presence_label,
            align="center",
            spacing="2",
            min_width="0",
            padding="0.2rem 0.6rem",
            border_radius="var(--radius-5)",
            background=rx.color("gray", 3),
        ),
    )


def notification_bell() -> rx.Component:
    """A link to the notifications page named "Notifications, 3 unread", with the count on the bell."""
    return rx.link(
        rx.box(
            rx.icon("bell", size=20, aria_hidden="true"),
            rx.cond(
                RealtimeState.unread_count > 0,
                rx.box(
                    RealtimeState.unread_badge,
                    position="absolute",
                    top="-6px",
                    right="-8px",
                    min_width="18px",
                    height="18px",
                    padding="0 4px",
                    border_radius="9px",
                    background=rx.color("accent", 9),
                    color="white",
                    font_size="11px",
                    font_weight="bold",
                    line_height="18px",
                    text_align="center",
                    aria_hidden="true",
                ),
            ),
            position="relative",
            display="flex",
        ),
        href=routes.NOTIFICATIONS,
        aria_label=RealtimeState.bell_label,
        title=RealtimeState.bell_label,
        color=rx.color("gray", 12),
        padding="6px",
        border_radius="var(--radius-3)",
        _hover={"background": rx.color("gray", 3)},
        display="flex",
    )


class PresenceBridge(rx.Fragment):
    """Hands ``lumi-presence.js`` a function that sends ``RealtimeState.report_activity(activity)``.

    The function is Reflex's own event dispatch (``addEvents``), the same one every
    ``on_click`` uses, bound once when the shell mounts; no hidden buttons.
    """

    def add_hooks(self) -> list[str | Var]:
        report = LiteralEventChainVar.create(
            EventChain.create(RealtimeState.report_activity, args_spec=lambda activity: [activity], key="report")
        )
        code = (
            "useEffect(() => {"
            f" const report = {report};"
            " window.__lumiReportActivity = report;"
            " window.lumiPresence?.attach(report);"
            " return () => { if (window.__lumiReportActivity === report) { window.__lumiReportActivity = null; }"
            " window.lumiPresence?.detach(report); };"
            " }, []);"
        )
        imports = VarData(imports={"react": ["useEffect"]})
        return [Var(code, _var_data=VarData.merge(report._get_all_var_data(), imports))]


def presence_bridge() -> rx.Component:
    """Mount once in the signed-in shell: the activity reporter and its idle threshold."""
    return rx.fragment(
        PresenceBridge.create(),
        rx.el.div(
            id=PRESENCE_ELEMENT_ID,
            hidden=True,
            custom_attrs={"data-idle-ms": RealtimeState.idle_after_ms},
        ),
    )
