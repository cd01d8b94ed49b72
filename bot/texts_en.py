"""The English catalog."""

from __future__ import annotations

from bot.text_fields import Texts

ENGLISH = Texts(
    language="en",
    command_start="Register and get your API key",
    command_balance="Balance and account state",
    command_help="What this bot can do",
    command_newkey="Replace your API key",
    command_usage="Your recent calls and spend",
    command_images="Your latest images",
    command_lang="Language / Язык",
    command_topup="Top up with Telegram Stars",
    command_models="Models you can call, with prices",
    button_balance="Balance",
    button_usage="Usage",
    button_images="Images",
    button_newkey="New key",
    button_help="Help",
    button_models="Models",
    welcome_new="Welcome, {name}! Your myapi account is ready.",
    key_once=(
        "Your API key is shown only this once: save it now. We keep only its hash, so "
        "nobody (us included) can show it to you again."
    ),
    curl_heading="Try it with curl:",
    requests_heading=(
        "With Python (<code>pip install requests</code>), username and key in the body:"
    ),
    python_heading="Or with the OpenAI SDK (<code>pip install openai</code>):",
    examples_heading=(
        "<b>A first call</b>, to <code>{model}</code>. Put your key in place of "
        "<code>YOUR_KEY</code> (it was shown once, when issued; /newkey issues a new one)."
    ),
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
        "/models - the models you can call now, with their prices\n"
        "/newkey - replace your API key (the old one stops working)\n"
        "/usage - your last calls, spend and a chart of the last 14 days\n"
        "/images - your latest images, 10 at a time, with their ids for the API\n"
        "/topup - add to your balance with Telegram Stars\n"
        "/lang - choose English or Russian\n"
        "/help - this list\n\n"
        "<b>Where to find things</b>\n"
        "API address: <code>{base_url}</code>\n"
        "Models, prices and token limits: /models, or <code>{base_url}/v1/models</code>\n"
        "Documentation, with a curl and an SDK example for every route: {base_url}/docs"
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
        "Nothing changed: <code>{username}</code> has {balance}, {held} of it held by calls "
        "still running, and {amount} would take the balance below zero or below what they hold."
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
    topup_refused_unknown="You have no myapi account yet. Send /start first, then /topup.",
    topup_refused_invalid="This invoice is no longer valid. Send /topup for a new one.",
    topup_receipt=(
        "<b>Payment received, thank you!</b>\n"
        "Paid: {stars} Stars\n"
        "Credited: {credit}\n"
        "Balance: <b>{balance}</b>\n"
        "Payment id (for support): <code>{charge_id}</code>"
    ),
    topup_lock_lifted=(
        "Your account was locked after requests refused for an insufficient balance: this "
        "payment lifted the lock, and your key works again."
    ),
    topup_still_locked=(
        "Your account stays locked: this lock was not caused by an insufficient balance (a "
        "wrong key or an administrator set it), so a payment does not lift it. /balance "
        "shows until when."
    ),
    topup_payer_unknown=(
        "Your payment of {stars} Stars arrived, but you have no account to credit. Send "
        "/start, then tell support the payment id <code>{charge_id}</code>."
    ),
    topup_waits=(
        "Your payment of {stars} Stars arrived. Our database is briefly unavailable, so it "
        "is not credited yet: it is kept, and credited by itself as soon as the database is "
        "back; you will get the receipt then. Payment id (for support): "
        "<code>{charge_id}</code>"
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
        "You have made no API calls yet, so there is nothing to show. /help shows how to "
        "make your first one, and where the documentation and the prices are."
    ),
    usage_recent="<b>Last {count} calls</b> (newest first, UTC):",
    usage_call="{time} · <code>{model}</code> · {cost} · {status}",
    usage_ok="ok",
    usage_failed="failed ({status})",
    usage_totals="Spent today (UTC): <b>{today}</b>\nLast 7 days: <b>{week}</b>",
    usage_chart_title="Daily spend, last 14 days (UTC), {currency}",
    usage_chart_caption="Daily spend over the last 14 days (UTC).",
    images_empty=(
        "You have no images yet. Create one through the API: <code>POST "
        "{base_url}/api/v1/images</code> with your key and a <code>name</code>, a "
        "<code>description</code> and a <code>resolution</code> (256x256, 512x512 or 1024x1024)."
    ),
    images_no_more=(
        "There are no more images here: your library changed since that button was sent. "
        "Send /images to start again from the newest."
    ),
    images_caption="<b>{name}</b>\nid <code>{id}</code>",
    images_more="Images {first} to {last} of {total}, newest first.",
    images_load_more="Load more",
    models_title="<b>Models you can call now</b>, prices in {currency} (page {page} of {pages})",
    models_price_tokens="{input} per 1M input tokens, {output} per 1M output tokens",
    models_price_input_tokens="{input} per 1M input tokens",
    models_price_characters="{price} per 1M characters",
    models_price_minutes="{price} per minute of audio",
    models_price_image="{price} per image",
    models_price_images="{low} to {high} per image, by size and quality",
    models_hold="No max_tokens: holds {hold} for up to {tokens} output tokens, plus the prompt",
    models_footer=(
        "Every price and limit: <code>{base_url}/v1/models</code>\n"
        "Documentation with examples: {base_url}/docs"
    ),
    models_none=(
        "No model can be called right now: no provider is configured on this service yet."
    ),
    models_next="Next page ({page} of {pages})",
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
    notice_key_refused=(
        "The {provider} key <code>{name}</code> (<code>{label}</code>) was <b>refused</b> by "
        "the provider (HTTP {status}). Calls use the provider's other keys and the "
        "catalog's fallbacks meanwhile; this key is tried again after {until}. Check it, or "
        "replace it and restart."
    ),
    notice_database_away=(
        "The database is <b>unavailable</b> since {since} ({reason}). Calls are answered 503 "
        "with Retry-After and nothing is charged for them; calls already served are charged "
        "when it is back, and payments credited. You will be told when it answers again."
    ),
    notice_database_back=(
        "The database is <b>back</b> at {back_at}, after {seconds} s away. What waited for it "
        "is being written now."
    ),
    stats_keys="<b>Provider keys</b> benched in the last 24 hours (UTC):",
    stats_key_benched=(
        "{provider} <code>{label}</code>: benched at {since} until {until}, {reason}"
    ),
    stats_key_back=(
        "{provider} <code>{label}</code>: benched at {since}, {reason}; answering again since "
        "{back}"
    ),
    key_reason_refused="refused",
    key_reason_quota="out of quota",
    key_reason_rate_limited="rate limited",
    key_reason_unreachable="unreachable",
)
