"""Where a message came in, and what a trusted system's API key may do: the one list of each.

The channel is stored on every message (``message.channel``, migration 0012) and counted in the
statistics. A message sent with an API key takes the key's channel (``api`` for an app or
mini-program backend, ``12345`` for the hotline platform) and keeps the key's id.
"""

from __future__ import annotations

import re

WEB = "web"
API = "api"
PHONE = "phone"
SMS = "sms"
HOTLINE = "12345"

# channel → the label users read (statistics, workbench)
CHANNELS: dict[str, str] = {
    WEB: "网站",
    API: "接口",
    PHONE: "电话代录",
    SMS: "短信",
    HOTLINE: "12345 热线",
}
# a mainland mobile number: the form accepts it as a phone, and only it can receive an SMS notice
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

# the channels an API key can carry (phone and SMS come in through staff and the SMS gateway)
KEY_CHANNELS = (API, HOTLINE)

# characters of a sending system's own number (``message.external_id``, migration 0013)
EXTERNAL_ID_MAX = 64

# scope → what it allows (docs/api.md, the integrator's guide)
SUBMIT = "submit"
TRACK = "track"
READ_LETTERS = "read_letters"
WORK_ORDERS = "work_orders"
# reads a message's status by its number alone (no query code), only for the messages the key
# itself (or a key it was rotated from) submitted: GET /api/v1/messages/{tracking_number}
TRACK_ON_BEHALF = "track_on_behalf"
SCOPES: dict[str, str] = {
    SUBMIT: "代为提交留言",
    TRACK: "代为查询进度和评价",
    READ_LETTERS: "读取公开来信",
    WORK_ORDERS: "交换 12345 工单",
    TRACK_ON_BEHALF: "凭受理编号查询本密钥提交的留言（无需查询码）",
}
