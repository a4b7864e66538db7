"""What the demo's coordinator corrects in a published list before importing it.

The published reform list (``demo/data/reform-tasks.xlsx``, the same bytes as the sample)
names 区纪委监委 as the lead unit of two 政商关系 tasks (rows 289 and 293: alone, and marked
（牵头）). A supervisory body may not lead a task (``accounts.permissions.unit_may_lead``), so
the import refuses those two rows by row and column, as it would for any coordinator. The
demo corrects the two cells the way a coordinator would: 区工商联 leads, 区纪委监委 stays on
the task as a supporting unit. The file itself stays the published one.
"""

import io

import openpyxl

# filename → {cell text as published: cell text as corrected}
CELLS: dict[str, dict[str, str]] = {
    "reform-tasks.xlsx": {
        "区纪委监委": "区工商联（牵头）、区纪委监委",
        "区纪委监委（牵头）、区工商联、区营商环境建设办公室": (
            "区工商联（牵头）、区纪委监委、区营商环境建设办公室"
        ),
    },
}


def corrected(filename: str, data: bytes) -> bytes:
    """The workbook with the demo's corrections made; other files as they are."""
    cells = CELLS.get(filename)
    if not cells:
        return data
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip() in cells:
                    cell.value = cells[cell.value.strip()]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
