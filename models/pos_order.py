# Part of pos_pongo. License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from .. import const as C

SENT_JOB_TYPES = ("order", "order_status")


def to_cents(amount):
    return int(float_round((amount or 0.0) * 100, precision_digits=0))


class PosOrder(models.Model):
    _inherit = "pos.order"

    # The outbox is for managers: cashiers read orders (POS boot, ticket screen,
    # restaurant sync) without it.
    pongo_job_ids = fields.One2many(
        "pongo.job",
        "pos_order_id",
        string="Pongo Calls",
        groups="point_of_sale.group_pos_manager",
    )
    pongo_sync_state = fields.Selection(
        [
            ("pending", "Pending"),
            ("done", "Sent"),
            ("failed", "Failed"),
        ],
        string="Pongo Sync",
        compute="_compute_pongo_sync_state",
        store=True,
        index="btree_not_null",
        copy=False,
    )
    pongo_last_error = fields.Text(
        string="Pongo Error", compute="_compute_pongo_sync_state", store=True
    )
    pongo_order_id = fields.Char(
        string="Pongo Order ID",
        copy=False,
        readonly=True,
        help="Id Pongo gave the order.",
    )
    pongo_points_earned = fields.Integer(copy=False, readonly=True)

    @api.depends("pongo_job_ids.state", "pongo_job_ids.last_error")
    def _compute_pongo_sync_state(self):
        for order in self:
            # The calls Odoo sends; follow-ups to do by hand are not its sync state.
            jobs = order.pongo_job_ids.filtered(
                lambda job: (
                    job.state not in ("cancelled", "manual")
                    and job.job_type in SENT_JOB_TYPES
                )
            )
            if not jobs:
                order.pongo_sync_state = False
                order.pongo_last_error = False
            elif any(job.state == "failed" for job in jobs):
                order.pongo_sync_state = "failed"
                order.pongo_last_error = jobs.filtered(
                    lambda job: job.state == "failed"
                )[:1].last_error
            elif any(job.state == "pending" for job in jobs):
                order.pongo_sync_state = "pending"
                order.pongo_last_error = jobs.filtered(
                    lambda job: job.state == "pending"
                )[:1].last_error
            else:
                order.pongo_sync_state = "done"
                order.pongo_last_error = False

    @api.model
    def _process_order(self, order, existing_order):
        # The Pongo state of an order is the server's: a browser's copy of it,
        # maybe stale (a table reopened on another device), is never written back.
        for name in [name for name in order if name.startswith("pongo_")]:
            del order[name]
        return super()._process_order(order, existing_order)

    # ------------------------------------------------------------------
    # Paid -> outbox
    # ------------------------------------------------------------------
    def action_pos_order_paid(self):
        result = super().action_pos_order_paid()
        self._pongo_enqueue()
        return result

    def _pongo_store_slug(self):
        config = self.config_id
        return config.pongo_store_slug if config.pongo_active else False

    def _pongo_wanted(self):
        """Pongo hears of this order: mapped POS and a Pongo customer or reward."""
        self.ensure_one()
        if not self._pongo_store_slug() or self.amount_total < 0:
            return False
        partner = self.partner_id
        return bool(
            partner.pongo_customer_id
            or (
                partner.pongo_phone
                and partner.pongo_sms_optin
                and partner.pongo_email_optin
            )
            or self.lines.filtered("pongo_reward_id")
        )

    def _pongo_enqueue(self):
        jobs = self.env["pongo.job"].sudo()
        for order in self.sudo():  # the cashier has no access to the outbox
            if order.pongo_job_ids.filtered(lambda job: job.job_type == "order"):
                continue
            if order.refunded_order_id:
                order._pongo_enqueue_refund()
                continue
            if not order._pongo_wanted():
                continue
            jobs._enqueue(
                {
                    "company_id": order.company_id.id,
                    "job_type": "order",
                    "pos_order_id": order.id,
                    "payload": json.dumps(order._pongo_order_payload()),
                }
            )

    def _pongo_enqueue_refund(self):
        """What a refund tells Pongo, which knows no partial refund: a refund never
        gives back more than was refunded.

        - The original order is refunded in full (at once, or by partial refunds
          that add up to it): its status becomes ``refunded`` at Pongo, once, after
          the order itself reached Pongo; Pongo takes its points back and frees its
          rewards (each of their lines was refunded too).
        - A partial refund sends nothing: the managers get a *To do at Pongo* with
          the points to take back and the rewards whose own line was refunded.
        - A whole order of which a part was already adjusted by hand is not sent
          either (that part would be taken back twice): the managers finish it.
        """
        original = self.refunded_order_id
        jobs = original.pongo_job_ids
        order_job = jobs.filtered(
            lambda job: job.job_type == "order" and job.state != "cancelled"
        )[:1]
        if jobs.filtered(lambda job: job.job_type == "order_status"):
            return
        if order_job:
            store_slug = json.loads(order_job.payload)[C.F_LOYALTY_STORE_SLUG]
        elif original.pongo_sync_state == "done":
            # Sent long ago, its call since deleted (autovacuum): the store the
            # point of sale is mapped to now.
            store_slug = original._pongo_store_slug()
        else:
            return
        if not store_slug:
            return
        Job = self.env["pongo.job"].sudo()
        adjustments = jobs.filtered(lambda job: job.job_type == "refund_adjustment")
        if not original._pongo_fully_refunded():
            Job._pongo_ask_manager(
                original, "refund_adjustment", self._pongo_adjustment_text()
            )
            return
        if adjustments.filtered(lambda job: job.state == "done"):
            Job._pongo_ask_manager(
                original,
                "refund_adjustment",
                self.env._(
                    "Order %(order)s is now refunded in full, and a part of it was "
                    "already adjusted at Pongo by hand: set the rest right at "
                    "Pongo by hand too (%(refund)s).",
                    order=original._pongo_reference(),
                    refund=self._pongo_adjustment_text(),
                ),
            )
            return
        adjustments.filtered(lambda job: job.state == "manual").action_cancel()
        payload = {
            C.F_ORDER_ID: original._pongo_reference(),
            C.F_STATUS: C.ORDER_STATUS_REFUNDED,
            C.F_LOYALTY_STORE_SLUG: store_slug,
        }
        Job._enqueue(
            {
                "company_id": original.company_id.id,
                "job_type": "order_status",
                "pos_order_id": original.id,
                "depends_on_id": order_job.id,
                "payload": json.dumps(payload),
            }
        )

    def _pongo_fully_refunded(self):
        """Every sold line of this order is refunded (by one refund or several)."""
        self.ensure_one()
        self.lines.invalidate_recordset(["refunded_qty"])
        return all(line.refunded_qty >= line.qty for line in self.lines if line.qty > 0)

    def _pongo_adjustment_text(self):
        """What a manager does at Pongo for this partial refund."""
        self.ensure_one()
        original = self.refunded_order_id
        share = (
            abs(self.amount_total) / original.amount_total
            if original.amount_total
            else 0
        )
        earned = original.pongo_points_earned
        points = (
            self.env._("about %(points)s points", points=round(earned * share))
            if earned
            else self.env._(
                "the points of %(amount)s",
                amount=self.currency_id.format(abs(self.amount_total)),
            )
        )
        text = self.env._(
            "Partial refund %(refund)s of order %(order)s (%(amount)s): Pongo has no "
            "partial refund. At Pongo, take %(points)s back from %(customer)s.",
            refund=self.pos_reference or self.name,
            order=original._pongo_reference(),
            amount=self.currency_id.format(abs(self.amount_total)),
            points=points,
            customer=original.partner_id.name or "-",
        )
        refunded = self.lines.refunded_orderline_id.filtered("pongo_reward_id")
        if refunded:
            text += " " + self.env._(
                "Give back the rewards whose line was refunded: %(rewards)s.",
                rewards=", ".join(
                    original._pongo_reward_names(refunded.mapped("pongo_reward_id"))
                ),
            )
        return text

    def _pongo_reward_names(self, reward_ids):
        """Names of these Pongo rewards used by the lines, in the given order."""
        names = {}
        for line in self.lines.filtered("pongo_reward_id"):
            names.setdefault(
                line.pongo_reward_id,
                line.pongo_reward_name or line.full_product_name,
            )
        return [names.get(reward_id) or reward_id for reward_id in reward_ids]

    def _pongo_reference(self):
        return self.pos_reference or self.name

    def _pongo_customer_block(self):
        partner = self.partner_id
        if not partner:
            return None
        block = {C.F_PUBLIC_ID: partner.pongo_customer_id or None}
        if partner.pongo_phone:
            block[C.F_PHONE] = partner.pongo_phone.lstrip("+")
        if not partner.pongo_customer_id:
            # Not yet at Pongo: enough to enlist, with both consents.
            block.update(partner._pongo_customer_payload())
        return block

    def _pongo_order_payload(self):
        """The order as Pongo's QA checklist wants it (amounts in cents)."""
        self.ensure_one()
        # A voucher may span several discount lines (one per tax): once each.
        reward_ids = list(
            dict.fromkeys(filter(None, self.lines.mapped("pongo_reward_id")))
        )
        lines = []
        for line in self.lines:
            values = {
                C.F_EXTERNAL_ID: line.product_id.default_code
                or line.product_id.barcode
                or None,
                C.F_NAME: line.full_product_name or line.product_id.display_name,
                C.F_QUANTITY: line.qty,
                C.F_UNIT_AMOUNT: to_cents(
                    line.price_subtotal_incl / line.qty if line.qty else 0
                ),
                C.F_AMOUNT: to_cents(line.price_subtotal_incl),
            }
            if line.pongo_reward_id:  # both names: Pongo's documents disagree
                values[C.F_PUBLIC_REWARD_ID] = line.pongo_reward_id
                values[C.F_LINE_REWARD_ID] = line.pongo_reward_id
            lines.append(values)
        payments = [
            {
                C.F_METHOD: payment.payment_method_id.name,
                C.F_AMOUNT: to_cents(payment.amount),
            }
            for payment in self.payment_ids
        ]
        return {
            C.F_ORDER_ID: self._pongo_reference(),
            C.F_CHANNEL: C.CHANNEL_POS,
            C.F_DELIVERY_MODE: C.DELIVERY_MODE_ON_SITE,
            C.F_LOYALTY_STORE_SLUG: self._pongo_store_slug(),
            C.F_AMOUNT: to_cents(self.amount_total),
            C.F_TAXES_AMOUNT: to_cents(self.amount_tax),
            C.F_REWARD_IDS: reward_ids,
            C.F_STATUS: C.ORDER_STATUS_COMPLETED,
            C.F_CREATED_AT: fields.Datetime.to_datetime(self.date_order).isoformat()
            + "+00:00",
            C.F_DELIVERY_STATUS: C.DELIVERY_STATUS_DELIVERED,
            C.F_LINES: lines,
            C.F_CUSTOMER: self._pongo_customer_block(),
            # [hedge] the QA checklist's name for the block's public id
            C.F_CUSTOMER_PUBLIC_ID: self.partner_id.pongo_customer_id or None,
            C.F_PAYMENTS: payments,
            C.F_DEVICE_ID: f"odoo-pos-config-{self.config_id.id}",
            C.F_DEVICE_NAME: self.config_id.name,
        }

    def _pongo_after_job_done(self, job, response):
        """Keep what Pongo answered; link the partner it enlisted."""
        if job.job_type != "order":
            return
        values = {"pongo_order_id": response.get(C.F_ID)}
        if isinstance(response.get(C.F_POINTS_EARNED), int):
            values["pongo_points_earned"] = response[C.F_POINTS_EARNED]
        self.write(values)
        customer_id = response.get(C.F_CUSTOMER)
        partner = self.partner_id
        if customer_id and partner and not partner.pongo_customer_id:
            partner.with_context(pongo_no_push=True).write(
                {"pongo_customer_id": customer_id}
            )
        earned = values.get("pongo_points_earned")
        if (
            earned
            and partner.pongo_customer_id
            and not response.get("already_processed")
        ):
            # The last known balance follows (shown offline and on receipts).
            partner.with_context(pongo_no_push=True).write(
                {
                    "pongo_points": partner.pongo_points + earned,
                    "pongo_points_date": fields.Datetime.now(),
                }
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_pongo_retry(self):
        jobs = self.pongo_job_ids.filtered(
            lambda job: job.state in ("pending", "failed")
        )
        if not jobs:
            raise UserError(_("Nothing to send to Pongo for this order."))
        return jobs.action_retry()


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    pongo_reward_id = fields.Char(
        copy=False,
        help="Id of the customer's Pongo reward this line uses.",
    )
    pongo_reward_name = fields.Char(
        copy=False,
        help="Name of that Pongo reward, for the POS screen and the receipt.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # A Pongo voucher applied as an Odoo coupon: its reward id comes from it.
        card_ids = {
            vals["coupon_id"]
            for vals in vals_list
            if vals.get("coupon_id") and not vals.get("pongo_reward_id")
        }
        if card_ids:
            cards = self.env["loyalty.card"].sudo().browse(card_ids).exists()
            owned = {card.id: card.pongo_owned_reward_id for card in cards}
            for vals in vals_list:
                if owned.get(vals.get("coupon_id")) and not vals.get("pongo_reward_id"):
                    vals["pongo_reward_id"] = owned[vals["coupon_id"]]
        return super().create(vals_list)

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        if not fields_list:
            return fields_list
        return [*fields_list, "pongo_reward_id", "pongo_reward_name"]
