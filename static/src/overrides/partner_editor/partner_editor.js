/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { patch } from "@web/core/utils/patch";

/** A consent changed in the partner form opened from the POS is recorded as
 * given at this point of sale. */
patch(PosStore.prototype, {
    editPartnerContext(partner) {
        return { ...super.editPartnerContext(...arguments), pongo_pos_config_id: this.config.id };
    },
});
