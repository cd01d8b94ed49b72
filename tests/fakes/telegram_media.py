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

A photo message carries `photo`, its sizes smallest first as Telegram lists them: the
photo itself last and, for one larger than `THUMBNAIL_SIDE`, a thumbnail first. Each size
has a `file_id` that names those very bytes in a later send, so a bot that re-sends the
thumbnail's id instead of the photo's shows the user a smaller picture. A photo sent by
file id answers with the same id. `forget_file_ids` refuses every id handed out so far, as
Telegram does after the bot's token changes (file ids belong to one bot).

Every photo sent is kept in `sent_photos`, in order, with its bytes and its shown caption,
so tests compare what the user sees with what was stored, however it was sent.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image, UnidentifiedImageError

from tests.fakes.telegram_html import ApiError, plain_text
from tests.fakes.telegram_params import Call, Params

ALBUM_SIZES = range(2, 11)
MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: The longest side of the thumbnail Telegram adds to a larger photo's sizes ("s").
THUMBNAIL_SIDE = 90
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
    #: The file ids of the photo's sizes, as its message lists them: the photo's own last.
    file_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Photo:
    data: bytes
    width: int
    height: int
    caption: str | None
    #: The file id it was sent by, if it was.
    file_id: str | None = None


class FakeMedia:
    """The photo side of one fake server; `new_message` numbers messages with the rest."""

    def __init__(self, new_message: NewMessage) -> None:
        self._new_message = new_message
        self.sent_photos: list[SentPhoto] = []
        self._by_file_id: dict[str, bytes] = {}
        self._next_file = 1
        self._next_group = 1

    def forget_file_ids(self) -> None:
        """Refuse every file id handed out so far, as Telegram does under a new bot token;
        new ids never repeat an old one."""
        self._by_file_id.clear()

    async def send_photo(self, call: Call, token: str) -> dict[str, Any]:
        photo = self._photo(call.params.get("photo"), call.files, call.params)
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
        return self._photo(item["media"], files, item)

    def _photo(self, reference: object, files: dict[str, bytes], fields: Params) -> _Photo:
        """The photo a field names: an uploaded part, or one sent earlier by its file id."""
        if isinstance(reference, str) and reference.startswith("attach://"):
            part = reference.removeprefix("attach://")
            if part not in files:
                raise ApiError(400, "Bad Request: can't parse InputMedia: media not found")
            return _checked_photo(files[part], fields)
        if isinstance(reference, str) and reference in self._by_file_id:
            photo = _checked_photo(self._by_file_id[reference], fields)
            return replace(photo, file_id=reference)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _deliver(
        self, chat_id: Any, token: str, photo: _Photo, group: str | None
    ) -> dict[str, Any]:
        message = self._new_message(chat_id, token)
        message["photo"] = [self._size(thumbnail) for thumbnail in _thumbnails(photo)]
        message["photo"].append(self._size(photo))
        if photo.caption:
            message["caption"] = photo.caption
        if group is not None:
            message["media_group_id"] = group
        file_ids = tuple(size["file_id"] for size in message["photo"])
        self.sent_photos.append(
            SentPhoto(chat_id, message["message_id"], photo.caption, photo.data, group, file_ids)
        )
        return message

    def _size(self, photo: _Photo) -> dict[str, Any]:
        """A PhotoSize of `photo`: its own file id when it was sent by one, else a new id."""
        file_id = photo.file_id
        if file_id is None:
            file_id = f"photo-{self._next_file}"
            self._next_file += 1
            self._by_file_id[file_id] = photo.data
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "width": photo.width,
            "height": photo.height,
            "file_size": len(photo.data),
        }


def _thumbnails(photo: _Photo) -> list[_Photo]:
    """The thumbnail Telegram lists before a photo larger than `THUMBNAIL_SIDE`, if any."""
    if max(photo.width, photo.height) <= THUMBNAIL_SIDE:
        return []
    with Image.open(io.BytesIO(photo.data)) as image:
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        width, height = image.size
    return [_Photo(buffer.getvalue(), width, height, None)]


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
