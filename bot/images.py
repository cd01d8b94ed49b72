"""/images: the user's stored images (seed 004's library), newest first, as albums of up to
ten, each captioned with its name and its id (the API's `/api/v1/images/{id}`), and a
"Load more" button while older ones remain.

Invariants:

- Read-only, and always for the account of whoever sent the command or pressed the button:
  callback data is only where the next page starts (`images:<id of the last image shown>`),
  nothing about whose library it is, so a forwarded or forged button pages through the
  presser's own images.
- A page is at most `PAGE_SIZE` images, Telegram's album limit; an album needs two, so a
  page of one goes as a single photo. The button travels in a message of its own after the
  page, because an album cannot carry one.
- Names are user text: escaped, and cut to `MAX_CAPTION_NAME` characters (the API's own
  limit), so a caption always fits Telegram's 1024.
- Pages are keyed by id, newest first: the next page is the images older than the last one
  shown, so an image stored or deleted between two pages neither repeats nor skips one.
- A press removes its button before the next page is fetched, so each button sends its
  page once; a double tap that reaches the bot before the removal may send it twice, which
  is harmless since nothing changes.
- A photo Telegram already has goes by its `file_id`, not its bytes: a page of ten 1024 px
  PNGs is some 30 MB to upload each time a user looks, its file ids a few hundred bytes,
  and the database reads no blob for them (`ImageStore.latest_with_content`). After every
  send that Telegram accepts, the id it answered with for each photo (its largest size,
  `photo[-1]`) is remembered when new or changed, so a page sent by file id writes nothing.
- File ids belong to one bot: after the operator changes the token, every stored one is
  refused. A send that used file ids and gets a 400 (Telegram words a bad id several ways)
  forgets them and sends the page again with bytes, once, remembering the new ids, so the
  library heals page by page. A 400 with another cause forgets ids that were fine, costing
  one upload, and fails again as it would have; a send by bytes alone is never retried.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MediaUnion,
    Message,
    User,
)

from bot.buttons import best_effort, remove_buttons
from bot.config import BotConfig
from bot.render import escape
from bot.texts import Texts
from storage.accounts import AccountStore
from storage.images import AlbumItem, ImageStore, StoredImage

logger = logging.getLogger(__name__)

#: Telegram's most photos in one album, and so the most images one page shows.
PAGE_SIZE = 10
#: The longest name a caption shows whole (the API refuses longer ones anyway).
MAX_CAPTION_NAME = 255
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


class ImagesCallback(CallbackData, prefix="images"):
    """A "Load more" button: the next page is the images older than `before` (an id)."""

    before: int


def create_images_router() -> Router:
    """A fresh router (one per dispatcher); private chats only, like every user command.

    Only positive ids are answered: a button never carries another.
    """
    router = Router(name="images")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_images, Command("images"))
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(load_more, ImagesCallback.filter(F.before > 0))
    return router


def caption(texts: Texts, image: StoredImage) -> str:
    """The image's name (escaped, shortened past `MAX_CAPTION_NAME`) and its API id."""
    name = image.name
    if len(name) > MAX_CAPTION_NAME:
        name = name[: MAX_CAPTION_NAME - 1] + "…"
    return texts.images_caption.format(name=escape(name), id=image.id)


def load_more_keyboard(texts: Texts, before: int) -> InlineKeyboardMarkup:
    data = ImagesCallback(before=before).pack()
    button = InlineKeyboardButton(text=texts.images_load_more, callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def show_images(
    message: Message,
    bot: Bot,
    accounts: AccountStore,
    images: ImageStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    await send_images(bot, message.chat.id, message.from_user, accounts, images, config, texts)


async def load_more(
    callback: CallbackQuery,
    callback_data: ImagesCallback,
    bot: Bot,
    accounts: AccountStore,
    images: ImageStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    """The next page under the pressed button, which goes first (its text stays).

    The press is answered last, so the client's spinner shows while the album uploads.
    """
    user = callback.from_user
    chat_id = callback.message.chat.id if callback.message is not None else user.id
    await remove_buttons(callback, bot, "/images")
    before = callback_data.before
    await send_images(bot, chat_id, user, accounts, images, config, texts, before=before)
    await best_effort(callback.answer(), "answer an /images button")


async def send_images(
    bot: Bot,
    chat_id: int,
    user: User | None,
    accounts: AccountStore,
    images: ImageStore,
    config: BotConfig,
    texts: Texts,
    *,
    before: int | None = None,
) -> None:
    """The newest page (older than `before`, when given), then a button for the next while
    older images remain.

    Shared by /images, the Images button under /start and "Load more", so all answer the
    same; an unregistered user is sent to /start. The page's position ("11 to 20 of 25")
    comes from the account's trigger-kept image count and the count of older images.
    """
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    if account is None:
        await bot.send_message(chat_id, texts.not_registered)
        return
    page = await images.latest_with_content(account.id, PAGE_SIZE, before)
    if not page:
        base_url = escape(config.public_base_url)
        empty = texts.images_empty.format(base_url=base_url)
        await bot.send_message(chat_id, texts.images_no_more if before else empty)
        return
    await send_page(bot, chat_id, texts, images, page)
    oldest_shown = page[-1].image.id
    older = await images.count_older(account.id, oldest_shown)
    if older:
        last = (await images.usage(account.id)).count - older
        text = texts.images_more.format(first=last - len(page) + 1, last=last, total=last + older)
        keyboard = load_more_keyboard(texts, oldest_shown)
        await bot.send_message(chat_id, text, reply_markup=keyboard)


async def send_page(
    bot: Bot, chat_id: int, texts: Texts, images: ImageStore, page: list[AlbumItem]
) -> None:
    """Send the page (photos Telegram has by file id), then remember the file ids Telegram
    answered with; a refused send that used file ids goes again with bytes, once."""
    account_id = page[0].image.account_id
    known = [item.image.id for item in page if item.file_id is not None]
    try:
        messages = await _send(bot, chat_id, texts, page)
    except TelegramBadRequest as error:
        if not known:
            raise
        logger.warning("Telegram refused %d file ids (%s): sending bytes", len(known), error)
        await images.forget_telegram_files(account_id, known)
        page = await _with_bytes(images, page)
        if not page:
            return
        messages = await _send(bot, chat_id, texts, page)
    await images.remember_telegram_files(account_id, _new_file_ids(page, messages))


async def _send(bot: Bot, chat_id: int, texts: Texts, page: list[AlbumItem]) -> list[Message]:
    """An album of the page in its order, or a single photo when the page has one image;
    the messages Telegram made, in the page's order."""
    if len(page) == 1:
        [item] = page
        text = caption(texts, item.image)
        return [await bot.send_photo(chat_id, _photo(item), caption=text)]
    media: list[MediaUnion] = [
        InputMediaPhoto(media=_photo(item), caption=caption(texts, item.image)) for item in page
    ]
    return await bot.send_media_group(chat_id, media)


def _photo(item: AlbumItem) -> str | BufferedInputFile:
    """The file id when Telegram has the photo, otherwise an upload of its bytes."""
    if item.file_id is not None:
        return item.file_id
    assert item.data is not None, "an album item has a file id or its bytes"
    return BufferedInputFile(item.data, filename=_filename(item.image))


async def _with_bytes(images: ImageStore, page: list[AlbumItem]) -> list[AlbumItem]:
    """The page with every photo as bytes: those Telegram refused by id are read one by one
    (only after a refusal, so rarely); one deleted meanwhile is left out."""
    uploads = []
    for item in page:
        if item.data is None:
            content = await images.content(item.image.account_id, item.image.id)
            if content is None:
                continue
            item = AlbumItem(item.image, None, content.data)
        uploads.append(item)
    return uploads


def _new_file_ids(page: list[AlbumItem], messages: list[Message]) -> dict[int, str]:
    """Image id -> the largest size's file id, for each photo whose id is new or changed
    (Telegram may name one file by several ids). Nothing when the answer does not match the
    page one to one, since then no message can be tied to its image."""
    if len(messages) != len(page):
        logger.warning("sent %d photos, Telegram answered %d messages", len(page), len(messages))
        return {}
    found: dict[int, str] = {}
    for item, message in zip(page, messages, strict=True):
        if message.photo and message.photo[-1].file_id != item.file_id:
            found[item.image.id] = message.photo[-1].file_id
    return found


def _filename(image: StoredImage) -> str:
    """`image-<id>` and the extension of its type: the name a user's client shows."""
    return f"image-{image.id}{_EXTENSIONS.get(image.content_type, '')}"
