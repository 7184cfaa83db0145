/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { pongoRewardName } from "@pos_pongo/overrides/models/pos_store";

patch(PosOrderline.prototype, {
    can_be_merged_with(orderline) {
        if (this.pongo_reward_id || orderline.pongo_reward_id) {
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
        if (this.pongo_reward_id) {
            data.pongoReward = pongoRewardName(this) || _t("Pongo reward");
        }
        return data;
    },
});
