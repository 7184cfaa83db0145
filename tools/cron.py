# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Wake a cron after commit, like ``ir.cron._trigger()``, but cheaply.

``_trigger()`` notifies the cron workers over a new connection to the
``postgres`` database each time (Odoo keeps none in its pool): about 15 ms on
every webhook or paid order, and a cron run per event. Here one connection per
process is kept for it, and notices are spaced out.
"""

import logging
import threading
import time

import psycopg2
from psycopg2 import sql

from odoo.sql_db import connection_info_for

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

_logger = logging.getLogger(__name__)
_lock = threading.Lock()
_connection = None
_last_notice = {}  # database -> time.monotonic() of its last notice
_scheduled = set()  # databases with a notice waiting for its interval
NOTIFY_INTERVAL = 0.2  # seconds
_DATA_KEY = "pos_pongo.cron_wake"


def wake(env, xmlid, at=None):
    """Run the cron ``xmlid`` as soon as this transaction is committed, or at
    ``at`` (a UTC datetime): one trigger row (one query, no ORM round), then, for
    a run now, one notice after commit."""
    cron_id = env["ir.model.data"]._xmlid_to_res_id(xmlid)  # cached, no query
    env.cr.execute(
        """
        INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date,
                                     write_uid, write_date)
        SELECT id, COALESCE(%(at)s, now() AT TIME ZONE 'UTC'), %(uid)s,
               now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM ir_cron WHERE id = %(cron)s AND active
           AND NOT EXISTS (SELECT 1 FROM ir_cron_trigger
                            WHERE cron_id = %(cron)s AND call_at = %(at)s)
        """,
        {"cron": cron_id, "uid": env.uid, "at": at},
    )
    postcommit = env.cr.postcommit
    if at is not None:
        return  # the cron workers find it on their poll, once it is due
    if env.cr.rowcount and not postcommit.data.get(_DATA_KEY):
        postcommit.data[_DATA_KEY] = True
        dbname = env.cr.dbname
        postcommit.add(lambda: _notify(dbname))


def _notify(dbname):
    """Notify now, or at the end of the current interval when a notice went out
    less than ``NOTIFY_INTERVAL`` ago: a burst of events wakes the cron a few
    times a second (each run takes all pending work), never less than that."""
    with _lock:
        wait = _last_notice.get(dbname, 0) + NOTIFY_INTERVAL - time.monotonic()
        if wait <= 0:
            _send(dbname)
        elif dbname not in _scheduled:
            _scheduled.add(dbname)
            timer = threading.Timer(wait, _send_scheduled, [dbname])
            timer.daemon = True
            timer.start()


def _send_scheduled(dbname):
    with _lock:
        _scheduled.discard(dbname)
        _send(dbname)


def _send(dbname):
    """What ``ir.cron._notifydb`` sends, over the kept connection (lock held)."""
    global _connection  # noqa: PLW0603
    _last_notice[dbname] = time.monotonic()
    query = sql.SQL("SELECT {}('cron_trigger', %s)").format(
        sql.Identifier(ODOO_NOTIFY_FUNCTION)
    )
    last_error = None
    for _attempt in range(2):
        try:
            if _connection is None or _connection.closed:
                _name, info = connection_info_for("postgres")
                _connection = psycopg2.connect(**info)
                _connection.autocommit = True
            with _connection.cursor() as cr:
                cr.execute(query, [dbname])
            return
        except psycopg2.Error as error:
            _connection = None
            last_error = error
    # The trigger row stays: the cron workers find it on their next poll.
    _logger.warning("Cron workers not notified: %s", last_error)
