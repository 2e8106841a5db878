"""Text messages (短信) of the outbox: a provider interface and its adapters.

An SMS row of the outbox (``channel = "sms"``) names one of the short texts in
``formsvc/templates/sms/`` and carries only the parameters that text uses (the tracking number,
the query code of a receipt): no name, no subject, nothing personal beyond the number it goes to.

A Chinese gateway (Aliyun, Tencent Cloud and the operators' platforms alike) sends only texts
registered with it beforehand under a *template code* and a *signature name* (【示范县人民政府】);
the service posts the template code and the parameters, never the text. So ``SMS_TEMPLATES`` maps
each of our texts to its code at the gateway, and the texts here are what the operator registers.

Adapters: ``http`` (:class:`HttpGateway`, JSON POST signed with the app secret), ``file`` (one
``.txt`` per message under ``<instance>/sms/``, the default) and ``console`` (the log).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jinja2

log = logging.getLogger(__name__)

SMS_TEXTS = Path(__file__).resolve().parents[2] / "templates" / "sms"
_texts = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SMS_TEXTS)), autoescape=False,
                            undefined=jinja2.StrictUndefined)

# our text → the parameters the gateway's template takes (the only payload keys an SMS carries)
PARAMS: dict[str, tuple[str, ...]] = {
    "receipt": ("tracking_number", "query_code"),
    "reply": ("tracking_number",),
    "correction_requested": ("tracking_number", "answer_due"),
}


def templates() -> list[str]:
    """The names of the SMS texts."""
    return sorted(p.stem for p in SMS_TEXTS.glob("*.txt"))


@dataclass(frozen=True)
class Sms:
    """One text to one mobile number: our template name and its parameters."""

    phone: str
    template: str
    params: dict[str, str]

    def text(self) -> str:
        """The text as the citizen reads it (without the gateway's signature)."""
        return _texts.get_template(f"{self.template}.txt").render(**self.params).strip()


def compose(phone: str, template: str, payload: Mapping[str, Any]) -> Sms:
    """The SMS of an outbox row: only the parameters its template takes, as strings."""
    if template not in PARAMS:
        raise SmsError(f"没有名为 {template} 的短信模板")
    return Sms(phone, template, {k: str(payload.get(k) or "") for k in PARAMS[template]})


class SmsError(RuntimeError):
    """A text was not sent (the outbox records it and retries)."""


class SmsRejected(SmsError):
    """The gateway refused the text for good (its code is one of SMS_PERMANENT_CODES: an invalid
    number, say): sending it again cannot succeed, so the outbox gives it up at once."""


class Provider(Protocol):
    def send(self, sms: Sms) -> None:
        """Deliver one text or raise."""


@dataclass
class ConsoleProvider:
    def send(self, sms: Sms) -> None:
        """Write the text to the log."""
        log.info("formsvc.sms: to %s: %s", sms.phone, sms.text())


@dataclass
class FileProvider:
    directory: Path

    def send(self, sms: Sms) -> None:
        """Write the text as one .txt file: the number on the first line, then the text."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}-{sms.template}.txt"
        (self.directory / name).write_text(f"{sms.phone}\n\n{sms.text()}\n", encoding="utf-8")


@dataclass
class HttpGateway:
    """A gateway's HTTP API: one JSON POST per text.

    Body: ``{"app_key", "phone_numbers", "sign_name", "template_code", "template_param",
    "timestamp", "nonce"}`` (``template_param`` a JSON object of strings). Header
    ``X-Signature``: hex HMAC-SHA256 of the body with the app secret, so the secret itself never
    travels, and it is never part of an error or a log line. Answer: JSON whose ``code`` is
    ``"OK"`` (or ``0``) on success; anything else, an HTTP error or no answer within ``timeout``
    seconds raises :class:`SmsError` and the outbox retries with back-off, except a code of
    ``permanent_codes`` (:class:`SmsRejected`: given up at once).
    """

    url: str
    app_key: str
    app_secret: str = field(repr=False)
    sign_name: str
    template_codes: Mapping[str, str]
    timeout: float = 10.0
    # the gateway's answer codes that no retry can change (SMS_PERMANENT_CODES)
    permanent_codes: frozenset[str] = frozenset()

    def body(self, sms: Sms) -> bytes:
        """The JSON request for ``sms``."""
        code = self.template_codes.get(sms.template)
        if not code:
            raise SmsError(f"SMS_TEMPLATES 未配置短信模板 {sms.template} 的模板代码")
        return json.dumps({"app_key": self.app_key, "phone_numbers": sms.phone,
                           "sign_name": self.sign_name, "template_code": code,
                           "template_param": json.dumps(sms.params, ensure_ascii=False),
                           "timestamp": int(time.time()), "nonce": secrets.token_hex(8)},
                          ensure_ascii=False).encode("utf-8")

    def sign(self, body: bytes) -> str:
        """HMAC-SHA256 of the body with the app secret, hex."""
        return hmac.new(self.app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()

    def send(self, sms: Sms) -> None:
        """Post the text; raise SmsError unless the gateway accepted it."""
        body = self.body(sms)
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "X-Signature": self.sign(body)})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"短信网关 HTTP {exc.code}") from None
        except (TimeoutError, OSError) as exc:  # URLError is an OSError; a hang is a timeout
            reason = getattr(exc, "reason", exc)
            raise SmsError(f"短信网关无应答（{type(reason).__name__}，"
                           f"超时 {self.timeout:g} 秒）") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SmsError("短信网关的应答不是 JSON") from None
        code = answer.get("code") if isinstance(answer, dict) else None
        if code not in ("OK", 0, "0"):
            message = str(answer.get("message", "")) if isinstance(answer, dict) else ""
            if str(code) in self.permanent_codes:
                raise SmsRejected(f"短信网关拒绝，不再重试：{code} {message}"[:500])
            raise SmsError(f"短信网关拒绝：{code} {message}"[:500])


def provider_from_config(config: Mapping[str, Any], instance_path: str) -> Provider:
    """The adapter SMS_BACKEND asks for (``http``, ``console``; files by default)."""
    name = config.get("SMS_BACKEND") or "file"
    if name == "http":
        return HttpGateway(url=config["SMS_GATEWAY_URL"], app_key=config["SMS_APP_KEY"],
                           app_secret=config["SMS_APP_SECRET"],
                           sign_name=config["SMS_SIGN_NAME"],
                           template_codes=dict(config.get("SMS_TEMPLATES") or {}),
                           timeout=float(config.get("SMS_TIMEOUT_SECONDS") or 10),
                           permanent_codes=frozenset(
                               str(c) for c in config.get("SMS_PERMANENT_CODES") or ()))
    if name == "console":
        return ConsoleProvider()
    return FileProvider(Path(config.get("SMS_FILE_DIR") or Path(instance_path) / "sms"))
