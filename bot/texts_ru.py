# ruff: noqa: RUF001  (the Russian catalog is Cyrillic on purpose, not look-alike letters)
"""The Russian catalog, for the seeds' Russian-reading users."""

from __future__ import annotations

from bot.text_fields import Texts

RUSSIAN = Texts(
    language="ru",
    command_start="Регистрация и API-ключ",
    command_balance="Баланс и состояние аккаунта",
    command_help="Что умеет этот бот",
    command_newkey="Заменить API-ключ",
    command_usage="Последние запросы и расходы",
    command_images="Последние изображения",
    command_lang="Язык / Language",
    command_topup="Пополнить баланс звёздами Telegram",
    command_models="Доступные модели и цены",
    button_balance="Баланс",
    button_usage="Расходы",
    button_images="Изображения",
    button_newkey="Новый ключ",
    button_help="Помощь",
    button_models="Модели",
    welcome_new="Добро пожаловать, {name}! Ваш аккаунт myapi готов.",
    key_once=(
        "API-ключ показывается только один раз: сохраните его сейчас. Мы храним лишь его "
        "хеш, поэтому никто (и мы тоже) не сможет показать его снова."
    ),
    curl_heading="Попробуйте через curl:",
    requests_heading=("На Python (<code>pip install requests</code>), имя и ключ в теле запроса:"),
    python_heading="Или через OpenAI SDK (<code>pip install openai</code>):",
    examples_heading=(
        "<b>Первый запрос</b>, к модели <code>{model}</code>. Вместо <code>YOUR_KEY</code> "
        "подставьте свой ключ (он показывается один раз, при выпуске; /newkey выпустит новый)."
    ),
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
        "/models - модели, доступные сейчас, и их цены\n"
        "/newkey - заменить API-ключ (старый перестанет работать)\n"
        "/usage - последние запросы, расходы и график за 14 дней\n"
        "/images - последние изображения, по 10, с их id для API\n"
        "/topup - пополнить баланс звёздами Telegram\n"
        "/lang - выбрать русский или английский\n"
        "/help - этот список\n\n"
        "<b>Где что найти</b>\n"
        "Адрес API: <code>{base_url}</code>\n"
        "Модели, цены и лимиты токенов: /models или <code>{base_url}/v1/models</code>\n"
        "Документация с примерами curl и SDK для каждого метода: {base_url}/docs"
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
        "Ничего не изменено: у <code>{username}</code> {balance}, из них {held} удерживают "
        "идущие вызовы, и {amount} сделало бы баланс отрицательным или меньше удержанного."
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
    topup_refused_unknown="У вас ещё нет аккаунта myapi. Сначала отправьте /start, затем /topup.",
    topup_refused_invalid="Этот счёт больше не действителен. Отправьте /topup за новым.",
    topup_receipt=(
        "<b>Оплата получена, спасибо!</b>\n"
        "Оплачено: {stars} звёзд\n"
        "Зачислено: {credit}\n"
        "Баланс: <b>{balance}</b>\n"
        "Номер платежа (для поддержки): <code>{charge_id}</code>"
    ),
    topup_lock_lifted=(
        "Ваш аккаунт был заблокирован после запросов, отклонённых из-за нехватки средств: "
        "этот платёж снял блокировку, ключ снова работает."
    ),
    topup_still_locked=(
        "Аккаунт остаётся заблокированным: эту блокировку вызвала не нехватка средств "
        "(неверный ключ или администратор), поэтому платёж её не снимает. /balance покажет, "
        "до какого времени."
    ),
    topup_payer_unknown=(
        "Ваш платёж на {stars} звёзд получен, но аккаунта для зачисления нет. Отправьте "
        "/start и сообщите в поддержку номер платежа <code>{charge_id}</code>."
    ),
    topup_waits=(
        "Ваш платёж на {stars} звёзд получен. Наша база данных ненадолго недоступна, "
        "поэтому он ещё не зачислен: платёж сохранён и будет зачислен сам, как только база "
        "вернётся; тогда придёт квитанция. Номер платежа (для поддержки): "
        "<code>{charge_id}</code>"
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
        "Вы ещё не сделали ни одного запроса к API, показывать пока нечего. /help "
        "покажет, как сделать первый, и где найти документацию и цены."
    ),
    usage_recent="<b>Последние запросы: {count}</b> (сначала новые, время UTC):",
    usage_call="{time} · <code>{model}</code> · {cost} · {status}",
    usage_ok="успешно",
    usage_failed="ошибка ({status})",
    usage_totals="Потрачено сегодня (UTC): <b>{today}</b>\nЗа 7 дней: <b>{week}</b>",
    usage_chart_title="Расходы по дням за 14 дней (UTC), {currency}",
    usage_chart_caption="Расходы по дням за последние 14 дней (UTC).",
    images_empty=(
        "У вас ещё нет изображений. Создайте первое через API: <code>POST "
        "{base_url}/api/v1/images</code> с вашим ключом и полями <code>name</code> (имя), "
        "<code>description</code> (описание) и <code>resolution</code> (256x256, 512x512 "
        "или 1024x1024)."
    ),
    images_no_more=(
        "Больше изображений нет: библиотека изменилась после того, как пришла эта кнопка. "
        "Отправьте /images, чтобы начать снова с самых новых."
    ),
    images_caption="<b>{name}</b>\nid <code>{id}</code>",
    images_more="Изображения с {first} по {last} из {total}, сначала новые.",
    images_load_more="Показать ещё",
    models_title="<b>Модели, доступные сейчас</b>, цены в {currency} (страница {page} из {pages})",
    models_price_tokens="{input} за 1M входных токенов, {output} за 1M выходных",
    models_price_input_tokens="{input} за 1M входных токенов",
    models_price_characters="{price} за 1M символов",
    models_price_minutes="{price} за минуту аудио",
    models_price_image="{price} за изображение",
    models_price_images="от {low} до {high} за изображение, по размеру и качеству",
    models_hold=("Без max_tokens резервируется {hold} на ответ до {tokens} токенов, плюс запрос"),
    models_footer=(
        "Все цены и лимиты: <code>{base_url}/v1/models</code>\n"
        "Документация с примерами: {base_url}/docs"
    ),
    models_none=(
        "Сейчас нельзя вызвать ни одну модель: в сервисе ещё не настроен ни один провайдер."
    ),
    models_next="Следующая страница ({page} из {pages})",
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
    notice_key_refused=(
        "Провайдер {provider} <b>отклонил</b> ключ <code>{name}</code> (<code>{label}</code>) "
        "(HTTP {status}). Пока запросы идут через другие ключи этого провайдера и запасные "
        "модели каталога; этот ключ будет снова опробован после {until}. Проверьте его или "
        "замените и перезапустите сервис."
    ),
    notice_database_away=(
        "База данных <b>недоступна</b> с {since} ({reason}). Запросы получают ответ 503 с "
        "Retry-After, и за них ничего не списывается; уже обслуженные запросы будут списаны, "
        "а платежи зачислены, когда база вернётся. Мы сообщим, когда она снова ответит."
    ),
    notice_database_back=(
        "База данных <b>снова доступна</b> в {back_at}, после {seconds} с недоступности. "
        "То, что её ждало, сейчас записывается."
    ),
    stats_keys="<b>Ключи провайдеров</b>, отстранённые за последние 24 часа (UTC):",
    stats_key_benched=(
        "{provider} <code>{label}</code>: отстранён в {since} до {until}, {reason}"
    ),
    stats_key_back=(
        "{provider} <code>{label}</code>: отстранён в {since}, {reason}; снова отвечает с {back}"
    ),
    key_reason_refused="ключ отклонён",
    key_reason_quota="исчерпана квота",
    key_reason_rate_limited="превышен лимит запросов",
    key_reason_unreachable="недоступен",
)
