"""`python -m labctl`: one entry point for the lab's user commands, each listed in its --help."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from labctl.__main__ import COMMANDS
from labctl.toolkit import ROOT


def labctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_help_lists_every_command():
    run = labctl("--help")
    assert run.returncode == 0
    for name, (_, summary) in COMMANDS.items():
        assert name in run.stdout
        assert summary.split()[0] in run.stdout
    assert {"preflight", "verify"} <= set(COMMANDS)


def test_an_unknown_command_is_one_line_and_exit_2():
    run = labctl("deploy-everything")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "invalid choice: 'deploy-everything'" in run.stderr and "verify" in run.stderr


def test_a_bad_lab_setting_is_refused_before_aws_is_asked():
    run = labctl("verify", "-c", "labName=1lab")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid labName='1lab': must start with a letter and hold only letters, digits and hyphens, "
        "1 to 40 characters (it becomes the CloudFormation stack name)"
    ]


def test_a_control_character_in_a_setting_is_refused_not_cut():
    """The CDK CLI would cut `Lab\nTwo` to `Lab`; verify must not look for a lab by another name."""
    run = labctl("verify", "-c", "labName=Lab\nTwo")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid labName='Lab\\nTwo': must be one line of printable text (no control characters)"
    ]


LAB_COMMANDS = ("verify", "watch", "query", "status")


def without_aws(tmp_path, **aws) -> dict[str, str]:
    """This environment with no AWS settings at all (no ~/.aws either), plus `aws`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, "HOME": str(tmp_path), "AWS_MAX_ATTEMPTS": "1", **aws}


def one_line(command: str, env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "labctl", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2, (command, run.stderr)
    assert run.stderr.strip().splitlines() == [run.stderr.strip()], run.stderr
    assert run.stderr.startswith(f"{command}: "), run.stderr
    return run.stderr.strip()


@pytest.mark.parametrize("command", LAB_COMMANDS)
def test_without_a_region_each_command_says_how_to_reach_a_lab(command, tmp_path):
    line = one_line(command, without_aws(tmp_path))
    assert "no AWS region" in line
    assert "make lab-local" in line and "source ./lab-local.env" in line and "AWS_REGION" in line


def test_without_credentials_the_command_says_where_to_get_them(tmp_path):
    line = one_line("status", without_aws(tmp_path, AWS_REGION="us-east-1"))
    assert "no AWS credentials" in line
    assert "source ./lab-local.env" in line and "AWS_PROFILE" in line


@pytest.mark.parametrize("command", LAB_COMMANDS)
def test_an_offline_lab_that_is_gone_is_named_with_the_way_back(command, tmp_path):
    """Nothing listens on the endpoint the env lines named: lab-local was stopped."""
    env = without_aws(
        tmp_path,
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    line = one_line(command, env)
    assert "nothing answers at http://127.0.0.1:9" in line and "make lab-local" in line


@pytest.fixture
def web_page_endpoint():
    """An endpoint that answers every request with an HTML 404 page, as a web server that is not AWS does."""

    class NotAws(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"<!doctype html><html><title>404 Not Found</title><h1>Not Found</h1></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotAws)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_web_page_instead_of_an_aws_answer_is_one_line_with_the_status_and_operation(web_page_endpoint, tmp_path):
    env = without_aws(
        tmp_path,
        AWS_ENDPOINT_URL=web_page_endpoint,
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    line = one_line("status", env)
    assert f"{web_page_endpoint} answered HTTP 404 to DescribeStacks" in line
    assert "<" not in line


def test_a_setting_without_dash_c_is_told_how_to_give_it():
    run = labctl("cost", "format=parquet")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "python -m labctl: error: unrecognized arguments: format=parquet: a setting goes after -c, as in "
        'ARGS="-c format=parquet" (see --help)'
    ]


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "soon"])
def test_query_waits_a_positive_finite_number_of_seconds(value):
    run = labctl("query", "--timeout", value)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"python -m labctl query: error: argument --timeout: must be a positive number of seconds, got '{value}' "
        "(see --help)"
    ]


def test_make_query_passes_the_sql_as_written_dollars_and_quotes_included(tmp_path):
    """make expands `$` in its variables: a JSON path such as '$.a' must reach labctl whole. The recipe's Python is
    swapped for a script that prints the arguments it gets."""
    sql = "SELECT json_extract_scalar(x, '$.a') AS \"$b\" FROM t WHERE y = '$$' AND z = '$(HOME)'"
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    run = subprocess.run(
        ["make", "--no-print-directory", "query", f"PY={fake}", f"SQL={sql}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-2:] == ["--sql", sql]


@pytest.mark.parametrize("value", ["0", "100001", "1e9", "many"])
def test_verify_sends_a_bounded_number_of_events_and_says_the_bound(value):
    run = labctl("verify", "--count", value)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"python -m labctl verify: error: argument --count: must be a whole number of events from 1 to 100,000, "
        f"got '{value}' (see --help)"
    ]


def test_a_class_across_accounts_with_bad_accounts_is_one_line_before_aws_is_asked(tmp_path):
    """The roster, the settings and the accounts are checked offline: no credentials are needed to be told."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,display_name,language\nana,Ana,es\nbob,Bob,en\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "labctl",
            "class",
            "up",
            "--class",
            "bda",
            "--roster",
            str(roster),
            "--accounts",
            "111111111111",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
    )
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "firehose-lab: accounts lists 1 accounts for 2 students: one account per student, in the roster's order (or "
        "give the roster an account_id column)"
    )
