# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Deleting old rows of a big table in short transactions (autovacuum methods).

A first run may find a million rows to delete: they go by batches of ids, each
deleted and committed on its own, so no transaction holds many row locks or
loads many records. The ids are walked in order (``id > last id``), so the whole
run reads the table once. After ``SECONDS`` the run stops and triggers Odoo's
autovacuum again, as Odoo's own garbage collectors do when they hit their limit.
"""

import time

from odoo.tools import SQL

from .cron import wake

BATCH_SIZE = 5000  # rows deleted per transaction
SECONDS = 300  # then the autovacuum cron runs again


def delete_in_batches(model, select, autocommit=True):
    """Delete the rows of ``model``'s table whose ids ``select`` returns.

    ``select(after, limit)`` is an ``SQL`` returning at most ``limit`` ids greater
    than ``after``, in increasing order. Returns how many rows were deleted.
    """
    env = model.env
    env.flush_all()
    deadline = time.monotonic() + SECONDS
    after = deleted = 0
    while True:
        env.cr.execute(select(after, BATCH_SIZE))
        ids = [row[0] for row in env.cr.fetchall()]
        if ids:
            env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE id = ANY(%s)",
                    SQL.identifier(model._table),
                    ids,
                )
            )
            deleted += env.cr.rowcount
            after = ids[-1]
            if autocommit:
                env.cr.commit()  # pylint: disable=invalid-commit
        if len(ids) < BATCH_SIZE:
            break
        if time.monotonic() > deadline:
            wake(env, "base.autovacuum_job")
            break
    env.invalidate_all()  # deleted under the ORM's feet
    return deleted
