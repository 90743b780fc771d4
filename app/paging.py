"""The links between the pages of a long list, for the one pager macro (templates/macros/pager.html).

A list is paged by number (the audit trail: page 3 of 9) or by key (the worklist: the rows
after the last one shown); either way the macro is given the URLs to go back and on, so it
draws both the same."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for


@dataclass(frozen=True)
class Pager:
    back_url: str | None
    next_url: str | None
    back_label: str
    next_label: str
    #: where the reader is, such as "Page 2 of 5"; None where the list cannot say
    status: str | None = None


def pager(
    endpoint: str,
    args: dict,
    *,
    back: dict | None,
    on: dict | None,
    back_label: str,
    next_label: str,
    status: str | None = None,
) -> Pager:
    """`args`: the list's query (its filters) without the paging argument; `back` and `on`:
    the paging arguments of the page before and after, or None where there is none."""
    return Pager(
        url_for(endpoint, **args, **back) if back is not None else None,
        url_for(endpoint, **args, **on) if on is not None else None,
        back_label,
        next_label,
        status,
    )


def numbered_pager(endpoint: str, args: dict, page: int, pages: int, back_label: str, next_label: str) -> Pager:
    return pager(
        endpoint,
        args,
        back={"page": page - 1} if page > 1 else None,
        on={"page": page + 1} if page < pages else None,
        back_label=back_label,
        next_label=next_label,
        status=f"Page {page} of {pages}",
    )
