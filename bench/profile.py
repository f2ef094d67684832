"""Where a request's time goes: the service under py-spy while wrk drives one endpoint.

    .venv/bin/python -m bench.profile [submissions|projects|projects-html|health] [--seconds 15] [--top 40]
                                      [--postgres URL] [--factory stepchange.app:create_app]

Starts a fresh database (migrated, seeded, a demo call open), serves it with one uvicorn worker,
attaches ``py-spy record`` to it (``pip install py-spy``; needs ptrace, as root), drives it at 64
connections with wrk, then prints the functions that were on the stack in the largest share of samples
("inclusive") and the ones most often at the top ("self"), with the service's CPU time per request.
The raw collapsed stacks are kept (the path is printed) for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import (
    DEFAULT_PG,
    Engine,
    Postgres,
    csrf_token,
    get_script,
    post_script,
    prepare_template,
    service_env,
    serving,
    wrk,
)

PATHS = {
    "submissions": ("/api/interest", True),
    "projects": ("/api/projects", False),
    "projects-html": ("/projects", False),
    "health": ("/health", False),
}


def py_spy() -> str:
    found = shutil.which("py-spy") or Path(sys.executable).parent / "py-spy"
    if not Path(found).exists():
        raise SystemExit("py-spy is needed: .venv/bin/pip install py-spy")
    return str(found)


def summarise(collapsed: Path, top: int, match: str = "") -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue  # a stack py-spy could not finish writing (the server stopped mid-line)
        count = int(count_text)
        frames = [
            frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].rstrip(")")
            for frame in stack.split(";")
            if match in frame
        ] or ["(elsewhere)"]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    print(f"\n{total} samples")
    for title, counter in (("inclusive (on the stack)", inclusive), ("self (at the top)", own)):
        print(f"\n{title}")
        for frame, count in counter.most_common(top):
            print(f"  {count / total:6.1%}  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", default="submissions", choices=sorted(PATHS))
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, metavar="URL")
    parser.add_argument("--factory", default="stepchange.app:create_app")
    parser.add_argument("--match", default="", help="only frames whose file path contains this, e.g. stepchange/")
    args = parser.parse_args()
    path, posting = PATHS[args.target]
    work = Path(tempfile.mkdtemp(prefix="stepchange-profile-"))
    engine = Postgres(work, args.postgres) if args.postgres else Engine(work)
    try:
        prepare_template(engine)
        url = engine.create("service", "template")
        output = work / "stacks.txt"
        with serving(args.factory, service_env(url, work), work / "server.log") as server:
            token = csrf_token(server.url)
            script = post_script(work, token) if posting else get_script(work, token)
            wrk(f"{server.url}{path}", script, 2, "warm")
            assert server.process is not None
            spy = subprocess.Popen(  # noqa: S603 - py-spy on our own server
                [
                    *(py_spy(), "record", "--pid", str(server.process.pid), "--format", "raw", "--rate", "250"),
                    *("--duration", str(args.seconds), "--nonblocking", "-o", str(output)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            before = server.cpu_seconds()
            load = wrk(f"{server.url}{path}", script, args.seconds, "run")
            cpu = server.cpu_seconds() - before
            spy.wait(timeout=60)
        print(f"{args.target}: {load.rate:,.0f} req/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, ")
        print(f"  errors {load.errors}, CPU {cpu * 1000 / max(1, load.requests):.2f} ms per request (with py-spy's)")
        print(f"  collapsed stacks: {output}")
        summarise(output, args.top, args.match)
    finally:
        with contextlib.suppress(Exception):
            engine.drop_all()


if __name__ == "__main__":
    main()
