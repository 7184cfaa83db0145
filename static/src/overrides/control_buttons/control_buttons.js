/* Part of pos_pongo. License LGPL-3.0 or later. */
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { patch } from "@web/core/utils/patch";
import { PongoLoyaltyPanel } from "@pos_pongo/app/loyalty_panel/loyalty_panel";

patch(ControlButtons.prototype, {
    get showPongoButton() {
        return Boolean(this.pos.config.pongo_active && this.partner);
    },
    clickPongo() {
        const partner = this.partner;
        if (!partner) {
            return;
        }
        this.props.close?.();
        this.dialog.add(PongoLoyaltyPanel, { partner });
    },
});
