/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { pongoStore } from "@pos_pongo/overrides/models/pos_store";

patch(PosOrder.prototype, {
    /** Pongo reward ids used by the lines of this order (a voucher may span
     * several discount lines, one per tax: once each). */
    pongoRewardIds() {
        return [...new Set(this.lines.map((line) => line.pongoRewardId()).filter(Boolean))];
    },

    removeOrderline(line) {
        const removed = line.getAllLinesInCombo().map((l) => l.pongoRewardId());
        const result = super.removeOrderline(...arguments);
        const stillHere = new Set(this.pongoRewardIds());
        const freed = removed.filter((id) => id && !stillHere.has(id));
        if (freed.length && this.config.pongo_active) {
            pongoStore.current?.pongoForgetVoucherCoupons(this, freed);
            // Fire and forget: the reward is freed at Pongo for another order.
            pongoStore.current?.pongoUnlockRewards(freed);
        }
        return result;
    },

    /** Pongo rewards belong to the customer they were applied for: another
     * customer (or none) takes them off the order, and they are freed at Pongo. */
    set_partner(partner) {
        const previous = this.get_partner();
        const result = super.set_partner(...arguments);
        const rewardIds = this.pongoRewardIds();
        if (previous && previous !== this.get_partner() && rewardIds.length) {
            const lines = this.lines.filter((line) => line.pongoRewardId());
            for (const line of lines) {
                line.delete();
            }
            const store = pongoStore.current;
            store?.pongoForgetVoucherCoupons(this, rewardIds);
            store?.pongoUnlockRewards(rewardIds, { except: this });
            store?.pongoToast(
                _t("The Pongo rewards of %s were taken off the order.", previous.name),
                "warning",
            );
        }
        return result;
    },

    /** pos_loyalty rebuilds its reward lines from the coupons activated on the
     * order: a Pongo voucher on the order counts as activated, also on a device
     * that did not apply it (restaurant) or after a transfer. */
    _updateRewardLines() {
        const cards = new Set(
            this.lines.map((line) => line.coupon_id).filter((card) => card?.pongo_owned_reward_id),
        );
        const missing = [...cards].filter(
            (card) => !this._code_activated_coupon_ids.includes(card),
        );
        if (missing.length) {
            this.update({ _code_activated_coupon_ids: [["link", ...missing]] });
        }
        return super._updateRewardLines(...arguments);
    },

    /** pos_loyalty rebuilds discount lines: those of a Pongo voucher keep its id
     * (from their coupon), also once pos_loyalty has dropped the coupon record. */
    _getRewardLineValuesDiscount(args) {
        const result = super._getRewardLineValuesDiscount(...arguments);
        const card = this.models["loyalty.card"].get(args.coupon_id);
        if (card?.pongo_owned_reward_id && Array.isArray(result)) {
            for (const values of result) {
                values.pongo_reward_id = card.pongo_owned_reward_id;
                values.pongo_reward_name = args.reward.description;
            }
        }
        return result;
    },

    export_for_printing() {
        const result = super.export_for_printing(...arguments);
        if (this.config.pongo_active) {
            result.loyaltyStats = []; // Pongo's balance is the one printed
        }
        const partner = this.get_partner();
        if (this.config.pongo_active && partner && partner.pongo_customer_id) {
            const points = partner.pongo_points;
            const names = new Map();
            for (const line of this.lines) {
                const rewardId = line.pongoRewardId();
                if (rewardId && !names.has(rewardId)) {
                    names.set(rewardId, line.pongoRewardName() || line.get_full_product_name());
                }
            }
            result.pongo = {
                points: typeof points === "number" ? points : false,
                rewards: [...names.values()],
            };
        }
        return result;
    },
});
