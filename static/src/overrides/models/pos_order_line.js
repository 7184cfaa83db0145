/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

patch(PosOrderline.prototype, {
    /** Id of the customer's Pongo reward this line uses: a free product carries
     * it, a voucher's discount line has it from its Odoo coupon. */
    pongoRewardId() {
        return this.pongo_reward_id || this.coupon_id?.pongo_owned_reward_id || false;
    },

    /** Name of that Pongo reward, for the order line and the receipt. */
    pongoRewardName() {
        if (this.pongo_reward_name) {
            return this.pongo_reward_name;
        }
        return this.coupon_id?.pongo_owned_reward_id ? this.reward_id?.description || "" : "";
    },

    can_be_merged_with(orderline) {
        if (this.pongoRewardId() || orderline.pongoRewardId()) {
            return false;
        }
        return super.can_be_merged_with(...arguments);
    },

    set_quantity(quantity, keep_price) {
        if (this.pongo_reward_id) {
            const quant =
                typeof quantity === "number" ? quantity : parseFloat("" + (quantity || 0));
            if (Math.abs(quant) > 1) {
                return {
                    title: _t("Pongo reward"),
                    body: _t(
                        "A Pongo reward gives one free product. Add the other ones as a separate line.",
                    ),
                };
            }
        }
        return super.set_quantity(...arguments);
    },

    getDisplayData() {
        const data = super.getDisplayData(...arguments);
        if (this.pongoRewardId()) {
            data.pongoReward = this.pongoRewardName() || _t("Pongo reward");
        }
        return data;
    },
});
