"""``hub feeds run … --inline`` starts without the queue (Huey, redis, asyncio), and a run it
puts on the queue still gets there: the queue is opened on its first use."""

import json
import subprocess
import sys

from support import add_test_shop

# the command in a fresh interpreter, then which of the queue's modules it loaded
INVOKE = (
    "import json, sys; from click.testing import CliRunner; from hub.cli import cli; "
    "result = CliRunner().invoke(cli, sys.argv[1:]); "
    "assert result.exit_code == 0, (result.output, result.exception); "
    "print(json.dumps({m: m in sys.modules for m in ('huey', 'redis', 'hub.tasks')}))"
)


def _loaded(*args):
    out = subprocess.run(
        [sys.executable, "-c", INVOKE, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.splitlines()[-1])


def test_an_inline_run_does_not_load_the_queue_a_queued_one_does(hub_db, store):
    add_test_shop(store)
    inline = _loaded("feeds", "run", "Shop", "import_new_products", "--inline")
    assert inline == {"huey": False, "redis": False, "hub.tasks": False}
    queued = _loaded("feeds", "run", "Shop", "import_new_products")
    assert queued["huey"] and queued["hub.tasks"]


QUEUE_FROM_INLINE = """
import json, sys
from hub.cli.common import open_db, register_feeds_queue_on_demand
from hub.engine.runs import queue_run
from hub.models import FeedRun
from hub.services.integrations import get_integration

open_db()
register_feeds_queue_on_demand()
before = "hub.tasks" in sys.modules
run = queue_run(get_integration("Shop"), "import_new_orders", trigger="retry")
import hub.tasks
pending = [t.args[0] for t in hub.tasks.huey.pending() if t.name == hub.tasks.run_feed.name]
row = FeedRun.get_by_id(run.id)
print(json.dumps({"before": before, "pending": pending, "id": run.id, "task_id": row.task_id}))
"""


def test_a_run_queued_during_an_inline_command_opens_the_queue_then(hub_db, store):
    add_test_shop(store)
    out = subprocess.run(
        [sys.executable, "-c", QUEUE_FROM_INLINE], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["before"] is False  # nothing loaded the queue until the run was queued
    assert result["pending"] == [result["id"]]  # then the run is on the queue, with its task
    assert result["task_id"]
