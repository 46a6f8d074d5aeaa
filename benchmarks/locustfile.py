"""Load for benchmarks/web_load.py: anonymous visitors reading council pages and the
national overview. Each simulated client waits for a response before its next request."""

from __future__ import annotations

import random

from locust import HttpUser, constant, task

from scrutiny.reference.authorities import current_codes

CODES = current_codes().to_list()


class Visitor(HttpUser):
    wait_time = constant(0)

    @task(4)
    def council_page(self) -> None:
        self.client.get(f"/councils/{random.choice(CODES)}", name="council page")

    @task(1)
    def national_overview(self) -> None:
        self.client.get("/", name="national overview")
