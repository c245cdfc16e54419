"""The chat panel: the messages (load earlier, edit and delete own, react), "… is typing", the
receipt under the person's newest message, and the composer.

On a phone the composer stays pinned above the bottom bar while the chat is on screen
(``position: sticky`` above the bar and the home indicator's safe area), and the
"Shift+Enter" hint shows only where there is a keyboard worth naming: a device with a fine
pointer that hovers (a desktop), never on a touch screen.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventChain, EventSpec, LiteralEventChainVar
from reflex_base.vars import Var, VarData

from backend.contracts import MESSAGE_TEXT_MAX
from lumi_app.components.chat.state import CHAT_FOR_ATTRIBUTE, REACTIONS, ChatMessageView, ChatState, ReactionView
from lumi_app.components.forms import busy_button, form_error
from lumi_app.components.shell import BOTTOM_NAV_HEIGHT
from lumi_app.state.realtime import RealtimeState

COMPOSER_ID = "chat-message"
COMPOSER_HINT_ID = "chat-composer-hint"
# Devices with a keyboard to press Shift+Enter on (a mouse or trackpad that hovers).
FINE_POINTER = "@media (hover: hover) and (pointer: fine)"
# Radix's "sm" breakpoint: phones below it have the bottom bar.
PHONE = "@media (max-width: 767.98px)"

PARTNER_NAME = rx.cond(RealtimeState.partner_name != "", RealtimeState.partner_name, "Your partner")

SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "whiteSpace": "nowrap",
    "border": "0",
}


class ChatBridge(rx.Fragment):
    """Hands ``lumi-chat.js`` two functions, bound while the chat is mounted (Reflex's own event
    dispatch, the one every ``on_click`` uses): ``__lumiChatSeen(moment id on screen)`` when the tab
    is looked at again, and ``__lumiChatTyping()`` while the person types (at most every ~2 s)."""

    def add_hooks(self) -> list[str | Var]:
        seen = LiteralEventChainVar.create(
            EventChain.create(ChatState.mark_read, args_spec=lambda moment_id: [moment_id], key="seen")
        )
        typing = LiteralEventChainVar.create(EventChain.create(ChatState.typing, args_spec=lambda: [], key="typing"))
        code = (
            "useEffect(() => {"
            f" const seen = {seen};"
            f" const typing = {typing};"
            " window.__lumiChatSeen = seen;"
            " window.__lumiChatTyping = typing;"
            " return () => {"
            " if (window.__lumiChatSeen === seen) { window.__lumiChatSeen = null; }"
            " if (window.__lumiChatTyping === typing) { window.__lumiChatTyping = null; }"
            " };"
            " }, []);"
        )
        imports = VarData(imports={"react": ["useEffect"]})
        return [Var(code, _var_data=VarData.merge(seen._get_all_var_data(), typing._get_all_var_data(), imports))]


# ------------------------------------------------------------ one message


def _reaction_chip(reaction: ReactionView) -> rx.Component:
    who = rx.cond(reaction.mine, "You", PARTNER_NAME)
    return rx.el.li(
        rx.text(reaction.emoji, aria_hidden="true", size="2"),
        rx.el.span(who, " reacted ", reaction.emoji, style=SR_ONLY),
        title=who,
        list_style="none",
        padding="0 0.4rem",
        border_radius="var(--radius-5)",
        background=rx.cond(reaction.mine, rx.color("accent", 4), rx.color("gray", 4)),
    )


def _message_action(icon: str, label: str, on_click: EventSpec | None = None) -> rx.Component:
    """A small grey icon button on a chat message (the reaction picker's trigger opens its popover instead)."""
    events = {} if on_click is None else {"on_click": on_click}
    return rx.icon_button(
        rx.icon(icon, size=14), aria_label=label, variant="ghost", color_scheme="gray", size="1", **events
    )


def _reaction_picker(item: ChatMessageView) -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(_message_action("smile-plus", "React")),
        rx.popover.content(
            rx.hstack(
                *[
                    rx.popover.close(
                        rx.button(
                            emoji,
                            on_click=ChatState.react(item.message_id, emoji),
                            aria_label=f"React with {emoji}",
                            aria_pressed=rx.cond(item.my_reaction == emoji, "true", "false"),
                            variant=rx.cond(item.my_reaction == emoji, "solid", "ghost"),
                            size="2",
                            font_size="1.2rem",
                        )
                    )
                    for emoji in REACTIONS
                ],
                spacing="1",
                role="group",
                aria_label="Reactions",
            ),
            padding="0.35rem",
            side="top",
        ),
    )


def _own_message_actions(item: ChatMessageView) -> rx.Component:
    return rx.hstack(
        _message_action("pencil", "Edit message", ChatState.start_edit(item.key)),
        _message_action("trash-2", "Delete message", ChatState.delete_message(item.message_id)),
        spacing="1",
    )


def _message_edit_form(item: ChatMessageView) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Edit message", html_for="chat-edit-text", style=SR_ONLY),
            rx.text_area(
                id="chat-edit-text",
                name="text",
                default_value=item.text,
                max_length=MESSAGE_TEXT_MAX,
                rows="2",
                width="100%",
                auto_focus=True,
                custom_attrs={"data-lumi-composer": "true"},
            ),
            rx.hstack(
                rx.button(
                    "Cancel",
                    type="button",
                    on_click=ChatState.cancel_edit,
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                ),
                rx.button("Save", type="submit", size="1"),
                justify="end",
                spacing="2",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=ChatState.save_message,
        aria_label="Edit message",
        width="100%",
    )


def _message_body(item: ChatMessageView) -> rx.Component:
    return rx.cond(
        item.deleted,
        rx.text("Message deleted", size="2", color_scheme="gray", font_style="italic"),
        rx.text(item.text, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
    )


def _message(item: ChatMessageView) -> rx.Component:
    author = rx.cond(item.mine, "You", PARTNER_NAME)
    actions = rx.cond(
        item.message_id != "",
        rx.cond(
            ~item.deleted,
            rx.hstack(_reaction_picker(item), rx.cond(item.mine, _own_message_actions(item)), spacing="1"),
        ),
    )
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text(author, size="1", weight="bold"),
                rx.el.time(
                    item.when, date_time=item.created_at, font_size="var(--font-size-1)", color=rx.color("gray", 10)
                ),
                rx.cond(item.edited, rx.text("(edited)", size="1", color_scheme="gray")),
                rx.spacer(),
                actions,
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.cond(ChatState.editing_key == item.key, _message_edit_form(item), _message_body(item)),
            rx.cond(
                item.reactions.length() > 0,
                rx.el.ul(
                    rx.foreach(item.reactions, _reaction_chip),
                    aria_label="Reactions",
                    display="flex",
                    gap="0.25rem",
                    padding="0",
                    margin="0",
                ),
            ),
            rx.cond(
                item.failed,
                rx.hstack(
                    rx.text("Not sent.", size="1", color_scheme="red"),
                    rx.button("Retry", on_click=ChatState.retry(item.client_id), size="1", variant="soft"),
                    align="center",
                    spacing="2",
                ),
            ),
            rx.cond(
                ChatState.own_latest_key == item.key,
                rx.text(ChatState.own_status, size="1", color_scheme="gray", align="right", width="100%"),
            ),
            spacing="1",
            width="100%",
            align="stretch",
        ),
        key=item.key,
        list_style="none",
        padding="0.5rem 0.75rem",
        border_radius="var(--radius-4)",
        background=rx.cond(item.mine, rx.color("accent", 3), rx.color("gray", 3)),
        margin_left=rx.cond(item.mine, "1.5rem", "0"),
        margin_right=rx.cond(item.mine, "0", "1.5rem"),
        opacity=rx.cond(item.sending, "0.7", "1"),
        aria_busy=rx.cond(item.sending, "true", "false"),
    )


# ------------------------------------------------------------ the composer and the panel


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Message", html_for=COMPOSER_ID, style=SR_ONLY),
            rx.hstack(
                rx.box(
                    rx.text_area(
                        id=COMPOSER_ID,
                        name="message",
                        placeholder="Write a message…",
                        max_length=MESSAGE_TEXT_MAX,
                        rows="2",
                        resize="vertical",
                        custom_attrs={"data-lumi-composer": "true", "data-lumi-typing": "true", "enterKeyHint": "send"},
                        aria_describedby=COMPOSER_HINT_ID,
                        width="100%",
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.button(rx.icon("send", size=16), "Send", type="submit", size="2"),
                align="end",
                spacing="2",
                width="100%",
            ),
            rx.text(
                "Enter sends, Shift+Enter starts a new line.",
                id=COMPOSER_HINT_ID,
                size="1",
                color_scheme="gray",
                # Only where there is a keyboard with Shift (a fine pointer that hovers): not on touch screens.
                style={"display": "none", FINE_POINTER: {"display": "block"}},
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=ChatState.send,
        reset_on_submit=True,
        aria_label="Send a message",
        width="100%",
        # On a phone: pinned above the bottom bar (and the home indicator) while the chat is on screen.
        style={
            PHONE: {
                "position": "sticky",
                "bottom": f"calc({BOTTOM_NAV_HEIGHT} + env(safe-area-inset-bottom, 0px))",
                "zIndex": "4",
                "background": "var(--color-panel-solid)",
                "paddingTop": "0.5rem",
                "paddingBottom": "0.5rem",
                "boxShadow": "0 -1px 0 var(--gray-5)",
            }
        },
    )


def chat_panel() -> rx.Component:
    """The chat of the moment ``ChatState`` was opened for (the page opens and closes it)."""
    return rx.el.section(
        rx.vstack(
            rx.heading("Chat", size="4", as_="h2", id="chat-heading"),
            form_error(ChatState.chat_error),
            rx.box(
                rx.cond(
                    ChatState.has_earlier,
                    rx.center(
                        busy_button(
                            "Load earlier messages",
                            ChatState.loading_earlier,
                            on_click=ChatState.load_earlier,
                            variant="soft",
                            size="1",
                        ),
                        padding_bottom="0.5rem",
                    ),
                ),
                rx.cond(
                    ChatState.messages.length() > 0,
                    rx.el.ol(
                        rx.foreach(ChatState.messages, _message),
                        aria_label="Messages",
                        display="flex",
                        flex_direction="column",
                        gap="0.5rem",
                        padding="0",
                        margin="0",
                    ),
                    rx.text("No messages yet. Say what you think!", size="2", color_scheme="gray", padding="1rem 0"),
                ),
                custom_attrs={"data-lumi-chat-log": "true"},
                overflow_y="auto",
                overflow_x="hidden",
                max_height=rx.breakpoints(initial="55vh", md="min(60vh, 520px)"),
                min_height="6rem",
                width="100%",
            ),
            rx.box(
                rx.cond(
                    ChatState.partner_typing,
                    rx.text(PARTNER_NAME, " is typing…", size="1", color_scheme="gray", font_style="italic"),
                ),
                role="status",
                aria_live="polite",
                min_height="1.25rem",
            ),
            _composer(),
            spacing="2",
            width="100%",
            align="stretch",
        ),
        ChatBridge.create(),
        custom_attrs={CHAT_FOR_ATTRIBUTE: ChatState.moment_id},
        on_unmount=ChatState.leave,
        aria_labelledby="chat-heading",
        padding="0.75rem",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-4)",
        min_width="0",
    )
