/* Part of pos_pongo. License LGPL-3.0 or later. */
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

patch(OrderSummary.prototype, {
    /** Removing a Pongo voucher's discount: say where it goes back (the customer's
     * Pongo rewards), not pos_loyalty's "claim it through the reward button". */
    async updateSelectedOrderline({ buffer, key }) {
        const line = this.currentOrder.get_selected_orderline();
        const rewardId = line?.is_reward_line && line.pongoRewardId();
        if (rewardId && !line.manual_reward && (key === "Backspace" || key === "Delete")) {
            const confirmed = await ask(this.dialog, {
                title: _t("Remove the Pongo voucher"),
                body: _t(
                    "Remove %s from this order? It goes back to the customer's Pongo rewards.",
                    line.pongoRewardName() || _t("this voucher"),
                ),
                cancelLabel: _t("No"),
                confirmLabel: _t("Yes"),
            });
            if (!confirmed) {
                return;
            }
            line.manual_reward = true; // asked already: pos_loyalty does not ask again
            return await super.updateSelectedOrderline({ buffer: null, key });
        }
        return await super.updateSelectedOrderline(...arguments);
    },
});
