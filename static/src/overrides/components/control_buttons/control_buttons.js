/* Part of pos_pongo. License LGPL-3.0 or later. */
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { patch } from "@web/core/utils/patch";
import { PongoLoyaltyPanel } from "@pos_pongo/app/components/loyalty_panel/loyalty_panel";

patch(ControlButtons.prototype, {
    get showPongoButton() {
        return Boolean(this.pos.config.pongo_active && this.partner);
    },
    clickPongo() {
        const partner = this.partner;
        if (!partner || this.pos.pongoPanelOpen) {
            return; // a second tap while the panel opens does nothing
        }
        this.props.close?.();
        this.pos.pongoPanelOpen = true;
        this.dialog.add(
            PongoLoyaltyPanel,
            { partner },
            { onClose: () => (this.pos.pongoPanelOpen = false) },
        );
    },
});
