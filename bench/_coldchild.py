"""One cold start, run by bench/coldstart.py as ``python -I -S -B _coldchild.py <config.json>``.

Stdlib only until the handler is imported: with ``-I -S`` nothing but the stdlib and the
directories the config lists (the built artifact, the runtime stand-in) is on ``sys.path``.
Prints one ``BENCH_RESULT {json}`` line.
"""

import json
import sys
import time

started = time.perf_counter()


class Context:
    """The parts of a Lambda context the handlers use."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self._deadline = time.time() + 29

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.time()) * 1000)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        config = json.load(fh)
    sys.path[:0] = config["paths"]
    name = config.get("module", "app")
    before = set(sys.modules)
    cpu, import_started = time.process_time(), time.perf_counter()
    __import__(name)  # not importlib.import_module: -X importtime logs only imports made this way
    imported, imported_cpu = time.perf_counter(), time.process_time()
    app = sys.modules[name]
    out = {"import_ms": (imported - import_started) * 1000, "import_cpu_ms": (imported_cpu - cpu) * 1000,
           "modules_imported": len(set(sys.modules) - before),
           "aptura_from": getattr(sys.modules.get("aptura"), "__file__", None)}
    if config.get("event") is not None:
        response = app.lambda_handler(config["event"], Context())
        out["first_request_ms"] = (time.perf_counter() - imported) * 1000
        out["first_request_cpu_ms"] = (time.process_time() - imported_cpu) * 1000
        status = int(response.get("statusCode") or 0)
        out["status"] = status
        if status >= 500:  # say why: the table shows the status only
            out["body"] = str(response.get("body"))[:300]
    out["since_main_ms"] = (time.perf_counter() - started) * 1000
    print("BENCH_RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
