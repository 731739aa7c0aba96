"""``make dev``: the whole of Aptura on this machine, on 127.0.0.1 only, seeded with a demo account.

``python -m local.devstack`` (what ``make dev`` runs, with ``PYTHONPATH=layer:.``) starts:

* every provider sandbox (``sandboxes.server``), each with its own seed data, on one port
  (``APTURA_SANDBOX_PORT``, default: a free port), each provider under ``/<provider>``;
* AWS's DynamoDB Local with ``-sharedDb``: in memory, or on disk in ``APTURA_DATA_DIR`` so state survives
  restarts; the tables of ``template.yaml`` are created from the template;
* moto's server for Secrets Manager, Cognito and SQS (in this process), with ``template.yaml``'s queues, and a
  poller thread (:mod:`local.sqs_poller`) feeding the webhook queue to ``DeliveryFunction`` in a gateway worker,
  as Lambda's SQS event source would; webhook retries are compressed to seconds (:data:`DEV_RETRY_SCHEDULE`);
* the change poller (``PollerFunction``, :mod:`aptura.poller`) every :data:`DEV_POLL_SECONDS` seconds
  (``APTURA_DEV_POLL_SECONDS``) instead of every minute, polling every connection at once rather than through
  the poll queue, so a change made directly in a sandbox arrives as an event within seconds;
* a demo account: the test API key :data:`local.events.DEMO_API_KEY` (so the sample events in ``events/``
  authenticate) and one test connection ``conn_demo_<provider>`` for every provider that has both a spec
  (``specs/<provider>.yaml``) and a sandbox, with the sandbox's ``DEMO`` config and credentials stored the way
  production stores them (credentials in Secrets Manager, config in DynamoDB), plus a spare Mindbody connection
  and a spare key for the sample DELETE events to remove. Seeding is idempotent:
  the same key and connection ids every run, so a persisted ``APTURA_DATA_DIR`` is simply refreshed;
* the local API gateway (:mod:`local.gateway`) reading ``template.yaml``, on ``APTURA_PORT`` (default 3000),
  with test-mode connections pointed at the sandboxes.

When everything answers it prints ``ready in X.Xs``, ready-to-paste curl commands (availability, and a booking
of a slot it just saw free) and writes the same facts to ``$APTURA_STATE_DIR/dev.json`` (default
``<repo>/.aptura/dev.json``; the file exists only while the stack is up). Ctrl-C or SIGTERM stops everything it
started; from Python use ``DevStack().start()`` / ``.stop()``.
"""

from __future__ import annotations

import time

_T0 = time.monotonic()  # before the heavy imports below, so "ready in" covers them too

import atexit  # noqa: E402 - after the start-time stamp on purpose
import importlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from local.events import (  # noqa: E402
    DEMO_API_KEY,
    DEMO_CONNECT_SESSION_ID,
    DEMO_EVENT_ID,
    DEMO_PROVIDER,
    DEMO_SPARE_CONNECTION_ID,
    DEMO_SPARE_KEY_ID,
    DEMO_SPARE_WEBHOOK_ENDPOINT_ID,
    DEMO_WEBHOOK_ENDPOINT_ID,
)
from local.services import (  # noqa: E402
    ROOT,
    DynamoDBLocal,
    free_port,
    moto_endpoint,
    start_dynamodb_local,
    start_moto,
)

HOST = "127.0.0.1"  # loopback only: demo credentials must never be reachable from the network
DEFAULT_PORT = 3000
DEMO_ACCOUNT_ID = "acct_demo"
FEATURED_PROVIDER = "mindbody"  # the provider the printed curl commands use, when it is available
DEMO_CLIENT = {"firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com", "phone": "+15551234567"}
# Fake, fixed AWS credentials: every AWS call goes to the local endpoints, never to a real account.
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# The Standard Webhooks schedule (0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) in seconds instead.
DEV_RETRY_SCHEDULE = "0,1,2,3,4,5,6,6"
# The change poller's period here; deployed, EventBridge runs it every minute.
DEV_POLL_SECONDS = 5.0


class StartCancelled(Exception):
    """SIGINT/SIGTERM arrived while the stack was starting."""


def connection_id_for(provider: str) -> str:
    """The demo connection id of ``provider``: fixed, so re-seeding a persisted database is idempotent."""
    return f"conn_demo_{provider}"


def demo_dates(today: date | None = None) -> tuple[date, date]:
    """A Monday-to-Sunday window starting at least a week from ``today``.

    Sandboxes run on real time and refuse or empty the past; a week ahead keeps every day of the window
    bookable whatever the time of day, and a full week covers every staff member's working days.
    """
    first = (today or date.today()) + timedelta(days=7)
    start = first + timedelta(days=(7 - first.weekday()) % 7)
    return start, start + timedelta(days=6)


def curl_command(method: str, url: str, headers: dict[str, str], body: Any = None) -> str:
    """A copy-pasteable (POSIX shell) curl command that also prints the HTTP status."""
    parts = ["curl -sS"]
    if method != "GET":
        parts.append(f"-X {method}")
    parts.append(shlex.quote(url))
    parts.extend(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in headers.items())
    if body is not None:
        parts.append("-H 'Content-Type: application/json'")
        parts.append(f"-d {shlex.quote(json.dumps(body))}")
    parts.append("-w '\\nHTTP %{http_code}\\n'")
    return " \\\n  ".join(parts)


def _log(message: str) -> None:
    print(f"[devstack] {message}", file=sys.stderr, flush=True)


class DevStack:
    """Sandboxes, DynamoDB Local, moto, the demo account and the gateway, started and stopped together."""

    extra_function_env: dict[str, str] = {}  # a subclass's additions to the functions' environment

    def __init__(
        self,
        root: Path = ROOT,
        port: int | None = None,
        sandbox_port: int | None = None,
        data_dir: Path | None = None,
    ) -> None:
        """Settings default to the environment: ``APTURA_PORT``, ``APTURA_SANDBOX_PORT``, ``APTURA_DATA_DIR``."""
        self.root = root
        self.template = root / "template.yaml"
        self.port = int(os.environ.get("APTURA_PORT") or DEFAULT_PORT) if port is None else port
        self.sandbox_port = int(os.environ.get("APTURA_SANDBOX_PORT") or 0) if sandbox_port is None else sandbox_port
        env_dir = os.environ.get("APTURA_DATA_DIR")
        self.data_dir = data_dir if data_dir is not None else (Path(env_dir).resolve() if env_dir else None)
        self.cancel = threading.Event()  # set by a signal handler; start() gives up at its next step
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.facts: dict[str, Any] = {}
        self.demos: dict[str, dict[str, Any]] = {}
        self._sandboxes: Any = None
        self._dynamodb: DynamoDBLocal | None = None
        self._moto: Any = None
        self._gateway: Any = None
        self._poller: Any = None
        self._schedule: Any = None
        self._dynamodb_thread: threading.Thread | None = None
        self._dynamodb_error: Exception | None = None
        self._stopped = False
        self._lock = threading.Lock()

    # -- starting ------------------------------------------------------------------------------------------

    def _step(self, name: str, started: float) -> None:
        self.timings[name] = time.monotonic() - started
        if self.cancel.is_set():
            raise StartCancelled(name)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        _log(f"warning: {message}")

    def start(self) -> dict[str, Any]:
        """Start everything and seed the demo account; returns the facts written to ``dev.json``.

        On any failure (or :attr:`cancel`) everything already started is stopped before the error propagates.
        """
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> dict[str, Any]:
        self._check_port_free()
        self._configure_process_env()
        # The JVM takes seconds to come up: start it first and do the rest while it does.
        self._dynamodb_thread = threading.Thread(target=self._start_dynamodb, name="dynamodb-local", daemon=True)
        self._dynamodb_thread.start()

        t = time.monotonic()
        sandbox_url = self._start_sandboxes()
        self._step("sandboxes", t)

        t = time.monotonic()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log is noise here
        self._moto = start_moto()
        self._step("moto", t)

        t = time.monotonic()
        self._dynamodb_thread.join()
        if self._dynamodb_error is not None:
            raise self._dynamodb_error
        assert self._dynamodb is not None
        self._step("dynamodb_local_wait", t)

        endpoints = {
            "AWS_ENDPOINT_URL_DYNAMODB": self._dynamodb.endpoint,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_endpoint(self._moto),
        }
        os.environ.update(endpoints)  # for the seeding below, which uses the store modules as production does
        endpoints["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = moto_endpoint(self._moto)
        endpoints["AWS_ENDPOINT_URL_SQS"] = moto_endpoint(self._moto)
        queues = self._create_queues(endpoints["AWS_ENDPOINT_URL_SQS"])
        pool_id, client_id = self._create_user_pool(endpoints["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"])

        from local.gateway import Gateway

        specs_dir = self.root / "specs"
        # The functions learn their public URL from configuration (PublicUrl), never from a request's Host:
        # so the port is fixed before they are configured.
        self.port = self.port or free_port()
        public_url = f"http://{HOST}:{self.port}"
        function_env = {
            "APTURA_PUBLIC_URL": public_url,
            **endpoints, **FAKE_AWS,
            "APTURA_SPECS_DIR": str(specs_dir),  # the template says /opt (the specs layer); here the repo's copy
            "APTURA_SANDBOX_URL": sandbox_url,
            # moto chose the pool's ids; the template's !Ref would be the logical ids
            "APTURA_USER_POOL_ID": pool_id,
            "APTURA_USER_POOL_CLIENT_ID": client_id,
            # no email leaves a laptop: sign-up is confirmed at once (AdminConfirmSignUp), and the page says so
            "APTURA_DEV_AUTO_CONFIRM": "1",
            # moto named the queues; the template's !Ref would be the logical ids
            "APTURA_WEBHOOK_QUEUE_URL": queues["WebhookQueue"][0],
            "APTURA_WEBHOOK_DLQ_URL": queues["WebhookDeadLetterQueue"][0],
            "APTURA_POLL_QUEUE_URL": queues["PollQueue"][0],
            "APTURA_WEBHOOK_RETRY_SCHEDULE": DEV_RETRY_SCHEDULE,
            "APTURA_WEBHOOK_ALLOW_LOOPBACK": "1",  # Aptura runs on the developer's machine: localhost is theirs
            **self.extra_function_env,
        }
        self._gateway = Gateway(
            self.template,
            env_overrides={"Parameters": function_env},
            parameter_overrides={"SandboxUrl": sandbox_url},
            host=HOST,
            port=self.port,
        )

        t = time.monotonic()
        self._create_tables(endpoints["AWS_ENDPOINT_URL_DYNAMODB"])
        self._step("tables", t)

        t = time.monotonic()
        providers = self._seed(specs_dir)
        self._step("seed", t)

        t = time.monotonic()
        try:
            api_url = self._gateway.start()
        except OSError as exc:
            raise RuntimeError(f"cannot listen on {HOST}:{self.port} ({exc}); set APTURA_PORT to a free port") from exc
        self._step("gateway", t)
        self._start_delivery(endpoints["AWS_ENDPOINT_URL_SQS"], queues["WebhookQueue"])
        self._start_change_poller()

        t = time.monotonic()
        self._connect_oauth_providers(api_url, providers)
        self._step("oauth", t)

        # function_env and parameter_overrides: what `make invoke` (local.invoke) runs a function with, as the gateway.
        self.facts = {"api_url": api_url, "public_url": public_url, "api_key": DEMO_API_KEY,
                      "dashboard_url": f"{api_url}/dashboard", "sandbox_url": sandbox_url, "providers": providers,
                      "function_env": function_env, "parameter_overrides": {"SandboxUrl": sandbox_url}}
        return self.facts

    def _create_queues(self, endpoint: str) -> dict[str, tuple[str, str]]:
        """template.yaml's SQS queues in moto: ``{logical id: (url, arn)}``."""
        import boto3

        from local.resources import create_queues

        return create_queues(boto3.client("sqs", endpoint_url=endpoint), self.template)

    def _start_delivery(self, endpoint: str, queue: tuple[str, str]) -> None:
        """Feed the webhook queue to DeliveryFunction, as Lambda's SQS event source mapping does in AWS."""
        import uuid

        import boto3

        from local.sqs_poller import Poller

        pool = self._gateway.pools["DeliveryFunction"]
        timeout = float(pool.fn.timeout) + 5

        def invoke(event: dict[str, Any]) -> Any:
            return pool.invoke(event, str(uuid.uuid4()), timeout)

        self._poller = Poller(boto3.client("sqs", endpoint_url=endpoint), queue[0], queue[1], invoke, log=_log)
        self._poller.start()

    def _start_change_poller(self) -> None:
        """Run PollerFunction every few seconds, as the EventBridge schedule does every minute in AWS.

        ``{"poll": "all"}`` polls every connection in that one invocation: the dev stack has a handful, and
        the poll queue's spreading over the minute would only delay the change a developer is waiting for.
        """
        import uuid

        from local.sqs_poller import Schedule

        pool = self._gateway.pools["PollerFunction"]
        timeout = float(pool.fn.timeout) + 5
        interval = float(os.environ.get("APTURA_DEV_POLL_SECONDS") or DEV_POLL_SECONDS)

        def invoke(event: dict[str, Any]) -> Any:
            return pool.invoke(event, str(uuid.uuid4()), timeout)

        self._schedule = Schedule(interval, invoke, {"poll": "all"}, log=_log)
        self._schedule.start()

    def _create_user_pool(self, endpoint: str) -> tuple[str, str]:
        """The dashboard's Cognito user pool and app client in moto, as the template declares them."""
        import boto3

        from local.template import load_yaml

        resources = load_yaml(self.template)["Resources"]
        pool_props = resources["UserPool"]["Properties"]
        client_props = resources["UserPoolClient"]["Properties"]
        idp = boto3.client("cognito-idp", endpoint_url=endpoint)
        pool = idp.create_user_pool(PoolName="local-people", UsernameAttributes=pool_props["UsernameAttributes"],
                                    AutoVerifiedAttributes=pool_props["AutoVerifiedAttributes"],
                                    Policies=pool_props["Policies"])["UserPool"]
        client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=client_props["ClientName"],
                                             GenerateSecret=False,
                                             ExplicitAuthFlows=client_props["ExplicitAuthFlows"])["UserPoolClient"]
        return str(pool["Id"]), str(client["ClientId"])

    def _oauth_apps(self) -> dict[str, dict[str, Any]]:
        """Sandboxes that export ``OAUTH_APP`` and whose spec offers the hosted flow: {provider: app}."""
        from aptura.spec.loader import load_spec
        from aptura.spec.models import OAuth2Auth
        from sandboxes.server import REGISTRY

        apps = {}
        for name in self.demos:
            app = getattr(importlib.import_module(REGISTRY[name].split(":")[0]), "OAUTH_APP", None)
            if not isinstance(app, dict) or not (self.root / "specs" / f"{name}.yaml").is_file():
                continue
            auth = load_spec(name).auth
            if isinstance(auth, OAuth2Auth) and auth.authorize is not None:
                apps[name] = app
        return apps

    def _seed_platform(self) -> None:
        """Platform secrets as production keeps them: the OAuth state key and the OAuth apps."""
        import secrets as pysecrets

        from aptura.store.connections import put_platform_secret

        put_platform_secret("state-key", {"key": pysecrets.token_urlsafe(32)})
        put_platform_secret("oauth-apps", {name: {"test": app} for name, app in self._oauth_apps().items()})

    def _connect_oauth_providers(self, api_url: str, providers: dict[str, dict[str, Any]]) -> None:
        """Replace the demo connection of each OAuth provider by one made through the hosted flow,
        over HTTP exactly as a user's browser would go: Aptura -> provider consent -> Aptura callback."""
        import httpx

        from aptura.store import connections

        for name in sorted(self._oauth_apps()):
            if name not in providers:
                continue
            for old in connections.list_connections(DEMO_ACCOUNT_ID):
                if old.provider == name:  # the seeded one and those of earlier runs (APTURA_DATA_DIR)
                    connections.delete_connection(old)
            headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
            config = json.dumps(self.demos[name].get("config") or {})
            try:
                start = httpx.get(f"{api_url}/v1/oauth/{name}/authorize", params={"config": config},
                                  headers=headers, timeout=30)
                consent = httpx.get(start.headers["location"], timeout=30)  # the sandbox approves at once
                done = httpx.get(consent.headers["location"], timeout=30)
                done.raise_for_status()
            except (httpx.HTTPError, KeyError) as exc:
                self._warn(f"{name}: the hosted OAuth flow failed ({exc!r}); no demo connection for it")
                del providers[name]
                continue
            record = connections.get_connection(DEMO_ACCOUNT_ID, done.json()["connection_id"])
            assert record is not None
            providers[name]["connection_id"] = record.connection_id
            providers[name]["credentials"] = connections.read_credentials(record, force=True)

    def _check_port_free(self) -> None:
        """Fail in a second, not after starting a JVM, when the API port is taken (e.g. a second ``make dev``)."""
        if not self.port:
            return
        with socket.socket() as sock:
            # As the HTTP server does: connections of a previous run in TIME_WAIT must not count as "in use".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, self.port))
            except OSError as exc:
                raise RuntimeError(f"cannot listen on {HOST}:{self.port} ({exc.strerror}); "
                                   "set APTURA_PORT to a free port") from exc

    def _start_dynamodb(self) -> None:
        started = time.monotonic()
        try:
            ddb = start_dynamodb_local(port=None, data_dir=self.data_dir)
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self._dynamodb_error = exc
            return
        self.timings["dynamodb_local"] = time.monotonic() - started
        with self._lock:
            if self._stopped:  # stop() ran while the JVM was starting: nobody else will end it
                ddb.stop()
            else:
                self._dynamodb = ddb

    def _configure_process_env(self) -> None:
        """Point this process's AWS SDK at nothing real: fake credentials, no profile, a region."""
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            os.environ.pop(name, None)  # a developer's profile or session must not mix with the fake keys
        os.environ.update(FAKE_AWS)
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region

    def _start_sandboxes(self) -> str:
        """Serve every registered sandbox that loads; one being written must not take the others down."""
        from sandboxes.core import serve
        from sandboxes.server import REGISTRY, build_apps

        apps = []
        for name in sorted(REGISTRY):
            try:
                apps.extend(build_apps([name]))  # a fresh instance: its own seed data
            except Exception as exc:  # noqa: BLE001 - reported, and the other sandboxes still start
                self._warn(f"sandbox {name} did not load ({type(exc).__name__}: {exc}); it is not served")
                continue
            demo = getattr(importlib.import_module(REGISTRY[name].split(":")[0]), "DEMO", None)
            if isinstance(demo, dict):
                self.demos[name] = demo
            else:
                self._warn(f"sandbox {name} has no DEMO dict; no demo connection for it")
        self._sandboxes = serve(apps, host=HOST, port=self.sandbox_port)
        return str(self._sandboxes.url)

    def _create_tables(self, endpoint: str) -> None:
        import boto3

        from local.resources import create_tables

        create_tables(boto3.client("dynamodb", endpoint_url=endpoint), self.template)

    def _seed(self, specs_dir: Path) -> dict[str, dict[str, Any]]:
        """The demo key and one test connection per provider with a spec and a sandbox (idempotent)."""
        assert self._gateway is not None
        # The names the functions will use (the table's local name, the secret prefix), straight from the template.
        fn_env = next(iter(self._gateway.stack.functions.values())).environment
        os.environ["APTURA_TABLE"] = fn_env["APTURA_TABLE"]
        os.environ["APTURA_SECRET_PREFIX"] = fn_env["APTURA_SECRET_PREFIX"]
        os.environ["APTURA_SPECS_DIR"] = str(specs_dir)

        from aptura.store import connections, db, keys

        db.reset_clients()  # clients cached before the endpoints were set would talk to real AWS
        keys.clear_cache()
        self._seed_platform()
        existing = keys.resolve_api_key(DEMO_API_KEY)
        if existing is None or (existing.account_id, existing.mode, set(existing.scopes)) != (
            DEMO_ACCOUNT_ID, "test", set(keys.ALL_SCOPES)
        ):
            keys.create_api_key(DEMO_ACCOUNT_ID, "test", raw=DEMO_API_KEY)
        # The spare key and connection are what events/KeysFunction/RevokeApiKey.json and
        # events/ConnectionsFunction/DeleteConnection.json remove; each start puts back what they removed.
        if not any(k["id"] == DEMO_SPARE_KEY_ID for k in keys.list_api_keys(DEMO_ACCOUNT_ID, "test")):
            keys.create_api_key(DEMO_ACCOUNT_ID, "test", ("availability:read",), name="Spare (the sample event "
                                "revokes it)", key_id=DEMO_SPARE_KEY_ID)

        providers: dict[str, dict[str, Any]] = {}
        for name in sorted(self.demos):
            if not (specs_dir / f"{name}.yaml").is_file():
                continue  # a sandbox without a finished spec: nothing could use the connection
            demo = self.demos[name]
            config, credentials = self._as_production_would(name, demo)
            record = connections.create_connection(
                DEMO_ACCOUNT_ID, name, "test", config, credentials, connection_id=connection_id_for(name)
            )
            providers[name] = {
                "connection_id": record.connection_id,
                "service_id": demo.get("service_id"),
                "staff_id": demo.get("staff_id"),
                "credentials": credentials,  # what Secrets Manager holds, for pointing a provider's own SDK here
            }
        if DEMO_PROVIDER in providers:
            demo = self.demos[DEMO_PROVIDER]
            connections.create_connection(DEMO_ACCOUNT_ID, DEMO_PROVIDER, "test",
                                          *self._as_production_would(DEMO_PROVIDER, demo),
                                          connection_id=DEMO_SPARE_CONNECTION_ID)
        from aptura import connect

        if connect.get_session(DEMO_ACCOUNT_ID, DEMO_CONNECT_SESSION_ID) is None:
            connect.create_session(DEMO_ACCOUNT_ID, "test", connect.EndUser(id="biz_demo", name="Demo Day Spa"),
                                   [DEMO_PROVIDER], "http://127.0.0.1/connected", session_id=DEMO_CONNECT_SESSION_ID)
        from aptura.store import webhooks

        os.environ[webhooks.LOOPBACK_ENV] = "1"  # as the functions have it here: Aptura runs on this machine
        for endpoint_id in (DEMO_WEBHOOK_ENDPOINT_ID, DEMO_SPARE_WEBHOOK_ENDPOINT_ID):
            if webhooks.get_endpoint(DEMO_ACCOUNT_ID, endpoint_id) is None:  # port 9 (discard): nothing listens
                webhooks.create_endpoint(DEMO_ACCOUNT_ID, "test", "http://127.0.0.1:9/aptura-demo",
                                         ["connection.error"], description="Demo endpoint (the sample events use it)",
                                         endpoint_id=endpoint_id)
        from aptura import events
        from aptura.store import events as event_store

        featured = connections.get_connection(DEMO_ACCOUNT_ID, connection_id_for(DEMO_PROVIDER))
        if featured is not None and event_store.get(DEMO_ACCOUNT_ID, "test", DEMO_EVENT_ID) is None:
            demo = events.build_event("connection.created", "test", featured.connection_id,  # the feed's samples
                                      events.connection_object(featured))
            event_store.put(DEMO_ACCOUNT_ID, {**demo, "id": DEMO_EVENT_ID}, pending=[])
        for spec in sorted(specs_dir.glob("*.yaml")):
            if spec.stem not in providers:
                self._warn(f"specs/{spec.name} has no sandbox; no demo connection for it")
        return providers

    def _as_production_would(self, name: str, demo: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Validate and normalise DEMO against the spec's connection fields, as connecting in production does.

        A mismatch is reported loudly but the DEMO values are stored unchanged, so the stack still starts and the
        provider's requests show what the spec makes of them.
        """
        config, credentials = dict(demo.get("config") or {}), dict(demo.get("credentials") or {})
        from aptura.errors import AptError, SpecError
        from aptura.spec.fields import validate_connection
        from aptura.spec.loader import load_spec

        try:
            spec = load_spec(name)
        except (AptError, SpecError) as exc:
            self._warn(f"specs/{name}.yaml does not load: {exc}")
            return config, credentials
        try:
            return validate_connection(spec.connection, config, credentials)
        except AptError as exc:
            fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted((exc.details or {}).items()))
            self._warn(f"{name}: sandbox DEMO does not match the spec's connection fields ({fields}); stored as is")
            return config, credentials

    # -- using it ------------------------------------------------------------------------------------------

    def featured_provider(self) -> str | None:
        """The provider the printed examples use: Mindbody when connected, else the first one."""
        providers = self.facts.get("providers") or {}
        if FEATURED_PROVIDER in providers:
            return FEATURED_PROVIDER
        return min(providers) if providers else None

    def find_free_slot(self, provider: str, start: date, end: date) -> tuple[dict[str, Any] | None, str]:
        """Ask the running API for ``provider``'s availability; returns (first free slot or None, why not)."""
        import httpx

        info = self.facts["providers"][provider]
        params = {"serviceId": info["service_id"], "startDate": start.isoformat(), "endDate": end.isoformat()}
        if info.get("staff_id"):
            params["staffId"] = info["staff_id"]
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}", "X-Connection-Id": info["connection_id"]}
        try:
            response = httpx.get(f"{self.facts['api_url']}/v1/availability", params=params, headers=headers,
                                 timeout=30)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if response.status_code != 200:
            return None, f"HTTP {response.status_code}: {response.text[:300]}"
        slots = response.json().get("slots") or []
        return (slots[0], "") if slots else (None, "no free slots in the window")

    # -- stopping ------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop everything started, in reverse order; safe to call twice and from atexit. A stack is one-shot."""
        with self._lock:
            self._stopped = True
        thread = self._dynamodb_thread
        if thread is not None and thread is not threading.current_thread():
            # Still starting the JVM: wait, so the thread sees _stopped and ends it (it may never return otherwise:
            # daemon threads die silently at interpreter exit, leaving java behind).
            thread.join(timeout=90)
        with self._lock:
            steps = [("change poller", self._schedule), ("delivery poller", self._poller), ("gateway", self._gateway),
                     ("moto", self._moto),
                     ("sandboxes", self._sandboxes),
                     ("dynamodb", self._dynamodb)]
            self._schedule = self._poller = self._gateway = self._moto = self._sandboxes = self._dynamodb = None
        for name, part in steps:
            if part is None:
                continue
            try:
                part.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest; DynamoDB Local's JVM comes last
                _log(f"stopping {name} failed: {type(exc).__name__}: {exc}")
                if isinstance(part, DynamoDBLocal) and part.process.poll() is None:
                    part.process.kill()


# -- the CLI ---------------------------------------------------------------------------------------------------


def state_dir(root: Path = ROOT) -> Path:
    """Where ``dev.json`` goes: ``APTURA_STATE_DIR`` or ``<repo>/.aptura``."""
    configured = os.environ.get("APTURA_STATE_DIR")
    return Path(configured).resolve() if configured else root / ".aptura"


def write_facts(path: Path, facts: dict[str, Any]) -> None:
    """Write ``facts`` atomically, so a reader polling for the file never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def banner(stack: DevStack, elapsed: float, dates: tuple[date, date], slot: dict[str, Any] | None, why: str,
           facts_path: Path) -> str:
    """The text printed once the stack is ready."""
    facts = stack.facts
    api, key = facts["api_url"], facts["api_key"]
    storage = f"on disk in {stack.data_dir}" if stack.data_dir else "in memory (set APTURA_DATA_DIR to keep it)"
    lines = [
        "",
        f"Aptura dev stack ready in {elapsed:.1f}s  (Ctrl-C stops everything)",
        f"  API        {api}",
        f"  API key    {key}   (test mode, account {DEMO_ACCOUNT_ID})",
        f"  dashboard  {facts['dashboard_url']}   (sign up with any email: confirmed at once in dev)",
        f"  sandboxes  {facts['sandbox_url']}/<provider>",
        f"  facts      {facts_path}",
        f"  storage    {storage}",
        "  startup    " + ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items()),
    ]
    featured = stack.featured_provider()
    if featured is None:
        lines += ["", "No demo connections: no provider has both specs/<provider>.yaml and a sandbox."]
        return "\n".join(lines) + "\n"
    info = facts["providers"][featured]
    auth = {"Authorization": f"Bearer {key}", "X-Connection-Id": info["connection_id"]}
    start, end = dates
    query = f"serviceId={info['service_id']}&startDate={start}&endDate={end}"
    if info.get("staff_id"):
        query += f"&staffId={info['staff_id']}"
    lines += ["", f"Availability ({featured}, {start:%a %d %b} - {end:%a %d %b}):",
              curl_command("GET", f"{api}/v1/availability?{query}", auth)]
    if slot is not None:
        body = {"serviceId": info["service_id"], "staffId": slot.get("staffId") or info.get("staff_id"),
                "startTime": slot["startTime"], "client": DEMO_CLIENT, "notes": "booked from make dev"}
        booking = curl_command("POST", f"{api}/v1/appointments", auth, body)
        lines += ["", f"Book the free slot {slot['startTime']} (201):", booking,
                  "", "Run the same booking again: the slot is taken now, so it answers 409:", booking]
    else:
        lines += ["", f"(no booking example: the availability call above failed: {why})"]
    others = [p for p in sorted(facts["providers"]) if p != featured]
    if others:
        lines += ["", "Other providers (same key; set X-Connection-Id, serviceId and staffId):"]
        lines += [f"  {p:<14} X-Connection-Id: {facts['providers'][p]['connection_id']:<26} "
                  f"serviceId={facts['providers'][p]['service_id']} staffId={facts['providers'][p]['staff_id']}"
                  for p in others]
    if stack.warnings:
        lines += ["", "Warnings:", *(f"  - {w}" for w in stack.warnings)]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Start the stack, print how to use it, write dev.json, and stop everything on SIGINT/SIGTERM."""
    stack = DevStack()
    atexit.register(stack.stop)  # also on an unexpected exit path; stop() is idempotent
    facts_path = state_dir() / "dev.json"
    facts_path.unlink(missing_ok=True)  # a stale file would tell waiting tools the stack is up

    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        # Only flag it: raising here could interrupt a child's start half-way and orphan it.
        stopping.set()
        stack.cancel.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        dates = demo_dates()
        featured = stack.featured_provider()
        t = time.monotonic()
        slot, why = stack.find_free_slot(featured, *dates) if featured else (None, "")
        stack.timings["first_request"] = time.monotonic() - t  # includes the function's cold start
        write_facts(facts_path, stack.facts)
        print(banner(stack, time.monotonic() - _T0, dates, slot, why, facts_path), flush=True)
        # Wake up regularly: a process-directed signal may be delivered to any thread; Python then only flags it,
        # and the handler runs once the main thread executes bytecode. A plain wait() could sleep through Ctrl-C.
        while not stopping.wait(0.25):
            pass
    except StartCancelled:
        pass
    except Exception as exc:  # noqa: BLE001 - reported, then everything started is stopped below
        if not isinstance(exc, RuntimeError):  # RuntimeError: an expected failure whose message says it all
            traceback.print_exc()
        _log(f"failed: {type(exc).__name__}: {exc}")
        return 1
    finally:
        # A second Ctrl-C must not cut the cleanup short and orphan DynamoDB Local.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        facts_path.unlink(missing_ok=True)
    _log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
