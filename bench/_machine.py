"""What every bench script prints first: the machine and the database it ran on."""

from __future__ import annotations

import os
import platform


def machine_description(connection=None) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    lines = [
        f"machine: {platform.node()} · {cpu} · {os.cpu_count()} cores{memory} · Python {platform.python_version()}"
    ]
    if connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
            lines.append(f"database: {connection.vendor} {cursor.fetchone()[0].split(' on ')[0]}")
    return "\n".join(lines)
