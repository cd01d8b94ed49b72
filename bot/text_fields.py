"""The fields of the bot's text catalog: every sentence the bot says has one here.

Templates are Telegram HTML and are filled with `str.format`. Invariant: every value that
came from a user (names, usernames, command arguments) is HTML-escaped by the caller before
it reaches a template; the templates' own markup is the only markup in a message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Texts:
    """One language's texts; both instances fill every field (a test compares them)."""

    language: str
    command_start: str
    command_balance: str
    command_help: str
    command_newkey: str
    command_usage: str
    command_images: str
    command_lang: str
    command_topup: str
    button_balance: str
    button_usage: str
    button_images: str
    button_newkey: str
    button_help: str
    welcome_new: str
    key_once: str
    curl_heading: str
    requests_heading: str
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
    topup_refused_unknown: str
    topup_refused_invalid: str
    topup_receipt: str
    topup_lock_lifted: str
    topup_still_locked: str
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
    images_empty: str
    images_no_more: str
    images_caption: str
    images_more: str
    images_load_more: str
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
    notice_key_refused: str
    stats_keys: str
    stats_key_benched: str
    stats_key_back: str
    key_reason_refused: str
    key_reason_quota: str
    key_reason_rate_limited: str
    key_reason_unreachable: str
