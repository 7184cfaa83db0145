/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component, onWillStart, useState } from "@odoo/owl";
import { useSelfOrder } from "@pos_self_order/app/self_order_service";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";

/** The customer's rewards at the kiosk: use the ones they own, get new ones. */
export class PongoRewardsPage extends Component {
    static template = "pos_pongo_self_order.PongoRewardsPage";
    static props = {};

    setup() {
        this.selfOrder = useSelfOrder();
        this.router = useService("router");
        this.state = useState({
            loading: true,
            message: "",
            confirm: null, // catalogue reward the customer is about to get
            choose: null, // free-product reward waiting for the customer's product choice
            busy: false,
        });
        onWillStart(() => this.load());
    }

    get pongo() {
        return this.selfOrder.pongo;
    }

    get rewards() {
        return this.pongo.rewards || { owned: [], available: [] };
    }

    get chooseProducts() {
        const ids = this.state.choose?.product_ids || [];
        return ids.map((id) => this.selfOrder.models["product.product"].get(id)).filter(Boolean);
    }

    async load() {
        this.state.loading = true;
        const answer = await this.selfOrder.pongoLoadRewards();
        this.state.loading = false;
        if (answer.status === "forgotten") {
            this.selfOrder.notification.add(answer.message, { type: "warning" });
            this.router.navigate("product_list");
        } else if (answer.status !== "ok") {
            this.state.message = answer.message;
        }
    }

    inOrder(owned) {
        return this.selfOrder.pongoInOrder(owned.id);
    }

    get confirmQuestion() {
        const reward = this.state.confirm;
        return _t("Get %(reward)s for %(points)s points?", {
            reward: reward.name,
            points: reward.points,
        });
    }

    get confirmBalance() {
        return _t("You will have %(points)s points left.", {
            points: this.pongo.customer.points - this.state.confirm.points,
        });
    }

    missingPoints(reward) {
        return _t("%(points)s more points", { points: reward.missing });
    }

    askConfirm(reward) {
        this.state.message = "";
        this.state.confirm = reward;
    }

    cancelConfirm() {
        this.state.confirm = null;
    }

    async buy() {
        const reward = this.state.confirm;
        this.state.confirm = null;
        this.state.busy = true;
        try {
            const answer = await this.selfOrder.pongoBuy(reward);
            if (answer.status === "ok") {
                this.selfOrder.notification.add(
                    _t("%(reward)s is yours. Use it now or on a next visit.", {
                        reward: reward.name,
                    }),
                    { type: "success" },
                );
                await this.load();
            } else {
                this.state.message = answer.message;
            }
        } finally {
            this.state.busy = false;
        }
    }

    async use(owned) {
        if (
            owned.apply === "voucher" &&
            this.selfOrder.currentOrder.uiState.pongoVoucherId &&
            !this.inOrder(owned)
        ) {
            this.state.message = _t("Only one voucher can be used per order.");
            return;
        }
        this.state.message = "";
        this.state.busy = true;
        let answer;
        try {
            answer = await this.selfOrder.pongoApply(owned);
        } finally {
            this.state.busy = false;
        }
        if (answer.status !== "ok") {
            this.state.message = answer.message;
            return;
        }
        const products = answer.apply === "product" ? this.chooseProductsOf(answer) : [];
        if (answer.apply === "voucher") {
            this.router.navigate("product_list");
        } else if (products.length === 1) {
            await this.addProduct(answer, products[0]);
        } else {
            this.state.choose = answer;
        }
    }

    chooseProductsOf(answer) {
        return answer.product_ids
            .map((id) => this.selfOrder.models["product.product"].get(id))
            .filter(Boolean);
    }

    async addProduct(reward, product) {
        this.state.choose = null;
        await this.selfOrder.pongoAddFreeProduct(reward, product);
    }

    back() {
        this.router.navigate("product_list");
    }
}
