"""The executable specification's t8n, one case per line (testkit/src/differential/t8n.rs).

Reads JSON lines {"input": {"alloc", "env", "txs"}, "fork", "chainid"} on stdin and answers each
with t8n's own output {"alloc", "result", "body"} (or {"error": ...}) on one line of stdout: the
specification is imported once, as its own daemon mode does, instead of once a case.
"""

import io
import json
import sys
import traceback

from ethereum_spec_tools.evm_tools import main
from ethereum_spec_tools.evm_tools.t8n import ForkCache


def answer(request, fork_cache):
    args = [
        "t8n",
        "--input.env=stdin",
        "--input.alloc=stdin",
        "--input.txs=stdin",
        "--output.result=stdout",
        "--output.body=stdout",
        "--output.alloc=stdout",
        f"--state.fork={request['fork']}",
        f"--state.chainid={request['chainid']}",
        "--state.reward=-1",
    ]
    out = io.StringIO()
    code = main(args=args, out_file=out, in_file=io.StringIO(json.dumps(request["input"])), fork_cache=fork_cache)
    if code not in (0, None):
        return {"error": f"t8n exited with {code}: {out.getvalue()[:2000]}"}
    return json.loads(out.getvalue())


def run():
    with ForkCache() as fork_cache:
        for line in sys.stdin:
            try:
                reply = answer(json.loads(line), fork_cache)
            except Exception:
                reply = {"error": traceback.format_exc(limit=4)}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    run()
