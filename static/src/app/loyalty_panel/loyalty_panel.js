/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { useBus, useService } from "@web/core/utils/hooks";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";

/** Points, catalogue and owned rewards of the order's Pongo customer. */
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
        });
        onWillStart(() => this.refresh());
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
        if (this.state.status === "unavailable") {
            return _t("Pongo is unavailable: rewards cannot be bought or applied right now.");
        }
        if (this.state.status === "not_linked") {
            return _t("This customer is not a Pongo member.");
        }
        return "";
    }

    async refresh() {
        this.state.loading = true;
        const result = await this.pos.pongoCall("pongo_loyalty", this.props.partner.id);
        this.state.status = result.status;
        this.state.message = result.message || "";
        const known = this.props.partner.pongo_points; // offline: the last known balance
        this.state.points =
            typeof result.points === "number"
                ? result.points
                : result.status === "unavailable" && typeof known === "number"
                  ? known
                  : false;
        this.state.available = result.status === "ok" ? result.available || [] : [];
        this.state.owned = result.status === "ok" ? result.owned || [] : [];
        if (this.state.points !== false) {
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

    async buy(reward) {
        if (!this.isOk || !reward.affordable || this.state.busy) {
            return;
        }
        const after = this.state.points - reward.points;
        const confirmed = await ask(this.dialog, {
            title: _t("Buy a Pongo reward"),
            body: _t(
                "Buy “%(reward)s” for %(cost)s points?\nBalance now: %(points)s points. Balance after: %(after)s points.",
                { reward: reward.name, cost: reward.points, points: this.state.points, after },
            ),
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
            if (result.status !== "ok") {
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

    async apply(owned) {
        if (!this.canApply(owned) || this.state.busy) {
            return;
        }
        this.state.busy = true;
        let applied = false;
        try {
            applied = await this.pos.pongoApplyReward(this.props.partner, owned);
        } finally {
            this.state.busy = false;
        }
        if (applied) {
            this.props.close();
        }
    }
}
