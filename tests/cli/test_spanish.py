"""The lab speaks Spanish to a student who asks: with LAB_LANG=es (or a Spanish locale) `make verify`, `make status`,
`make watch`, `make query`, `make cost` and the producer print Spanish, numbers as the Spanish guide writes them.

Each command runs as a student's shell runs it (`python -m labctl ...`, the environment pointing at the lab) against
one lab on the emulator: its bucket, a stream delivering into it with the lab's prefix, the lab's own Glue table and
saved queries (from the synthesized template), an instance and its expiry schedule, and a producer sending 10 events
a second; the buffer clock runs twenty times faster than real time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from labctl.lab import CLOCK_SCALE_ENV
from labctl.toolkit import ROOT
from producer.events import utc_timestamp
from producer.schema import event_line
from rehearsal.emulator import ACCOUNT_ID, Emulator
from support.queryable_lab import stack_template

CLOCK_SCALE = 0.05  # the stream's 60 s interval passes in 3 s
BUCKET = "spanish-lab-bucket"
LAB = "FirehoseLab"
STREAM = "spanish-lab-stream"


def lab_template(template, ami: str, expires_at: datetime) -> str:
    """The queryable lab (bucket, Glue, Athena) with a stream into its bucket, an instance, and the outputs
    verify, status and watch read."""
    body = json.loads(stack_template(template, BUCKET))
    body["Resources"]["Stream"] = {
        "Type": "AWS::KinesisFirehose::DeliveryStream",
        "Properties": {
            "DeliveryStreamName": STREAM,
            "DeliveryStreamType": "DirectPut",
            "ExtendedS3DestinationConfiguration": {
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
                "Prefix": "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
                "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            },
        },
    }
    body["Resources"]["Instance"] = {
        "Type": "AWS::EC2::Instance",
        "Properties": {"ImageId": ami, "InstanceType": "t3.micro"},
    }
    body["Outputs"].update(
        {
            "DeliveryStreamName": {"Value": STREAM},
            "InstanceId": {"Value": {"Ref": "Instance"}},
            "StopWhenDone": {"Value": "true"},
            "ExpiresAt": {"Value": f"{expires_at:%Y-%m-%dT%H:%M:%S}Z"},
            "ExpirySchedule": {"Value": "default/expiry"},
        }
    )
    return json.dumps(body)


class Trickle:
    """The lab's producer: 10 events a second into the stream, shaped as the lab's events (so Athena reads them)."""

    def __init__(self, firehose) -> None:
        self.firehose = firehose
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = 0
        while not self._stop.wait(0.1):
            line = event_line(
                event_time=utc_timestamp(datetime.now(UTC)),
                event_id=f"trickle-{seq}",
                producer_id="instance",
                seq=seq,
                ticker=("AAPL", "MSFT")[seq % 2],
                exchange="XNAS",
                side="buy",
                price=10.0,
                quantity=2,
            )
            self.firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": line})
            seq += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def lab(template, tmp_path_factory):
    """(emulator, the student's environment in Spanish)."""
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=23)
    with Emulator(clock_scale=CLOCK_SCALE) as emulator:
        emulator.client("scheduler").create_schedule(
            Name="expiry",
            ScheduleExpression=f"at({expires:%Y-%m-%dT%H:%M:%S})",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
                "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/expiry",
                "Input": json.dumps({"StackName": LAB}),
            },
        )
        ami = emulator.client("ec2").describe_images()["Images"][0]["ImageId"]
        body = lab_template(template, ami, expires)
        emulator.client("cloudformation").create_stack(StackName=LAB, TemplateBody=body)
        trickle = Trickle(emulator.client("firehose"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(emulator.cli_env(tmp_path_factory.mktemp("cdk-home")))
        env.update({CLOCK_SCALE_ENV: str(CLOCK_SCALE), "LAB_LANG": "es"})
        try:
            yield emulator, env
        finally:
            trickle.stop()


def run(env: dict, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_watch_says_in_spanish_why_each_object_was_flushed(lab):
    _, env = lab
    watch = run(env, "labctl", "watch", "--objects", "1", "--poll-seconds", "0.2", "--plain")
    assert watch.returncode == 0, watch.stderr
    out = watch.stdout
    assert f"observando {LAB}: {STREAM} -> s3://{BUCKET}/data/" in out
    assert (
        "búfer: 1,0 MiB o 60 s, lo que ocurra primero; el reloj del búfer del emulador va x0,05, "
        "así que aquí el intervalo es de 3,0 s"
    ) in out
    assert "esperando objetos nuevos (Ctrl-C para terminar)" in out
    new = [line for line in out.splitlines() if line.startswith("nuevo ")]
    assert len(new) == 1 and " eventos/s  vaciado: intervalo (" in new[0], out
    assert "  vaciado por el intervalo: 1 objeto (pasó el intervalo antes de que se llenara el búfer)" in out
    assert "  llegan          " in out and " eventos/s al flujo: eventos entre el tiempo que cada búfer" in out
    assert "  próximo vaciado " in out


def test_verify_says_in_spanish_that_nothing_was_lost(lab):
    _, env = lab
    verify = run(env, "labctl", "verify", "--count", "15000", "--timeout", "60", "--poll-seconds", "0.2")
    assert verify.returncode == 0, verify.stderr
    assert "enviando 15 000 eventos a spanish-lab-stream, leyendo s3://spanish-lab-bucket/data/" in verify.stderr
    assert ": enviados 15 000, encontrados 15 000, perdidos 0, duplicados 0 (" in verify.stderr
    assert "latencia de entrega: p50 " in verify.stderr


def test_status_says_in_spanish_what_runs_and_when_the_lab_deletes_itself(lab):
    _, env = lab
    status = run(env, "labctl", "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0] == f"laboratorio {LAB} (us-east-1): stack en estado CREATE_COMPLETE"
    assert lines[1].startswith("  instancia i-") and ": running (desde " in lines[1]
    assert (
        lines[2].startswith("  productor: enviando: ")
        and " registros llegaron al flujo en los últimos 10 min" in lines[2]
    )
    assert lines[3] == "  cuando el productor termine: la instancia se detiene sola (stopWhenDone)"
    assert lines[4].startswith("  caduca: ") and "(dentro de 22 h " in lines[4]
    assert lines[4].endswith(", el stack se borra solo")


def test_a_spanish_locale_is_enough_and_lab_lang_wins(lab):
    _, env = lab
    localized = {k: v for k, v in env.items() if k != "LAB_LANG"}
    spanish = run({**localized, "LANG": "es_MX.UTF-8", "LC_ALL": ""}, "labctl", "status")
    assert spanish.stdout.startswith(f"laboratorio {LAB} (us-east-1): stack en estado ")
    english = run({**localized, "LANG": "es_MX.UTF-8", "LAB_LANG": "en"}, "labctl", "status")
    assert english.stdout.startswith(f"lab {LAB} (us-east-1): stack CREATE_COMPLETE")


def test_the_producer_reports_in_spanish(lab):
    _, env = lab
    producer = run(env, "producer", "--stream", STREAM, "--count", "20", "--rate", "0", "--quiet")
    assert producer.returncode == 0, producer.stderr
    assert producer.stderr.startswith("producer: enviados 20 de 20 eventos en "), producer.stderr
    assert " eventos/s, " in producer.stderr and "; 0 reintentos" in producer.stderr


def test_a_missing_region_is_one_spanish_line_with_the_way_forward(lab, tmp_path):
    env = {k: v for k, v in lab[1].items() if not k.startswith("AWS_")}
    missing = run({**env, "HOME": str(tmp_path)}, "labctl", "status")
    assert missing.returncode == 2
    assert missing.stderr == (
        "status: no hay ninguna región de AWS definida: sin conexión, inicia `make lab-local` en otra terminal y "
        "luego ejecuta `source ./lab-local.env` en esta; en AWS, exporta AWS_REGION (por ejemplo us-east-1) y tus "
        "credenciales\n"
    )


def test_query_lists_and_runs_the_saved_queries_in_spanish(lab):
    _, env = lab
    listed = run(env, "labctl", "query")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(
        f'consultas guardadas en el grupo de trabajo {LAB} (ejecuta una: make query QUERY="'
    )
    assert "  top tickers: " in listed.stdout  # the lab's saved queries keep their names: the student types them
    top = run(env, "labctl", "query", "top tickers")
    assert top.returncode == 0, top.stderr
    assert top.stdout.splitlines()[0] == "ticker | trades | shares | avg_price"  # the query's own columns
    summary = top.stderr.strip().splitlines()[-1]
    assert " filas, " in summary and " bytes leídos, " in summary and "(id de la consulta " in summary, summary
    failed = run(env, "labctl", "query", "--sql", "SELECT nope FROM events")
    assert failed.returncode == 1
    assert failed.stderr.startswith("consulta FAILED: COLUMN_NOT_FOUND")  # Athena's state and error, as Athena says


def test_cost_says_in_spanish_what_the_lab_costs_and_the_readme_table_stays_english(lab):
    _, env = lab
    cost = run(env, "labctl", "cost")
    assert cost.returncode == 0, cost.stderr
    out = cost.stdout
    assert out.startswith("estimación de costo de firehose-lab para FirehoseLab: precios de lista de us-east-1 (")
    assert "  t3.micro, 10 eventos/s durante 60 min, json, búfer de 1 MiB o 60 s; la instancia se detiene sola" in out
    assert "  instancia t3.micro " in out and " 0,0104 USD por hora" in out
    assert re.search(r"\n  mientras el productor funciona: \d+,\d{4} USD por hora\n  una vez detenido: ", out), out
    assert "\n  olvidado (el peor caso): 1 h 3 min produciendo, luego detenido hasta que el laboratorio " in out
    readme = run(env, "labctl", "cost", "--markdown")
    assert readme.stdout.startswith("| item | us-east-1 price (")
    assert "| **total** | | **$0." in readme.stdout and "USD" not in readme.stdout


def test_a_mistyped_setting_is_one_spanish_line_with_the_setting_it_meant(lab):
    typo = run(lab[1], "labctl", "cost", "-c", "bufferSizeMB=5")
    assert typo.returncode == 2
    assert typo.stderr.startswith(
        "firehose-lab: ajuste desconocido bufferSizeMB='5' (¿quisiste decir bufferSizeMiB?); ajustes conocidos: "
    )


def test_argparses_refusals_and_help_are_spanish_too(lab):
    _, env = lab
    setting = run(env, "labctl", "verify", "format=parquet")
    assert setting.returncode == 2
    assert setting.stderr == (
        "python -m labctl: error: argumentos no reconocidos: format=parquet: un ajuste va después de -c, "
        'como en ARGS="-c format=parquet" (mira --help)\n'
    )
    help_text = run(env, "producer", "--help").stdout
    assert help_text.startswith("uso: python -m producer [-h] --stream NAME ")
    assert "\nopciones:\n" in help_text and "  --stream NAME         nombre del flujo de entrega\n" in help_text


def test_make_rehearses_summary_is_spanish_and_its_phases_keep_their_english_names(monkeypatch):
    """The result keeps each phase's English name (the stop's report and the tests read it); the table, the last
    line and a stop's report say it in Spanish."""
    from rehearsal import cli, lab_local, rehearse
    from rehearsal.offline_lab import LabResult
    from rehearsal.stopping import Stopped

    monkeypatch.setenv("LAB_LANG", "es")
    result = LabResult(phases=[("start emulator", 0.5, True), ("cdk deploy", 12.25, True)])
    assert cli.phase_table(result) == [
        f"  {'arranque del emulador':<52}    0,5s  bien",
        f"  {'cdk deploy (desplegar el stack)':<52}   12,2s  bien",
        f"  {'total':<52}   12,8s",
    ]
    rehearsal = rehearse.Rehearsal(context=[], clock_scale=1)
    rehearsal.result.instance_state_after_run = "stopped"
    assert rehearsal.passed() == (
        "SUPERADO: desplegado, los datos llegaron, nada perdido, consultado, la instancia se detuvo sola, "
        "el laboratorio caducó, no queda nada"
    )
    result.phases.append(("cdk destroy", 1.0, False))
    result.failed_phase, result.stopped_by = "cdk destroy", "SIGTERM"
    assert rehearse.stopped(result, Stopped(15))[-1] == "DETENIDO por SIGTERM en la fase: cdk destroy (borrar el stack)"
    assert lab_local.stopped(result, Stopped(15))[0] == (
        "SIGTERM en la fase cdk destroy (borrar el stack): detenido; el emulador, sus recursos y el entorno aislado "
        "se fueron con él"
    )
    assert result.phases[0][0] == "start emulator"


def spanish_class(*args: str) -> subprocess.CompletedProcess:
    """`python -m labctl class ...` in Spanish, with no credentials and no endpoint: nothing here reaches AWS."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAB_LANG", "LANG", "LC_"))}
    env = {**clean, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "LAB_LANG": "es"}
    return run(env, "labctl", "class", *args)


def test_class_cost_says_in_spanish_what_the_class_costs_and_its_budget():
    cost = spanish_class("cost", "--students", "5", "--hours", "8")
    assert cost.returncode == 0, cost.stderr
    lines = cost.stdout.splitlines()
    assert lines[0] == "clase de firehose-lab con 5 laboratorios: precios de lista de us-east-1 (2025), US$"
    assert lines[1].startswith("  mientras corren los productores: ") and " por hora (5 x " in lines[1]
    assert lines[3].startswith("  olvidada hasta que la clase termina 8 h después de class-up (el peor caso): ")
    assert lines[-1].startswith("  presupuesto de respaldo: 1 USD al mes para toda la cuenta")
    assert "el tope es el fin de la clase" in lines[-1]


def test_a_bad_class_argument_is_one_spanish_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,display_name,language\nana,Ana,es\n")
    bad = spanish_class("up", "--class", "bda", "--roster", str(roster), "--hours", "0")
    assert bad.returncode == 2
    assert bad.stderr == "class: --hours 0: una clase dura de 1 a 168 horas\n"
    keys = spanish_class("up", "--class", "bda", "--roster", str(roster), "--access-keys", "quizá")
    assert keys.returncode == 2
    assert keys.stderr == (
        "firehose-lab: ACCESS_KEYS='quizá' no es válido: yes o no (yes: cada estudiante nuevo recibe además una clave "
        "de acceso para la AWS CLI, solo en su hoja; por omisión, no)\n"
    )


def test_a_bad_roster_row_is_named_in_spanish(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,display_name,language\nana,Ana,es\nAna B,Ana B,fr\n")
    bad = spanish_class("up", "--class", "bda", "--roster", str(roster))
    assert bad.returncode == 2
    assert f"{roster} fila 3: student_id no válido 'Ana B': de 1 a 16 letras minúsculas a-z" in bad.stderr
    assert f"{roster} fila 3: idioma no válido 'fr': uno de es, en" in bad.stderr
    assert "Traceback" not in bad.stderr
