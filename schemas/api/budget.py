"""The release budget as every statistic response shows it (OUTPUT_CONTROL.md v2 §3).

    {"points": 50000, "window_days": 30, "spent": 1234, "left": 48766, "cost": 56}

`cost` is what the request itself cost (releases, the fees of inputs it used for the first
time in the window; 0 for a result identical to one given before); `spent` and `left` are
the project's points in the window after it. A refused request is charged the refusal fee
and answers with the error shape, without this object."""

from __future__ import annotations

from marshmallow import Schema, fields


class BudgetSchema(Schema):
    points = fields.Integer(
        required=True, metadata={"description": "The project's points per window"}
    )
    window_days = fields.Integer(
        required=True, metadata={"description": "The window, in days, the points renew over"}
    )
    spent = fields.Integer(
        required=True, metadata={"description": "Points spent in the window, this request too"}
    )
    left = fields.Integer(required=True, metadata={"description": "Points left in the window"})
    cost = fields.Integer(required=True, metadata={"description": "What this request cost"})
