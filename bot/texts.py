# ruff: noqa: RUF001  (the Russian catalog is Cyrillic on purpose, not look-alike letters)
"""Every sentence the bot says, in one catalog with an English and a Russian instance.

Templates are Telegram HTML and are filled with `str.format`. Invariant: every value that
came from a user (names, usernames, command arguments) is HTML-escaped by the caller before
it reaches a template; the templates' own markup is the only markup in a message.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Telegram language codes answered in Russian: the seeds' Russian-reading users.
RUSSIAN_LANGUAGES = frozenset({"ru", "uk", "be", "kk"})


@dataclass(frozen=True, slots=True)
class Texts:
    """One language's texts; both instances fill every field (a test compares them)."""

    language: str
    command_start: str
    command_balance: str
    command_help: str
    command_newkey: str
    command_usage: str
    command_lang: str
    welcome_new: str
    key_once: str
    curl_heading: str
    python_heading: str
    welcome_back: str
    key_lost: str
    account_username: str
    account_api_base: str
    account_key_prefix: str
    account_balance: str
    account_reserved: str
    account_strikes: str
    status_active: str
    status_locked_until: str
    status_locked_by_admin: str
    not_registered: str
    help: str
    unblock_not_admin: str
    unblock_usage: str
    unblock_unknown: str
    unblock_done: str
    admin_only: str
    account_unknown: str
    block_usage: str
    block_done: str
    block_notified: str
    block_not_notified: str
    blocked_notice: str
    blocked_reason: str
    credit_usage: str
    credit_done: str
    credit_below_zero: str
    user_usage: str
    user_title: str
    user_telegram: str
    user_no_telegram: str
    user_money: str
    user_key_prefix: str
    user_registered: str
    user_last_seen: str
    user_never_seen: str
    user_spend: str
    stats_usage: str
    stats: str
    newkey_confirm: str
    newkey_yes: str
    newkey_cancel: str
    newkey_done: str
    newkey_cancelled: str
    newkey_expired: str
    topup_choose: str
    topup_button: str
    topup_invoice_title: str
    topup_invoice_description: str
    topup_price_label: str
    topup_bad_amount: str
    topup_locked: str
    topup_refused_unknown: str
    topup_refused_invalid: str
    topup_receipt: str
    topup_payer_unknown: str
    refund_not_admin: str
    refund_usage: str
    refund_unknown: str
    refund_already: str
    refund_spent: str
    refund_failed: str
    refund_done: str
    refund_user_notice: str
    private_only: str
    unknown_command: str
    internal_error: str
    lang_choose: str
    lang_set: str
    usage_empty: str
    usage_recent: str
    usage_call: str
    usage_ok: str
    usage_failed: str
    usage_totals: str
    usage_chart_title: str
    usage_chart_caption: str
    notice_locked: str
    notice_lock_cause_bad_key: str
    notice_lock_cause_no_funds: str
    notice_lock_cause_locked: str
    notice_unlocks_at: str
    notice_unlocks_by_admin: str
    notice_low_balance: str
    notice_trial_expiring: str
    notice_trial_withdrawn: str
    notice_deletion_soon: str


ENGLISH = Texts(
    language="en",
    command_start="Register and get your API key",
    command_balance="Balance and account state",
    command_help="What this bot can do",
    command_newkey="Replace your API key",
    command_usage="Your recent calls and spend",
    command_lang="Language / Язык",
    welcome_new="Welcome, {name}! Your myapi account is ready.",
    key_once=(
        "Your API key is shown only this once: save it now. We keep only its hash, so "
        "nobody (us included) can show it to you again."
    ),
    curl_heading="Try it with curl:",
    python_heading="Or with Python (<code>pip install openai</code>):",
    welcome_back="Welcome back, {name}! You already have an account.",
    key_lost=(
        "Your key is shown only once, when it is issued, and only its hash is stored, so it "
        "cannot be shown again. Lost it, or think someone else has it? Send /newkey to get "
        "a new one."
    ),
    account_username="API username: <code>{username}</code>",
    account_api_base="API address: <code>{base_url}</code>",
    account_key_prefix="Your key starts with <code>{prefix}</code>",
    account_balance="Balance: <b>{balance}</b>",
    account_reserved="Held for requests in progress: {reserved} (available: {available})",
    account_strikes="Failed attempts in a row: {strikes} of {limit}",
    status_active="Status: active",
    status_locked_until="Status: <b>locked</b> until {until}",
    status_locked_by_admin="Status: <b>locked</b> until an admin unblocks it",
    not_registered="You have no account yet. Send /start to create one.",
    help=(
        "<b>Commands</b>\n"
        "/start - register and get your API key (or see your account)\n"
        "/balance - your balance, failed attempts and lock state\n"
        "/newkey - replace your API key (the old one stops working)\n"
        "/usage - your last calls, spend and a chart of the last 14 days\n"
        "/lang - choose English or Russian\n"
        "/help - this list\n\n"
        "API address: <code>{base_url}</code>"
    ),
    unblock_not_admin="Only administrators can unblock accounts.",
    unblock_usage="Usage: <code>/unblock &lt;username&gt;</code>",
    unblock_unknown="There is no account named <code>{username}</code>.",
    unblock_done=(
        "Unblocked <code>{username}</code>: failed attempts reset to 0 and the lock cleared."
    ),
    admin_only="Only administrators can use this command.",
    account_unknown="There is no account named <code>{username}</code>.",
    block_usage="Usage: <code>/block &lt;username&gt; [reason]</code>",
    block_done=(
        "Blocked <code>{username}</code>: the key is refused until an admin sends "
        "<code>/unblock {username}</code>."
    ),
    block_notified="The user was told in Telegram.",
    block_not_notified=(
        "The user was not told: the account has no Telegram chat, or Telegram refused the message."
    ),
    blocked_notice=(
        "Your account <code>{username}</code> has been blocked by an administrator. API "
        "calls with your key are refused until an administrator unblocks it; your balance "
        "is kept."
    ),
    blocked_reason="Reason: {reason}",
    credit_usage=(
        "Usage: <code>/credit &lt;username&gt; &lt;amount&gt; [note]</code>\n"
        "The amount is in {currency}, positive to add or negative to take, with at most 6 "
        "decimals: <code>/credit alice 2.50 bonus</code>"
    ),
    credit_done="Balance of <code>{username}</code> changed by {amount}: now <b>{balance}</b>.",
    credit_below_zero=(
        "Nothing changed: <code>{username}</code> has {balance}, and {amount} would take the "
        "balance below zero."
    ),
    user_usage="Usage: <code>/user &lt;username&gt;</code>",
    user_title="<b>Account</b> <code>{username}</code>",
    user_telegram="Telegram id: <code>{telegram_id}</code>",
    user_no_telegram="Telegram: none (created from the command line)",
    user_money="Balance: <b>{balance}</b>, held for calls in progress: {reserved}",
    user_key_prefix="Key starts with <code>{prefix}</code>",
    user_registered="Registered: {when}",
    user_last_seen="Last seen: {when}",
    user_never_seen="Last seen: never",
    user_spend="Spent (UTC days): today {today}, last 7 days {week}, all time {total}",
    stats_usage="Usage: <code>/stats</code> (no arguments)",
    stats=(
        "<b>Service</b> (UTC days)\n"
        "Users: {users}\n"
        "Active today (made a call): {active}\n"
        "Today: {calls_today} calls, revenue {revenue_today}\n"
        "Last 7 days: {calls_week} calls, revenue {revenue_week}"
    ),
    newkey_confirm=(
        "Replace the API key of <code>{username}</code> (the one starting with "
        "<code>{prefix}</code>)?\n\n"
        "The old key stops working at once, everywhere it is used. The new key is shown "
        "only once, right after you confirm."
    ),
    newkey_yes="Yes, replace my key",
    newkey_cancel="Cancel",
    newkey_done=("Done: the old key no longer works. The new API key of <code>{username}</code>:"),
    newkey_cancelled="Cancelled: nothing changed, your key still works.",
    newkey_expired=(
        "This confirmation has expired: your key was already replaced after it was sent, "
        "so nothing changed now. Send /newkey to replace it again."
    ),
    topup_choose=(
        "Top up your balance with Telegram Stars: each Star adds {rate}. Choose an amount:"
    ),
    topup_button="{stars} ⭐ = {credit}",
    topup_invoice_title="myapi balance top-up",
    topup_invoice_description=(
        "{stars} Telegram Stars add {credit} to the myapi account {username}."
    ),
    topup_price_label="{stars} Stars",
    topup_bad_amount="That amount is not offered. Send /topup to choose one.",
    topup_locked=(
        "Your account is locked, so it cannot be topped up now. /balance shows until when."
    ),
    topup_refused_unknown="You have no myapi account yet. Send /start first, then /topup.",
    topup_refused_invalid="This invoice is no longer valid. Send /topup for a new one.",
    topup_receipt=(
        "<b>Payment received, thank you!</b>\n"
        "Paid: {stars} Stars\n"
        "Credited: {credit}\n"
        "Balance: <b>{balance}</b>\n"
        "Payment id (for support): <code>{charge_id}</code>"
    ),
    topup_payer_unknown=(
        "Your payment of {stars} Stars arrived, but you have no account to credit. Send "
        "/start, then tell support the payment id <code>{charge_id}</code>."
    ),
    refund_not_admin="Only administrators can refund payments.",
    refund_usage="Usage: <code>/refund &lt;payment id&gt;</code>",
    refund_unknown="There is no payment with id <code>{charge_id}</code>.",
    refund_already="The payment <code>{charge_id}</code> is already refunded.",
    refund_spent=(
        "Cannot refund <code>{charge_id}</code>: it credited {credit}, but only {available} "
        "is left (the user has spent the rest). Nothing changed and no Stars were returned."
    ),
    refund_failed=(
        "Telegram refused to refund <code>{charge_id}</code> ({error}). The credit was "
        "restored, so nothing changed."
    ),
    refund_done=(
        "Refunded <code>{charge_id}</code>: {stars} Stars returned to <code>{username}</code> "
        "and {credit} taken back. Their balance: {balance}."
    ),
    refund_user_notice=(
        "Your payment <code>{charge_id}</code> was refunded: {stars} Stars returned to you and "
        "{credit} taken from your balance (now {balance})."
    ),
    private_only=(
        "I only work in a private chat, so that your API key is never posted here. "
        "Write to me directly."
    ),
    unknown_command="I don't know that. /help lists what I can do.",
    internal_error="Something went wrong on our side. Please try again in a minute.",
    lang_choose="Choose the language I write to you in:",
    lang_set="Done: I will write to you in English from now on.",
    usage_empty=(
        "You have made no API calls yet, so there is nothing to show. /start shows how to "
        "make your first one."
    ),
    usage_recent="<b>Last {count} calls</b> (newest first, UTC):",
    usage_call="{time} · <code>{model}</code> · {cost} · {status}",
    usage_ok="ok",
    usage_failed="failed ({status})",
    usage_totals="Spent today (UTC): <b>{today}</b>\nLast 7 days: <b>{week}</b>",
    usage_chart_title="Daily spend, last 14 days (UTC), {currency}",
    usage_chart_caption="Daily spend over the last 14 days (UTC).",
    notice_locked=(
        "Your account <code>{username}</code> is <b>locked</b>: {strikes} API requests in a "
        "row failed; the last one was refused because of {cause}."
    ),
    notice_lock_cause_bad_key="a wrong API key",
    notice_lock_cause_no_funds="an insufficient balance",
    notice_lock_cause_locked="the account being locked",
    notice_unlocks_at=(
        "It unlocks by itself at {until}; an administrator can unblock it sooner. If the "
        "wrong keys were not yours, send /newkey once it is unlocked."
    ),
    notice_unlocks_by_admin="Only an administrator can unblock it: please contact them.",
    notice_low_balance=(
        "Your balance is low: <b>{balance}</b> (below {threshold}). Calls that may cost more "
        "than the balance are refused, so top up in time."
    ),
    notice_trial_expiring=(
        "Your unspent trial credit, <b>{amount}</b>, expires at {when} and will then be "
        "withdrawn. Use it before then."
    ),
    notice_trial_withdrawn=(
        "Your trial credit has expired: the unspent {amount} was withdrawn. Balance: "
        "<b>{balance}</b>."
    ),
    notice_deletion_soon=(
        "Your account <code>{username}</code> has not been used for {days} days. At {when} "
        "its data will be deleted and its API key revoked. Make any API call before then to "
        "keep it."
    ),
)

RUSSIAN = Texts(
    language="ru",
    command_start="Регистрация и API-ключ",
    command_balance="Баланс и состояние аккаунта",
    command_help="Что умеет этот бот",
    command_newkey="Заменить API-ключ",
    command_usage="Последние запросы и расходы",
    command_lang="Язык / Language",
    welcome_new="Добро пожаловать, {name}! Ваш аккаунт myapi готов.",
    key_once=(
        "API-ключ показывается только один раз: сохраните его сейчас. Мы храним лишь его "
        "хеш, поэтому никто (и мы тоже) не сможет показать его снова."
    ),
    curl_heading="Попробуйте через curl:",
    python_heading="Или на Python (<code>pip install openai</code>):",
    welcome_back="С возвращением, {name}! У вас уже есть аккаунт.",
    key_lost=(
        "Ключ показывается только один раз, при выпуске, и хранится только его хеш, поэтому "
        "показать его снова нельзя. Потеряли ключ или он мог попасть к кому-то ещё? "
        "Отправьте /newkey, чтобы получить новый."
    ),
    account_username="Имя пользователя API: <code>{username}</code>",
    account_api_base="Адрес API: <code>{base_url}</code>",
    account_key_prefix="Ваш ключ начинается с <code>{prefix}</code>",
    account_balance="Баланс: <b>{balance}</b>",
    account_reserved="Зарезервировано под текущие запросы: {reserved} (доступно: {available})",
    account_strikes="Неудачных попыток подряд: {strikes} из {limit}",
    status_active="Статус: активен",
    status_locked_until="Статус: <b>заблокирован</b> до {until}",
    status_locked_by_admin="Статус: <b>заблокирован</b>, пока администратор не разблокирует",
    not_registered="У вас ещё нет аккаунта. Отправьте /start, чтобы его создать.",
    help=(
        "<b>Команды</b>\n"
        "/start - регистрация и API-ключ (или состояние аккаунта)\n"
        "/balance - баланс, неудачные попытки и блокировка\n"
        "/newkey - заменить API-ключ (старый перестанет работать)\n"
        "/usage - последние запросы, расходы и график за 14 дней\n"
        "/lang - выбрать русский или английский\n"
        "/help - этот список\n\n"
        "Адрес API: <code>{base_url}</code>"
    ),
    unblock_not_admin="Разблокировать аккаунты могут только администраторы.",
    unblock_usage="Использование: <code>/unblock &lt;имя пользователя&gt;</code>",
    unblock_unknown="Аккаунта с именем <code>{username}</code> нет.",
    unblock_done=(
        "<code>{username}</code> разблокирован: неудачные попытки сброшены, блокировка снята."
    ),
    admin_only="Эта команда доступна только администраторам.",
    account_unknown="Аккаунта с именем <code>{username}</code> нет.",
    block_usage="Использование: <code>/block &lt;имя пользователя&gt; [причина]</code>",
    block_done=(
        "<code>{username}</code> заблокирован: ключ не принимается, пока администратор не "
        "отправит <code>/unblock {username}</code>."
    ),
    block_notified="Пользователю сообщили в Telegram.",
    block_not_notified=(
        "Пользователю не сообщили: у аккаунта нет чата в Telegram, или Telegram не принял "
        "сообщение."
    ),
    blocked_notice=(
        "Ваш аккаунт <code>{username}</code> заблокирован администратором. Запросы к API с "
        "вашим ключом отклоняются, пока администратор его не разблокирует; баланс сохраняется."
    ),
    blocked_reason="Причина: {reason}",
    credit_usage=(
        "Использование: <code>/credit &lt;имя пользователя&gt; &lt;сумма&gt; "
        "[примечание]</code>\n"
        "Сумма в {currency}, положительная (начислить) или отрицательная (списать), не больше "
        "6 знаков после точки: <code>/credit alice 2.50 бонус</code>"
    ),
    credit_done="Баланс <code>{username}</code> изменён на {amount}: теперь <b>{balance}</b>.",
    credit_below_zero=(
        "Ничего не изменено: у <code>{username}</code> {balance}, и {amount} сделало бы "
        "баланс отрицательным."
    ),
    user_usage="Использование: <code>/user &lt;имя пользователя&gt;</code>",
    user_title="<b>Аккаунт</b> <code>{username}</code>",
    user_telegram="Telegram id: <code>{telegram_id}</code>",
    user_no_telegram="Telegram: нет (создан из командной строки)",
    user_money="Баланс: <b>{balance}</b>, зарезервировано под текущие запросы: {reserved}",
    user_key_prefix="Ключ начинается с <code>{prefix}</code>",
    user_registered="Зарегистрирован: {when}",
    user_last_seen="Последний запрос: {when}",
    user_never_seen="Последний запрос: никогда",
    user_spend=("Потрачено (дни по UTC): сегодня {today}, за 7 дней {week}, за всё время {total}"),
    stats_usage="Использование: <code>/stats</code> (без аргументов)",
    stats=(
        "<b>Сервис</b> (дни по UTC)\n"
        "Пользователей: {users}\n"
        "Активны сегодня (был запрос): {active}\n"
        "Сегодня: запросов {calls_today}, выручка {revenue_today}\n"
        "За 7 дней: запросов {calls_week}, выручка {revenue_week}"
    ),
    newkey_confirm=(
        "Заменить API-ключ <code>{username}</code> (тот, что начинается с "
        "<code>{prefix}</code>)?\n\n"
        "Старый ключ сразу перестанет работать везде, где он используется. Новый ключ "
        "будет показан только один раз, сразу после подтверждения."
    ),
    newkey_yes="Да, заменить ключ",
    newkey_cancel="Отмена",
    newkey_done="Готово: старый ключ больше не работает. Новый API-ключ <code>{username}</code>:",
    newkey_cancelled="Отменено: ничего не изменилось, ваш ключ по-прежнему работает.",
    newkey_expired=(
        "Это подтверждение устарело: ключ уже заменили после его отправки, поэтому сейчас "
        "ничего не изменилось. Отправьте /newkey, чтобы заменить ключ ещё раз."
    ),
    topup_choose=(
        "Пополните баланс звёздами Telegram: каждая звезда добавляет {rate}. Выберите сумму:"
    ),
    topup_button="{stars} ⭐ = {credit}",
    topup_invoice_title="Пополнение баланса myapi",
    topup_invoice_description=(
        "{stars} звёзд Telegram добавят {credit} на аккаунт myapi {username}."
    ),
    topup_price_label="{stars} звёзд",
    topup_bad_amount="Такой суммы нет. Отправьте /topup, чтобы выбрать сумму.",
    topup_locked=(
        "Ваш аккаунт заблокирован, поэтому пополнить его сейчас нельзя. /balance покажет, до "
        "какого времени."
    ),
    topup_refused_unknown="У вас ещё нет аккаунта myapi. Сначала отправьте /start, затем /topup.",
    topup_refused_invalid="Этот счёт больше не действителен. Отправьте /topup за новым.",
    topup_receipt=(
        "<b>Оплата получена, спасибо!</b>\n"
        "Оплачено: {stars} звёзд\n"
        "Зачислено: {credit}\n"
        "Баланс: <b>{balance}</b>\n"
        "Номер платежа (для поддержки): <code>{charge_id}</code>"
    ),
    topup_payer_unknown=(
        "Ваш платёж на {stars} звёзд получен, но аккаунта для зачисления нет. Отправьте "
        "/start и сообщите в поддержку номер платежа <code>{charge_id}</code>."
    ),
    refund_not_admin="Возвращать платежи могут только администраторы.",
    refund_usage="Использование: <code>/refund &lt;номер платежа&gt;</code>",
    refund_unknown="Платежа с номером <code>{charge_id}</code> нет.",
    refund_already="Платёж <code>{charge_id}</code> уже возвращён.",
    refund_spent=(
        "Нельзя вернуть <code>{charge_id}</code>: он зачислил {credit}, а осталось только "
        "{available} (остальное пользователь потратил). Ничего не изменилось, звёзды не "
        "возвращены."
    ),
    refund_failed=(
        "Telegram отказался вернуть <code>{charge_id}</code> ({error}). Зачисление "
        "восстановлено, ничего не изменилось."
    ),
    refund_done=(
        "Платёж <code>{charge_id}</code> возвращён: {stars} звёзд вернулись к "
        "<code>{username}</code>, списано {credit}. Баланс пользователя: {balance}."
    ),
    refund_user_notice=(
        "Ваш платёж <code>{charge_id}</code> возвращён: {stars} звёзд вернулись к вам, с "
        "баланса списано {credit} (теперь {balance})."
    ),
    private_only=(
        "Я работаю только в личном чате, чтобы ваш API-ключ не попал сюда. Напишите мне напрямую."
    ),
    unknown_command="Я этого не понимаю. /help покажет, что я умею.",
    internal_error="У нас что-то пошло не так. Попробуйте ещё раз через минуту.",
    lang_choose="Выберите язык, на котором мне вам писать:",
    lang_set="Готово: теперь я буду писать вам по-русски.",
    usage_empty=(
        "Вы ещё не сделали ни одного запроса к API, показывать пока нечего. /start "
        "покажет, как сделать первый."
    ),
    usage_recent="<b>Последние запросы: {count}</b> (сначала новые, время UTC):",
    usage_call="{time} · <code>{model}</code> · {cost} · {status}",
    usage_ok="успешно",
    usage_failed="ошибка ({status})",
    usage_totals="Потрачено сегодня (UTC): <b>{today}</b>\nЗа 7 дней: <b>{week}</b>",
    usage_chart_title="Расходы по дням за 14 дней (UTC), {currency}",
    usage_chart_caption="Расходы по дням за последние 14 дней (UTC).",
    notice_locked=(
        "Ваш аккаунт <code>{username}</code> <b>заблокирован</b>: {strikes} запросов к API "
        "подряд не прошли; последний отклонён из-за того, что {cause}."
    ),
    notice_lock_cause_bad_key="API-ключ неверный",
    notice_lock_cause_no_funds="на балансе недостаточно средств",
    notice_lock_cause_locked="аккаунт заблокирован",
    notice_unlocks_at=(
        "Блокировка снимется сама в {until}; администратор может снять её раньше. Если "
        "неверные ключи отправляли не вы, после разблокировки отправьте /newkey."
    ),
    notice_unlocks_by_admin="Снять блокировку может только администратор: свяжитесь с ним.",
    notice_low_balance=(
        "На балансе мало средств: <b>{balance}</b> (меньше {threshold}). Запросы, которые "
        "могут стоить больше баланса, отклоняются, поэтому пополните его заранее."
    ),
    notice_trial_expiring=(
        "Неизрасходованный тестовый баланс, <b>{amount}</b>, сгорит в {when} и будет "
        "списан. Используйте его до этого времени."
    ),
    notice_trial_withdrawn=(
        "Срок тестового баланса истёк: неизрасходованные {amount} списаны. Баланс: "
        "<b>{balance}</b>."
    ),
    notice_deletion_soon=(
        "Аккаунт <code>{username}</code> не использовался {days} дней. В {when} его данные "
        "будут удалены, а API-ключ отозван. Чтобы сохранить аккаунт, сделайте до этого "
        "любой запрос к API."
    ),
)


#: The languages /lang offers, each named in itself (the buttons read the same to everyone).
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def texts_for(language_code: str | None) -> Texts:
    """Russian for ru/uk/be/kk (any region, e.g. `ru-RU`), English for everyone else."""
    if language_code is None:
        return ENGLISH
    primary = language_code.replace("_", "-").split("-", 1)[0].lower()
    return RUSSIAN if primary in RUSSIAN_LANGUAGES else ENGLISH
