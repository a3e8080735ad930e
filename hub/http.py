"""HTTP sessions for connectors: timeouts, retries with backoff, Retry-After, redaction.

Built on what requests/urllib3 already provide (``urllib3.util.Retry`` honours
``Retry-After`` on 429/503 and backs off exponentially). Connectors get a ready
session as ``ctx.session``; they never build their own.
"""

import logging
import re

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from hub import __version__

USER_AGENT = f"connect-hub/{__version__} (+https://github.com/connect-hub/connect-hub)"
DEFAULT_TIMEOUT = (10, 60)  # connect, read: seconds
RETRY_STATUSES = (429, 500, 502, 503, 504)

log = logging.getLogger("hub.http")


class HubSession(requests.Session):
    """A requests session with a default timeout and a redacting debug log."""

    def __init__(self, timeout=DEFAULT_TIMEOUT, secrets=()):
        super().__init__()
        self.timeout = timeout
        self.secrets = [s for s in secrets if s]
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, url, **kwargs)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s", method, self.redact(url), response.status_code)
        return response

    def redact(self, text):
        return redact(text, self.secrets)


def redact(text, secrets=()):
    """Mask known secret values and credential-looking query parameters in ``text``."""
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return re.sub(
        r"(?i)((?:ws_key|access_token|token|key|secret|password)=)[^&\s]+", r"\1***", text
    )


class RedactingFilter(logging.Filter):
    """Masks known secrets and credential query parameters in urllib3's debug lines, which
    print request paths (a ``ws_key=`` in a URL would otherwise reach the logs)."""

    secrets: set = set()

    def filter(self, record):
        if record.args:
            record.msg = redact(record.msg % record.args, self.secrets)
            record.args = ()
        else:
            record.msg = redact(record.msg, self.secrets)
        return True


_redacting_filter = RedactingFilter()
logging.getLogger("urllib3.connectionpool").addFilter(_redacting_filter)


def _retry_class(sleep):
    """urllib3's Retry, sleeping through ``sleep`` (a test's fake clock) when one is given."""
    if sleep is None:
        return Retry

    class HubRetry(Retry):
        def sleep_for_retry(self, response):
            retry_after = self.get_retry_after(response)
            if retry_after:
                sleep(retry_after)
                return True
            return False

        def _sleep_backoff(self):
            backoff = self.get_backoff_time()
            if backoff > 0:
                sleep(backoff)

    return HubRetry


def make_session(
    *,
    secrets=(),
    timeout=DEFAULT_TIMEOUT,
    total_retries=4,
    backoff_factor=0.5,
    allowed_methods=None,
    max_retry_after=120,
    respect_retry_after=True,
    retry_sent=True,
    sleep=None,
):
    """A session whose adapter retries connection errors, 429 and 5xx with backoff.

    ``allowed_methods`` defaults to idempotent methods plus POST: store APIs
    (GraphQL, Magento search) read through POST, and writes the hub makes carry
    idempotency (a key, compare-and-swap, or a check-before-write).
    ``respect_retry_after=False`` (tests) retries without sleeping the store's Retry-After:
    a connector that must honour it through ``ctx.sleep`` then sees the last answer.
    ``retry_sent=False``: only failures to connect are retried (the request never reached
    the store); a request that was sent is never sent again (``ctx.session_once``).
    ``sleep``: what the retries sleep with (default ``time.sleep``; tests pass a fake).
    """
    retry_class = _retry_class(sleep)
    session = HubSession(timeout=timeout, secrets=secrets)
    RedactingFilter.secrets.update(s for s in secrets if s and len(s) >= 4)
    if not retry_sent:
        retry = retry_class(
            total=total_retries,
            connect=total_retries,
            read=0,
            status=0,
            other=0,
            backoff_factor=backoff_factor,
            allowed_methods=None,
            raise_on_status=False,
        )
    else:
        retry = retry_class(
            total=total_retries,
            connect=total_retries,
            read=2,
            status=total_retries,
            backoff_factor=backoff_factor,
            backoff_max=30,
            retry_after_max=max_retry_after,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=allowed_methods
            or frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"}),
            respect_retry_after_header=respect_retry_after,
            raise_on_status=False,  # the connector turns the last response into a clear error
        )
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
