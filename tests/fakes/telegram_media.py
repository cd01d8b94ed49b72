"""Photos as Telegram takes them: sendPhoto and sendMediaGroup (albums), uploads kept.

The rules a bot can break, kept as Telegram keeps them (descriptions modelled on its own):

- A photo is either an upload, `attach://<part>` naming a multipart file part of the same
  request, or the `file_id` of a photo this server sent before. An empty file, bytes that
  are no image, more than 10 MB, or dimensions Telegram refuses (width + height over 10000,
  a side ratio over 20) are refused.
- An album (sendMediaGroup's `media`, a JSON array) has 2..10 items; this fake takes photo
  items only. It is checked whole before any message is made, so a bad item sends nothing.
- A caption is at most 1024 characters as shown; with `parse_mode` HTML it must parse, and
  the message carries the shown (plain) text. An album item has its own `parse_mode`.

Every photo sent is kept in `sent_photos`, in order, with its bytes and its shown caption,
so tests compare what the user sees with what was stored.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from tests.fakes.telegram_html import ApiError, plain_text
from tests.fakes.telegram_params import Call, Params

ALBUM_SIZES = range(2, 11)
MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
_MAX_SIDES = 10_000
_MAX_RATIO = 20

#: Makes a new message's common fields (id, date, chat, from) for a chat and a bot token.
NewMessage = Callable[[Any, str], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SentPhoto:
    """One photo message as the user sees it; `media_group_id` is set for album items."""

    chat_id: int | str
    message_id: int
    caption: str | None
    data: bytes
    media_group_id: str | None


@dataclass(frozen=True, slots=True)
class _Photo:
    data: bytes
    width: int
    height: int
    caption: str | None


class FakeMedia:
    """The photo side of one fake server; `new_message` numbers messages with the rest."""

    def __init__(self, new_message: NewMessage) -> None:
        self._new_message = new_message
        self.sent_photos: list[SentPhoto] = []
        self._by_file_id: dict[str, bytes] = {}
        self._next_group = 1

    async def send_photo(self, call: Call, token: str) -> dict[str, Any]:
        photo = _checked_photo(self._data(call.params.get("photo"), call.files), call.params)
        return self._deliver(call.params["chat_id"], token, photo, None)

    async def send_media_group(self, call: Call, token: str) -> list[dict[str, Any]]:
        media = call.params.get("media")
        if not isinstance(media, list) or not media:
            raise ApiError(400, "Bad Request: media to send are not specified")
        if len(media) not in ALBUM_SIZES:
            raise ApiError(400, "Bad Request: wrong number of media in the album: send 2-10")
        photos = [self._album_item(item, call.files) for item in media]
        group = str(13_000_000_000_000_000 + self._next_group)
        self._next_group += 1
        chat_id = call.params["chat_id"]
        return [self._deliver(chat_id, token, photo, group) for photo in photos]

    def _album_item(self, item: object, files: dict[str, bytes]) -> _Photo:
        if not isinstance(item, dict) or "media" not in item:
            raise ApiError(400, "Bad Request: can't parse InputMedia: media not found")
        if item.get("type") != "photo":
            raise ApiError(400, "Bad Request: this fake sends albums of photos only")
        return _checked_photo(self._data(item["media"], files), item)

    def _data(self, reference: object, files: dict[str, bytes]) -> bytes:
        """The bytes a photo field names: an uploaded part, or a photo sent earlier."""
        if isinstance(reference, str) and reference.startswith("attach://"):
            part = reference.removeprefix("attach://")
            if part not in files:
                raise ApiError(400, "Bad Request: can't parse InputMedia: media not found")
            return files[part]
        if isinstance(reference, str) and reference in self._by_file_id:
            return self._by_file_id[reference]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _deliver(
        self, chat_id: Any, token: str, photo: _Photo, group: str | None
    ) -> dict[str, Any]:
        message = self._new_message(chat_id, token)
        number = len(self._by_file_id) + 1
        file_id = f"photo-{number}"
        self._by_file_id[file_id] = photo.data
        message["photo"] = [
            {
                "file_id": file_id,
                "file_unique_id": f"p{number}",
                "width": photo.width,
                "height": photo.height,
                "file_size": len(photo.data),
            }
        ]
        if photo.caption:
            message["caption"] = photo.caption
        if group is not None:
            message["media_group_id"] = group
        self.sent_photos.append(
            SentPhoto(chat_id, message["message_id"], photo.caption, photo.data, group)
        )
        return message


def _checked_photo(data: bytes, fields: Params) -> _Photo:
    """The photo as Telegram would show it, or the ApiError Telegram would answer."""
    if not data:
        raise ApiError(400, "Bad Request: file must be non-empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise ApiError(400, "Bad Request: photo is too big: at most 10 MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as error:
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from error
    if width + height > _MAX_SIDES or max(width, height) > _MAX_RATIO * min(width, height):
        raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    return _Photo(data, width, height, _shown_caption(fields))


def _shown_caption(fields: Params) -> str | None:
    caption = fields.get("caption")
    if caption is None:
        return None
    shown = plain_text(str(caption)) if fields.get("parse_mode") == "HTML" else str(caption)
    if len(shown) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    return shown
