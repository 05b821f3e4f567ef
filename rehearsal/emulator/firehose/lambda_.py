"""Run a Firehose transformation Lambda's handler in a subprocess (no Docker): the venv's Python or Node.

moto's Lambda invoke needs Docker, which this machine lacks. Firehose's Lambda processor needs only a handler called
with the documented event, `{invocationId, deliveryStreamArn, region, records: [{recordId,
approximateArrivalTimestamp, data (base64)}]}`, and its answer `{records: [{recordId, result, data, metadata}]}`
(AWS, "Transform source data in Amazon Data Firehose"). So the function's code (the zip moto stores) is unpacked and
its handler run once per invocation: `python3.*` runtimes with this venv's Python, `nodejs*` with its Node (both
module styles, async or callback handlers). The function's environment variables, timeout and the emulator's
endpoint are passed on. Other runtimes, container images and layers cannot run here: settings.py refuses them
when the stream is created.
"""

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from moto.awslambda.models import LambdaFunction, lambda_backends

VENV_BIN = Path(sys.executable).parent
RUNNERS = {"python": [sys.executable, "-c"], "nodejs": [str(VENV_BIN / "node"), "-e"]}
# The emulator's endpoint, for handlers that call AWS (set by the package's start()).
ENDPOINT_URL: str | None = None

_PYTHON_RUNNER = r"""
import importlib, json, os, sys
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
module_name, function_name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)

class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    invoked_function_arn = os.environ["FIREHOSE_EMULATOR_FUNCTION_ARN"]
    aws_request_id = os.environ["FIREHOSE_EMULATOR_INVOCATION_ID"]
    memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
    def get_remaining_time_in_millis(self):
        return int(os.environ["FIREHOSE_EMULATOR_TIMEOUT_MS"])

with open(os.environ["FIREHOSE_EMULATOR_EVENT"]) as event_file:
    result = handler(json.load(event_file), Context())
with open(os.environ["FIREHOSE_EMULATOR_RESULT"], "w") as result_file:
    json.dump(result, result_file)
"""

_NODE_RUNNER = r"""
const fs = require('fs'); const path = require('path'); const url = require('url');
(async () => {
  const spec = process.argv[1]; const dot = spec.lastIndexOf('.');
  const base = path.join(process.env.LAMBDA_TASK_ROOT, spec.slice(0, dot));
  const file = ['.js', '.cjs', '.mjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`Cannot find module '${spec.slice(0, dot)}'`);
  const mod = file.endsWith('.mjs') ? await import(url.pathToFileURL(file)) : require(file);
  const handler = mod[spec.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${spec} is not a function`);
  const event = JSON.parse(fs.readFileSync(process.env.FIREHOSE_EMULATOR_EVENT, 'utf8'));
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    invokedFunctionArn: process.env.FIREHOSE_EMULATOR_FUNCTION_ARN,
    awsRequestId: process.env.FIREHOSE_EMULATOR_INVOCATION_ID,
    getRemainingTimeInMillis: () => Number(process.env.FIREHOSE_EMULATOR_TIMEOUT_MS),
  };
  const result = await new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, value) => (error ? reject(error) : resolve(value)));
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
  fs.writeFileSync(process.env.FIREHOSE_EMULATOR_RESULT, JSON.stringify(result));
})().catch((error) => { console.error(error && error.stack || String(error)); process.exit(1); });
"""


class LambdaInvocationError(Exception):
    """The function could not be invoked or raised; str() is its error message."""


def language(runtime: str | None) -> str | None:
    """Which local runner can run this Lambda runtime, if any."""
    for prefix in ("python3", "nodejs"):
        if runtime and runtime.startswith(prefix):
            return "python" if prefix == "python3" else "nodejs"
    return None


def find_function(function_arn: str, account_id: str, region: str) -> LambdaFunction | None:
    try:
        return lambda_backends[account_id][region].get_function(function_arn)
    except Exception:  # moto raises UnknownFunctionException and others for a missing function
        return None


def why_not_runnable(function: LambdaFunction) -> str | None:
    """What keeps the emulator from running this function, or None."""
    if function.package_type != "Zip":
        return f"its package type is {function.package_type} (the emulator runs zip functions only, no Docker)"
    if function.layers:
        return "it uses Lambda layers (the emulator cannot load them)"
    if language(function.run_time) is None:
        return f"its runtime {function.run_time} is neither python3.* nor nodejs* (what the emulator can run)"
    return None


def _unpack(function: LambdaFunction, root: Path) -> None:
    with zipfile.ZipFile(BytesIO(function.code_bytes)) as archive:
        archive.extractall(root)
    module = function.handler.rsplit(".", 1)[0]
    # CloudFormation puts inline code (Code.ZipFile) in a file named index with the runtime's extension; moto
    # always names it index.py.
    if (
        language(function.run_time) == "nodejs"
        and module == "index"
        and not any((root / f"index{ext}").exists() for ext in (".js", ".cjs", ".mjs"))
        and (root / "index.py").exists()
    ):
        (root / "index.py").rename(root / "index.js")


def invoke(function_arn: str, event: dict[str, Any], account_id: str, region: str) -> Any:
    """The handler's return value for `event`; LambdaInvocationError if it cannot run, raises or times out."""
    function = find_function(function_arn, account_id, region)
    if function is None:
        raise LambdaInvocationError(f"Function not found: {function_arn}")
    problem = why_not_runnable(function)
    if problem:
        raise LambdaInvocationError(f"the emulator cannot run {function_arn}: {problem}")
    with tempfile.TemporaryDirectory(prefix="firehose-lambda-") as workdir:
        root = Path(workdir) / "task"
        _unpack(function, root)
        event_path, result_path = Path(workdir) / "event.json", Path(workdir) / "result.json"
        event_path.write_text(json.dumps(event))
        env = {
            "PATH": os.environ.get("PATH", ""),
            **{k: str(v) for k, v in (function.environment_vars or {}).items()},
            "LAMBDA_TASK_ROOT": str(root),
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "FIREHOSE_EMULATOR_FUNCTION_ARN": function_arn,
            "FIREHOSE_EMULATOR_INVOCATION_ID": event.get("invocationId", ""),
            "FIREHOSE_EMULATOR_TIMEOUT_MS": str(int(function.timeout) * 1000),
            "FIREHOSE_EMULATOR_EVENT": str(event_path),
            "FIREHOSE_EMULATOR_RESULT": str(result_path),
        }
        if ENDPOINT_URL:
            env["AWS_ENDPOINT_URL"] = ENDPOINT_URL
        runner = RUNNERS[language(function.run_time)]
        script = _PYTHON_RUNNER if language(function.run_time) == "python" else _NODE_RUNNER
        try:
            run = subprocess.run(
                [*runner, script, function.handler],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=int(function.timeout),
            )
        except subprocess.TimeoutExpired:
            raise LambdaInvocationError(f"Task timed out after {int(function.timeout)} seconds") from None
        if run.returncode or not result_path.exists():
            lines = (run.stderr or run.stdout or f"exit status {run.returncode}").strip().splitlines()
            raise LambdaInvocationError(lines[-1] if lines else f"exit status {run.returncode}")
        return json.loads(result_path.read_text())
