"""The AWS list prices `make cost` uses: US East (N. Virginia), on-demand, Linux, in US dollars, as the AWS pricing
pages gave them in PRICES_DATE. Other regions differ, so the estimate says which region these are for instead of
pretending; an instance type missing from INSTANCE_HOURLY gets a line saying so, never a made-up number.
AWS bills GB as 2^30 bytes and 5 KB records as 5 x 1024 bytes (Amazon Data Firehose pricing, its worked example).
"""

from __future__ import annotations

PRICES_REGION = "us-east-1"
PRICES_DATE = "2025"
PRICING_PAGE = "https://aws.amazon.com/pricing/"

# EC2 on-demand Linux, $ per hour: the burstable families a lab would use, nano to large.
INSTANCE_HOURLY = {
    "t2.nano": 0.0058,
    "t2.micro": 0.0116,
    "t2.small": 0.023,
    "t2.medium": 0.0464,
    "t2.large": 0.0928,
    "t3.nano": 0.0052,
    "t3.micro": 0.0104,
    "t3.small": 0.0208,
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3a.nano": 0.0047,
    "t3a.micro": 0.0094,
    "t3a.small": 0.0188,
    "t3a.medium": 0.0376,
    "t3a.large": 0.0752,
    "t4g.nano": 0.0042,
    "t4g.micro": 0.0084,
    "t4g.small": 0.0168,
    "t4g.medium": 0.0336,
    "t4g.large": 0.0672,
}
EC2_PRICING_PAGE = "https://aws.amazon.com/ec2/pricing/on-demand/"
# t3/t3a/t4g launch in unlimited mode: CPU above the baseline, averaged over 24 h, costs this per vCPU-hour.
T_UNLIMITED_VCPU_HOUR = 0.05

PUBLIC_IPV4_HOUR = 0.005  # every public IPv4 address, in use or not (since February 2024)
GP3_GB_MONTH = 0.08
HOURS_PER_MONTH = 730  # AWS's monthly prices, spread over an average month

FIREHOSE_INGEST_GB = 0.029  # Direct PUT, first 500 TB a month
FIREHOSE_CONVERSION_GB = 0.018  # record format conversion (JSON to Parquet)
# Dynamic partitioning, billed on top of ingestion: "you pay per GB delivered to S3, per object, and optionally per
# JQ processing hour for data parsing" (Amazon Data Firehose pricing, https://aws.amazon.com/firehose/pricing/, its
# German and Japanese pages as stored copies, read 2026-12-06). Those copies do not show the figures, and no AWS page
# that does could be read here: these are the Price List API's rates for usage types DPBytesDelivered,
# S3DeliveryObjectCount and MetadataProcessingDuration as third parties quote them (for us-east-2, priced like
# us-east-1 for Firehose's other charges). Check them against the pricing page before relying on them.
FIREHOSE_PARTITIONED_GB = 0.020  # per GB delivered by dynamic partitioning
FIREHOSE_PARTITIONED_OBJECTS_PER_1000 = 0.005  # per 1,000 S3 objects delivered
FIREHOSE_JQ_HOUR = 0.07  # per JQ processing hour (inline parsing: the lab's partition key is a JQ query)

S3_PUT_PER_1000 = 0.005  # S3 Standard PUT/COPY/POST/LIST requests
S3_GB_MONTH = 0.023  # S3 Standard, first 50 TB

LOGS_INGEST_GB = 0.50  # CloudWatch Logs ingestion; VPC flow logs to CloudWatch Logs (vended logs, first 10 TB)

DASHBOARD_MONTH = 3.00  # per dashboard a month, beyond the account's 3 free (up to 50 metrics each)
FREE_DASHBOARDS = 3

ATHENA_TB = 5.00  # per TB scanned
ATHENA_MIN_MB = 10  # each query is billed at least this much

GB = 1024**3
TB = 1024**4
MB = 1024**2
