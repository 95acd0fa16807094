"""One statistics table as HTML, built in Python: a year's page has thousands of cells, and rendering each through
template loops took most of the page's time (the markup is the same as the template version had)."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _cell(c, items_url: str, first: bool) -> str:
    if first:
        return f'<th scope="row" class="{escape(c.css)}">{escape(c.text)}</th>'
    css = ("num " if c.kind != "text" else "") + c.css
    title = f' title="{escape(c.title)}"' if c.title else ""
    if c.query:
        inner = f'<a href="{escape(items_url)}?{escape(c.query)}">{escape(c.text)}</a>'
    elif c.kind == "count":
        inner = f'<span class="zero">{escape(c.text)}</span>'
    else:
        inner = escape(c.text)
    return f'<td class="{escape(css)}"{title}>{inner}</td>'


def _rows(rows, items_url: str) -> str:
    return "".join("<tr>" + "".join(_cell(c, items_url, i == 0) for i, c in enumerate(row)) + "</tr>" for row in rows)


@register.simple_tag
def stats_table(table, items_url: str) -> str:
    head = []
    if table.grouped:
        head.append("<tr>" + "".join(
            f'<th scope="colgroup" colspan="{span}" class="group">{escape(group)}</th>' if group
            else '<td class="blank"></td>' for group, span in table.header_groups()) + "</tr>")
    num = ' class="num"'
    head.append("<tr>" + "".join(
        f'<th scope="col"{"" if i == 0 or c.words else num}>{escape(c.label)}</th>'
        for i, c in enumerate(table.columns)) + "</tr>")
    foot = f"<tfoot>{_rows(table.footer, items_url)}</tfoot>" if table.footer else ""
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'<table class="data stats-table" data-testid="table-{escape(table.key)}"><thead>{"".join(head)}</thead>'
        f"<tbody>{_rows(table.rows, items_url)}</tbody>{foot}</table>"
    )
