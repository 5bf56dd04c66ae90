"""Argon2id with parameters chosen for this service, not the library's defaults."""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    """Argon2id at OWASP's first recommended setting: 19 MiB, 2 passes, 1 lane.

    Django's default asks for 100 MiB and 8 lanes per hash. Here a burst of
    sign-ins or set-password POSTs is bounded by the rate limits and by the
    number of workers (each hashes one password at a time), so memory in use is
    workers x 19 MiB; docs/benchmarks.md has the measured times. Hashes made
    with other parameters still verify and are upgraded at the next sign-in.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
