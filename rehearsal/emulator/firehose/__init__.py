"""Amazon Data Firehose: what moto 5.2.5 lacks to deliver a stream to S3 as the service does.

Gaps filled, in install order:
- cloudformation: AWS::KinesisFirehose::DeliveryStream as a CloudFormation resource (moto has no model);
- buffering: S3 delivery that honours BufferingHints and the destination's settings (moto writes one object per
  put, at once, and ignores the rest);
- settings: every stream setting implemented as AWS documents it, refused at creation, or named as skipped (moto
  accepts any setting and ignores most of them);
- conversion: record format conversion, JSON to Parquet by a Glue table (moto ignores the setting);
- metrics: the CloudWatch ingestion metrics of Direct PUT (moto publishes none).
What they share: processing.py (the stream's processors), lambda_.py (a transformation Lambda run in a
subprocess), objects.py and prefix.py (a flushed buffer's S3 objects and their keys), logging.py (errors to the
destination's CloudWatch log stream), and openx_json.py (how the OpenX JSON SerDe reads JSON, which the emulator's
Athena reads JSON tables with too).
Running: start() starts the buffers' flusher on the emulator's clock, stop() delivers what they still hold; while
they run, streams are checked and buffered as above (otherwise moto's own behaviour).
"""

from ..clock import ScaledClock
from . import buffering, cloudformation, conversion, lambda_, metrics, settings
from .conversion import ERROR_OUTPUT_TYPE, convert
from .openx_json import arrow_type, timestamp
from .prefix import render_prefix
from .processing import deaggregate, extract_keys
from .settings import markdown as settings_table
from .settings import skipped, skipped_in_template

# conversion wraps the stream create and update that settings checks, metrics the batch put buffering answers.
GAP_FIXES = (cloudformation, buffering, settings, conversion, metrics)

__all__ = [
    "ERROR_OUTPUT_TYPE",
    "arrow_type",
    "convert",
    "deaggregate",
    "extract_keys",
    "flush",
    "install",
    "render_prefix",
    "settings_table",
    "skipped",
    "skipped_in_template",
    "start",
    "stop",
    "timestamp",
]


def install() -> None:
    """Patch moto's Firehose (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Buffer on `clock` from now on; a transformation Lambda's AWS calls go to `endpoint_url`."""
    lambda_.ENDPOINT_URL = endpoint_url
    buffering.BUFFERS.start(clock)


def stop() -> None:
    """Stop the flusher and deliver whatever is still buffered (what cannot be delivered is logged)."""
    buffering.BUFFERS.stop()


def flush() -> None:
    """Deliver every buffer now, due or not."""
    buffering.BUFFERS.flush(everything=True)
