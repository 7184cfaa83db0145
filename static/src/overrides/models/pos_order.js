/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { patch } from "@web/core/utils/patch";
import { pongoRewardName, pongoRuntime } from "@pos_pongo/overrides/models/pos_store";

patch(PosOrder.prototype, {
    /** Pongo reward ids used by the lines of this order. */
    pongoRewardIds() {
        return this.lines.map((line) => line.pongo_reward_id).filter(Boolean);
    },

    removeOrderline(line) {
        const removed = line.getAllLinesInCombo().map((l) => l.pongo_reward_id);
        const result = super.removeOrderline(...arguments);
        const stillUsed = new Set(this.pongoRewardIds());
        const freed = removed.filter((id) => id && !stillUsed.has(id));
        if (freed.length && this.config.pongo_active) {
            pongoRuntime.store?.pongoForgetVoucherCoupons(this, freed);
            // Fire and forget: the reward is freed at Pongo for another order.
            pongoRuntime.store?.pongoUnlockRewards(freed);
        }
        return result;
    },

    /** pos_loyalty rebuilds discount lines: those of a Pongo voucher keep its id. */
    _getRewardLineValuesDiscount(args) {
        const result = super._getRewardLineValuesDiscount(...arguments);
        const voucher = pongoRuntime.vouchers[args.coupon_id];
        if (voucher && Array.isArray(result)) {
            for (const values of result) {
                values.pongo_reward_id = voucher.id;
                values.pongo_reward_name = voucher.name;
            }
        }
        return result;
    },

    export_for_printing() {
        const result = super.export_for_printing(...arguments);
        const partner = this.get_partner();
        if (this.config.pongo_active && partner && partner.pongo_customer_id) {
            const points = partner.pongo_points;
            result.pongo = {
                points: typeof points === "number" ? points : false,
                // A voucher may span several discount lines (one per tax): once each.
                rewards: [
                    ...new Map(
                        this.lines
                            .filter((line) => line.pongo_reward_id)
                            .map((line) => [
                                line.pongo_reward_id,
                                pongoRewardName(line) || line.get_full_product_name(),
                            ]),
                    ).values(),
                ],
            };
        }
        return result;
    },
});
