"""The offline Athena's limits per query: Athena's own where the lab can afford them, scaled to a laptop where not,
each settable from the environment and refused in one line when it is not a value the emulator can hold to."""

from __future__ import annotations

import pytest

from rehearsal.emulator.athena.limits import MEMORY_ENV, TIMEOUT_ENV, Limits, from_environment


def test_the_defaults_fit_a_lab_on_a_laptop():
    limits = from_environment({})
    assert limits == Limits()
    assert 0 < limits.timeout_seconds <= 30 * 60  # Athena's default DML query timeout at most
    assert 64 <= limits.memory_mib <= 1024


def test_each_limit_is_read_from_its_variable():
    assert from_environment({TIMEOUT_ENV: "2.5", MEMORY_ENV: "128"}) == Limits(timeout_seconds=2.5, memory_mib=128)


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        (TIMEOUT_ENV, "abc", "a number of seconds above 0, at most 14400"),
        (TIMEOUT_ENV, "0", "a number of seconds above 0, at most 14400"),
        (TIMEOUT_ENV, "nan", "a number of seconds above 0, at most 14400"),
        (TIMEOUT_ENV, "inf", "a number of seconds above 0, at most 14400"),
        (TIMEOUT_ENV, "14401", "a number of seconds above 0, at most 14400"),
        (MEMORY_ENV, "1.5", "a whole number of MiB from 16 to 65536"),
        (MEMORY_ENV, "8", "a whole number of MiB from 16 to 65536"),
    ],
)
def test_a_value_it_cannot_hold_to_is_one_line_naming_the_variable(name, value, allowed):
    with pytest.raises(ValueError) as refused:
        from_environment({name: value})
    message = str(refused.value)
    assert message.startswith(f"invalid {name}={value!r}: must be {allowed}")
    assert "\n" not in message
