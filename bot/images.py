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
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
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
from storage.images import ImageStore, StoredImage

#: Telegram's most photos in one album, and so the most images one page shows.
PAGE_SIZE = 10
#: The longest name a caption shows whole (the API refuses longer ones anyway).
MAX_CAPTION_NAME = 255
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}

Page = list[tuple[StoredImage, bytes]]


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
    await send_page(bot, chat_id, texts, page)
    oldest_shown = page[-1][0].id
    older = await images.count_older(account.id, oldest_shown)
    if older:
        last = (await images.usage(account.id)).count - older
        text = texts.images_more.format(first=last - len(page) + 1, last=last, total=last + older)
        keyboard = load_more_keyboard(texts, oldest_shown)
        await bot.send_message(chat_id, text, reply_markup=keyboard)


async def send_page(bot: Bot, chat_id: int, texts: Texts, page: Page) -> None:
    """An album of the page in its order, or a single photo when the page has one image."""
    photos = [
        (BufferedInputFile(data, filename=_filename(image)), caption(texts, image))
        for image, data in page
    ]
    if len(photos) == 1:
        [(photo, text)] = photos
        await bot.send_photo(chat_id, photo, caption=text)
        return
    media: list[MediaUnion] = [
        InputMediaPhoto(media=photo, caption=text) for photo, text in photos
    ]
    await bot.send_media_group(chat_id, media)


def _filename(image: StoredImage) -> str:
    """`image-<id>` and the extension of its type: the name a user's client shows."""
    return f"image-{image.id}{_EXTENSIONS.get(image.content_type, '')}"
