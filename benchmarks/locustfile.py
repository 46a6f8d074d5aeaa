"""Load for benchmarks/web_load.py: anonymous visitors reading council pages and the
national overview (Visitor), and the same clients asking only for /healthz (Floor), the
yardstick: what the service's stack, the protocol and locust itself cost on this machine
when a request does nothing. Each simulated client waits for a response before its next
request. Both use locust's FastHttpUser: the load generator shares the 2 cores with the
service, and python-requests' HttpUser spent about as much CPU per request as a warm page
costs to serve, which the service's latencies then carried."""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, constant, task

from scrutiny.reference.authorities import current_codes

CODES = current_codes().to_list()
CODES = CODES[: int(os.environ.get("SCRUTINY_BENCH_COUNCILS") or len(CODES))]


class Visitor(FastHttpUser):
    wait_time = constant(0)

    @task(4)
    def council_page(self) -> None:
        self.client.get(f"/councils/{random.choice(CODES)}", name="council page")

    @task(1)
    def national_overview(self) -> None:
        self.client.get("/", name="national overview")


class Floor(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
