"""verify's latency histogram reads at a glance: one bar per range it can print, the counts adding up."""

from labctl.verify import histogram


def bars(lines):
    """(range as printed, count) of each line."""
    return [(line.split("|")[0].strip(), int(line.rsplit(" ", 1)[1])) for line in lines]


def test_latencies_of_one_object_make_one_bar():
    """All events of one object share its LastModified: their latencies differ by milliseconds, one bar."""
    found = bars(histogram([5.601, 5.602, 5.604] * 100))
    assert found == [("5.6s –     5.7s", 300)]


def test_each_bar_shows_its_own_range_and_the_counts_add_up():
    values = [0.4, 0.5, 0.55, 30.0, 59.9, 60.0]
    found = bars(histogram(values))
    assert len({printed for printed, _ in found}) == len(found)
    assert sum(count for _, count in found) == len(values)
    assert len(found) == 8
