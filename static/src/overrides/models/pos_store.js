/* Part of pos_pongo. License LGPL-3.0 or later. */
import { EventBus } from "@odoo/owl";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ask, makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { SelectionPopup } from "@point_of_sale/app/utils/input_popups/selection_popup";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PongoEnlistDialog } from "@pos_pongo/app/components/enlist_dialog/enlist_dialog";

/** The running store, for the models (orders, lines) that have no access to it. */
export const pongoStore = { current: null };

patch(PosStore.prototype, {
    async afterProcessServerData() {
        const result = await super.afterProcessServerData(...arguments);
        pongoStore.current = this;
        // "customer-updated" ({ partnerId }) when a webhook changed a loaded customer.
        this.pongoBus = new EventBus();
        this.data.connectWebSocket("PONGO_CUSTOMER_UPDATED", (payload) =>
            this.pongoOnCustomerUpdated(payload),
        );
        return result;
    },

    /** A Pongo webhook changed a customer: reload it if this POS knows it. */
    async pongoOnCustomerUpdated(payload) {
        const partnerId = payload && payload.partner_id;
        if (!partnerId || !this.config.pongo_active) {
            return;
        }
        if (!this.models["res.partner"].get(partnerId)) {
            return;
        }
        try {
            await this.data.read("res.partner", [partnerId]);
        } catch (error) {
            console.warn("Pongo: customer not reloaded", error);
        }
        this.pongoBus.trigger("customer-updated", { partnerId });
    },

    /** Call a Pongo method of this point of sale; never raises for business problems. */
    async pongoCall(method, ...args) {
        try {
            return await this.data.call("pos.config", method, [[this.config.id], ...args]);
        } catch (error) {
            console.warn(`Pongo: ${method} failed`, error);
            return {
                status: "unavailable",
                message: _t("The server could not be reached. Check the connection and retry."),
            };
        }
    },

    /** Load a partner into the POS (or refresh it) and return the record. */
    async pongoLoadPartner(partnerId) {
        const records = await this.data.read("res.partner", [partnerId]);
        return (records && records[0]) || this.models["res.partner"].get(partnerId);
    },

    pongoAlert(title, body) {
        this.dialog.add(AlertDialog, { title, body });
    },

    pongoToast(message, type = "success") {
        this.notification.add(message, { type });
    },

    /**
     * What the cashier sees once a customer was looked up (``pongo_search_phone``
     * or ``pongo_scan``). Returns the customer to set on the order, or false.
     */
    async pongoCustomerFound(result, { enlist = true } = {}) {
        const status = result && result.status;
        if (status === "found" || status === "local_only") {
            const partner = await this.pongoLoadPartner(result.partner_id);
            if (status === "local_only") {
                this.pongoToast(result.message, "warning");
            } else if (partner) {
                this.pongoToast(
                    typeof partner.pongo_points === "number"
                        ? _t("%(name)s: %(points)s Pongo points", {
                              name: partner.name,
                              points: partner.pongo_points,
                          })
                        : _t("%s is a Pongo member", partner.name),
                );
            }
            return partner || false;
        }
        if (status === "not_found" && enlist) {
            return await this.pongoEnlistPartner(result.join || { phone: result.phone });
        }
        if (status === "unavailable" && result.can_enlist_offline && enlist) {
            const confirmed = await ask(this.dialog, {
                title: _t("Pongo is unavailable"),
                body: _t(
                    "%s\nEnlist the customer now? They are saved here and join Pongo with their order.",
                    result.message,
                ),
                confirmLabel: _t("Enlist now"),
                cancelLabel: _t("Not now"),
            });
            return confirmed ? await this.pongoEnlistPartner({ phone: result.phone }) : false;
        }
        const titles = {
            not_found: _t("Unknown Pongo customer"),
            invalid: _t("Pongo"),
            unavailable: _t("Pongo is unavailable"),
        };
        this.pongoAlert(
            titles[status] || _t("Pongo"),
            (result && result.message) ||
                (status === "not_found"
                    ? _t("Pongo does not know this customer.")
                    : _t("Pongo cannot be used right now.")),
        );
        return false;
    },

    /**
     * Open the enlist form (prefilled with ``values``; ``values.partner_id``: the
     * contact here who joins). Returns the customer, loaded in the POS, or false.
     */
    async pongoEnlistPartner(values = {}) {
        const answer = await makeAwaitable(this.dialog, PongoEnlistDialog, { values });
        if (!answer) {
            return false;
        }
        const partner = (await this.pongoLoadPartner(answer.partner_id)) || false;
        if (partner) {
            this.pongoToast(
                answer.message || _t("%s joined Pongo", partner.name),
                answer.status === "created_offline" ? "warning" : "success",
            );
        }
        return partner;
    },

    /** Products of this POS a free-product reward can give, in SKU order. */
    async pongoRewardProducts(skus) {
        const result = await this.pongoCall("pongo_reward_products", skus);
        const ids = (result && result.product_ids) || [];
        const missing = ids.filter((id) => !this.models["product.product"].get(id));
        if (missing.length) {
            await this.data.read("product.product", missing);
        }
        return ids.map((id) => this.models["product.product"].get(id)).filter(Boolean);
    },

    /**
     * Apply an owned free-product reward to the current order: lock it at Pongo,
     * then add the product for free (paid options keep their price).
     * Returns the new line, or false.
     */
    async pongoApplyReward(partner, owned) {
        const order = this.get_order();
        if (!order) {
            return false;
        }
        if (order.pongoRewardIds().includes(owned.id)) {
            this.pongoAlert(_t("Pongo reward"), _t("This reward is already in the order."));
            return false;
        }
        if (owned.apply === "voucher") {
            return await this.pongoApplyVoucher(partner, owned);
        }
        if (owned.apply !== "product") {
            this.pongoAlert(
                _t("Pongo reward"),
                _t("Only free products and vouchers can be applied to an order."),
            );
            return false;
        }
        const skus = owned.skus || [];
        const products = skus.length ? await this.pongoRewardProducts(skus) : [];
        if (!products.length) {
            this.pongoAlert(
                _t("No product for this reward"),
                skus.length
                    ? _t(
                          "No product of this point of sale has the internal reference or barcode %s.",
                          skus.join(", "),
                      )
                    : _t("This reward has no product reference (SKU) at Pongo."),
            );
            return false;
        }
        let product = products[0];
        if (products.length > 1) {
            product = await makeAwaitable(this.dialog, SelectionPopup, {
                title: _t("Choose the free product"),
                list: products.map((p) => ({ id: p.id, label: p.display_name, item: p })),
            });
            if (!product) {
                return false;
            }
        }
        if (!(await this.pongoReserve("pongo_lock_reward", partner, owned))) {
            return false;
        }
        const line = await this.addLineToCurrentOrder(
            {
                product_id: product,
                price_unit: 0,
                qty: 1,
                pongo_reward_id: owned.id,
                pongo_reward_name: owned.name,
            },
            {},
            product.needToConfigure(),
        );
        if (!line) {
            await this.pongoUnlockRewards([owned.id]);
            return false;
        }
        // Free base product; paid options (attribute extras) keep their price.
        line.price_type = "manual";
        line.set_unit_price(line.price_extra || 0);
        if (line.pongoRewardId() !== owned.id) {
            line.update({ pongo_reward_id: owned.id, pongo_reward_name: owned.name });
        }
        return line;
    },

    /**
     * Apply an owned voucher: Pongo locks it, the server makes it an Odoo coupon
     * with Pongo's code, and pos_loyalty applies that code like any coupon.
     * Returns the first discount line, or false.
     */
    async pongoApplyVoucher(partner, owned) {
        const order = this.get_order();
        if (!(order.get_total_with_tax() > 0)) {
            this.pongoAlert(
                _t("Pongo voucher"),
                _t("Add the products first: a voucher is a discount on the order."),
            );
            return false;
        }
        const result = await this.pongoReserve("pongo_prepare_voucher", partner, owned);
        if (!result) {
            return false;
        }
        let answer;
        try {
            // The voucher program (maybe new) reaches this POS now, its product first.
            const productId = result.discount_product_id;
            if (productId && !this.models["product.product"].get(productId)) {
                await this.data.read("product.product", [productId]);
            }
            this.models.loadData(result.pos_data, [], true);
            answer = await this.activateCode(result.code);
        } catch (error) {
            answer = _t("The voucher could not be applied. Check the connection and retry.");
            console.warn("Pongo: voucher not applied", error);
        }
        const line = order.lines.find((l) => l.pongoRewardId() === owned.id);
        if (answer === true && line) {
            return line;
        }
        this.pongoForgetVoucherCoupons(order, [owned.id]);
        await this.pongoUnlockRewards([owned.id]);
        this.pongoAlert(
            _t("The voucher was not applied"),
            typeof answer === "string" ? answer : _t("No discount applies to this order."),
        );
        return false;
    },

    /**
     * pos_loyalty applies a code (typed, scanned, or from a Pongo voucher's Apply)
     * and makes its coupon anew: a Pongo voucher's coupon and lines name it again.
     */
    async activateCode(code) {
        const order = this.get_order();
        const known = this.models["loyalty.card"].find((card) => card.code === code);
        const ownedId = known?.pongo_owned_reward_id;
        const result = await super.activateCode(...arguments);
        if (result === true && order) {
            await this.pongoMarkVoucher(order, code, ownedId);
        }
        return result;
    },

    async pongoMarkVoucher(order, code, ownedId) {
        const card = order._code_activated_coupon_ids.find((c) => c.code === code);
        if (!card || !card.program_id?.pongo_reward_id) {
            return;
        }
        if (!ownedId) {
            const [read] = await this.data.call("loyalty.card", "read", [
                [card.id],
                ["pongo_owned_reward_id"],
            ]);
            ownedId = read?.pongo_owned_reward_id;
        }
        if (!ownedId) {
            return;
        }
        card.update({ pongo_owned_reward_id: ownedId });
        for (const line of order.lines.filter((l) => l.coupon_id === card)) {
            line.update({
                pongo_reward_id: ownedId,
                pongo_reward_name: line.reward_id?.description || "",
            });
        }
    },

    /** Reserve an owned reward at Pongo through ``method``; its answer, or false
     * once the cashier is told why not. */
    async pongoReserve(method, partner, owned) {
        const result = await this.pongoCall(method, partner.id, owned.id);
        if (result && result.status === "ok") {
            return result;
        }
        this.pongoAlert(
            _t("The reward cannot be used"),
            (result && result.message) || _t("Pongo refused to reserve this reward."),
        );
        return false;
    },

    /** Take the coupons of these Pongo vouchers off the order (the reward is freed). */
    pongoForgetVoucherCoupons(order, rewardIds) {
        const coupons = order._code_activated_coupon_ids.filter((coupon) =>
            rewardIds.includes(coupon.pongo_owned_reward_id),
        );
        if (coupons.length) {
            order.update({ _code_activated_coupon_ids: [["unlink", ...coupons]] });
        }
    },

    /** The orders still open here (not paid), but ``except``. */
    pongoOpenOrders(except = null) {
        return this.models["pos.order"].filter((order) => !order.finalized && order !== except);
    },

    /** Unlock these Pongo rewards, but those another open order still holds (a
     * transfer or a split moved their lines there). */
    pongoUnlockRewards(rewardIds, { except = null } = {}) {
        const held = new Set(this.pongoOpenOrders(except).flatMap((o) => o.pongoRewardIds()));
        const ids = [...new Set(rewardIds.filter((id) => id && !held.has(id)))];
        return Promise.all(ids.map((id) => this.pongoCall("pongo_unlock_reward", id)));
    },

    async _onBeforeDeleteOrder(order) {
        const result = await super._onBeforeDeleteOrder(...arguments);
        if (result && order && !order.finalized && order.pongoRewardIds().length) {
            this.pongoKeepRewardsWithTheirOwner(order);
            await this.pongoUnlockRewards(order.pongoRewardIds(), { except: order });
        }
        return result;
    },

    /**
     * A transfer onto a table with an order merges this order's lines into it:
     * Pongo rewards belong to this order's customer. The receiving order takes that
     * customer when it has none; when it has another one, the rewards are taken
     * off it (and so unlocked), and the cashier is told.
     */
    pongoKeepRewardsWithTheirOwner(order) {
        const owner = order.get_partner();
        const ids = new Set(order.pongoRewardIds());
        for (const other of this.pongoOpenOrders(order)) {
            const moved = other.lines.filter((line) => ids.has(line.pongoRewardId()));
            if (!moved.length || !owner || other.get_partner() === owner) {
                continue;
            }
            if (!other.get_partner()) {
                other.set_partner(owner);
                continue;
            }
            for (const line of moved) {
                line.delete();
            }
            this.pongoForgetVoucherCoupons(other, [...ids]);
            this.pongoAlert(
                _t("Pongo rewards removed"),
                _t(
                    "The Pongo rewards of %(owner)s were taken off this order: it is for %(customer)s.",
                    { owner: owner.name, customer: other.get_partner().name },
                ),
            );
        }
    },

    /** The balances of the customer list: a Pongo voucher's coupon is none, and
     * where Pongo is on, its points are the one balance (no Odoo loyalty points). */
    getLoyaltyCards(partner) {
        return super
            .getLoyaltyCards(...arguments)
            .filter(
                (card) =>
                    card &&
                    !card.program_id?.pongo_reward_id &&
                    !(this.config.pongo_active && card.program_id?.program_type === "loyalty"),
            );
    },

    /** A split part that takes a Pongo reward line takes the reward's owner along:
     * Pongo confirms a reward on an order of its owner. */
    async preSyncAllOrders(orders) {
        const result = await super.preSyncAllOrders(...arguments);
        for (const order of orders) {
            const sourceUuid = order.uiState?.splittedOrderUuid;
            if (!sourceUuid || order.get_partner() || !order.pongoRewardIds().length) {
                continue;
            }
            const source = this.models["pos.order"].getBy("uuid", sourceUuid);
            if (source?.get_partner()) {
                order.set_partner(source.get_partner());
            }
        }
        return result;
    },
});
