/* Part of pos_pongo. License LGPL-3.0 or later. */
import { onWillStart } from "@odoo/owl";
import { CartPage } from "@pos_self_order/app/pages/cart_page/cart_page";
import { LandingPage } from "@pos_self_order/app/pages/landing_page/landing_page";
import { ProductListPage } from "@pos_self_order/app/pages/product_list_page/product_list_page";
import { selfOrderIndex } from "@pos_self_order/app/self_order_index";
import { patch } from "@web/core/utils/patch";
import { PongoBanner } from "@pos_pongo_self_order/app/components/pongo_banner/pongo_banner";
import { PongoPage } from "@pos_pongo_self_order/app/pages/pongo_page/pongo_page";
import { PongoRewardsPage } from "@pos_pongo_self_order/app/pages/pongo_rewards_page/pongo_rewards_page";

Object.assign(selfOrderIndex.components, { PongoPage, PongoRewardsPage });
Object.assign(ProductListPage.components, { PongoBanner });

patch(LandingPage.prototype, {
    setup() {
        super.setup(...arguments);
        onWillStart(() => {
            // A kiosk back on its welcome screen starts afresh for the next customer.
            if (this.selfOrder.pongoIsKiosk) {
                this.selfOrder.pongoForget();
            }
        });
    },
});

patch(CartPage.prototype, {
    async _changeQuantity(line, increase) {
        if (increase && line.pongo_reward_id) {
            return; // a reward gives one product
        }
        return super._changeQuantity(...arguments);
    },
});
