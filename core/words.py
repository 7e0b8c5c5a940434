"""Counts as English reads them: "1 unit", "2 units", "1 serial number mismatch"."""


def counted(count: int, noun: str, plural: str = "") -> str:
    """`count` and `noun`, in the plural (`noun` + "s" unless `plural` is given) unless the count is one."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
