/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component, onMounted, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { useBus, useService } from "@web/core/utils/hooks";
import { _t } from "@web/core/l10n/translation";
import { formatDate, parseDateTime } from "@web/core/l10n/dates";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";

/** Points, catalogue and owned rewards of the order's Pongo customer. It shows at
 * once and loads in place: the cashier sees it open even when Pongo is slow. */
export class PongoLoyaltyPanel extends Component {
    static template = "pos_pongo.LoyaltyPanel";
    static components = { Dialog };
    static props = {
        partner: Object,
        close: Function,
    };

    setup() {
        this.pos = usePos();
        this.dialog = useService("dialog");
        this.state = useState({
            loading: true,
            busy: false,
            status: false,
            message: "",
            points: false,
            available: [],
            owned: [],
            join: null,
        });
        onMounted(() => this.refresh());
        // A webhook changed this customer at Pongo: show the new state.
        useBus(this.pos.pongoBus, "customer-updated", ({ detail }) => {
            if (detail.partnerId === this.props.partner.id && !this.state.busy) {
                this.refresh();
            }
        });
    }

    get title() {
        return _t("Pongo - %s", this.props.partner.name);
    }

    get order() {
        return this.pos.get_order();
    }

    get isOk() {
        return this.state.status === "ok";
    }

    /** Why buy/apply are disabled, or "" when they are allowed. */
    get disabledReason() {
        if (["unavailable", "error", "inactive"].includes(this.state.status)) {
            return _t("Rewards cannot be bought or applied right now.");
        }
        return "";
    }

    async refresh() {
        this.state.loading = true;
        const result = await this.pos.pongoCall("pongo_loyalty", this.props.partner.id);
        this.state.status = result.status;
        this.state.message = result.message || "";
        this.state.join = result.join || null;
        const known = this.props.partner.pongo_points; // offline: the last known balance
        this.state.points =
            typeof result.points === "number"
                ? result.points
                : result.status !== "ok" && typeof known === "number"
                  ? known
                  : false;
        this.state.available = result.status === "ok" ? result.available || [] : [];
        this.state.owned = result.status === "ok" ? result.owned || [] : [];
        if (result.status === "ok") {
            // The customer in the POS (and so the receipt) has the balance shown.
            this.props.partner.update({ pongo_points: this.state.points });
        }
        this.state.loading = false;
    }

    missingLabel(reward) {
        return _t("%s points missing", reward.missing);
    }

    costLabel(points) {
        return _t("%s points", points);
    }

    ownedKind(owned) {
        return (
            {
                product: _t("Free product"),
                voucher: _t("Voucher"),
            }[owned.apply] || _t("Handed over by the staff")
        );
    }

    expiryLabel(owned) {
        if (!owned.expires_at) {
            return "";
        }
        const date = parseDateTime(owned.expires_at.slice(0, 19).replace("T", " "));
        return _t("expires on %s", formatDate(date));
    }

    isInOrder(owned) {
        return Boolean(this.order?.pongoRewardIds().includes(owned.id));
    }

    /** Free products and vouchers go on the order; other rewards are handed over. */
    isApplicable(owned) {
        return Boolean(owned.apply);
    }

    canApply(owned) {
        return this.isOk && this.isApplicable(owned) && !this.isInOrder(owned);
    }

    /** Not a member yet: the enlist form, filled from this contact. */
    async join() {
        const partner = await this.pos.pongoEnlistPartner(this.state.join || {});
        if (partner) {
            this.order?.set_partner(partner);
            await this.refresh();
        }
    }

    async buy(reward) {
        if (!this.isOk || !reward.affordable || this.state.busy) {
            return;
        }
        const after = this.state.points - reward.points;
        let body = _t(
            "Buy “%(reward)s” for %(cost)s points?\nBalance now: %(points)s points. Balance after: %(after)s points.",
            { reward: reward.name, cost: reward.points, points: this.state.points, after },
        );
        if (reward.hint) {
            body += "\n" + reward.hint;
        }
        const confirmed = await ask(this.dialog, {
            title: _t("Buy a Pongo reward"),
            body,
            confirmLabel: _t("Buy"),
        });
        if (!confirmed) {
            return;
        }
        this.state.busy = true;
        try {
            const result = await this.pos.pongoCall(
                "pongo_buy_reward",
                this.props.partner.id,
                reward.id,
            );
            if (result.status === "ok") {
                this.pos.pongoToast(_t("%s bought with Pongo points", reward.name));
            } else {
                this.pos.pongoAlert(
                    _t("The reward was not bought"),
                    result.message || _t("Pongo refused this purchase."),
                );
            }
            await this.refresh();
        } finally {
            this.state.busy = false;
        }
    }

    /** The panel stays open: several rewards can go on the order. */
    async apply(owned) {
        if (!this.canApply(owned) || this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            if (await this.pos.pongoApplyReward(this.props.partner, owned)) {
                this.pos.pongoToast(_t("%s is on the order", owned.name));
            }
        } finally {
            this.state.busy = false;
        }
    }
}
