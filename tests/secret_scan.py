"""The session-wide secret scan: no secret the suite uses may reach a log line or an API answer.

A pytest plugin (registered in ``tests/conftest.py``). It learns secrets as the suite makes them:
every sandbox's demo credentials and seed secrets, every key ``aptura.store.keys.create_api_key``
returns, every webhook signing secret ``aptura.store.webhooks.new_secret`` makes, every token the
Square sandbox issues, and every credential or bearer value a test sends through
``tests.support.invoke`` or ``call_gateway``. It captures every record of the ``aptura``
and ``sandboxes`` loggers, formatted exactly as Lambda would write it, every answer of either, and
every line the local gateway's Lambda worker processes wrote.

Each capture is checked when it happens against the secrets known by then: a value cannot leak
before it exists, and nothing has to be kept for the end. Any Aptura key or connect-session token
(``cst_…``) pattern in a log line is a leak whether registered or not. The exemptions are the ``key`` field of a ``POST
/v1/api-keys`` 201, the dashboard's ``new-key`` field, and the ``secret`` field of a ``POST
/v1/webhook-endpoints`` 201 or a rotate-secret 200, where a new key or secret is handed over once by design.

A leak fails the session: exit status 1 and a summary naming where (never the secret). Under
pytest-xdist each worker checks its own captures and passes its findings to the controller in
``workeroutput``; the controller fails the run, so the check holds under ``-n 2 --dist loadgroup``.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

MIN_LENGTH = 6  # shorter values turn up by chance
LOGGERS = ("aptura", "sandboxes")
_EXCERPT = 60
MAX_REPORTED = 50
_SCAN = pytest.StashKey["SecretScan"]()
_WORKER_LEAKS = pytest.StashKey[list[str]]()
_WORKER_STATS = pytest.StashKey[list[dict[str, int]]]()


@dataclass(frozen=True)
class Leak:
    where: str  # "log aptura.aptura.api.audit" | "response POST /v1/connections"
    what: str  # where the secret came from, e.g. "sandboxes.mindbody DEMO credentials.password"
    excerpt: str  # the surroundings, the secret masked

    def __str__(self) -> str:
        return f"{self.what} in {self.where}: ...{self.excerpt}..."


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


class SecretScan:
    """A registry of secret values and the leaks found in what was checked against it."""

    def __init__(self) -> None:
        from aptura.api.audit import APTURA_KEY, CONNECT_TOKEN, is_secret_name, scrub

        self._pattern = APTURA_KEY
        self._connect_token = CONNECT_TOKEN
        self._scrub = scrub
        self._is_secret_name = is_secret_name
        self._lock = threading.Lock()
        self.secrets: dict[str, str] = {}  # value -> where it came from
        self.api_keys: set[str] = set()
        # Rebuilt on every addition, read without the lock: checks are far more frequent than additions.
        self._forms: tuple[tuple[str, str], ...] = ()  # (text to look for, where the secret came from)
        self._keys: tuple[str, ...] = ()
        self.leaks: list[Leak] = []
        self.leak_count = 0
        self.checked = 0

    # -- the registry ----------------------------------------------------------------------
    def add(self, value: Any, what: str) -> None:
        """Register a secret value (too short ones are ignored: they would match by chance)."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            return
        text = str(value)
        if len(text) < MIN_LENGTH:
            return
        with self._lock:
            if text in self.secrets:
                return
            self.secrets[text] = what
            # as it would stand inside a JSON line, when that differs
            forms = {text, json.dumps(text, ensure_ascii=False)[1:-1]}
            self._forms = (*self._forms, *((form, what) for form in forms))

    def add_api_key(self, raw: str) -> None:
        """Register an Aptura API key."""
        with self._lock:
            self.api_keys.add(raw)
            self._keys = (*self._keys, raw)

    def add_credentials(self, credentials: Any, what: str) -> None:
        """Register the values of ``credentials`` whose names are secret-like (not usernames, expiries)."""
        if isinstance(credentials, dict):
            for name, value in credentials.items():
                if self._is_secret_name(name):
                    self.add(value, f"{what}.{name}")

    # -- checks ---------------------------------------------------------------------------------
    def check(self, text: str, where: str, *, any_key: bool = False) -> list[Leak]:
        """Check ``text`` against every secret known now; ``any_key``: every Aptura key pattern is a leak."""
        leaks: list[Leak] = []
        seen: set[str] = set()
        for form, what in self._forms:
            at = text.find(form)
            if at >= 0 and what not in seen:
                seen.add(what)
                leaks.append(Leak(where, what, self._excerpt(text, at, len(form))))
        if "apt_" in text:
            keys = self._keys
            for match in self._pattern.finditer(text):
                registered = any(match.group().startswith(k) for k in keys)
                if registered or any_key:
                    what = "an Aptura API key" + ("" if registered else " (by its pattern)")
                    leaks.append(Leak(where, what, self._excerpt(text, match.start(), len(match.group()))))
        if any_key and "cst_" in text:  # a connect link's token completes its session: no log line may keep one
            for match in self._connect_token.finditer(text):
                leaks.append(Leak(where, "a connect-session token (by its pattern)",
                                  self._excerpt(text, match.start(), len(match.group()))))
        with self._lock:
            self.checked += 1
            self.leak_count += len(leaks)
            self.leaks.extend(leaks[:max(MAX_REPORTED - len(self.leaks), 0)])
        return leaks

    def _excerpt(self, text: str, at: int, length: int) -> str:
        # The surroundings may hold other secrets: mask everything first, so the report cannot leak.
        masked = self._scrub(f"{text[:at]}\0{text[at + length:]}")
        for form, _ in self._forms:
            masked = masked.replace(form, "<secret>")
        at = masked.find("\0")
        if at < 0:  # the scrubbing swallowed the marker (the secret stood right after "password=")
            return "<secret> (surroundings withheld)"
        return f"{masked[max(at - _EXCERPT, 0):at]}<secret>{masked[at + 1:at + 1 + _EXCERPT]}".replace("\n", " ")

    def check_log(self, line: str, logger_name: str) -> list[Leak]:
        """A formatted log line: no registered secret and no Aptura key at all."""
        return self.check(line, f"log {logger_name}", any_key=True)

    def check_response(self, method: str, path: str, status: int, headers: dict[str, str], body: Any
                       ) -> list[Leak]:
        """An API answer: no registered secret, except the new key of ``POST /v1/api-keys``."""
        if method == "POST" and path.rstrip("/") == "/v1/api-keys" and status == 201 and isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "key"}  # handed over once, by design
        if method == "POST" and isinstance(body, dict) and (
                (path.rstrip("/") == "/v1/webhook-endpoints" and status == 201)
                or (path.startswith("/v1/webhook-endpoints/") and path.endswith("/rotate-secret") and status == 200)):
            body = {k: v for k, v in body.items() if k != "secret"}  # a signing secret, handed over once
        if method == "POST" and path.startswith("/dashboard/") and status == 200 and isinstance(body, str):
            # The dashboard hands a new key over once in this one field; anything else is still checked.
            body = re.sub(r'<input id="new-key" class="secret" readonly value="[^"]*">', "", body)
        if method == "POST" and path.rstrip("/") == "/dashboard/webhooks" and status == 200 and isinstance(body, str):
            # A new endpoint's signing secret, handed over once in this one field.
            body = re.sub(r'<input id="new-secret" class="secret" type="text" readonly value="[^"]*">', "", body)
        text = "\n".join([str(status), *_strings(headers), *_strings(body)])
        return self.check(text, f"response {method} {path}")

    def unchecked(self, where: str, error: Exception) -> None:
        """Record that something could not be checked: that fails the session too."""
        with self._lock:
            self.leak_count += 1
            if len(self.leaks) < MAX_REPORTED:
                self.leaks.append(Leak(where, "a capture the scan could not check", type(error).__name__))

    def stats(self) -> dict[str, int]:
        """How much was checked against how many secrets."""
        with self._lock:
            return {"checked": self.checked, "secrets": len(self.secrets), "api_keys": len(self.api_keys)}

    def report(self) -> list[str]:
        """One line per leak found (the secrets themselves masked)."""
        lines = [str(leak) for leak in self.leaks]
        if self.leak_count > len(lines):
            lines.append(f"... and {self.leak_count - len(lines)} more")
        return lines


class LogCapture(logging.Handler):
    """Checks every record as Lambda would write it: through the aptura logger's own formatter."""

    def __init__(self, scan: SecretScan) -> None:
        super().__init__(logging.NOTSET)
        self.scan = scan
        self._fallback: logging.Formatter | None = None

    def _formatter(self, record: logging.LogRecord) -> logging.Formatter | None:
        if record.name == "aptura" or record.name.startswith("aptura."):
            handler = getattr(logging.getLogger("aptura"), "powertools_handler", None)
            if handler is not None and handler.formatter is not None:
                return handler.formatter  # type: ignore[no-any-return]
            # No handler yet (the engine used without the API, as provider tests do): production
            # always has one, with this formatter.
            if self._fallback is None:
                from aptura.api.audit import RedactingFormatter

                self._fallback = RedactingFormatter()
            return self._fallback
        return None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            formatter = self._formatter(record)
            if formatter is not None:
                line = formatter.format(record)
            else:  # a plain logger: its message, its arguments and every extra, as any handler could write them
                line = json.dumps({**record.__dict__, "message": record.getMessage()}, default=str)
            self.scan.check_log(line, record.name)
        except Exception as exc:  # a line that could not be checked fails the session as a leak would
            self.scan.unchecked(f"log {record.name}", exc)


def _register_sandboxes(scan: SecretScan) -> None:
    from sandboxes.server import REGISTRY

    for target in REGISTRY.values():
        package = target.split(":")[0].rsplit(".", 1)[0]
        demo = getattr(importlib.import_module(f"{package}.app"), "DEMO", {})
        # A "key" that is also a config value is a public id (TimeTap's API key is the business id).
        public = {str(v) for v in (demo.get("config") or {}).values()}
        credentials = {k: v for k, v in (demo.get("credentials") or {}).items() if str(v) not in public}
        scan.add_credentials(credentials, f"{package} DEMO credentials")
        try:
            seed = importlib.import_module(f"{package}.seed")
        except ImportError:
            continue
        for attr, value in vars(seed).items():  # API_KEY, OWNER_PASSWORD, APP_SECRET, SEED_ACCESS_TOKEN, ...
            if attr.isupper() and isinstance(value, str) and value not in public and attr.lower().replace(
                    "_", "").endswith(("password", "secret", "token", "apikey", "secretkey", "privatekey")):
                scan.add(value, f"{package}.seed.{attr}")


def _wrap(owner: Any, attr: str, after: Callable[[Any], None]) -> Callable[[], None]:
    original = getattr(owner, attr)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(result)
        return result

    setattr(owner, attr, wrapper)
    return lambda: setattr(owner, attr, original)


def install(scan: SecretScan) -> Callable[[], None]:
    """Feed ``scan`` from the suite: secrets as they are made, log records and answers as they pass."""
    import aptura.store.keys
    import aptura.store.webhooks
    from sandboxes.square.oauth import OAuthStore
    from tests import support

    _register_sandboxes(scan)
    def issued(tokens: tuple[Any, Any]) -> None:  # both grants answer (access token, refresh token)
        for token in tokens:
            scan.add(token.token, "a token the Square sandbox issued")

    undo = [_wrap(aptura.store.keys, "create_api_key", lambda made: scan.add_api_key(made[0])),
            _wrap(aptura.store.webhooks, "new_secret", lambda made: scan.add(made, "a webhook signing secret")),
            _wrap(OAuthStore, "exchange_code", issued), _wrap(OAuthStore, "refresh", issued)]

    def on_invoke(method: str, path: str, headers: dict[str, str], body: Any) -> Callable[[Any], None]:
        for name, value in headers.items():
            if name.lower() == "authorization":
                scan.add(value.partition(" ")[2].strip(), "an Authorization header a test sent")
        if isinstance(body, bytes | str):
            try:
                body = json.loads(body)
            except ValueError:
                body = None
        if isinstance(body, dict):
            # As for the sandboxes' DEMO: a "key" equal to a config value sent with it is a public id.
            config = body.get("config")
            public = {str(v) for v in config.values()} if isinstance(config, dict) else set()
            sent = body.get("credentials")
            if isinstance(sent, dict):
                sent = {k: v for k, v in sent.items() if str(v) not in public}
            scan.add_credentials(sent, f"credentials sent to {method} {path}")

        def done(result: Any) -> None:
            scan.check_response(method, path, result.status, result.headers, result.body)

        return done

    def on_worker_line(line: str) -> None:
        scan.check_log(line, "gateway worker")

    support.INVOKE_HOOKS.append(on_invoke)
    support.WORKER_LOG_HOOKS.append(on_worker_line)
    capture = LogCapture(scan)
    for name in LOGGERS:
        logging.getLogger(name).addHandler(capture)

    def uninstall() -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(capture)
        support.INVOKE_HOOKS.remove(on_invoke)
        support.WORKER_LOG_HOOKS.remove(on_worker_line)
        for restore in reversed(undo):
            restore()

    return uninstall


# -- pytest hooks -----------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    scan = SecretScan()
    config.stash[_SCAN] = scan
    config.stash[_WORKER_LEAKS] = []
    config.stash[_WORKER_STATS] = []
    xdist_controller = bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")
    if not xdist_controller:  # the controller runs no test; its workers scan and report to it
        config.add_cleanup(install(scan))


def _leaks(config: pytest.Config) -> list[str]:
    return config.stash[_SCAN].report() + config.stash[_WORKER_LEAKS]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    leaks = _leaks(config)
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller decides the exit status
        workeroutput["secret_scan_leaks"] = leaks
        workeroutput["secret_scan_stats"] = config.stash[_SCAN].stats()
    if leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: collect a worker's leaks."""
    output = getattr(node, "workeroutput", {})
    node.config.stash[_WORKER_LEAKS].extend(output.get("secret_scan_leaks") or [])
    if output.get("secret_scan_stats"):
        node.config.stash[_WORKER_STATS].append(output["secret_scan_stats"])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    leaks = _leaks(config)
    if leaks:
        terminalreporter.section("secret scan: secrets leaked", red=True, bold=True)
        for line in dict.fromkeys(leaks):
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"{len(leaks)} leak(s): the session fails")
        return
    stats = config.stash[_WORKER_STATS] or [config.stash[_SCAN].stats()]
    if sum(s["checked"] for s in stats):
        terminalreporter.write_line(
            "secret scan: no leaks in " + ", ".join(
                f"{s['checked']} log lines and answers ({s['secrets']} secrets, {s['api_keys']} API keys)"
                for s in stats))
