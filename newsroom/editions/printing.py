"""The print edition (the print helper replaces this module)."""


def print_edition_make(issue_id: int, generation: int) -> str:
    raise NotImplementedError
