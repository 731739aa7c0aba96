"""Operator CLI: create an account's first API key and connections directly in the store.

    python -m aptura.admin create-key --account acct_x --mode test [--scopes a,b]
    python -m aptura.admin create-connection --account acct_x --mode test --provider <provider id> \\
        --config '{...config fields...}' --credentials-file creds.json
    python -m aptura.admin set-limits --account acct_x --per-minute 100 --per-hour 1000

Uses the environment's AWS credentials and ``APTURA_TABLE`` / ``APTURA_SECRET_PREFIX``.
The raw key is printed once and never stored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aptura.errors import AptError
from aptura.spec.fields import validate_connection
from aptura.spec.loader import load_spec
from aptura.store.connections import create_connection
from aptura.store.keys import ALL_SCOPES, MODES, create_api_key, set_account_limits


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m aptura.admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    key = sub.add_parser("create-key", help="create an API key (printed once)")
    key.add_argument("--account", required=True)
    key.add_argument("--mode", choices=MODES, required=True)
    key.add_argument("--scopes", default=",".join(ALL_SCOPES))
    conn = sub.add_parser("create-connection", help="create a connection (credentials go to Secrets Manager)")
    conn.add_argument("--account", required=True)
    conn.add_argument("--mode", choices=MODES, required=True)
    conn.add_argument("--provider", required=True)
    conn.add_argument("--config", default="{}", help="JSON object of config fields")
    conn.add_argument("--credentials-file", required=True, type=Path, help="JSON file of secret fields")
    limits = sub.add_parser("set-limits", help="set an account's per-key rate limits")
    limits.add_argument("--account", required=True)
    limits.add_argument("--per-minute", type=int, required=True)
    limits.add_argument("--per-hour", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "create-key":
            scopes = tuple(s for s in args.scopes.split(",") if s)
            unknown = set(scopes) - set(ALL_SCOPES)
            if unknown:
                parser.error(f"unknown scopes: {', '.join(sorted(unknown))}")
            raw, record = create_api_key(args.account, args.mode, scopes)
            print(json.dumps({"api_key": raw, "key_id": record.key_id, "account_id": record.account_id,
                              "mode": record.mode, "scopes": list(record.scopes)}, indent=2))
        elif args.command == "set-limits":
            if args.per_minute < 1 or args.per_hour < 1:
                parser.error("limits must be positive")
            set_account_limits(args.account, args.per_minute, args.per_hour)
            print(json.dumps({"account_id": args.account, "rate_limits": {
                "per_minute": args.per_minute, "per_hour": args.per_hour}}, indent=2))
        else:
            spec = load_spec(args.provider)
            config, credentials = validate_connection(
                spec.connection, json.loads(args.config), json.loads(args.credentials_file.read_text()))
            made = create_connection(args.account, spec.id, args.mode, config, credentials)
            print(json.dumps({"connection_id": made.connection_id, "provider": made.provider, "mode": made.mode,
                              "config": made.config}, indent=2))
    except AptError as exc:
        print(json.dumps(exc.body(), indent=2), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
