"""What the bot sends for one update of the image library (/images, Load more), shared by the
album tests and the file-id tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.bot_harness import BotHarness, buttons
from tests.fakes.telegram import SentPhoto, callback_update

SENDS = {"sendmessage", "sendphoto", "sendmediagroup"}


@dataclass
class Sent:
    """What the bot sent for one update, in order."""

    methods: list[str]
    photos: list[SentPhoto]
    messages: list[dict[str, Any]]

    @property
    def names(self) -> list[str]:
        """The image names the photos show: each caption's first line."""
        return [(photo.caption or "").split("\n", 1)[0] for photo in self.photos]


async def sent_for(tested: BotHarness, raw: dict[str, Any]) -> Sent:
    calls, photos = len(tested.fake.calls), len(tested.fake.sent_photos)
    messages = len(tested.fake.sent_messages)
    await tested.feed(raw)
    methods = [c.method.lower() for c in tested.fake.calls[calls:] if c.method.lower() in SENDS]
    return Sent(methods, tested.fake.sent_photos[photos:], tested.fake.sent_messages[messages:])


async def load_more(
    tested: BotHarness, message: dict[str, Any], user_id: int = 42, language_code: str = "en"
) -> Sent:
    """Press the only button under `message` (a "Load more")."""
    [data] = buttons(message).values()
    update_id = tested.next_id()
    query = callback_update(
        update_id, f"q{update_id}", user_id, data, message, language_code=language_code
    )
    return await sent_for(tested, query)
