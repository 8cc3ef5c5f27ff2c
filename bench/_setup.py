"""What every bench script does first: a scratch PostgreSQL database, Django set up as in production, and a
line saying which machine and database the figures come from."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scratch_database():
    """Drop and recreate the database named in DATABASE_URL, migrate it, print the machine; the connection."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a scratch PostgreSQL database (it is dropped and recreated)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.local")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    # As in production: with DEBUG on, Django would also keep every statement it ran in memory.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(machine_description(connection))
    return connection


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


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


def peak_rss_kib() -> int:
    """This process's high-water mark of resident memory (VmHWM)."""
    with open("/proc/self/status", encoding="utf-8") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmHWM")))
